// String commands against the in-process server (two loops, manual clock): replies are compared
// byte for byte with what Redis 7.0.15 sends, including the cross-shard forms of MGET, MSET,
// MSETNX and LCS.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/unit/commands/fake_values.h"
#include "tests/unit/harness/test_server.h"

namespace tessera::commands {
namespace {

using protocol::RespValue;
using testing::TestClient;
using testing::TestServer;
using Type = RespValue::Type;

constexpr char kNil[] = "$-1\r\n";
constexpr char kOk[] = "+OK\r\n";
constexpr char kWrongType[] =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
constexpr char kSyntax[] = "-ERR syntax error\r\n";
constexpr char kNotInteger[] = "-ERR value is not an integer or out of range\r\n";

std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }

class StringCmdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c0_ = server_.Connect(0);
    c1_ = server_.Connect(1);
    a0_ = server_.KeyOnShard(0, "a");
    b1_ = server_.KeyOnShard(1, "b");
  }

  int64_t NowMs() { return server_.clock().NowMs(); }

  TestServer server_{2, fake::FakeValuesRegistrar};
  std::unique_ptr<TestClient> c0_;
  std::unique_ptr<TestClient> c1_;
  std::string a0_;  // a key on shard 0
  std::string b1_;  // a key on shard 1
};

TEST_F(StringCmdsTest, GetAndSet) {
  EXPECT_EQ(c0_->CallRaw({"GET", "k"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v"}), kOk);
  EXPECT_EQ(c1_->CallRaw({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(c0_->CallRaw({"SET", "k", ""}), kOk);
  EXPECT_EQ(c0_->CallRaw({"GET", "k"}), Bulk(""));
  std::string binary("a\0b\r\nc", 6);
  EXPECT_EQ(c0_->CallRaw({"SET", "bin", binary}), kOk);
  EXPECT_EQ(c1_->CallRaw({"GET", "bin"}), Bulk(binary));
  EXPECT_EQ(c0_->CallRaw({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(c0_->CallRaw({"SET", "k"}), "-ERR wrong number of arguments for 'set' command\r\n");
}

TEST_F(StringCmdsTest, SetConditionsAndGetOption) {
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v1", "XX"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"GET", "k"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v1", "NX"}), kOk);
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v2", "nx"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v3", "xx"}), kOk);
  EXPECT_EQ(c0_->CallRaw({"GET", "k"}), Bulk("v3"));
  // GET reports the old value whether or not the condition let the write happen.
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v4", "GET"}), Bulk("v3"));
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v5", "NX", "GET"}), Bulk("v4"));
  EXPECT_EQ(c0_->CallRaw({"GET", "k"}), Bulk("v4"));
  EXPECT_EQ(c0_->CallRaw({"SET", "new", "v", "XX", "GET"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"EXISTS", "new"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"SET", "new", "v", "GET"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"GET", "new"}), Bulk("v"));
  // Repeats of the same option are accepted, as by Redis.
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v", "NX", "NX"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v", "GET", "GET"}), Bulk("v4"));
}

TEST_F(StringCmdsTest, SetOptionErrors) {
  for (const std::vector<std::string>& cmd : std::vector<std::vector<std::string>>{
           {"SET", "k", "v", "NX", "XX"},
           {"SET", "k", "v", "XX", "NX"},
           {"SET", "k", "v", "EX", "10", "PX", "10"},
           {"SET", "k", "v", "EX", "10", "KEEPTTL"},
           {"SET", "k", "v", "KEEPTTL", "PXAT", "10"},
           {"SET", "k", "v", "EX"},
           {"SET", "k", "v", "BOGUS"},
           {"SET", "k", "v", "PERSIST"},
       }) {
    RespValue r = c0_->Call(cmd);
    EXPECT_EQ(r.str, "ERR syntax error") << cmd[3];
  }
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v", "EX", "0"}),
            "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v", "PX", "-5"}),
            "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v", "EX", "9223372036854775807"}),
            "-ERR invalid expire time in 'set' command\r\n");
  // PX near the top of the range overflows once now is added.
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v", "PX", "9223372036854775807"}),
            "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v", "EX", "1.5"}), kNotInteger);
  EXPECT_EQ(c0_->CallRaw({"EXISTS", "k"}), Int(0));
  // The last of repeated EX options wins.
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v", "EX", "10", "EX", "20"}), kOk);
  EXPECT_EQ(c0_->CallRaw({"TTL", "k"}), Int(20));
}

TEST_F(StringCmdsTest, SetExpiryOptionsFollowTheClock) {
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v", "PX", "1500"}), kOk);
  EXPECT_EQ(c0_->CallRaw({"PTTL", "k"}), Int(1500));
  EXPECT_EQ(c0_->CallRaw({"TTL", "k"}), Int(2));  // rounded
  server_.clock().AdvanceMs(1500);
  EXPECT_EQ(c0_->CallRaw({"GET", "k"}), Bulk("v"));  // expired only once now > deadline
  server_.clock().AdvanceMs(1);
  EXPECT_EQ(c0_->CallRaw({"GET", "k"}), kNil);

  const int64_t at = NowMs() + 10'000;
  EXPECT_EQ(c1_->CallRaw({"SET", "k", "v", "PXAT", std::to_string(at)}), kOk);
  EXPECT_EQ(c1_->CallRaw({"PEXPIRETIME", "k"}), Int(at));
  EXPECT_EQ(c1_->CallRaw({"SET", "k", "v", "EXAT", std::to_string(at / 1000 + 5)}), kOk);
  EXPECT_EQ(c1_->CallRaw({"EXPIRETIME", "k"}), Int(at / 1000 + 5));
  // KEEPTTL keeps the deadline; a plain SET drops it.
  EXPECT_EQ(c1_->CallRaw({"SET", "k", "w", "KEEPTTL"}), kOk);
  EXPECT_EQ(c1_->CallRaw({"EXPIRETIME", "k"}), Int(at / 1000 + 5));
  EXPECT_EQ(c1_->CallRaw({"SET", "k", "w"}), kOk);
  EXPECT_EQ(c1_->CallRaw({"TTL", "k"}), Int(-1));
  // An absolute deadline already in the past is stored, and the key is gone on next access.
  EXPECT_EQ(c1_->CallRaw({"SET", "k", "v", "PXAT", "1000"}), kOk);
  EXPECT_EQ(c1_->CallRaw({"GET", "k"}), kNil);
}

TEST_F(StringCmdsTest, SetNxSetExPSetExGetSet) {
  EXPECT_EQ(c0_->CallRaw({"SETNX", "k", "v"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"SETNX", "k", "w"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(c0_->CallRaw({"SETEX", "k", "100", "x"}), kOk);
  EXPECT_EQ(c0_->CallRaw({"PTTL", "k"}), Int(100'000));
  EXPECT_EQ(c0_->CallRaw({"SETEX", "k", "0", "x"}),
            "-ERR invalid expire time in 'setex' command\r\n");
  EXPECT_EQ(c0_->CallRaw({"SETEX", "k", "abc", "x"}), kNotInteger);
  EXPECT_EQ(c0_->CallRaw({"PSETEX", "k", "250", "y"}), kOk);
  EXPECT_EQ(c0_->CallRaw({"PTTL", "k"}), Int(250));
  EXPECT_EQ(c0_->CallRaw({"PSETEX", "k", "-1", "y"}),
            "-ERR invalid expire time in 'psetex' command\r\n");
  // GETSET returns the old value and drops the TTL.
  EXPECT_EQ(c0_->CallRaw({"GETSET", "k", "z"}), Bulk("y"));
  EXPECT_EQ(c0_->CallRaw({"TTL", "k"}), Int(-1));
  EXPECT_EQ(c0_->CallRaw({"GETSET", "missing", "z"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"GET", "missing"}), Bulk("z"));
}

TEST_F(StringCmdsTest, GetDelAndGetEx) {
  c0_->Call({"SET", "k", "v"});
  EXPECT_EQ(c0_->CallRaw({"GETDEL", "k"}), Bulk("v"));
  EXPECT_EQ(c0_->CallRaw({"GETDEL", "k"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"EXISTS", "k"}), Int(0));

  c0_->Call({"SET", "k", "v"});
  EXPECT_EQ(c0_->CallRaw({"GETEX", "k"}), Bulk("v"));
  EXPECT_EQ(c0_->CallRaw({"GETEX", "k", "PX", "5000"}), Bulk("v"));
  EXPECT_EQ(c0_->CallRaw({"PTTL", "k"}), Int(5000));
  EXPECT_EQ(c0_->CallRaw({"GETEX", "k", "PERSIST"}), Bulk("v"));
  EXPECT_EQ(c0_->CallRaw({"TTL", "k"}), Int(-1));
  EXPECT_EQ(c0_->CallRaw({"GETEX", "k", "EXAT", std::to_string(NowMs() / 1000 + 100)}), Bulk("v"));
  EXPECT_EQ(c0_->CallRaw({"EXPIRETIME", "k"}), Int(NowMs() / 1000 + 100));
  // An absolute deadline in the past deletes the key after returning it.
  EXPECT_EQ(c0_->CallRaw({"GETEX", "k", "PXAT", "1"}), Bulk("v"));
  EXPECT_EQ(c0_->CallRaw({"EXISTS", "k"}), Int(0));

  EXPECT_EQ(c0_->CallRaw({"GETEX", "k", "EX", "10", "PX", "10"}), kSyntax);
  EXPECT_EQ(c0_->CallRaw({"GETEX", "k", "PERSIST", "EX", "10"}), kSyntax);
  EXPECT_EQ(c0_->CallRaw({"GETEX", "k", "KEEPTTL"}), kSyntax);
  EXPECT_EQ(c0_->CallRaw({"GETEX", "k", "NX"}), kSyntax);
  // The key is looked up before the time is validated: nil for a missing key...
  EXPECT_EQ(c0_->CallRaw({"GETEX", "k", "EX", "abc"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"GETEX", "k", "EX", "0"}), kNil);
  // ...and the time error only for an existing string.
  c0_->Call({"SET", "k", "v"});
  EXPECT_EQ(c0_->CallRaw({"GETEX", "k", "EX", "abc"}), kNotInteger);
  EXPECT_EQ(c0_->CallRaw({"GETEX", "k", "EX", "0"}),
            "-ERR invalid expire time in 'getex' command\r\n");
  EXPECT_EQ(c0_->CallRaw({"TTL", "k"}), Int(-1));
}

TEST_F(StringCmdsTest, MSetAndMGetSpanShards) {
  EXPECT_EQ(c0_->CallRaw({"MSET", a0_, "1", b1_, "2"}), kOk);
  EXPECT_EQ(c1_->CallRaw({"GET", a0_}), Bulk("1"));
  EXPECT_EQ(c0_->CallRaw({"GET", b1_}), Bulk("2"));
  EXPECT_EQ(c1_->CallRaw({"MGET", b1_, "nokey", a0_, b1_}),
            "*4\r\n" + Bulk("2") + kNil + Bulk("1") + Bulk("2"));
  // The last value of a repeated key wins.
  EXPECT_EQ(c0_->CallRaw({"MSET", a0_, "x", b1_, "y", a0_, "z"}), kOk);
  EXPECT_EQ(c0_->CallRaw({"MGET", a0_, b1_}), "*2\r\n" + Bulk("z") + Bulk("y"));
  EXPECT_EQ(c0_->CallRaw({"MSET", a0_, "1", b1_}),
            "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(c0_->CallRaw({"MSET", a0_}), "-ERR wrong number of arguments for 'mset' command\r\n");
  // Each db has its own keys on every shard.
  c0_->Call({"SELECT", "2"});
  EXPECT_EQ(c0_->CallRaw({"MGET", a0_, b1_}), "*2\r\n$-1\r\n$-1\r\n");
}

TEST_F(StringCmdsTest, MSetNxIsAllOrNothingAcrossShards) {
  EXPECT_EQ(c0_->CallRaw({"MSETNX", a0_, "1", b1_, "2"}), Int(1));
  std::string a0b = server_.KeyOnShard(0, "fresh-a");
  std::string b1b = server_.KeyOnShard(1, "fresh-b");
  // One existing key on the other shard blocks every write.
  EXPECT_EQ(c0_->CallRaw({"MSETNX", a0b, "x", b1_, "y"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"EXISTS", a0b}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"GET", b1_}), Bulk("2"));
  EXPECT_EQ(c1_->CallRaw({"MSETNX", a0b, "x", b1b, "y"}), Int(1));
  EXPECT_EQ(c1_->CallRaw({"MGET", a0b, b1b}), "*2\r\n" + Bulk("x") + Bulk("y"));
  // Same shard (hash tag).
  EXPECT_EQ(c1_->CallRaw({"MSETNX", "{t}1", "a", "{t}2", "b"}), Int(1));
  EXPECT_EQ(c1_->CallRaw({"MSETNX", "{t}3", "a", "{t}2", "b"}), Int(0));
  EXPECT_EQ(c1_->CallRaw({"EXISTS", "{t}3"}), Int(0));
  EXPECT_EQ(c1_->CallRaw({"MSETNX", "q", "1", "q", "2"}), Int(1));
  EXPECT_EQ(c1_->CallRaw({"GET", "q"}), Bulk("2"));
  EXPECT_EQ(c1_->CallRaw({"MSETNX", "q"}),
            "-ERR wrong number of arguments for 'msetnx' command\r\n");
}

TEST_F(StringCmdsTest, AppendAndStrLen) {
  EXPECT_EQ(c0_->CallRaw({"APPEND", "s", "hello"}), Int(5));
  EXPECT_EQ(c0_->CallRaw({"APPEND", "s", " world"}), Int(11));
  EXPECT_EQ(c0_->CallRaw({"GET", "s"}), Bulk("hello world"));
  EXPECT_EQ(c0_->CallRaw({"STRLEN", "s"}), Int(11));
  EXPECT_EQ(c0_->CallRaw({"STRLEN", "missing"}), Int(0));
  c0_->Call({"SET", "n", "12345"});
  EXPECT_EQ(c0_->CallRaw({"STRLEN", "n"}), Int(5));
  EXPECT_EQ(c0_->CallRaw({"APPEND", "n", "6"}), Int(6));
  EXPECT_EQ(c0_->CallRaw({"OBJECT", "ENCODING", "n"}), Bulk("raw"));
  // APPEND keeps the TTL.
  c0_->Call({"SET", "t", "x", "PX", "9000"});
  c0_->Call({"APPEND", "t", "y"});
  EXPECT_EQ(c0_->CallRaw({"PTTL", "t"}), Int(9000));
}

TEST_F(StringCmdsTest, IncrFamily) {
  EXPECT_EQ(c0_->CallRaw({"INCR", "n"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"INCRBY", "n", "10"}), Int(11));
  EXPECT_EQ(c0_->CallRaw({"DECR", "n"}), Int(10));
  EXPECT_EQ(c0_->CallRaw({"DECRBY", "n", "-5"}), Int(15));
  EXPECT_EQ(c0_->CallRaw({"OBJECT", "ENCODING", "n"}), Bulk("int"));
  EXPECT_EQ(c0_->CallRaw({"INCRBY", "n", "1.5"}), kNotInteger);
  EXPECT_EQ(c0_->CallRaw({"INCRBY", "n", " 1"}), kNotInteger);
  EXPECT_EQ(c0_->CallRaw({"DECRBY", "n", "-9223372036854775808"}),
            "-ERR decrement would overflow\r\n");
  c0_->Call({"SET", "n", "9223372036854775806"});
  EXPECT_EQ(c0_->CallRaw({"INCR", "n"}), Int(INT64_MAX));
  EXPECT_EQ(c0_->CallRaw({"INCR", "n"}), "-ERR increment or decrement would overflow\r\n");
  c0_->Call({"SET", "s", "01"});
  EXPECT_EQ(c0_->CallRaw({"INCR", "s"}), kNotInteger);
  // The TTL survives.
  c0_->Call({"SET", "t", "5", "PX", "7000"});
  EXPECT_EQ(c0_->CallRaw({"INCR", "t"}), Int(6));
  EXPECT_EQ(c0_->CallRaw({"PTTL", "t"}), Int(7000));
}

TEST_F(StringCmdsTest, IncrByFloat) {
  EXPECT_EQ(c0_->CallRaw({"INCRBYFLOAT", "f", "1.5"}), Bulk("1.5"));
  EXPECT_EQ(c0_->CallRaw({"INCRBYFLOAT", "f", "0.1"}), Bulk("1.6"));
  EXPECT_EQ(c0_->CallRaw({"INCRBYFLOAT", "f", "-5"}), Bulk("-3.4"));
  EXPECT_EQ(c0_->CallRaw({"INCRBYFLOAT", "f", "1e3"}), Bulk("996.59999999999999998"));
  EXPECT_EQ(c0_->CallRaw({"INCRBYFLOAT", "f", "abc"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(c0_->CallRaw({"INCRBYFLOAT", "f", "inf"}),
            "-ERR increment would produce NaN or Infinity\r\n");
  c0_->Call({"SET", "i", "10"});
  EXPECT_EQ(c0_->CallRaw({"INCRBYFLOAT", "i", "0"}), Bulk("10"));
  EXPECT_EQ(c0_->CallRaw({"OBJECT", "ENCODING", "i"}), Bulk("embstr"));
}

TEST_F(StringCmdsTest, GetRangeAndSetRange) {
  c0_->Call({"SET", "s", "Hello World"});
  EXPECT_EQ(c0_->CallRaw({"GETRANGE", "s", "0", "4"}), Bulk("Hello"));
  EXPECT_EQ(c0_->CallRaw({"GETRANGE", "s", "-5", "-1"}), Bulk("World"));
  EXPECT_EQ(c0_->CallRaw({"GETRANGE", "s", "5", "3"}), Bulk(""));
  EXPECT_EQ(c0_->CallRaw({"GETRANGE", "s", "-1", "-5"}), Bulk(""));
  EXPECT_EQ(c0_->CallRaw({"GETRANGE", "missing", "0", "-1"}), Bulk(""));
  EXPECT_EQ(c0_->CallRaw({"SUBSTR", "s", "0", "-7"}), Bulk("Hello"));
  EXPECT_EQ(c0_->CallRaw({"GETRANGE", "s", "a", "1"}), kNotInteger);
  EXPECT_EQ(c0_->CallRaw({"SETRANGE", "r", "3", "abc"}), Int(6));
  EXPECT_EQ(c0_->CallRaw({"GET", "r"}), Bulk(std::string("\0\0\0abc", 6)));
  EXPECT_EQ(c0_->CallRaw({"SETRANGE", "r", "0", "XY"}), Int(6));
  EXPECT_EQ(c0_->CallRaw({"GET", "r"}), Bulk(std::string("XY\0abc", 6)));
  EXPECT_EQ(c0_->CallRaw({"SETRANGE", "r", "-1", "x"}), "-ERR offset is out of range\r\n");
  EXPECT_EQ(c0_->CallRaw({"SETRANGE", "r", "536870912", "x"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
  EXPECT_EQ(c0_->CallRaw({"SETRANGE", "empty", "5", ""}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"EXISTS", "empty"}), Int(0));
}

TEST_F(StringCmdsTest, WrongTypeErrors) {
  ASSERT_EQ(c0_->CallRaw({"test.mkobj", "h", "hash"}), kOk);
  EXPECT_EQ(c0_->CallRaw({"GET", "h"}), kWrongType);
  EXPECT_EQ(c0_->CallRaw({"SET", "h", "v", "GET"}), kWrongType);
  EXPECT_EQ(c0_->CallRaw({"APPEND", "h", "v"}), kWrongType);
  EXPECT_EQ(c0_->CallRaw({"INCR", "h"}), kWrongType);
  // INCRBYFLOAT checks the type before parsing the increment.
  EXPECT_EQ(c0_->CallRaw({"INCRBYFLOAT", "h", "abc"}), kWrongType);
  EXPECT_EQ(c0_->CallRaw({"GETEX", "h", "EX", "0"}), kWrongType);
  EXPECT_EQ(c0_->CallRaw({"MGET", "h"}), "*1\r\n$-1\r\n");
  EXPECT_EQ(c0_->CallRaw({"LCS", "h", "x", "BOGUS"}),
            "-ERR The specified keys must contain string values\r\n");
  EXPECT_EQ(c0_->CallRaw({"SET", "h", "v"}), kOk);  // plain SET overwrites any type
}

TEST_F(StringCmdsTest, LcsOnOneShardAndAcrossShards) {
  for (const auto& [k1, k2] :
       std::vector<std::pair<std::string, std::string>>{{"{x}1", "{x}2"}, {a0_, b1_}}) {
    c0_->Call({"SET", k1, "ohmytext"});
    c0_->Call({"SET", k2, "mynewtext"});
    EXPECT_EQ(c0_->CallRaw({"LCS", k1, k2}), Bulk("mytext"));
    EXPECT_EQ(c1_->CallRaw({"LCS", k1, k2, "LEN"}), Int(6));
    EXPECT_EQ(c1_->CallRaw({"LCS", k1, k2, "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}),
              "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
              "$3\r\nlen\r\n:6\r\n");
    EXPECT_EQ(c1_->CallRaw({"LCS", k1, k2, "IDX"}),
              "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
              "*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");
  }
  EXPECT_EQ(c0_->CallRaw({"LCS", a0_, b1_, "LEN", "IDX"}),
            "-ERR If you want both the length and indexes, please just use IDX.\r\n");
  EXPECT_EQ(c0_->CallRaw({"LCS", a0_, b1_, "MINMATCHLEN"}), kSyntax);
  EXPECT_EQ(c0_->CallRaw({"LCS", a0_, b1_, "MINMATCHLEN", "x"}), kNotInteger);
  EXPECT_EQ(c0_->CallRaw({"LCS", "nokey1", "nokey2"}), Bulk(""));
  EXPECT_EQ(c0_->CallRaw({"LCS", "nokey1", "nokey2", "IDX"}),
            "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
}

TEST_F(StringCmdsTest, Resp3Shapes) {
  ASSERT_FALSE(c0_->Call({"HELLO", "3"}).is_error());
  EXPECT_EQ(c0_->CallRaw({"GET", "missing"}), "_\r\n");
  EXPECT_EQ(c0_->CallRaw({"SET", "k", "v", "NX", "GET"}), "_\r\n");
  EXPECT_EQ(c0_->CallRaw({"MGET", "missing", "k"}), "*2\r\n_\r\n$1\r\nv\r\n");
  c0_->Call({"SET", a0_, "ohmytext"});
  c0_->Call({"SET", b1_, "mynewtext"});
  EXPECT_EQ(c0_->CallRaw({"LCS", a0_, b1_, "IDX", "MINMATCHLEN", "4"}),
            "%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
            "$3\r\nlen\r\n:6\r\n");
}

}  // namespace
}  // namespace tessera::commands
