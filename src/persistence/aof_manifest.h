// The multi-part AOF manifest (Redis 7.0): the list of files that together hold the dataset.
//
// On disk it is `<dir>/<appenddirname>/<appendfilename>.manifest`, one file per line:
//
//   file appendonly.aof.2.base.rdb seq 2 type b
//   file appendonly.aof.1.incr.aof seq 1 type h
//   file appendonly.aof.2.incr.aof seq 2 type i
//
// Type b is the base (an RDB or a RESP command stream), h a history file (obsolete after a
// rewrite, waiting to be deleted), i an incremental RESP file. Loading replays the base and then
// the incr files in manifest order. Parse() accepts exactly what Redis 7.0 accepts (checked
// against redis-server 7.0.15): '#' comment lines, keys in any order, unknown keys ignored, names
// quoted like redis-cli arguments; a blank line, an odd number of tokens, a missing key, a seq
// that is not a positive integer, a name with '/', a second base or incr seqs that do not grow
// are errors, reported with the line like Redis logs them.
//
// Plain values, no I/O except WriteManifestFile/ReadManifestFile. Not thread-safe; owned by one
// thread at a time (AofDir's owner).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::persistence {

enum class AofFileType : char { kBase = 'b', kHistory = 'h', kIncr = 'i' };

struct AofFileInfo {
  std::string name;  // a bare file name inside the AOF directory, never a path
  int64_t seq = 0;   // >= 1; base and incr files count separately
  AofFileType type = AofFileType::kIncr;

  bool operator==(const AofFileInfo&) const = default;
};

struct AofManifest {
  std::optional<AofFileInfo> base;
  std::vector<AofFileInfo> history;  // in manifest order
  std::vector<AofFileInfo> incrs;    // in replay order; seqs strictly increase

  bool empty() const { return !base && incrs.empty(); }
  // The seq the next base / incr file gets: one past the current ones (Redis numbers them the
  // same way, so a base and the incr opened with it usually share a number).
  int64_t NextBaseSeq() const { return base ? base->seq + 1 : 1; }
  int64_t NextIncrSeq() const { return incrs.empty() ? 1 : incrs.back().seq + 1; }

  bool operator==(const AofManifest&) const = default;
};

// Redis's longest manifest line (including its '\n'); longer lines are rejected on load.
inline constexpr size_t kAofManifestMaxLine = 1024;

// Parses manifest text. On failure returns false and sets `error` to Redis's message: either one
// line ("Found an empty AOF manifest", "The AOF manifest file contains too long line") or three
// lines, the way Redis logs them:
//   Reading the manifest file, at line 2
//   >>> 'file appendonly.aof.1.incr.aof seq 1'
//   Invalid AOF manifest file format
bool ParseAofManifest(std::string_view text, AofManifest* out, std::string* error);

// Serializes in Redis's order: base, history, incrs. Names that need it are double-quoted with
// escapes, so Parse(Serialize(m)) == m for every name without '/'.
std::string SerializeAofManifest(const AofManifest& manifest);

// Reads and parses `path`. A missing file is an error with `*missing` set to true, so the caller
// can tell "no AOF yet" from a broken one.
bool ReadAofManifestFile(const std::string& path, AofManifest* out, bool* missing,
                         std::string* error);

// Writes the manifest atomically: `<dir>/temp-<name>` is written and fsynced, renamed over
// `<dir>/<name>`, and `dir` is fsynced, so after a crash the manifest is the old one or the new
// one, never a mix. Blocking I/O.
bool WriteAofManifestFile(const std::string& dir, const std::string& name,
                          const AofManifest& manifest, std::string* error);

// Helpers shared with AofDir: fsync a directory (so creates, renames and unlinks in it are
// durable) and a whole file by path.
bool FsyncDirectory(const std::string& dir, std::string* error);
bool FsyncPath(const std::string& path, std::string* error);

}  // namespace tessera::persistence
