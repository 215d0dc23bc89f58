// The multi-part AOF directory, `<dir>/<appenddirname>/`, and the protocol that keeps it
// loadable through rewrites and crashes (Redis 7.0's layout, so redis-check-aof and redis-server
// read our directories and we read theirs).
//
// Files: `<appendfilename>.<seq>.base.rdb|aof` (at most one base),
// `<appendfilename>.<seq>.incr.aof` (RESP commands appended since the base), the manifest
// `<appendfilename>.manifest` naming them, and short-lived `temp-*` files that Open() deletes.
//
// Rewrite protocol, and what a crash between its steps leaves behind:
//
//   BeginRewrite()  1. create incr N+1 (empty), fsync it and the directory;
//                   2. persist the manifest: base, incr..N, incr N+1.
//                   The caller then points the AofWriter at incr N+1 (AofWriter::SwitchTo) at the
//                   same instant the snapshot for the new base is cut, and writes that snapshot
//                   to temp_base_path.
//     crash after 1: incr N+1 is an empty orphan the manifest does not name; the old manifest
//                   still lists every file that received writes. The next StartIncr() reuses the
//                   name (O_TRUNC is safe: nothing was ever appended to it).
//     crash after 2: manifest = old base + all incrs, so loading replays every write; the
//                   half-written temp base is deleted by the next Open().
//   CommitRewrite() 3. fsync the temp base, rename it to base M+1, fsync the directory;
//                   4. persist the manifest: base M+1, history = old base + incr..N, incr N+1;
//                   5. unlink the history files, fsync the directory, persist the manifest
//                      without them.
//     crash after 3: the old manifest is still in force (old base + all incrs): every write is
//                   loaded; base M+1 is an orphan overwritten by the next commit's rename.
//     crash after 4: new base + incr N+1, which is every write too: the base holds everything
//                   that went to incr..N (that is the snapshot contract above) and incr N+1 the
//                   rest. Leftover history files are deleted by the next Open().
//     crash in 5:    same as after 4; history entries whose files are gone are dropped on Open().
//   AbortRewrite()  deletes the temp base. The manifest keeps incr N+1 as one more incr file,
//                   which is correct (it is where writes are going) and what Redis does too.
//
// The whole scheme rests on one invariant: **a file that has ever received an appended byte is
// named by the persisted manifest as base or incr until a persisted manifest names a base that
// contains those writes.** Every method persists the manifest before handing out a file to
// write commands into, and removes files only after a manifest that no longer needs them is on
// disk.
//
// The snapshot contract (the caller's side): every record appended before SwitchTo() must be
// reflected in the new base and none appended after it, otherwise replaying incr N+1 on top of
// the base applies some commands twice (INCR) or misses some.
//
// Threads: not thread-safe. One owner thread (the persistence coordinator) calls everything;
// all methods do blocking file I/O (fsync, rename), so keep them off latency-critical loops
// or accept the stall, as Redis does in its main thread at rewrite end.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "src/persistence/aof_manifest.h"

namespace tessera::persistence {

// One file to replay at startup, in order.
struct AofLoadFile {
  std::string path;  // <dir>/<appenddirname>/<name>
  std::string name;
  AofFileType type = AofFileType::kIncr;  // kBase or kIncr
  // The base's name ends in ".rdb". A hint only: a base upgraded from a pre-7.0 single AOF is
  // named like the old file and may still start with an RDB preamble. AofReader::rdb_preamble()
  // is what decides how to read a file.
  bool rdb_by_name = false;
};

struct AofDiskSizes {
  uint64_t base = 0;   // aof_base_size
  uint64_t total = 0;  // aof_current_size: base + every incr file
};

class AofDir {
 public:
  // Opens `<dir>/<appenddirname>`, creating the directory if needed (`dir` must exist), reads
  // the manifest, finishes any interrupted upgrade or cleanup and checks that every listed base
  // and incr file exists. With no manifest and a pre-7.0 `<dir>/<appendfilename>` present, moves
  // it in as the base (Redis 7.0's upgrade: manifest first, then the rename, so a crash between
  // the two is recognised and finished next time). Returns null with Redis-style `error` text.
  static std::unique_ptr<AofDir> Open(const std::string& dir, const std::string& appenddirname,
                                      const std::string& appendfilename, std::string* error);

  ~AofDir();
  AofDir(const AofDir&) = delete;
  AofDir& operator=(const AofDir&) = delete;

  const std::string& path() const { return path_; }
  std::string manifest_path() const { return path_ + "/" + manifest_name_; }
  const AofManifest& manifest() const { return manifest_; }
  // True when Open() moved a pre-7.0 single-file AOF into the directory.
  bool upgraded() const { return upgraded_; }

  // Base first (if any), then every incr file in manifest order. Empty for a fresh directory.
  std::vector<AofLoadFile> FilesToLoad() const;

  // Creates the next incr file, lists it in the persisted manifest and returns it opened for
  // appending (O_APPEND); -1 and `error` on failure, with the manifest unchanged. For turning AOF
  // on with an existing dataset the caller should rather BeginRewrite() (so a base is written);
  // with an empty dataset an incr alone is a valid AOF (Redis loads a manifest without base).
  int StartIncr(std::string* error);
  // Reopens the last incr file for appending after a restart (after loading, and after any
  // TruncateTo); starts one if the manifest has none. `*size` receives its current length.
  int OpenLastIncr(uint64_t* size, std::string* error);

  struct RewriteStart {
    std::string temp_base_path;  // where the caller writes the new base
    int incr_fd = -1;            // the new incr file, for AofWriter::SwitchTo
  };
  // Steps 1-2 above. Fails if a rewrite is already in progress.
  bool BeginRewrite(RewriteStart* out, std::string* error);
  // Steps 3-5. `base_is_rdb` picks the suffix (.rdb for an RDB base, .aof for a RESP one). The
  // caller has finished writing temp_base_path (it is fsynced here regardless). On failure the
  // previous manifest stays in force and the rewrite is over (the temp base is deleted).
  bool CommitRewrite(bool base_is_rdb, std::string* error);
  // Gives up on the rewrite in progress: deletes the temp base. The new incr stays listed.
  void AbortRewrite();
  bool rewrite_in_progress() const { return rewrite_incr_seq_ != 0; }

  // stat() of the base and incr files, for INFO persistence.
  AofDiskSizes DiskSizes() const;

  // The names Redis gives these files.
  std::string BaseName(int64_t seq, bool rdb) const;
  std::string IncrName(int64_t seq) const;

 private:
  AofDir(std::string path, std::string appendfilename);
  bool Persist(const AofManifest& m, std::string* error);
  bool NameInManifest(const std::string& name) const;
  // Unlinks the history files and persists a manifest without them (step 5). Best effort: a
  // failure leaves them listed as history, to be retried by the next Open().
  void DeleteHistory();
  std::string TempBasePath() const;

  std::string path_;
  std::string appendfilename_;
  std::string manifest_name_;
  AofManifest manifest_;
  bool upgraded_ = false;
  int64_t rewrite_incr_seq_ = 0;  // the incr BeginRewrite() opened; 0 = no rewrite
};

// Truncates `path` to `size` bytes and fsyncs it: how the loader drops a torn last command
// (aof-load-truncated yes). Returns false with `error` on failure.
bool TruncateTo(const std::string& path, uint64_t size, std::string* error);

}  // namespace tessera::persistence
