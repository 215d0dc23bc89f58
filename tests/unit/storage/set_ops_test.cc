#include "storage/set_ops.h"

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

constexpr int64_t kNow = 1'700'000'000'000;

class SetOpsTest : public ::testing::Test {
 protected:
  void TearDown() override { GlobalEncodingLimits().set_max_intset_entries = 512; }

  int64_t Add(std::string_view key, Views members) {
    OpResult<int64_t> r = OpSAdd(db_, key, members, kNow);
    EXPECT_EQ(r.status, OpStatus::kOk);
    return r.value;
  }
  Strings Members(std::string_view key) {
    Strings out;
    EXPECT_NE(OpSMembers(db_, key, kNow, &out), OpStatus::kWrongType);
    return out;
  }
  Strings SortedMembers(std::string_view key) {
    Strings out = Members(key);
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string Encoding(std::string_view key) {
    const char* e = OpObjectEncoding(db_, key, kNow);
    return e == nullptr ? "<none>" : e;
  }
  const SetValue* Find(std::string_view key) {
    const SetValue* s = nullptr;
    EXPECT_EQ(OpFindSet(db_, key, false, kNow, &s), OpStatus::kOk);
    return s;
  }
  void SetString(std::string_view key) {
    ASSERT_EQ(OpSet(db_, key, "v", SetParams{}, kNow).status, OpStatus::kOk);
  }

  ChangeRecorder recorder_ = MakeKeepAllRecorder();
  DbTable db_{0, &recorder_};
  Rng rng_{1234};
};

TEST_F(SetOpsTest, SAddCreatesWithEventsAndCountsNewMembers) {
  EXPECT_EQ(Add("s", {"1", "2", "2"}), 2);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:s", "sadd:s"}));
  EXPECT_EQ(Add("s", {"2", "1"}), 0);
  EXPECT_TRUE(TakeEvents(recorder_).empty());  // nothing added: no event
  EXPECT_EQ(Add("s", {"3"}), 1);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"sadd:s"}));
  EXPECT_EQ(Members("s"), (Strings{"1", "2", "3"}));
  SetString("str");
  EXPECT_EQ(OpSAdd(db_, "str", {"a"}, kNow).status, OpStatus::kWrongType);
}

TEST_F(SetOpsTest, EncodingFollowsMembersAndTheConfiguredLimit) {
  Add("ints", {"1", "2"});
  EXPECT_EQ(Encoding("ints"), "intset");
  Add("ints", {"abc"});
  EXPECT_EQ(Encoding("ints"), "hashtable");
  Add("str", {"abc", "1"});
  EXPECT_EQ(Encoding("str"), "hashtable");

  GlobalEncodingLimits().set_max_intset_entries = 3;
  Add("lim", {"1", "2", "3"});
  EXPECT_EQ(Encoding("lim"), "intset");
  Add("lim", {"3"});
  EXPECT_EQ(Encoding("lim"), "intset");
  Add("lim", {"4"});
  EXPECT_EQ(Encoding("lim"), "hashtable");
  // A single SADD past the limit converts mid-way and keeps every member.
  Add("lim2", {"1", "2", "3", "4", "5", "6"});
  EXPECT_EQ(Encoding("lim2"), "hashtable");
  EXPECT_EQ(SortedMembers("lim2"), (Strings{"1", "2", "3", "4", "5", "6"}));
}

TEST_F(SetOpsTest, ReplacementKeepsTheTtl) {
  Add("s", {"1"});
  Entry* e = db_.FindLive("s", kNow);
  db_.SetExpire(e, kNow + 10'000);
  for (int i = 0; i < 100; ++i) Add("s", {std::to_string(i * 1000)});  // several reallocations
  Add("s", {"x"});                                                     // conversion
  EXPECT_EQ(db_.GetExpire(db_.FindLive("s", kNow)), kNow + 10'000);
  EXPECT_EQ(Encoding("s"), "hashtable");
}

TEST_F(SetOpsTest, SRemDeletesTheEmptiedKey) {
  Add("s", {"a", "b", "c"});
  TakeEvents(recorder_);
  EXPECT_EQ(OpSRem(db_, "s", {"a", "zz"}, kNow).value, 1);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"srem:s"}));
  EXPECT_EQ(OpSRem(db_, "s", {"zz"}, kNow).value, 0);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  // Removal stops once the set is empty, as in Redis (later duplicates are not counted).
  EXPECT_EQ(OpSRem(db_, "s", {"b", "c", "b"}, kNow).value, 2);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"srem:s", "del:s"}));
  EXPECT_EQ(db_.FindLive("s", kNow), nullptr);
  EXPECT_EQ(OpSRem(db_, "missing", {"a"}, kNow).value, 0);
  SetString("str");
  EXPECT_EQ(OpSRem(db_, "str", {"a"}, kNow).status, OpStatus::kWrongType);
}

TEST_F(SetOpsTest, CardAndMembership) {
  Add("s", {"1", "x"});
  EXPECT_EQ(OpSCard(db_, "s", kNow).value, 2);
  EXPECT_EQ(OpSCard(db_, "missing", kNow).value, 0);
  std::vector<bool> flags;
  EXPECT_EQ(OpSMIsMember(db_, "s", {"1", "2", "x"}, kNow, &flags), OpStatus::kOk);
  EXPECT_EQ(flags, (std::vector<bool>{true, false, true}));
  flags.clear();
  EXPECT_EQ(OpSMIsMember(db_, "missing", {"1", "2"}, kNow, &flags), OpStatus::kOk);
  EXPECT_EQ(flags, (std::vector<bool>{false, false}));
  SetString("str");
  EXPECT_EQ(OpSCard(db_, "str", kNow).status, OpStatus::kWrongType);
  EXPECT_EQ(OpSMIsMember(db_, "str", {"1"}, kNow, &flags), OpStatus::kWrongType);
  Strings out;
  EXPECT_EQ(OpSMembers(db_, "missing", kNow, &out), OpStatus::kNoKey);
  EXPECT_EQ(OpSMembers(db_, "str", kNow, &out), OpStatus::kWrongType);
}

TEST_F(SetOpsTest, SPopRemovesAndDeletesWhenEmpty) {
  Add("s", {"1", "2"});
  TakeEvents(recorder_);
  OpResult<std::optional<std::string>> r = OpSPop(db_, "s", kNow, rng_);
  ASSERT_TRUE(r.value.has_value());
  EXPECT_TRUE(*r.value == "1" || *r.value == "2");
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"spop:s"}));
  r = OpSPop(db_, "s", kNow, rng_);
  ASSERT_TRUE(r.value.has_value());
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"spop:s", "del:s"}));
  EXPECT_FALSE(OpSPop(db_, "s", kNow, rng_).value.has_value());
  SetString("str");
  EXPECT_EQ(OpSPop(db_, "str", kNow, rng_).status, OpStatus::kWrongType);
}

TEST_F(SetOpsTest, SPopWithCount) {
  Add("s", {"a", "b", "c", "d", "e"});
  TakeEvents(recorder_);
  Strings out;
  EXPECT_EQ(OpSPopCount(db_, "s", 0, kNow, rng_, &out), OpStatus::kOk);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  EXPECT_EQ(OpSPopCount(db_, "s", 3, kNow, rng_, &out), OpStatus::kOk);
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(std::set<std::string>(out.begin(), out.end()).size(), 3u);
  EXPECT_EQ(OpSCard(db_, "s", kNow).value, 2);
  for (const std::string& m : out) EXPECT_FALSE(Find("s")->Contains(m));
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"spop:s"}));
  out.clear();
  EXPECT_EQ(OpSPopCount(db_, "s", 10, kNow, rng_, &out), OpStatus::kOk);
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"spop:s", "del:s"}));
  out.clear();
  EXPECT_EQ(OpSPopCount(db_, "s", 10, kNow, rng_, &out), OpStatus::kOk);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(TakeEvents(recorder_).empty());
}

TEST_F(SetOpsTest, SRandMemberCounts) {
  Add("s", {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"});
  auto rand = [&](int64_t count) {
    Strings out;
    EXPECT_EQ(OpSRandMemberCount(db_, "s", count, kNow, rng_, &out), OpStatus::kOk);
    for (const std::string& m : out) EXPECT_TRUE(Find("s")->Contains(m)) << m;
    return out;
  };
  EXPECT_TRUE(rand(0).empty());
  EXPECT_EQ(rand(1).size(), 1u);
  for (int64_t count : {2, 4, 9}) {  // both selection strategies (count*3 above/below size)
    Strings out = rand(count);
    EXPECT_EQ(out.size(), static_cast<size_t>(count));
    EXPECT_EQ(std::set<std::string>(out.begin(), out.end()).size(), out.size());
  }
  EXPECT_EQ(rand(10).size(), 10u);
  EXPECT_EQ(rand(100), Members("s"));  // the whole set, in its order
  Strings repeated = rand(-50);
  EXPECT_EQ(repeated.size(), 50u);
  EXPECT_LT(std::set<std::string>(repeated.begin(), repeated.end()).size(), 50u);
  EXPECT_EQ(OpSCard(db_, "s", kNow).value, 10);  // reading never removes
  Strings none;
  EXPECT_EQ(OpSRandMemberCount(db_, "missing", -3, kNow, rng_, &none), OpStatus::kOk);
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(OpSRandMember(db_, "missing", kNow, rng_).value.has_value());
  SetString("str");
  EXPECT_EQ(OpSRandMemberCount(db_, "str", 1, kNow, rng_, &none), OpStatus::kWrongType);
}

TEST_F(SetOpsTest, SMoveOnOneShard) {
  Add("src", {"a", "b"});
  Add("dst", {"c"});
  TakeEvents(recorder_);
  EXPECT_TRUE(OpSMove(db_, "src", "dst", "a", kNow).value);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"srem:src", "sadd:dst"}));
  EXPECT_FALSE(OpSMove(db_, "src", "dst", "zz", kNow).value);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  // Moving a member the destination already has still removes it from the source.
  Add("dst", {"b"});
  TakeEvents(recorder_);
  EXPECT_TRUE(OpSMove(db_, "src", "dst", "b", kNow).value);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"srem:src", "del:src"}));
  // A new destination is created with the member's initial encoding.
  EXPECT_TRUE(OpSMove(db_, "dst", "fresh", "7", kNow).value == false);
  Add("dst", {"7"});
  TakeEvents(recorder_);
  EXPECT_TRUE(OpSMove(db_, "dst", "fresh", "7", kNow).value);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"srem:dst", "new:fresh", "sadd:fresh"}));
  EXPECT_EQ(Encoding("fresh"), "intset");
  // Same key: membership only.
  EXPECT_TRUE(OpSMove(db_, "dst", "dst", "c", kNow).value);
  EXPECT_FALSE(OpSMove(db_, "dst", "dst", "q", kNow).value);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  // Errors: a missing source answers 0 before the destination's type is looked at.
  SetString("str");
  EXPECT_EQ(OpSMove(db_, "missing", "str", "a", kNow).status, OpStatus::kNoKey);
  EXPECT_EQ(OpSMove(db_, "dst", "str", "c", kNow).status, OpStatus::kWrongType);
  EXPECT_EQ(OpSMove(db_, "str", "dst", "c", kNow).status, OpStatus::kWrongType);
  EXPECT_EQ(SortedMembers("dst"), (Strings{"a", "b", "c"}));
}

TEST_F(SetOpsTest, SMovePiecesForCrossShardUse) {
  Add("src", {"a"});
  SetString("str");
  TakeEvents(recorder_);
  EXPECT_EQ(OpSetTypeCheck(db_, "src", kNow), OpStatus::kOk);
  EXPECT_EQ(OpSetTypeCheck(db_, "missing", kNow), OpStatus::kNoKey);
  EXPECT_EQ(OpSetTypeCheck(db_, "str", kNow), OpStatus::kWrongType);
  EXPECT_EQ(OpSMoveTake(db_, "missing", "a", true, kNow).status, OpStatus::kNoKey);
  EXPECT_EQ(OpSMoveTake(db_, "str", "a", false, kNow).status, OpStatus::kWrongType);
  EXPECT_EQ(OpSMoveTake(db_, "src", "a", true, kNow).status, OpStatus::kWrongType);
  EXPECT_FALSE(OpSMoveTake(db_, "src", "b", false, kNow).value);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  EXPECT_TRUE(OpSMoveTake(db_, "src", "a", false, kNow).value);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"srem:src", "del:src"}));
}

TEST_F(SetOpsTest, AlgebraOverBothEncodings) {
  Add("i1", {"1", "2", "3", "4"});
  Add("i2", {"3", "4", "5"});
  Add("t1", {"4", "x", "3"});
  auto sorted = [](const std::unique_ptr<SetValue>& s) {
    Strings m = s->Members();
    std::sort(m.begin(), m.end());
    return m;
  };
  const SetValue* i1 = Find("i1");
  const SetValue* i2 = Find("i2");
  const SetValue* t1 = Find("t1");
  std::unique_ptr<SetValue> inter = ComputeInter({i1, i2});
  EXPECT_STREQ(inter->EncodingName(), "intset");
  EXPECT_EQ(inter->Members(), (Strings{"3", "4"}));
  EXPECT_EQ(sorted(ComputeInter({i1, i2, t1})), (Strings{"3", "4"}));
  EXPECT_EQ(ComputeInter({i1, nullptr})->size(), 0u);
  EXPECT_EQ(ComputeInter({i1, i1})->size(), 4u);
  std::unique_ptr<SetValue> uni = ComputeUnion({i1, nullptr, t1});
  EXPECT_STREQ(uni->EncodingName(), "hashtable");
  EXPECT_EQ(sorted(uni), (Strings{"1", "2", "3", "4", "x"}));
  EXPECT_EQ(ComputeUnion({i2, i1})->Members(), (Strings{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(ComputeDiff({i1, i2})->Members(), (Strings{"1", "2"}));
  EXPECT_EQ(sorted(ComputeDiff({t1, i1})), (Strings{"x"}));
  EXPECT_EQ(ComputeDiff({i1, nullptr})->size(), 4u);
  EXPECT_EQ(ComputeDiff({nullptr, i1})->size(), 0u);
  EXPECT_EQ(ComputeDiff({i1, i1})->size(), 0u);
  EXPECT_EQ(ComputeInterCard({i1, i2}, 0), 2);
  EXPECT_EQ(ComputeInterCard({i1, i2}, 1), 1);
  EXPECT_EQ(ComputeInterCard({i1, i2}, 5), 2);
  EXPECT_EQ(ComputeInterCard({i1, nullptr}, 0), 0);
}

TEST_F(SetOpsTest, AlgebraResultsConvertPastTheIntsetLimit) {
  Strings members;
  for (int i = 0; i < 10; ++i) members.push_back(std::to_string(i));
  Add("a", Views(members.begin(), members.end()));
  GlobalEncodingLimits().set_max_intset_entries = 5;
  EXPECT_STREQ(ComputeUnion({Find("a")})->EncodingName(), "hashtable");
  GlobalEncodingLimits().set_max_intset_entries = 10;
  EXPECT_STREQ(ComputeUnion({Find("a")})->EncodingName(), "intset");
}

TEST_F(SetOpsTest, StoreOverwritesOrDeletes) {
  SetString("dst");
  db_.SetExpire(db_.FindLive("dst", kNow), kNow + 5000);
  Add("a", {"1", "2"});
  TakeEvents(recorder_);
  EXPECT_EQ(OpStoreSet(db_, "dst", ComputeUnion({Find("a")}), "sunionstore", kNow), 2);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"sunionstore:dst"}));
  EXPECT_EQ(db_.GetExpire(db_.FindLive("dst", kNow)), kNoExpire);  // setKey drops the TTL
  EXPECT_EQ(Members("dst"), (Strings{"1", "2"}));
  EXPECT_EQ(OpStoreSet(db_, "new", ComputeUnion({Find("a")}), "sinterstore", kNow), 2);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:new", "sinterstore:new"}));
  EXPECT_EQ(OpStoreSet(db_, "dst", ComputeInter({Find("a"), nullptr}), "sinterstore", kNow), 0);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"del:dst"}));
  EXPECT_EQ(db_.FindLive("dst", kNow), nullptr);
  EXPECT_EQ(OpStoreSet(db_, "dst", ComputeInter({nullptr}), "sinterstore", kNow), 0);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
}

TEST_F(SetOpsTest, CloneForReadIsIndependent) {
  Add("a", {"1", "x"});
  SetString("str");
  std::unique_ptr<SetValue> copy;
  EXPECT_EQ(CloneSetForRead(db_, "a", true, kNow, &copy), OpStatus::kOk);
  ASSERT_NE(copy, nullptr);
  Add("a", {"y"});
  EXPECT_EQ(copy->size(), 2u);
  std::unique_ptr<SetValue> none;
  EXPECT_EQ(CloneSetForRead(db_, "missing", false, kNow, &none), OpStatus::kOk);
  EXPECT_EQ(none, nullptr);
  EXPECT_EQ(CloneSetForRead(db_, "str", false, kNow, &none), OpStatus::kWrongType);
}

TEST_F(SetOpsTest, SScanFiltersAndCompletes) {
  Add("small", {"10", "11", "20"});
  Strings out;
  OpResult<uint64_t> r = OpSScan(db_, "small", 0, 10, "1*", kNow, &out);
  EXPECT_EQ(r.value, 0u);
  EXPECT_EQ(out, (Strings{"10", "11"}));
  Strings members;
  for (int i = 0; i < 2000; ++i) members.push_back("m" + std::to_string(i));
  Add("big", Views(members.begin(), members.end()));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    out.clear();
    cursor = OpSScan(db_, "big", cursor, 20, std::nullopt, kNow, &out).value;
    seen.insert(out.begin(), out.end());
    ++calls;
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 2000u);
  EXPECT_GT(calls, 10);  // really incremental
  out.clear();
  EXPECT_EQ(OpSScan(db_, "missing", 0, 10, std::nullopt, kNow, &out).status, OpStatus::kOk);
  EXPECT_TRUE(out.empty());
  SetString("str");
  EXPECT_EQ(OpSScan(db_, "str", 0, 10, std::nullopt, kNow, &out).status, OpStatus::kWrongType);
}

TEST_F(SetOpsTest, ExpiredSetIsMissing) {
  Add("s", {"a"});
  db_.SetExpire(db_.FindLive("s", kNow), kNow + 10);
  TakeEvents(recorder_);
  EXPECT_EQ(OpSCard(db_, "s", kNow + 11).value, 0);
  EXPECT_EQ(OpSAdd(db_, "s", {"b"}, kNow + 11).value, 1);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"expired:s", "keymiss:s", "new:s", "sadd:s"}));
}

}  // namespace
}  // namespace tessera::storage
