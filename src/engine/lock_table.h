// Per-shard intent locks for multi-shard transactions (VLL-style: counters, no lock objects
// held by threads, nobody ever blocks).
//
// A transaction that spans shards locks its keys on every shard it touches before its first
// step runs and releases them after its last. Plain one-shard commands check the table first:
// when the table is empty (the common case) they run at once; otherwise a command whose key is
// locked in a conflicting mode waits in the shard's queue (see engine.cc) until release.
// Whole-keyspace commands (FLUSHDB, KEYS, DBSIZE...) take a shard-wide lock that conflicts with
// every key lock on that shard.
//
// Shard-thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tessera::engine {

enum class LockMode : uint8_t { kShared, kExclusive };

// What one transaction locks on one shard.
struct LockSet {
  struct Key {
    int db;
    std::string key;
    LockMode mode;
  };
  std::vector<Key> keys;
  bool shard_wide = false;
  LockMode shard_mode = LockMode::kShared;
  bool empty() const { return keys.empty() && !shard_wide; }
};

class LockTable {
 public:
  // Whether every lock in `set` could be granted now.
  bool CanLock(const LockSet& set) const;
  void Lock(const LockSet& set);
  void Unlock(const LockSet& set);

  // Whether a plain command may touch `key` in `db` with `mode` now.
  bool CanAccess(int db, std::string_view key, LockMode mode) const;
  // Whether a plain command without keys but needing the whole shard may run now.
  bool CanAccessShard(LockMode mode) const;

  bool empty() const { return keys_.empty() && shard_shared_ == 0 && !shard_exclusive_; }
  size_t locked_keys() const { return keys_.size(); }

 private:
  struct Counts {
    uint32_t shared = 0;
    bool exclusive = false;
  };
  static std::string Id(int db, std::string_view key);
  static bool Compatible(const Counts& c, LockMode mode) {
    return mode == LockMode::kShared ? !c.exclusive : (!c.exclusive && c.shared == 0);
  }

  std::unordered_map<std::string, Counts> keys_;
  uint32_t shard_shared_ = 0;
  bool shard_exclusive_ = false;
};

}  // namespace tessera::engine
