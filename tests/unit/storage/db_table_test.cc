#include "storage/db_table.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/storage/test_util.h"

namespace tessera::storage {
namespace {

using testing::MakeKeepAllRecorder;
using testing::StringOf;
using testing::TakeEvents;
using Strings = std::vector<std::string>;

constexpr int64_t kNow = 1'700'000'000'000;

class DbTableTest : public ::testing::Test {
 protected:
  ChangeRecorder recorder_ = MakeKeepAllRecorder();
  DbTable db_{3, &recorder_};
};

TEST_F(DbTableTest, AddFindOverwriteErase) {
  Entry* e = db_.AddNew("k", ValueInit::String("hello"));
  EXPECT_EQ(e->key(), "k");
  EXPECT_EQ(StringOf(db_.FindLive("k", kNow)), "hello");
  EXPECT_EQ(TakeEvents(recorder_), Strings{"new:k"});
  EXPECT_EQ(recorder_.TakeOpDirty(), 1u);

  e = db_.Overwrite(db_.FindRaw("k"), ValueInit::String(std::string(100, 'x')), false);
  EXPECT_EQ(db_.FindRaw("k"), e);
  EXPECT_EQ(StringOf(e), std::string(100, 'x'));
  EXPECT_STREQ(e->EncodingName(), "raw");
  EXPECT_TRUE(TakeEvents(recorder_).empty());

  db_.Erase(e);
  EXPECT_EQ(db_.FindRaw("k"), nullptr);
  EXPECT_EQ(db_.size(), 0u);
  EXPECT_FALSE(db_.EraseKey("k"));
}

TEST_F(DbTableTest, EncodingsFollowTryObjectEncoding) {
  EXPECT_STREQ(db_.AddNew("a", ValueInit::String("12345"))->EncodingName(), "int");
  EXPECT_STREQ(db_.AddNew("b", ValueInit::String("-0"))->EncodingName(), "embstr");
  EXPECT_STREQ(db_.AddNew("c", ValueInit::String("007"))->EncodingName(), "embstr");
  EXPECT_STREQ(db_.AddNew("d", ValueInit::String(std::string(44, 'x')))->EncodingName(), "embstr");
  EXPECT_STREQ(db_.AddNew("e", ValueInit::String(std::string(45, 'x')))->EncodingName(), "raw");
  EXPECT_STREQ(db_.AddNew("f", ValueInit::String("9223372036854775808"))->EncodingName(), "embstr");
  EXPECT_STREQ(db_.AddNew("g", ValueInit::StringNoInt("3"))->EncodingName(), "embstr");
  EXPECT_STREQ(db_.AddNew("h", ValueInit::Raw("3"))->EncodingName(), "raw");
  EXPECT_STREQ(db_.AddNew("i", ValueInit::String(""))->EncodingName(), "embstr");
  EXPECT_EQ(db_.FindRaw("a")->int_value(), 12345);
  EXPECT_EQ(StringOf(db_.FindRaw("a")), "12345");
  EXPECT_EQ(db_.FindRaw("a")->StringLength(), 5u);
  EXPECT_EQ(StringOf(db_.FindRaw("i")), "");
}

TEST_F(DbTableTest, LongAndBinaryKeys) {
  const std::string long_key(300, 'k');
  const std::string binary_key("a\0b\xff", 4);
  db_.AddNew(long_key, ValueInit::String("v1"));
  db_.AddNew(binary_key, ValueInit::String("v2"));
  db_.AddNew("", ValueInit::String("v3"));
  EXPECT_EQ(db_.FindRaw(long_key)->key(), long_key);
  EXPECT_EQ(StringOf(db_.FindRaw(long_key)), "v1");
  EXPECT_EQ(StringOf(db_.FindRaw(binary_key)), "v2");
  EXPECT_EQ(StringOf(db_.FindRaw("")), "v3");
  // TTL slot + long key + embstr in one block.
  Entry* e = db_.SetExpire(db_.FindRaw(long_key), kNow + 5000);
  EXPECT_EQ(e->key(), long_key);
  EXPECT_EQ(StringOf(e), "v1");
  EXPECT_EQ(db_.GetExpire(e), kNow + 5000);
}

TEST_F(DbTableTest, LazyExpiryRemovesAndRecordsExpired) {
  db_.AddNew("k", ValueInit::String("v"), kNow + 100);
  TakeEvents(recorder_);
  EXPECT_EQ(db_.expires_count(), 1u);
  // Redis: expired when now > deadline, so the deadline instant itself is still live.
  EXPECT_NE(db_.FindLive("k", kNow + 100), nullptr);
  EXPECT_NE(db_.FindRaw("k"), nullptr);
  EXPECT_EQ(db_.FindLive("k", kNow + 101), nullptr);
  EXPECT_EQ(db_.FindRaw("k"), nullptr);
  EXPECT_EQ(db_.size(), 0u);
  EXPECT_EQ(db_.expires_count(), 0u);
  EXPECT_EQ(db_.stats().expired_keys, 1u);
  ASSERT_EQ(recorder_.events().size(), 1u);
  EXPECT_EQ(recorder_.events()[0].cls, kEventExpired);
  EXPECT_STREQ(recorder_.events()[0].name, "expired");
  EXPECT_EQ(recorder_.events()[0].db, 3);
  EXPECT_EQ(recorder_.events()[0].key, "k");
}

TEST_F(DbTableTest, FindRawIgnoresExpiry) {
  db_.AddNew("k", ValueInit::String("v"), kNow - 1);
  EXPECT_NE(db_.FindRaw("k"), nullptr);
  EXPECT_TRUE(db_.IsExpired(db_.FindRaw("k"), kNow));
}

TEST_F(DbTableTest, ReadLookupsCountStatsAndKeymiss) {
  db_.AddNew("k", ValueInit::String("v"));
  TakeEvents(recorder_);
  recorder_.TakeOpDirty();
  EXPECT_NE(db_.LookupRead("k", kNow), nullptr);
  EXPECT_EQ(db_.LookupRead("missing", kNow), nullptr);
  EXPECT_EQ(db_.stats().keyspace_hits, 1u);
  EXPECT_EQ(db_.stats().keyspace_misses, 1u);
  EXPECT_EQ(TakeEvents(recorder_), Strings{"keymiss:missing"});
  db_.LookupRead("missing", kNow, DbTable::kLookupNoNotify | DbTable::kLookupNoStats);
  EXPECT_EQ(db_.stats().keyspace_misses, 1u);
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  // Write lookups count nothing.
  db_.FindLive("k", kNow);
  db_.FindLive("missing", kNow);
  EXPECT_EQ(db_.stats().keyspace_hits, 1u);
  EXPECT_EQ(db_.stats().keyspace_misses, 1u);
  // keymiss is not a write.
  EXPECT_EQ(recorder_.TakeOpDirty(), 0u);
}

TEST_F(DbTableTest, AccessTimeIsTouchedUnlessNoTouch) {
  db_.AddNew("k", ValueInit::String("v"));
  db_.FindLive("k", 10'000);
  EXPECT_EQ(db_.FindRaw("k")->access_time(), 10u);
  db_.LookupRead("k", 50'000, DbTable::kLookupNoTouch);
  EXPECT_EQ(db_.FindRaw("k")->access_time(), 10u);
  db_.LookupRead("k", 70'000);
  EXPECT_EQ(db_.FindRaw("k")->access_time(), 70u);
}

TEST_F(DbTableTest, SetAndClearExpireKeepValue) {
  Entry* e = db_.AddNew("k", ValueInit::String("value"));
  e = db_.SetExpire(e, kNow + 1000);
  EXPECT_TRUE(e->has_expire());
  EXPECT_EQ(db_.GetExpire(e), kNow + 1000);
  EXPECT_EQ(db_.FindRaw("k"), e);
  e = db_.SetExpire(e, kNow + 2000);
  EXPECT_EQ(db_.GetExpire(e), kNow + 2000);
  EXPECT_EQ(db_.NextExpireAt(), kNow + 2000);
  e = db_.ClearExpire(e);
  EXPECT_FALSE(e->has_expire());
  EXPECT_EQ(db_.GetExpire(e), kNoExpire);
  EXPECT_EQ(db_.FindRaw("k"), e);
  EXPECT_EQ(StringOf(e), "value");
  EXPECT_EQ(db_.expires_count(), 0u);
  EXPECT_EQ(db_.NextExpireAt(), kNoExpire);
}

TEST_F(DbTableTest, OverwriteKeepsOrDropsTtl) {
  Entry* e = db_.AddNew("k", ValueInit::String("short"), kNow + 1000);
  e = db_.Overwrite(e, ValueInit::String(std::string(80, 'y')), /*keep_ttl=*/true);
  EXPECT_EQ(db_.GetExpire(e), kNow + 1000);
  EXPECT_EQ(db_.NextExpireAt(), kNow + 1000);
  e = db_.Overwrite(e, ValueInit::Int(5), /*keep_ttl=*/true);
  EXPECT_EQ(db_.GetExpire(e), kNow + 1000);
  e = db_.Overwrite(e, ValueInit::String("abc"), /*keep_ttl=*/false);
  EXPECT_EQ(db_.GetExpire(e), kNoExpire);
  EXPECT_EQ(db_.expires_count(), 0u);
}

TEST_F(DbTableTest, UpsertAddsOrOverwritesLikeSetKey) {
  Entry* e = db_.Upsert("k", ValueInit::String("a"), /*keep_ttl=*/false, kNow);
  EXPECT_EQ(TakeEvents(recorder_), Strings{"new:k"});
  e = db_.SetExpire(e, kNow + 50);
  e = db_.Upsert("k", ValueInit::String("b"), /*keep_ttl=*/true, kNow);
  EXPECT_EQ(db_.GetExpire(e), kNow + 50);
  e = db_.Upsert("k", ValueInit::String("c"), /*keep_ttl=*/false, kNow);
  EXPECT_EQ(db_.GetExpire(e), kNoExpire);
  EXPECT_EQ(StringOf(db_.FindRaw("k")), "c");
  EXPECT_TRUE(TakeEvents(recorder_).empty());
  // An expired key is replaced as a new one.
  db_.SetExpire(e, kNow + 1);
  db_.Upsert("k", ValueInit::String("d"), false, kNow + 2);
  EXPECT_EQ(TakeEvents(recorder_), (Strings{"expired:k", "new:k"}));
}

TEST_F(DbTableTest, ActiveExpiryRemovesDueKeysWithBoundedWork) {
  for (int i = 0; i < 10; ++i) {
    db_.AddNew("v" + std::to_string(i), ValueInit::Int(i), kNow + 100 * (i + 1));
  }
  db_.AddNew("persistent", ValueInit::Int(1));
  TakeEvents(recorder_);
  EXPECT_EQ(db_.ActiveExpireCycle(kNow + 100, 100), 0u);  // deadline not yet passed
  EXPECT_EQ(db_.ActiveExpireCycle(kNow + 550, 2), 2u);    // budget
  EXPECT_EQ(db_.ActiveExpireCycle(kNow + 550, 100), 3u);
  EXPECT_EQ(TakeEvents(recorder_),
            (Strings{"expired:v0", "expired:v1", "expired:v2", "expired:v3", "expired:v4"}));
  EXPECT_EQ(db_.size(), 6u);
  EXPECT_EQ(db_.expires_count(), 5u);
  EXPECT_EQ(db_.NextExpireAt(), kNow + 600);
  EXPECT_EQ(db_.ActiveExpireCycle(kNow + 10'000, 100), 5u);
  EXPECT_EQ(db_.size(), 1u);
  EXPECT_EQ(db_.stats().expired_keys, 10u);
}

// 200k keys, 20k volatile with random deadlines: a cycle per 100 ms tick with a 500-key budget
// leaves no key more than one tick past its deadline.
TEST_F(DbTableTest, ActiveExpiryKeepsUpCloseToDeadlines) {
  recorder_.set_keep_mask(kEventExpired);
  std::mt19937_64 rng(7);
  std::vector<int64_t> deadline(200'000, kNoExpire);
  for (int i = 0; i < 200'000; ++i) {
    int64_t at = kNoExpire;
    if (i % 10 == 0) at = kNow + 1000 + static_cast<int64_t>(rng() % 60'000);
    deadline[i] = at;
    db_.AddNew("key:" + std::to_string(i), ValueInit::String("value-0123456789"), at);
  }
  EXPECT_EQ(db_.expires_count(), 20'000u);
  size_t expired = 0;
  for (int64_t now = kNow; now <= kNow + 62'000; now += 100) {
    expired += db_.ActiveExpireCycle(now, 500);
    // Nothing due is left after the tick.
    ASSERT_TRUE(db_.NextExpireAt() == kNoExpire || db_.NextExpireAt() >= now) << now;
    for (const ChangeEvent& ev : recorder_.events()) {
      const int i = std::stoi(ev.key.substr(4));
      ASSERT_LT(deadline[i], now);
      ASSERT_GE(deadline[i], now - 100);  // expired within one tick of its deadline
    }
    recorder_.Clear();
  }
  EXPECT_EQ(expired, 20'000u);
  EXPECT_EQ(db_.size(), 180'000u);
  EXPECT_EQ(db_.expires_count(), 0u);
}

TEST_F(DbTableTest, AvgTtlIsExact) {
  EXPECT_EQ(db_.AvgTtlMs(kNow), 0);
  db_.AddNew("a", ValueInit::Int(1), kNow + 1000);
  db_.AddNew("b", ValueInit::Int(1), kNow + 3000);
  db_.AddNew("c", ValueInit::Int(1));
  EXPECT_EQ(db_.AvgTtlMs(kNow), 2000);
  EXPECT_EQ(db_.AvgTtlMs(kNow + 1000), 1000);
  EXPECT_EQ(db_.AvgTtlMs(kNow + 10'000), 0);
}

TEST_F(DbTableTest, RandomLiveSkipsAndDeletesExpired) {
  for (int i = 0; i < 50; ++i) db_.AddNew("e" + std::to_string(i), ValueInit::Int(i), kNow - 1);
  EXPECT_EQ(db_.RandomLive(kNow), nullptr);
  EXPECT_EQ(db_.size(), 0u);
  db_.AddNew("live", ValueInit::Int(1));
  for (int i = 0; i < 50; ++i) db_.AddNew("e" + std::to_string(i), ValueInit::Int(i), kNow - 1);
  Entry* e = db_.RandomLive(kNow);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->key(), "live");
}

TEST_F(DbTableTest, ExtractInsertMovesValueAndTtl) {
  ChangeRecorder other_recorder = MakeKeepAllRecorder();
  DbTable other(5, &other_recorder);
  Entry* e = db_.AddNew("k", ValueInit::String(std::string(60, 'r')), kNow + 500);
  DetachedEntry d = db_.Extract(e);
  EXPECT_EQ(db_.size(), 0u);
  EXPECT_EQ(db_.expires_count(), 0u);
  EXPECT_EQ(d.expire_at_ms(), kNow + 500);
  Entry* moved = other.InsertAs(std::move(d), "renamed");
  EXPECT_EQ(moved->key(), "renamed");
  EXPECT_EQ(StringOf(moved), std::string(60, 'r'));
  EXPECT_EQ(other.GetExpire(moved), kNow + 500);
  EXPECT_EQ(TakeEvents(other_recorder), Strings{"new:renamed"});

  // A clone is independent of its source.
  DetachedEntry copy = other.CloneDetached(moved);
  Entry* c = db_.Insert(std::move(copy), /*record_new=*/false);
  EXPECT_EQ(c->key(), "renamed");
  other.EraseKey("renamed");
  EXPECT_EQ(StringOf(db_.FindRaw("renamed")), std::string(60, 'r'));
  EXPECT_EQ(db_.GetExpire(c), kNow + 500);

  // An unused detached entry frees itself (ASan checks this).
  DetachedEntry dropped = db_.Extract(c);
  EXPECT_TRUE(static_cast<bool>(dropped));
}

TEST_F(DbTableTest, InsertCanAddOrDropTheExpireSlot) {
  Entry* e = db_.AddNew("k", ValueInit::String("v"));
  DetachedEntry d = db_.Extract(e);
  d.set_expire_at_ms(kNow + 42);
  e = db_.Insert(std::move(d));
  EXPECT_EQ(db_.GetExpire(e), kNow + 42);
  d = db_.Extract(e);
  d.set_expire_at_ms(kNoExpire);
  e = db_.Insert(std::move(d));
  EXPECT_FALSE(e->has_expire());
  EXPECT_EQ(db_.expires_count(), 0u);
}

TEST_F(DbTableTest, SwapContentsExchangesKeysAndTtls) {
  DbTable other(4, &recorder_);
  db_.AddNew("a", ValueInit::Int(1), kNow + 100);
  other.AddNew("b", ValueInit::Int(2));
  other.AddNew("c", ValueInit::Int(3));
  db_.SwapContents(other);
  EXPECT_EQ(db_.size(), 2u);
  EXPECT_EQ(other.size(), 1u);
  EXPECT_EQ(db_.expires_count(), 0u);
  EXPECT_EQ(other.expires_count(), 1u);
  EXPECT_NE(db_.FindRaw("b"), nullptr);
  EXPECT_EQ(other.GetExpire(other.FindRaw("a")), kNow + 100);
  EXPECT_EQ(db_.db_index(), 3);
  TakeEvents(recorder_);
  EXPECT_EQ(other.FindLive("a", kNow + 101), nullptr);
  EXPECT_EQ(recorder_.events().at(0).db, 4);
}

TEST_F(DbTableTest, ClearRemovesEverything) {
  for (int i = 0; i < 1000; ++i) {
    db_.AddNew("k" + std::to_string(i), ValueInit::String(std::string(i % 100, 'x')),
               i % 3 == 0 ? kNow + i : kNoExpire);
  }
  EXPECT_EQ(db_.Clear(), 1000u);
  EXPECT_EQ(db_.size(), 0u);
  EXPECT_EQ(db_.expires_count(), 0u);
  EXPECT_EQ(db_.FindRaw("k1"), nullptr);
  db_.AddNew("again", ValueInit::Int(1));
  EXPECT_EQ(db_.size(), 1u);
}

TEST_F(DbTableTest, MakeRawStringKeepsBytesAndTtl) {
  Entry* e = db_.AddNew("n", ValueInit::Int(-42), kNow + 9);
  e = db_.MakeRawString(e);
  EXPECT_STREQ(e->EncodingName(), "raw");
  EXPECT_EQ(StringOf(e), "-42");
  EXPECT_EQ(db_.GetExpire(e), kNow + 9);
  char* bytes = e->ResizeRawString(5);
  bytes[3] = '!';
  EXPECT_EQ(StringOf(db_.FindRaw("n")), std::string("-42!\0", 5));
}

// Bytes per key for 1M keys with 16-byte keys and 16-byte values (the redis-benchmark shape).
// The entry block is 16 (header) + 16 (key) + 16 (embstr value) = 48 bytes, an exact jemalloc
// size class, plus 8 bytes per bucket (1M keys -> 2^20 buckets, load factor 0.95): ~56 bytes/key.
// A key with a TTL adds 4 bytes to the block (-> 64-byte class) and 16 in the expire heap.
// Redis 7.0 uses ~90-120 bytes per such key.
TEST(DbTableMemory, BytesPerKeyForOneMillionSmallStrings) {
  DbTable db(0, nullptr);
  const int n = 1'000'000;
  char key[32];
  char value[32];
  for (int i = 0; i < n; ++i) {
    std::snprintf(key, sizeof(key), "key:%012d", i);      // 16 bytes
    std::snprintf(value, sizeof(value), "val:%012d", i);  // 16 bytes, not an integer
    db.AddNew(key, ValueInit::String(value));
  }
  while (db.RehashStep(1000)) {
  }
  // jemalloc's small size classes: 8, 16, 32, 48, 64, 80, 96, 112, 128, then steps of 32.
  auto jemalloc_class = [](size_t n) -> size_t {
    if (n <= 8) return 8;
    if (n <= 128) return (n + 15) / 16 * 16;
    return (n + 31) / 32 * 32;
  };
  size_t requested = 0;
  size_t classes = 0;
  db.ForEach([&](const Entry& e) {
    requested += e.MemoryUsage();
    classes += jemalloc_class(e.MemoryUsage());
  });
  const size_t buckets = db.key_table().bucket_count() * sizeof(void*);
  const double per_key_requested = static_cast<double>(requested + buckets) / n;
  const double per_key_jemalloc = static_cast<double>(classes + buckets) / n;
  std::printf(
      "[ memory ] %d keys (16B key, 16B value): entry %.1f B/key, with buckets %.1f B/key "
      "requested, %.1f B/key in jemalloc size classes\n",
      n, static_cast<double>(requested) / n, per_key_requested, per_key_jemalloc);
  EXPECT_EQ(requested, static_cast<size_t>(n) * 48);
  EXPECT_LT(per_key_jemalloc, 60.0);
}

}  // namespace
}  // namespace tessera::storage
