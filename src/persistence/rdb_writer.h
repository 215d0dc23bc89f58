// Writing RDB files (version 10, what Redis 7.0 writes) from Tessera's values.
//
// Records are encoded the way Redis 7.0 encodes the same in-memory encoding, so redis-server and
// redis-check-rdb read our files and a value comes back in the same encoding:
//   string              STRING (INT8/16/32 when a canonical integer fits, LZF when compressing
//                       pays, else raw bytes)
//   list (quicklist)    LIST_QUICKLIST_2, one PACKED listpack per node, node boundaries kept
//   hash listpack/table HASH_LISTPACK / HASH
//   set intset/table    SET_INTSET / SET
//   zset listpack/skip  ZSET_LISTPACK / ZSET_2 (binary doubles, greatest element first)
// The 7.2-only types (SET_LISTPACK, LIST_QUICKLIST with listpack containers) are never written.
//
// Threads: the Append* functions are pure (any thread; the entry must not change meanwhile,
// i.e. call them on the entry's shard thread). RdbFileWriter::AppendRecords may be called from
// several threads at once; Create/Commit/Abort from one thread after all appends returned. The
// writer owns one thread that does the file's writes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "storage/entry.h"

namespace tessera::persistence {

// The aux fields Redis 7.0 writes at the start of a file.
struct RdbAux {
  std::string redis_ver = "7.0.15";
  int redis_bits = 64;
  int64_t ctime = 0;      // seconds since the epoch when the save started
  int64_t used_mem = 0;   // bytes
  bool aof_base = false;  // the file is the base of an AOF (aof-use-rdb-preamble)
};

// --- Encoding primitives (appending to *out).
void AppendRdbLength(uint64_t len, std::string* out);
// Redis's rdbSaveRawString: a canonical integer of up to 11 characters that fits in 32 bits as
// INT8/16/32; else, when `compress` and the string is longer than 20 bytes, LZF if the
// compressed form fits in len - 4 bytes; else the bytes.
void AppendRdbString(std::string_view s, bool compress, std::string* out);
// Redis's rdbSaveLongLongAsStringObject: INT8/16/32 when it fits, else its decimal digits.
void AppendRdbInt64String(int64_t v, std::string* out);
// 8 bytes, IEEE 754 little endian (ZSET_2 scores).
void AppendRdbBinaryDouble(double v, std::string* out);

// --- Records and opcodes.
// One key's record: [EXPIRETIME_MS <ms>] <type> <key> <value>. `compress` is rdbcompression.
// expire_at_ms is storage::kNoExpire when the key has no TTL. Stream values are not supported
// (the record is not written and the function returns false).
bool AppendRdbRecord(const storage::Entry& e, int64_t expire_at_ms, bool compress,
                     std::string* out);
void AppendRdbSelectDb(int db, std::string* out);
void AppendRdbResizeDb(uint64_t keys, uint64_t expires, std::string* out);
void AppendRdbAux(std::string_view key, std::string_view value, std::string* out);
// "REDIS0010" and the aux fields redis-ver, redis-bits, ctime, used-mem, aof-base.
std::string RdbHeader(const RdbAux& aux);

// A whole RDB file assembled from chunks of records written by several threads (one per
// shard). The file only appears under its final name, complete and synced, at Commit().
class RdbFileWriter {
 public:
  // Creates "temp-<pid>-<n>.rdb" in final_path's directory and writes the header. nullptr with
  // *error on failure.
  static std::unique_ptr<RdbFileWriter> Create(std::string final_path, const RdbAux& aux,
                                               std::string* error);
  ~RdbFileWriter();
  RdbFileWriter(const RdbFileWriter&) = delete;
  RdbFileWriter& operator=(const RdbFileWriter&) = delete;

  // Thread-safe and cheap: queues complete records of database `db` (copied), preceded by
  // SELECTDB when `db` differs from the previous chunk's (so a db's SELECTDB may appear several
  // times; Redis's loader and redis-check-rdb accept that). The file's own thread writes them,
  // so an event loop never waits for the disk here. Returns false once a write has failed;
  // error() says why.
  bool AppendRecords(int db, std::string_view records);
  // Bytes queued and not yet written: callers producing records in bulk pause above a bound,
  // so a slow disk holds the snapshot back instead of growing memory.
  uint64_t queued_bytes() const { return queued_bytes_.load(std::memory_order_relaxed); }
  // Waits for the queue to drain, then EOF, the CRC-64 (little endian), fsync, close, rename
  // over the final path, fsync of the directory. False with *error on failure (the temporary
  // file is removed).
  bool Commit(std::string* error);
  // Drops what is queued and removes the temporary file. The destructor does it too unless
  // Commit succeeded.
  void Abort();

  uint64_t bytes_written() const { return bytes_written_.load(std::memory_order_relaxed); }
  std::string error() const;
  const std::string& temp_path() const { return temp_path_; }

 private:
  RdbFileWriter(std::string final_path, std::string temp_path, int fd);
  // Writes everything or records the error. The writer thread, or the caller once it has
  // stopped; holds mu_ only to publish the outcome.
  bool WriteLocked(std::string_view bytes);
  // The writer thread: writes queued chunks in order until stopped.
  void Run();
  // Stops the writer thread; `drain` first lets it write what is queued. Not with mu_ held.
  void StopThread(bool drain);

  const std::string final_path_;
  const std::string temp_path_;
  mutable std::mutex mu_;
  int fd_;            // -1 once closed
  uint64_t crc_ = 0;  // over every byte written so far
  int last_db_ = -1;  // db of the previous chunk
  bool failed_ = false;
  bool finished_ = false;  // committed or aborted
  std::string error_;
  std::atomic<uint64_t> bytes_written_{0};
  std::atomic<uint64_t> queued_bytes_{0};
  std::deque<std::string> queue_;  // guarded by mu_
  std::condition_variable wake_;   // the writer waits for chunks or stop
  std::condition_variable idle_;   // StopThread(drain) waits for the queue to empty
  bool writing_ = false;           // a chunk is being written outside mu_
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tessera::persistence
