// RDB snapshots against the real binary (4 shards in the harness): SAVE/BGSAVE round trips of
// every type and encoding, dumps exchanged with Debian's redis-server in both directions, a
// BGSAVE under cross-shard transfers that must be a point-in-time cut, and the save machinery a
// user sees (LASTSAVE, INFO persistence, save points, SHUTDOWN, SIGTERM, refusing a bad file).
//
// Every server gets --dir <fresh temp dir>, so nothing lands in the working directory.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
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

// A server's --dir, with the path of its snapshot.
class TempDir : public ScratchDir {
 public:
  TempDir() : ScratchDir("snap") {}
  std::string Dump() const { return File("dump.rdb"); }
};

// One field of INFO persistence ("" when absent).
std::string InfoField(redisContext* c, const std::string& field) {
  std::string info = MustText(c, {"INFO", "persistence"});
  std::istringstream in(info);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(field + ":", 0) == 0) return line.substr(field.size() + 1);
  }
  return "";
}

int64_t InfoInt(redisContext* c, const std::string& field) {
  std::string v = InfoField(c, field);
  if (v.empty()) {
    ADD_FAILURE() << "INFO persistence has no " << field;
    return INT64_MIN;
  }
  return std::stoll(v);
}

// Waits until no background save is running; false (with a failure) on timeout.
bool WaitBgsaveIdle(redisContext* c) {
  bool idle = PollUntil([&] { return InfoField(c, "rdb_bgsave_in_progress") == "0"; },
                        4 * DefaultTimeout());
  EXPECT_TRUE(idle) << "rdb_bgsave_in_progress stayed 1";
  return idle;
}

bool WaitExited(ServerProcess& server) {
  bool exited = PollUntil([&] { return !server.Running(); });
  EXPECT_TRUE(exited) << server.binary() << " is still running";
  return exited;
}

bool FileExists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

// Starts the server; ready means it answers PING. redis-server answers -LOADING while it loads a
// dump, which the harness takes for a failed start, so it is told to serve nothing until loaded.
void StartOrFail(ServerProcess& server, std::vector<std::string> args) {
  if (server.is_redis()) {
    args.insert(args.end(), {"--loading-process-events-interval-bytes", "2147483647"});
  }
  std::string error;
  ASSERT_TRUE(server.Start(args, &error)) << server.binary() << ": " << error;
}

// ---- the state of a whole server, key by key ----

struct KeyState {
  std::string type;
  std::string encoding;
  // Canonical value: elements as "<len>:<bytes>" in the server's order (lists, zsets with their
  // scores) or sorted (hash fields with values, set members).
  std::string value;
  int64_t expire_at_ms = -1;  // PEXPIRETIME: -1 without a TTL

  bool operator==(const KeyState&) const = default;
};

using DbKey = std::pair<int, std::string>;
using State = std::map<DbKey, KeyState>;

std::string Canonical(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += std::to_string(s.size()) + ":" + s + ",";
  return out;
}

std::string SortedPairs(const std::vector<std::string>& flat) {
  std::vector<std::string> pairs;
  for (size_t i = 0; i + 1 < flat.size(); i += 2) {
    pairs.push_back(Canonical({flat[i], flat[i + 1]}));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& p : pairs) out += p;
  return out;
}

std::string SortedItems(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  return Canonical(items);
}

// Reads every key of every database. Leaves database 0 selected.
State Capture(redisContext* c) {
  State state;
  for (int db = 0; db < kDatabases; ++db) {
    if (Must(c, {"SELECT", std::to_string(db)}) == nullptr) return state;
    for (const std::string& key : MustStrings(c, {"KEYS", "*"})) {
      KeyState k;
      k.type = MustText(c, {"TYPE", key});
      k.encoding = MustText(c, {"OBJECT", "ENCODING", key});
      k.expire_at_ms = MustInt(c, {"PEXPIRETIME", key});
      if (k.type == "string") {
        k.value = Canonical({MustText(c, {"GET", key})});
      } else if (k.type == "list") {
        k.value = Canonical(MustStrings(c, {"LRANGE", key, "0", "-1"}));
      } else if (k.type == "hash") {
        k.value = SortedPairs(MustStrings(c, {"HGETALL", key}));
      } else if (k.type == "set") {
        k.value = SortedItems(MustStrings(c, {"SMEMBERS", key}));
      } else if (k.type == "zset") {
        k.value = Canonical(MustStrings(c, {"ZRANGE", key, "0", "-1", "WITHSCORES"}));
      } else {
        ADD_FAILURE() << "unexpected type " << k.type << " of " << EscapeBytes(key);
      }
      state[{db, key}] = std::move(k);
    }
  }
  Must(c, {"SELECT", "0"});
  return state;
}

std::string Short(const std::string& s) {
  return EscapeBytes(s.size() > 120 ? s.substr(0, 120) + "..." : s);
}

// Fails with the first differences between two whole states (`what` names the comparison).
void ExpectSameState(const State& expected, const State& actual, const std::string& what) {
  int reported = 0;
  auto report = [&](const std::string& msg) {
    if (++reported <= 20) ADD_FAILURE() << what << ": " << msg;
  };
  for (const auto& [k, want] : expected) {
    std::string name = "db " + std::to_string(k.first) + " key " + EscapeBytes(k.second);
    auto it = actual.find(k);
    if (it == actual.end()) {
      report(name + " is missing");
      continue;
    }
    const KeyState& got = it->second;
    if (got.type != want.type) report(name + " type " + got.type + ", want " + want.type);
    if (got.encoding != want.encoding) {
      report(name + " encoding " + got.encoding + ", want " + want.encoding);
    }
    if (got.expire_at_ms != want.expire_at_ms) {
      report(name + " PEXPIRETIME " + std::to_string(got.expire_at_ms) + ", want " +
             std::to_string(want.expire_at_ms));
    }
    if (got.value != want.value) {
      report(name + " value " + Short(got.value) + ", want " + Short(want.value));
    }
  }
  for (const auto& [k, got] : actual) {
    if (!expected.contains(k)) {
      report("unexpected db " + std::to_string(k.first) + " key " + EscapeBytes(k.second));
    }
  }
  if (reported > 20) ADD_FAILURE() << what << ": " << reported - 20 << " more differences";
}

// ---- the data set: every type and encoding Redis 7.0 has ----

// What was written, key by key, and the TTL each key was given.
struct Written {
  State keys;
  // Keys written with a relative TTL: PEXPIRETIME must be within this of the recorded value.
  std::map<DbKey, int64_t> ttl_tolerance_ms;
};

class DataSetWriter {
 public:
  DataSetWriter(redisContext* c, int db, Written* out) : c_(c), db_(db), out_(out) {
    Must(c_, {"SELECT", std::to_string(db)});
  }
  ~DataSetWriter() { Must(c_, {"SELECT", "0"}); }

  void String(const std::string& key, const std::string& value, const std::string& encoding) {
    Must(c_, {"SET", key, value});
    Record(key, "string", encoding, Canonical({value}));
  }
  void List(const std::string& key, const std::vector<std::string>& items) {
    std::vector<std::string> cmd = {"RPUSH", key};
    cmd.insert(cmd.end(), items.begin(), items.end());
    Must(c_, cmd);
    // Redis 7.0 reports every list as a quicklist (docs/differences.md).
    Record(key, "list", "quicklist", Canonical(items));
  }
  void Hash(const std::string& key, const std::vector<std::string>& flat,
            const std::string& encoding) {
    std::vector<std::string> cmd = {"HSET", key};
    cmd.insert(cmd.end(), flat.begin(), flat.end());
    Must(c_, cmd);
    Record(key, "hash", encoding, SortedPairs(flat));
  }
  void Set(const std::string& key, const std::vector<std::string>& members,
           const std::string& encoding) {
    std::vector<std::string> cmd = {"SADD", key};
    cmd.insert(cmd.end(), members.begin(), members.end());
    Must(c_, cmd);
    Record(key, "set", encoding, SortedItems(members));
  }
  // `entries`: (score as the server prints it, member); the scores must be distinct.
  void Zset(const std::string& key, std::vector<std::pair<std::string, std::string>> entries,
            const std::string& encoding) {
    std::vector<std::string> cmd = {"ZADD", key};
    for (const auto& [score, member] : entries) {
      cmd.push_back(score);
      cmd.push_back(member);
    }
    Must(c_, cmd);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return std::strtod(a.first.c_str(), nullptr) < std::strtod(b.first.c_str(), nullptr);
    });
    std::vector<std::string> flat;
    for (const auto& [score, member] : entries) {
      flat.push_back(member);
      flat.push_back(score);
    }
    Record(key, "zset", encoding, Canonical(flat));
  }
  // An absolute deadline (PEXPIREAT).
  void ExpireAt(const std::string& key, int64_t at_ms) {
    EXPECT_EQ(MustInt(c_, {"PEXPIREAT", key, std::to_string(at_ms)}), 1);
    out_->keys[{db_, key}].expire_at_ms = at_ms;
  }
  // A relative TTL (EXPIRE): the deadline is known within the time the command took.
  void ExpireIn(const std::string& key, int64_t secs) {
    int64_t before = NowUnixMs();
    EXPECT_EQ(MustInt(c_, {"EXPIRE", key, std::to_string(secs)}), 1);
    int64_t after = NowUnixMs();
    out_->keys[{db_, key}].expire_at_ms = before + secs * 1000;
    out_->ttl_tolerance_ms[{db_, key}] = after - before + 1000;
  }

 private:
  void Record(const std::string& key, const char* type, const std::string& encoding,
              std::string value) {
    KeyState k;
    k.type = type;
    k.encoding = encoding;
    k.value = std::move(value);
    out_->keys[{db_, key}] = std::move(k);
  }

  redisContext* c_;
  int db_;
  Written* out_;
};

// Fills database `db` with keys prefixed `p` of every type and encoding, and records them.
void FillDatabase(redisContext* c, int db, const std::string& p, Written* out) {
  DataSetWriter w(c, db, out);
  // Strings: int, embstr, raw; a compressible value and a binary one past LZF's 20-byte floor.
  w.String(p + "s:int", "12345", "int");
  w.String(p + "s:neg", "-42", "int");
  w.String(p + "s:int64", "9223372036854775807", "int");
  w.String(p + "s:int-like", "007", "embstr");
  w.String(p + "s:embstr", "hello world", "embstr");
  w.String(p + "s:empty", "", "embstr");
  w.String(p + "s:binary", std::string("a\0b\r\n\xff", 6), "embstr");
  std::string compressible;
  while (compressible.size() < 3000) compressible += "compress me please ";
  w.String(p + "s:compressible", compressible, "raw");
  w.String(p + "s:compress21", std::string(21, 'z'), "embstr");
  std::string binary;
  for (int i = 0; i < 300; ++i) binary.push_back(static_cast<char>((i * 7919 + 13) % 256));
  w.String(p + "s:binary300", binary, "raw");
  std::string binary_repeating;
  for (int i = 0; i < 500; ++i) binary_repeating.push_back(static_cast<char>(i % 8 == 0 ? 0 : 255));
  w.String(p + "s:binary-repeating", binary_repeating, "raw");
  w.String(p + std::string(70, 'k'), "a key longer than sixty bytes", "embstr");
  w.String(p + "s:ttl-abs", "expiring", "embstr");
  w.ExpireAt(p + "s:ttl-abs", 4102444800123);
  w.String(p + "s:ttl-rel", "expiring later", "embstr");
  w.ExpireIn(p + "s:ttl-rel", 3600);

  // Lists: one node, and many nodes (2000 elements over the default 8 KB node size).
  w.List(p + "l:small", {"a", "1", "-7", "bb", "123456789012", ""});
  std::vector<std::string> big_list;
  for (int i = 0; i < 2000; ++i) {
    big_list.push_back(i % 3 == 0 ? std::to_string(i * 104729) : "element-" + std::to_string(i));
  }
  big_list.push_back(compressible);
  w.List(p + "l:big", big_list);
  w.ExpireAt(p + "l:big", 4102444800999);

  // Hashes: listpack; hashtable by size (> 128 fields) and by value length (> 64 bytes).
  w.Hash(p + "h:small", {"f1", "v1", "n", "42", "neg", "-5", "empty", ""}, "listpack");
  std::vector<std::string> big_hash;
  for (int i = 0; i < 1000; ++i) {
    big_hash.push_back("field:" + std::to_string(i));
    big_hash.push_back(i % 2 == 0 ? std::to_string(i) : "value-" + std::to_string(i));
  }
  w.Hash(p + "h:big", big_hash, "hashtable");
  w.Hash(p + "h:longvalue", {"short", "x", "long", std::string(100, 'v')}, "hashtable");
  w.ExpireIn(p + "h:longvalue", 7200);

  // Sets: intset (16, 32 and 64-bit members); hashtable by strings and by size (> 512).
  w.Set(p + "set:int16", {"1", "2", "3", "-100"}, "intset");
  w.Set(p + "set:int64", {"1", "70000", "-5000000000", "9223372036854775807"}, "intset");
  w.Set(p + "set:strings", {"a", "b", "c", "longer member"}, "hashtable");
  std::vector<std::string> many_ints;
  for (int i = 0; i < 600; ++i) many_ints.push_back(std::to_string(i * 3));
  w.Set(p + "set:bigint", many_ints, "hashtable");

  // Sorted sets: listpack and skiplist, with infinite and fractional scores.
  w.Zset(p + "z:small", {{"1.5", "a"}, {"-2", "b"}, {"inf", "top"}, {"-inf", "bottom"}, {"0", "z"}},
         "listpack");
  std::vector<std::pair<std::string, std::string>> big_zset;
  for (int i = 0; i < 300; ++i) {
    big_zset.emplace_back(std::to_string(i) + ".25", "member:" + std::to_string(i));
  }
  big_zset.emplace_back("inf", "plus-infinity");
  big_zset.emplace_back("-inf", "minus-infinity");
  w.Zset(p + "z:big", big_zset, "skiplist");
  w.Zset(p + "z:longmember", {{"1", std::string(100, 'm')}, {"2", "short"}}, "skiplist");
  w.ExpireAt(p + "z:longmember", 4102444801000);
}

// The data set of the round-trip tests: database 0 in full, database 5 in full with another
// prefix.
Written FillAll(redisContext* c) {
  Written w;
  FillDatabase(c, 0, "", &w);
  FillDatabase(c, 5, "db5:", &w);
  return w;
}

// Fails unless `actual` holds exactly what was written (relative TTLs within their tolerance).
void ExpectWritten(const Written& written, const State& actual, const std::string& what) {
  State expected = written.keys;
  for (const auto& [k, tolerance] : written.ttl_tolerance_ms) {
    auto it = actual.find(k);
    if (it == actual.end()) continue;  // reported as missing below
    int64_t want = expected[k].expire_at_ms;
    EXPECT_LE(std::llabs(it->second.expire_at_ms - want), tolerance)
        << what << ": TTL of db " << k.first << " key " << k.second << " is "
        << it->second.expire_at_ms << ", want " << want << " +- " << tolerance;
    expected[k].expire_at_ms = it->second.expire_at_ms;
  }
  ExpectSameState(expected, actual, what);
}

// ---- running a server that must refuse to start ----

struct StartupOutcome {
  bool served = false;  // it answered PING: it started
  bool exited = false;
  int status = 0;  // wait status when exited
  std::string log;
};

// Starts `binary` the way ServerProcess does and waits until it either serves or exits.
StartupOutcome StartAndWatch(const std::string& binary, const std::vector<std::string>& extra) {
  StartupOutcome out;
  char tmpl[] = "/tmp/tessera-snap-log-XXXXXX";
  int log_fd = mkstemp(tmpl);
  if (log_fd < 0) {
    ADD_FAILURE() << "mkstemp: " << strerror(errno);
    return out;
  }
  close(log_fd);
  const std::string log_path = tmpl;
  const int port = PickFreePort();
  std::vector<std::string> args = BaseServerArgs(binary);
  if (IsRedisBinary(binary)) args.insert(args.end(), {"--save", "", "--appendonly", "no"});
  args.insert(args.end(), {"--port", std::to_string(port), "--bind", "127.0.0.1"});
  args.insert(args.end(), extra.begin(), extra.end());
  std::string error;
  const pid_t pid = SpawnServer(args, log_path, &error);
  if (pid < 0) {
    ADD_FAILURE() << error;
    unlink(log_path.c_str());
    return out;
  }
  auto deadline = Clock::now() + DefaultTimeout();
  while (Clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      out.exited = true;
      out.status = status;
      break;
    }
    RawClient probe;
    if (probe.Connect(port)) {
      protocol::RespValue v = probe.Call({"PING"});
      if (v.type == protocol::RespValue::Type::kSimpleString && v.str == "PONG") {
        out.served = true;
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        break;
      }
    }
    std::this_thread::sleep_for(milliseconds(10));  // polling interval
  }
  if (!out.exited && !out.served) {
    int status = 0;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    ADD_FAILURE() << binary << " neither served nor exited in time";
  }
  out.log = ReadFile(log_path);
  unlink(log_path.c_str());
  return out;
}

// Loads `count` string keys "fill:<i>" through pipelines of SETs.
void LoadStrings(redisContext* c, int from, int count, size_t value_size) {
  constexpr int kBatch = 5000;
  const std::string value(value_size, 'f');
  for (int start = from; start < from + count; start += kBatch) {
    int end = std::min(from + count, start + kBatch);
    for (int i = start; i < end; ++i) AppendCommand(c, {"SET", "fill:" + std::to_string(i), value});
    for (int i = start; i < end; ++i) {
      RedisReplyPtr r = GetReply(c);
      if (r == nullptr || r->type == REDIS_REPLY_ERROR) {
        ADD_FAILURE() << "SET fill:" << i << " answered " << Describe(r.get());
        return;
      }
    }
  }
}

class SnapshotTest : public ::testing::Test {
 protected:
  bool UnderRedis() const { return IsRedisBinary(ServerUnderTest()); }
};

// ---- tests ----

// Everything written survives SAVE, stop and a fresh start on the same directory: values,
// types, OBJECT ENCODING and TTLs, in the databases they were written to.
TEST_F(SnapshotTest, RoundTripKeepsEveryTypeEncodingAndTtl) {
  TempDir dir;
  Written written;
  State before;
  int64_t soon_ms = 0;
  {
    ServerProcess server;
    ASSERT_NO_FATAL_FAILURE(StartOrFail(server, {"--dir", dir.path()}));
    RedisContextPtr c = ConnectHiredis(server.port());
    ASSERT_NE(c, nullptr);
    written = FillAll(c.get());
    ASSERT_FALSE(HasFailure());
    before = Capture(c.get());
    ExpectWritten(written, before, "before SAVE");
    // A key that expires between the save and the restart is not loaded.
    soon_ms = NowUnixMs() + 1500;
    Must(c.get(), {"SET", "expires-before-load", "x", "PXAT", std::to_string(soon_ms)});
    EXPECT_EQ(MustText(c.get(), {"SAVE"}), "OK");
    EXPECT_EQ(server.Stop(), 0) << server.Log();
  }
  ASSERT_TRUE(FileExists(dir.Dump()));
  ASSERT_TRUE(PollUntil([&] { return NowUnixMs() > soon_ms + 10; }));

  ServerProcess server;
  ASSERT_NO_FATAL_FAILURE(StartOrFail(server, {"--dir", dir.path()}));
  RedisContextPtr c = ConnectHiredis(server.port());
  ASSERT_NE(c, nullptr);
  State after = Capture(c.get());
  ExpectSameState(before, after, "after restart vs before SAVE");
  ExpectWritten(written, after, "after restart vs written");
  const std::string log = server.Log();
  EXPECT_NE(log.find("Done loading RDB, keys loaded: " + std::to_string(written.keys.size()) +
                     ", keys expired: 1."),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("DB loaded from disk: "), std::string::npos) << log;
}

// A dump written by redis-server loads into the server under test unchanged, and the dump that
// server writes loads into redis-server unchanged and passes redis-check-rdb.
TEST_F(SnapshotTest, RedisToServerToRedis) {
  TempDir redis_dir, our_dir, back_dir;
  Written written;
  State from_redis;
  {
    ServerProcess redis(ReferenceServer());
    ASSERT_NO_FATAL_FAILURE(StartOrFail(redis, {"--dir", redis_dir.path()}));
    RedisContextPtr c = ConnectHiredis(redis.port());
    ASSERT_NE(c, nullptr);
    written = FillAll(c.get());
    ASSERT_FALSE(HasFailure());
    from_redis = Capture(c.get());
    ExpectWritten(written, from_redis, "redis-server before SAVE");
    ASSERT_EQ(MustText(c.get(), {"SAVE"}), "OK");
  }
  fs::copy_file(redis_dir.Dump(), our_dir.Dump());
  {
    ServerProcess server;
    ASSERT_NO_FATAL_FAILURE(StartOrFail(server, {"--dir", our_dir.path()}));
    RedisContextPtr c = ConnectHiredis(server.port());
    ASSERT_NE(c, nullptr);
    State loaded = Capture(c.get());
    ExpectSameState(from_redis, loaded, "server under test after loading redis-server's dump");
    // Its own SAVE, written from what it loaded (the loaded file is replaced).
    EXPECT_EQ(MustInt(c.get(), {"DEL", "extra"}), 0);
    ASSERT_EQ(MustText(c.get(), {"SAVE"}), "OK");
    EXPECT_EQ(server.Stop(), 0) << server.Log();
  }
  fs::copy_file(our_dir.Dump(), back_dir.Dump());

  FILE* check = popen(("/usr/bin/redis-check-rdb " + our_dir.Dump() + " 2>&1").c_str(), "r");
  ASSERT_NE(check, nullptr);
  std::string check_out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, check)) check_out.append(buf, n);
  int check_status = pclose(check);
  EXPECT_NE(check_out.find("RDB looks OK"), std::string::npos) << check_out;
  EXPECT_EQ(check_status, 0) << check_out;

  ServerProcess redis(ReferenceServer());
  ASSERT_NO_FATAL_FAILURE(StartOrFail(redis, {"--dir", back_dir.path()}));
  RedisContextPtr c = ConnectHiredis(redis.port());
  ASSERT_NE(c, nullptr);
  State back = Capture(c.get());
  ExpectSameState(from_redis, back, "redis-server after loading the server's dump");
}

// BGSAVEs taken while 16 clients move amounts between 1,000 accounts on every shard in
// MULTI/EXEC transactions are each a point-in-time cut: each dump, read back by redis-server,
// holds the constant total.
TEST_F(SnapshotTest, BgsaveUnderCrossShardTransfersIsAConsistentCut) {
  constexpr int kAccounts = 1000;
  constexpr int kClients = 16;
  constexpr int kSaves = 3;
  constexpr int kFiller = 200000;  // so each pass takes many slices while transfers run
  constexpr int64_t kStart = 1000;
  const int64_t total = kStart * kAccounts;
  TempDir dir, copies;
  ServerProcess server;
  ASSERT_NO_FATAL_FAILURE(StartOrFail(server, {"--dir", dir.path()}));
  RedisContextPtr c = ConnectHiredis(server.port());
  ASSERT_NE(c, nullptr);

  std::vector<std::string> accounts;
  std::vector<std::string> mget = {"MGET"};
  for (int i = 0; i < kAccounts; ++i) {
    accounts.push_back("account:" + std::to_string(i));
    mget.push_back(accounts.back());
    AppendCommand(c.get(), {"SET", accounts.back(), std::to_string(kStart)});
  }
  for (int i = 0; i < kAccounts; ++i) {
    RedisReplyPtr r = GetReply(c.get());
    ASSERT_TRUE(r != nullptr && r->type == REDIS_REPLY_STATUS) << Describe(r.get());
  }
  LoadStrings(c.get(), 0, kFiller, 32);
  ASSERT_FALSE(HasFailure());

  std::atomic<bool> stop{false};
  std::atomic<int64_t> transfers{0};
  std::atomic<int> failed_execs{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      RedisContextPtr tc = ConnectHiredis(server.port());
      if (tc == nullptr) {
        ++failed_execs;
        return;
      }
      std::mt19937 rng(static_cast<unsigned>(t + 1));
      std::uniform_int_distribution<int> pick(0, kAccounts - 1);
      std::uniform_int_distribution<int> amount(1, 50);
      while (!stop.load()) {
        const std::string& from = accounts[pick(rng)];
        const std::string& to = accounts[pick(rng)];
        std::string n = std::to_string(amount(rng));
        AppendCommand(tc.get(), {"MULTI"});
        AppendCommand(tc.get(), {"DECRBY", from, n});
        AppendCommand(tc.get(), {"INCRBY", to, n});
        AppendCommand(tc.get(), {"EXEC"});
        RedisReplyPtr exec;
        for (int r = 0; r < 4; ++r) exec = GetReply(tc.get());
        if (exec == nullptr || exec->type != REDIS_REPLY_ARRAY || exec->elements != 2) {
          ++failed_execs;
          return;
        }
        ++transfers;
      }
    });
  }

  int overlapped = 0;
  for (int s = 0; s < kSaves && !HasFailure(); ++s) {
    const int64_t wait_for = transfers.load() + 200;
    ASSERT_TRUE(PollUntil([&] { return transfers.load() >= wait_for || failed_execs > 0; }));
    ASSERT_EQ(failed_execs.load(), 0);
    const int64_t at_start = transfers.load();
    RedisReplyPtr r = Command(c.get(), {"BGSAVE"});
    ASSERT_EQ(Describe(r.get()), "+Background saving started");
    ASSERT_TRUE(WaitBgsaveIdle(c.get()));
    ASSERT_EQ(InfoField(c.get(), "rdb_last_bgsave_status"), "ok");
    if (transfers.load() > at_start) ++overlapped;
    fs::copy_file(dir.Dump(), copies.File("cut" + std::to_string(s) + ".rdb"));
  }
  stop = true;
  for (auto& t : clients) t.join();
  ASSERT_EQ(failed_execs.load(), 0);
  ASSERT_FALSE(HasFailure());
  int64_t live = 0;
  for (const std::string& v : MustStrings(c.get(), mget)) live += std::stoll(v);
  EXPECT_EQ(live, total) << "the live total drifted: the transfers themselves are broken";
  EXPECT_GT(overlapped, 0) << "no save overlapped a transfer: the test proved nothing";
  RecordProperty("transfers", static_cast<int>(transfers.load()));
  RecordProperty("saves_overlapping_transfers", overlapped);

  for (int s = 0; s < kSaves; ++s) {
    SCOPED_TRACE("cut " + std::to_string(s));
    ServerProcess reader(ReferenceServer());
    ASSERT_NO_FATAL_FAILURE(StartOrFail(
        reader, {"--dir", copies.path(), "--dbfilename", "cut" + std::to_string(s) + ".rdb"}));
    RedisContextPtr rc = ConnectHiredis(reader.port());
    ASSERT_NE(rc, nullptr);
    EXPECT_EQ(MustInt(rc.get(), {"DBSIZE"}), kAccounts + kFiller);
    RedisReplyPtr values = Must(rc.get(), mget);
    ASSERT_NE(values, nullptr);
    ASSERT_EQ(values->type, REDIS_REPLY_ARRAY);
    int64_t sum = 0;
    int missing = 0;
    for (size_t i = 0; i < values->elements; ++i) {
      if (values->element[i]->type != REDIS_REPLY_STRING) {
        ++missing;
        continue;
      }
      sum += std::stoll(Str(values->element[i]));
    }
    EXPECT_EQ(missing, 0);
    EXPECT_EQ(sum, total) << "the dump is not a point-in-time cut";
  }
}

// Writes that come after BGSAVE answered are not in the dump, whatever the pass had reached:
// overwritten, deleted and grown keys are saved as they were, new keys are absent.
TEST_F(SnapshotTest, BgsaveSavesTheDataAsOfItsStart) {
  constexpr int kKeys = 200000;
  TempDir dir, copy;
  ServerProcess server;
  ASSERT_NO_FATAL_FAILURE(StartOrFail(server, {"--dir", dir.path()}));
  RedisContextPtr c = ConnectHiredis(server.port());
  ASSERT_NE(c, nullptr);
  LoadStrings(c.get(), 0, kKeys, 8);
  std::vector<std::string> hash = {"HSET", "big-hash"};
  std::vector<std::string> list = {"RPUSH", "big-list"};
  for (int i = 0; i < 1000; ++i) {
    hash.push_back("f" + std::to_string(i));
    hash.push_back("old");
    list.push_back("old" + std::to_string(i));
  }
  Must(c.get(), hash);
  Must(c.get(), list);
  Must(c.get(), {"ZADD", "zset", "1", "a", "2", "b"});
  ASSERT_FALSE(HasFailure());

  ASSERT_EQ(Describe(Command(c.get(), {"BGSAVE", "SCHEDULE"}).get()), "+Background saving started");
  // Every tenth key overwritten, every tenth deleted, new keys, collections changed in place.
  for (int i = 0; i < kKeys; i += 10) {
    AppendCommand(c.get(), {"SET", "fill:" + std::to_string(i), "new"});
    AppendCommand(c.get(), {"DEL", "fill:" + std::to_string(i + 1)});
    AppendCommand(c.get(), {"SET", "new:" + std::to_string(i), "new"});
  }
  AppendCommand(c.get(), {"HSET", "big-hash", "f1", "new", "added", "new"});
  AppendCommand(c.get(), {"RPUSH", "big-list", "new"});
  AppendCommand(c.get(), {"LSET", "big-list", "0", "new"});
  AppendCommand(c.get(), {"ZINCRBY", "zset", "10", "a"});
  AppendCommand(c.get(), {"DEL", "big-hash-missing"});
  const int pipelined = kKeys / 10 * 3 + 5;
  for (int i = 0; i < pipelined; ++i) {
    RedisReplyPtr r = GetReply(c.get());
    ASSERT_TRUE(r != nullptr && r->type != REDIS_REPLY_ERROR) << Describe(r.get());
  }
  const bool wrote_during_save = InfoField(c.get(), "rdb_bgsave_in_progress") == "1";
  ASSERT_TRUE(WaitBgsaveIdle(c.get()));
  ASSERT_EQ(InfoField(c.get(), "rdb_last_bgsave_status"), "ok");
  RecordProperty("wrote_during_save", wrote_during_save ? 1 : 0);
  fs::copy_file(dir.Dump(), copy.Dump());
  EXPECT_GE(InfoInt(c.get(), "rdb_changes_since_last_save"), kKeys / 10 * 3)
      << "the writes made during the save must still count as unsaved";

  ServerProcess reader(ReferenceServer());
  ASSERT_NO_FATAL_FAILURE(StartOrFail(reader, {"--dir", copy.path()}));
  RedisContextPtr rc = ConnectHiredis(reader.port());
  ASSERT_NE(rc, nullptr);
  EXPECT_EQ(MustInt(rc.get(), {"DBSIZE"}), kKeys + 3);
  EXPECT_EQ(MustStrings(rc.get(), {"KEYS", "new:*"}), std::vector<std::string>{});
  int wrong = 0;
  for (int start = 0; start < kKeys; start += 10000) {
    std::vector<std::string> mget = {"MGET"};
    for (int i = start; i < start + 10000; ++i) mget.push_back("fill:" + std::to_string(i));
    std::vector<std::string> values = MustStrings(rc.get(), mget);
    ASSERT_EQ(values.size(), 10000u);
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i] != std::string(8, 'f') && ++wrong <= 5) {
        ADD_FAILURE() << "fill:" << start + i << " is \"" << EscapeBytes(values[i])
                      << "\" in the dump, want the value from before BGSAVE";
      }
    }
  }
  EXPECT_EQ(wrong, 0);
  std::vector<std::string> hash_now = MustStrings(rc.get(), {"HGETALL", "big-hash"});
  EXPECT_EQ(SortedPairs(hash_now), SortedPairs({hash.begin() + 2, hash.end()}));
  std::vector<std::string> list_now = MustStrings(rc.get(), {"LRANGE", "big-list", "0", "-1"});
  EXPECT_EQ(list_now, std::vector<std::string>(list.begin() + 2, list.end()));
  EXPECT_EQ(MustStrings(rc.get(), {"ZRANGE", "zset", "0", "-1", "WITHSCORES"}),
            (std::vector<std::string>{"a", "1", "b", "2"}));
}

// A second BGSAVE (or a SAVE) while one runs is refused with Redis's error, and the running one
// still completes.
TEST_F(SnapshotTest, BgsaveWhileOneRunsIsRefused) {
  TempDir dir;
  ServerProcess server;
  ASSERT_NO_FATAL_FAILURE(StartOrFail(server, {"--dir", dir.path()}));
  RedisContextPtr c = ConnectHiredis(server.port());
  ASSERT_NE(c, nullptr);
  int loaded = 0;
  bool observed = false;
  for (int keys = 300000; keys <= 2400000 && !observed; keys *= 2) {
    LoadStrings(c.get(), loaded, keys - loaded, 16);
    ASSERT_FALSE(HasFailure());
    loaded = keys;
    ASSERT_EQ(Describe(Command(c.get(), {"BGSAVE"}).get()), "+Background saving started");
    RedisReplyPtr second = Command(c.get(), {"BGSAVE"});
    RedisReplyPtr save = Command(c.get(), {"SAVE"});
    const bool still_running = InfoField(c.get(), "rdb_bgsave_in_progress") == "1";
    ASSERT_NE(second, nullptr);
    if (second->type == REDIS_REPLY_ERROR) {
      observed = true;
      EXPECT_EQ(Str(second.get()), "ERR Background save already in progress");
      // SAVE came after the refused BGSAVE: refused too unless the save had finished by then.
      if (still_running) {
        EXPECT_EQ(Describe(save.get()), "-ERR Background save already in progress");
      }
    } else {
      // The first save finished before the second BGSAVE arrived; try with more keys.
      EXPECT_EQ(Describe(second.get()), "+Background saving started");
    }
    ASSERT_TRUE(WaitBgsaveIdle(c.get()));
    EXPECT_EQ(InfoField(c.get(), "rdb_last_bgsave_status"), "ok");
  }
  EXPECT_TRUE(observed) << "every BGSAVE finished before the next command; up to " << loaded
                        << " keys";
  // The dump holds every key.
  ASSERT_EQ(server.Stop(), 0);
  ServerProcess again;
  ASSERT_NO_FATAL_FAILURE(StartOrFail(again, {"--dir", dir.path()}));
  RedisContextPtr c2 = ConnectHiredis(again.port());
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(MustInt(c2.get(), {"DBSIZE"}), loaded);
}

// LASTSAVE moves forward with each save; INFO persistence counts changes since the last one.
TEST_F(SnapshotTest, LastsaveAndChangesSinceLastSave) {
  TempDir dir;
  ServerProcess server;
  ASSERT_NO_FATAL_FAILURE(StartOrFail(server, {"--dir", dir.path()}));
  RedisContextPtr c = ConnectHiredis(server.port());
  ASSERT_NE(c, nullptr);
  const int64_t saves0 = InfoInt(c.get(), "rdb_saves");
  EXPECT_EQ(InfoInt(c.get(), "rdb_changes_since_last_save"), 0);
  Must(c.get(), {"SET", "a", "1"});
  Must(c.get(), {"SET", "b", "2"});
  // Redis counts a push per element pushed (pushGenericCommand: dirty += pushed); Tessera counts
  // one per write command (docs/differences.md).
  Must(c.get(), {"LPUSH", "l", "x", "y"});
  EXPECT_EQ(InfoInt(c.get(), "rdb_changes_since_last_save"), server.is_redis() ? 4 : 3)
      << "SET a, SET b, LPUSH l x y: Redis 7.0 reports 4, Tessera 3";

  const int64_t start = MustInt(c.get(), {"LASTSAVE"});
  // LASTSAVE has one-second resolution: wait for the clock to pass it so a save must show
  // (by 50 ms: Redis reads time(), the coarse clock, which lags the precise one by a tick).
  ASSERT_TRUE(PollUntil([&] { return NowUnixMs() > (start + 1) * 1000 + 50; }));
  EXPECT_EQ(MustText(c.get(), {"SAVE"}), "OK");
  const int64_t after_save = MustInt(c.get(), {"LASTSAVE"});
  EXPECT_GT(after_save, start);
  EXPECT_LE(after_save, NowUnixMs() / 1000);
  EXPECT_EQ(InfoInt(c.get(), "rdb_changes_since_last_save"), 0);
  EXPECT_EQ(InfoInt(c.get(), "rdb_saves"), saves0 + 1);
  EXPECT_EQ(InfoInt(c.get(), "rdb_last_save_time"), after_save);

  // Reads and writes that change nothing are not changes.
  MustText(c.get(), {"GET", "a"});
  EXPECT_EQ(MustInt(c.get(), {"DEL", "missing"}), 0);
  EXPECT_EQ(InfoInt(c.get(), "rdb_changes_since_last_save"), 0);
  Must(c.get(), {"SET", "a", "3"});
  Must(c.get(), {"INCR", "counter"});
  Must(c.get(), {"DEL", "b"});
  EXPECT_EQ(InfoInt(c.get(), "rdb_changes_since_last_save"), 3);

  ASSERT_TRUE(PollUntil([&] { return NowUnixMs() > (after_save + 1) * 1000 + 50; }));
  ASSERT_EQ(Describe(Command(c.get(), {"BGSAVE"}).get()), "+Background saving started");
  ASSERT_TRUE(WaitBgsaveIdle(c.get()));
  EXPECT_EQ(InfoField(c.get(), "rdb_last_bgsave_status"), "ok");
  EXPECT_GT(MustInt(c.get(), {"LASTSAVE"}), after_save);
  EXPECT_EQ(InfoInt(c.get(), "rdb_changes_since_last_save"), 0);
  EXPECT_EQ(InfoInt(c.get(), "rdb_saves"), saves0 + 2);
  EXPECT_GE(InfoInt(c.get(), "rdb_last_bgsave_time_sec"), 0);
  EXPECT_EQ(InfoInt(c.get(), "rdb_current_bgsave_time_sec"), -1);
}

// `save 1 1`: a write is saved in the background by itself within a couple of seconds.
TEST_F(SnapshotTest, SavePointTriggersABackgroundSave) {
  TempDir dir;
  {
    ServerProcess server;
    ASSERT_NO_FATAL_FAILURE(StartOrFail(server, {"--dir", dir.path(), "--save", "1 1"}));
    RedisContextPtr c = ConnectHiredis(server.port());
    ASSERT_NE(c, nullptr);
    const int64_t saves0 = InfoInt(c.get(), "rdb_saves");
    Must(c.get(), {"SET", "saved-by-save-point", "yes"});
    EXPECT_TRUE(PollUntil([&] { return InfoInt(c.get(), "rdb_saves") > saves0; }))
        << "no save within the deadline; log:\n"
        << server.Log();
    ASSERT_TRUE(WaitBgsaveIdle(c.get()));
    EXPECT_EQ(InfoInt(c.get(), "rdb_changes_since_last_save"), 0);
    EXPECT_TRUE(FileExists(dir.Dump()));
    // The file must hold the write already: stop without another save.
    Command(c.get(), {"SHUTDOWN", "NOSAVE"});
    ASSERT_TRUE(WaitExited(server));
  }
  ServerProcess again;
  ASSERT_NO_FATAL_FAILURE(StartOrFail(again, {"--dir", dir.path()}));
  RedisContextPtr c = ConnectHiredis(again.port());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(MustText(c.get(), {"GET", "saved-by-save-point"}), "yes");
}

// SHUTDOWN NOSAVE does not save even with save points configured.
TEST_F(SnapshotTest, ShutdownNosaveDoesNotWrite) {
  TempDir dir;
  ServerProcess server;
  ASSERT_NO_FATAL_FAILURE(StartOrFail(server, {"--dir", dir.path(), "--save", "3600 1"}));
  RedisContextPtr c = ConnectHiredis(server.port());
  ASSERT_NE(c, nullptr);
  Must(c.get(), {"SET", "k", "v"});
  RedisReplyPtr r = Command(c.get(), {"SHUTDOWN", "NOSAVE"});
  EXPECT_TRUE(r == nullptr || r->type != REDIS_REPLY_ERROR) << Describe(r.get());
  ASSERT_TRUE(WaitExited(server));
  EXPECT_FALSE(FileExists(dir.Dump()));
}

// SHUTDOWN SAVE saves even without save points, and the data is there after a restart.
TEST_F(SnapshotTest, ShutdownSaveWritesWithoutSavePoints) {
  TempDir dir;
  {
    ServerProcess server;
    ASSERT_NO_FATAL_FAILURE(StartOrFail(server, {"--dir", dir.path(), "--save", ""}));
    RedisContextPtr c = ConnectHiredis(server.port());
    ASSERT_NE(c, nullptr);
    Must(c.get(), {"SET", "k", "saved at shutdown"});
    Must(c.get(), {"SELECT", "3"});
    Must(c.get(), {"RPUSH", "list", "a", "b"});
    RedisReplyPtr r = Command(c.get(), {"SHUTDOWN", "SAVE"});
    EXPECT_TRUE(r == nullptr || r->type != REDIS_REPLY_ERROR) << Describe(r.get());
    ASSERT_TRUE(WaitExited(server));
  }
  ASSERT_TRUE(FileExists(dir.Dump()));
  ServerProcess again;
  ASSERT_NO_FATAL_FAILURE(StartOrFail(again, {"--dir", dir.path()}));
  RedisContextPtr c = ConnectHiredis(again.port());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(MustText(c.get(), {"GET", "k"}), "saved at shutdown");
  Must(c.get(), {"SELECT", "3"});
  EXPECT_EQ(MustStrings(c.get(), {"LRANGE", "list", "0", "-1"}),
            (std::vector<std::string>{"a", "b"}));
}

// SIGTERM with save points configured saves before exiting (and exits cleanly).
TEST_F(SnapshotTest, SigtermWithSavePointsSaves) {
  TempDir dir;
  {
    ServerProcess server;
    ASSERT_NO_FATAL_FAILURE(StartOrFail(server, {"--dir", dir.path(), "--save", "3600 1"}));
    RedisContextPtr c = ConnectHiredis(server.port());
    ASSERT_NE(c, nullptr);
    LoadStrings(c.get(), 0, 20000, 20);
    Must(c.get(), {"SET", "last", "written just before SIGTERM"});
    ASSERT_EQ(kill(server.pid(), SIGTERM), 0);
    ASSERT_TRUE(WaitExited(server));
  }
  ASSERT_TRUE(FileExists(dir.Dump()));
  ServerProcess again;
  ASSERT_NO_FATAL_FAILURE(StartOrFail(again, {"--dir", dir.path()}));
  RedisContextPtr c = ConnectHiredis(again.port());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(MustInt(c.get(), {"DBSIZE"}), 20001);
  EXPECT_EQ(MustText(c.get(), {"GET", "last"}), "written just before SIGTERM");
}

// A damaged dump makes the server exit non-zero at startup with a message, and leaves the file
// as it was: never serve half a data set.
TEST_F(SnapshotTest, DamagedDumpRefusesToStart) {
  TempDir dir;
  {
    ServerProcess server;
    ASSERT_NO_FATAL_FAILURE(StartOrFail(server, {"--dir", dir.path()}));
    RedisContextPtr c = ConnectHiredis(server.port());
    ASSERT_NE(c, nullptr);
    FillAll(c.get());
    LoadStrings(c.get(), 0, 5000, 40);
    ASSERT_EQ(MustText(c.get(), {"SAVE"}), "OK");
  }
  const std::string good = ReadFile(dir.Dump());
  ASSERT_GT(good.size(), 1000u);

  struct Damage {
    const char* name;
    std::string bytes;
  };
  std::vector<Damage> damages;
  damages.push_back({"truncated to half", good.substr(0, good.size() / 2)});
  damages.push_back({"checksum cut off", good.substr(0, good.size() - 8)});
  damages.push_back({"truncated inside the header", good.substr(0, 7)});
  std::string flipped = good;
  flipped[flipped.size() * 2 / 3] ^= 0x5a;
  damages.push_back({"one byte flipped", flipped});
  std::string wrong_checksum = good;
  wrong_checksum[wrong_checksum.size() - 1] ^= 0x01;
  damages.push_back({"checksum wrong", wrong_checksum});
  damages.push_back({"not an RDB file", std::string("this is not a redis dump\n")});

  for (const Damage& d : damages) {
    SCOPED_TRACE(d.name);
    ASSERT_NO_FATAL_FAILURE(WriteFile(dir.Dump(), d.bytes));
    StartupOutcome out = StartAndWatch(ServerUnderTest(), {"--dir", dir.path()});
    EXPECT_FALSE(out.served) << "started and served with a damaged dump; log:\n" << out.log;
    if (out.exited) {
      EXPECT_TRUE(WIFEXITED(out.status) && WEXITSTATUS(out.status) != 0)
          << "wait status " << out.status << "; log:\n"
          << out.log;
    }
    EXPECT_FALSE(out.log.empty()) << "exited without saying why";
    EXPECT_EQ(ReadFile(dir.Dump()), d.bytes) << "the damaged file was changed";
  }
}

}  // namespace
}  // namespace tessera::integration
