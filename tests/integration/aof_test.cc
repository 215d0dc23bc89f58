// The append-only file against the real binary (4 shards in the harness): SIGKILL in the middle
// of concurrent writes and MULTI transfers must lose no acknowledged write under appendfsync
// always and leave no half transaction under either policy; a torn last record is cut off and a
// corrupt file refuses to load; BGREWRITEAOF under load keeps every write; Debian's redis-server
// and Tessera load each other's AOF directories; and the journal's deterministic rewrites
// (relative TTLs, floats, SPOP, served blocking commands) replay to the data that was there.
//
// Every server gets --dir <fresh temp dir>. A server replaying its AOF answers -LOADING, which
// ServerProcess::Start takes for a failed start (and then stops it and retries), so these tests
// run their servers with AofServer below, which polls through -LOADING and can be SIGKILLed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/integration/reply_helpers.h"
#include "tests/integration/server_process.h"

namespace tessera::integration {
namespace {

namespace fs = std::filesystem;

constexpr int kDatabases = 16;
// The harness runs Tessera with 4 loops; keys are placed as Redis Cluster places slots, dealt
// to the shards in contiguous ranges. Used only to pick keys that live on different shards.
constexpr int kShards = 4;

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/tessera-aof-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
    EXPECT_FALSE(path_.empty()) << "mkdtemp: " << strerror(errno);
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string AofDir() const { return path_ + "/appendonlydir"; }
  std::string Manifest() const { return AofDir() + "/appendonly.aof.manifest"; }

 private:
  std::string path_;
};

void AppendToFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << bytes;
  ASSERT_TRUE(out.good()) << "appending to " << path;
}

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return StrCat({"exit code ", std::to_string(WEXITSTATUS(status))});
  if (WIFSIGNALED(status)) return StrCat({"signal ", std::to_string(WTERMSIG(status))});
  return StrCat({"wait status ", std::to_string(status)});
}

// ---- a server process that may be loading, killed, or refuse to start ----

class AofServer {
 public:
  AofServer(std::string binary, std::string dir)
      : binary_(std::move(binary)), dir_(std::move(dir)) {
    char tmpl[] = "/tmp/tessera-aof-log-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd >= 0) {
      close(fd);
      log_path_ = tmpl;
    }
  }
  ~AofServer() {
    if (pid_ > 0) Kill();
    if (!log_path_.empty()) unlink(log_path_.c_str());
  }
  AofServer(const AofServer&) = delete;
  AofServer& operator=(const AofServer&) = delete;

  bool is_redis() const { return IsRedisBinary(binary_); }
  int port() const { return port_; }
  const std::string& binary() const { return binary_; }
  // The log of the latest start only.
  std::string Log() const { return ReadFile(log_path_); }

  // Starts with --appendonly yes --dir <dir> and `extra`, and waits until PING answers PONG:
  // -LOADING means it is still replaying, so it polls on. False with the reason and the log.
  bool Start(const std::vector<std::string>& extra, std::string* error) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (!Spawn(extra, error)) return false;
      // Replaying a large AOF in a sanitizer build is slow; the wait ends as soon as it serves.
      const auto deadline = Clock::now() + 4 * DefaultTimeout();
      bool retry = false;
      while (Clock::now() < deadline) {
        if (!Running()) {
          std::string log = Log();
          // Someone took the port between PickFreePort and the bind: try a fresh one.
          retry = log.find("Address already in use") != std::string::npos;
          *error = StrCat({"exited during startup (", DescribeStatus(status_), "); log:\n", log});
          break;
        }
        if (RedisContextPtr c = ConnectHiredis(port_)) {
          RedisReplyPtr r = Command(c.get(), {"PING"});
          if (r && r->type == REDIS_REPLY_STATUS && Str(r.get()) == "PONG") return true;
          if (!(r && r->type == REDIS_REPLY_ERROR && Str(r.get()).rfind("LOADING", 0) == 0)) {
            *error = StrCat({"PING answered ", r ? Str(r.get()) : "nothing", "; log:\n", Log()});
            Kill();
            return false;
          }
        }
        std::this_thread::sleep_for(milliseconds(10));  // polling interval while it loads
      }
      if (!retry) {
        if (pid_ > 0) {
          *error = StrCat({"not serving in time; log:\n", Log()});
          Kill();
        }
        return false;
      }
    }
    return false;
  }

  // Starts a server that is expected to refuse to start; returns its wait status once it exited
  // by itself, or -1 (after killing it) if it started serving or outlived the deadline.
  int StartExpectingExit(const std::vector<std::string>& extra) {
    std::string error;
    if (!Spawn(extra, &error)) {
      ADD_FAILURE() << error;
      return -1;
    }
    bool served = false;
    PollUntil(
        [&] {
          if (!Running()) return true;
          RedisContextPtr c = ConnectHiredis(port_);
          RedisReplyPtr r = c ? Command(c.get(), {"PING"}) : nullptr;
          served = r && r->type == REDIS_REPLY_STATUS && Str(r.get()) == "PONG";
          return served;
        },
        4 * DefaultTimeout());
    if (pid_ <= 0) return status_;
    Kill();
    return -1;
  }

  // SIGKILL, then reaps it: a crash at an arbitrary point.
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    status_ = status;
  }

  // SIGTERM, and waits for a clean exit.
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    if (!PollUntil([&] { return !Running(); })) {
      ADD_FAILURE() << binary_ << " did not exit within the timeout of SIGTERM; killed";
      Kill();
      return;
    }
    // Running() reported a death by signal already.
    EXPECT_FALSE(WIFEXITED(status_) && WEXITSTATUS(status_) != 0)
        << binary_ << " stopped with " << DescribeStatus(status_) << "; log:\n"
        << Log();
  }

  // True while the child has not exited; reaps it (and reports a crash) if it has.
  bool Running() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == 0) return true;
    pid_ = -1;
    status_ = status;
    std::string log = Log();
    if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM) {
      ADD_FAILURE() << binary_ << " died from signal " << WTERMSIG(status) << "; log:\n" << log;
    }
    for (const char* marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                               "WARNING: ThreadSanitizer", "runtime error:"}) {
      if (log.find(marker) != std::string::npos) {
        ADD_FAILURE() << binary_ << " reported \"" << marker << "\"; log:\n" << log;
      }
    }
    return false;
  }

  pid_t pid() const { return pid_; }

 private:
  bool Spawn(const std::vector<std::string>& extra, std::string* error) {
    port_ = PickFreePort();
    std::vector<std::string> args = {binary_};
    if (is_redis()) {
      args.insert(args.end(), {"--save", ""});
    } else {
#ifdef TESSERA_CONF_FILE
      args.push_back(TESSERA_CONF_FILE);
#endif
      const char* threads = std::getenv("TESSERA_TEST_THREADS");
      args.insert(args.end(), {"--threads", threads && *threads ? threads : "4"});
    }
    args.insert(args.end(), {"--port", std::to_string(port_), "--bind", "127.0.0.1", "--appendonly",
                             "yes", "--dir", dir_});
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
      *error = StrCat({"fork: ", strerror(errno)});
      close(log_fd);
      close(null_fd);
      return false;
    }
    if (pid == 0) {
      // Only async-signal-safe calls until exec; the server must not outlive the test.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      dup2(null_fd, 0);
      dup2(log_fd, 1);
      dup2(log_fd, 2);
      close_range(3, ~0U, 0);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(log_fd);
    close(null_fd);
    pid_ = pid;
    return true;
  }

  std::string binary_;
  std::string dir_;
  std::string log_path_;
  pid_t pid_ = -1;
  int status_ = 0;
  int port_ = 0;
};

// Starts `server` with the arguments that follow (a std::vector<std::string>), or fails the test.
#define START_OR_FAIL(server, ...)                            \
  do {                                                        \
    std::string start_error_;                                 \
    ASSERT_TRUE((server).Start((__VA_ARGS__), &start_error_)) \
        << (server).binary() << ": " << start_error_;         \
  } while (0)

RedisContextPtr MustConnect(int port) {
  RedisContextPtr c = ConnectHiredis(port);
  EXPECT_NE(c, nullptr) << "cannot connect to port " << port;
  return c;
}

// One field of INFO <section> ("" when absent).
std::string InfoField(redisContext* c, const std::string& section, const std::string& field) {
  std::istringstream in(MustText(c, {"INFO", section}));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(field + ":", 0) == 0) return line.substr(field.size() + 1);
  }
  return "";
}

// Redis Cluster's CRC16 (XMODEM), to know which shard a key lives on.
uint16_t Crc16(std::string_view s) {
  uint16_t crc = 0;
  for (unsigned char ch : s) {
    crc = static_cast<uint16_t>(crc ^ (ch << 8));
    for (int i = 0; i < 8; ++i) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

int ShardOf(std::string_view key) { return (Crc16(key) & 16383) * kShards / 16384; }

// ---- the AOF directory ----

struct ManifestEntry {
  std::string name;
  std::string seq;
  std::string type;  // b, h or i
};

// The manifest's lines ("file <name> seq <n> type <t>"); names in these tests need no quoting.
std::vector<ManifestEntry> ReadManifest(const TempDir& dir) {
  std::vector<ManifestEntry> out;
  std::istringstream in(ReadFile(dir.Manifest()));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::map<std::string, std::string> kv;
    std::string k, v;
    while (words >> k >> v) kv[k] = v;
    out.push_back({kv["file"], kv["seq"], kv["type"]});
  }
  return out;
}

// Starts `server` on a fresh directory and makes it a restart: starts, waits until the manifest
// names an incr file (journaling has begun), SIGKILLs and starts again. The first moments after a
// fresh start are tested on their own (WritesRightAfterAFreshStartAreKept); the other tests
// check loading and crashes, not that window.
#define START_WARM_OR_FAIL(server, dir, ...)           \
  do {                                                 \
    START_OR_FAIL(server, __VA_ARGS__);                \
    ASSERT_TRUE(PollUntil([&] {                        \
      for (const ManifestEntry& e : ReadManifest(dir)) \
        if (e.type == "i") return true;                \
      return false;                                    \
    })) << "no incr file in the manifest";             \
    (server).Kill();                                   \
    START_OR_FAIL(server, __VA_ARGS__);                \
  } while (0)

// The last incr file the manifest names ("" with a failure if none).
std::string LastIncrName(const TempDir& dir) {
  std::string last;
  for (const ManifestEntry& e : ReadManifest(dir)) {
    if (e.type == "i") last = e.name;
  }
  EXPECT_FALSE(last.empty()) << "no incr file in the manifest:\n" << ReadFile(dir.Manifest());
  return last;
}

// The offsets at which each RESP command of an AOF file ends.
std::vector<size_t> CommandEnds(const std::string& bytes) {
  std::vector<size_t> ends;
  size_t pos = 0;
  auto number = [&](char prefix, int64_t* n) {
    if (pos >= bytes.size() || bytes[pos] != prefix) return false;
    size_t crlf = bytes.find("\r\n", pos);
    if (crlf == std::string::npos) return false;
    *n = std::stoll(bytes.substr(pos + 1, crlf - pos - 1));
    pos = crlf + 2;
    return true;
  };
  while (pos < bytes.size()) {
    int64_t argc = 0;
    if (!number('*', &argc)) break;
    for (int64_t i = 0; i < argc; ++i) {
      int64_t len = 0;
      if (!number('$', &len)) return ends;
      pos += static_cast<size_t>(len) + 2;
    }
    if (pos > bytes.size()) break;
    ends.push_back(pos);
  }
  return ends;
}

// ---- the state of a whole server ----

using State = std::map<std::pair<int, std::string>, std::string>;  // (db, key) -> description

struct KeyDesc {
  std::string type_and_value;
  int64_t expire_at_ms = -1;
};

std::string Canonical(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += StrCat({std::to_string(s.size()), ":", s, ","});
  return out;
}

std::string SortedPairs(const std::vector<std::string>& flat) {
  std::vector<std::string> pairs;
  for (size_t i = 0; i + 1 < flat.size(); i += 2)
    pairs.push_back(Canonical({flat[i], flat[i + 1]}));
  std::sort(pairs.begin(), pairs.end());
  return Canonical(pairs);
}

// Every key of every database with its type, value and PEXPIRETIME. Leaves db 0 selected.
std::map<std::pair<int, std::string>, KeyDesc> Capture(redisContext* c) {
  std::map<std::pair<int, std::string>, KeyDesc> state;
  for (int db = 0; db < kDatabases; ++db) {
    if (Must(c, {"SELECT", std::to_string(db)}) == nullptr) return state;
    for (const std::string& key : MustStrings(c, {"KEYS", "*"})) {
      KeyDesc d;
      const std::string type = MustText(c, {"TYPE", key});
      d.expire_at_ms = MustInt(c, {"PEXPIRETIME", key});
      std::string value;
      if (type == "string") {
        value = Canonical({MustText(c, {"GET", key})});
      } else if (type == "list") {
        value = Canonical(MustStrings(c, {"LRANGE", key, "0", "-1"}));
      } else if (type == "hash") {
        value = SortedPairs(MustStrings(c, {"HGETALL", key}));
      } else if (type == "set") {
        std::vector<std::string> members = MustStrings(c, {"SMEMBERS", key});
        std::sort(members.begin(), members.end());
        value = Canonical(members);
      } else if (type == "zset") {
        value = Canonical(MustStrings(c, {"ZRANGE", key, "0", "-1", "WITHSCORES"}));
      } else {
        ADD_FAILURE() << "unexpected type " << type << " of " << EscapeBytes(key);
      }
      d.type_and_value = StrCat({type, " ", value});
      state[{db, key}] = std::move(d);
    }
  }
  Must(c, {"SELECT", "0"});
  return state;
}

std::string Short(const std::string& s) {
  return EscapeBytes(s.size() > 160 ? s.substr(0, 160) + "..." : s);
}

// Fails with the first differences; deadlines may differ by `ttl_tolerance_ms`.
void ExpectSameState(const std::map<std::pair<int, std::string>, KeyDesc>& want,
                     const std::map<std::pair<int, std::string>, KeyDesc>& got,
                     const std::string& what, int64_t ttl_tolerance_ms = 0) {
  int reported = 0;
  auto report = [&](const std::string& msg) {
    if (++reported <= 20) ADD_FAILURE() << what << ": " << msg;
  };
  for (const auto& [k, w] : want) {
    const std::string name =
        StrCat({"db ", std::to_string(k.first), " key ", EscapeBytes(k.second)});
    auto it = got.find(k);
    if (it == got.end()) {
      report(name + " is missing");
      continue;
    }
    if (it->second.type_and_value != w.type_and_value) {
      report(StrCat(
          {name, " is ", Short(it->second.type_and_value), ", want ", Short(w.type_and_value)}));
    }
    const int64_t diff = it->second.expire_at_ms - w.expire_at_ms;
    if ((w.expire_at_ms < 0) != (it->second.expire_at_ms < 0) || diff > ttl_tolerance_ms ||
        diff < -ttl_tolerance_ms) {
      report(StrCat({name, " PEXPIRETIME ", std::to_string(it->second.expire_at_ms), ", want ",
                     std::to_string(w.expire_at_ms)}));
    }
  }
  for (const auto& [k, g] : got) {
    if (!want.contains(k)) {
      report(StrCat({"unexpected db ", std::to_string(k.first), " key ", EscapeBytes(k.second)}));
    }
  }
  if (reported > 20) ADD_FAILURE() << what << ": " << reported - 20 << " more differences";
}

// ---- concurrent writers and what they were told ----

// Accounts on every shard, two per shard, keys without hash tags; transfers pick two accounts
// on different shards, so every transfer is a cross-shard MULTI/EXEC.
struct Accounts {
  static constexpr int64_t kInitial = 1000;
  std::vector<std::string> names;

  Accounts() {
    int per_shard[kShards] = {};
    for (int i = 0; names.size() < 2 * kShards; ++i) {
      std::string name = StrCat({"acct:", std::to_string(i)});
      int s = ShardOf(name);
      if (per_shard[s] < 2) {
        ++per_shard[s];
        names.push_back(std::move(name));
      }
    }
  }
  int64_t Total() const { return kInitial * static_cast<int64_t>(names.size()); }

  void Init(redisContext* c) const {
    for (const auto& n : names) Must(c, {"SET", n, std::to_string(kInitial)});
  }
  void ExpectTotal(redisContext* c, const std::string& what) const {
    int64_t sum = 0;
    std::string values;
    for (const auto& n : names) {
      std::string v = MustText(c, {"GET", n});
      values += StrCat({n, "=", v, " "});
      sum += v == "(nil)" ? 0 : std::stoll(v);
    }
    EXPECT_EQ(sum, Total()) << what << ": a transfer was half applied; " << values;
  }
};

enum class Op { kNone, kSet, kIncr, kPush, kHset, kTransfer };

// What one writer thread was acknowledged, carried across restarts. Only its thread touches it
// while writers run; the main thread afterwards.
struct Writer {
  int id = 0;
  int64_t next_n = 0;             // sequence for values; unique across rounds
  std::vector<int64_t> sets;      // k:<id>:<n> = n, acknowledged
  int64_t counter_verified = 0;   // counter:<id> as read after the last restart
  int64_t counter_acked = 0;      // the last value INCR answered (or counter_verified)
  std::vector<std::string> list;  // list:<id>, head first
  std::map<std::string, std::string> hash;
  Op in_flight = Op::kNone;  // sent, no reply: the server died meanwhile
  int64_t in_flight_n = 0;
  std::string error;  // an unexpected reply

  std::string SetKey(int64_t n) const {
    return StrCat({"k:", std::to_string(id), ":", std::to_string(n)});
  }
  std::string Counter() const { return StrCat({"counter:", std::to_string(id)}); }
  std::string List() const { return StrCat({"list:", std::to_string(id)}); }
  std::string Hash() const { return StrCat({"hash:", std::to_string(id)}); }
};

bool IsStatus(const redisReply* r, const char* s) {
  return r != nullptr && r->type == REDIS_REPLY_STATUS && Str(r) == s;
}

// Writes until the connection breaks or `stop`; every reply is checked and recorded in `w`.
void RunWriter(int port, Writer* w, const Accounts* accounts, const std::vector<Op>* ops,
               uint64_t seed, std::atomic<int>* connected, std::atomic<int64_t>* acked,
               const std::atomic<bool>* stop) {
  RedisContextPtr conn = ConnectHiredis(port);
  connected->fetch_add(1);
  if (conn == nullptr) {
    w->error = "cannot connect";
    return;
  }
  redisContext* c = conn.get();
  std::mt19937_64 rng(seed);
  auto fail = [&](const std::string& cmd, const redisReply* r) {
    w->error =
        StrCat({cmd, " answered type ", std::to_string(r->type), " ",
                r->type == REDIS_REPLY_ERROR || r->type == REDIS_REPLY_STATUS ? Str(r) : ""});
  };
  while (!stop->load(std::memory_order_relaxed)) {
    const Op op = (*ops)[rng() % ops->size()];
    const int64_t n = w->next_n++;
    const std::string ns = std::to_string(n);
    w->in_flight = op;
    w->in_flight_n = n;
    RedisReplyPtr r;
    switch (op) {
      case Op::kSet:
        r = Command(c, {"SET", w->SetKey(n), ns});
        if (r == nullptr) return;
        if (!IsStatus(r.get(), "OK")) return fail("SET", r.get());
        w->sets.push_back(n);
        break;
      case Op::kIncr:
        r = Command(c, {"INCR", w->Counter()});
        if (r == nullptr) return;
        if (r->type != REDIS_REPLY_INTEGER) return fail("INCR", r.get());
        w->counter_acked = r->integer;
        break;
      case Op::kPush:
        r = Command(c, {"LPUSH", w->List(), ns});
        if (r == nullptr) return;
        if (r->type != REDIS_REPLY_INTEGER) return fail("LPUSH", r.get());
        w->list.insert(w->list.begin(), ns);
        break;
      case Op::kHset:
        r = Command(c, {"HSET", w->Hash(), StrCat({"f", ns}), ns});
        if (r == nullptr) return;
        if (r->type != REDIS_REPLY_INTEGER) return fail("HSET", r.get());
        w->hash[StrCat({"f", ns})] = ns;
        break;
      case Op::kTransfer: {
        const auto& names = accounts->names;
        const std::string& a = names[rng() % names.size()];
        std::string b = a;
        while (ShardOf(b) == ShardOf(a)) b = names[rng() % names.size()];
        const std::string amount = std::to_string(1 + rng() % 10);
        r = Command(c, {"MULTI"});
        if (r == nullptr) return;
        if (!IsStatus(r.get(), "OK")) return fail("MULTI", r.get());
        r = Command(c, {"DECRBY", a, amount});
        if (r == nullptr) return;
        if (!IsStatus(r.get(), "QUEUED")) return fail("DECRBY", r.get());
        r = Command(c, {"INCRBY", b, amount});
        if (r == nullptr) return;
        if (!IsStatus(r.get(), "QUEUED")) return fail("INCRBY", r.get());
        r = Command(c, {"EXEC"});
        if (r == nullptr) return;
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) return fail("EXEC", r.get());
        break;
      }
      case Op::kNone:
        break;
    }
    w->in_flight = Op::kNone;
    acked->fetch_add(1, std::memory_order_relaxed);
  }
}

// Runs `writers` against the server until it is SIGKILLed `kill_after` from the moment all of
// them are connected (or, with kill_after 0, until `during` returns; then it is killed).
template <typename During>
void WriteThenKill(AofServer& server, std::vector<Writer>& writers, const Accounts& accounts,
                   const std::vector<Op>& ops, std::mt19937_64& rng, During during) {
  std::atomic<int> connected{0};
  std::atomic<int64_t> acked{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (Writer& w : writers) {
    threads.emplace_back(RunWriter, server.port(), &w, &accounts, &ops, rng(), &connected, &acked,
                         &stop);
  }
  EXPECT_TRUE(PollUntil([&] { return connected.load() == static_cast<int>(writers.size()); }));
  during(acked);
  server.Kill();
  stop.store(true);
  for (auto& t : threads) t.join();
  int64_t in_flight = 0;
  for (const Writer& w : writers) {
    EXPECT_TRUE(w.error.empty()) << "writer " << w.id << ": " << w.error;
    in_flight += w.in_flight != Op::kNone;
  }
  std::printf("[          ] %lld acknowledged operations, %lld in flight at the kill\n",
              static_cast<long long>(acked.load()), static_cast<long long>(in_flight));
}

// Checks the restarted server against what writer `w` was told, then makes what the server
// holds the baseline for the next round. `strict`: every acknowledged write must be there
// (appendfsync always); otherwise only what can never be violated: counters do not go back past
// the last restart and never exceed what was sent.
void VerifyWriter(redisContext* c, Writer& w, bool strict, int64_t* lost_acked) {
  std::vector<std::string> problems;
  // Acknowledged SETs, pipelined.
  for (int64_t n : w.sets) AppendCommand(c, {"GET", w.SetKey(n)});
  std::vector<int64_t> present;
  for (int64_t n : w.sets) {
    RedisReplyPtr r = GetReply(c);
    ASSERT_NE(r, nullptr) << "connection lost while verifying";
    if (r->type == REDIS_REPLY_STRING && Str(r.get()) == std::to_string(n)) {
      present.push_back(n);
    } else if (r->type == REDIS_REPLY_NIL) {
      ++*lost_acked;
      if (strict) problems.push_back(StrCat({"acknowledged SET ", w.SetKey(n), " is missing"}));
    } else {
      problems.push_back(StrCat({"GET ", w.SetKey(n), " is not ", std::to_string(n)}));
    }
  }
  if (w.in_flight == Op::kSet) {
    std::string v = MustText(c, {"GET", w.SetKey(w.in_flight_n)});
    if (v == std::to_string(w.in_flight_n)) {
      present.push_back(w.in_flight_n);
    } else if (v != "(nil)") {
      problems.push_back(StrCat({"in-flight SET ", w.SetKey(w.in_flight_n), " = ", v}));
    }
  }
  w.sets = std::move(present);

  // The counter: a write may be applied without its ack, never acknowledged without being kept.
  std::string cv = MustText(c, {"GET", w.Counter()});
  const int64_t counter = cv == "(nil)" ? 0 : std::stoll(cv);
  const int64_t high = w.counter_acked + (w.in_flight == Op::kIncr ? 1 : 0);
  const int64_t low = strict ? w.counter_acked : w.counter_verified;
  if (counter < w.counter_acked) ++*lost_acked;
  if (counter < low || counter > high) {
    problems.push_back(
        StrCat({w.Counter(), " = ", std::to_string(counter), ", want ", std::to_string(low), "..",
                std::to_string(high), " (last acknowledged ", std::to_string(w.counter_acked),
                ", read after the previous restart ", std::to_string(w.counter_verified), ")"}));
  }
  w.counter_verified = w.counter_acked = counter;

  // The list: every acknowledged push, plus at most the one in flight.
  std::vector<std::string> list = MustStrings(c, {"LRANGE", w.List(), "0", "-1"});
  if (strict) {
    std::vector<std::string> with = w.list;
    with.insert(with.begin(), std::to_string(w.in_flight_n));
    if (list != w.list && !(w.in_flight == Op::kPush && list == with)) {
      problems.push_back(
          StrCat({w.List(), " has ", std::to_string(list.size()), " elements, want the ",
                  std::to_string(w.list.size()), " acknowledged ones",
                  w.in_flight == Op::kPush ? " (+1)" : "", "; head ", list.empty() ? "-" : list[0],
                  ", want ", w.list.empty() ? "-" : w.list[0]}));
    }
  }
  w.list = std::move(list);

  // The hash, likewise.
  std::vector<std::string> flat = MustStrings(c, {"HGETALL", w.Hash()});
  std::map<std::string, std::string> hash;
  for (size_t i = 0; i + 1 < flat.size(); i += 2) hash[flat[i]] = flat[i + 1];
  if (strict) {
    std::map<std::string, std::string> with = w.hash;
    const std::string ns = std::to_string(w.in_flight_n);
    with[StrCat({"f", ns})] = ns;
    if (hash != w.hash && !(w.in_flight == Op::kHset && hash == with)) {
      problems.push_back(StrCat({w.Hash(), " has ", std::to_string(hash.size()),
                                 " fields, want the ", std::to_string(w.hash.size()),
                                 " acknowledged ones", w.in_flight == Op::kHset ? " (+1)" : ""}));
    }
  }
  w.hash = std::move(hash);
  w.in_flight = Op::kNone;

  for (size_t i = 0; i < problems.size() && i < 10; ++i) {
    ADD_FAILURE() << "writer " << w.id << ": " << problems[i];
  }
  if (problems.size() > 10)
    ADD_FAILURE() << "writer " << w.id << ": " << problems.size() - 10 << " more problems";
}

// Rounds of concurrent writes, each ended by SIGKILL at a random moment, restarting on the same
// directory and checking what survived.
void CrashRounds(const std::string& appendfsync, bool strict) {
  TempDir dir;
  AofServer server(ServerUnderTest(), dir.path());
  const std::vector<std::string> args = {"--appendfsync", appendfsync};
  START_WARM_OR_FAIL(server, dir, args);
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(StrCat({"seed ", std::to_string(seed)}));
  std::mt19937_64 rng(seed);
  Accounts accounts;
  {
    RedisContextPtr c = MustConnect(server.port());
    ASSERT_NE(c, nullptr);
    accounts.Init(c.get());
  }
  std::vector<Writer> writers(20);
  for (size_t i = 0; i < writers.size(); ++i) writers[i].id = static_cast<int>(i);
  const std::vector<Op> ops = {Op::kSet, Op::kIncr, Op::kPush, Op::kHset, Op::kTransfer};
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(StrCat({"round ", std::to_string(round)}));
    const int kill_after_ms = 300 + static_cast<int>(rng() % 1201);
    WriteThenKill(server, writers, accounts, ops, rng, [&](std::atomic<int64_t>&) {
      // The kill moment is random on purpose; this is not waiting for anything.
      std::this_thread::sleep_for(milliseconds(kill_after_ms));
    });
    START_OR_FAIL(server, args);
    RedisContextPtr c = MustConnect(server.port());
    ASSERT_NE(c, nullptr);
    int64_t lost = 0;
    for (Writer& w : writers) VerifyWriter(c.get(), w, strict, &lost);
    accounts.ExpectTotal(c.get(), "after the restart");
    if (!strict) std::printf("[          ] %lld acknowledged writes lost\n", (long long)lost);
  }
  server.Stop();
}

TEST(AofCrash, AlwaysKeepsEveryAcknowledgedWrite) { CrashRounds("always", /*strict=*/true); }

TEST(AofCrash, EverysecStaysConsistent) { CrashRounds("everysec", /*strict=*/false); }

// The first writes on a fresh directory, acknowledged the moment the server answers, are
// journaled like any other. Repeated because a gap between serving and recording is a race.
TEST(AofCrash, WritesRightAfterAFreshStartAreKept) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    SCOPED_TRACE(StrCat({"attempt ", std::to_string(attempt)}));
    TempDir dir;
    AofServer server(ServerUnderTest(), dir.path());
    const std::vector<std::string> args = {"--appendfsync", "always"};
    START_OR_FAIL(server, args);
    {
      RedisContextPtr c = MustConnect(server.port());
      ASSERT_NE(c, nullptr);
      for (int i = 0; i < 8; ++i) Must(c.get(), {"SET", StrCat({"key", std::to_string(i)}), "v"});
    }
    server.Kill();
    START_OR_FAIL(server, args);
    RedisContextPtr c = MustConnect(server.port());
    ASSERT_NE(c, nullptr);
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(MustText(c.get(), {"GET", StrCat({"key", std::to_string(i)})}), "v")
          << "acknowledged SET key" << i << " is not in the AOF; the incr file holds:\n"
          << EscapeBytes(ReadFile(dir.AofDir() + "/" + LastIncrName(dir)));
    }
    server.Kill();
  }
}

// ---- damaged files ----

TEST(AofLoad, TornLastRecordIsCutOff) {
  TempDir dir;
  AofServer server(ServerUnderTest(), dir.path());
  START_WARM_OR_FAIL(server, dir, std::vector<std::string>{"--appendfsync", "always"});
  {
    RedisContextPtr c = MustConnect(server.port());
    ASSERT_NE(c, nullptr);
    Must(c.get(), {"SET", "a", "1"});
    Must(c.get(), {"RPUSH", "l", "x", "y"});
    Must(c.get(), {"INCR", "n"});
    Must(c.get(), {"INCR", "n"});
    Must(c.get(), {"HSET", "h", "f", "v"});
  }
  server.Kill();
  const std::string incr = LastIncrName(dir);
  ASSERT_FALSE(incr.empty());
  const std::string incr_path = dir.AofDir() + "/" + incr;
  const uintmax_t size = fs::file_size(incr_path);
  const std::string torn = "*3\r\n$3\r\nSET\r\n$1\r\nk";
  AppendToFile(incr_path, torn);

  auto expect_data = [&](const char* when) {
    SCOPED_TRACE(when);
    RedisContextPtr c = MustConnect(server.port());
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(MustText(c.get(), {"GET", "a"}), "1");
    EXPECT_EQ(MustStrings(c.get(), {"LRANGE", "l", "0", "-1"}),
              (std::vector<std::string>{"x", "y"}));
    EXPECT_EQ(MustText(c.get(), {"GET", "n"}), "2");
    EXPECT_EQ(MustText(c.get(), {"HGET", "h", "f"}), "v");
    EXPECT_EQ(MustInt(c.get(), {"EXISTS", "k"}), 0);
  };

  START_OR_FAIL(server, std::vector<std::string>{});
  EXPECT_NE(server.Log().find(StrCat({"short read while loading the AOF file ", incr})),
            std::string::npos)
      << server.Log();
  expect_data("after loading the torn file");
  EXPECT_EQ(fs::file_size(incr_path), size) << "the torn command was not cut off";
  server.Kill();

  START_OR_FAIL(server, std::vector<std::string>{});
  EXPECT_EQ(server.Log().find("short read"), std::string::npos) << server.Log();
  expect_data("after the second restart");
  server.Kill();

  // With aof-load-truncated no, the same tear stops startup and names the file.
  AppendToFile(incr_path, torn);
  const int status = server.StartExpectingExit({"--aof-load-truncated", "no"});
  EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) != 0)
      << "aof-load-truncated no: " << (status == -1 ? "it served" : DescribeStatus(status))
      << "; log:\n"
      << server.Log();
  EXPECT_NE(server.Log().find(incr), std::string::npos) << server.Log();
  EXPECT_EQ(fs::file_size(incr_path), size + torn.size()) << "a refused file was modified";
}

TEST(AofLoad, GarbageBetweenRecordsRefusesToStart) {
  TempDir dir;
  AofServer server(ServerUnderTest(), dir.path());
  START_WARM_OR_FAIL(server, dir, std::vector<std::string>{"--appendfsync", "always"});
  {
    RedisContextPtr c = MustConnect(server.port());
    ASSERT_NE(c, nullptr);
    for (int i = 0; i < 6; ++i) Must(c.get(), {"SET", StrCat({"key", std::to_string(i)}), "v"});
  }
  server.Kill();
  const std::string incr = LastIncrName(dir);
  ASSERT_FALSE(incr.empty());
  const std::string incr_path = dir.AofDir() + "/" + incr;
  std::string bytes = ReadFile(incr_path);
  std::vector<size_t> ends = CommandEnds(bytes);
  ASSERT_GE(ends.size(), 4u) << EscapeBytes(bytes);
  ASSERT_EQ(ends.back(), bytes.size()) << "the file did not end with a whole command";
  const size_t offset = ends[ends.size() / 2];
  bytes.insert(offset, "garbage!\r\n");
  WriteFile(incr_path, bytes);

  const int status = server.StartExpectingExit({});
  const std::string log = server.Log();
  EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) != 0)
      << (status == -1 ? "it served" : DescribeStatus(status)) << "; log:\n"
      << log;
  EXPECT_NE(log.find(StrCat({"Bad file format reading the append only file ", incr})),
            std::string::npos)
      << log;
  if (!server.is_redis()) {  // Redis 7.0 does not say where
    EXPECT_NE(log.find(StrCat({"at offset ", std::to_string(offset)})), std::string::npos)
        << "want offset " << offset << "; log:\n"
        << log;
  }
}

// ---- BGREWRITEAOF ----

// Waits for the rewrite in progress (or scheduled) to end; its status must be ok.
void WaitRewriteOk(redisContext* c) {
  bool done = PollUntil(
      [&] {
        return InfoField(c, "persistence", "aof_rewrite_in_progress") == "0" &&
               InfoField(c, "persistence", "aof_rewrite_scheduled") != "1";
      },
      4 * DefaultTimeout());
  ASSERT_TRUE(done) << "aof_rewrite_in_progress stayed 1";
  EXPECT_EQ(InfoField(c, "persistence", "aof_last_bgrewrite_status"), "ok");
}

std::string BaseName(const TempDir& dir) {
  for (const ManifestEntry& e : ReadManifest(dir)) {
    if (e.type == "b") return e.name;
  }
  return "";
}

TEST(AofRewrite, UnderLoadKeepsEveryAcknowledgedWrite) {
  TempDir dir;
  AofServer server(ServerUnderTest(), dir.path());
  const std::vector<std::string> args = {"--appendfsync", "always"};
  START_WARM_OR_FAIL(server, dir, args);
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(StrCat({"seed ", std::to_string(seed)}));
  std::mt19937_64 rng(seed);
  Accounts accounts;
  RedisContextPtr admin = MustConnect(server.port());
  ASSERT_NE(admin, nullptr);
  accounts.Init(admin.get());
  std::vector<Writer> writers(8);
  for (size_t i = 0; i < writers.size(); ++i) writers[i].id = static_cast<int>(i);
  const std::vector<Op> ops = {Op::kIncr, Op::kTransfer};
  std::vector<std::string> bases;
  WriteThenKill(server, writers, accounts, ops, rng, [&](std::atomic<int64_t>& acked) {
    for (int i = 0; i < 2; ++i) {
      // Let writes accumulate before and between the rewrites.
      const int64_t before = acked.load();
      EXPECT_TRUE(PollUntil([&] { return acked.load() >= before + 500; }));
      std::string reply = MustText(admin.get(), {"BGREWRITEAOF"});
      EXPECT_NE(reply.find("rewriting"), std::string::npos) << reply;
      WaitRewriteOk(admin.get());
      bases.push_back(BaseName(dir));
    }
    const int64_t before = acked.load();
    EXPECT_TRUE(PollUntil([&] { return acked.load() >= before + 500; }));
  });
  ASSERT_EQ(bases.size(), 2u);
  EXPECT_NE(bases[0], bases[1]) << "the second rewrite did not install a new base";

  START_OR_FAIL(server, args);
  {
    RedisContextPtr c = MustConnect(server.port());
    ASSERT_NE(c, nullptr);
    int64_t lost = 0;
    for (Writer& w : writers) VerifyWriter(c.get(), w, /*strict=*/true, &lost);
    accounts.ExpectTotal(c.get(), "after the restart");
  }
  server.Stop();

  int base_count = 0;
  int incr_count = 0;
  const std::string manifest = ReadFile(dir.Manifest());
  for (const ManifestEntry& e : ReadManifest(dir)) {
    EXPECT_TRUE(fs::exists(dir.AofDir() + "/" + e.name)) << e.name << " is missing\n" << manifest;
    if (e.type == "b") {
      ++base_count;
      EXPECT_TRUE(e.name.ends_with(".base.rdb")) << manifest;
    }
    incr_count += e.type == "i";
  }
  EXPECT_EQ(base_count, 1) << manifest;
  EXPECT_GE(incr_count, 1) << manifest;

  const std::string check_aof = "/usr/bin/redis-check-aof";
  if (!fs::exists(check_aof)) {
    std::printf("[          ] %s is not installed; not checked\n", check_aof.c_str());
    return;
  }
  std::string output;
  FILE* p = popen(StrCat({check_aof, " ", dir.Manifest(), " 2>&1"}).c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) output.append(buf, n);
  const int status = pclose(p);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
  EXPECT_NE(output.find("All AOF files and manifest are valid"), std::string::npos) << output;
}

// ---- interoperability with Debian's redis-server ----

// A data set of every type, a large list and hash (non-compact encodings in an RDB base), TTLs,
// several databases and cross-shard transactions. `phase` 1 creates, phase 2 changes phase 1's
// keys, so a base plus an incr file must be combined correctly.
void WriteDataSet(redisContext* c, int phase) {
  const std::string p = StrCat({"p", std::to_string(phase), ":"});
  Must(c, {"SET", p + "str", "hello"});
  Must(c, {"SET", p + "int", "12345"});
  Must(c, {"RPUSH", p + "list", "a", "b", "c"});
  std::vector<std::string> big_list = {"RPUSH", p + "biglist"};
  std::vector<std::string> big_hash = {"HSET", p + "bighash"};
  for (int i = 0; i < 600; ++i) {
    big_list.push_back(StrCat({"element-", std::to_string(i)}));
    big_hash.push_back(StrCat({"field-", std::to_string(i)}));
    big_hash.push_back(std::to_string(i));
  }
  Must(c, big_list);
  Must(c, big_hash);
  Must(c, {"HSET", p + "hash", "f1", "v1", "f2", "v2"});
  Must(c, {"SADD", p + "set", "x", "y", "z"});
  Must(c, {"SADD", p + "iset", "1", "2", "3"});
  Must(c, {"ZADD", p + "zset", "1", "a", "2.5", "b", "-3", "c"});
  Must(c, {"SET", p + "ttl", "v", "PXAT", std::to_string(NowUnixMs() + 3600 * 1000)});
  Must(c, {"SET", p + "ttl2", "v", "EX", "7200"});
  Must(c, {"INCR", "shared:counter"});
  Must(c, {"LPUSH", "shared:list", p});
  Must(c, {"HSET", "shared:hash", p, "v"});
  Must(c, {"MULTI"});
  Must(c, {"INCRBY", "acct:0", "5"});
  Must(c, {"DECRBY", "acct:1", "5"});
  Must(c, {"RPUSH", p + "list", "d"});
  Must(c, {"EXEC"});
  Must(c, {"SELECT", "3"});
  Must(c, {"SET", p + "db3", "in db 3"});
  Must(c, {"SELECT", "0"});
  if (phase >= 2) {
    Must(c, {"DEL", "p1:str"});
    Must(c, {"EXPIRE", "p1:int", "3600"});
    Must(c, {"LPOP", "p1:list"});
    Must(c, {"HDEL", "p1:bighash", "field-7"});
    Must(c, {"ZINCRBY", "p1:zset", "10", "a"});
    Must(c, {"SREM", "p1:set", "y"});
    Must(c, {"RENAME", "p1:hash", "p2:renamed"});
  }
}

bool HaveReference() {
  if (fs::exists(ReferenceServer())) return true;
  std::printf("[          ] %s is not installed\n", ReferenceServer().c_str());
  return false;
}

// `writer` writes phase 1, optionally rewrites, writes phase 2, stops; `reader` loads the
// directory and must answer the same data.
void Exchange(const std::string& writer, const std::string& reader, bool rewrite) {
  TempDir dir;
  std::map<std::pair<int, std::string>, KeyDesc> written;
  {
    AofServer server(writer, dir.path());
    START_WARM_OR_FAIL(server, dir, std::vector<std::string>{});
    RedisContextPtr c = MustConnect(server.port());
    ASSERT_NE(c, nullptr);
    WriteDataSet(c.get(), 1);
    if (rewrite) {
      std::string reply = MustText(c.get(), {"BGREWRITEAOF"});
      EXPECT_NE(reply.find("rewriting"), std::string::npos) << reply;
      WaitRewriteOk(c.get());
      std::string base = BaseName(dir);
      EXPECT_TRUE(base.ends_with(".base.rdb")) << ReadFile(dir.Manifest());
    }
    WriteDataSet(c.get(), 2);
    written = Capture(c.get());
    if (IsRedisBinary(writer)) {
      // SHUTDOWN NOSAVE: with AOF on, everything is in the AOF already.
      Command(c.get(), {"SHUTDOWN", "NOSAVE"});
      EXPECT_TRUE(PollUntil([&] { return !server.Running(); }));
    } else {
      server.Stop();
    }
  }
  SCOPED_TRACE(StrCat({"manifest:\n", ReadFile(dir.Manifest())}));
  AofServer server(reader, dir.path());
  START_OR_FAIL(server, std::vector<std::string>{});
  RedisContextPtr c = MustConnect(server.port());
  ASSERT_NE(c, nullptr);
  ExpectSameState(written, Capture(c.get()), StrCat({reader, " loading ", writer, "'s AOF"}));
  server.Stop();
}

TEST(AofInterop, RedisLoadsOurIncrOnlyDirectory) {
  if (!HaveReference()) GTEST_SKIP();
  Exchange(ServerUnderTest(), ReferenceServer(), /*rewrite=*/false);
}

TEST(AofInterop, RedisLoadsOurRewrittenDirectory) {
  if (!HaveReference()) GTEST_SKIP();
  Exchange(ServerUnderTest(), ReferenceServer(), /*rewrite=*/true);
}

TEST(AofInterop, WeLoadRedisDirectory) {
  if (!HaveReference()) GTEST_SKIP();
  Exchange(ReferenceServer(), ServerUnderTest(), /*rewrite=*/true);
}

// ---- the journal's deterministic rewrites ----

// Waits until a client shows in CLIENT LIST blocked in `cmd` (dispatched and parked).
void WaitBlocked(redisContext* admin, const std::string& cmd) {
  const std::string needle = StrCat({"cmd=", cmd, " "});
  bool seen = PollUntil([&] {
    return MustText(admin, {"CLIENT", "LIST"}).find(needle) != std::string::npos;
  });
  ASSERT_TRUE(seen) << "no client blocked in " << cmd;
}

std::string Flat(const protocol::RespValue& v) {
  if (v.type != protocol::RespValue::Type::kArray) return v.str;
  std::string out;
  for (const auto& e : v.elems) out += StrCat({Flat(e), " "});
  return out;
}

TEST(AofJournal, RewrittenCommandsReplayToTheSameData) {
  TempDir dir;
  AofServer server(ServerUnderTest(), dir.path());
  const std::vector<std::string> args = {"--appendfsync", "always"};
  START_WARM_OR_FAIL(server, dir, args);
  RedisContextPtr conn = MustConnect(server.port());
  ASSERT_NE(conn, nullptr);
  redisContext* c = conn.get();

  // Relative TTLs, which replay must not restart from the time of loading.
  Must(c, {"SET", "s:ex", "v", "EX", "1000"});
  Must(c, {"SETEX", "s:setex", "1000", "v"});
  Must(c, {"PSETEX", "s:psetex", "1000000", "v"});
  Must(c, {"SET", "s:px", "v", "PX", "1000000", "GET"});
  Must(c, {"SET", "s:expire", "v"});
  Must(c, {"EXPIRE", "s:expire", "1000"});
  Must(c, {"SET", "s:pexpire", "v"});
  Must(c, {"PEXPIRE", "s:pexpire", "1000000"});
  Must(c, {"SET", "s:getex", "v"});
  Must(c, {"GETEX", "s:getex", "EX", "1000"});
  Must(c, {"SET", "s:persist", "v", "EX", "1000"});
  Must(c, {"GETEX", "s:persist", "PERSIST"});
  Must(c, {"SET", "s:keepttl", "v", "EX", "1000"});
  Must(c, {"SET", "s:keepttl", "w", "KEEPTTL"});
  // Floats: replayed as the result, keeping the TTL.
  Must(c, {"SET", "f", "10.5", "EX", "1000"});
  Must(c, {"INCRBYFLOAT", "f", "0.1"});
  Must(c, {"INCRBYFLOAT", "f", "3.0e3"});
  Must(c, {"INCRBYFLOAT", "f:new", "1.23456789"});
  Must(c, {"HSET", "h", "a", "1"});
  Must(c, {"HINCRBYFLOAT", "h", "a", "2.5"});
  Must(c, {"HINCRBYFLOAT", "h", "b", "0.3"});
  // SPOP is random: replay must remove what was popped.
  Must(c, {"SADD", "set", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10"});
  Must(c, {"SPOP", "set"});
  Must(c, {"SPOP", "set", "3"});
  Must(c, {"SADD", "iset", "1", "2", "3", "4", "5", "6"});
  Must(c, {"SPOP", "iset", "2"});
  // A blocking pop served at once.
  Must(c, {"RPUSH", "imm", "a", "b"});
  EXPECT_EQ(MustStrings(c, {"BLPOP", "imm", "0"}), (std::vector<std::string>{"imm", "a"}));

  // Blocking commands served later by a push, then more pushes.
  std::string cross_src = "bsrc";
  std::string cross_dst = "bdst";
  for (int i = 0; ShardOf(cross_src) == ShardOf(cross_dst); ++i) {
    cross_dst = StrCat({"bdst", std::to_string(i)});
  }
  struct Blocked {
    std::vector<std::string> cmd;
    std::string name;                // as CLIENT LIST shows it
    std::vector<std::string> wake;   // served by this
    std::string want;                // the blocked client's reply, flattened
    std::vector<std::string> after;  // then this
  };
  const std::vector<Blocked> blocked = {
      {{"BLPOP", "bl", "0"},
       "blpop",
       {"LPUSH", "bl", "a", "b", "c"},
       "bl c ",
       {"LPUSH", "bl", "d"}},
      {{"BRPOP", "nothere", "br", "0"},
       "brpop",
       {"RPUSH", "br", "x", "y"},
       "br y ",
       {"RPUSH", "br", "z"}},
      {{"BLMOVE", cross_src, cross_dst, "LEFT", "RIGHT", "0"},
       "blmove",
       {"RPUSH", cross_src, "p", "q"},
       "p",
       {"RPUSH", cross_src, "r"}},
      {{"BLMOVE", "{t}src", "{t}dst", "RIGHT", "LEFT", "0"},
       "blmove",
       {"RPUSH", "{t}src", "1", "2"},
       "2",
       {"LPUSH", "{t}dst", "0"}},
      {{"BRPOPLPUSH", "{u}src", "{u}dst", "0"},
       "brpoplpush",
       {"RPUSH", "{u}src", "x", "y"},
       "y",
       {"RPUSH", "{u}src", "z"}},
      {{"BZPOPMIN", "z", "0"},
       "bzpopmin",
       {"ZADD", "z", "1", "a", "2", "b"},
       "z a 1 ",
       {"ZADD", "z", "0.5", "c"}},
      {{"BZPOPMAX", "zmax", "0"},
       "bzpopmax",
       {"ZADD", "zmax", "1", "a", "2", "b"},
       "zmax b 2 ",
       {"ZADD", "zmax", "3", "c"}},
      {{"BLMPOP", "0", "2", "m1", "m2", "RIGHT", "COUNT", "2"},
       "blmpop",
       {"RPUSH", "m2", "1", "2", "3"},
       "m2 3 2  ",
       {"RPUSH", "m2", "4"}},
  };
  for (const Blocked& b : blocked) {
    SCOPED_TRACE(b.cmd[0]);
    RawClient client;
    ASSERT_TRUE(client.Connect(server.port()));
    ASSERT_TRUE(client.Send(b.cmd));
    WaitBlocked(c, b.name);
    Must(c, b.wake);
    protocol::RespValue v;
    ASSERT_TRUE(client.Read(&v)) << client.last_error();
    EXPECT_EQ(Flat(v), b.want);
    Must(c, b.after);
  }
  EXPECT_EQ(MustStrings(c, {"LRANGE", "bl", "0", "-1"}), (std::vector<std::string>{"d", "b", "a"}));

  // Databases: a transaction that moves between them, then writes in several databases from
  // clients that stayed in theirs; keys moved and copied to other databases; SWAPDB; FLUSHDB.
  Must(c, {"SET", "s:gone", "v"});
  Must(c, {"EXPIRE", "s:gone", "-1"});
  {
    RedisContextPtr other = MustConnect(server.port());
    ASSERT_NE(other, nullptr);
    redisContext* d = other.get();
    Must(d, {"MULTI"});
    Must(d, {"SELECT", "5"});
    Must(d, {"SET", "db5:a", "1"});
    Must(d, {"SELECT", "0"});
    Must(d, {"INCR", "db0:b"});
    Must(d, {"SELECT", "6"});
    Must(d, {"RPUSH", "db6:l", "x"});
    Must(d, {"EXEC"});
    Must(d, {"SET", "db6:after", "1"});
    Must(c, {"SET", "db0:after", "1"});
    Must(c, {"SET", "mv", "v"});
    Must(c, {"MOVE", "mv", "9"});
    Must(c, {"SET", "cp", "v", "EX", "1000"});
    Must(c, {"COPY", "cp", "cp2", "DB", "10"});
    Must(d, {"SELECT", "11"});
    Must(d, {"SET", "sw", "was in 11"});
    Must(c, {"SWAPDB", "11", "12"});
    Must(d, {"SET", "sw2", "in 11 after the swap"});
    Must(d, {"SELECT", "13"});
    Must(d, {"SET", "flushed", "v"});
    Must(d, {"FLUSHDB"});
    Must(d, {"SET", "kept", "v"});
  }

  const auto before = Capture(c);
  conn.reset();
  server.Kill();
  START_OR_FAIL(server, args);
  conn = MustConnect(server.port());
  ASSERT_NE(conn, nullptr);
  ExpectSameState(before, Capture(conn.get()), "after replaying the AOF", /*ttl_tolerance_ms=*/1);
  server.Stop();
}

}  // namespace
}  // namespace tessera::integration
