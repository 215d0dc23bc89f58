#include "tests/integration/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#ifndef TESSERA_SERVER_BINARY
#define TESSERA_SERVER_BINARY "tessera-server"
#endif

namespace tessera::integration {
namespace {

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Waits for `events` on fd until the deadline; true when ready.
bool WaitFd(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, RemainingMs(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

// Blocking connect to 127.0.0.1:port; -1 on failure.
int ConnectLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

std::string Basename(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

milliseconds DefaultTimeout() {
  if (const char* env = std::getenv("TESSERA_TEST_TIMEOUT_MS")) return milliseconds(atoi(env));
  return milliseconds(30000);
}

std::string ServerUnderTest() {
  if (const char* env = std::getenv("TESSERA_TEST_SERVER"); env && *env) return env;
  return TESSERA_SERVER_BINARY;
}

std::string ReferenceServer() {
  if (const char* env = std::getenv("TESSERA_REFERENCE_SERVER"); env && *env) return env;
  return "/usr/bin/redis-server";
}

bool IsRedisBinary(const std::string& binary) {
  return Basename(binary).rfind("redis-server", 0) == 0;
}

int PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;  // the kernel picks an unused ephemeral port
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// ---- ServerProcess ----

ServerProcess::ServerProcess(std::string binary) : binary_(std::move(binary)) {}

ServerProcess::~ServerProcess() {
  Stop();
  if (!log_path_.empty()) unlink(log_path_.c_str());
}

std::string ServerProcess::Log() const {
  if (log_path_.empty()) return "";
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ServerProcess::Start(const std::vector<std::string>& extra_args, std::string* error) {
  std::string errors;
  // A free port can be taken by someone else between PickFreePort and the server's bind; the
  // server then exits at once, and a fresh port almost always works.
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::string err;
    if (StartOnce(extra_args, &err)) return true;
    errors += "attempt " + std::to_string(attempt + 1) + ": " + err + "\n";
    Stop();
  }
  if (error) *error = errors;
  return false;
}

bool ServerProcess::StartOnce(const std::vector<std::string>& extra_args, std::string* error) {
  port_ = PickFreePort();
  if (port_ <= 0) {
    *error = "no free port";
    return false;
  }
  if (log_path_.empty()) {
    char tmpl[] = "/tmp/tessera-it-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) {
      *error = std::string("mkstemp: ") + strerror(errno);
      return false;
    }
    close(fd);
    log_path_ = tmpl;
  }

  std::vector<std::string> args = BaseServerArgs(binary_);
  if (IsRedisBinary(binary_)) args.insert(args.end(), {"--save", "", "--appendonly", "no"});
  args.insert(args.end(), {"--port", std::to_string(port_), "--bind", "127.0.0.1"});
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  const pid_t pid = SpawnServer(args, log_path_, error);
  if (pid < 0) return false;
  pid_ = pid;

  // Ready when a connection is accepted and PING is answered; a child that exits first failed.
  auto deadline = Clock::now() + DefaultTimeout();
  while (Clock::now() < deadline) {
    if (!Running()) {
      *error = "server exited during startup; log:\n" + Log();
      return false;
    }
    RawClient probe;
    if (probe.Connect(port_)) {
      protocol::RespValue v = probe.Call({"PING"});
      // A password-protected server answers NOAUTH, which proves it is serving just as well.
      if (v.type == protocol::RespValue::Type::kSimpleString && v.str == "PONG") return true;
      if (v.is_error() && v.str.rfind("NOAUTH", 0) == 0) return true;
      *error = "PING answered " + protocol::DebugString(v) + "; log:\n" + Log();
      return false;
    }
    // Polling interval while the server binds; the loop ends as soon as it accepts.
    std::this_thread::sleep_for(milliseconds(5));
  }
  *error = "server did not accept connections in time; log:\n" + Log();
  return false;
}

bool ServerProcess::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  Reaped(status, /*stopped_by_us=*/false);
  return false;
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return 0;
  kill(pid_, SIGTERM);
  int status = 0;
  auto deadline = Clock::now() + DefaultTimeout();
  while (Clock::now() < deadline) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno != EINTR)) {
      Reaped(status, /*stopped_by_us=*/true);
      return status;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  ADD_FAILURE() << binary_ << " did not exit within " << DefaultTimeout().count()
                << " ms of SIGTERM; killed";
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

void ServerProcess::Reaped(int status, bool stopped_by_us) {
  pid_ = -1;
  // A crash, or a sanitizer report, fails the running test even when every reply was right:
  // sanitizer builds of the server print their findings to the log and may keep serving.
  if (WIFSIGNALED(status) && !(stopped_by_us && WTERMSIG(status) == SIGTERM)) {
    ADD_FAILURE() << binary_ << " died from signal " << WTERMSIG(status) << "; log:\n" << Log();
    return;
  }
  ReportSanitizerFindings(binary_, Log());
}

std::vector<std::string> BaseServerArgs(const std::string& binary) {
  std::vector<std::string> args = {binary};
  if (IsRedisBinary(binary)) return args;
#ifdef TESSERA_CONF_FILE
  args.push_back(TESSERA_CONF_FILE);
#endif
  const char* threads = std::getenv("TESSERA_TEST_THREADS");
  args.insert(args.end(), {"--threads", threads && *threads ? threads : "4"});
  return args;
}

pid_t SpawnServer(const std::vector<std::string>& args, const std::string& log_path,
                  std::string* error) {
  std::vector<std::string> owned = args;
  std::vector<char*> argv;
  for (auto& a : owned) argv.push_back(a.data());
  argv.push_back(nullptr);
  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("fork: ") + strerror(errno);
    close(log_fd);
    close(null_fd);
    return -1;
  }
  if (pid == 0) {
    // Only async-signal-safe calls until exec. The server must not outlive a crashed test run.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    // Sockets the test holds (hiredis opens them without CLOEXEC) must not stay open in the
    // server, or closing them in the test would not close the connection.
    close_range(3, ~0U, 0);
    execv(argv[0], argv.data());
    const char msg[] = "exec failed\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  close(log_fd);
  close(null_fd);
  return pid;
}

bool ReportSanitizerFindings(const std::string& binary, const std::string& log) {
  for (const char* marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                             "WARNING: ThreadSanitizer", "runtime error:"}) {
    if (log.find(marker) != std::string::npos) {
      ADD_FAILURE() << binary << " reported \"" << marker << "\"; log:\n" << log;
      return true;
    }
  }
  return false;
}

// ---- hiredis ----

RedisContextPtr ConnectHiredis(int port) {
  auto t = DefaultTimeout().count();
  timeval tv{static_cast<time_t>(t / 1000), static_cast<suseconds_t>((t % 1000) * 1000)};
  RedisContextPtr c(redisConnectWithTimeout("127.0.0.1", port, tv));
  if (!c || c->err) return nullptr;
  if (redisSetTimeout(c.get(), tv) != REDIS_OK) return nullptr;
  return c;
}

namespace {
struct ArgvView {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  explicit ArgvView(const std::vector<std::string>& args) {
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
  }
};
}  // namespace

RedisReplyPtr Command(redisContext* c, const std::vector<std::string>& args) {
  ArgvView v(args);
  return RedisReplyPtr(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(args.size()), v.argv.data(), v.lens.data())));
}

void AppendCommand(redisContext* c, const std::vector<std::string>& args) {
  ArgvView v(args);
  redisAppendCommandArgv(c, static_cast<int>(args.size()), v.argv.data(), v.lens.data());
}

RedisReplyPtr GetReply(redisContext* c) {
  void* reply = nullptr;
  if (redisGetReply(c, &reply) != REDIS_OK) return nullptr;
  return RedisReplyPtr(static_cast<redisReply*>(reply));
}

// ---- raw sockets ----

std::string StrCat(std::initializer_list<std::string_view> parts) {
  size_t size = 0;
  for (std::string_view p : parts) size += p.size();
  std::string out;
  out.reserve(size);
  for (std::string_view p : parts) out.append(p);
  return out;
}

std::string EncodeCommand(const std::vector<std::string>& args) {
  std::string out = StrCat({"*", std::to_string(args.size()), "\r\n"});
  for (const auto& a : args) {
    out += StrCat({"$", std::to_string(a.size()), "\r\n"});
    out += a;
    out += "\r\n";
  }
  return out;
}

std::string EscapeBytes(std::string_view bytes) {
  std::string out;
  for (unsigned char ch : bytes) {
    if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\\') {
      out += "\\\\";
    } else if (ch >= 0x20 && ch < 0x7f) {
      out += static_cast<char>(ch);
    } else {
      char buf[5];
      snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
    }
  }
  return out;
}

RawClient::~RawClient() { Close(); }

bool RawClient::Connect(int port) {
  Close();
  fd_ = ConnectLoopback(port);
  if (fd_ < 0) {
    last_error_ = std::string("connect: ") + strerror(errno);
    return false;
  }
  fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  reader_ = protocol::RespReader();
  return true;
}

void RawClient::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool RawClient::SendRaw(std::string_view bytes) {
  auto deadline = Clock::now() + DefaultTimeout();
  while (!bytes.empty()) {
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFd(fd_, POLLOUT, deadline)) {
        last_error_ = "send timed out";
        return false;
      }
      continue;
    }
    last_error_ = std::string("send: ") + strerror(errno);
    return false;
  }
  return true;
}

int RawClient::Fill(Clock::time_point deadline, std::string* sink) {
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      if (sink) {
        sink->append(buf, static_cast<size_t>(n));
      } else {
        reader_.Feed(std::string_view(buf, static_cast<size_t>(n)));
      }
      return 1;
    }
    if (n == 0) return 0;
    if (errno == EINTR) continue;
    if (errno == ECONNRESET) return 0;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      last_error_ = std::string("recv: ") + strerror(errno);
      return -1;
    }
    if (!WaitFd(fd_, POLLIN, deadline)) {
      last_error_ = "timed out waiting for the server";
      return -1;
    }
  }
}

bool RawClient::Read(protocol::RespValue* value, std::string* raw, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    switch (reader_.Next(value, raw)) {
      case protocol::RespReader::Status::kValue:
        return true;
      case protocol::RespReader::Status::kError:
        last_error_ = "malformed reply: " + reader_.error();
        return false;
      case protocol::RespReader::Status::kNeedMore:
        break;
    }
    if (fd_ < 0) {
      last_error_ = "not connected";
      return false;
    }
    int r = Fill(deadline, nullptr);
    if (r == 0) {
      last_error_ = "connection closed by the server";
      return false;
    }
    if (r < 0) return false;
  }
}

protocol::RespValue RawClient::Call(const std::vector<std::string>& args, std::string* raw) {
  protocol::RespValue v;
  if (!Send(args) || !Read(&v, raw)) {
    v = protocol::RespValue();
    v.type = protocol::RespValue::Type::kError;
    v.str = "HARNESS: " + last_error_;
  }
  return v;
}

bool RawClient::WaitClosed(std::string* rest, milliseconds timeout) {
  // Replies already buffered but not read by the test count as bytes that came before EOF.
  protocol::RespValue v;
  std::string raw;
  while (reader_.Next(&v, &raw) == protocol::RespReader::Status::kValue) {
    if (rest) *rest += raw;
  }
  if (reader_.buffered() > 0 && rest) *rest += "<partial reply buffered>";
  auto deadline = Clock::now() + timeout;
  std::string sink;
  for (;;) {
    int r = Fill(deadline, &sink);
    if (r == 0) {
      if (rest) *rest += sink;
      return true;
    }
    if (r < 0) {
      if (rest) *rest += sink;
      return false;
    }
  }
}

}  // namespace tessera::integration
