#include "storage/hash_value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace tessera::storage {
namespace {

using Pairs = std::vector<FieldValue>;

// A hash owned by the test, replaced as mutations ask (what hash_ops does inside a table).
struct OwnedHash {
  std::unique_ptr<HashValue> v = HashValue::Create();
  HashLimits limits;
  int replacements = 0;

  bool Set(std::string_view f, std::string_view value) {
    HashValue::SetResult r = v->Set(f, value, limits);
    if (r.replacement != nullptr) {
      v = std::move(r.replacement);
      ++replacements;
    }
    return r.created;
  }
  std::string Get(std::string_view f) const {
    std::string out;
    return v->Get(f, &out) ? out : "<nil>";
  }
  std::string encoding() const { return v->EncodingName(); }
  Pairs Sorted() const {
    Pairs p = v->Pairs();
    std::sort(p.begin(), p.end());
    return p;
  }
};

OwnedHash TableHash() {
  OwnedHash h;
  h.v = std::make_unique<TableHashValue>();
  return h;
}

TEST(HashValueTest, NewHashIsAnEmptyListpack) {
  std::unique_ptr<HashValue> h = HashValue::Create();
  EXPECT_STREQ(h->EncodingName(), "listpack");
  EXPECT_EQ(h->size(), 0u);
  EXPECT_FALSE(h->Contains("f"));
  // The object alone: vtable pointer + byte and pair counts, no pair data yet.
  EXPECT_EQ(h->MemoryUsage(), 16u);
  EXPECT_EQ(h->InlineSize(), 16u);
}

TEST(HashValueTest, ListpackKeepsInsertionOrder) {
  OwnedHash h;
  EXPECT_TRUE(h.Set("b", "1"));
  EXPECT_TRUE(h.Set("a", "two"));
  EXPECT_TRUE(h.Set("", ""));
  EXPECT_FALSE(h.Set("b", "one"));  // update in place, order kept
  EXPECT_EQ(h.v->Pairs(), (Pairs{{"b", "one"}, {"a", "two"}, {"", ""}}));
  EXPECT_EQ(h.Get("a"), "two");
  EXPECT_EQ(h.Get(""), "");
  EXPECT_EQ(h.Get("zz"), "<nil>");
  EXPECT_TRUE(h.v->Delete("a"));
  EXPECT_FALSE(h.v->Delete("a"));
  EXPECT_EQ(h.v->Pairs(), (Pairs{{"b", "one"}, {"", ""}}));
  EXPECT_EQ(h.encoding(), "listpack");
  EXPECT_GT(h.v->MemoryUsage(), 16u);
}

TEST(HashValueTest, IntegersRoundTripThroughTheListpack) {
  OwnedHash h;
  h.Set("1", "-9223372036854775808");
  h.Set("01", "007");  // not canonical: kept as strings
  h.Set("f", "12");
  EXPECT_EQ(h.Get("1"), "-9223372036854775808");
  EXPECT_EQ(h.Get("01"), "007");
  EXPECT_FALSE(h.v->Contains("001"));
  EXPECT_EQ(h.v->Pairs(), (Pairs{{"1", "-9223372036854775808"}, {"01", "007"}, {"f", "12"}}));
}

TEST(HashValueTest, ConvertsPastMaxEntries) {
  OwnedHash h;
  h.limits.max_listpack_entries = 3;
  for (const char* f : {"a", "b", "c"}) h.Set(f, "v");
  EXPECT_EQ(h.encoding(), "listpack");
  h.Set("a", "updated");  // updates do not count
  EXPECT_EQ(h.encoding(), "listpack");
  EXPECT_TRUE(h.Set("d", "v"));
  EXPECT_EQ(h.encoding(), "hashtable");
  EXPECT_EQ(h.Sorted(), (Pairs{{"a", "updated"}, {"b", "v"}, {"c", "v"}, {"d", "v"}}));
  // Never back to a listpack.
  for (const char* f : {"a", "b", "c"}) h.v->Delete(f);
  EXPECT_EQ(h.encoding(), "hashtable");
  // hash-max-listpack-entries 0: the first field converts.
  OwnedHash z;
  z.limits.max_listpack_entries = 0;
  z.Set("f", "v");
  EXPECT_EQ(z.encoding(), "hashtable");
}

TEST(HashValueTest, ConvertsForLongFieldsOrValues) {
  for (bool long_field : {false, true}) {
    OwnedHash h;
    h.limits.max_listpack_value = 8;
    const std::string at_limit(8, 'x');
    const std::string past_limit(9, 'y');
    h.Set(at_limit, at_limit);
    EXPECT_EQ(h.encoding(), "listpack");
    if (long_field) {
      EXPECT_TRUE(h.Set(past_limit, "v"));
    } else {
      EXPECT_FALSE(h.Set(at_limit, past_limit));  // an update with a long value converts too
    }
    EXPECT_EQ(h.encoding(), "hashtable");
    EXPECT_EQ(h.v->size(), long_field ? 2u : 1u);
    EXPECT_EQ(h.Get(at_limit), long_field ? at_limit : past_limit);
  }
}

TEST(HashValueTest, TableStoresBinaryFieldsAndResizesValues) {
  OwnedHash h = TableHash();
  const std::string binary("f\0\r\n", 4);
  EXPECT_TRUE(h.Set(binary, "short"));
  EXPECT_TRUE(h.Set("", std::string(300, 'v')));  // two-byte value length
  EXPECT_FALSE(h.Set(binary, std::string(20000, 'w')));
  EXPECT_EQ(h.Get(binary), std::string(20000, 'w'));
  EXPECT_FALSE(h.Set(binary, "s"));
  EXPECT_EQ(h.Get(binary), "s");
  EXPECT_FALSE(h.Set(binary, "t"));  // same size: rewritten in place
  EXPECT_EQ(h.Get(binary), "t");
  EXPECT_EQ(h.Get(""), std::string(300, 'v'));
  EXPECT_EQ(h.v->size(), 2u);
  EXPECT_TRUE(h.v->Delete(binary));
  EXPECT_FALSE(h.v->Contains(binary));
  EXPECT_EQ(h.replacements, 0);
}

TEST(HashValueTest, TableMemoryUsageTracksValues) {
  OwnedHash h = TableHash();
  const size_t empty = h.v->MemoryUsage();
  h.Set("field", "value");  // next + 1 + 5 + 1 + 5 = 20 -> 32, plus the 4-bucket array
  EXPECT_EQ(h.v->MemoryUsage(), empty + 32 + 32);
  h.Set("field", std::string(100, 'x'));  // 8 + 1 + 5 + 1 + 100 = 115 -> 128
  EXPECT_EQ(h.v->MemoryUsage(), empty + 32 + 128);
  h.v->Delete("field");
  EXPECT_EQ(h.v->MemoryUsage(), empty + 32);
}

TEST(HashValueTest, ScanCoversTheTableAcrossResizes) {
  OwnedHash h = TableHash();
  for (int i = 0; i < 300; ++i) h.Set("f" + std::to_string(i), std::to_string(i));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    Pairs batch;
    cursor = h.v->Scan(cursor, 7, &batch);
    for (const FieldValue& p : batch) {
      EXPECT_EQ("f" + p.second, p.first);
      seen.insert(p.first);
    }
    if (++calls == 3) {
      for (int i = 300; i < 2000; ++i) h.Set("f" + std::to_string(i), std::to_string(i));
    }
  } while (cursor != 0);
  for (int i = 0; i < 300; ++i) EXPECT_TRUE(seen.count("f" + std::to_string(i))) << i;
}

TEST(HashValueTest, ListpackScanReturnsEverythingAtOnce) {
  OwnedHash h;
  h.Set("a", "1");
  h.Set("b", "2");
  Pairs out;
  EXPECT_EQ(h.v->Scan(0, 1, &out), 0u);
  EXPECT_EQ(out, (Pairs{{"a", "1"}, {"b", "2"}}));
}

TEST(HashValueTest, RandomPairsAndClones) {
  Rng rng(3);
  for (bool table : {false, true}) {
    OwnedHash h = table ? TableHash() : OwnedHash();
    for (const char* f : {"a", "b", "c"}) h.Set(f, std::string(f) + "-v");
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
      FieldValue p = h.v->RandomPair(rng);
      EXPECT_EQ(p.second, p.first + "-v");
      seen.insert(p.first);
    }
    EXPECT_EQ(seen.size(), 3u);
    std::unique_ptr<StoredObject> copy = h.v->Clone();
    auto* hash_copy = static_cast<HashValue*>(copy.get());
    EXPECT_STREQ(copy->EncodingName(), h.v->EncodingName());
    EXPECT_EQ(copy->MemoryUsage(), h.v->MemoryUsage());
    h.Set("a", "changed");
    std::string value;
    ASSERT_TRUE(hash_copy->Get("a", &value));
    EXPECT_EQ(value, "a-v");
  }
}

}  // namespace
}  // namespace tessera::storage
