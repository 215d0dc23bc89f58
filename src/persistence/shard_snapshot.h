// One shard's part of a point-in-time snapshot (docs/snapshots.md).
//
// The shard serializes its own tables on its own thread, a slice at a time between other work
// (Step), while it keeps serving commands: an entry that existed when the snapshot started and is
// about to change is serialized first (SnapshotObserver, called by DbTable), so the file holds
// every key as it was at Start(), however long the pass takes. No fork, no copy of the dataset:
// what is held in memory at any moment is one output buffer per database.
//
// Threads: everything here runs on the owning shard's thread. The RdbFileWriter it appends to is
// shared with the other shards' snapshots (its AppendRecords is thread-safe).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/persistence/rdb_writer.h"
#include "storage/db_table.h"

namespace tessera::persistence {

class ShardSnapshot final : public storage::SnapshotObserver {
 public:
  // `tables[i]` is the shard's table of database i. `file` null: the pass writes nothing and
  // only marks entries (see Abandon).
  ShardSnapshot(std::vector<storage::DbTable*> tables, storage::SnapshotCut* cut,
                RdbFileWriter* file, bool compress);
  ~ShardSnapshot();
  ShardSnapshot(const ShardSnapshot&) = delete;
  ShardSnapshot& operator=(const ShardSnapshot&) = delete;

  // The cut: from now on the shard's changes reach BeforeChange first. Call with no other
  // snapshot running on the shard, at a moment when no multi-shard transaction is half-applied
  // (the caller holds every shard's lock).
  void Start();
  // Serializes about `max_entries` more entries. True when every entry has been visited; the
  // snapshot is then detached from the shard and its buffers are written.
  bool Step(size_t max_entries);
  // The last Step did nothing because the file's queue is full: call again a little later.
  bool waiting_for_disk() const { return waiting_for_disk_; }
  // Stops writing (a failed or cancelled save) but keeps visiting: SnapshotCut requires a
  // started pass to reach every entry before the next snapshot starts.
  void Abandon();
  bool done() const { return done_; }
  // False once a write to the file failed.
  bool ok() const { return file_ == nullptr || !failed_; }
  uint64_t keys_saved() const { return keys_saved_; }

 private:
  void BeforeChange(const storage::DbTable& table, const storage::Entry& e) override;
  // Hands db's buffer to the file when it is big enough (or `force`).
  void Flush(size_t db, bool force);

  static constexpr size_t kFlushBytes = 64 * 1024;
  // The pass waits while this much is queued for the disk (across all shards): a slow disk
  // must slow the snapshot down, not grow memory.
  static constexpr uint64_t kMaxQueuedBytes = 16 * 1024 * 1024;

  std::vector<storage::DbTable*> tables_;
  storage::SnapshotCut* cut_;
  RdbFileWriter* file_;
  bool compress_;
  bool started_ = false;
  bool done_ = false;
  bool failed_ = false;
  bool waiting_for_disk_ = false;
  size_t db_ = 0;        // the table the pass is in
  uint64_t cursor_ = 0;  // its SCAN cursor
  uint64_t keys_saved_ = 0;
  std::vector<std::string> buffers_;  // per db: records not yet handed to the file
  std::vector<storage::Entry*> batch_;
};

}  // namespace tessera::persistence
