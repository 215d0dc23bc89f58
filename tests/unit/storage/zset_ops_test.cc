// The sorted-set ops on a bare table: Redis 7.0 semantics and the keyspace events each records.
#include "storage/zset_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
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

constexpr int64_t kNow = 1'700'000'000'000;
constexpr double kInf = std::numeric_limits<double>::infinity();

class ZSetOpsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    GlobalEncodingLimits().zset_max_listpack_entries = 128;
    GlobalEncodingLimits().zset_max_listpack_value = 64;
  }

  ZAddResult Add(std::string_view key, std::vector<ZAddElement> elements, ZAddParams params = {}) {
    return OpZAdd(db_, key, params, elements, kNow);
  }
  // "member=score" pairs in order.
  std::string Range(std::string_view key, ZRangeSpec spec = {}) {
    std::vector<ScoredMember> out;
    OpStatus s = OpZRange(db_, key, spec, kNow, &out);
    if (s == OpStatus::kWrongType) return "<wrongtype>";
    std::string text;
    for (const ScoredMember& m : out) {
      if (!text.empty()) text += " ";
      char buf[kScoreBufSize];
      text += m.member + "=" + std::string(buf, FormatScore(m.score, buf));
    }
    return text;
  }
  static ZRangeSpec ByScore(std::string_view min, std::string_view max, bool reverse = false) {
    ZRangeSpec spec;
    spec.by = ZRangeSpec::By::kScore;
    spec.reverse = reverse;
    EXPECT_TRUE(ParseScoreRange(min, max, &spec.score));
    return spec;
  }
  static ZRangeSpec ByLex(std::string_view min, std::string_view max, bool reverse = false) {
    ZRangeSpec spec;
    spec.by = ZRangeSpec::By::kLex;
    spec.reverse = reverse;
    EXPECT_TRUE(ParseLexRange(min, max, &spec.lex));
    return spec;
  }
  const char* Encoding(std::string_view key) { return OpObjectEncoding(db_, key, kNow); }

  ChangeRecorder recorder_ = MakeKeepAllRecorder();
  DbTable db_{0, &recorder_};
};

TEST_F(ZSetOpsTest, AddCountsAndRecordsEvents) {
  ZAddResult r = Add("z", {{1, "a"}, {2, "b"}, {1, "a"}});
  EXPECT_EQ(r.added, 2);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:z", "zadd:z"}));
  // Same scores again: nothing changed, no event.
  r = Add("z", {{1, "a"}, {2, "b"}});
  EXPECT_EQ(r.added, 0);
  EXPECT_EQ(r.updated, 0);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  r = Add("z", {{5, "a"}, {3, "c"}});
  EXPECT_EQ(r.added, 1);
  EXPECT_EQ(r.updated, 1);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"zadd:z"}));
  EXPECT_EQ(Range("z"), "b=2 c=3 a=5");
}

TEST_F(ZSetOpsTest, AddConditions) {
  Add("z", {{1, "a"}, {5, "b"}});
  ZAddParams nx;
  nx.nx = true;
  EXPECT_EQ(Add("z", {{9, "a"}, {2, "c"}}, nx).added, 1);
  ZAddParams xx;
  xx.xx = true;
  ZAddResult r = Add("z", {{9, "a"}, {2, "new"}}, xx);
  EXPECT_EQ(r.added, 0);
  EXPECT_EQ(r.updated, 1);
  ZAddParams gt;
  gt.gt = true;
  r = Add("z", {{1, "a"}, {6, "b"}, {7, "gt-new"}}, gt);
  EXPECT_EQ(r.updated, 1);
  EXPECT_EQ(r.added, 1);  // GT never prevents adding a new member
  ZAddParams lt;
  lt.lt = true;
  r = Add("z", {{10, "a"}, {0, "b"}}, lt);
  EXPECT_EQ(r.updated, 1);
  EXPECT_EQ(Range("z"), "b=0 c=2 gt-new=7 a=9");
  // XX on a missing key creates nothing.
  TakeEvents(recorder_);
  EXPECT_EQ(Add("none", {{1, "a"}}, xx).added, 0);
  EXPECT_EQ(db_.FindRaw("none"), nullptr);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
}

TEST_F(ZSetOpsTest, IncrAndNaN) {
  ZAddParams incr;
  incr.incr = true;
  ZAddResult r = Add("z", {{2.5, "a"}}, incr);
  EXPECT_EQ(r.processed, 1);
  EXPECT_EQ(r.score, 2.5);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:z", "zincr:z"}));
  r = Add("z", {{-1, "a"}}, incr);
  EXPECT_EQ(r.score, 1.5);
  // GT with a decrement: not performed, so no score to report.
  ZAddParams incr_gt = incr;
  incr_gt.gt = true;
  r = Add("z", {{-1, "a"}}, incr_gt);
  EXPECT_EQ(r.processed, 0);
  Add("z", {{kInf, "inf"}});
  r = Add("z", {{-kInf, "inf"}}, incr);
  EXPECT_TRUE(r.nan);
  double score;
  ASSERT_EQ(OpZScore(db_, "z", "inf", kNow).status, OpStatus::kOk);
  score = OpZScore(db_, "z", "inf", kNow).value;
  EXPECT_EQ(score, kInf);
}

TEST_F(ZSetOpsTest, WrongTypeEverywhere) {
  OpSet(db_, "s", "v", SetParams{}, kNow);
  EXPECT_EQ(Add("s", {{1, "a"}}).status, OpStatus::kWrongType);
  EXPECT_EQ(OpZRem(db_, "s", {"a"}, kNow).status, OpStatus::kWrongType);
  EXPECT_EQ(OpZCard(db_, "s", kNow).status, OpStatus::kWrongType);
  EXPECT_EQ(Range("s"), "<wrongtype>");
  std::vector<ScoredMember> out;
  EXPECT_EQ(OpZPop(db_, "s", false, 1, kNow, &out), OpStatus::kWrongType);
  ZInput in;
  EXPECT_EQ(OpZReadInput(db_, "s", kNow, &in), OpStatus::kWrongType);
}

TEST_F(ZSetOpsTest, RemoveDeletesEmptyKey) {
  Add("z", {{1, "a"}, {2, "b"}});
  TakeEvents(recorder_);
  EXPECT_EQ(OpZRem(db_, "z", {"a", "nope"}, kNow).value, 1);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"zrem:z"}));
  EXPECT_EQ(OpZRem(db_, "z", {"nope"}, kNow).value, 0);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  EXPECT_EQ(OpZRem(db_, "z", {"b", "b"}, kNow).value, 1);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"zrem:z", "del:z"}));
  EXPECT_EQ(db_.FindRaw("z"), nullptr);
}

TEST_F(ZSetOpsTest, RankScoreCount) {
  Add("z", {{1, "a"}, {2, "b"}, {2, "c"}, {3, "d"}});
  EXPECT_EQ(OpZRank(db_, "z", "c", false, kNow).value, 2);
  EXPECT_EQ(OpZRank(db_, "z", "c", true, kNow).value, 1);
  EXPECT_EQ(OpZRank(db_, "z", "x", false, kNow).status, OpStatus::kNoKey);
  EXPECT_EQ(OpZRank(db_, "none", "x", false, kNow).status, OpStatus::kNoKey);
  ScoreRange range;
  ASSERT_TRUE(ParseScoreRange("(1", "2", &range));
  EXPECT_EQ(OpZCount(db_, "z", range, kNow).value, 2);
  ASSERT_TRUE(ParseScoreRange("3", "1", &range));
  EXPECT_EQ(OpZCount(db_, "z", range, kNow).value, 0);
  LexRange lex;
  ASSERT_TRUE(ParseLexRange("-", "+", &lex));
  EXPECT_EQ(OpZLexCount(db_, "z", lex, kNow).value, 4);
  std::vector<std::optional<double>> scores;
  ASSERT_EQ(OpZMScore(db_, "z", {"b", "x"}, kNow, &scores), OpStatus::kOk);
  ASSERT_EQ(scores.size(), 2u);
  EXPECT_EQ(scores[0], 2);
  EXPECT_FALSE(scores[1].has_value());
}

// The same ranges in both encodings.
class ZSetRangeTest : public ZSetOpsTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) GlobalEncodingLimits().zset_max_listpack_entries = 1;
    Add("z", {{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}, {5, "e"}});
    Add("l", {{0, "a"}, {0, "b"}, {0, "c"}, {0, "d"}});
    ASSERT_STREQ(Encoding("z"), GetParam() ? "skiplist" : "listpack");
  }
};

TEST_P(ZSetRangeTest, ByRank) {
  ZRangeSpec spec;
  spec.start = 1;
  spec.end = -2;
  EXPECT_EQ(Range("z", spec), "b=2 c=3 d=4");
  spec.reverse = true;
  EXPECT_EQ(Range("z", spec), "d=4 c=3 b=2");
  spec.start = -100;
  spec.end = 100;
  EXPECT_EQ(Range("z", spec), "e=5 d=4 c=3 b=2 a=1");
  spec.start = 3;
  spec.end = 1;
  EXPECT_EQ(Range("z", spec), "");
  EXPECT_EQ(Range("missing", spec), "");
}

TEST_P(ZSetRangeTest, ByScoreWithLimits) {
  EXPECT_EQ(Range("z", ByScore("(1", "4")), "b=2 c=3 d=4");
  EXPECT_EQ(Range("z", ByScore("-inf", "+inf", true)), "e=5 d=4 c=3 b=2 a=1");
  ZRangeSpec spec = ByScore("-inf", "+inf");
  spec.offset = 1;
  spec.limit = 2;
  EXPECT_EQ(Range("z", spec), "b=2 c=3");
  spec.reverse = true;
  EXPECT_EQ(Range("z", spec), "d=4 c=3");
  spec.limit = -1;
  EXPECT_EQ(Range("z", spec), "d=4 c=3 b=2 a=1");
  spec.offset = -1;  // Redis: a negative offset selects nothing
  EXPECT_EQ(Range("z", spec), "");
  spec.offset = 5;
  EXPECT_EQ(Range("z", spec), "");
  EXPECT_EQ(Range("z", ByScore("(3", "3")), "");
  EXPECT_EQ(Range("z", ByScore("5", "1")), "");
}

TEST_P(ZSetRangeTest, ByLex) {
  EXPECT_EQ(Range("l", ByLex("[b", "(d")), "b=0 c=0");
  EXPECT_EQ(Range("l", ByLex("+", "-", true)), "");
  EXPECT_EQ(Range("l", ByLex("-", "+", true)), "d=0 c=0 b=0 a=0");
  EXPECT_EQ(Range("l", ByLex("(a", "+")), "b=0 c=0 d=0");
}

TEST_P(ZSetRangeTest, RemoveRanges) {
  ZRangeSpec rank;
  rank.start = 0;
  rank.end = 1;
  TakeEvents(recorder_);
  EXPECT_EQ(OpZRemRange(db_, "z", rank, kNow).value, 2);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"zremrangebyrank:z"}));
  EXPECT_EQ(OpZRemRange(db_, "z", ByScore("(3", "4"), kNow).value, 1);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"zremrangebyscore:z"}));
  EXPECT_EQ(OpZRemRange(db_, "z", ByScore("10", "20"), kNow).value, 0);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  EXPECT_EQ(Range("z"), "c=3 e=5");
  EXPECT_EQ(OpZRemRange(db_, "l", ByLex("-", "+"), kNow).value, 4);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"zremrangebylex:l", "del:l"}));
}

TEST_P(ZSetRangeTest, Pops) {
  std::vector<ScoredMember> out;
  TakeEvents(recorder_);
  ASSERT_EQ(OpZPop(db_, "z", false, 2, kNow, &out), OpStatus::kOk);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].member, "a");
  EXPECT_EQ(out[1].member, "b");
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"zpopmin:z"}));
  out.clear();
  ASSERT_EQ(OpZPop(db_, "z", true, 10, kNow, &out), OpStatus::kOk);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].member, "e");
  EXPECT_EQ(out[2].member, "c");
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"zpopmax:z", "del:z"}));
  EXPECT_EQ(OpZPop(db_, "z", true, 1, kNow, &out), OpStatus::kNoKey);
}

TEST_P(ZSetRangeTest, RandomMembersByShape) {
  std::vector<ScoredMember> out;
  ASSERT_EQ(OpZRandMember(db_, "z", 3, kNow, &out), OpStatus::kOk);
  ASSERT_EQ(out.size(), 3u);
  std::set<std::string> distinct;
  for (const ScoredMember& m : out) {
    distinct.insert(m.member);
    double s;
    ASSERT_TRUE(OpZScore(db_, "z", m.member, kNow).ok());
    s = OpZScore(db_, "z", m.member, kNow).value;
    EXPECT_EQ(s, m.score);
  }
  EXPECT_EQ(distinct.size(), 3u);
  out.clear();
  ASSERT_EQ(OpZRandMember(db_, "z", -20, kNow, &out), OpStatus::kOk);
  EXPECT_EQ(out.size(), 20u);
  out.clear();
  // count >= size: the whole set, from the top (Redis's iterator order).
  ASSERT_EQ(OpZRandMember(db_, "z", 10, kNow, &out), OpStatus::kOk);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].member, "e");
  EXPECT_EQ(out[4].member, "a");
  out.clear();
  EXPECT_EQ(OpZRandMember(db_, "missing", 3, kNow, &out), OpStatus::kNoKey);
  EXPECT_TRUE(out.empty());
}

INSTANTIATE_TEST_SUITE_P(Encodings, ZSetRangeTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "SkipList" : "Listpack"; });

TEST_F(ZSetOpsTest, StoreReplacesOrDeletes) {
  OpSet(db_, "dst", "v", SetParams{.expire_at_ms = kNow + 1000}, kNow);
  TakeEvents(recorder_);
  EXPECT_EQ(OpZStore(db_, "dst", {{"a", 1}, {"b", 2}}, "zunionstore", kNow), 2);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"zunionstore:dst"}));
  EXPECT_EQ(db_.GetExpire(db_.FindRaw("dst")), kNoExpire);
  EXPECT_EQ(Range("dst"), "a=1 b=2");
  EXPECT_EQ(OpZStore(db_, "dst", {}, "zunionstore", kNow), 0);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"del:dst"}));
  EXPECT_EQ(OpZStore(db_, "dst", {}, "zunionstore", kNow), 0);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  EXPECT_EQ(OpZStore(db_, "new", {{"a", 1}}, "zrangestore", kNow), 1);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:new", "zrangestore:new"}));
}

TEST_F(ZSetOpsTest, ScanFiltersByMember) {
  Add("z", {{1, "apple"}, {2, "banana"}, {3, "avocado"}});
  OpStatus status;
  const ZSetValue* z = FindZSetForRead(db_, "z", kNow, &status);
  ASSERT_NE(z, nullptr);
  std::vector<ScoredMember> out;
  EXPECT_EQ(ZScanOf(*z, 0, 10, std::string_view("a*"), &out), 0u);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].member, "apple");
  EXPECT_EQ(out[1].member, "avocado");
}

// ---- The algebra.

ZInput Input(std::vector<ScoredMember> members) {
  ZInput in;
  in.kind = ZInput::Kind::kZSet;
  in.members = std::move(members);
  return in;
}

std::string Text(const std::vector<ScoredMember>& v) {
  std::string out;
  for (const ScoredMember& m : v) out += m.member + "=" + ScoreToString(m.score) + " ";
  return out;
}

TEST(ZSetAlgebraTest, UnionWeightsAndAggregates) {
  ZInput a = Input({{"a", 1}, {"b", 2}});
  ZInput b = Input({{"b", 10}, {"c", 20}});
  ZInput missing;
  std::vector<const ZInput*> in = {&a, &b, &missing};
  EXPECT_EQ(Text(ZUnion(in, {1, 1, 1}, ZAggregate::kSum)), "a=1 b=12 c=20 ");
  EXPECT_EQ(Text(ZUnion(in, {2, 0.5, 1}, ZAggregate::kSum)), "a=2 b=9 c=10 ");
  EXPECT_EQ(Text(ZUnion(in, {1, 1, 1}, ZAggregate::kMin)), "a=1 b=2 c=20 ");
  EXPECT_EQ(Text(ZUnion(in, {1, 1, 1}, ZAggregate::kMax)), "a=1 b=10 c=20 ");
}

TEST(ZSetAlgebraTest, InterDiffCard) {
  ZInput a = Input({{"a", 1}, {"b", 2}, {"c", 3}});
  ZInput b = Input({{"b", 10}, {"c", 20}, {"d", 30}});
  std::vector<const ZInput*> in = {&a, &b};
  EXPECT_EQ(Text(ZInter(in, {1, 1}, ZAggregate::kSum)), "b=12 c=23 ");
  EXPECT_EQ(Text(ZInter(in, {1, -1}, ZAggregate::kMax)), "b=2 c=3 ");
  EXPECT_EQ(Text(ZDiff(in)), "a=1 ");
  EXPECT_EQ(ZInterCard(in, 0), 2);
  EXPECT_EQ(ZInterCard(in, 1), 1);
  ZInput empty;
  std::vector<const ZInput*> with_empty = {&a, &empty};
  EXPECT_TRUE(ZInter(with_empty, {1, 1}, ZAggregate::kSum).empty());
  EXPECT_EQ(Text(ZDiff(with_empty)), "a=1 b=2 c=3 ");
}

TEST(ZSetAlgebraTest, InfinitiesBecomeZeroWhereRedisSaysSo) {
  ZInput a = Input({{"x", kInf}});
  ZInput b = Input({{"x", -kInf}});
  std::vector<const ZInput*> in = {&a, &b};
  // inf + -inf is NaN: 0 by Redis's convention.
  EXPECT_EQ(Text(ZUnion(in, {1, 1}, ZAggregate::kSum)), "x=0 ");
  // 0 * inf is NaN: 0 as well.
  EXPECT_EQ(Text(ZUnion(in, {0, 0}, ZAggregate::kMin)), "x=0 ");
}

}  // namespace
}  // namespace tessera::storage
