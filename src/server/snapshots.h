// Snapshots in Redis's RDB format: SAVE, BGSAVE, save points, loading at startup, and the INFO
// persistence fields (docs/snapshots.md).
//
// A snapshot is a consistent cut across shards: it starts while the command holds a shared lock
// on every shard (so no multi-shard transaction is half-applied anywhere), each shard then
// serializes itself on its own loop (persistence::ShardSnapshot), and the file is committed
// (fsync + rename) on a helper thread when the last shard is done. No fork.
//
// Threads: Save() runs inside a coordinator command on any loop; the shard passes run on their
// shards' loops; completion is handled on loop 0; the save-point check runs on loop 0.
// LoadAtStartup runs on the main thread before the loops start. The status accessors may be
// called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "src/engine/command_call.h"
#include "src/persistence/rdb_writer.h"
#include "src/persistence/shard_snapshot.h"
#include "src/runtime/clock.h"
#include "src/runtime/timer.h"

namespace tessera::server {

class Server;

// Loads an RDB file (a dump, or an AOF's RDB base) into the engine's shards. Main thread, before
// the loops start. False with *error for an unreadable or corrupt file.
bool LoadRdbIntoShards(engine::Engine& engine, runtime::Clock& clock, const std::string& path,
                       std::string* error);

struct SnapshotStatus {
  bool in_progress = false;
  bool last_ok = true;
  int64_t last_save_unix = 0;    // rdb_last_save_time (LASTSAVE)
  int64_t last_duration_s = -1;  // rdb_last_bgsave_time_sec
  int64_t current_start_ms = 0;  // while in progress
  uint64_t saves = 0;            // rdb_saves
  int64_t last_cow_size = 0;     // rdb_last_cow_size: always 0, there is no fork
};

class SnapshotService {
 public:
  enum class Mode { kBackground, kForeground };
  // ok, or the error text for the log and the reply.
  using Done = std::function<void(engine::CommandCall& call, bool ok, const std::string& error)>;

  explicit SnapshotService(Server& server);
  ~SnapshotService();

  // dir + dbfilename as configured now.
  std::string RdbPath() const;

  // Loads the RDB file, if there is one, into the shards. Main thread, before the loops start.
  // False (with *error) for an unreadable or corrupt file: the server must not start with half
  // a dataset.
  bool LoadAtStartup(std::string* error);

  // What a snapshot produces. The RDB dump by default; BGREWRITEAOF writes an AOF base.
  struct Target {
    std::string path;      // the file to produce (written to a temp file, renamed at commit)
    bool rdb_dump = true;  // counts as a save: LASTSAVE, rdb_saves, rdb_changes_since_last_save
    // Runs at the cut, under every shard's lock, after every shard started its pass (the
    // BGREWRITEAOF switch to a new incr file goes here). On the command's loop.
    std::function<void()> at_cut;
    // Runs once the file is committed or has failed. On loop 0 (background) or the command's
    // loop (foreground).
    std::function<void(bool ok)> after_commit;
  };

  // Inside a coordinator command: locks every shard (shared), starts the snapshot, then `done`.
  // kForeground (SAVE, SHUTDOWN): the whole pass runs under the lock and `done` follows the
  // commit. kBackground (BGSAVE): `done` follows the start; the pass continues on the shards.
  // Refused with an error to `done` if a snapshot (of either kind) is already running.
  void Save(engine::CommandCall& call, Mode mode, Done done);
  void Save(engine::CommandCall& call, Mode mode, Target target, Done done);
  // Whether the running snapshot is an AOF rewrite.
  bool rewriting_aof() const;
  // BGSAVE SCHEDULE during an AOF rewrite: the save starts once the rewrite is over.
  void ScheduleBgsave() { bgsave_scheduled_.store(true); }

  // The save points ("save <seconds> <changes> ..."): checked once a second on loop 0, which
  // starts a BGSAVE through `trigger` (the server dispatches it as an internal command).
  void StartCron(std::function<void()> trigger);

  SnapshotStatus status() const;
  // Sum of the shards' rdb_changes_since_last_save. Any thread.
  uint64_t Dirty() const;

 private:
  struct ShardJob;
  // Shard thread: one slice of the background pass, re-armed until the shard is done.
  void RunSlice(engine::ShardId shard);
  // Bookkeeping after a commit (or failure), on whichever thread finished it.
  void Settle(bool ok, int64_t now_ms);
  // Loop 0: a shard finished its pass.
  void ShardFinished();
  // Loop 0: the commit thread finished.
  void Finished(bool ok, const std::string& error);
  void CronTick();

  Server& server_;
  mutable std::mutex mu_;
  SnapshotStatus status_;  // guarded by mu_
  // The running snapshot (null when none). The file is shared by the shards' passes.
  std::unique_ptr<persistence::RdbFileWriter> file_;
  Target target_;
  // Per shard, touched only on that shard's loop: its pass and the timer driving it.
  std::vector<std::unique_ptr<ShardJob>> jobs_;
  int shards_running_ = 0;  // loop 0
  bool last_ok_for_retry_ = true;
  std::thread committer_;
  std::unique_ptr<runtime::Timer> cron_;  // loop 0
  std::function<void()> trigger_;
  std::atomic<bool> bgsave_scheduled_{false};
  int64_t last_attempt_ms_ = 0;  // loop 0
};

}  // namespace tessera::server
