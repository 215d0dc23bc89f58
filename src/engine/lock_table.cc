#include "src/engine/lock_table.h"

#include <bit>
#include <functional>

namespace tessera::engine {

uint64_t LockId(int db, std::string_view key) {
  // std::hash of a string_view is a 64-bit MurmurHash variant; the db is mixed in with a
  // multiplicative constant so the same key in two dbs gets unrelated ids.
  const uint64_t h = std::hash<std::string_view>{}(key);
  const uint64_t id = h ^ ((static_cast<uint64_t>(db) + 1) * 0x9E3779B97F4A7C15ULL);
  return id == 0 ? 1 : id;  // 0 marks an empty slot in the table
}

void LockTable::CountsById::Reset(size_t slots) {
  slots_.assign(slots, Slot{});
  shift_ = 64 - std::countr_zero(slots);
  size_ = 0;
}

size_t LockTable::CountsById::IndexOf(uint64_t id) const {
  const size_t mask = slots_.size() - 1;
  size_t i = Home(id);
  while (slots_[i].id != 0 && slots_[i].id != id) i = (i + 1) & mask;
  return i;
}

const LockTable::Counts* LockTable::CountsById::Find(uint64_t id) const {
  const Slot& s = slots_[IndexOf(id)];
  return s.id == id ? &s.counts : nullptr;
}

LockTable::Counts& LockTable::CountsById::FindOrAdd(uint64_t id) {
  size_t i = IndexOf(id);
  if (slots_[i].id == id) return slots_[i].counts;
  if ((size_ + 1) * 2 > slots_.size()) {
    Grow();
    i = IndexOf(id);
  }
  slots_[i].id = id;
  slots_[i].counts = Counts{};
  ++size_;
  return slots_[i].counts;
}

void LockTable::CountsById::Grow() {
  std::vector<Slot> old = std::move(slots_);
  Reset(old.size() * 2);
  for (const Slot& s : old) {
    if (s.id == 0) continue;
    slots_[IndexOf(s.id)] = s;
    ++size_;
  }
}

void LockTable::CountsById::Erase(uint64_t id) {
  const size_t mask = slots_.size() - 1;
  size_t hole = IndexOf(id);
  if (slots_[hole].id != id) return;
  if (--size_ == 0 && slots_.size() > kInitialSlots) {
    Reset(kInitialSlots);
    return;
  }
  // Backward shift: pull later members of the probe run into the hole unless that would put
  // them before their home slot.
  for (size_t j = (hole + 1) & mask; slots_[j].id != 0; j = (j + 1) & mask) {
    const size_t home = Home(slots_[j].id);
    const bool home_in_gap = ((j - home) & mask) < ((j - hole) & mask);
    if (home_in_gap) continue;
    slots_[hole] = slots_[j];
    hole = j;
  }
  slots_[hole] = Slot{};
}

bool LockTable::CountsById::AnyExclusive() const {
  for (const Slot& s : slots_) {
    if (s.id != 0 && s.counts.exclusive) return true;
  }
  return false;
}

bool LockTable::CanAccess(int db, std::string_view key, LockMode mode) const {
  if (shard_exclusive_ || (shard_shared_ > 0 && mode == LockMode::kExclusive)) return false;
  if (keys_.empty()) return true;
  return CanAccessId(LockId(db, key), mode);
}

bool LockTable::CanAccessId(uint64_t id, LockMode mode) const {
  if (shard_exclusive_ || (shard_shared_ > 0 && mode == LockMode::kExclusive)) return false;
  const Counts* c = keys_.Find(id);
  return c == nullptr || Compatible(*c, mode);
}

bool LockTable::CanAccessShard(LockMode mode) const {
  if (shard_exclusive_) return false;
  if (mode == LockMode::kExclusive) return keys_.empty() && shard_shared_ == 0;
  // A shard-wide reader conflicts with any exclusive key lock.
  return !keys_.AnyExclusive();
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
    Counts& c = keys_.FindOrAdd(k.id);
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
    Counts* c = keys_.Find(k.id);
    if (c == nullptr) continue;
    if (k.mode == LockMode::kExclusive) {
      c->exclusive = false;
    } else if (c->shared > 0) {
      --c->shared;
    }
    if (!c->exclusive && c->shared == 0) keys_.Erase(k.id);
  }
}

}  // namespace tessera::engine
