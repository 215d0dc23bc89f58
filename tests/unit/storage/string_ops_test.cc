#include "storage/string_ops.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/errors.h"
#include "storage/expire_args.h"
#include "storage/key_ops.h"
#include "tests/unit/storage/test_util.h"

namespace tessera::storage {
namespace {

using testing::MakeKeepAllRecorder;
using testing::StringOf;
using testing::TakeEvents;
using Strings = std::vector<std::string>;

constexpr int64_t kNow = 1'700'000'000'000;

class StringOpsTest : public ::testing::Test {
 protected:
  std::string Get(std::string_view key, int64_t now = kNow) {
    std::string out;
    OpStatus s = OpGet(db_, key, now, &out);
    if (s == OpStatus::kNoKey) return "<nil>";
    if (s == OpStatus::kWrongType) return "<wrongtype>";
    return out;
  }
  const char* Encoding(std::string_view key) { return OpObjectEncoding(db_, key, kNow); }
  void Set(std::string_view key, std::string_view value) {
    ASSERT_EQ(OpSet(db_, key, value, SetParams{}, kNow).status, OpStatus::kOk);
  }
  // A key holding a non-string value.
  void MakeList(std::string_view key) {
    struct FakeList : StoredObject {
      const char* EncodingName() const override { return "listpack"; }
      std::unique_ptr<StoredObject> Clone() const override { return std::make_unique<FakeList>(); }
      size_t MemoryUsage() const override { return sizeof(*this); }
    };
    db_.AddNew(key, ValueInit::Object(ValueType::kList, std::make_unique<FakeList>()));
  }

  ChangeRecorder recorder_ = MakeKeepAllRecorder();
  DbTable db_{0, &recorder_};
};

TEST_F(StringOpsTest, GetMissingAndWrongType) {
  EXPECT_EQ(Get("nope"), "<nil>");
  MakeList("list");
  EXPECT_EQ(Get("list"), "<wrongtype>");
  EXPECT_EQ(ErrorText(OpStatus::kWrongType),
            "WRONGTYPE Operation against a key holding the wrong kind of value");
}

// OpGetView answers what OpGet answers, for every string encoding, without copying.
TEST_F(StringOpsTest, GetViewMatchesGetForEveryEncoding) {
  Set("int", "-12345");
  Set("emb", "short value");
  Set("raw", std::string(100, 'r'));
  MakeList("list");
  for (const char* key : {"int", "emb", "raw", "list", "missing"}) {
    char buf[kInt64BufSize];
    std::string_view view;
    std::string copy;
    EXPECT_EQ(OpGetView(db_, key, kNow, buf, &view), OpGet(db_, key, kNow, &copy)) << key;
    EXPECT_EQ(std::string(view), copy) << key;
  }
  char buf[kInt64BufSize];
  std::string_view view;
  ASSERT_EQ(OpGetView(db_, "int", kNow, buf, &view), OpStatus::kOk);
  EXPECT_EQ(view, "-12345");
}

TEST_F(StringOpsTest, SetRecordsNewSetAndOverwrites) {
  TakeEvents(recorder_);
  Set("k", "v1");
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:k", "set:k"}));
  Set("k", "v2");
  EXPECT_EQ(TakeEvents(recorder_), Strings{"set:k"});
  EXPECT_EQ(Get("k"), "v2");
  MakeList("list");
  Set("list", "now a string");
  EXPECT_EQ(Get("list"), "now a string");
}

TEST_F(StringOpsTest, SetNxXx) {
  SetParams nx;
  nx.condition = SetParams::Condition::kIfAbsent;
  SetParams xx;
  xx.condition = SetParams::Condition::kIfPresent;
  EXPECT_EQ(OpSet(db_, "k", "a", xx, kNow).status, OpStatus::kNotPerformed);
  EXPECT_EQ(Get("k"), "<nil>");
  EXPECT_EQ(OpSet(db_, "k", "a", nx, kNow).status, OpStatus::kOk);
  EXPECT_EQ(OpSet(db_, "k", "b", nx, kNow).status, OpStatus::kNotPerformed);
  EXPECT_EQ(Get("k"), "a");
  EXPECT_EQ(OpSet(db_, "k", "c", xx, kNow).status, OpStatus::kOk);
  EXPECT_EQ(Get("k"), "c");
  TakeEvents(recorder_);
  OpSet(db_, "k", "d", nx, kNow);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
}

TEST_F(StringOpsTest, SetTtlOptions) {
  SetParams ex;
  ex.expire_at_ms = kNow + 10'000;
  TakeEvents(recorder_);
  ASSERT_EQ(OpSet(db_, "k", "v", ex, kNow).status, OpStatus::kOk);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:k", "set:k", "expire:k"}));
  EXPECT_EQ(OpTtl(db_, "k", TtlQuery::kPTtl, kNow), 10'000);

  // Plain SET drops the TTL; KEEPTTL keeps it.
  ASSERT_EQ(OpSet(db_, "k", "v", ex, kNow).status, OpStatus::kOk);
  SetParams keep;
  keep.keep_ttl = true;
  OpSet(db_, "k", "v2", keep, kNow);
  EXPECT_EQ(OpTtl(db_, "k", TtlQuery::kPTtl, kNow), 10'000);
  Set("k", "v3");
  EXPECT_EQ(OpTtl(db_, "k", TtlQuery::kPTtl, kNow), -1);

  // A new deadline replaces an old one.
  ex.expire_at_ms = kNow + 5;
  OpSet(db_, "k", "v4", ex, kNow);
  ex.expire_at_ms = kNow + 7;
  OpSet(db_, "k", "v5", ex, kNow);
  EXPECT_EQ(OpTtl(db_, "k", TtlQuery::kPExpireTime, kNow), kNow + 7);
  EXPECT_EQ(db_.expires_count(), 1u);

  // A deadline in the past is stored, and the key expires on its next access.
  SetParams past;
  past.expire_at_ms = kNow - 1;
  OpSet(db_, "p", "v", past, kNow);
  TakeEvents(recorder_);
  EXPECT_EQ(Get("p"), "<nil>");
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"expired:p", "keymiss:p"}));
}

TEST_F(StringOpsTest, SetGet) {
  SetParams get;
  get.get = true;
  SetResult r = OpSet(db_, "k", "v1", get, kNow);
  EXPECT_EQ(r.status, OpStatus::kOk);
  EXPECT_FALSE(r.had_old);
  r = OpSet(db_, "k", "v2", get, kNow);
  EXPECT_TRUE(r.had_old);
  EXPECT_EQ(r.old_value, "v1");
  // NX + GET on an existing key: not stored, old value still reported.
  get.condition = SetParams::Condition::kIfAbsent;
  r = OpSet(db_, "k", "v3", get, kNow);
  EXPECT_EQ(r.status, OpStatus::kNotPerformed);
  EXPECT_EQ(r.old_value, "v2");
  EXPECT_EQ(Get("k"), "v2");
  // GET against a non-string: error, nothing written.
  MakeList("list");
  get.condition = SetParams::Condition::kAlways;
  EXPECT_EQ(OpSet(db_, "list", "x", get, kNow).status, OpStatus::kWrongType);
  EXPECT_STREQ(OpType(db_, "list", kNow), "list");
}

TEST_F(StringOpsTest, SetEncodings) {
  Set("i", "123");
  Set("neg", "-5");
  Set("lead", "0123");
  Set("big", "99999999999999999999");
  Set("emb", std::string(44, 'a'));
  Set("raw", std::string(45, 'a'));
  EXPECT_STREQ(Encoding("i"), "int");
  EXPECT_STREQ(Encoding("neg"), "int");
  EXPECT_STREQ(Encoding("lead"), "embstr");
  EXPECT_STREQ(Encoding("big"), "embstr");
  EXPECT_STREQ(Encoding("emb"), "embstr");
  EXPECT_STREQ(Encoding("raw"), "raw");
  EXPECT_EQ(Get("i"), "123");
  EXPECT_EQ(Encoding("missing"), nullptr);
}

TEST_F(StringOpsTest, GetDel) {
  Set("k", "v");
  TakeEvents(recorder_);
  std::string out;
  EXPECT_EQ(OpGetDel(db_, "k", kNow, &out), OpStatus::kOk);
  EXPECT_EQ(out, "v");
  EXPECT_EQ(TakeEvents(recorder_), Strings{"del:k"});
  EXPECT_EQ(OpGetDel(db_, "k", kNow, &out), OpStatus::kNoKey);
  MakeList("l");
  EXPECT_EQ(OpGetDel(db_, "l", kNow, &out), OpStatus::kWrongType);
  EXPECT_EQ(db_.size(), 1u);
}

TEST_F(StringOpsTest, GetEx) {
  Set("k", "v");
  TakeEvents(recorder_);
  std::string out;
  GetExParams p;
  EXPECT_EQ(OpGetEx(db_, "k", p, kNow, &out), OpStatus::kOk);
  EXPECT_EQ(out, "v");
  EXPECT_TRUE(TakeEvents(recorder_).empty());

  p.action = GetExParams::Action::kSetExpire;
  p.expire_at_ms = kNow + 3000;
  OpGetEx(db_, "k", p, kNow, &out);
  EXPECT_EQ(TakeEvents(recorder_), Strings{"expire:k"});
  EXPECT_EQ(OpTtl(db_, "k", TtlQuery::kTtl, kNow), 3);

  p.action = GetExParams::Action::kPersist;
  OpGetEx(db_, "k", p, kNow, &out);
  EXPECT_EQ(TakeEvents(recorder_), Strings{"persist:k"});
  OpGetEx(db_, "k", p, kNow, &out);  // no TTL left: no event
  EXPECT_TRUE(TakeEvents(recorder_).empty());

  // EXAT/PXAT in the past deletes.
  p.action = GetExParams::Action::kSetExpire;
  p.expire_at_ms = kNow;
  out.clear();
  EXPECT_EQ(OpGetEx(db_, "k", p, kNow, &out), OpStatus::kOk);
  EXPECT_EQ(out, "v");
  EXPECT_EQ(TakeEvents(recorder_), Strings{"del:k"});
  EXPECT_EQ(Get("k"), "<nil>");
  EXPECT_EQ(OpGetEx(db_, "k", p, kNow, &out), OpStatus::kNoKey);
}

TEST_F(StringOpsTest, Append) {
  TakeEvents(recorder_);
  auto r = OpAppend(db_, "k", "12", kNow);
  EXPECT_EQ(r.value, 2);
  EXPECT_STREQ(Encoding("k"), "int");  // a new key follows SET's encoding rules
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:k", "append:k"}));
  r = OpAppend(db_, "k", "34", kNow);
  EXPECT_EQ(r.value, 4);
  EXPECT_EQ(Get("k"), "1234");
  EXPECT_STREQ(Encoding("k"), "raw");
  EXPECT_EQ(TakeEvents(recorder_), Strings{"append:k"});
  for (int i = 0; i < 1000; ++i) OpAppend(db_, "k", "x", kNow);
  EXPECT_EQ(OpStrLen(db_, "k", kNow).value, 1004);
  EXPECT_EQ(Get("k"), "1234" + std::string(1000, 'x'));

  OpAppend(db_, "empty", "", kNow);
  EXPECT_EQ(Get("empty"), "");
  EXPECT_EQ(OpAppend(db_, "k", "yz", kNow, /*max_len=*/1005).status, OpStatus::kTooLarge);
  EXPECT_EQ(OpAppend(db_, "k", "y", kNow, /*max_len=*/1005).value, 1005);
  MakeList("l");
  EXPECT_EQ(OpAppend(db_, "l", "x", kNow).status, OpStatus::kWrongType);
}

TEST_F(StringOpsTest, AppendKeepsTtl) {
  SetParams ex;
  ex.expire_at_ms = kNow + 1000;
  OpSet(db_, "k", "abc", ex, kNow);
  OpAppend(db_, "k", "def", kNow);
  EXPECT_EQ(OpTtl(db_, "k", TtlQuery::kPTtl, kNow), 1000);
  EXPECT_EQ(Get("k"), "abcdef");
}

TEST_F(StringOpsTest, StrLen) {
  EXPECT_EQ(OpStrLen(db_, "missing", kNow).value, 0);
  Set("k", "-12345");
  EXPECT_EQ(OpStrLen(db_, "k", kNow).value, 6);
  MakeList("l");
  EXPECT_EQ(OpStrLen(db_, "l", kNow).status, OpStatus::kWrongType);
}

TEST_F(StringOpsTest, IncrBy) {
  TakeEvents(recorder_);
  EXPECT_EQ(OpIncrBy(db_, "n", 1, kNow).value, 1);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:n", "incrby:n"}));
  EXPECT_EQ(OpIncrBy(db_, "n", -11, kNow).value, -10);
  EXPECT_STREQ(Encoding("n"), "int");
  Set("s", "41");
  EXPECT_EQ(OpIncrBy(db_, "s", 1, kNow).value, 42);
  Set("e", " 1");
  EXPECT_EQ(OpIncrBy(db_, "e", 1, kNow).status, OpStatus::kNotInteger);
  Set("e", "1.5");
  EXPECT_EQ(OpIncrBy(db_, "e", 1, kNow).status, OpStatus::kNotInteger);
  Set("e", "");
  EXPECT_EQ(OpIncrBy(db_, "e", 1, kNow).status, OpStatus::kNotInteger);
  EXPECT_EQ(ErrorText(OpStatus::kNotInteger), "ERR value is not an integer or out of range");
  MakeList("l");
  EXPECT_EQ(OpIncrBy(db_, "l", 1, kNow).status, OpStatus::kWrongType);

  // An embstr/raw value that is a valid integer becomes "int".
  OpAppend(db_, "r", "7", kNow);
  OpAppend(db_, "r", "0", kNow);
  EXPECT_STREQ(Encoding("r"), "raw");
  EXPECT_EQ(OpIncrBy(db_, "r", 5, kNow).value, 75);
  EXPECT_STREQ(Encoding("r"), "int");
}

TEST_F(StringOpsTest, IncrByOverflow) {
  Set("max", "9223372036854775807");
  EXPECT_EQ(OpIncrBy(db_, "max", 1, kNow).status, OpStatus::kOverflow);
  EXPECT_EQ(Get("max"), "9223372036854775807");
  EXPECT_EQ(OpIncrBy(db_, "max", -1, kNow).value, INT64_MAX - 1);
  Set("min", "-9223372036854775808");
  EXPECT_EQ(OpIncrBy(db_, "min", -1, kNow).status, OpStatus::kOverflow);
  EXPECT_EQ(OpIncrBy(db_, "min", INT64_MAX, kNow).value, -1);
  Set("zero", "0");
  EXPECT_EQ(OpIncrBy(db_, "zero", INT64_MIN, kNow).value, INT64_MIN);
  EXPECT_EQ(ErrorText(OpStatus::kOverflow), "ERR increment or decrement would overflow");
}

TEST_F(StringOpsTest, IncrByKeepsTtl) {
  SetParams ex;
  ex.expire_at_ms = kNow + 1000;
  OpSet(db_, "n", "5", ex, kNow);
  OpIncrBy(db_, "n", 1, kNow);
  EXPECT_EQ(OpTtl(db_, "n", TtlQuery::kPTtl, kNow), 1000);
  OpSet(db_, "s", "5", ex, kNow);
  OpAppend(db_, "s", "0", kNow);  // raw "50", TTL kept
  EXPECT_EQ(OpIncrBy(db_, "s", 1, kNow).value, 51);
  EXPECT_EQ(OpTtl(db_, "s", TtlQuery::kPTtl, kNow), 1000);
}

TEST_F(StringOpsTest, IncrByFloat) {
  Set("k", "10.50");
  TakeEvents(recorder_);
  EXPECT_EQ(OpIncrByFloat(db_, "k", 0.1L, kNow).value, "10.6");
  EXPECT_EQ(TakeEvents(recorder_), Strings{"incrbyfloat:k"});
  EXPECT_EQ(OpIncrByFloat(db_, "k", -5, kNow).value, "5.6");
  Set("k", "5.0e3");
  EXPECT_EQ(OpIncrByFloat(db_, "k", 2.0e2L, kNow).value, "5200");
  EXPECT_EQ(Get("k"), "5200");
  EXPECT_STREQ(Encoding("k"), "embstr");  // never "int"
  EXPECT_EQ(OpIncrByFloat(db_, "new", 3, kNow).value, "3");
  Set("i", "7");
  EXPECT_EQ(OpIncrByFloat(db_, "i", 0.5L, kNow).value, "7.5");
  Set("bad", "abc");
  EXPECT_EQ(OpIncrByFloat(db_, "bad", 1, kNow).status, OpStatus::kNotFloat);
  EXPECT_EQ(ErrorText(OpStatus::kNotFloat), "ERR value is not a valid float");
  Set("inf", "inf");
  EXPECT_EQ(OpIncrByFloat(db_, "inf", 1, kNow).status, OpStatus::kNanOrInfinity);
  EXPECT_EQ(ErrorText(OpStatus::kNanOrInfinity), "ERR increment would produce NaN or Infinity");
  Set("huge", "1e4932");
  EXPECT_EQ(OpIncrByFloat(db_, "huge", 1e4932L, kNow).status, OpStatus::kNanOrInfinity);
  EXPECT_EQ(Get("huge"), "1e4932");
  // Long results (%.17Lf never uses an exponent) become "raw".
  Set("big", "1e100");
  auto r = OpIncrByFloat(db_, "big", 0, kNow);
  EXPECT_GE(r.value.size(), 100u);
  EXPECT_EQ(r.value.find('e'), std::string::npos);
  EXPECT_STREQ(Encoding("big"), "raw");
  MakeList("l");
  EXPECT_EQ(OpIncrByFloat(db_, "l", 1, kNow).status, OpStatus::kWrongType);
}

TEST_F(StringOpsTest, GetRange) {
  Set("k", "This is a string");
  auto range = [&](int64_t start, int64_t end) {
    std::string out;
    EXPECT_EQ(OpGetRange(db_, "k", start, end, kNow, &out), OpStatus::kOk);
    return out;
  };
  EXPECT_EQ(range(0, 3), "This");
  EXPECT_EQ(range(-3, -1), "ing");
  EXPECT_EQ(range(0, -1), "This is a string");
  EXPECT_EQ(range(10, 100), "string");
  EXPECT_EQ(range(5, 3), "");
  EXPECT_EQ(range(-1, -5), "");
  EXPECT_EQ(range(-100, 2), "Thi");
  EXPECT_EQ(range(INT64_MIN, INT64_MAX), "This is a string");
  EXPECT_EQ(range(100, 200), "");
  Set("n", "12345");
  std::string out;
  OpGetRange(db_, "n", 1, 2, kNow, &out);
  EXPECT_EQ(out, "23");
  out.clear();
  EXPECT_EQ(OpGetRange(db_, "missing", 0, -1, kNow, &out), OpStatus::kOk);
  EXPECT_EQ(out, "");
  Set("empty", "");
  EXPECT_EQ(OpGetRange(db_, "empty", 0, -1, kNow, &out), OpStatus::kOk);
  EXPECT_EQ(out, "");
  MakeList("l");
  EXPECT_EQ(OpGetRange(db_, "l", 0, 1, kNow, &out), OpStatus::kWrongType);
}

TEST_F(StringOpsTest, SetRange) {
  Set("k", "Hello World");
  TakeEvents(recorder_);
  EXPECT_EQ(OpSetRange(db_, "k", 6, "Redis", kNow).value, 11);
  EXPECT_EQ(Get("k"), "Hello Redis");
  EXPECT_EQ(TakeEvents(recorder_), Strings{"setrange:k"});
  EXPECT_STREQ(Encoding("k"), "raw");

  EXPECT_EQ(OpSetRange(db_, "pad", 6, "Redis", kNow).value, 11);
  EXPECT_EQ(Get("pad"), std::string(6, '\0') + "Redis");
  EXPECT_STREQ(Encoding("pad"), "raw");
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:pad", "setrange:pad"}));

  // Empty value: no key created / no change, length reported.
  EXPECT_EQ(OpSetRange(db_, "none", 5, "", kNow).value, 0);
  EXPECT_EQ(Get("none"), "<nil>");
  TakeEvents(recorder_);
  Set("n", "123");
  EXPECT_EQ(OpSetRange(db_, "n", 100, "", kNow).value, 3);
  EXPECT_STREQ(Encoding("n"), "int");
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:n", "set:n"}));
  EXPECT_EQ(OpSetRange(db_, "n", 1, "9", kNow).value, 3);
  EXPECT_EQ(Get("n"), "193");

  EXPECT_EQ(OpSetRange(db_, "k", -1, "x", kNow).status, OpStatus::kOffsetOutOfRange);
  EXPECT_EQ(ErrorText(OpStatus::kOffsetOutOfRange), "ERR offset is out of range");
  EXPECT_EQ(OpSetRange(db_, "k", 512 * 1024 * 1024, "x", kNow).status, OpStatus::kTooLarge);
  EXPECT_EQ(OpSetRange(db_, "big", INT64_MAX, "x", kNow).status, OpStatus::kTooLarge);
  EXPECT_EQ(OpSetRange(db_, "big", 512 * 1024 * 1024 - 1, "x", kNow, 1000).status,
            OpStatus::kTooLarge);
  EXPECT_EQ(ErrorText(OpStatus::kTooLarge),
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  MakeList("l");
  EXPECT_EQ(OpSetRange(db_, "l", 0, "x", kNow).status, OpStatus::kWrongType);
}

TEST(ExpireArgs, SetStyleRejectsNonPositiveAndOverflow) {
  int64_t at = 0;
  EXPECT_TRUE(SetExpireArgToDeadline(10, true, true, kNow, &at));
  EXPECT_EQ(at, kNow + 10'000);
  EXPECT_TRUE(SetExpireArgToDeadline(10, false, false, kNow, &at));
  EXPECT_EQ(at, 10);
  EXPECT_FALSE(SetExpireArgToDeadline(0, true, true, kNow, &at));
  EXPECT_FALSE(SetExpireArgToDeadline(-1, false, true, kNow, &at));
  EXPECT_FALSE(SetExpireArgToDeadline(INT64_MAX / 1000 + 1, true, false, kNow, &at));
  EXPECT_FALSE(SetExpireArgToDeadline(INT64_MAX - 5, false, true, kNow, &at));
  EXPECT_EQ(InvalidExpireTimeError("set"), "ERR invalid expire time in 'set' command");
}

TEST(ExpireArgs, ExpireStyleAllowsNegativeButNotOverflow) {
  int64_t at = 0;
  EXPECT_TRUE(ExpireArgToDeadline(-5, true, kNow, &at));
  EXPECT_EQ(at, kNow - 5000);
  EXPECT_TRUE(ExpireArgToDeadline(100, false, 0, &at));
  EXPECT_EQ(at, 100);
  EXPECT_FALSE(ExpireArgToDeadline(INT64_MAX / 1000 + 1, true, 0, &at));
  EXPECT_FALSE(ExpireArgToDeadline(INT64_MIN / 1000 - 1, true, 0, &at));
  EXPECT_FALSE(ExpireArgToDeadline(INT64_MAX - 10, false, kNow, &at));
  EXPECT_TRUE(ExpireArgToDeadline(INT64_MAX, false, 0, &at));
}

}  // namespace
}  // namespace tessera::storage
