#include "storage/listpack.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace tessera::storage {
namespace {

using Strings = std::vector<std::string>;

// 8-byte header + entries + 1-byte terminator.
constexpr size_t kOverhead = 9;

Strings Forward(const Listpack& lp) {
  Strings out;
  Listpack::Value v;
  for (Listpack::Cursor c = lp.Begin(); c.Valid(); c.Next()) {
    EXPECT_EQ(c.index(), out.size());
    c.Read(&v);
    out.emplace_back(v.str);
  }
  return out;
}

Strings Backward(const Listpack& lp) {
  Strings out;
  Listpack::Value v;
  for (Listpack::Cursor c = lp.Last(); c.Valid(); c.Prev()) {
    EXPECT_EQ(c.index(), lp.size() - 1 - out.size());
    c.Read(&v);
    out.insert(out.begin(), std::string(v.str));
  }
  return out;
}

Strings ByIndex(const Listpack& lp) {
  Strings out;
  Listpack::Value v;
  for (size_t i = 0; i < lp.size(); ++i) {
    lp.Get(i, &v);
    out.emplace_back(v.str);
  }
  return out;
}

void ExpectContents(const Listpack& lp, const Strings& want) {
  ASSERT_EQ(lp.size(), want.size());
  EXPECT_EQ(Forward(lp), want);
  EXPECT_EQ(Backward(lp), want);
  EXPECT_EQ(ByIndex(lp), want);
}

// Bytes of a listpack holding the single value `v`.
size_t SingleEntryBytes(std::string_view v) {
  Listpack lp;
  lp.PushBack(v);
  return lp.bytes();
}

TEST(ListpackTest, EmptyOwnsNothing) {
  Listpack lp;
  EXPECT_EQ(lp.size(), 0u);
  EXPECT_EQ(lp.bytes(), 0u);
  EXPECT_TRUE(lp.empty());
  EXPECT_FALSE(lp.Begin().Valid());
  EXPECT_FALSE(lp.Last().Valid());
  EXPECT_FALSE(lp.At(0).Valid());
  EXPECT_EQ(lp.Find("x"), 0u);
  lp.Erase(0, 3);  // no-op
  EXPECT_EQ(lp.bytes(), 0u);
}

// Integers take Redis's integer encodings; the entry sizes pin the byte format (encoding + data
// + 1-byte back-length).
TEST(ListpackTest, IntegerEncodingsAtTheirBoundaries) {
  struct Case {
    const char* text;
    size_t entry;
  };
  const Case cases[] = {
      {"0", 2},
      {"127", 2},
      {"128", 3},
      {"-1", 3},
      {"-4096", 3},
      {"4095", 3},
      {"4096", 4},
      {"-4097", 4},
      {"32767", 4},
      {"-32768", 4},
      {"32768", 5},
      {"-32769", 5},
      {"8388607", 5},
      {"-8388608", 5},
      {"8388608", 6},
      {"-8388609", 6},
      {"2147483647", 6},
      {"-2147483648", 6},
      {"2147483648", 10},
      {"-2147483649", 10},
      {"9223372036854775807", 10},
      {"-9223372036854775808", 10},
  };
  Listpack all;
  Strings want;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(SingleEntryBytes(c.text), kOverhead + c.entry);
    all.PushBack(c.text);
    want.push_back(c.text);
    Listpack::Value v;
    all.Get(all.size() - 1, &v);
    EXPECT_TRUE(v.is_int);
    EXPECT_EQ(v.str, c.text);
    EXPECT_EQ(std::to_string(v.integer), c.text);
  }
  ExpectContents(all, want);
}

// Only canonical decimal int64s become integers; everything else keeps its exact bytes.
TEST(ListpackTest, NonCanonicalNumbersStayStrings) {
  const Strings texts = {"01",  "-0", "+1",  " 1",  "1 ",  "9223372036854775808",
                         "1.5", "",   "abc", "0x1", "1e3", "-"};
  Listpack lp;
  for (const std::string& t : texts) lp.PushBack(t);
  Listpack::Value v;
  for (size_t i = 0; i < texts.size(); ++i) {
    lp.Get(i, &v);
    EXPECT_FALSE(v.is_int) << texts[i];
    EXPECT_EQ(v.str, texts[i]);
  }
  ExpectContents(lp, texts);
}

TEST(ListpackTest, StringEncodingsAndBacklenBoundaries) {
  // 6-bit length up to 63, 12-bit up to 4095, then 32-bit; back-length grows past 127 and 16382.
  struct Case {
    size_t len;
    size_t entry;
  };
  const Case cases[] = {
      {0, 2},       {1, 3},       {63, 65},       {64, 67},       {125, 128},       {126, 130},
      {4095, 4099}, {4096, 4103}, {16377, 16384}, {16378, 16386}, {100000, 100008},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.len);
    std::string s(c.len, 'x');
    if (!s.empty()) s[0] = 'a';
    EXPECT_EQ(SingleEntryBytes(s), kOverhead + c.entry);
    Listpack lp;
    lp.PushBack("first");
    lp.PushBack(s);
    lp.PushBack("7");
    ExpectContents(lp, {"first", s, "7"});
  }
}

// The entries are Redis's byte for byte: this blob is what redis-server 7.0.15 DUMPs (with
// rdbcompression off) for HSET h a 1 bb -1 ccc 200 k 100000 x 5000000000.
TEST(ListpackTest, RedisBlobMatchesRedis) {
  Listpack lp;
  for (const char* s : {"a", "1", "bb", "-1", "ccc", "200", "k", "100000", "x", "5000000000"}) {
    lp.PushBack(s);
  }
  const std::string want(
      "0\x00\x00\x00\n\x00\x81"
      "a\x02\x01\x01\x82"
      "bb\x03\xdf\xff\x02\x83"
      "ccc\x04\xc0\xc8\x02\x81k\x02\xf2\xa0\x86\x01\x04\x81x\x02\xf4\x00\xf2\x05*\x01\x00"
      "\x00\x00\t\xff",
      48);
  EXPECT_EQ(lp.ToRedisBlob(), want);
  EXPECT_EQ(Listpack().ToRedisBlob(), std::string("\x07\x00\x00\x00\x00\x00\xff", 7));
}

TEST(ListpackTest, BinarySafe) {
  std::string bin("a\0b\r\n\xff", 6);
  Listpack lp;
  lp.PushBack(bin);
  lp.PushFront(std::string(1, '\xff'));
  ExpectContents(lp, {std::string(1, '\xff'), bin});
  EXPECT_EQ(lp.Find(bin), 1u);
}

TEST(ListpackTest, PushInsertReplaceErase) {
  Listpack lp;
  lp.PushBack("b");
  lp.PushFront("a");
  lp.PushBack("100000");
  lp.Insert(1, "x");
  lp.Insert(lp.size(), "tail");
  lp.Insert(0, "-5");
  ExpectContents(lp, {"-5", "a", "x", "b", "100000", "tail"});

  lp.Replace(2, std::string(300, 'y'));  // grows, back-length becomes 2 bytes
  lp.Replace(0, "head");                 // integer -> string
  lp.Replace(5, "42");                   // string -> integer
  ExpectContents(lp, {"head", "a", std::string(300, 'y'), "b", "100000", "42"});
  lp.Replace(2, "");  // shrinks
  ExpectContents(lp, {"head", "a", "", "b", "100000", "42"});

  lp.Erase(1, 2);
  ExpectContents(lp, {"head", "b", "100000", "42"});
  lp.Erase(3);
  ExpectContents(lp, {"head", "b", "100000"});
  lp.Erase(1, 100);  // clamped to the end
  ExpectContents(lp, {"head"});
  lp.Erase(5);  // out of range: nothing
  ExpectContents(lp, {"head"});
  lp.Erase(0);
  EXPECT_TRUE(lp.empty());
  EXPECT_EQ(lp.bytes(), 0u);
  lp.PushBack("again");
  ExpectContents(lp, {"again"});
  lp.Clear();
  EXPECT_EQ(lp.size(), 0u);
  EXPECT_EQ(lp.bytes(), 0u);
}

TEST(ListpackTest, BytesTrackEveryMutation) {
  Listpack lp;
  lp.PushBack("abc");      // 1 + 3 + 1
  lp.PushBack("1000");     // 2 + 1 (13-bit int)
  lp.PushBack("1000000");  // 4 + 1 (24-bit int)
  EXPECT_EQ(lp.bytes(), kOverhead + 5 + 3 + 5);
  lp.Replace(0, "abcdef");
  EXPECT_EQ(lp.bytes(), kOverhead + 8 + 3 + 5);
  lp.Erase(1);
  EXPECT_EQ(lp.bytes(), kOverhead + 8 + 5);
}

TEST(ListpackTest, FindByValueAndStep) {
  Listpack lp;
  // field/value pairs: f1 1, f2 v, 1 f1, 12 12
  for (const char* s : {"f1", "1", "f2", "v", "1", "f1", "12", "12"}) lp.PushBack(s);
  EXPECT_EQ(lp.Find("f1"), 0u);
  EXPECT_EQ(lp.Find("f1", 1), 5u);
  EXPECT_EQ(lp.Find("f1", 0, 2), 0u);
  EXPECT_EQ(lp.Find("f1", 2, 2), lp.size());  // only a value equals f1 after the first field
  EXPECT_EQ(lp.Find("1"), 1u);
  EXPECT_EQ(lp.Find("1", 0, 2), 4u);  // fields only
  EXPECT_EQ(lp.Find("12", 0, 2), 6u);
  EXPECT_EQ(lp.Find("12", 7), 7u);
  EXPECT_EQ(lp.Find("01"), lp.size());  // not the integer 1
  EXPECT_EQ(lp.Find("missing"), lp.size());
  EXPECT_EQ(lp.Find("f1", 100), lp.size());
}

TEST(ListpackTest, CursorBothWays) {
  Listpack lp;
  for (int i = 0; i < 50; ++i)
    lp.PushBack(i % 3 == 0 ? std::to_string(i * 1000) : "s" + std::to_string(i));
  Listpack::Cursor c = lp.At(25);
  ASSERT_TRUE(c.Valid());
  EXPECT_EQ(c.index(), 25u);
  EXPECT_TRUE(c.Equals("s25"));
  EXPECT_FALSE(c.Equals("s26"));
  c.Next();
  EXPECT_TRUE(c.Equals("s26"));
  c.Prev();
  c.Prev();
  EXPECT_TRUE(c.Equals("24000"));
  EXPECT_FALSE(c.Equals("024000"));
  // Past the end: Prev() comes back to the last entry.
  Listpack::Cursor end = lp.At(lp.size());
  EXPECT_FALSE(end.Valid());
  end.Prev();
  ASSERT_TRUE(end.Valid());
  EXPECT_TRUE(end.Equals("s49"));
  // Before the head: invalid.
  Listpack::Cursor head = lp.Begin();
  head.Prev();
  EXPECT_FALSE(head.Valid());
  Listpack::Cursor last = lp.Last();
  last.Next();
  EXPECT_FALSE(last.Valid());
}

TEST(ListpackTest, SplitOffAndAppend) {
  Listpack lp;
  Strings all;
  for (int i = 0; i < 10; ++i) {
    std::string v = i % 2 ? std::to_string(i) : "e" + std::to_string(i);
    lp.PushBack(v);
    all.push_back(v);
  }
  Listpack tail = lp.SplitOff(6);
  ExpectContents(lp, Strings(all.begin(), all.begin() + 6));
  ExpectContents(tail, Strings(all.begin() + 6, all.end()));
  size_t entries = 0;
  for (const std::string& v : all) entries += Listpack::EncodedSize(v);
  EXPECT_EQ(lp.bytes() + tail.bytes(), 2 * kOverhead + entries);
  lp.Append(tail);
  ExpectContents(lp, all);
  ExpectContents(tail, Strings(all.begin() + 6, all.end()));  // Append copies

  Listpack whole = lp.SplitOff(0);
  EXPECT_TRUE(lp.empty());
  ExpectContents(whole, all);
  Listpack none = whole.SplitOff(whole.size());
  EXPECT_TRUE(none.empty());
  lp.Append(whole);  // into an empty listpack
  ExpectContents(lp, all);
  lp.Append(Listpack());
  ExpectContents(lp, all);
}

TEST(ListpackTest, CopyAndMove) {
  Listpack a;
  a.PushBack("x");
  a.PushBack("7");
  Listpack b(a);
  b.PushBack("y");
  ExpectContents(a, {"x", "7"});
  ExpectContents(b, {"x", "7", "y"});
  a = b;
  ExpectContents(a, {"x", "7", "y"});
  Listpack c(std::move(a));
  ExpectContents(c, {"x", "7", "y"});
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  b = std::move(c);
  ExpectContents(b, {"x", "7", "y"});
  b = b;  // self-assignment keeps the contents
  ExpectContents(b, {"x", "7", "y"});
}

TEST(ListpackTest, EncodedSizeMatchesGrowth) {
  for (const char* v : {"", "a", "127", "128", "-4096", "99999999999", "x"}) {
    Listpack lp;
    lp.PushBack("seed");
    size_t before = lp.bytes();
    lp.PushBack(v);
    EXPECT_EQ(lp.bytes() - before, Listpack::EncodedSize(v)) << v;
  }
}

// Random operations against a vector model, checked in full after each step.
TEST(ListpackTest, RandomOperationsMatchAModel) {
  std::mt19937 rng(12345);
  auto random_value = [&rng]() -> std::string {
    switch (rng() % 5) {
      case 0:
        return std::to_string(static_cast<int64_t>(rng()) - (1LL << 31));
      case 1:
        return std::to_string(static_cast<int64_t>(rng() % 300) - 150);
      case 2:
        return std::string(rng() % 200, static_cast<char>('a' + rng() % 26));
      case 3:
        return std::string(rng() % 5000, 'z');
      default:
        return "k" + std::to_string(rng() % 10);
    }
  };
  Listpack lp;
  Strings model;
  for (int step = 0; step < 1500; ++step) {
    switch (rng() % 6) {
      case 0:
      case 1: {
        size_t at = rng() % (model.size() + 1);
        std::string v = random_value();
        lp.Insert(at, v);
        model.insert(model.begin() + static_cast<ptrdiff_t>(at), v);
        break;
      }
      case 2:
        if (!model.empty()) {
          size_t at = rng() % model.size();
          std::string v = random_value();
          lp.Replace(at, v);
          model[at] = v;
        }
        break;
      case 3:
        if (!model.empty()) {
          size_t at = rng() % model.size();
          size_t n = 1 + rng() % 3;
          lp.Erase(at, n);
          model.erase(model.begin() + static_cast<ptrdiff_t>(at),
                      model.begin() + static_cast<ptrdiff_t>(std::min(model.size(), at + n)));
        }
        break;
      case 4: {
        std::string v = "k" + std::to_string(rng() % 10);
        size_t want = model.size();
        for (size_t i = 0; i < model.size(); ++i) {
          if (model[i] == v) {
            want = i;
            break;
          }
        }
        EXPECT_EQ(lp.Find(v), want);
        break;
      }
      default:
        if (rng() % 4 == 0) {
          size_t at = rng() % (model.size() + 1);
          Listpack tail = lp.SplitOff(at);
          lp.Append(tail);
        }
    }
    if (step % 25 == 0 || model.size() < 5) ExpectContents(lp, model);
  }
  ExpectContents(lp, model);
}

}  // namespace
}  // namespace tessera::storage
