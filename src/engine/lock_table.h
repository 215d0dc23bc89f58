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
// Keys are locked by a 64-bit fingerprint of (db, key), not by name: no key is copied or
// allocated for a lock. Two keys with the same fingerprint share a lock; that can only make a
// command wait for an unrelated one (never lets two conflicting ones run), and at 64 bits it
// does not happen in practice.
//
// Shard-thread only.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace tessera::engine {

enum class LockMode : uint8_t { kShared, kExclusive };

// The lock table's name for `key` in `db`; never 0.
uint64_t LockId(int db, std::string_view key);

// What one transaction locks on one shard.
struct LockSet {
  struct Key {
    uint64_t id;  // LockId(db, key)
    LockMode mode;
  };
  std::vector<Key> keys;
  bool shard_wide = false;
  LockMode shard_mode = LockMode::kShared;
  bool empty() const { return keys.empty() && !shard_wide; }
  void Add(int db, std::string_view key, LockMode mode) { keys.push_back({LockId(db, key), mode}); }
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
  // Lock counts by id: open addressing with linear probing, at most half full, and deletion by
  // backward shift (no tombstones). Locks come and go with every multi-shard command, so this
  // avoids a node allocation and a free per key per command. Back to its initial size whenever
  // it empties, so one huge transaction does not pin memory.
  class CountsById {
   public:
    CountsById() { Reset(kInitialSlots); }
    bool empty() const { return size_ == 0; }
    size_t size() const { return size_; }
    const Counts* Find(uint64_t id) const;
    Counts* Find(uint64_t id) {
      return const_cast<Counts*>(static_cast<const CountsById*>(this)->Find(id));
    }
    Counts& FindOrAdd(uint64_t id);
    // Removes `id`, which must be present.
    void Erase(uint64_t id);
    bool AnyExclusive() const;

   private:
    static constexpr size_t kInitialSlots = 64;
    struct Slot {
      uint64_t id = 0;  // 0: empty
      Counts counts;
    };
    size_t Home(uint64_t id) const { return (id * 0x9E3779B97F4A7C15ULL) >> shift_; }
    size_t IndexOf(uint64_t id) const;  // its slot, or the empty slot where it would go
    void Reset(size_t slots);
    void Grow();
    std::vector<Slot> slots_;
    int shift_ = 0;  // 64 - log2(slots_.size())
    size_t size_ = 0;
  };

  bool CanAccessId(uint64_t id, LockMode mode) const;
  static bool Compatible(const Counts& c, LockMode mode) {
    return mode == LockMode::kShared ? !c.exclusive : (!c.exclusive && c.shared == 0);
  }

  CountsById keys_;
  uint32_t shard_shared_ = 0;
  bool shard_exclusive_ = false;
};

}  // namespace tessera::engine
