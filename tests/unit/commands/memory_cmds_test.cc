// MEMORY USAGE / PURGE / HELP against the in-process server. The usage figures are exact
// (allocator size classes of the entry block and the value's blocks), so small values are
// checked to the byte.
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

class MemoryCmdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c0_ = server_.Connect(0);
    k1_ = server_.KeyOnShard(1, "k");
  }

  int64_t Usage(const std::string& key) {
    RespValue v = c0_->Call({"MEMORY", "USAGE", key});
    EXPECT_EQ(v.type, Type::kInteger) << key;
    return v.integer;
  }

  TestServer server_{2};
  std::unique_ptr<TestClient> c0_;
  std::string k1_;  // a key on shard 1, read from the client on loop 0
};

TEST_F(MemoryCmdsTest, MissingKeyIsNil) {
  EXPECT_EQ(c0_->CallRaw({"MEMORY", "USAGE", "nokey"}), "$-1\r\n");
  EXPECT_EQ(c0_->CallRaw({"MEMORY", "USAGE", k1_, "SAMPLES", "0"}), "$-1\r\n");
}

TEST_F(MemoryCmdsTest, SmallValuesToTheByte) {
  // Small collections live inside the entry block: 16-byte header, the object, the 1-byte key.
  c0_->Call({"SADD", "s", "1", "2", "3", "4", "5"});
  // Intset object 8 + 4 + 5 * 2 = 22, at its size class 32: 16 + 32 + 1 = 49 -> 64.
  EXPECT_EQ(Usage("s"), 64);
  // Listpack hash object 16 + "a" (2) + "1" (2) = 20, rounded to 24: 16 + 24 + 1 = 41 -> 48.
  c0_->Call({"HSET", "h", "a", "1"});
  EXPECT_EQ(Usage("h"), 48);
  // A string: header + key + inline "embstr" value, one block.
  c0_->Call({"SET", "x", "hello"});
  EXPECT_EQ(Usage("x"), 32);
}

TEST_F(MemoryCmdsTest, GrowsWithTheValueAndItsEncoding) {
  c0_->Call({"HSET", k1_, "f", "v"});
  const int64_t small = Usage(k1_);
  std::vector<std::string> add = {"HSET", k1_};
  for (int i = 0; i < 1000; ++i) {
    add.push_back("field:" + std::to_string(i));
    add.push_back("value:" + std::to_string(i));
  }
  c0_->Call(add);
  const int64_t big = Usage(k1_);
  EXPECT_EQ(c0_->Call({"OBJECT", "ENCODING", k1_}).str, "hashtable");
  // At least the bytes of the fields and values themselves, and well under Redis's
  // dictEntry + two sds per pair.
  EXPECT_GT(big, small + 1000 * 20);
  EXPECT_LT(big, 1000 * 80);
  c0_->Call({"SADD", "set", "a"});
  const int64_t one = Usage("set");
  std::vector<std::string> members = {"SADD", "set"};
  for (int i = 0; i < 1000; ++i) members.push_back("member:" + std::to_string(i));
  c0_->Call(members);
  EXPECT_GT(Usage("set"), one + 1000 * 16);
  // SAMPLES does not change an exact figure.
  EXPECT_EQ(c0_->Call({"MEMORY", "USAGE", "set", "SAMPLES", "1"}).integer, Usage("set"));
}

TEST_F(MemoryCmdsTest, ArgumentErrors) {
  c0_->Call({"SET", "x", "v"});
  EXPECT_EQ(c0_->CallRaw({"MEMORY", "USAGE", "x", "SAMPLES"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c0_->CallRaw({"MEMORY", "USAGE", "x", "SAMPLES", "-1"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c0_->CallRaw({"MEMORY", "USAGE", "x", "SAMPLES", "z"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(c0_->CallRaw({"MEMORY", "USAGE", "x", "BOGUS"}), "-ERR syntax error\r\n");
  // Options are checked before the key is looked up.
  EXPECT_EQ(c0_->CallRaw({"MEMORY", "USAGE", "nokey", "BOGUS"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c0_->CallRaw({"MEMORY", "USAGE"}),
            "-ERR wrong number of arguments for 'memory|usage' command\r\n");
  EXPECT_EQ(c0_->CallRaw({"MEMORY"}), "-ERR wrong number of arguments for 'memory' command\r\n");
}

TEST_F(MemoryCmdsTest, HelpAndPurge) {
  RespValue help = c0_->Call({"MEMORY", "HELP"});
  ASSERT_EQ(help.type, Type::kArray);
  ASSERT_EQ(help.elems.size(), 14u);
  EXPECT_EQ(help.elems[0].str, "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_EQ(help.elems[9].str, "USAGE <key> [SAMPLES <count>]");
  EXPECT_EQ(c0_->CallRaw({"MEMORY", "PURGE"}), "+OK\r\n");
}

}  // namespace
}  // namespace tessera::commands
