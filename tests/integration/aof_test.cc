// The append-only file against the real binary (4 shards in the harness): SIGKILL in the middle
// of concurrent writes and MULTI transfers must lose no acknowledged write under appendfsync
// always and leave no half transaction under either policy; a torn last record is cut off and a
// corrupt file refuses to load; BGREWRITEAOF under load keeps every write; Debian's redis-server
// and Tessera loading each other's directories, and the journal's rewrites: aof_interop_test.cc.
//
// Every server gets --dir <fresh temp dir>; servers run through AofServer (aof_support.h).
#include "tests/integration/aof_support.h"

namespace tessera::integration::aoftest {
namespace {

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

// A file longer than the replay's window (512 commands in flight), replayed by one loop: each
// reply then arrives while the previous ones are being collected, and losing them left the
// server answering -LOADING forever.
TEST(AofLoad, AFileLongerThanTheReplayWindowLoadsOnOneLoop) {
  TempDir dir;
  AofServer server(ServerUnderTest(), dir.path());
  std::vector<std::string> args = {"--appendfsync", "always"};
  if (!server.is_redis()) args.insert(args.end(), {"--threads", "1"});
  START_OR_FAIL(server, args);
  constexpr int kKeys = 3000;
  {
    RedisContextPtr c = MustConnect(server.port());
    ASSERT_NE(c, nullptr);
    for (int i = 0; i < kKeys; ++i) {
      AppendCommand(c.get(), {"SET", StrCat({"key", std::to_string(i)}), std::to_string(i)});
    }
    for (int i = 0; i < kKeys; ++i) {
      RedisReplyPtr r = GetReply(c.get());
      ASSERT_TRUE(r != nullptr && r->type == REDIS_REPLY_STATUS) << "SET " << i;
    }
  }
  server.Kill();
  START_OR_FAIL(server, args);  // waits until PING answers PONG rather than -LOADING
  RedisContextPtr c = MustConnect(server.port());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(MustInt(c.get(), {"DBSIZE"}), kKeys);
  EXPECT_EQ(MustText(c.get(), {"GET", "key2999"}), "2999");
  server.Kill();
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

}  // namespace
}  // namespace tessera::integration::aoftest
