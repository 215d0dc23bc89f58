#include "storage/hash_ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "storage/encoding_limits.h"
#include "storage/key_ops.h"
#include "storage/string_ops.h"
#include "tests/unit/storage/test_util.h"

namespace tessera::storage {
namespace {

using testing::MakeKeepAllRecorder;
using testing::TakeEvents;
using Strings = std::vector<std::string>;
using Views = std::vector<std::string_view>;
using Pairs = std::vector<FieldValue>;

constexpr int64_t kNow = 1'700'000'000'000;

class HashOpsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    GlobalEncodingLimits().hash_max_listpack_entries = 128;
    GlobalEncodingLimits().hash_max_listpack_value = 64;
  }

  int64_t HSet(std::string_view key, Views pairs) {
    OpResult<int64_t> r = OpHSet(db_, key, pairs, kNow);
    EXPECT_EQ(r.status, OpStatus::kOk);
    return r.value;
  }
  std::string HGet(std::string_view key, std::string_view field) {
    std::string out;
    OpStatus s = OpHGet(db_, key, field, kNow, &out);
    if (s == OpStatus::kNoKey) return "<nil>";
    if (s == OpStatus::kWrongType) return "<wrongtype>";
    return out;
  }
  Pairs All(std::string_view key) {
    Pairs out;
    OpHGetAll(db_, key, kNow, &out);
    return out;
  }
  std::string Encoding(std::string_view key) {
    const char* e = OpObjectEncoding(db_, key, kNow);
    return e == nullptr ? "<none>" : e;
  }
  void SetString(std::string_view key) {
    ASSERT_EQ(OpSet(db_, key, "v", SetParams{}, kNow).status, OpStatus::kOk);
  }

  ChangeRecorder recorder_ = MakeKeepAllRecorder();
  DbTable db_{0, &recorder_};
  Rng rng_{99};
};

TEST_F(HashOpsTest, HSetCountsNewFieldsAndRecordsEvents) {
  EXPECT_EQ(HSet("h", {"a", "1", "b", "2", "a", "3"}), 2);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:h", "hset:h"}));
  EXPECT_EQ(All("h"), (Pairs{{"a", "3"}, {"b", "2"}}));
  // An update still records "hset" (Redis notifies whatever changed).
  EXPECT_EQ(HSet("h", {"a", "4"}), 0);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"hset:h"}));
  SetString("str");
  EXPECT_EQ(OpHSet(db_, "str", {"a", "1"}, kNow).status, OpStatus::kWrongType);
  EXPECT_EQ(HGet("str", "a"), "<wrongtype>");
}

TEST_F(HashOpsTest, HSetNx) {
  EXPECT_TRUE(OpHSetNx(db_, "h", "f", "1", kNow).value);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:h", "hset:h"}));
  EXPECT_FALSE(OpHSetNx(db_, "h", "f", "2", kNow).value);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  EXPECT_EQ(HGet("h", "f"), "1");
  SetString("str");
  EXPECT_EQ(OpHSetNx(db_, "str", "f", "1", kNow).status, OpStatus::kWrongType);
}

TEST_F(HashOpsTest, ReadsOnMissingKeysAndFields) {
  HSet("h", {"f", "hello"});
  EXPECT_EQ(HGet("h", "nope"), "<nil>");
  EXPECT_EQ(HGet("missing", "f"), "<nil>");
  std::vector<std::optional<std::string>> values;
  EXPECT_EQ(OpHMGet(db_, "h", {"f", "nope"}, kNow, &values), OpStatus::kOk);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0], "hello");
  EXPECT_FALSE(values[1].has_value());
  values.clear();
  EXPECT_EQ(OpHMGet(db_, "missing", {"f"}, kNow, &values), OpStatus::kOk);
  EXPECT_FALSE(values.at(0).has_value());
  EXPECT_EQ(OpHLen(db_, "h", kNow).value, 1);
  EXPECT_EQ(OpHLen(db_, "missing", kNow).value, 0);
  EXPECT_EQ(OpHStrLen(db_, "h", "f", kNow).value, 5);
  EXPECT_EQ(OpHStrLen(db_, "h", "nope", kNow).value, 0);
  EXPECT_EQ(OpHStrLen(db_, "missing", "f", kNow).value, 0);
  EXPECT_TRUE(OpHExists(db_, "h", "f", kNow).value);
  EXPECT_FALSE(OpHExists(db_, "h", "nope", kNow).value);
  EXPECT_FALSE(OpHExists(db_, "missing", "f", kNow).value);
  Pairs all;
  EXPECT_EQ(OpHGetAll(db_, "missing", kNow, &all), OpStatus::kNoKey);
  SetString("str");
  EXPECT_EQ(OpHLen(db_, "str", kNow).status, OpStatus::kWrongType);
  EXPECT_EQ(OpHStrLen(db_, "str", "f", kNow).status, OpStatus::kWrongType);
  EXPECT_EQ(OpHExists(db_, "str", "f", kNow).status, OpStatus::kWrongType);
  EXPECT_EQ(OpHMGet(db_, "str", {"f"}, kNow, &values), OpStatus::kWrongType);
  EXPECT_EQ(OpHGetAll(db_, "str", kNow, &all), OpStatus::kWrongType);
}

TEST_F(HashOpsTest, HDelDeletesTheEmptiedKey) {
  HSet("h", {"a", "1", "b", "2"});
  TakeEvents(recorder_);
  EXPECT_EQ(OpHDel(db_, "h", {"a", "zz"}, kNow).value, 1);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"hdel:h"}));
  EXPECT_EQ(OpHDel(db_, "h", {"zz"}, kNow).value, 0);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  EXPECT_EQ(OpHDel(db_, "h", {"b", "b"}, kNow).value, 1);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"hdel:h", "del:h"}));
  EXPECT_EQ(db_.FindLive("h", kNow), nullptr);
  EXPECT_EQ(OpHDel(db_, "missing", {"a"}, kNow).value, 0);
  SetString("str");
  EXPECT_EQ(OpHDel(db_, "str", {"a"}, kNow).status, OpStatus::kWrongType);
}

TEST_F(HashOpsTest, EncodingThresholdsFollowTheConfig) {
  GlobalEncodingLimits().hash_max_listpack_entries = 2;
  GlobalEncodingLimits().hash_max_listpack_value = 4;
  HSet("h", {"a", "1", "b", "2"});
  EXPECT_EQ(Encoding("h"), "listpack");
  HSet("h", {"c", "3"});
  EXPECT_EQ(Encoding("h"), "hashtable");
  // Value exactly at the limit stays; one byte more converts before anything is set.
  HSet("v", {"f", "1234"});
  EXPECT_EQ(Encoding("v"), "listpack");
  HSet("v", {"g", "12345"});
  EXPECT_EQ(Encoding("v"), "hashtable");
  HSet("k", {"12345", "v"});
  EXPECT_EQ(Encoding("k"), "hashtable");
  // HSETNX checks its arguments too, HINCRBYFLOAT its result.
  OpHSetNx(db_, "nx", "f", "12345", kNow);
  EXPECT_EQ(Encoding("nx"), "hashtable");
  OpHIncrByFloat(db_, "fl", "f", 1.5L, kNow);  // "1.5": fits
  EXPECT_EQ(Encoding("fl"), "listpack");
  OpHIncrByFloat(db_, "fl", "f", 0.25L, kNow);  // "1.75": 4 bytes, still fits
  EXPECT_EQ(Encoding("fl"), "listpack");
  OpHIncrByFloat(db_, "fl", "f", 0.125L, kNow);  // "1.875": too long now
  EXPECT_EQ(Encoding("fl"), "hashtable");
  EXPECT_EQ(HGet("fl", "f"), "1.875");
}

TEST_F(HashOpsTest, ManyPairsInOneHSetKeepEveryPairAcrossConversion) {
  GlobalEncodingLimits().hash_max_listpack_entries = 4;
  Strings args;
  for (int i = 0; i < 10; ++i) {
    args.push_back("f" + std::to_string(i));
    args.push_back("v" + std::to_string(i));
  }
  EXPECT_EQ(HSet("h", Views(args.begin(), args.end())), 10);
  EXPECT_EQ(Encoding("h"), "hashtable");
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(HGet("h", "f" + std::to_string(i)), "v" + std::to_string(i));
}

TEST_F(HashOpsTest, HIncrBy) {
  EXPECT_EQ(OpHIncrBy(db_, "h", "n", 5, kNow).value, 5);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:h", "hincrby:h"}));
  EXPECT_EQ(OpHIncrBy(db_, "h", "n", -7, kNow).value, -2);
  HSet("h", {"s", "abc", "big", "9223372036854775806", "sp", " 1"});
  EXPECT_EQ(OpHIncrBy(db_, "h", "s", 1, kNow).status, OpStatus::kNotInteger);
  EXPECT_EQ(OpHIncrBy(db_, "h", "sp", 1, kNow).status, OpStatus::kNotInteger);
  EXPECT_EQ(OpHIncrBy(db_, "h", "big", 1, kNow).value, INT64_MAX);
  EXPECT_EQ(OpHIncrBy(db_, "h", "big", 1, kNow).status, OpStatus::kOverflow);
  EXPECT_EQ(HGet("h", "big"), "9223372036854775807");
  OpHIncrBy(db_, "h", "neg", INT64_MIN, kNow);
  EXPECT_EQ(OpHIncrBy(db_, "h", "neg", -1, kNow).status, OpStatus::kOverflow);
  TakeEvents(recorder_);
  EXPECT_EQ(OpHIncrBy(db_, "h", "neg", 0, kNow).value, INT64_MIN);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"hincrby:h"}));
  SetString("str");
  EXPECT_EQ(OpHIncrBy(db_, "str", "n", 1, kNow).status, OpStatus::kWrongType);
}

TEST_F(HashOpsTest, HIncrByFloat) {
  EXPECT_EQ(OpHIncrByFloat(db_, "h", "x", 10.5L, kNow).value, "10.5");
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:h", "hincrbyfloat:h"}));
  EXPECT_EQ(OpHIncrByFloat(db_, "h", "x", -0.5L, kNow).value, "10");
  HSet("h", {"i", "3", "s", "x1", "e", "5.0e3"});
  EXPECT_EQ(OpHIncrByFloat(db_, "h", "i", 0.25L, kNow).value, "3.25");
  EXPECT_EQ(OpHIncrByFloat(db_, "h", "e", 1, kNow).value, "5001");
  EXPECT_EQ(OpHIncrByFloat(db_, "h", "s", 1, kNow).status, OpStatus::kNotFloat);
  HSet("h", {"huge", "1e4932"});
  EXPECT_EQ(OpHIncrByFloat(db_, "h", "huge", 1e4932L, kNow).status, OpStatus::kNanOrInfinity);
  EXPECT_EQ(HGet("h", "huge"), "1e4932");
  SetString("str");
  EXPECT_EQ(OpHIncrByFloat(db_, "str", "x", 1, kNow).status, OpStatus::kWrongType);
}

TEST_F(HashOpsTest, HRandFieldCounts) {
  for (int listpack = 0; listpack < 2; ++listpack) {
    db_.Clear();
    GlobalEncodingLimits().hash_max_listpack_entries = listpack ? 128 : 1;
    Strings args;
    for (int i = 0; i < 12; ++i) {
      args.push_back("f" + std::to_string(i));
      args.push_back("v" + std::to_string(i));
    }
    HSet("h", Views(args.begin(), args.end()));
    EXPECT_EQ(Encoding("h"), listpack ? "listpack" : "hashtable");
    auto rand = [&](int64_t count) {
      Pairs out;
      EXPECT_EQ(OpHRandFieldCount(db_, "h", count, kNow, rng_, &out), OpStatus::kOk);
      for (const FieldValue& p : out) EXPECT_EQ("f" + p.second.substr(1), p.first);
      return out;
    };
    EXPECT_TRUE(rand(0).empty());
    EXPECT_EQ(rand(1).size(), 1u);
    for (int64_t count : {2, 3, 5, 11}) {
      Pairs out = rand(count);
      std::set<std::string> fields;
      for (const FieldValue& p : out) fields.insert(p.first);
      EXPECT_EQ(out.size(), static_cast<size_t>(count));
      EXPECT_EQ(fields.size(), out.size());
    }
    EXPECT_EQ(rand(100), All("h"));  // the whole hash, in its own order
    EXPECT_EQ(rand(-40).size(), 40u);
  }
  Pairs none;
  EXPECT_EQ(OpHRandFieldCount(db_, "missing", -5, kNow, rng_, &none), OpStatus::kOk);
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(OpHRandField(db_, "missing", kNow, rng_).value.has_value());
  OpResult<std::optional<std::string>> one = OpHRandField(db_, "h", kNow, rng_);
  ASSERT_TRUE(one.value.has_value());
  EXPECT_EQ(one.value->front(), 'f');
  SetString("str");
  EXPECT_EQ(OpHRandFieldCount(db_, "str", 2, kNow, rng_, &none), OpStatus::kWrongType);
}

TEST_F(HashOpsTest, HScanMatchesFields) {
  HSet("h", {"name", "x", "nick", "y", "age", "na"});
  Pairs out;
  EXPECT_EQ(OpHScan(db_, "h", 0, 10, "n*", kNow, &out).value, 0u);
  EXPECT_EQ(out, (Pairs{{"name", "x"}, {"nick", "y"}}));
  out.clear();
  EXPECT_EQ(OpHScan(db_, "missing", 0, 10, std::nullopt, kNow, &out).status, OpStatus::kOk);
  EXPECT_TRUE(out.empty());
  GlobalEncodingLimits().hash_max_listpack_entries = 0;
  Strings args;
  for (int i = 0; i < 500; ++i) {
    args.push_back("f" + std::to_string(i));
    args.push_back(std::to_string(i));
  }
  HSet("big", Views(args.begin(), args.end()));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  do {
    out.clear();
    cursor = OpHScan(db_, "big", cursor, 10, "f1*", kNow, &out).value;
    for (const FieldValue& p : out) seen.insert(p.first);
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 111u);  // f1, f10-f19, f100-f199
  SetString("str");
  EXPECT_EQ(OpHScan(db_, "str", 0, 10, std::nullopt, kNow, &out).status, OpStatus::kWrongType);
}

TEST_F(HashOpsTest, ConversionKeepsTheTtl) {
  HSet("h", {"a", "1"});
  db_.SetExpire(db_.FindLive("h", kNow), kNow + 1000);
  HSet("h", {"b", std::string(100, 'x')});
  EXPECT_EQ(Encoding("h"), "hashtable");
  EXPECT_EQ(db_.GetExpire(db_.FindLive("h", kNow)), kNow + 1000);
}

}  // namespace
}  // namespace tessera::storage
