// One shard: this loop's slice of all databases. Touched only by its own loop's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "src/engine/blocking.h"
#include "src/engine/key_to_shard.h"
#include "src/engine/lock_table.h"
#include "src/engine/watch_table.h"
#include "storage/change_event.h"

namespace tessera::storage {
class DbTable;
}

namespace tessera::engine {

class Shard {
 public:
  Shard(ShardId id, uint32_t shard_count, int databases);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  ShardId id() const { return id_; }
  uint32_t shard_count() const { return shard_count_; }
  int databases() const { return static_cast<int>(dbs_.size()); }
  storage::DbTable& db(int index) { return *dbs_[index]; }
  storage::ChangeRecorder& changes() { return changes_; }
  // Writes since the last save (rdb_changes_since_last_save): one per op that changed data.
  uint64_t dirty() const { return dirty_; }
  void add_dirty(uint64_t n) { dirty_ += n; }
  LockTable& locks() { return locks_; }
  WatchTable& watches() { return watches_; }
  // Clients blocked on this shard's keys; null until a blocking command installs one.
  BlockingRegistry* blocking() { return blocking_.get(); }
  void set_blocking(std::unique_ptr<BlockingRegistry> registry) { blocking_ = std::move(registry); }

  // Which event classes the change recorder keeps: what WATCH, blocked clients and keyspace
  // notifications need right now. Call after any of them changes.
  void UpdateKeepMask();
  void set_notify_mask(uint16_t mask) {
    notify_mask_ = mask;
    UpdateKeepMask();
  }
  uint16_t notify_mask() const { return notify_mask_; }

  // SWAPDB on this shard's slices.
  void SwapDbs(int a, int b);

 private:
  ShardId id_;
  uint32_t shard_count_;
  storage::ChangeRecorder changes_;
  LockTable locks_;
  WatchTable watches_;
  std::unique_ptr<BlockingRegistry> blocking_;
  uint16_t notify_mask_ = 0;
  uint64_t dirty_ = 0;
  std::vector<std::unique_ptr<storage::DbTable>> dbs_;
};

}  // namespace tessera::engine
