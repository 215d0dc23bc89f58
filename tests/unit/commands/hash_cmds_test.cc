// Hash commands against the in-process server (two loops, manual clock): reply bytes as Redis
// 7.0.15 sends them in RESP2 and RESP3, HRANDFIELD checked by shape, count and membership, and
// keys on the other loop's shard so every command also runs as a hop.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "storage/encoding_limits.h"
#include "tests/unit/harness/test_server.h"

namespace tessera::commands {
namespace {

using protocol::RespValue;
using testing::TestClient;
using testing::TestServer;
using Type = RespValue::Type;
using Strings = std::vector<std::string>;

constexpr char kNil[] = "$-1\r\n";
constexpr char kOk[] = "+OK\r\n";
constexpr char kWrongType[] =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
constexpr char kSyntax[] = "-ERR syntax error\r\n";

std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
std::string Bulks(char tag, size_t n, const Strings& items) {
  std::string out = tag + std::to_string(n) + "\r\n";
  for (const std::string& s : items) out += Bulk(s);
  return out;
}

class HashCmdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c0_ = server_.Connect(0);
    c1_ = server_.Connect(1);
    k1_ = server_.KeyOnShard(1, "h");
  }
  void TearDown() override {
    storage::GlobalEncodingLimits().hash_max_listpack_entries = 128;
    storage::GlobalEncodingLimits().hash_max_listpack_value = 64;
  }

  std::string Encoding(const std::string& key) {
    return c0_->Call({"OBJECT", "ENCODING", key}).str;
  }
  // HGETALL as a field -> value map.
  std::map<std::string, std::string> All(const std::string& key) {
    RespValue v = c0_->Call({"HGETALL", key});
    std::map<std::string, std::string> out;
    for (size_t i = 0; i + 1 < v.elems.size(); i += 2) out[v.elems[i].str] = v.elems[i + 1].str;
    return out;
  }

  TestServer server_{2};
  std::unique_ptr<TestClient> c0_;
  std::unique_ptr<TestClient> c1_;
  std::string k1_;  // a key on shard 1, used from the client on loop 0
};

TEST_F(HashCmdsTest, SetFamily) {
  EXPECT_EQ(c0_->CallRaw({"HSET", k1_, "a", "1", "b", "2", "a", "3"}), Int(2));
  EXPECT_EQ(c0_->CallRaw({"HSET", k1_, "a", "4"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"HMSET", k1_, "c", "5"}), kOk);
  EXPECT_EQ(c0_->CallRaw({"HSETNX", k1_, "c", "6"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"HSETNX", k1_, "d", "7"}), Int(1));
  EXPECT_EQ(c1_->CallRaw({"HGETALL", k1_}),
            Bulks('*', 8, {"a", "4", "b", "2", "c", "5", "d", "7"}));  // listpack: insertion order
  EXPECT_EQ(c0_->CallRaw({"HSET", k1_, "a", "1", "b"}),
            "-ERR wrong number of arguments for 'hset' command\r\n");
  EXPECT_EQ(c0_->CallRaw({"HMSET", k1_, "a", "1", "b"}),
            "-ERR wrong number of arguments for 'hmset' command\r\n");
  EXPECT_EQ(c0_->CallRaw({"HSET", k1_, "a"}),
            "-ERR wrong number of arguments for 'hset' command\r\n");
}

TEST_F(HashCmdsTest, ReadsInBothProtocols) {
  c0_->Call({"HSET", k1_, "f", "hello", "n", "12"});
  EXPECT_EQ(c0_->CallRaw({"HGET", k1_, "f"}), Bulk("hello"));
  EXPECT_EQ(c0_->CallRaw({"HGET", k1_, "zz"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"HGET", "nokey", "f"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"HMGET", k1_, "f", "zz", "n"}),
            "*3\r\n$5\r\nhello\r\n$-1\r\n$2\r\n12\r\n");
  EXPECT_EQ(c0_->CallRaw({"HMGET", "nokey", "f"}), "*1\r\n$-1\r\n");
  EXPECT_EQ(c0_->CallRaw({"HKEYS", k1_}), Bulks('*', 2, {"f", "n"}));
  EXPECT_EQ(c0_->CallRaw({"HVALS", k1_}), Bulks('*', 2, {"hello", "12"}));
  EXPECT_EQ(c0_->CallRaw({"HLEN", k1_}), Int(2));
  EXPECT_EQ(c0_->CallRaw({"HSTRLEN", k1_, "f"}), Int(5));
  EXPECT_EQ(c0_->CallRaw({"HSTRLEN", k1_, "zz"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"HEXISTS", k1_, "n"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"HEXISTS", "nokey", "n"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"HGETALL", "nokey"}), "*0\r\n");
  c0_->Call({"HELLO", "3"});
  EXPECT_EQ(c0_->CallRaw({"HGETALL", k1_}), Bulks('%', 2, {"f", "hello", "n", "12"}));
  EXPECT_EQ(c0_->CallRaw({"HGETALL", "nokey"}), "%0\r\n");
  EXPECT_EQ(c0_->CallRaw({"HKEYS", k1_}), Bulks('*', 2, {"f", "n"}));
  EXPECT_EQ(c0_->CallRaw({"HGET", k1_, "zz"}), "_\r\n");
  EXPECT_EQ(c0_->CallRaw({"HMGET", k1_, "zz"}), "*1\r\n_\r\n");
}

TEST_F(HashCmdsTest, DeleteAndWrongType) {
  c0_->Call({"HSET", k1_, "a", "1", "b", "2"});
  EXPECT_EQ(c0_->CallRaw({"HDEL", k1_, "a", "zz"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"HDEL", k1_, "b", "b"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"EXISTS", k1_}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"HDEL", k1_, "a"}), Int(0));
  c0_->Call({"SET", "str", "v"});
  for (auto args :
       {Strings{"HSET", "str", "f", "v"}, Strings{"HSETNX", "str", "f", "v"},
        Strings{"HGET", "str", "f"}, Strings{"HMGET", "str", "f"}, Strings{"HGETALL", "str"},
        Strings{"HKEYS", "str"}, Strings{"HVALS", "str"}, Strings{"HDEL", "str", "f"},
        Strings{"HLEN", "str"}, Strings{"HSTRLEN", "str", "f"}, Strings{"HEXISTS", "str", "f"},
        Strings{"HINCRBY", "str", "f", "1"}, Strings{"HINCRBYFLOAT", "str", "f", "1"},
        Strings{"HRANDFIELD", "str"}, Strings{"HSCAN", "str", "0"}}) {
    RespValue v = c0_->Call(args);
    EXPECT_EQ("-" + v.str + "\r\n", kWrongType) << args[0];
  }
  EXPECT_EQ(c0_->CallRaw({"GET", "str"}), Bulk("v"));
}

TEST_F(HashCmdsTest, Increments) {
  EXPECT_EQ(c0_->CallRaw({"HINCRBY", k1_, "n", "5"}), Int(5));
  EXPECT_EQ(c0_->CallRaw({"HINCRBY", k1_, "n", "-7"}), Int(-2));
  EXPECT_EQ(c0_->CallRaw({"HINCRBY", k1_, "n", "x"}),
            "-ERR value is not an integer or out of range\r\n");
  c0_->Call({"HSET", k1_, "s", "abc", "max", "9223372036854775807", "f", "1.5"});
  EXPECT_EQ(c0_->CallRaw({"HINCRBY", k1_, "s", "1"}), "-ERR hash value is not an integer\r\n");
  EXPECT_EQ(c0_->CallRaw({"HINCRBY", k1_, "max", "1"}),
            "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(c0_->CallRaw({"HINCRBYFLOAT", k1_, "f", "0.25"}), Bulk("1.75"));
  EXPECT_EQ(c0_->CallRaw({"HINCRBYFLOAT", k1_, "n", "2.5"}), Bulk("0.5"));
  EXPECT_EQ(c0_->CallRaw({"HINCRBYFLOAT", k1_, "s", "1"}), "-ERR hash value is not a float\r\n");
  EXPECT_EQ(c0_->CallRaw({"HINCRBYFLOAT", k1_, "f", "inf"}), "-ERR value is NaN or Infinity\r\n");
  EXPECT_EQ(c0_->CallRaw({"HINCRBYFLOAT", k1_, "f", "x"}), "-ERR value is not a valid float\r\n");
  c0_->Call({"HSET", k1_, "huge", "1e4932"});
  EXPECT_EQ(c0_->CallRaw({"HINCRBYFLOAT", k1_, "huge", "1e4932"}),
            "-ERR increment would produce NaN or Infinity\r\n");
  EXPECT_EQ(All(k1_)["huge"], "1e4932");
}

TEST_F(HashCmdsTest, EncodingThresholds) {
  storage::GlobalEncodingLimits().hash_max_listpack_entries = 2;
  c0_->Call({"HSET", k1_, "a", "1", "b", "2"});
  EXPECT_EQ(Encoding(k1_), "listpack");
  c0_->Call({"HSET", k1_, "c", "3"});
  EXPECT_EQ(Encoding(k1_), "hashtable");
  EXPECT_EQ(All(k1_), (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  storage::GlobalEncodingLimits().hash_max_listpack_entries = 128;
  storage::GlobalEncodingLimits().hash_max_listpack_value = 3;
  c0_->Call({"HSET", "v", "f", "123"});
  EXPECT_EQ(Encoding("v"), "listpack");
  c0_->Call({"HSET", "v", "f", "1234"});
  EXPECT_EQ(Encoding("v"), "hashtable");
  EXPECT_EQ(c0_->CallRaw({"HGET", "v", "f"}), Bulk("1234"));
}

TEST_F(HashCmdsTest, RandomFields) {
  for (bool table : {false, true}) {
    storage::GlobalEncodingLimits().hash_max_listpack_entries = table ? 4 : 128;
    c0_->Call({"DEL", k1_});
    Strings add = {"HSET", k1_};
    for (int i = 0; i < 10; ++i) {
      add.push_back("f" + std::to_string(i));
      add.push_back("v" + std::to_string(i));
    }
    c0_->Call(add);
    EXPECT_EQ(Encoding(k1_), table ? "hashtable" : "listpack");
    // RESP2 WITHVALUES: a flat array of field, value, ...
    for (const char* count : {"3", "8", "-15", "20"}) {
      RespValue v = c0_->Call({"HRANDFIELD", k1_, count, "WITHVALUES"});
      ASSERT_EQ(v.type, Type::kArray);
      const size_t want = std::string(count) == "20" ? 10 : std::abs(std::stoi(count));
      ASSERT_EQ(v.elems.size(), want * 2) << count;
      std::set<std::string> fields;
      for (size_t i = 0; i < v.elems.size(); i += 2) {
        EXPECT_EQ("f" + v.elems[i + 1].str.substr(1), v.elems[i].str);
        fields.insert(v.elems[i].str);
      }
      if (count[0] != '-') {
        EXPECT_EQ(fields.size(), want) << count;
      }
    }
    RespValue one = c0_->Call({"HRANDFIELD", k1_});
    ASSERT_EQ(one.type, Type::kBulk);
    EXPECT_EQ(one.str[0], 'f');
    EXPECT_EQ(c0_->Call({"HRANDFIELD", k1_, "-3"}).elems.size(), 3u);
  }
  EXPECT_EQ(c0_->CallRaw({"HRANDFIELD", k1_, "0"}), "*0\r\n");
  EXPECT_EQ(c0_->CallRaw({"HRANDFIELD", "nokey"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"HRANDFIELD", "nokey", "-2", "WITHVALUES"}), "*0\r\n");
  EXPECT_EQ(c0_->CallRaw({"HRANDFIELD", k1_, "1", "bad"}), kSyntax);
  EXPECT_EQ(c0_->CallRaw({"HRANDFIELD", k1_, "1", "WITHVALUES", "x"}), kSyntax);
  EXPECT_EQ(c0_->CallRaw({"HRANDFIELD", k1_, "4611686018427387904", "WITHVALUES"}),
            "-ERR value is out of range\r\n");
  // RESP3 WITHVALUES: one two-element array per pair.
  c0_->Call({"HELLO", "3"});
  RespValue v = c0_->Call({"HRANDFIELD", k1_, "-4", "WITHVALUES"});
  ASSERT_EQ(v.elems.size(), 4u);
  for (const RespValue& pair : v.elems) {
    ASSERT_EQ(pair.type, Type::kArray);
    ASSERT_EQ(pair.elems.size(), 2u);
    EXPECT_EQ("f" + pair.elems[1].str.substr(1), pair.elems[0].str);
  }
}

TEST_F(HashCmdsTest, ScanIteratesEveryPair) {
  storage::GlobalEncodingLimits().hash_max_listpack_entries = 16;
  Strings add = {"HSET", k1_};
  for (int i = 0; i < 500; ++i) {
    add.push_back("f" + std::to_string(i));
    add.push_back(std::to_string(i));
  }
  c0_->Call(add);
  std::map<std::string, std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    RespValue v = c0_->Call({"HSCAN", k1_, cursor, "COUNT", "20"});
    ASSERT_EQ(v.elems.size(), 2u);
    cursor = v.elems[0].str;
    const auto& flat = v.elems[1].elems;
    for (size_t i = 0; i + 1 < flat.size(); i += 2) seen[flat[i].str] = flat[i + 1].str;
    ++calls;
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 500u);
  EXPECT_EQ(seen["f123"], "123");
  EXPECT_GT(calls, 10);
  c0_->Call({"HSET", "small", "name", "x", "age", "y"});
  EXPECT_EQ(c0_->CallRaw({"HSCAN", "small", "0", "MATCH", "n*"}),
            "*2\r\n$1\r\n0\r\n*2\r\n$4\r\nname\r\n$1\r\nx\r\n");
  // The key is looked up before the options are parsed.
  EXPECT_EQ(c0_->CallRaw({"HSCAN", "nokey", "0", "BOGUS"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(c0_->CallRaw({"HSCAN", "small", "0", "BOGUS"}), kSyntax);
  EXPECT_EQ(c0_->CallRaw({"HSCAN", "small", "0", "COUNT", "x"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(c0_->CallRaw({"HSCAN", "nokey", "x"}), "-ERR invalid cursor\r\n");
}

}  // namespace
}  // namespace tessera::commands
