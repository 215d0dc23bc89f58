#include "src/engine/lock_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace tessera::engine {
namespace {

LockSet Keys(std::initializer_list<std::pair<std::string, LockMode>> keys, int db = 0) {
  LockSet set;
  for (auto& [k, m] : keys) set.Add(db, k, m);
  return set;
}

LockSet ShardWide(LockMode mode) {
  LockSet set;
  set.shard_wide = true;
  set.shard_mode = mode;
  return set;
}

TEST(LockTableTest, SharedLocksCoexistExclusiveLocksDoNot) {
  LockTable t;
  LockSet a = Keys({{"k", LockMode::kShared}});
  LockSet b = Keys({{"k", LockMode::kShared}});
  LockSet w = Keys({{"k", LockMode::kExclusive}});
  ASSERT_TRUE(t.CanLock(a));
  t.Lock(a);
  EXPECT_TRUE(t.CanLock(b));
  EXPECT_FALSE(t.CanLock(w));
  EXPECT_TRUE(t.CanAccess(0, "k", LockMode::kShared));
  EXPECT_FALSE(t.CanAccess(0, "k", LockMode::kExclusive));
  t.Unlock(a);
  EXPECT_TRUE(t.CanLock(w));
  EXPECT_TRUE(t.empty());
}

TEST(LockTableTest, KeysAreScopedByDatabase) {
  LockTable t;
  t.Lock(Keys({{"k", LockMode::kExclusive}}, 0));
  EXPECT_FALSE(t.CanAccess(0, "k", LockMode::kShared));
  EXPECT_TRUE(t.CanAccess(1, "k", LockMode::kExclusive));
}

TEST(LockTableTest, ShardWideLocksConflictWithKeyLocks) {
  LockTable t;
  LockSet key = Keys({{"k", LockMode::kExclusive}});
  t.Lock(key);
  EXPECT_FALSE(t.CanLock(ShardWide(LockMode::kShared)));
  EXPECT_FALSE(t.CanLock(ShardWide(LockMode::kExclusive)));
  t.Unlock(key);
  LockSet reader = ShardWide(LockMode::kShared);
  t.Lock(reader);
  EXPECT_TRUE(t.CanAccess(0, "other", LockMode::kShared));
  EXPECT_FALSE(t.CanAccess(0, "other", LockMode::kExclusive));
  EXPECT_FALSE(t.CanLock(ShardWide(LockMode::kExclusive)));
  t.Unlock(reader);
  EXPECT_TRUE(t.empty());
}

TEST(LockTableTest, ASetMayNameAKeyTwice) {
  LockTable t;
  LockSet set = Keys({{"k", LockMode::kExclusive}, {"k", LockMode::kExclusive}});
  ASSERT_TRUE(t.CanLock(set));
  t.Lock(set);
  EXPECT_FALSE(t.CanAccess(0, "k", LockMode::kShared));
  t.Unlock(set);
  EXPECT_TRUE(t.empty());
}

TEST(LockTableTest, LockIdsDifferByKeyAndDatabase) {
  EXPECT_EQ(LockId(0, "k"), LockId(0, "k"));
  EXPECT_NE(LockId(0, "k"), LockId(1, "k"));
  EXPECT_NE(LockId(0, "k"), LockId(0, "k2"));
  EXPECT_NE(LockId(0, ""), LockId(1, ""));
}

TEST(LockTableTest, DifferentKeysDoNotConflict) {
  LockTable t;
  LockSet a = Keys({{"a", LockMode::kExclusive}});
  t.Lock(a);
  EXPECT_TRUE(t.CanLock(Keys({{"b", LockMode::kExclusive}})));
  EXPECT_TRUE(t.CanAccess(0, "b", LockMode::kExclusive));
  EXPECT_FALSE(t.CanLock(Keys({{"b", LockMode::kShared}, {"a", LockMode::kShared}})));
  t.Unlock(a);
  EXPECT_TRUE(t.empty());
}

// Many keys locked and unlocked in random order (the table grows, shrinks back when empty, and
// deletes by shifting probe runs), checked against a model after every operation.
TEST(LockTableTest, ManyKeysMatchAModel) {
  LockTable t;
  std::mt19937 rng(7);
  std::map<std::string, int> held;  // key -> 1 exclusive
  std::vector<std::string> names;
  for (int i = 0; i < 3000; ++i) names.push_back("key:" + std::to_string(i));
  for (int round = 0; round < 3; ++round) {
    for (int op = 0; op < 20000; ++op) {
      const std::string& k = names[rng() % names.size()];
      if (held.count(k) != 0) {
        t.Unlock(Keys({{k, LockMode::kExclusive}}));
        held.erase(k);
      } else {
        LockSet s = Keys({{k, LockMode::kExclusive}});
        ASSERT_TRUE(t.CanLock(s)) << k;
        t.Lock(s);
        held[k] = 1;
      }
      if (op % 97 == 0) {
        for (const std::string& n : names) {
          ASSERT_EQ(t.CanAccess(0, n, LockMode::kShared), held.count(n) == 0) << n;
        }
      }
      ASSERT_EQ(t.locked_keys(), held.size());
    }
    for (const auto& [k, v] : held) t.Unlock(Keys({{k, LockMode::kExclusive}}));
    held.clear();
    EXPECT_TRUE(t.empty());
  }
}

}  // namespace
}  // namespace tessera::engine
