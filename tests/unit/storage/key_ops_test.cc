#include "storage/key_ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "storage/string_ops.h"
#include "tests/unit/storage/test_util.h"

namespace tessera::storage {
namespace {

using testing::MakeKeepAllRecorder;
using testing::StringOf;
using testing::TakeEvents;
using Strings = std::vector<std::string>;

constexpr int64_t kNow = 1'700'000'000'000;

class KeyOpsTest : public ::testing::Test {
 protected:
  void Set(DbTable& db, std::string_view key, std::string_view value, int64_t at_ms = kNoExpire) {
    SetParams p;
    p.expire_at_ms = at_ms;
    ASSERT_EQ(OpSet(db, key, value, p, kNow).status, OpStatus::kOk);
  }
  void Set(std::string_view key, std::string_view value, int64_t at_ms = kNoExpire) {
    Set(db_, key, value, at_ms);
  }
  std::string Get(DbTable& db, std::string_view key) {
    std::string out;
    return OpGet(db, key, kNow, &out) == OpStatus::kOk ? out : "<nil>";
  }

  ChangeRecorder recorder_ = MakeKeepAllRecorder();
  DbTable db_{0, &recorder_};
  DbTable db1_{1, &recorder_};
};

TEST_F(KeyOpsTest, DelExistsTouchType) {
  Set("k", "v");
  TakeEvents(recorder_);
  EXPECT_TRUE(OpExists(db_, "k", kNow));
  EXPECT_FALSE(OpExists(db_, "x", kNow));
  EXPECT_STREQ(OpType(db_, "k", kNow), "string");
  EXPECT_STREQ(OpType(db_, "x", kNow), "none");
  EXPECT_TRUE(OpTouch(db_, "k", kNow));
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"keymiss:x", "keymiss:x"}));
  EXPECT_TRUE(OpDel(db_, "k", kNow));
  EXPECT_EQ(TakeEvents(recorder_), Strings{"del:k"});
  EXPECT_FALSE(OpDel(db_, "k", kNow));
  EXPECT_TRUE(TakeEvents(recorder_).empty());
}

TEST_F(KeyOpsTest, DelOfExpiredKeyCountsAsMissing) {
  Set("k", "v", kNow + 10);
  TakeEvents(recorder_);
  EXPECT_FALSE(OpDel(db_, "k", kNow + 11));
  EXPECT_EQ(TakeEvents(recorder_), Strings{"expired:k"});
}

TEST_F(KeyOpsTest, ExpireAndTtl) {
  Set("k", "v");
  TakeEvents(recorder_);
  EXPECT_EQ(OpTtl(db_, "k", TtlQuery::kTtl, kNow), -1);
  EXPECT_EQ(OpTtl(db_, "x", TtlQuery::kTtl, kNow), -2);
  EXPECT_EQ(OpTtl(db_, "x", TtlQuery::kExpireTime, kNow), -2);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"keymiss:x", "keymiss:x"}));
  EXPECT_TRUE(OpExpire(db_, "k", kNow + 10'499, 0, kNow));
  EXPECT_EQ(TakeEvents(recorder_), Strings{"expire:k"});
  EXPECT_EQ(OpTtl(db_, "k", TtlQuery::kTtl, kNow), 10);  // rounds to nearest second
  EXPECT_EQ(OpTtl(db_, "k", TtlQuery::kTtl, kNow - 2), 11);
  EXPECT_EQ(OpTtl(db_, "k", TtlQuery::kPTtl, kNow), 10'499);
  EXPECT_EQ(OpTtl(db_, "k", TtlQuery::kPExpireTime, kNow), kNow + 10'499);
  EXPECT_EQ(OpTtl(db_, "k", TtlQuery::kExpireTime, kNow), (kNow + 10'499 + 500) / 1000);
  // At the deadline instant the key is alive with 0 ms left.
  EXPECT_EQ(OpTtl(db_, "k", TtlQuery::kPTtl, kNow + 10'499), 0);
  EXPECT_EQ(OpTtl(db_, "k", TtlQuery::kPTtl, kNow + 10'500), -2);
  EXPECT_FALSE(OpExpire(db_, "missing", kNow + 1000, 0, kNow));
}

TEST_F(KeyOpsTest, ExpireInThePastDeletesWithDel) {
  Set("k", "v");
  TakeEvents(recorder_);
  EXPECT_TRUE(OpExpire(db_, "k", kNow, 0, kNow));
  EXPECT_EQ(TakeEvents(recorder_), Strings{"del:k"});
  EXPECT_EQ(db_.size(), 0u);
  EXPECT_EQ(db_.stats().expired_keys, 0u);  // a DEL, not an expiry
  Set("n", "v");
  EXPECT_TRUE(OpExpire(db_, "n", -5000, 0, kNow));
  EXPECT_EQ(db_.size(), 0u);
}

TEST_F(KeyOpsTest, ExpireConditions) {
  Set("k", "v");
  // NX: only without a TTL.
  EXPECT_TRUE(OpExpire(db_, "k", kNow + 100, kExpireNX, kNow));
  EXPECT_FALSE(OpExpire(db_, "k", kNow + 200, kExpireNX, kNow));
  // XX: only with a TTL.
  EXPECT_TRUE(OpExpire(db_, "k", kNow + 200, kExpireXX, kNow));
  // GT / LT against the current TTL.
  EXPECT_FALSE(OpExpire(db_, "k", kNow + 200, kExpireGT, kNow));
  EXPECT_TRUE(OpExpire(db_, "k", kNow + 300, kExpireGT, kNow));
  EXPECT_FALSE(OpExpire(db_, "k", kNow + 300, kExpireLT, kNow));
  EXPECT_TRUE(OpExpire(db_, "k", kNow + 250, kExpireLT, kNow));
  EXPECT_EQ(OpTtl(db_, "k", TtlQuery::kPTtl, kNow), 250);
  EXPECT_TRUE(OpExpire(db_, "k", kNow + 260, kExpireXX | kExpireGT, kNow));
  // No TTL is infinite: GT always fails, LT always succeeds.
  Set("p", "v");
  EXPECT_FALSE(OpExpire(db_, "p", kNow + 1'000'000, kExpireGT, kNow));
  EXPECT_FALSE(OpExpire(db_, "p", kNow + 1000, kExpireXX, kNow));
  EXPECT_TRUE(OpExpire(db_, "p", kNow + 1000, kExpireLT, kNow));
  // A passed condition with a past deadline deletes.
  EXPECT_TRUE(OpExpire(db_, "p", kNow - 1, kExpireLT, kNow));
  EXPECT_FALSE(OpExists(db_, "p", kNow));
}

TEST_F(KeyOpsTest, Persist) {
  Set("k", "v", kNow + 1000);
  TakeEvents(recorder_);
  EXPECT_TRUE(OpPersist(db_, "k", kNow));
  EXPECT_EQ(TakeEvents(recorder_), Strings{"persist:k"});
  EXPECT_FALSE(OpPersist(db_, "k", kNow));
  EXPECT_FALSE(OpPersist(db_, "missing", kNow));
  EXPECT_EQ(OpTtl(db_, "k", TtlQuery::kTtl, kNow), -1);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
}

TEST_F(KeyOpsTest, Rename) {
  Set("a", "va", kNow + 5000);
  Set("b", "vb");
  TakeEvents(recorder_);
  EXPECT_EQ(OpRename(db_, "a", "b", /*nx=*/true, kNow), OpStatus::kNotPerformed);
  EXPECT_EQ(OpRename(db_, "a", "b", /*nx=*/false, kNow), OpStatus::kOk);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:b", "rename_from:a", "rename_to:b"}));
  EXPECT_EQ(Get(db_, "b"), "va");
  EXPECT_EQ(Get(db_, "a"), "<nil>");
  EXPECT_EQ(OpTtl(db_, "b", TtlQuery::kPTtl, kNow), 5000);
  EXPECT_EQ(db_.size(), 1u);
  EXPECT_EQ(db_.expires_count(), 1u);

  // Destination TTL is replaced by the source's (none here).
  Set("c", "vc");
  Set("d", "vd", kNow + 100);
  EXPECT_EQ(OpRename(db_, "c", "d", false, kNow), OpStatus::kOk);
  EXPECT_EQ(OpTtl(db_, "d", TtlQuery::kTtl, kNow), -1);
  EXPECT_EQ(db_.expires_count(), 1u);

  EXPECT_EQ(OpRename(db_, "missing", "x", false, kNow), OpStatus::kNoSuchKey);
  EXPECT_EQ(ErrorText(OpStatus::kNoSuchKey), "ERR no such key");
  TakeEvents(recorder_);
  EXPECT_EQ(OpRename(db_, "b", "b", false, kNow), OpStatus::kOk);
  EXPECT_EQ(OpRename(db_, "b", "b", true, kNow), OpStatus::kNotPerformed);
  EXPECT_EQ(OpRename(db_, "zz", "zz", false, kNow), OpStatus::kNoSuchKey);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  EXPECT_EQ(Get(db_, "b"), "va");
}

TEST_F(KeyOpsTest, RenameExpiredSourceIsMissing) {
  Set("a", "v", kNow + 1);
  EXPECT_EQ(OpRename(db_, "a", "b", false, kNow + 2), OpStatus::kNoSuchKey);
}

TEST_F(KeyOpsTest, Copy) {
  Set("src", std::string(100, 's'), kNow + 7000);
  TakeEvents(recorder_);
  EXPECT_EQ(OpCopy(db_, db_, "src", "src", false, kNow), OpStatus::kSameObject);
  EXPECT_EQ(ErrorText(OpStatus::kSameObject), "ERR source and destination objects are the same");
  EXPECT_EQ(OpCopy(db_, db_, "src", "dst", false, kNow), OpStatus::kOk);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:dst", "copy_to:dst"}));
  EXPECT_EQ(Get(db_, "dst"), std::string(100, 's'));
  EXPECT_EQ(OpTtl(db_, "dst", TtlQuery::kPTtl, kNow), 7000);
  // The copy is independent.
  OpAppend(db_, "src", "more", kNow);
  EXPECT_EQ(Get(db_, "dst"), std::string(100, 's'));

  EXPECT_EQ(OpCopy(db_, db_, "src", "dst", false, kNow), OpStatus::kNotPerformed);
  EXPECT_EQ(OpCopy(db_, db_, "src", "dst", true, kNow), OpStatus::kOk);
  EXPECT_EQ(Get(db_, "dst"), std::string(100, 's') + "more");
  EXPECT_EQ(OpCopy(db_, db_, "missing", "dst", true, kNow), OpStatus::kNoKey);

  // Across dbs, same key name is fine.
  TakeEvents(recorder_);
  EXPECT_EQ(OpCopy(db_, db1_, "src", "src", false, kNow), OpStatus::kOk);
  ASSERT_EQ(recorder_.events().size(), 2u);
  EXPECT_EQ(recorder_.events()[1].db, 1);
  EXPECT_EQ(Get(db1_, "src"), std::string(100, 's') + "more");
}

TEST_F(KeyOpsTest, Move) {
  Set("k", "v", kNow + 3000);
  TakeEvents(recorder_);
  EXPECT_EQ(OpMove(db_, db_, "k", kNow), OpStatus::kSameObject);
  EXPECT_EQ(OpMove(db_, db1_, "missing", kNow), OpStatus::kNoKey);
  EXPECT_EQ(OpMove(db_, db1_, "k", kNow), OpStatus::kOk);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"new:k", "move_from:k", "move_to:k"}));
  EXPECT_EQ(db_.size(), 0u);
  EXPECT_EQ(db_.expires_count(), 0u);
  EXPECT_EQ(Get(db1_, "k"), "v");
  EXPECT_EQ(OpTtl(db1_, "k", TtlQuery::kPTtl, kNow), 3000);
  Set("k", "again");
  EXPECT_EQ(OpMove(db_, db1_, "k", kNow), OpStatus::kNotPerformed);
  EXPECT_EQ(Get(db_, "k"), "again");
}

TEST_F(KeyOpsTest, MoveRecordsEventsInTheirDbs) {
  Set("k", "v");
  TakeEvents(recorder_);
  OpMove(db_, db1_, "k", kNow);
  ASSERT_EQ(recorder_.events().size(), 3u);
  EXPECT_EQ(recorder_.events()[0].db, 1);  // new
  EXPECT_EQ(recorder_.events()[1].db, 0);  // move_from
  EXPECT_EQ(recorder_.events()[2].db, 1);  // move_to
}

TEST_F(KeyOpsTest, ObjectIdleTime) {
  Set("k", "v");  // touched at kNow
  auto idle = OpObjectIdleTime(db_, "k", kNow + 65'000);
  EXPECT_EQ(idle.value, 65);
  // OBJECT does not touch.
  EXPECT_EQ(OpObjectIdleTime(db_, "k", kNow + 70'000).value, 70);
  std::string value;
  OpGet(db_, "k", kNow + 80'000, &value);
  EXPECT_EQ(OpObjectIdleTime(db_, "k", kNow + 81'000).value, 1);
  EXPECT_EQ(OpObjectIdleTime(db_, "missing", kNow).status, OpStatus::kNoKey);
}

TEST_F(KeyOpsTest, RandomKey) {
  EXPECT_FALSE(OpRandomKey(db_, kNow).has_value());
  Set("only", "v");
  EXPECT_EQ(OpRandomKey(db_, kNow).value(), "only");
}

TEST_F(KeyOpsTest, Keys) {
  Set("user:1", "a");
  Set("user:2", "b");
  Set("other", "c");
  Set("", "empty key");
  Set("user:3", "d", kNow + 1);
  std::vector<std::string> out;
  OpKeys(db_, "user:*", kNow + 5, &out);
  std::sort(out.begin(), out.end());
  EXPECT_EQ(out, (Strings{"user:1", "user:2"}));
  EXPECT_EQ(db_.size(), 5u);  // KEYS skips expired keys without deleting them
  out.clear();
  OpKeys(db_, "*", kNow, &out);
  EXPECT_EQ(out.size(), 5u);  // a lone "*" matches the empty key too
  out.clear();
  OpKeys(db_, "*x*", kNow, &out);
  EXPECT_TRUE(out.empty());
}

TEST_F(KeyOpsTest, ScanWithMatchTypeAndExpiry) {
  for (int i = 0; i < 300; ++i) {
    Set("s:" + std::to_string(i), "v", i % 10 == 0 ? kNow + 1 : kNoExpire);
  }
  struct FakeHash : StoredObject {
    const char* EncodingName() const override { return "listpack"; }
    std::unique_ptr<StoredObject> Clone() const override { return std::make_unique<FakeHash>(); }
    size_t MemoryUsage() const override { return 8; }
  };
  for (int i = 0; i < 50; ++i) {
    db_.AddNew("h:" + std::to_string(i),
               ValueInit::Object(ValueType::kHash, std::make_unique<FakeHash>()));
  }
  TakeEvents(recorder_);
  std::set<std::string> all;
  std::set<std::string> hashes;
  std::set<std::string> matched;
  uint64_t cursor = 0;
  ScanParams plain;
  do {
    std::vector<std::string> out;
    cursor = OpScan(db_, cursor, plain, kNow + 5, &out);
    all.insert(out.begin(), out.end());
  } while (cursor != 0);
  EXPECT_EQ(all.size(), 270u + 50u);
  EXPECT_EQ(db_.size(), 320u);  // expired keys met by SCAN were deleted
  EXPECT_EQ(recorder_.events().size(), 30u);

  ScanParams by_type;
  by_type.type_name = "HASH";
  by_type.count = 7;
  do {
    std::vector<std::string> out;
    cursor = OpScan(db_, cursor, by_type, kNow + 5, &out);
    hashes.insert(out.begin(), out.end());
  } while (cursor != 0);
  EXPECT_EQ(hashes.size(), 50u);

  ScanParams match;
  match.pattern = "s:1?";
  match.count = 1000;
  std::vector<std::string> out;
  EXPECT_EQ(OpScan(db_, 0, match, kNow + 5, &out), 0u);  // count covers the whole table
  matched.insert(out.begin(), out.end());
  EXPECT_EQ(matched.size(), 9u);  // s:11..s:19 (s:10 expired)

  ScanParams bogus_type;
  bogus_type.type_name = "nosuchtype";
  out.clear();
  OpScan(db_, 0, bogus_type, kNow + 5, &out);
  EXPECT_TRUE(out.empty());
}

TEST_F(KeyOpsTest, FlushCountsWrites) {
  for (int i = 0; i < 10; ++i) Set("k" + std::to_string(i), "v");
  recorder_.TakeOpDirty();
  TakeEvents(recorder_);
  EXPECT_EQ(OpFlush(db_), 10u);
  EXPECT_EQ(db_.size(), 0u);
  EXPECT_EQ(recorder_.TakeOpDirty(), 10u);
  // Only the (never published) database-reset marker, no per-key events.
  EXPECT_EQ(TakeEvents(recorder_), Strings{"flushdb:"});
}

TEST_F(KeyOpsTest, ObjectValuesAreFreedAndCloned) {
  struct Counted : StoredObject {
    explicit Counted(int* live) : live_(live) { ++*live_; }
    ~Counted() override { --*live_; }
    const char* EncodingName() const override { return "quicklist"; }
    std::unique_ptr<StoredObject> Clone() const override {
      return std::make_unique<Counted>(live_);
    }
    size_t MemoryUsage() const override { return 100; }
    int* live_;
  };
  int live = 0;
  db_.AddNew("l", ValueInit::Object(ValueType::kList, std::make_unique<Counted>(&live)));
  EXPECT_STREQ(OpObjectEncoding(db_, "l", kNow), "quicklist");
  EXPECT_STREQ(OpType(db_, "l", kNow), "list");
  EXPECT_EQ(OpCopy(db_, db_, "l", "l2", false, kNow), OpStatus::kOk);
  EXPECT_EQ(live, 2);
  EXPECT_EQ(OpExpire(db_, "l2", kNow + 100, 0, kNow), true);  // rebuilds the entry block
  EXPECT_EQ(OpRename(db_, "l2", "l3", false, kNow), OpStatus::kOk);
  EXPECT_EQ(live, 2);
  Set("l", "overwritten");
  EXPECT_EQ(live, 1);
  EXPECT_TRUE(OpDel(db_, "l3", kNow));
  EXPECT_EQ(live, 0);
}

}  // namespace
}  // namespace tessera::storage
