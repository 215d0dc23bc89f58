// Appends RESP records to the current AOF incr file from any thread, with group commit.
//
// Event-loop threads call Append(): it copies the record into a pending buffer under a mutex and
// returns its LSN (log sequence number: total bytes appended up to and including this record,
// counted across file switches). It never does I/O. One background thread, the writer, takes
// *everything* pending each time it wakes, writes it with as few write(2) calls as it can, and
// under `appendfsync always` fdatasyncs once for the lot: that is the group commit — however
// many connections appended while the previous fsync ran, they share the next one. Then it
// publishes written_lsn()/durable_lsn() and calls `on_progress`.
//
//   kAlways    the writer fdatasyncs after every batch; durable_lsn() follows. The engine holds
//              a write's reply until durable_lsn() >= its LSN (ack_lsn() names the LSN to
//              compare under every policy).
//   kEverySec  batches are written promptly; about once per `everysec_interval` a second
//              thread, the syncer, fdatasyncs the file (as Redis's bio thread does), so a slow
//              disk flush never holds up writes. durable_lsn() follows those syncs.
//   kNo        written, never fsynced by us (the kernel decides); Flush(), rotation and
//              shutdown still fsync, as Redis does.
//
// Errors: a failed or short write keeps the unwritten bytes (nothing is dropped or duplicated:
// the file stays an exact prefix of the record stream, because the fd is O_APPEND and only the
// writer writes it) and is retried every `retry_interval`; ok() turns false with error() set
// (the engine answers writes with "-MISCONF Errors writing to the AOF file: <error>") and true
// again once writes and fsyncs succeed. A failed fdatasync is reported and retried too, but on
// Linux a retried fsync can succeed after the kernel dropped the dirty pages, so under kAlways
// the engine should treat stats().fsync_errors > 0 as fatal, as Redis exits in that case.
//
// Database context: every AOF file is replayed starting in db 0, and records from several
// threads interleave, so the writer (not the callers) tracks the stream's current db and emits
// SELECT when a record's db differs, under the same mutex that orders the records.
//
// Threads: Append, SwitchTo, Flush, SetPolicy and every getter may be called from any thread.
// The constructor and destructor from the owner. `on_progress` runs on the writer or the syncer
// thread, must be cheap and thread-safe, and must not call Flush() or the destructor.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace tessera::persistence {

enum class FsyncPolicy { kAlways, kEverySec, kNo };

struct AofWriterOptions {
  FsyncPolicy policy = FsyncPolicy::kEverySec;
  // Called after written_lsn() and/or durable_lsn() advanced (once per batch or fsync, not per
  // record), on the writer or the syncer thread, possibly on both at once. The engine wakes its
  // loops here (runtime::Loop::Post is thread-safe and wakes a loop at most once).
  std::function<void()> on_progress;
  std::chrono::milliseconds everysec_interval{1000};
  std::chrono::milliseconds retry_interval{100};
  uint64_t start_lsn = 0;
  // Test seams; null means ::write and ::fdatasync. Must follow their contracts (return -1 and
  // set errno on failure; write may be short).
  std::function<ssize_t(int fd, const void* buf, size_t n)> write_fn;
  std::function<int(int fd)> sync_fn;
};

struct AofWriterStats {
  uint64_t appended_lsn = 0;
  uint64_t written_lsn = 0;
  uint64_t durable_lsn = 0;
  uint64_t current_file_size = 0;  // bytes in the current incr file (initial size + written)
  uint64_t buffer_length = 0;      // aof_buffer_length: appended, not yet written
  bool fsync_in_progress = false;  // aof_pending_bio_fsync (0/1)
  uint64_t writes = 0;             // write(2) calls that wrote something
  uint64_t fsyncs = 0;             // successful fdatasync calls
  uint64_t write_errors = 0;       // failed write(2) calls (each retry counts)
  uint64_t fsync_errors = 0;
  bool last_write_ok = true;  // aof_last_write_status
};

class AofWriter {
 public:
  // Takes ownership of `fd` (the current incr file, opened O_APPEND; `file_size` is its length)
  // and starts the writer and syncer threads.
  AofWriter(int fd, uint64_t file_size, AofWriterOptions options);
  // Close(), if not yet called.
  ~AofWriter();
  AofWriter(const AofWriter&) = delete;
  AofWriter& operator=(const AofWriter&) = delete;

  // Any thread. Queues `resp` (one or more complete RESP commands) for database `db`, preceded
  // by a SELECT if the stream is in another db. db < 0: the record carries its own SELECTs (a
  // MULTI block spanning dbs); no SELECT is added and the next record re-selects. Records appear
  // in the file in the order their Append calls took the mutex; one call's bytes are never
  // interleaved with another's (so a MULTI ... EXEC block must be one call). Returns the LSN.
  uint64_t Append(int db, std::string_view resp);

  // Any thread. Rotation at rewrite start: bytes appended before this call go to the old file,
  // which is written, fsynced (whatever the policy: it is about to be folded into a base) and
  // closed by the writer thread; later ones go to `new_fd` (owned from now on, `new_file_size`
  // its length). Does not block. Returns the LSN at the switch; once durable_lsn() reaches it
  // the old file is complete on disk. The next record starts with a SELECT, since the new file
  // is replayed from db 0.
  uint64_t SwitchTo(int new_fd, uint64_t new_file_size = 0);

  // Any thread, but not from on_progress. Blocks until everything appended before the call is
  // written and fsynced (whatever the policy). Returns false if a write or fsync attempt fails
  // before that (the bytes stay queued and are retried; call again to keep waiting).
  bool Flush();

  // Not from on_progress. Writes and fsyncs what is pending (one attempt: a failing disk cannot
  // hang shutdown), closes the file and joins both threads; no on_progress call runs after it
  // returns, so its owner may then tear down what the callback touches. Call Flush() first to
  // know whether everything made it. Idempotent; Append after Close is not allowed.
  void Close();

  // Any thread. CONFIG SET appendfsync.
  void SetPolicy(FsyncPolicy policy);
  FsyncPolicy policy() const { return policy_.load(std::memory_order_relaxed); }

  uint64_t written_lsn() const { return written_lsn_.load(std::memory_order_acquire); }
  uint64_t durable_lsn() const { return durable_lsn_.load(std::memory_order_acquire); }
  // The LSN a reply may be released at: durable_lsn() under kAlways, written_lsn() otherwise
  // (Redis replies after write(2) under everysec/no, so a killed process loses nothing acked).
  uint64_t ack_lsn() const {
    return policy() == FsyncPolicy::kAlways ? durable_lsn() : written_lsn();
  }
  bool ok() const { return ok_.load(std::memory_order_acquire); }
  std::string error() const;
  AofWriterStats stats() const;

 private:
  struct Switch {
    uint64_t lsn;
    int fd;
    uint64_t file_size;
  };

  void Run();
  void RunSyncer();
  // Writes batch_ from batch_pos_ to its end, switching files at their LSNs. Returns false on a
  // write/fsync error (state kept for the retry).
  bool WriteBatch();
  // fdatasyncs fd_ on the writer thread, after any syncer fsync has finished.
  bool SyncInline();
  void WaitSyncerIdle();
  ssize_t DoWrite(int fd, const char* p, size_t n);
  int DoSync(int fd);
  // durable_lsn_ = max(durable_lsn_, lsn); both threads publish.
  void PublishDurable(uint64_t lsn);
  // With mu_ held: records a failure (`write` or fsync) or a success, and recomputes ok_.
  void SetFailed(bool write, bool failed, std::string error);

  AofWriterOptions options_;
  std::atomic<FsyncPolicy> policy_;

  mutable std::mutex mu_;
  std::condition_variable wake_;       // the writer thread waits here
  std::condition_variable sync_wake_;  // the syncer waits here
  std::condition_variable done_;       // Flush() and the writer (for the syncer) wait here
  std::string pending_;                // appended, not yet taken by the writer thread
  uint64_t appended_lsn_;              // LSN after the last byte in pending_
  int stream_db_ = -1;                 // db the stream is in after pending_; -1 = unknown
  std::deque<Switch> switches_;        // in LSN order
  uint64_t flush_target_ = 0;          // Flush() wants durable_lsn >= this
  uint64_t attempt_failures_ = 0;      // bumped at each failed write/sync attempt, for Flush()
  bool writer_waiting_ = false;
  bool stop_ = false;
  bool writer_alive_ = true;  // false once the writer thread has closed its files
  bool syncer_stop_ = false;
  bool write_failed_ = false;
  bool sync_failed_ = false;
  std::string error_;
  // The syncer's one request slot. The fd stays open while sync_inflight_: the writer waits
  // for the syncer before it closes a file.
  bool sync_requested_ = false;
  bool sync_inflight_ = false;
  int sync_fd_ = -1;
  uint64_t sync_lsn_ = 0;

  // Writer thread only.
  int fd_;
  std::string batch_;
  size_t batch_pos_ = 0;    // bytes of batch_ written
  uint64_t batch_lsn_ = 0;  // LSN of batch_[0]
  std::deque<Switch> batch_switches_;
  std::chrono::steady_clock::time_point last_sync_;  // last fsync done or requested

  std::atomic<uint64_t> written_lsn_;
  std::atomic<uint64_t> durable_lsn_;
  std::atomic<uint64_t> file_size_;
  std::atomic<bool> ok_{true};
  std::atomic<bool> fsync_in_progress_{false};
  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> fsyncs_{0};
  std::atomic<uint64_t> write_errors_{0};
  std::atomic<uint64_t> fsync_errors_{0};

  std::thread syncer_;
  std::thread thread_;
};

}  // namespace tessera::persistence
