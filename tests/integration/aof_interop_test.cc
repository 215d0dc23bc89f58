// The append-only file against Debian's redis-server, and the journal's deterministic rewrites:
// redis-server and Tessera load each other's AOF directories (incr only, and with an RDB base),
// and relative TTLs, floats, SPOP and served blocking commands replay to the data that was there.
//
// Every server gets --dir <fresh temp dir>; servers run through AofServer (aof_support.h).
#include "tests/integration/aof_support.h"

namespace tessera::integration::aoftest {
namespace {

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
  // Multi-key commands whose keys share a shard: run whole there (ShippedCall).
  Must(c, {"MSET", "{" + p + "tag}a", "1", "{" + p + "tag}b", "2", "{" + p + "tag}c", "3"});
  Must(c, {"SELECT", "3"});
  Must(c, {"SET", p + "db3", "in db 3"});
  Must(c, {"SELECT", "0"});
  if (phase >= 2) {
    Must(c, {"DEL", "p1:str"});
    Must(c, {"DEL", "{p1:tag}a", "{p1:tag}missing", "{p1:tag}c"});
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
}  // namespace tessera::integration::aoftest
