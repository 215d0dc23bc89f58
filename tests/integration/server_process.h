// Integration-test harness: runs a real server binary on a free loopback port and talks to it.
//
// The binary is tessera-server from the build (compile definition TESSERA_SERVER_BINARY) unless
// the environment names another with TESSERA_TEST_SERVER, e.g. /usr/bin/redis-server: every
// integration test must pass against Redis too, which is how we know the test itself is right.
//
// Everything here is used from the test's main thread, except RawClient and the hiredis helpers,
// which may be used from any thread as long as one object stays on one thread.
#pragma once

#include <hiredis/hiredis.h>
#include <sys/types.h>

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp_reader.h"

namespace tessera::integration {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How long a harness wait may take before the test fails. Sanitizer builds start and answer
// several times slower than release builds, so the defaults are generous; none of them is a
// sleep: every wait returns as soon as its condition holds.
milliseconds DefaultTimeout();

// The server binary under test: $TESSERA_TEST_SERVER, else TESSERA_SERVER_BINARY.
std::string ServerUnderTest();
// The reference server for differential tests: $TESSERA_REFERENCE_SERVER, else
// /usr/bin/redis-server.
std::string ReferenceServer();
// True when `binary` is a Redis build (its file name starts with "redis-server"); the harness
// then passes only directives Redis understands.
bool IsRedisBinary(const std::string& binary);

// A TCP port on 127.0.0.1 that nobody was listening on a moment ago. Another process may take it
// before the server binds it; ServerProcess::Start retries with a fresh port when that happens.
int PickFreePort();

// The command line every test server starts from: the binary, and for Tessera the shipped config
// (so the tests also prove it loads; later flags override it) and several shards even on a
// one-core machine (TESSERA_TEST_THREADS, default 4), so cross-shard paths are exercised.
std::vector<std::string> BaseServerArgs(const std::string& binary);

// Forks and execs `args` (argv[0] is the binary) with stdout and stderr to `log_path` (truncated)
// and stdin from /dev/null. The child dies with the test process and inherits no other
// descriptor. Returns its pid, or -1 with *error set.
pid_t SpawnServer(const std::vector<std::string>& args, const std::string& log_path,
                  std::string* error);

// Adds a test failure for a sanitizer report in a server's log (sanitizer builds print their
// findings there and may keep serving). Returns whether there was one.
bool ReportSanitizerFindings(const std::string& binary, const std::string& log);

// One server child process. Not copyable; the destructor stops and reaps it.
class ServerProcess {
 public:
  explicit ServerProcess(std::string binary = ServerUnderTest());
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the server on a free port with `extra_args` (redis-server syntax, e.g.
  // {"--proto-max-bulk-len", "1mb"}) and waits until it answers PING. On failure returns false
  // and fills *error with the reason and the server's log.
  bool Start(const std::vector<std::string>& extra_args = {}, std::string* error = nullptr);
  // SIGTERM, then SIGKILL if it has not exited within the timeout; always reaps the child.
  // Returns the raw wait status (0 when it was not running). A crash or a sanitizer report in
  // the server's log is added to the current test as a failure.
  int Stop();
  // True while the child has not exited (reaps it if it has).
  bool Running();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& binary() const { return binary_; }
  bool is_redis() const { return IsRedisBinary(binary_); }
  // Everything the server wrote to stdout/stderr so far.
  std::string Log() const;

 private:
  bool StartOnce(const std::vector<std::string>& extra_args, std::string* error);
  // Bookkeeping once the child is reaped; reports crashes and sanitizer findings as test
  // failures.
  void Reaped(int status, bool stopped_by_us);

  std::string binary_;
  std::string log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// ---- hiredis (RESP2 only in Debian's 0.14) ----

struct RedisContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct RedisReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisContextPtr = std::unique_ptr<redisContext, RedisContextDeleter>;
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyDeleter>;

// Connects with a connect and read timeout of DefaultTimeout(); returns nullptr on failure.
RedisContextPtr ConnectHiredis(int port);
// Runs one command given as separate arguments (binary-safe).
RedisReplyPtr Command(redisContext* c, const std::vector<std::string>& args);
// Queues one command without waiting for its reply (for pipelines).
void AppendCommand(redisContext* c, const std::vector<std::string>& args);
RedisReplyPtr GetReply(redisContext* c);

// ---- raw sockets, for exact bytes and RESP3 ----

// Concatenates the pieces. Used instead of `"literal" + std::string`, on which GCC 12 at -O3
// reports a false -Wrestrict (GCC bug 105329) that -Werror turns into a build failure.
std::string StrCat(std::initializer_list<std::string_view> parts);

// Encodes a command as a RESP multibulk.
std::string EncodeCommand(const std::vector<std::string>& args);
// Escapes bytes for messages: printable ASCII as is, \r \n and others as \xHH.
std::string EscapeBytes(std::string_view bytes);

// A blocking-free client socket with deadlines on every read, decoding with RespReader.
class RawClient {
 public:
  RawClient() = default;
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool Connect(int port);
  bool connected() const { return fd_ >= 0; }
  void Close();

  // Writes all bytes (waiting for the socket to drain, up to the default timeout). Returns false
  // if the peer closed the connection or the deadline passed.
  bool SendRaw(std::string_view bytes);
  bool Send(const std::vector<std::string>& args) { return SendRaw(EncodeCommand(args)); }

  // Reads one reply. Returns false on timeout, EOF before a whole reply, or a malformed reply;
  // last_error() says which. `raw` receives the reply's exact bytes.
  bool Read(protocol::RespValue* value, std::string* raw = nullptr,
            milliseconds timeout = DefaultTimeout());
  // Send + Read. On failure returns a kError value whose text starts with "HARNESS:".
  protocol::RespValue Call(const std::vector<std::string>& args, std::string* raw = nullptr);

  // Waits for the server to close the connection. Returns true on EOF or reset; any bytes that
  // arrive first are appended to *rest (when given) and do not count as closing.
  bool WaitClosed(std::string* rest = nullptr, milliseconds timeout = DefaultTimeout());

  const std::string& last_error() const { return last_error_; }

 private:
  // Reads what is available into the reader, waiting up to `deadline`. 1: got bytes, 0: EOF,
  // -1: timeout or error.
  int Fill(Clock::time_point deadline, std::string* sink);

  int fd_ = -1;
  protocol::RespReader reader_;
  std::string last_error_;
};

}  // namespace tessera::integration
