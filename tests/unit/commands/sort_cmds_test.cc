// SORT and SORT_RO through the in-process server (two loops): BY and GET patterns whose keys
// live on both shards, STORE to either shard, and Redis's quirks (zsets converted to skiplist,
// sets sorted ALPHA into a STORE, missing BY keys sorting as 0).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/unit/harness/test_server.h"

namespace tessera::commands {
namespace {

using protocol::RespValue;
using testing::TestClient;
using testing::TestServer;
using Type = RespValue::Type;

std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }

std::string Flat(const RespValue& v) {
  if (v.type == Type::kArray) {
    std::string out = "[";
    for (size_t i = 0; i < v.elems.size(); ++i) out += (i ? " " : "") + Flat(v.elems[i]);
    return out + "]";
  }
  if (v.type == Type::kNull) return "nil";
  if (v.type == Type::kError) return "ERR:" + v.str;
  if (v.type == Type::kInteger) return std::to_string(v.integer);
  return v.str;
}

class SortCmdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c0_ = server_.Connect(0);
    c1_ = server_.Connect(1);
  }
  std::string Call(const std::vector<std::string>& args) { return Flat(c0_->Call(args)); }

  TestServer server_{2};
  std::unique_ptr<TestClient> c0_;
  std::unique_ptr<TestClient> c1_;
};

TEST_F(SortCmdsTest, NumericAlphaLimitDesc) {
  c0_->Call({"ZADD", "z", "1", "10", "2", "9", "3", "-1.5", "4", "apple"});
  EXPECT_EQ(Call({"SORT", "z"}), "ERR:ERR One or more scores can't be converted into double");
  c0_->Call({"ZREM", "z", "apple"});
  EXPECT_EQ(Call({"SORT", "z"}), "[-1.5 9 10]");
  EXPECT_EQ(Call({"SORT", "z", "DESC"}), "[10 9 -1.5]");
  EXPECT_EQ(Call({"SORT", "z", "ALPHA"}), "[-1.5 10 9]");
  EXPECT_EQ(Call({"SORT", "z", "LIMIT", "1", "1"}), "[9]");
  EXPECT_EQ(Call({"SORT", "z", "LIMIT", "5", "1"}), "[]");
  EXPECT_EQ(Call({"SORT", "z", "BY", "nosort"}), "[10 9 -1.5]");  // the zset's own order
  EXPECT_EQ(Call({"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "0", "2"}), "[-1.5 9]");
  EXPECT_EQ(Call({"SORT", "missing"}), "[]");
  EXPECT_EQ(Call({"SORT", "z", "LIMIT", "1"}), "ERR:ERR syntax error");
  EXPECT_EQ(Call({"SORT_RO", "z", "STORE", "d"}), "ERR:ERR syntax error");
  c0_->Call({"SET", "s", "v"});
  EXPECT_EQ(Call({"SORT", "s"}),
            "ERR:WRONGTYPE Operation against a key holding the wrong kind of value");
}

TEST_F(SortCmdsTest, SortConvertsPackedZSets) {
  c0_->Call({"ZADD", "z", "1", "a"});
  EXPECT_EQ(Flat(c0_->Call({"OBJECT", "ENCODING", "z"})), "listpack");
  c0_->Call({"SORT_RO", "z", "ALPHA"});
  EXPECT_EQ(Flat(c0_->Call({"OBJECT", "ENCODING", "z"})), "skiplist");
}

// BY and GET keys spread over both shards, the sorted key on one, the STORE key on the other.
TEST_F(SortCmdsTest, PatternsAcrossShards) {
  c0_->Call({"SADD", "ids", "1", "2", "3", "4"});
  for (int i = 1; i <= 4; ++i) {
    const std::string id = std::to_string(i);
    c0_->Call({"SET", "w_" + id, std::to_string(50 - i * 10)});
    c0_->Call({"HSET", "h_" + id, "name", "n" + id});
  }
  c1_->Call({"DEL", "w_2"});  // a missing BY key sorts as 0
  EXPECT_EQ(Flat(c1_->Call({"SORT", "ids", "BY", "w_*"})), "[2 4 3 1]");
  EXPECT_EQ(Flat(c1_->Call(
                {"SORT", "ids", "BY", "w_*", "GET", "#", "GET", "h_*->name", "GET", "nothing_*"})),
            "[2 n2 nil 4 n4 nil 3 n3 nil 1 n1 nil]");
  EXPECT_EQ(Flat(c1_->Call({"SORT", "ids", "BY", "w_*", "DESC", "LIMIT", "0", "2", "GET", "w_*"})),
            "[40 20]");
  EXPECT_EQ(Flat(c1_->Call({"SORT", "ids", "BY", "w_*", "ALPHA"})), "[2 4 3 1]");
  for (const char* dst : {"dst{a}", "dst{b}", "dst{c}"}) {
    EXPECT_EQ(
        c1_->CallRaw({"SORT", "ids", "BY", "w_*", "GET", "h_*->name", "GET", "x_*", "STORE", dst}),
        Int(8));
    EXPECT_EQ(Flat(c0_->Call({"TYPE", dst})), "list");
    // The stored list in its own order; a missing GET value is stored as "".
    EXPECT_EQ(Flat(c0_->Call({"SORT", dst, "BY", "nosort"})), "[n2  n4  n3  n1 ]");
  }
}

TEST_F(SortCmdsTest, StoreRules) {
  c0_->Call({"SADD", "set", "b", "a", "c"});
  // A set sorted "without sorting" into a STORE is sorted ALPHA, so the copy is deterministic.
  EXPECT_EQ(c0_->CallRaw({"SORT", "set", "BY", "nosort", "STORE", "d"}), Int(3));
  EXPECT_EQ(Call({"SORT", "d", "BY", "nosort"}), "[a b c]");
  c0_->Call({"EXPIRE", "d", "100"});
  EXPECT_EQ(c0_->CallRaw({"SORT", "set", "ALPHA", "LIMIT", "0", "1", "STORE", "d"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"TTL", "d"}), Int(-1));
  // An empty result deletes the destination.
  EXPECT_EQ(c0_->CallRaw({"SORT", "missing", "STORE", "d"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"EXISTS", "d"}), Int(0));
}

}  // namespace
}  // namespace tessera::commands
