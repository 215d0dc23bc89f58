// Reads one AOF file (a RESP multi-bulk command stream) for replay at startup.
//
// Next() hands out one command at a time through a 64 KiB read buffer, so a file of any size
// loads in bounded memory beyond the command itself. Bulk bytes are read as they arrive rather
// than reserved at the announced length, so a torn or corrupt length cannot make the reader
// allocate gigabytes it never fills.
//
// Outcomes, mirroring Redis's loader:
//   kCommand    one complete command in `args`. MULTI and EXEC come through as commands: the
//               caller queues what is between them and runs it at EXEC, as Redis's loader does.
//   kEnd        the file ended cleanly after a complete command (or is empty).
//   kTruncated  the file ends in the middle of a command, or after a MULTI that has no EXEC.
//               valid_offset() is where the last complete command (outside an open MULTI) ended:
//               the caller logs, discards any queued transaction, TruncateTo(path,
//               valid_offset()) when aof-load-truncated is yes (Redis's default) and goes on.
//               Redis only tolerates this in the last file it loads; that check is the caller's.
//   kError      anything malformed: not an array, a bad count or length, a missing CRLF,
//               garbage. error() is "Bad file format reading the append only file <name> at
//               offset N", N being where the bad command starts; read errors say so too.
// Lines starting with '#' between commands are skipped (Redis's "#TS:" annotations).
//
// An RDB base, or a pre-7.0 AOF with an RDB preamble, starts with "REDIS": Open() reports it in
// rdb_preamble() and Next() refuses to parse it. The caller hands the file to the RDB reader,
// which knows where the RDB ends (after its EOF opcode and checksum); if bytes remain the caller
// reopens with that start offset and reads the RESP tail here.
//
// Not thread-safe: one reader per file, used by one thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/command_args.h"

namespace tessera::persistence {

class AofReader {
 public:
  enum class Result { kCommand, kEnd, kTruncated, kError };

  AofReader() = default;
  ~AofReader();
  AofReader(const AofReader&) = delete;
  AofReader& operator=(const AofReader&) = delete;

  // Opens `path` and positions at `start_offset`. `display_name` names the file in messages
  // (Redis uses the bare file name). Returns false with error() set.
  bool Open(const std::string& path, std::string display_name, uint64_t start_offset = 0);

  Result Next(protocol::CommandArgs* args);
  Result Next(std::vector<std::string>* args);

  // The file (from start_offset) begins with the RDB magic "REDIS".
  bool rdb_preamble() const { return rdb_preamble_; }
  // Offset just past the last command returned (includes commands inside an open MULTI).
  uint64_t offset() const { return command_end_; }
  // Where a truncated file should be cut: the end of the last complete command not inside an
  // unfinished MULTI. Meaningful after any result.
  uint64_t valid_offset() const { return in_multi_ ? multi_start_ : command_end_; }
  // Where the malformed command starts, after kError, and what was wrong there (for logs).
  uint64_t error_offset() const { return error_offset_; }
  const char* error_detail() const { return error_detail_; }
  const std::string& error() const { return error_; }
  uint64_t commands_read() const { return commands_; }

 private:
  enum class Fill { kOk, kEof, kError };
  // Makes at least `n` unread bytes available in buf_ (n <= buffer size).
  Fill Ensure(size_t n);
  // Reads "<prefix><integer>\r\n". kEof on a clean end of file inside the line.
  Result ReadHeader(char prefix, int64_t* value);
  Result ReadBulk(int64_t len, protocol::CommandArgs* args);
  Result Fail(const char* detail);
  Result ReadFail();
  uint64_t pos() const { return buf_offset_ + head_; }

  int fd_ = -1;
  std::string name_;
  std::string buf_;
  size_t head_ = 0;          // next unread byte in buf_
  size_t tail_ = 0;          // end of valid bytes in buf_
  uint64_t buf_offset_ = 0;  // file offset of buf_[0]
  uint64_t command_start_ = 0;
  uint64_t command_end_ = 0;
  bool in_multi_ = false;
  uint64_t multi_start_ = 0;
  bool rdb_preamble_ = false;
  bool done_ = false;
  uint64_t commands_ = 0;
  uint64_t error_offset_ = 0;
  const char* error_detail_ = "";
  std::string error_;
};

// Appends `args` as a RESP multi-bulk command ("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"), the record
// format of AOF files. For tests and for the engine's propagation.
void AppendRespCommand(std::string* out, std::initializer_list<std::string_view> args);
void AppendRespCommand(std::string* out, const protocol::CommandArgs& args);

}  // namespace tessera::persistence
