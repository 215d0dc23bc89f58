// Hash table growth, incremental rehash bounds and the SCAN guarantee, driven through DbTable.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "storage/db_table.h"
#include "storage/key_table.h"

namespace tessera::storage {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

std::string Key(const char* prefix, int i) { return std::string(prefix) + std::to_string(i); }

TEST(DbTableGrowth, FindsEveryKeyWhileGrowingAndShrinking) {
  DbTable db(0, nullptr);
  const int n = 50'000;
  for (int i = 0; i < n; ++i) {
    db.AddNew(Key("k", i), ValueInit::String(std::to_string(i)));
    // Every tenth step, check an older key is still reachable mid-rehash.
    if (i % 10 == 0) {
      ASSERT_NE(db.FindRaw(Key("k", i / 2)), nullptr) << i;
    }
  }
  EXPECT_EQ(db.size(), static_cast<size_t>(n));
  EXPECT_GE(db.key_table().bucket_count(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    Entry* e = db.FindRaw(Key("k", i));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->int_value(), i);
  }
  for (int i = 0; i < n; i += 2) ASSERT_TRUE(db.EraseKey(Key("k", i)));
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(db.FindRaw(Key("k", i)) != nullptr, i % 2 == 1) << i;
  }
  for (int i = 1; i < n; i += 2) ASSERT_TRUE(db.EraseKey(Key("k", i)));
  while (db.RehashStep(100)) {
  }
  EXPECT_EQ(db.size(), 0u);
  // Shrunk back towards the minimum instead of keeping the peak bucket array.
  EXPECT_LE(db.key_table().bucket_count(), 64u);
}

TEST(DbTableGrowth, RehashWorkPerOperationIsBounded) {
  DbTable db(0, nullptr);
  const KeyTable& table = db.key_table();
  uint64_t moved_before = table.rehash_moved();
  uint64_t empty_before = table.rehash_empty_visits();
  uint64_t max_moved = 0;
  uint64_t max_empty = 0;
  size_t longest_rehash_ops = 0;
  size_t current_rehash_ops = 0;
  for (int i = 0; i < 200'000; ++i) {
    db.AddNew(Key("key:", i), ValueInit::Int(i));
    const uint64_t moved = table.rehash_moved() - moved_before;
    const uint64_t empty = table.rehash_empty_visits() - empty_before;
    max_moved = std::max(max_moved, moved);
    max_empty = std::max(max_empty, empty);
    moved_before = table.rehash_moved();
    empty_before = table.rehash_empty_visits();
    if (table.rehashing()) {
      longest_rehash_ops = std::max(longest_rehash_ops, ++current_rehash_ops);
    } else {
      current_rehash_ops = 0;
    }
  }
  // One bucket per operation: a chain (a handful of entries at load factor <= 1) and at most
  // ten empty buckets skipped — never a whole-table move.
  EXPECT_LE(max_moved, 12u);
  EXPECT_LE(max_empty, 10u);
  // The 131072-bucket growth was spread over many operations.
  EXPECT_GT(longest_rehash_ops, 10'000u);
  EXPECT_GT(table.rehash_moved(), 100'000u);
}

// The SCAN guarantee: every key present for the whole scan is returned at least once, while the
// table grows and shrinks between calls. Randomized over several seeds.
TEST(DbTableGrowth, ScanReturnsEveryStableKeyAcrossGrowthAndShrink) {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    std::mt19937 rng(seed);
    DbTable db(0, nullptr);
    const int stable = 2000 + static_cast<int>(rng() % 3000);
    for (int i = 0; i < stable; ++i) db.AddNew(Key("stable:", i), ValueInit::String("v"));
    // Keys that come and go to force resizes in both directions.
    std::vector<std::string> churn;
    int next_churn = 0;
    std::set<std::string> seen;
    std::set<std::string> removed_stable;
    bool saw_rehash_between_calls = false;
    size_t grows = 0;
    size_t shrinks = 0;
    uint64_t cursor = 0;
    int calls = 0;
    do {
      std::vector<Entry*> out;
      const size_t count = 1 + rng() % 200;
      const size_t buckets_before = db.key_table().bucket_count();
      cursor = db.Scan(cursor, count, &out);
      for (Entry* e : out) seen.emplace(e->key());
      ++calls;
      // Between calls: grow for a while, then shrink, then grow again.
      // Churn stops after a while: a table that resizes forever could keep a scan from ever
      // reaching its end (the guarantee is about keys, not about termination).
      const int phase = calls > 600 ? 3 : (calls / 40) % 3;
      if (phase == 3) {
        // quiet: let the scan finish
      } else if (phase != 1) {
        // Bounded, so that the scan (which must cover every bucket) can finish.
        const int adds = churn.size() < 60'000 ? static_cast<int>(rng() % 2000) : 0;
        for (int i = 0; i < adds; ++i) {
          churn.push_back(Key("churn:", next_churn++));
          db.AddNew(churn.back(), ValueInit::String("x"));
        }
      } else {
        const int dels = std::min<int>(static_cast<int>(churn.size()), 50 + rng() % 2000);
        for (int i = 0; i < dels; ++i) {
          ASSERT_TRUE(db.EraseKey(churn.back()));
          churn.pop_back();
        }
      }
      // Occasionally drop a stable key: it is then no longer owed to the scan.
      if (rng() % 10 == 0) {
        const std::string k = Key("stable:", static_cast<int>(rng() % stable));
        if (db.EraseKey(k)) removed_stable.insert(k);
      }
      const size_t buckets_after = db.key_table().bucket_count();
      if (buckets_after > buckets_before) ++grows;
      if (buckets_after < buckets_before) ++shrinks;
      if (db.key_table().rehashing()) saw_rehash_between_calls = true;
      ASSERT_LT(cursor, uint64_t{1} << 48);
    } while (cursor != 0);
    for (int i = 0; i < stable; ++i) {
      const std::string k = Key("stable:", i);
      if (removed_stable.count(k)) continue;
      ASSERT_TRUE(seen.count(k)) << "seed " << seed << " missed " << k << " after " << calls
                                 << " calls";
    }
    EXPECT_TRUE(saw_rehash_between_calls) << seed;
    EXPECT_GT(grows, 0u) << seed;
    EXPECT_GT(shrinks, 0u) << seed;
  }
}

TEST(DbTableGrowth, ScanOfStableTableVisitsEachKeyExactlyOnce) {
  DbTable db(0, nullptr);
  for (int i = 0; i < 10'000; ++i) db.AddNew(Key("k", i), ValueInit::Int(i));
  while (db.RehashStep(1000)) {
  }
  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  do {
    std::vector<Entry*> out;
    cursor = db.Scan(cursor, 10, &out);
    for (Entry* e : out) seen.emplace(e->key());
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 10'000u);
  for (const auto& k : seen) ASSERT_EQ(seen.count(k), 1u) << k;
}

TEST(DbTableGrowth, ScanOfEmptyTableEndsImmediately) {
  DbTable db(0, nullptr);
  std::vector<Entry*> out;
  EXPECT_EQ(db.Scan(0, 10, &out), 0u);
  EXPECT_TRUE(out.empty());
}

TEST(DbTableGrowth, RandomLiveReachesManyKeys) {
  DbTable db(0, nullptr);
  for (int i = 0; i < 100; ++i) db.AddNew(Key("k", i), ValueInit::Int(i));
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 5000; ++i) {
    Entry* e = db.RandomLive(kNow);
    ASSERT_NE(e, nullptr);
    seen.emplace(e->key());
  }
  EXPECT_GT(seen.size(), 90u);
}

}  // namespace
}  // namespace tessera::storage
