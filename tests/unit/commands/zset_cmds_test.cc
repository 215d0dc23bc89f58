// The sorted-set family through the in-process server (two loops): reply bytes in RESP2 and
// RESP3, the multi-key commands with keys on different shards, random replies by shape, and the
// blocking pops' immediate path.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "src/engine/key_waiters.h"
#include "tests/unit/harness/test_server.h"

namespace tessera::commands {
namespace {

using protocol::RespValue;
using testing::TestClient;
using testing::TestServer;
using Type = RespValue::Type;

std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }

// Flattens a reply to "a b c" (nested arrays in brackets), for compact expectations.
std::string Flat(const RespValue& v) {
  switch (v.type) {
    case Type::kArray:
    case Type::kSet: {
      std::string out = "[";
      for (size_t i = 0; i < v.elems.size(); ++i) out += (i ? " " : "") + Flat(v.elems[i]);
      return out + "]";
    }
    case Type::kInteger:
      return std::to_string(v.integer);
    case Type::kNull:
      return "nil";
    case Type::kError:
      return "ERR:" + v.str;
    default:
      return v.str;
  }
}

class ZSetCmdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c0_ = server_.Connect(0);
    c1_ = server_.Connect(1);
    k0_ = server_.KeyOnShard(0, "z");
    k1_ = server_.KeyOnShard(1, "z");
    d0_ = server_.KeyOnShard(0, "dst");
    d1_ = server_.KeyOnShard(1, "dst");
  }
  std::string Call(TestClient& c, const std::vector<std::string>& args) {
    return Flat(c.Call(args));
  }
  // Polls until `n` clients are parked (no sleeping as synchronisation: a bounded wait).
  bool WaitForBlocked(int64_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (engine::BlockedClientCount(server_.engine()) != n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::yield();
    }
    return true;
  }

  TestServer server_{2};
  std::unique_ptr<TestClient> c0_;
  std::unique_ptr<TestClient> c1_;
  std::string k0_, k1_;  // keys on shard 0 and 1
  std::string d0_, d1_;
};

TEST_F(ZSetCmdsTest, AddAndReadBack) {
  EXPECT_EQ(c0_->CallRaw({"ZADD", "z", "1", "a", "2.5", "b", "-inf", "c"}), Int(3));
  EXPECT_EQ(c0_->CallRaw({"ZADD", "z", "CH", "1", "a", "3", "b"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"ZSCORE", "z", "b"}), Bulk("3"));
  EXPECT_EQ(c0_->CallRaw({"ZSCORE", "z", "c"}), Bulk("-inf"));
  EXPECT_EQ(c0_->CallRaw({"ZSCORE", "z", "nope"}), "$-1\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZINCRBY", "z", "0.1", "a"}), Bulk("1.1000000000000001"));
  EXPECT_EQ(c0_->CallRaw({"ZADD", "z", "INCR", "XX", "1", "new"}), "$-1\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZADD", "z", "NX", "XX", "1", "a"}),
            "-ERR XX and NX options at the same time are not compatible\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZADD", "z", "GT", "LT", "1", "a"}),
            "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZADD", "z", "INCR", "1", "a", "2", "b"}),
            "-ERR INCR option supports a single increment-element pair\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZADD", "z", "nan", "a"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZADD", "z", "1", "a", "2"}), "-ERR syntax error\r\n");
  c0_->Call({"ZADD", "z", "inf", "i"});
  EXPECT_EQ(c0_->CallRaw({"ZINCRBY", "z", "-inf", "i"}),
            "-ERR resulting score is not a number (NaN)\r\n");
  EXPECT_EQ(Call(*c1_, {"ZRANGE", "z", "0", "-1", "WITHSCORES"}),
            "[c -inf a 1.1000000000000001 b 3 i inf]");
  EXPECT_EQ(c1_->CallRaw({"ZCARD", "z"}), Int(4));
  EXPECT_EQ(c1_->CallRaw({"ZRANK", "z", "b"}), Int(2));
  EXPECT_EQ(c1_->CallRaw({"ZREVRANK", "z", "b"}), Int(1));
  EXPECT_EQ(Call(*c1_, {"ZMSCORE", "z", "a", "nope"}), "[1.1000000000000001 nil]");
  c0_->Call({"SET", "s", "v"});
  EXPECT_EQ(c0_->CallRaw({"ZADD", "s", "1", "a"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

TEST_F(ZSetCmdsTest, Resp3Shapes) {
  c0_->Call({"HELLO", "3"});
  c0_->Call({"ZADD", "z", "1", "a", "2.5", "b"});
  EXPECT_EQ(c0_->CallRaw({"ZSCORE", "z", "b"}), ",2.5\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZSCORE", "z", "x"}), "_\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZINCRBY", "z", "1", "a"}), ",2\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZRANGE", "z", "0", "-1", "WITHSCORES"}),
            "*2\r\n*2\r\n$1\r\na\r\n,2\r\n*2\r\n$1\r\nb\r\n,2.5\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZRANGE", "z", "0", "-1"}), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZMSCORE", "z", "a", "x"}), "*2\r\n,2\r\n_\r\n");
  // ZPOPMIN without a count stays flat in RESP3; with a count it nests.
  EXPECT_EQ(c0_->CallRaw({"ZPOPMIN", "z"}), "*2\r\n$1\r\na\r\n,2\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZPOPMIN", "z", "1"}), "*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZPOPMIN", "z"}), "*0\r\n");
  c0_->Call({"ZADD", "z", "1", "a"});
  EXPECT_EQ(c0_->CallRaw({"ZMPOP", "1", "z", "MIN"}),
            "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZMPOP", "1", "z", "MIN"}), "_\r\n");
}

TEST_F(ZSetCmdsTest, Resp2Shapes) {
  c0_->Call({"ZADD", "z", "1", "a", "2.5", "b"});
  EXPECT_EQ(c0_->CallRaw({"ZRANGE", "z", "0", "-1", "WITHSCORES"}),
            "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZPOPMAX", "z", "5"}),
            "*4\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZMPOP", "1", "z", "MIN"}), "*-1\r\n");
  EXPECT_EQ(c0_->CallRaw({"EXISTS", "z"}), Int(0));
}

TEST_F(ZSetCmdsTest, RangesAndTheirErrors) {
  c0_->Call({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"});
  EXPECT_EQ(Call(*c0_, {"ZRANGE", "z", "(1", "+inf", "BYSCORE", "LIMIT", "1", "2"}), "[c d]");
  EXPECT_EQ(Call(*c0_, {"ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "0", "1"}),
            "[d]");
  EXPECT_EQ(Call(*c0_, {"ZREVRANGEBYSCORE", "z", "3", "(1"}), "[c b]");
  EXPECT_EQ(Call(*c0_, {"ZRANGEBYLEX", "z", "[b", "+"}), "[b c d]");
  EXPECT_EQ(Call(*c0_, {"ZREVRANGE", "z", "0", "0"}), "[d]");
  EXPECT_EQ(c0_->CallRaw({"ZRANGE", "z", "0", "1", "LIMIT", "0", "1"}),
            "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
            "BYLEX\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"}),
            "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZRANGEBYSCORE", "z", "nan", "1"}), "-ERR min or max is not a float\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZRANGEBYLEX", "z", "a", "+"}),
            "-ERR min or max not valid string range item\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZCOUNT", "z", "(1", "3"}), Int(2));
  EXPECT_EQ(c0_->CallRaw({"ZLEXCOUNT", "z", "(a", "[c"}), Int(2));
  EXPECT_EQ(c0_->CallRaw({"ZREMRANGEBYSCORE", "z", "-inf", "(2"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"ZREMRANGEBYRANK", "z", "-1", "-1"}), Int(1));
  EXPECT_EQ(Call(*c0_, {"ZRANGE", "z", "0", "-1"}), "[b c]");
}

// Multi-key commands whose keys live on both shards, issued from either loop.
TEST_F(ZSetCmdsTest, AlgebraAcrossShards) {
  c0_->Call({"ZADD", k0_, "1", "a", "2", "b"});
  c0_->Call({"ZADD", k1_, "10", "b", "20", "c"});
  EXPECT_EQ(Call(*c1_, {"ZUNION", "2", k0_, k1_, "WITHSCORES"}), "[a 1 b 12 c 20]");
  EXPECT_EQ(Call(*c0_, {"ZINTER", "2", k0_, k1_, "WEIGHTS", "2", "1", "WITHSCORES"}), "[b 14]");
  EXPECT_EQ(Call(*c0_, {"ZDIFF", "2", k1_, k0_}), "[c]");
  EXPECT_EQ(c1_->CallRaw({"ZINTERCARD", "2", k0_, k1_}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"ZUNIONSTORE", d1_, "2", k0_, k1_, "AGGREGATE", "MAX"}), Int(3));
  EXPECT_EQ(Call(*c0_, {"ZRANGE", d1_, "0", "-1", "WITHSCORES"}), "[a 1 b 10 c 20]");
  EXPECT_EQ(c1_->CallRaw({"ZINTERSTORE", d0_, "2", k0_, k1_}), Int(1));
  EXPECT_EQ(Call(*c1_, {"ZRANGE", d0_, "0", "-1", "WITHSCORES"}), "[b 12]");
  // The destination may be one of the inputs.
  EXPECT_EQ(c1_->CallRaw({"ZDIFFSTORE", k0_, "2", k0_, k1_}), Int(1));
  EXPECT_EQ(Call(*c1_, {"ZRANGE", k0_, "0", "-1"}), "[a]");
  // An empty result deletes the destination.
  EXPECT_EQ(c0_->CallRaw({"ZINTERSTORE", d1_, "2", k0_, k1_}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"EXISTS", d1_}), Int(0));
  // WRONGTYPE on any input wins over a bad option, wherever the input lives.
  c0_->Call({"SET", d0_, "v"});
  EXPECT_EQ(c1_->CallRaw({"ZUNION", "2", k1_, d0_, "BOGUS"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(c1_->CallRaw({"ZUNION", "2", k1_, k0_, "BOGUS"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c1_->CallRaw({"ZUNION", "0", k1_}),
            "-ERR at least 1 input key is needed for 'zunion' command\r\n");
  EXPECT_EQ(c1_->CallRaw({"ZUNIONSTORE", d1_, "3", k1_, k0_}), "-ERR syntax error\r\n");
}

TEST_F(ZSetCmdsTest, RangeStoreAcrossShards) {
  c0_->Call({"ZADD", k0_, "1", "a", "2", "b", "3", "c"});
  EXPECT_EQ(c1_->CallRaw({"ZRANGESTORE", d1_, k0_, "0", "1", "REV"}), Int(2));
  EXPECT_EQ(Call(*c1_, {"ZRANGE", d1_, "0", "-1", "WITHSCORES"}), "[b 2 c 3]");
  EXPECT_EQ(c1_->CallRaw({"ZRANGESTORE", d1_, "missing", "0", "-1"}), Int(0));
  EXPECT_EQ(c1_->CallRaw({"EXISTS", d1_}), Int(0));
  EXPECT_EQ(c1_->CallRaw({"ZRANGESTORE", d1_, k0_, "0", "-1", "WITHSCORES"}),
            "-ERR syntax error\r\n");
}

// ZMPOP takes the first key, in argument order, that holds a set, across shards.
TEST_F(ZSetCmdsTest, MPopAcrossShards) {
  c0_->Call({"ZADD", k1_, "5", "x", "6", "y"});
  c0_->Call({"ZADD", k0_, "1", "a"});
  EXPECT_EQ(Call(*c0_, {"ZMPOP", "3", "missing", k1_, k0_, "MAX", "COUNT", "5"}),
            "[" + k1_ + " [[y 6] [x 5]]]");
  EXPECT_EQ(c0_->CallRaw({"EXISTS", k1_}), Int(0));
  EXPECT_EQ(Call(*c1_, {"ZMPOP", "2", k1_, k0_, "MIN"}), "[" + k0_ + " [[a 1]]]");
  c0_->Call({"SET", k1_, "v"});
  c0_->Call({"ZADD", k0_, "1", "a"});
  EXPECT_EQ(c0_->CallRaw({"ZMPOP", "2", k1_, k0_, "MIN"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(c0_->CallRaw({"ZMPOP", "0", k0_, "MIN"}), "-ERR numkeys should be greater than 0\r\n");
}

TEST_F(ZSetCmdsTest, BlockingPopsServeAvailableData) {
  c0_->Call({"ZADD", k1_, "5", "x", "6", "y"});
  EXPECT_EQ(Call(*c0_, {"BZPOPMIN", "missing", k1_, "0"}), "[" + k1_ + " x 5]");
  EXPECT_EQ(Call(*c0_, {"BZPOPMAX", k1_, "0.5"}), "[" + k1_ + " y 6]");
  EXPECT_EQ(c0_->CallRaw({"BZPOPMIN", k1_, "-1"}), "-ERR timeout is negative\r\n");
  EXPECT_EQ(c0_->CallRaw({"BZPOPMIN", k1_, "x"}),
            "-ERR timeout is not a float or out of range\r\n");
  c0_->Call({"ZADD", k0_, "1", "a", "2", "b"});
  EXPECT_EQ(Call(*c1_, {"BZMPOP", "0", "2", k1_, k0_, "MAX", "COUNT", "9"}),
            "[" + k0_ + " [[b 2] [a 1]]]");
  // Inside MULTI a blocking pop with nothing to pop answers at once.
  c0_->Call({"MULTI"});
  c0_->Call({"BZPOPMIN", k0_, "0"});
  EXPECT_EQ(c0_->CallRaw({"EXEC"}), "*1\r\n*-1\r\n");
}

// A client on loop 0 blocks on a key owned by shard 1 and is woken by a ZADD from loop 1.
TEST_F(ZSetCmdsTest, BlockedPopWokenFromAnotherShard) {
  std::string reply;
  std::thread blocked([&] { reply = Call(*c0_, {"BZPOPMIN", "missing", k1_, "0"}); });
  ASSERT_TRUE(WaitForBlocked(1));
  EXPECT_EQ(c1_->CallRaw({"ZADD", k1_, "2", "b", "1", "a"}), Int(2));
  blocked.join();
  EXPECT_EQ(reply, "[" + k1_ + " a 1]");
  EXPECT_EQ(Call(*c1_, {"ZRANGE", k1_, "0", "-1"}), "[b]");
  EXPECT_EQ(engine::BlockedClientCount(server_.engine()), 0);
}

// Clients blocked on one key are served first come, first served; a BZMPOP takes its COUNT.
TEST_F(ZSetCmdsTest, BlockedPopsAreServedInOrder) {
  auto c2 = server_.Connect(1);
  std::string first, second;
  std::thread t1([&] { first = Call(*c0_, {"BZMPOP", "0", "1", k0_, "MAX", "COUNT", "2"}); });
  ASSERT_TRUE(WaitForBlocked(1));
  std::thread t2([&] { second = Call(*c2, {"BZPOPMAX", k0_, "0"}); });
  ASSERT_TRUE(WaitForBlocked(2));
  // A string under the key serves nobody.
  c1_->Call({"SET", k0_, "v"});
  c1_->Call({"DEL", k0_});
  EXPECT_EQ(engine::BlockedClientCount(server_.engine()), 2);
  c1_->Call({"ZADD", k0_, "1", "a", "2", "b", "3", "c"});
  t1.join();
  EXPECT_EQ(first, "[" + k0_ + " [[c 3] [b 2]]]");
  t2.join();
  EXPECT_EQ(second, "[" + k0_ + " a 1]");
  EXPECT_EQ(c1_->CallRaw({"EXISTS", k0_}), Int(0));
}

TEST_F(ZSetCmdsTest, BlockedPopTimesOut) {
  EXPECT_EQ(c0_->CallRaw({"BZPOPMIN", k1_, "0.05"}), "*-1\r\n");
  EXPECT_EQ(c0_->CallRaw({"BZMPOP", "0.05", "1", k1_, "MIN"}), "*-1\r\n");
  EXPECT_EQ(engine::BlockedClientCount(server_.engine()), 0);
}

TEST_F(ZSetCmdsTest, RandomMembersByShape) {
  c0_->Call({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
  RespValue one = c1_->Call({"ZRANDMEMBER", "z"});
  ASSERT_EQ(one.type, Type::kBulk);
  EXPECT_TRUE(std::set<std::string>({"a", "b", "c"}).count(one.str));
  RespValue two = c1_->Call({"ZRANDMEMBER", "z", "2"});
  ASSERT_EQ(two.elems.size(), 2u);
  EXPECT_NE(two.elems[0].str, two.elems[1].str);
  RespValue many = c1_->Call({"ZRANDMEMBER", "z", "-7", "WITHSCORES"});
  ASSERT_EQ(many.elems.size(), 14u);
  for (size_t i = 0; i < many.elems.size(); i += 2) {
    EXPECT_EQ(c1_->Call({"ZSCORE", "z", many.elems[i].str}).str, many.elems[i + 1].str);
  }
  c1_->Call({"HELLO", "3"});
  RespValue nested = c1_->Call({"ZRANDMEMBER", "z", "-2", "WITHSCORES"});
  ASSERT_EQ(nested.elems.size(), 2u);
  for (const RespValue& pair : nested.elems) {
    ASSERT_EQ(pair.elems.size(), 2u);
    EXPECT_EQ(pair.elems[1].type, Type::kDouble);
  }
  EXPECT_EQ(c1_->CallRaw({"ZRANDMEMBER", "missing"}), "_\r\n");
  EXPECT_EQ(c1_->CallRaw({"ZRANDMEMBER", "z", "0"}), "*0\r\n");
}

TEST_F(ZSetCmdsTest, ScanReturnsEveryMemberOnce) {
  std::vector<std::string> add = {"ZADD", "big"};
  for (int i = 0; i < 300; ++i) {
    add.push_back(std::to_string(i));
    add.push_back("m" + std::to_string(i));
  }
  c0_->Call(add);
  EXPECT_EQ(c0_->CallRaw({"OBJECT", "ENCODING", "big"}), Bulk("skiplist"));
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    RespValue r = c1_->Call({"ZSCAN", "big", cursor, "COUNT", "20"});
    ASSERT_EQ(r.elems.size(), 2u);
    cursor = r.elems[0].str;
    for (size_t i = 0; i < r.elems[1].elems.size(); i += 2) {
      const std::string& member = r.elems[1].elems[i].str;
      EXPECT_EQ("m" + r.elems[1].elems[i + 1].str, member);
      seen.insert(member);
    }
    ++calls;
  } while (cursor != "0" && calls < 1000);
  EXPECT_EQ(seen.size(), 300u);
  EXPECT_GT(calls, 1);
}

}  // namespace
}  // namespace tessera::commands
