// Cache warming for the keys of a batch of commands before they run: with a million keys, the
// bucket and the entry of almost every lookup miss the cache (KeyTable::FindLink was a third of
// the server's samples at -P 16). Starting every load of a batch first and running the commands
// after lets the misses overlap instead of being paid one after another.
//
// Used on a pipelined read's commands (Engine::Prefetch, before dispatch) and on a hop batch
// (Engine::ExecuteBatch). Hints only: a wrong key costs a wasted load, never a wrong result.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "storage/db_table.h"

namespace tessera::engine {

class KeyPrefetch {
 public:
  // Keys warmed per batch; the rest of a longer batch runs cold.
  static constexpr size_t kMaxKeys = 32;
  // A table smaller than this stays in the CPU's caches under load: no warming, no cost.
  static constexpr size_t kMinTableKeys = size_t{1} << 16;

  // Starts loading `key`'s bucket in `db`.
  void Add(const storage::DbTable& db, std::string_view key) {
    if (count_ == kMaxKeys || db.size() < kMinTableKeys) return;
    pending_[count_++] = {&db, db.PrefetchBucket(key)};
  }
  // Starts loading the first entry of every bucket added; call after the last Add.
  void Finish() const {
    for (size_t i = 0; i < count_; ++i) pending_[i].db->PrefetchEntry(pending_[i].hash);
  }

 private:
  struct Pending {
    const storage::DbTable* db;
    uint64_t hash;
  };
  std::array<Pending, kMaxKeys> pending_;
  size_t count_ = 0;
};

}  // namespace tessera::engine
