#include "src/engine/lock_table.h"

#include <functional>

namespace tessera::engine {

uint64_t LockId(int db, std::string_view key) {
  // std::hash of a string_view is a 64-bit MurmurHash variant; the db is mixed in with a
  // multiplicative constant so the same key in two dbs gets unrelated ids.
  const uint64_t h = std::hash<std::string_view>{}(key);
  return h ^ ((static_cast<uint64_t>(db) + 1) * 0x9E3779B97F4A7C15ULL);
}

bool LockTable::CanAccess(int db, std::string_view key, LockMode mode) const {
  if (shard_exclusive_ || (shard_shared_ > 0 && mode == LockMode::kExclusive)) return false;
  if (keys_.empty()) return true;
  return CanAccessId(LockId(db, key), mode);
}

bool LockTable::CanAccessId(uint64_t id, LockMode mode) const {
  if (shard_exclusive_ || (shard_shared_ > 0 && mode == LockMode::kExclusive)) return false;
  auto it = keys_.find(id);
  return it == keys_.end() || Compatible(it->second, mode);
}

bool LockTable::CanAccessShard(LockMode mode) const {
  if (shard_exclusive_) return false;
  if (mode == LockMode::kExclusive) return keys_.empty() && shard_shared_ == 0;
  // A shard-wide reader conflicts with any exclusive key lock.
  for (const auto& [id, c] : keys_) {
    if (c.exclusive) return false;
  }
  return true;
}

bool LockTable::CanLock(const LockSet& set) const {
  if (set.shard_wide && !CanAccessShard(set.shard_mode)) return false;
  // Keys of the same set never conflict with each other: a transaction may name a key twice
  // (MSET k 1 k 2) or read and write it.
  for (const LockSet::Key& k : set.keys) {
    if (!CanAccessId(k.id, k.mode)) return false;
  }
  return true;
}

void LockTable::Lock(const LockSet& set) {
  if (set.shard_wide) {
    if (set.shard_mode == LockMode::kExclusive) {
      shard_exclusive_ = true;
    } else {
      ++shard_shared_;
    }
  }
  for (const LockSet::Key& k : set.keys) {
    Counts& c = keys_[k.id];
    if (k.mode == LockMode::kExclusive) {
      c.exclusive = true;
    } else {
      ++c.shared;
    }
  }
}

void LockTable::Unlock(const LockSet& set) {
  if (set.shard_wide) {
    if (set.shard_mode == LockMode::kExclusive) {
      shard_exclusive_ = false;
    } else {
      --shard_shared_;
    }
  }
  for (const LockSet::Key& k : set.keys) {
    auto it = keys_.find(k.id);
    if (it == keys_.end()) continue;
    if (k.mode == LockMode::kExclusive) {
      it->second.exclusive = false;
    } else if (it->second.shared > 0) {
      --it->second.shared;
    }
    if (!it->second.exclusive && it->second.shared == 0) keys_.erase(it);
  }
}

}  // namespace tessera::engine
