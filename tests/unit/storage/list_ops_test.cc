#include "storage/list_ops.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/string_ops.h"
#include "tests/unit/storage/test_util.h"

namespace tessera::storage {
namespace {

using testing::MakeKeepAllRecorder;
using testing::TakeEvents;
using Strings = std::vector<std::string>;

constexpr int64_t kNow = 1'700'000'000'000;

class ListOpsTest : public ::testing::Test {
 protected:
  int64_t Push(std::string_view key, std::vector<std::string_view> values,
               ListEnd where = ListEnd::kTail) {
    OpResult<int64_t> r = OpListPush(db_, key, values, where, false, kNow);
    EXPECT_EQ(r.status, OpStatus::kOk);
    return r.value;
  }
  Strings Range(std::string_view key, int64_t start = 0, int64_t end = -1) {
    Strings out;
    OpListRange(db_, key, start, end, kNow, &out);
    return out;
  }
  void MakeString(std::string_view key) {
    OpSet(db_, key, "v", SetParams{}, kNow);
    recorder_.Clear();
  }

  ChangeRecorder recorder_ = MakeKeepAllRecorder();
  DbTable db_{0, &recorder_};
};

TEST_F(ListOpsTest, PushRecordsOneEventPerCommand) {
  EXPECT_EQ(Push("l", {"a", "b", "c"}), 3);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:l", "rpush:l"}));
  EXPECT_EQ(Push("l", {"z"}, ListEnd::kHead), 4);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"lpush:l"}));
  EXPECT_EQ(Range("l"), (Strings{"z", "a", "b", "c"}));
  Entry* e = db_.FindRaw("l");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->type(), ValueType::kList);
  EXPECT_STREQ(e->EncodingName(), "quicklist");
}

TEST_F(ListOpsTest, PushXOnlyOnExistingLists) {
  OpResult<int64_t> r = OpListPush(db_, "l", {"a"}, ListEnd::kHead, true, kNow);
  EXPECT_EQ(r.status, OpStatus::kNoKey);
  EXPECT_EQ(db_.size(), 0u);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  Push("l", {"a"});
  recorder_.Clear();
  r = OpListPush(db_, "l", {"b", "c"}, ListEnd::kHead, true, kNow);
  EXPECT_EQ(r.value, 3);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"lpush:l"}));
  EXPECT_EQ(Range("l"), (Strings{"c", "b", "a"}));
}

TEST_F(ListOpsTest, WrongTypeEverywhere) {
  MakeString("s");
  Strings out;
  std::string one;
  EXPECT_EQ(OpListPush(db_, "s", {"a"}, ListEnd::kHead, false, kNow).status, OpStatus::kWrongType);
  EXPECT_EQ(OpListPop(db_, "s", ListEnd::kHead, 1, kNow, &out), OpStatus::kWrongType);
  EXPECT_EQ(OpListLen(db_, "s", kNow).status, OpStatus::kWrongType);
  EXPECT_EQ(OpListRange(db_, "s", 0, -1, kNow, &out), OpStatus::kWrongType);
  EXPECT_EQ(OpListIndex(db_, "s", "x", kNow, &one), OpStatus::kWrongType);  // type first
  EXPECT_EQ(OpListSet(db_, "s", "x", "v", kNow), OpStatus::kWrongType);
  EXPECT_EQ(OpListInsert(db_, "s", true, "p", "v", kNow).status, OpStatus::kWrongType);
  EXPECT_EQ(OpListRem(db_, "s", 0, "v", kNow).status, OpStatus::kWrongType);
  EXPECT_EQ(OpListTrim(db_, "s", 0, 1, kNow), OpStatus::kWrongType);
  std::vector<int64_t> pos;
  EXPECT_EQ(OpListPos(db_, "s", "v", ListPosParams{}, kNow, &pos), OpStatus::kWrongType);
  EXPECT_EQ(OpListProbe(db_, "s", kNow), OpStatus::kWrongType);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
}

TEST_F(ListOpsTest, PopDeletesTheEmptyList) {
  Push("l", {"a", "b", "c"});
  recorder_.Clear();
  Strings out;
  EXPECT_EQ(OpListPop(db_, "l", ListEnd::kTail, 2, kNow, &out), OpStatus::kOk);
  EXPECT_EQ(out, (Strings{"c", "b"}));
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"rpop:l"}));
  out.clear();
  EXPECT_EQ(OpListPop(db_, "l", ListEnd::kHead, 0, kNow, &out), OpStatus::kOk);  // count 0
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  EXPECT_EQ(OpListPop(db_, "l", ListEnd::kHead, 5, kNow, &out), OpStatus::kOk);
  EXPECT_EQ(out, (Strings{"a"}));
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"lpop:l", "del:l"}));
  EXPECT_EQ(db_.FindRaw("l"), nullptr);
  EXPECT_EQ(OpListPop(db_, "l", ListEnd::kHead, 1, kNow, &out), OpStatus::kNoKey);
}

TEST_F(ListOpsTest, LenAndReadLookupsCountMisses) {
  EXPECT_EQ(OpListLen(db_, "none", kNow).value, 0);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"keymiss:none"}));
  Push("l", {"a", "b"});
  EXPECT_EQ(OpListLen(db_, "l", kNow).value, 2);
}

TEST_F(ListOpsTest, RangeIndexRules) {
  Push("l", {"0", "1", "2", "3", "4"});
  EXPECT_EQ(Range("l", 0, -1), (Strings{"0", "1", "2", "3", "4"}));
  EXPECT_EQ(Range("l", -2, -1), (Strings{"3", "4"}));
  EXPECT_EQ(Range("l", -100, 1), (Strings{"0", "1"}));
  EXPECT_EQ(Range("l", 3, 100), (Strings{"3", "4"}));
  EXPECT_EQ(Range("l", 3, 2), Strings{});
  EXPECT_EQ(Range("l", 5, 10), Strings{});
  EXPECT_EQ(Range("l", 0, -6), Strings{});
  EXPECT_EQ(Range("l", INT64_MIN, INT64_MAX), (Strings{"0", "1", "2", "3", "4"}));
  Strings out;
  EXPECT_EQ(OpListRange(db_, "none", 0, -1, kNow, &out), OpStatus::kNoKey);
}

TEST_F(ListOpsTest, IndexAndSet) {
  Push("l", {"a", "b", "c"});
  recorder_.Clear();
  std::string v;
  EXPECT_EQ(OpListIndex(db_, "l", "-1", kNow, &v), OpStatus::kOk);
  EXPECT_EQ(v, "c");
  EXPECT_EQ(OpListIndex(db_, "l", "3", kNow, &v), OpStatus::kNotPerformed);
  EXPECT_EQ(OpListIndex(db_, "l", "-4", kNow, &v), OpStatus::kNotPerformed);
  EXPECT_EQ(OpListIndex(db_, "l", "1.0", kNow, &v), OpStatus::kNotInteger);
  EXPECT_EQ(OpListIndex(db_, "none", "bad", kNow, &v), OpStatus::kNoKey);  // key first
  EXPECT_EQ(OpListSet(db_, "none", "bad", "x", kNow), OpStatus::kNoSuchKey);
  EXPECT_EQ(OpListSet(db_, "l", "bad", "x", kNow), OpStatus::kNotInteger);
  EXPECT_EQ(OpListSet(db_, "l", "3", "x", kNow), OpStatus::kNotPerformed);
  recorder_.Clear();
  EXPECT_EQ(OpListSet(db_, "l", "-3", "A", kNow), OpStatus::kOk);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"lset:l"}));
  EXPECT_EQ(Range("l"), (Strings{"A", "b", "c"}));
}

TEST_F(ListOpsTest, InsertAroundPivot) {
  Push("l", {"a", "b", "a"});
  recorder_.Clear();
  EXPECT_EQ(OpListInsert(db_, "l", false, "a", "x", kNow).value, 4);  // first pivot only
  EXPECT_EQ(OpListInsert(db_, "l", true, "b", "y", kNow).value, 5);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"linsert:l", "linsert:l"}));
  EXPECT_EQ(Range("l"), (Strings{"x", "a", "b", "y", "a"}));
  EXPECT_EQ(OpListInsert(db_, "l", true, "zz", "v", kNow).value, -1);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  EXPECT_EQ(OpListInsert(db_, "none", true, "a", "v", kNow).status, OpStatus::kNoKey);
  EXPECT_EQ(db_.FindRaw("none"), nullptr);
}

TEST_F(ListOpsTest, RemRecordsOnlyWhenSomethingGoes) {
  Push("l", {"x", "a", "x", "x"});
  recorder_.Clear();
  EXPECT_EQ(OpListRem(db_, "l", -1, "x", kNow).value, 1);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"lrem:l"}));
  EXPECT_EQ(Range("l"), (Strings{"x", "a", "x"}));
  EXPECT_EQ(OpListRem(db_, "l", 0, "none", kNow).value, 0);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  EXPECT_EQ(OpListRem(db_, "l", 0, "x", kNow).value, 2);
  EXPECT_EQ(OpListRem(db_, "l", 1, "a", kNow).value, 1);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"lrem:l", "lrem:l", "del:l"}));
  EXPECT_EQ(OpListRem(db_, "l", 1, "a", kNow).status, OpStatus::kNoKey);
}

TEST_F(ListOpsTest, TrimAlwaysRecordsAndDeletesWhenEmpty) {
  Push("l", {"0", "1", "2", "3"});
  recorder_.Clear();
  EXPECT_EQ(OpListTrim(db_, "l", 0, 100, kNow), OpStatus::kOk);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"ltrim:l"}));
  EXPECT_EQ(OpListTrim(db_, "l", 1, -2, kNow), OpStatus::kOk);
  EXPECT_EQ(Range("l"), (Strings{"1", "2"}));
  recorder_.Clear();
  EXPECT_EQ(OpListTrim(db_, "l", 5, 10, kNow), OpStatus::kOk);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"ltrim:l", "del:l"}));
  EXPECT_EQ(OpListTrim(db_, "l", 0, 1, kNow), OpStatus::kNoKey);
}

TEST_F(ListOpsTest, PosRankCountMaxlen) {
  Push("l", {"a", "b", "a", "c", "a"});
  auto pos = [this](ListPosParams p) {
    std::vector<int64_t> out;
    EXPECT_EQ(OpListPos(db_, "l", "a", p, kNow, &out), OpStatus::kOk);
    return out;
  };
  EXPECT_EQ(pos({}), (std::vector<int64_t>{0}));
  EXPECT_EQ(pos({2, -1, 0}), (std::vector<int64_t>{2}));
  EXPECT_EQ(pos({-1, -1, 0}), (std::vector<int64_t>{4}));
  EXPECT_EQ(pos({1, 0, 0}), (std::vector<int64_t>{0, 2, 4}));
  EXPECT_EQ(pos({-2, 0, 0}), (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(pos({1, 2, 0}), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(pos({1, 0, 3}), (std::vector<int64_t>{0, 2}));  // MAXLEN 3 scans 3 elements
  EXPECT_EQ(pos({4, -1, 0}), std::vector<int64_t>{});
  EXPECT_EQ(pos({INT64_MIN, -1, 0}), (std::vector<int64_t>{4}));  // Redis's LONG_MIN quirk
  std::vector<int64_t> out;
  EXPECT_EQ(OpListPos(db_, "none", "a", {}, kNow, &out), OpStatus::kNoKey);
}

TEST_F(ListOpsTest, MoveRecordsPushThenPopThenDel) {
  Push("src", {"a", "b"});
  recorder_.Clear();
  std::string v;
  EXPECT_EQ(OpListMove(db_, "src", "dst", ListEnd::kTail, ListEnd::kHead, kNow, &v), OpStatus::kOk);
  EXPECT_EQ(v, "b");
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:dst", "lpush:dst", "rpop:src"}));
  EXPECT_EQ(OpListMove(db_, "src", "dst", ListEnd::kHead, ListEnd::kTail, kNow, &v), OpStatus::kOk);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"rpush:dst", "lpop:src", "del:src"}));
  EXPECT_EQ(Range("dst"), (Strings{"b", "a"}));
  EXPECT_EQ(OpListMove(db_, "src", "dst", ListEnd::kHead, ListEnd::kTail, kNow, &v),
            OpStatus::kNoKey);
}

TEST_F(ListOpsTest, MoveRotatesOneList) {
  Push("l", {"only"});
  recorder_.Clear();
  std::string v;
  EXPECT_EQ(OpListMove(db_, "l", "l", ListEnd::kHead, ListEnd::kTail, kNow, &v), OpStatus::kOk);
  EXPECT_EQ(Range("l"), (Strings{"only"}));  // never deleted in between
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"rpush:l", "lpop:l"}));
  Push("l", {"2", "3"});
  EXPECT_EQ(OpListMove(db_, "l", "l", ListEnd::kTail, ListEnd::kHead, kNow, &v), OpStatus::kOk);
  EXPECT_EQ(Range("l"), (Strings{"3", "only", "2"}));
}

TEST_F(ListOpsTest, MoveChecksSourceThenDestination) {
  MakeString("s");
  std::string v;
  // A missing source is nil even when the destination has the wrong type.
  EXPECT_EQ(OpListMove(db_, "none", "s", ListEnd::kHead, ListEnd::kHead, kNow, &v),
            OpStatus::kNoKey);
  Push("l", {"a"});
  recorder_.Clear();
  EXPECT_EQ(OpListMove(db_, "l", "s", ListEnd::kHead, ListEnd::kHead, kNow, &v),
            OpStatus::kWrongType);
  EXPECT_EQ(Range("l"), (Strings{"a"}));  // nothing popped
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  EXPECT_EQ(OpListMove(db_, "s", "l", ListEnd::kHead, ListEnd::kHead, kNow, &v),
            OpStatus::kWrongType);
}

TEST_F(ListOpsTest, PeekAndProbe) {
  std::string v;
  EXPECT_EQ(OpListPeek(db_, "l", ListEnd::kHead, kNow, &v), OpStatus::kNoKey);
  EXPECT_EQ(OpListProbe(db_, "l", kNow), OpStatus::kNoKey);
  Push("l", {"a", "b"});
  EXPECT_EQ(OpListPeek(db_, "l", ListEnd::kTail, kNow, &v), OpStatus::kOk);
  EXPECT_EQ(v, "b");
  EXPECT_EQ(OpListProbe(db_, "l", kNow), OpStatus::kOk);
  EXPECT_EQ(Range("l"), (Strings{"a", "b"}));
}

TEST_F(ListOpsTest, ExpiredListsAreGone) {
  Push("l", {"a"});
  db_.SetExpire(db_.FindRaw("l"), kNow + 10);
  recorder_.Clear();
  Strings out;
  EXPECT_EQ(OpListPop(db_, "l", ListEnd::kHead, 1, kNow + 11, &out), OpStatus::kNoKey);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"expired:l"}));
  // A push after expiry creates a fresh list without the old TTL.
  EXPECT_EQ(OpListPush(db_, "l", {"b"}, ListEnd::kHead, false, kNow + 12).value, 1);
  EXPECT_EQ(db_.GetExpire(db_.FindRaw("l")), kNoExpire);
}

}  // namespace
}  // namespace tessera::storage
