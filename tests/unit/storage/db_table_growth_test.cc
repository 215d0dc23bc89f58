// Hash table growth, incremental rehash bounds and the SCAN guarantee, driven through DbTable.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
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

// Values of three shapes (int, embstr, raw), so most overwrites move the entry to a new block.
ValueInit ShapedValue(int n, std::string* text) {
  switch (n % 3) {
    case 0:
      *text = std::to_string(n);
      return ValueInit::Int(n);
    case 1:
      *text = "v" + std::to_string(n);
      return ValueInit::String(*text);
    default:
      *text = std::string(60, 'x') + std::to_string(n);
      return ValueInit::String(*text);
  }
}

// A value that cannot be stored in e's block (embstr <-> 8-byte payload), so the overwrite moves
// the entry and frees its old block.
ValueInit MovingValue(const Entry* e, int n, std::string* text) {
  return ShapedValue(e->encoding() == Encoding::kEmbStr ? 3 * n : 3 * n + 1, text);
}

// Overwrite reuses the link the lookup just found (KeyTable::last_link_) instead of hashing and
// walking the chain again; a link must never be reused after the table changed underneath it.
// Each lookup and insert here also migrates a bucket, so links move between calls.
TEST(DbTableGrowth, OverwritesAfterLookupsStayCorrectDuringIncrementalRehash) {
  DbTable db(0, nullptr);
  std::map<std::string, std::string> model;
  std::map<std::string, int64_t> deadlines;
  int next_key = 0;
  // Up to the start of the 1024 -> 2048 growth, which takes about a thousand operations.
  while (next_key < 1000 || !db.key_table().rehashing()) {
    const std::string k = Key("k", next_key++);
    db.AddNew(k, ValueInit::String(k));
    model[k] = k;
  }
  std::mt19937 rng(7);
  int overwrites_while_rehashing = 0;
  for (int op = 0; op < 5000; ++op) {
    const std::string k = Key("k", static_cast<int>(rng() % (next_key + 1)));
    const unsigned action = rng() % 10;
    Entry* e = db.FindLive(k, kNow);
    ASSERT_EQ(e != nullptr, model.count(k) == 1) << k;
    if (e == nullptr) {
      std::string text;
      db.AddNew(k, ShapedValue(op, &text));
      model[k] = text;
      next_key += k == Key("k", next_key) ? 1 : 0;
    } else if (action == 0) {
      db.Erase(e);
      model.erase(k);
      deadlines.erase(k);
    } else {
      if (db.key_table().rehashing()) ++overwrites_while_rehashing;
      const bool keep_ttl = action % 2 == 0;
      std::string text;
      e = db.Overwrite(e, ShapedValue(op, &text), keep_ttl);
      model[k] = text;
      if (!keep_ttl) deadlines.erase(k);
      if (action == 9) {
        // A second rebuild of the same entry right after (SET EX on a key without a TTL).
        db.SetExpire(e, kNow + 1000 + op);
        deadlines[k] = kNow + 1000 + op;
      }
    }
  }
  EXPECT_GT(overwrites_while_rehashing, 300);
  ASSERT_EQ(db.size(), model.size());
  for (const auto& [k, text] : model) {
    Entry* e = db.FindRaw(k);
    ASSERT_NE(e, nullptr) << k;
    char buf[kInt64BufSize];
    EXPECT_EQ(e->StringView(buf), text) << k;
    const auto d = deadlines.find(k);
    EXPECT_EQ(db.GetExpire(e), d == deadlines.end() ? kNoExpire : d->second) << k;
  }
}

// A lookup remembers the link to its entry, which may be its chain predecessor's next_ field;
// rebuilding or erasing that predecessor before the overwrite frees the block the link lives
// in. Every pair of 16 keys in 16 buckets is tried (the odds that no two share a chain are
// about one in a million).
TEST(DbTableGrowth, OverwriteAfterANeighbourMovedOrWentFindsTheEntryAgain) {
  DbTable db(0, nullptr);
  constexpr int kKeys = 16;
  std::vector<std::string> texts(kKeys);
  std::vector<Entry*> entries(kKeys);
  for (int i = 0; i < kKeys; ++i) entries[i] = db.AddNew(Key("k", i), ShapedValue(i, &texts[i]));
  while (db.RehashStep(100)) {
  }
  int n = kKeys;
  for (const bool erase_neighbour : {false, true}) {
    for (int i = 0; i < kKeys; ++i) {
      for (int j = 0; j < kKeys; ++j) {
        if (j == i) continue;
        Entry* found = db.FindLive(Key("k", i), kNow);
        ASSERT_EQ(found, entries[i]);
        if (erase_neighbour) {
          db.Erase(entries[j]);
        } else {
          entries[j] = db.Overwrite(entries[j], MovingValue(entries[j], n++, &texts[j]), true);
        }
        entries[i] = db.Overwrite(found, MovingValue(found, n++, &texts[i]), true);
        if (erase_neighbour) entries[j] = db.AddNew(Key("k", j), ShapedValue(n++, &texts[j]));
        for (int k = 0; k < kKeys; ++k) {
          ASSERT_EQ(db.FindRaw(Key("k", k)), entries[k]) << i << " " << j << " " << k;
          char buf[kInt64BufSize];
          ASSERT_EQ(entries[k]->StringView(buf), texts[k]);
        }
      }
    }
  }
}

// DEL looks the key up, then unlinks the entry through the link the lookup remembered. Keys of
// a full table (chains of several entries) are erased right after their lookup, whatever their
// place in their chain, then put back; the others must stay reachable and the count right, outside
// a rehash and in the middle of one (where the remembered link is not enough).
TEST(DbTableGrowth, EraseRightAfterALookupUnlinksOnlyThatEntry) {
  constexpr int kChecked = 64;
  for (const bool mid_rehash : {false, true}) {
    DbTable db(0, nullptr);
    int keys = 0;
    // Up to the start of the 4096 -> 8192 growth, which the checks below drive for ~60 rounds.
    while (keys < 4000 || !db.key_table().rehashing()) {
      db.AddNew(Key("k", keys), ValueInit::Int(keys));
      ++keys;
    }
    if (!mid_rehash) {
      while (db.RehashStep(100)) {
      }
    }
    int erased_while_rehashing = 0;
    for (int i = 0; i < kChecked; ++i) {
      const std::string key = Key("k", i);
      Entry* found = db.FindLive(key, kNow);
      ASSERT_NE(found, nullptr) << key;
      if (db.key_table().rehashing()) ++erased_while_rehashing;
      db.Erase(found);
      ASSERT_EQ(db.size(), static_cast<size_t>(keys - 1)) << key;
      // Every other entry is still linked (walking the table does not migrate buckets).
      size_t linked = 0;
      db.key_table().ForEach([&](const Entry* e) {
        ++linked;
        EXPECT_NE(e->key(), key);
      });
      ASSERT_EQ(linked, static_cast<size_t>(keys - 1)) << key;
      for (int k = 0; k < kChecked; ++k) {
        Entry* e = db.FindRaw(Key("k", k));
        ASSERT_EQ(e != nullptr, k != i) << key << " " << k;
        if (e != nullptr) {
          ASSERT_EQ(e->int_value(), k);
        }
      }
      db.AddNew(key, ValueInit::Int(i));
    }
    if (mid_rehash) {
      EXPECT_GT(erased_while_rehashing, 20);
    } else {
      EXPECT_EQ(erased_while_rehashing, 0);
    }
  }
}

// A rehash that completes between the lookup and the overwrite frees the old bucket array,
// where the remembered link of a key not migrated yet points.
TEST(DbTableGrowth, OverwriteAfterTheRehashFinishedFindsTheEntryAgain) {
  for (int round = 0; round < 20; ++round) {
    DbTable db(0, nullptr);
    int keys = 0;
    while (keys < 50 || !db.key_table().rehashing()) {
      db.AddNew(Key("k", keys), ValueInit::Int(keys));
      ++keys;
    }
    const std::string key = Key("k", round);
    Entry* found = db.FindLive(key, kNow);
    ASSERT_NE(found, nullptr);
    while (db.RehashStep(100)) {
    }
    std::string text;
    Entry* e = db.Overwrite(found, MovingValue(found, 1, &text), /*keep_ttl=*/true);
    EXPECT_EQ(db.FindRaw(key), e);
    EXPECT_EQ(e->StringCopy(), text);
    EXPECT_EQ(db.size(), static_cast<size_t>(keys));
  }
}

// Warming a key's bucket and entry is a hint: safe on an empty table and mid-rehash (both bucket
// arrays), and it changes nothing a lookup or an overwrite then sees.
TEST(DbTableGrowth, PrefetchIsSafeEmptyAndMidRehashAndChangesNothing) {
  DbTable db(0, nullptr);
  db.PrefetchEntry(db.PrefetchBucket("nothing yet"));
  bool saw_rehash = false;
  for (int i = 0; i < 5000; ++i) {
    const std::string key = Key("p", i);
    db.PrefetchEntry(db.PrefetchBucket(key));
    db.AddNew(key, ValueInit::String(std::to_string(i)));
    const std::string older = Key("p", i / 3);
    const uint64_t hash = db.PrefetchBucket(older);
    saw_rehash = saw_rehash || db.key_table().rehashing();
    db.PrefetchEntry(hash);
    Entry* e = db.FindLive(older, kNow);
    ASSERT_NE(e, nullptr) << older;
    ASSERT_EQ(e->int_value(), i / 3);
  }
  EXPECT_TRUE(saw_rehash);
  EXPECT_EQ(db.size(), 5000u);
}

}  // namespace
}  // namespace tessera::storage
