// The append-only file: loading it at startup, recording every write while running, holding
// replies until their records are durable under `appendfsync always`, and BGREWRITEAOF
// (docs/aof.md).
//
// Files are Redis 7.0's multi-part layout (persistence::AofDir): an RDB base, then incr files of
// RESP commands. The engine hands this service one record per write (engine::Journal) from every
// loop thread; persistence::AofWriter appends them from its own thread with group commit.
//
// Startup: Prepare() (main thread, before the loops start) opens the directory and loads an RDB
// base straight into the shards; Replay() (loop 0, after the loops start) runs the incr files
// through the engine as the server's own client while every other client gets -LOADING; then
// the journal is switched on.
//
// Threads: Append and MayWrite from any loop; Rewrite inside a coordinator command; the rest on
// loop 0 or, for Prepare, the main thread before the loops start.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "protocol/resp_reader.h"
#include "src/engine/command_call.h"
#include "src/engine/journal.h"
#include "src/net/output_gate.h"
#include "src/persistence/aof_dir.h"
#include "src/persistence/aof_reader.h"
#include "src/persistence/aof_writer.h"
#include "src/runtime/timer.h"

namespace tessera::server {

class InternalClient;
class Server;

struct AofStatus {
  bool enabled = false;
  bool rewrite_in_progress = false;
  bool rewrite_scheduled = false;
  bool last_rewrite_ok = true;
  int64_t last_rewrite_time_s = -1;
  bool last_write_ok = true;
  uint64_t current_size = 0;
  uint64_t base_size = 0;
  uint64_t buffer_length = 0;
  bool fsync_in_progress = false;
  uint64_t rewrites = 0;
};

class AofService final : public engine::Journal, public net::OutputGate {
 public:
  explicit AofService(Server& server);
  ~AofService() override;

  // Main thread, before the loops start. With appendonly yes: opens (or creates) the directory
  // and loads an RDB base into the shards. False with *error when the server must not start.
  bool Prepare(std::string* error);
  // Whether Prepare found the AOF on (then the RDB dump is not loaded, as in Redis).
  bool enabled() const { return dir_ != nullptr; }
  // Loop 0, after the loops start: replays the incr files, then starts recording. The engine
  // must be in loading mode; it leaves it when done. Exits the process on a corrupt file.
  void Replay();

  // engine::Journal. Any loop thread.
  void Append(int db, std::string_view resp) override;
  std::string WriteError() const override;
  // net::OutputGate. Any loop thread.
  bool MayWrite(int loop_index) override;

  // BGREWRITEAOF, inside its coordinator command.
  void Rewrite(engine::CommandCall& call);
  // Loop 0 is stopping: releases the clients the service runs commands through.
  void OnLoopStop();
  // CONFIG SET appendfsync.
  void SetPolicy(const std::string& name);
  // Waits until everything recorded is on disk (SHUTDOWN). Any thread but the writer's.
  void Flush();

  AofStatus status() const;

 private:
  struct ReplayState;
  void PumpReplay();
  void FinishReplay();
  void OnProgress();
  // Loop 0, once a second: auto-aof-rewrite-percentage / auto-aof-rewrite-min-size.
  void CronTick();
  // The writer once replay is done, else null. Every loop's output gate asks it, so it is
  // published through an atomic; writer_owner_ only owns it.
  persistence::AofWriter* writer() const { return writer_.load(std::memory_order_acquire); }

  Server& server_;
  // AofDir is not thread-safe: rewrites start on the command's loop and end on loop 0.
  std::mutex dir_mu_;
  std::unique_ptr<persistence::AofDir> dir_;
  std::unique_ptr<persistence::AofWriter> writer_owner_;
  std::atomic<persistence::AofWriter*> writer_{nullptr};
  std::vector<persistence::AofLoadFile> to_replay_;
  std::unique_ptr<ReplayState> replay_;
  // The highest LSN handed out: a loop's pending replies wait until it is durable.
  std::atomic<uint64_t> appended_lsn_{0};
  std::unique_ptr<std::atomic<bool>[]> waiting_;  // per loop: asked MayWrite and got "no"
  std::atomic<bool> rewrite_in_progress_{false};
  std::atomic<bool> rewrite_scheduled_{false};
  std::atomic<bool> closing_{false};  // set before the writer is destroyed
  std::atomic<bool> last_rewrite_ok_{true};
  std::atomic<int64_t> last_rewrite_time_s_{-1};
  std::atomic<uint64_t> rewrites_{0};
  std::unique_ptr<runtime::Timer> cron_;  // loop 0
  // Loop 0: the base file's size, and the AOF's total size after the last rewrite (or at
  // startup), which auto-aof-rewrite-percentage measures growth from.
  uint64_t base_file_size_ = 0;
  uint64_t rewrite_base_size_ = 0;
  InternalClient* cron_client_ = nullptr;
};

}  // namespace tessera::server
