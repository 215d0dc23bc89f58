// Small collections kept inside their entry's block (Entry's inline objects): the layout, the
// moves between inline and separate objects, and that moving an entry keeps its value, TTL and
// snapshot state.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "storage/db_table.h"
#include "storage/encoding_limits.h"
#include "storage/hash_ops.h"
#include "storage/hash_value.h"
#include "storage/key_ops.h"
#include "storage/set_ops.h"
#include "storage/set_value.h"

namespace tessera::storage {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

std::vector<std::string> SortedMembers(DbTable& db, std::string_view key) {
  std::vector<std::string> out;
  EXPECT_EQ(OpSMembers(db, key, kNow, &out), OpStatus::kOk);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<FieldValue> AllPairs(DbTable& db, std::string_view key) {
  std::vector<FieldValue> out;
  EXPECT_EQ(OpHGetAll(db, key, kNow, &out), OpStatus::kOk);
  return out;
}

void SAdd(DbTable& db, std::string_view key, std::vector<std::string_view> members) {
  ASSERT_EQ(OpSAdd(db, key, members, kNow).status, OpStatus::kOk);
}

void HSet(DbTable& db, std::string_view key, std::vector<std::string_view> pairs) {
  ASSERT_EQ(OpHSet(db, key, pairs, kNow).status, OpStatus::kOk);
}

bool Aligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % alignof(void*) == 0; }

// Redis's default thresholds for the test, whatever other tests left behind; restored after.
class EntryInlineTest : public ::testing::Test {
 protected:
  EntryInlineTest()
      : saved_entries_(GlobalEncodingLimits().hash_max_listpack_entries.load()),
        saved_value_(GlobalEncodingLimits().hash_max_listpack_value.load()),
        saved_intset_(GlobalEncodingLimits().set_max_intset_entries.load()) {
    GlobalEncodingLimits().hash_max_listpack_entries = 512;
    GlobalEncodingLimits().hash_max_listpack_value = 64;
    GlobalEncodingLimits().set_max_intset_entries = 512;
  }
  ~EntryInlineTest() override {
    GlobalEncodingLimits().hash_max_listpack_entries = saved_entries_;
    GlobalEncodingLimits().hash_max_listpack_value = saved_value_;
    GlobalEncodingLimits().set_max_intset_entries = saved_intset_;
  }

 private:
  int64_t saved_entries_;
  int64_t saved_value_;
  int64_t saved_intset_;
};

TEST_F(EntryInlineTest, SmallIntSetIsOneBlock) {
  DbTable db(0, nullptr);
  SAdd(db, "set:1", {"100000", "200000", "300000", "400000", "500000"});
  Entry* e = db.FindRaw("set:1");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->inline_object());
  EXPECT_STREQ(e->EncodingName(), "intset");
  EXPECT_EQ(e->key(), "set:1");
  EXPECT_TRUE(Aligned(e->object()));
  // Header, the intset object at its own size class (8 + 4 + 5 * 4 -> 32), the key.
  EXPECT_EQ(e->BlockSize(), 16u + 32u + 5u);
  EXPECT_EQ(e->MemoryUsage(), e->BlockSize());
  EXPECT_EQ(SortedMembers(db, "set:1"),
            (std::vector<std::string>{"100000", "200000", "300000", "400000", "500000"}));
}

TEST_F(EntryInlineTest, SmallHashIsOneBlock) {
  DbTable db(0, nullptr);
  HSet(db, "hash:1", {"field1", "v1234567", "field2", "v7654321"});
  Entry* e = db.FindRaw("hash:1");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->inline_object());
  EXPECT_STREQ(e->EncodingName(), "listpack");
  // Header, object header (16) + 2 * (7 + 9) bytes of pairs rounded up to 8, the key.
  EXPECT_EQ(e->BlockSize(), 16u + 48u + 6u);
  EXPECT_EQ(e->MemoryUsage(), e->BlockSize());
  EXPECT_EQ(AllPairs(db, "hash:1"),
            (std::vector<FieldValue>{{"field1", "v1234567"}, {"field2", "v7654321"}}));
}

TEST_F(EntryInlineTest, SameSizeUpdateStaysInPlace) {
  DbTable db(0, nullptr);
  HSet(db, "h", {"f", "aaaa"});
  Entry* before = db.FindRaw("h");
  HSet(db, "h", {"f", "bbbb"});
  EXPECT_EQ(db.FindRaw("h"), before);
  std::string v;
  EXPECT_EQ(OpHGet(db, "h", "f", kNow, &v), OpStatus::kOk);
  EXPECT_EQ(v, "bbbb");
}

TEST_F(EntryInlineTest, ListpackHashMovesOutPastTheInlineLimitAndBackIn) {
  DbTable db(0, nullptr);
  const std::string value(60, 'x');  // under hash-max-listpack-value
  std::vector<FieldValue> expect;
  size_t fields = 0;
  // Grow one field at a time across the inline limit.
  while (db.FindRaw("h") == nullptr || db.FindRaw("h")->inline_object()) {
    const std::string f = "f" + std::to_string(fields++);
    HSet(db, "h", {f, value});
    expect.emplace_back(f, value);
    ASSERT_LT(fields, 100u);
  }
  Entry* e = db.FindRaw("h");
  EXPECT_STREQ(e->EncodingName(), "listpack");
  EXPECT_GT(static_cast<const StoredObject*>(e->object())->InlineSize(), Entry::kMaxInlineObject);
  EXPECT_EQ(e->MemoryUsage(), e->BlockSize() + e->object()->MemoryUsage());
  EXPECT_EQ(AllPairs(db, "h"), expect);
  // A TTL rebuilds the block; the separate object goes along.
  e = db.SetExpire(e, kNow + 5000);
  EXPECT_FALSE(e->inline_object());
  EXPECT_EQ(AllPairs(db, "h"), expect);
  // Shrinking in place keeps the separate object; the next replacement that fits comes back in.
  std::vector<std::string_view> del;
  for (size_t i = 2; i < fields; ++i) del.push_back(expect[i].first);
  ASSERT_EQ(OpHDel(db, "h", del, kNow).value, static_cast<int64_t>(fields - 2));
  expect.resize(2);
  EXPECT_EQ(AllPairs(db, "h"), expect);
  HSet(db, "h", {"new", "v"});
  expect.emplace_back("new", "v");
  e = db.FindRaw("h");
  EXPECT_TRUE(e->inline_object());
  EXPECT_EQ(AllPairs(db, "h"), expect);
  EXPECT_EQ(db.GetExpire(e), kNow + 5000);
}

TEST_F(EntryInlineTest, ConversionsLeaveTheBlock) {
  DbTable db(0, nullptr);
  SAdd(db, "s", {"1", "2", "3"});
  ASSERT_TRUE(db.FindRaw("s")->inline_object());
  SAdd(db, "s", {"not-an-integer"});
  Entry* s = db.FindRaw("s");
  EXPECT_STREQ(s->EncodingName(), "hashtable");
  EXPECT_FALSE(s->inline_object());
  EXPECT_EQ(SortedMembers(db, "s"), (std::vector<std::string>{"1", "2", "3", "not-an-integer"}));

  HSet(db, "h", {"a", "1"});
  ASSERT_TRUE(db.FindRaw("h")->inline_object());
  const std::string long_value(65, 'v');  // past hash-max-listpack-value
  HSet(db, "h", {"b", long_value});
  Entry* h = db.FindRaw("h");
  EXPECT_STREQ(h->EncodingName(), "hashtable");
  EXPECT_FALSE(h->inline_object());
  std::string v;
  EXPECT_EQ(OpHGet(db, "h", "b", kNow, &v), OpStatus::kOk);
  EXPECT_EQ(v, long_value);

  // One pair past hash-max-listpack-entries (512): the last HSET converts.
  for (int i = 0; i < 512; ++i) HSet(db, "many", {"f" + std::to_string(i), "v"});
  EXPECT_STREQ(db.FindRaw("many")->EncodingName(), "listpack");
  HSet(db, "many", {"last", "v"});
  EXPECT_STREQ(db.FindRaw("many")->EncodingName(), "hashtable");
  EXPECT_EQ(OpHLen(db, "many", kNow).value, 513);
}

TEST_F(EntryInlineTest, IntSetGrowsAndShrinksThroughReplacements) {
  DbTable db(0, nullptr);
  std::vector<std::string> all;
  for (int i = 0; i < 100; ++i) {
    all.push_back(std::to_string(i * 1000003LL));  // widens to 8 bytes on the way
    SAdd(db, "s", {all.back()});
    Entry* e = db.FindRaw("s");
    ASSERT_STREQ(e->EncodingName(), "intset");
    ASSERT_TRUE(e->inline_object());
    ASSERT_EQ(e->MemoryUsage(), e->BlockSize());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(SortedMembers(db, "s"), all);
  for (int i = 0; i < 99; ++i) {
    ASSERT_EQ(OpSRem(db, "s", {all.back()}, kNow).value, 1);
    all.pop_back();
    ASSERT_EQ(SortedMembers(db, "s"), all);
  }
  EXPECT_LT(db.FindRaw("s")->BlockSize(), 64u);
}

TEST_F(EntryInlineTest, LongKeyAndTtlKeepTheObjectAligned) {
  DbTable db(0, nullptr);
  const std::string key(300, 'k');
  SAdd(db, key, {"1", "2", "3"});
  Entry* e = db.FindRaw(key);
  ASSERT_TRUE(e->inline_object());
  EXPECT_TRUE(Aligned(e->object()));
  e = db.SetExpire(e, kNow + 1000);  // expire slot + long key length: object at offset 24
  EXPECT_TRUE(e->inline_object());
  EXPECT_TRUE(Aligned(e->object()));
  EXPECT_EQ(e->key(), key);
  EXPECT_EQ(SortedMembers(db, key), (std::vector<std::string>{"1", "2", "3"}));
  e = db.ClearExpire(db.FindRaw(key));
  EXPECT_EQ(e->key(), key);
  EXPECT_EQ(SortedMembers(db, key), (std::vector<std::string>{"1", "2", "3"}));
}

TEST_F(EntryInlineTest, CloneRenameAndMoveKeepValueAndTtl) {
  DbTable db(0, nullptr);
  DbTable other(1, nullptr);
  HSet(db, "h", {"f1", "v1", "f2", "v2"});
  SAdd(db, "s", {"7", "8"});
  ASSERT_TRUE(OpExpire(db, "h", kNow + 10'000, 0, kNow));
  ASSERT_TRUE(OpExpire(db, "s", kNow + 20'000, 0, kNow));

  ASSERT_EQ(OpCopy(db, db, "h", "h-copy", false, kNow), OpStatus::kOk);
  HSet(db, "h", {"f1", "changed"});  // the copy is independent
  EXPECT_EQ(AllPairs(db, "h-copy"), (std::vector<FieldValue>{{"f1", "v1"}, {"f2", "v2"}}));
  EXPECT_TRUE(db.FindRaw("h-copy")->inline_object());

  ASSERT_EQ(OpRename(db, "s", "a-much-longer-name-for-the-set", false, kNow), OpStatus::kOk);
  Entry* renamed = db.FindRaw("a-much-longer-name-for-the-set");
  ASSERT_NE(renamed, nullptr);
  EXPECT_TRUE(renamed->inline_object());
  EXPECT_EQ(db.GetExpire(renamed), kNow + 20'000);
  EXPECT_EQ(SortedMembers(db, "a-much-longer-name-for-the-set"),
            (std::vector<std::string>{"7", "8"}));

  // Cross-table (and, in the engine, cross-thread) hand-over: Extract, then Insert elsewhere.
  DetachedEntry detached = db.Extract(db.FindRaw("h"));
  Entry* moved = other.InsertAs(std::move(detached), "h2");
  EXPECT_TRUE(moved->inline_object());
  EXPECT_EQ(other.GetExpire(moved), kNow + 10'000);
  EXPECT_EQ(AllPairs(other, "h2"), (std::vector<FieldValue>{{"f1", "changed"}, {"f2", "v2"}}));
  DetachedEntry clone = other.CloneDetached(moved);
  EXPECT_TRUE(clone.get()->inline_object());
  EXPECT_EQ(clone.expire_at_ms(), kNow + 10'000);
  Entry* back = db.Insert(std::move(clone));
  EXPECT_EQ(AllPairs(db, "h2"), (std::vector<FieldValue>{{"f1", "changed"}, {"f2", "v2"}}));
  EXPECT_EQ(db.GetExpire(back), kNow + 10'000);
}

TEST_F(EntryInlineTest, SwapDbMovesInlineValuesWhole) {
  DbTable a(0, nullptr);
  DbTable b(1, nullptr);
  SAdd(a, "s", {"1", "2"});
  HSet(b, "h", {"f", "v"});
  a.SwapContents(b);
  EXPECT_EQ(SortedMembers(b, "s"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(AllPairs(a, "h"), (std::vector<FieldValue>{{"f", "v"}}));
}

// Counts what a snapshot is handed, per key.
class CountingObserver final : public SnapshotObserver {
 public:
  void BeforeChange(const DbTable&, const Entry& e) override {
    std::string state = std::string(e.key()) + "=";
    if (e.type() == ValueType::kSet) {
      static_cast<const SetValue*>(e.object())->ForEach([&state](std::string_view m) {
        state += std::string(m) + ",";
      });
    }
    seen.push_back(state);
  }
  std::vector<std::string> seen;
};

TEST_F(EntryInlineTest, SnapshotMarkSurvivesMoves) {
  SnapshotCut cut;
  DbTable db(0, nullptr);
  db.set_snapshot_cut(&cut);
  SAdd(db, "s", {"1", "2"});
  CountingObserver observer;
  cut.saved_mark = !cut.saved_mark;  // a snapshot starts
  cut.observer = &observer;
  // Each of these moves the entry: a replacement that needs more room, a TTL, a wider intset.
  SAdd(db, "s", {"3", "4", "5"});
  Entry* e = db.SetExpire(db.FindRaw("s"), kNow + 1000);
  SAdd(db, "s", {"100000000000"});
  e = db.FindRaw("s");
  // The snapshot got the state from before the first change, once.
  EXPECT_EQ(observer.seen, (std::vector<std::string>{"s=1,2,"}));
  db.SnapshotEntry(e);  // the snapshot's own scan reaching the moved entry
  EXPECT_EQ(observer.seen.size(), 1u);
  EXPECT_EQ(SortedMembers(db, "s"),
            (std::vector<std::string>{"1", "100000000000", "2", "3", "4", "5"}));
  cut.observer = nullptr;
}

}  // namespace
}  // namespace tessera::storage
