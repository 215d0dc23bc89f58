// One shard: this loop's slice of all databases. Touched only by its own loop's thread.
#pragma once

#include <atomic>
#include <chrono>
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
struct SnapshotCut;
}  // namespace tessera::storage

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
  // Writes since the last successful save (rdb_changes_since_last_save): one per op that changed
  // data. Any thread may read (the save-point check runs on loop 0).
  uint64_t dirty() const { return total_dirty() - saved_dirty_.load(std::memory_order_relaxed); }
  // Writes since startup; monotonic. Any thread may read.
  uint64_t total_dirty() const { return dirty_.load(std::memory_order_relaxed); }
  void add_dirty(uint64_t n) {
    // Only this shard's thread writes: a plain store, no locked read-modify-write.
    dirty_.store(dirty_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  // A snapshot that started when total_dirty() was `at` has been saved. Shard thread.
  void MarkSaved(uint64_t at) { saved_dirty_.store(at, std::memory_order_relaxed); }
  // Point-in-time snapshots of this shard's tables (storage/db_table.h).
  storage::SnapshotCut& snapshot_cut() { return *snapshot_cut_; }
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
  // Event classes the journal needs (expired keys become DEL records); 0 without a journal.
  void set_journal_mask(uint16_t mask) {
    journal_mask_ = mask;
    UpdateKeepMask();
  }
  uint16_t journal_mask() const { return journal_mask_; }
  // How many of changes().events() the journal has seen (Engine::JournalExpired).
  size_t journaled_events() const { return journaled_events_; }
  void set_journaled_events(size_t n) { journaled_events_ = n; }

  // Commands another loop ran here while this one was parked (Engine::RunBorrowed; INFO
  // tessera_borrowed_commands). Counted by whoever holds the shard.
  uint64_t lent_commands() const { return lent_commands_; }
  void count_lent_command() { ++lent_commands_; }

  // SWAPDB on this shard's slices.
  void SwapDbs(int a, int b);

  // Redis's activerehashing: moves buckets of the first database whose key table is being
  // rehashed, 100 at a time, for up to `budget` of wall time. Without it a table left
  // half-migrated by a burst of inserts is finished one bucket per later command, and every
  // lookup until then probes both bucket arrays. Returns whether any work was done.
  bool ActiveRehash(std::chrono::microseconds budget);

 private:
  ShardId id_;
  uint32_t shard_count_;
  storage::ChangeRecorder changes_;
  LockTable locks_;
  WatchTable watches_;
  std::unique_ptr<BlockingRegistry> blocking_;
  uint16_t notify_mask_ = 0;
  uint16_t journal_mask_ = 0;
  size_t journaled_events_ = 0;
  uint64_t lent_commands_ = 0;
  std::atomic<uint64_t> dirty_{0};
  std::atomic<uint64_t> saved_dirty_{0};
  std::unique_ptr<storage::SnapshotCut> snapshot_cut_;
  std::vector<std::unique_ptr<storage::DbTable>> dbs_;
};

}  // namespace tessera::engine
