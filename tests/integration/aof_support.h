// Support for the AOF integration tests (aof_test.cc, aof_interop_test.cc): a server process
// that may be loading, killed or refuse to start; the AOF directory as files; the state of a
// whole server as a comparable value; and waiting for a rewrite.
//
// A server replaying its AOF answers -LOADING, which ServerProcess::Start takes for a failed
// start (and then stops it and retries), so these tests run their servers with AofServer, which
// polls through -LOADING and can be SIGKILLed.
#pragma once

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

namespace tessera::integration::aoftest {

namespace fs = std::filesystem;

constexpr int kDatabases = 16;
// The harness runs Tessera with 4 loops; keys are placed as Redis Cluster places slots, dealt
// to the shards in contiguous ranges. Used only to pick keys that live on different shards.
constexpr int kShards = 4;

// A server's --dir, with the paths of its AOF directory.
class TempDir : public ScratchDir {
 public:
  TempDir() : ScratchDir("aof") {}
  std::string AofDir() const { return File("appendonlydir"); }
  std::string Manifest() const { return AofDir() + "/appendonly.aof.manifest"; }
};

inline void AppendToFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << bytes;
  ASSERT_TRUE(out.good()) << "appending to " << path;
}

inline std::string DescribeStatus(int status) {
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
    ReportSanitizerFindings(binary_, log);
    return false;
  }

  pid_t pid() const { return pid_; }

 private:
  bool Spawn(const std::vector<std::string>& extra, std::string* error) {
    port_ = PickFreePort();
    std::vector<std::string> args = BaseServerArgs(binary_);
    if (is_redis()) args.insert(args.end(), {"--save", ""});
    args.insert(args.end(), {"--port", std::to_string(port_), "--bind", "127.0.0.1", "--appendonly",
                             "yes", "--dir", dir_});
    args.insert(args.end(), extra.begin(), extra.end());
    const pid_t pid = SpawnServer(args, log_path_, error);
    if (pid < 0) return false;
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

inline RedisContextPtr MustConnect(int port) {
  RedisContextPtr c = ConnectHiredis(port);
  EXPECT_NE(c, nullptr) << "cannot connect to port " << port;
  return c;
}

// One field of INFO <section> ("" when absent).
inline std::string InfoField(redisContext* c, const std::string& section,
                             const std::string& field) {
  std::istringstream in(MustText(c, {"INFO", section}));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(field + ":", 0) == 0) return line.substr(field.size() + 1);
  }
  return "";
}

// Redis Cluster's CRC16 (XMODEM), to know which shard a key lives on.
inline uint16_t Crc16(std::string_view s) {
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

inline int ShardOf(std::string_view key) { return (Crc16(key) & 16383) * kShards / 16384; }

// ---- the AOF directory ----

struct ManifestEntry {
  std::string name;
  std::string seq;
  std::string type;  // b, h or i
};

// The manifest's lines ("file <name> seq <n> type <t>"); names in these tests need no quoting.
inline std::vector<ManifestEntry> ReadManifest(const TempDir& dir) {
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
inline std::string LastIncrName(const TempDir& dir) {
  std::string last;
  for (const ManifestEntry& e : ReadManifest(dir)) {
    if (e.type == "i") last = e.name;
  }
  EXPECT_FALSE(last.empty()) << "no incr file in the manifest:\n" << ReadFile(dir.Manifest());
  return last;
}

// The offsets at which each RESP command of an AOF file ends.
inline std::vector<size_t> CommandEnds(const std::string& bytes) {
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

inline std::string Canonical(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += StrCat({std::to_string(s.size()), ":", s, ","});
  return out;
}

inline std::string SortedPairs(const std::vector<std::string>& flat) {
  std::vector<std::string> pairs;
  for (size_t i = 0; i + 1 < flat.size(); i += 2)
    pairs.push_back(Canonical({flat[i], flat[i + 1]}));
  std::sort(pairs.begin(), pairs.end());
  return Canonical(pairs);
}

// Every key of every database with its type, value and PEXPIRETIME. Leaves db 0 selected.
inline std::map<std::pair<int, std::string>, KeyDesc> Capture(redisContext* c) {
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

inline std::string Short(const std::string& s) {
  return EscapeBytes(s.size() > 160 ? s.substr(0, 160) + "..." : s);
}

// Fails with the first differences; deadlines may differ by `ttl_tolerance_ms`.
inline void ExpectSameState(const std::map<std::pair<int, std::string>, KeyDesc>& want,
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

// Waits for the rewrite in progress (or scheduled) to end; its status must be ok.
inline void WaitRewriteOk(redisContext* c) {
  bool done = PollUntil(
      [&] {
        return InfoField(c, "persistence", "aof_rewrite_in_progress") == "0" &&
               InfoField(c, "persistence", "aof_rewrite_scheduled") != "1";
      },
      4 * DefaultTimeout());
  ASSERT_TRUE(done) << "aof_rewrite_in_progress stayed 1";
  EXPECT_EQ(InfoField(c, "persistence", "aof_last_bgrewrite_status"), "ok");
}

inline std::string BaseName(const TempDir& dir) {
  for (const ManifestEntry& e : ReadManifest(dir)) {
    if (e.type == "b") return e.name;
  }
  return "";
}

}  // namespace tessera::integration::aoftest
