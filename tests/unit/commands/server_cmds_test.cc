// Whole-keyspace and server commands against the in-process server: every key set here is
// placed on a chosen shard, so the fan-outs are checked across both loops.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <thread>

#include "tests/unit/harness/test_server.h"

namespace tessera::commands {
namespace {

using protocol::RespValue;
using testing::TestClient;
using testing::TestServer;
using Type = RespValue::Type;

class ServerCmdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c0_ = server_.Connect(0);
    c1_ = server_.Connect(1);
    k0_ = server_.KeyOnShard(0);
    k1_ = server_.KeyOnShard(1);
  }

  void Set(TestClient& c, const std::string& key, const std::string& value) {
    ASSERT_EQ(c.Call({"SET", key, value}).str, "OK");
  }
  int64_t DbSize(TestClient& c) {
    RespValue v = c.Call({"DBSIZE"});
    EXPECT_EQ(v.type, Type::kInteger) << protocol::DebugString(v);
    return v.integer;
  }

  TestServer server_;
  std::unique_ptr<TestClient> c0_;
  std::unique_ptr<TestClient> c1_;
  std::string k0_;
  std::string k1_;
};

TEST_F(ServerCmdsTest, DbSizeSumsEveryShardOfTheSelectedDb) {
  EXPECT_EQ(c0_->CallRaw({"DBSIZE"}), ":0\r\n");
  Set(*c0_, k0_, "a");
  Set(*c0_, k1_, "b");
  Set(*c0_, k1_ + "x", "c");
  int64_t expected = 3;
  EXPECT_EQ(DbSize(*c0_), expected);
  EXPECT_EQ(DbSize(*c1_), expected);
  ASSERT_EQ(c1_->Call({"SELECT", "1"}).str, "OK");
  EXPECT_EQ(DbSize(*c1_), 0);
  EXPECT_EQ(c1_->Call({"DBSIZE", "x"}).str, "ERR wrong number of arguments for 'dbsize' command");
}

TEST_F(ServerCmdsTest, FlushDbClearsOnlyTheSelectedDbOnAllShards) {
  Set(*c0_, k0_, "a");
  Set(*c0_, k1_, "b");
  ASSERT_EQ(c1_->Call({"SELECT", "1"}).str, "OK");
  Set(*c1_, k1_, "other-db");
  EXPECT_EQ(c0_->CallRaw({"FLUSHDB"}), "+OK\r\n");
  EXPECT_EQ(DbSize(*c0_), 0);
  EXPECT_EQ(c0_->Call({"GET", k1_}).type, Type::kNull);
  EXPECT_EQ(DbSize(*c1_), 1);
  EXPECT_EQ(c1_->Call({"GET", k1_}).str, "other-db");
  EXPECT_EQ(c1_->CallRaw({"FLUSHDB", "ASYNC"}), "+OK\r\n");
  EXPECT_EQ(DbSize(*c1_), 0);
  EXPECT_EQ(c1_->CallRaw({"flushdb", "sync"}), "+OK\r\n");
  EXPECT_EQ(c1_->Call({"FLUSHDB", "foo"}).str, "ERR syntax error");
  EXPECT_EQ(c1_->Call({"FLUSHDB", "ASYNC", "x"}).str, "ERR syntax error");
}

TEST_F(ServerCmdsTest, FlushAllClearsEveryDb) {
  Set(*c0_, k0_, "a");
  ASSERT_EQ(c1_->Call({"SELECT", "9"}).str, "OK");
  Set(*c1_, k1_, "b");
  EXPECT_EQ(c1_->Call({"FLUSHALL", "bogus"}).str, "ERR syntax error");
  EXPECT_EQ(DbSize(*c1_), 1);
  EXPECT_EQ(c0_->CallRaw({"FLUSHALL", "SYNC"}), "+OK\r\n");
  EXPECT_EQ(DbSize(*c0_), 0);
  EXPECT_EQ(DbSize(*c1_), 0);
  EXPECT_EQ(c1_->CallRaw({"FLUSHALL"}), "+OK\r\n");
}

TEST_F(ServerCmdsTest, SwapDbSwapsEveryShardsSlices) {
  Set(*c0_, k0_, "db0-shard0");
  Set(*c0_, k1_, "db0-shard1");
  ASSERT_EQ(c1_->Call({"SELECT", "1"}).str, "OK");
  Set(*c1_, k1_, "db1-shard1");
  EXPECT_EQ(c0_->CallRaw({"SWAPDB", "0", "1"}), "+OK\r\n");
  // Clients keep their db index and see the other data.
  EXPECT_EQ(c0_->Call({"GET", k1_}).str, "db1-shard1");
  EXPECT_EQ(c0_->Call({"GET", k0_}).type, Type::kNull);
  EXPECT_EQ(c1_->Call({"GET", k0_}).str, "db0-shard0");
  EXPECT_EQ(c1_->Call({"GET", k1_}).str, "db0-shard1");
  EXPECT_EQ(DbSize(*c1_), 2);
  EXPECT_EQ(c0_->CallRaw({"SWAPDB", "1", "1"}), "+OK\r\n");
  EXPECT_EQ(DbSize(*c1_), 2);
}

TEST_F(ServerCmdsTest, SwapDbErrors) {
  EXPECT_EQ(c0_->Call({"SWAPDB", "a", "1"}).str, "ERR invalid first DB index");
  EXPECT_EQ(c0_->Call({"SWAPDB", "1", "a"}).str, "ERR invalid second DB index");
  EXPECT_EQ(c0_->Call({"SWAPDB", "99999999999", "1"}).str, "ERR invalid first DB index");
  EXPECT_EQ(c0_->Call({"SWAPDB", "1", "16"}).str, "ERR DB index is out of range");
  EXPECT_EQ(c0_->Call({"SWAPDB", "-1", "0"}).str, "ERR DB index is out of range");
}

TEST_F(ServerCmdsTest, TimeComesFromTheEngineClock) {
  // ManualClock starts at 1'700'000'000'000 ms.
  EXPECT_EQ(c0_->CallRaw({"TIME"}), "*2\r\n$10\r\n1700000000\r\n$1\r\n0\r\n");
  server_.clock().AdvanceMs(1'500);
  EXPECT_EQ(c1_->CallRaw({"TIME"}), "*2\r\n$10\r\n1700000001\r\n$6\r\n500000\r\n");
  ASSERT_EQ(c1_->Call({"HELLO", "3"}).type, Type::kMap);
  EXPECT_EQ(c1_->CallRaw({"TIME"}), "*2\r\n$10\r\n1700000001\r\n$6\r\n500000\r\n");
}

TEST_F(ServerCmdsTest, DebugObjectDescribesStrings) {
  const std::regex format(
      "Value at:0x[0-9a-f]+ refcount:(\\d+) encoding:(\\w+) serializedlength:(\\d+) "
      "lru:(\\d+) lru_seconds_idle:(\\d+)");
  auto describe = [&](TestClient& c, const std::string& key) {
    RespValue v = c.Call({"DEBUG", "OBJECT", key});
    EXPECT_EQ(v.type, Type::kSimpleString) << protocol::DebugString(v);
    std::smatch m;
    EXPECT_TRUE(std::regex_match(v.str, m, format)) << v.str;
    return std::vector<std::string>(m.begin() + 1, m.end());
  };
  // Same figures as redis-server 7.0.15 for these values.
  Set(*c0_, k1_, "5");
  auto d = describe(*c0_, k1_);
  ASSERT_EQ(d.size(), 5u);
  EXPECT_EQ(d[0], "2147483647");  // a shared integer
  EXPECT_EQ(d[1], "int");
  EXPECT_EQ(d[2], "2");
  EXPECT_EQ(d[4], "0");
  Set(*c1_, k0_, "12345");
  d = describe(*c1_, k0_);
  EXPECT_EQ(d[0], "1");
  EXPECT_EQ(d[2], "3");
  Set(*c0_, k0_, "hello");
  d = describe(*c0_, k0_);
  EXPECT_EQ(d[1], "embstr");
  EXPECT_EQ(d[2], "6");
  Set(*c0_, k0_, "99999999999");
  EXPECT_EQ(describe(*c0_, k0_)[2], "12");
  Set(*c0_, k0_, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJK");
  d = describe(*c0_, k0_);
  EXPECT_EQ(d[1], "raw");
  EXPECT_EQ(d[2], "48");

  server_.clock().AdvanceMs(10'000);
  d = describe(*c0_, k1_);
  EXPECT_EQ(d[4], "10");
  EXPECT_EQ(d[3], std::to_string((1'700'000'000 & 0xFFFFFF)));
  EXPECT_EQ(c0_->Call({"DEBUG", "OBJECT", "missing"}).str, "ERR no such key");
}

TEST_F(ServerCmdsTest, DebugSubcommandErrors) {
  EXPECT_EQ(c0_->Call({"DEBUG", "foo"}).str,
            "ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.");
  EXPECT_EQ(c0_->Call({"debug", "object"}).str,
            "ERR unknown subcommand or wrong number of arguments for 'object'. Try DEBUG HELP.");
  EXPECT_EQ(c0_->Call({"DEBUG", "SLEEP"}).str,
            "ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.");
  EXPECT_EQ(c0_->Call({"DEBUG"}).str, "ERR wrong number of arguments for 'debug' command");
  RespValue help = c0_->Call({"DEBUG", "HELP"});
  ASSERT_EQ(help.type, Type::kArray);
  EXPECT_EQ(help.elems[0].str, "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
}

TEST_F(ServerCmdsTest, DebugSleepBlocksOnlyForTheGivenTime) {
  EXPECT_EQ(c0_->CallRaw({"DEBUG", "SLEEP", "0"}), "+OK\r\n");
  EXPECT_EQ(c0_->CallRaw({"DEBUG", "SLEEP", "abc"}), "+OK\r\n");  // strtod: 0 seconds
  EXPECT_EQ(c0_->CallRaw({"DEBUG", "SLEEP", "-1"}), "+OK\r\n");
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(c1_->CallRaw({"DEBUG", "SLEEP", "0.05"}), "+OK\r\n");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
}

TEST_F(ServerCmdsTest, DebugSetActiveExpireSwitchesTheExpiryCycle) {
  EXPECT_EQ(c0_->CallRaw({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}), "+OK\r\n");
  ASSERT_EQ(c0_->Call({"SET", k0_, "v", "PX", "100"}).str, "OK");
  ASSERT_EQ(c0_->Call({"SET", k1_, "v", "PX", "100"}).str, "OK");
  server_.clock().AdvanceMs(1'000);
  // Several expiry ticks (100 ms apart at hz 10) pass; with the cycle off nobody removes the
  // keys (DBSIZE does not expire keys itself). This waits for the cycle that must not run.
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  EXPECT_EQ(DbSize(*c0_), 2);
  EXPECT_EQ(c0_->CallRaw({"DEBUG", "SET-ACTIVE-EXPIRE", "1"}), "+OK\r\n");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (DbSize(*c0_) != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(DbSize(*c0_), 0);
  // atoi semantics: non-numbers mean 0 (off).
  EXPECT_EQ(c0_->CallRaw({"DEBUG", "SET-ACTIVE-EXPIRE", "x"}), "+OK\r\n");
  EXPECT_EQ(c0_->CallRaw({"DEBUG", "SET-ACTIVE-EXPIRE", "1"}), "+OK\r\n");
}

}  // namespace
}  // namespace tessera::commands
