// Incremental request parser: RESP multibulk and inline commands.
//
// Any split of the byte stream yields the same commands and the same error: the parser keeps its
// position inside a command between calls, consuming bytes as it goes, so a bulk's bytes are
// copied into its CommandArgs as they arrive and never rescanned. A bulk whose body is not all
// there yet reserves at most 1 MB up front and grows with what the client actually sends.
//
// Two paths, one outcome. A multibulk that starts a call complete and in the plain form every
// client sends (see ParseWholeMultibulk) is taken in one pass with no state kept; anything else
// (partial, inline, over a limit, malformed) goes through the incremental state machine, which
// alone produces errors. The fast path accepts only what the incremental path would accept, with
// the same result, so a stream parsed whole (fast) and byte by byte (never fast) must agree;
// the unit tests and the fuzz target check exactly that.
// Errors carry Redis 7.0's exact text; after an error the connection must be closed once the
// error reply is written, as Redis does.
//
// Where Redis's outcome depends on how much happened to be buffered, the parser picks the
// split-independent rule: a header or inline line longer than max_inline_len is "too big" even if
// its end arrived in the same read. Redis's strchr() stops at NUL bytes; here NUL is an ordinary
// byte in headers (so "*1\0\r\n" is an invalid length instead of a stall), and it ends the
// arguments of an inline line as it would for sdssplitargs().
//
// One parser per connection, used by that connection's thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/command_args.h"

namespace tessera::protocol {

struct ParserLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;        // proto-max-bulk-len
  int64_t max_multibulk_len = 1024LL * 1024 * 1024;  // Redis: INT_MAX; kept configurable
  size_t max_inline_len = 64 * 1024;                 // PROTO_INLINE_MAX_SIZE
  // Before AUTH succeeds Redis refuses multibulk counts > 10 and bulks > 16384 bytes.
  bool authenticated = true;
};

class RespParser {
 public:
  enum class Status {
    kNeedMore,  // all input consumed or a partial command buffered in the parser's state
    kCommand,   // *out holds a complete command
    kError,     // protocol error; error() has the reply text; the connection must close
  };

  explicit RespParser(const ParserLimits* limits) : limits_(limits) {}

  // Parses from data[0, len). Sets *consumed to the number of bytes used (they may be discarded
  // by the caller). Returns kCommand at most once per call; call again with the rest. kNeedMore
  // always consumes all of the input. *out is replaced only when kCommand is returned (its old
  // buffers are recycled for the next command).
  // Empty inline lines and "*0"/"*-1" multibulks are skipped, as Redis skips them.
  Status Parse(const char* data, size_t len, size_t* consumed, CommandArgs* out);

  // Error text without '-' and CRLF, e.g. "ERR Protocol error: invalid bulk length".
  const std::string& error() const { return error_; }

  // True when the parser holds part of a command (for query-buffer accounting).
  bool mid_command() const { return state_ != State::kIdle; }
  // Bytes the parser is holding for the command being assembled (query buffer accounting).
  size_t buffered_bytes() const;

  void Reset();

 private:
  enum class State {
    kIdle,            // between commands
    kInline,          // inside an inline line; line_ holds its bytes so far
    kMultibulkCount,  // inside "*<n>\r\n"; line_ holds the header so far
    kBulkHeader,      // inside "$<n>\r\n"; line_ holds the header so far
    kBulkBody,        // copying bulk_left_ more bytes into the last argument of partial_
    kBulkCrlf,        // skipping crlf_left_ bytes after a bulk body
    kError,           // a protocol error was returned; only Reset() leaves this state
  };
  enum class LineResult { kLine, kNeedMore, kError };

  // The fast path: a complete plain multibulk at *p goes into *out and *p moves past it. Returns
  // false, changing nothing, when the incremental path must decide.
  bool ParseWholeMultibulk(const char** p, const char* end, CommandArgs* out) const;
  // The general path: the state machine over headers, bodies and inline lines.
  Status ParseIncremental(const char* data, size_t len, size_t* consumed, CommandArgs* out);

  LineResult ReadHeaderLine(const char** p, const char* end, const char* too_big,
                            std::string_view* line);
  LineResult ReadInlineLine(const char** p, const char* end, std::string_view* line);
  // Handles a complete "$<n>" header; may consume the body too when it is all in [p, end).
  bool StartBulk(std::string_view header, const char** p, const char* end);
  Status Fail(std::string message);

  const ParserLimits* limits_;
  State state_ = State::kIdle;
  // Partial header or inline line carried across calls. Invariant for headers: it never holds a
  // '\r' except as its last byte, which means the line is complete and the byte after the
  // '\r' (which Redis skips without looking at it) has not arrived yet.
  std::string line_;
  int64_t args_left_ = 0;  // multibulk arguments still to read, counting the current one
  int64_t bulk_left_ = 0;  // bytes of the current bulk still to copy
  int crlf_left_ = 0;      // bytes of the current bulk's terminator still to skip
  CommandArgs partial_;    // the command being assembled
  std::string error_;
};

}  // namespace tessera::protocol
