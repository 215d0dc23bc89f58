// Set commands against the in-process server (two loops, manual clock): reply bytes as Redis
// 7.0.15 sends them in RESP2 and RESP3, random replies checked by shape, count and membership,
// and the multi-key commands (SMOVE, the algebra) with their keys on different shards.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
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
constexpr char kWrongType[] =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
constexpr char kSyntax[] = "-ERR syntax error\r\n";

std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
// An aggregate of bulk strings: "*" for arrays, "~" for RESP3 sets.
std::string Bulks(char tag, const Strings& items) {
  std::string out = tag + std::to_string(items.size()) + "\r\n";
  for (const std::string& s : items) out += Bulk(s);
  return out;
}

Strings SortedStrings(const RespValue& v) {
  Strings out;
  for (const RespValue& e : v.elems) out.push_back(e.str);
  std::sort(out.begin(), out.end());
  return out;
}

class SetCmdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c0_ = server_.Connect(0);
    c1_ = server_.Connect(1);
    a0_ = server_.KeyOnShard(0, "a");
    b0_ = server_.KeyOnShard(0, "b");
    a1_ = server_.KeyOnShard(1, "a");
    b1_ = server_.KeyOnShard(1, "b");
  }
  void TearDown() override { storage::GlobalEncodingLimits().set_max_intset_entries = 512; }

  std::string Encoding(const std::string& key) {
    return c0_->Call({"OBJECT", "ENCODING", key}).str;
  }
  Strings Members(const std::string& key) { return SortedStrings(c0_->Call({"SMEMBERS", key})); }

  TestServer server_{2};
  std::unique_ptr<TestClient> c0_;
  std::unique_ptr<TestClient> c1_;
  std::string a0_, b0_;  // keys on shard 0
  std::string a1_, b1_;  // keys on shard 1
};

TEST_F(SetCmdsTest, AddRemoveAndRead) {
  EXPECT_EQ(c0_->CallRaw({"SADD", "s", "3", "1", "2", "2"}), Int(3));
  EXPECT_EQ(c1_->CallRaw({"SADD", "s", "1", "4"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"SMEMBERS", "s"}), Bulks('*', {"1", "2", "3", "4"}));  // intset order
  EXPECT_EQ(c0_->CallRaw({"SCARD", "s"}), Int(4));
  EXPECT_EQ(c0_->CallRaw({"SCARD", "nokey"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"SISMEMBER", "s", "4"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"SISMEMBER", "s", "04"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"SMISMEMBER", "s", "1", "9", "2"}), "*3\r\n:1\r\n:0\r\n:1\r\n");
  EXPECT_EQ(c0_->CallRaw({"SMISMEMBER", "nokey", "1"}), "*1\r\n:0\r\n");
  EXPECT_EQ(c0_->CallRaw({"SREM", "s", "1", "9"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"SREM", "s", "2", "3", "4"}), Int(3));
  EXPECT_EQ(c0_->CallRaw({"EXISTS", "s"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"SMEMBERS", "s"}), "*0\r\n");
  EXPECT_EQ(c0_->CallRaw({"SADD", "s"}), "-ERR wrong number of arguments for 'sadd' command\r\n");
  EXPECT_EQ(c0_->CallRaw({"SET", "str", "v"}), "+OK\r\n");
  for (auto args :
       {Strings{"SADD", "str", "a"}, Strings{"SREM", "str", "a"}, Strings{"SCARD", "str"},
        Strings{"SISMEMBER", "str", "a"}, Strings{"SMISMEMBER", "str", "a"},
        Strings{"SMEMBERS", "str"}, Strings{"SPOP", "str"}, Strings{"SRANDMEMBER", "str", "2"}}) {
    RespValue v = c0_->Call(args);
    EXPECT_EQ(v.type, Type::kError) << args[0];
    EXPECT_EQ("-" + v.str + "\r\n", kWrongType) << args[0];
  }
}

TEST_F(SetCmdsTest, Resp3RepliesAreSets) {
  c0_->Call({"SADD", "s", "1", "2"});
  c0_->Call({"HELLO", "3"});
  EXPECT_EQ(c0_->CallRaw({"SMEMBERS", "s"}), Bulks('~', {"1", "2"}));
  EXPECT_EQ(c0_->CallRaw({"SMEMBERS", "nokey"}), "~0\r\n");
  EXPECT_EQ(c0_->CallRaw({"SUNION", "s", "nokey"}), Bulks('~', {"1", "2"}));
  EXPECT_EQ(c0_->CallRaw({"SPOP", "nokey", "3"}), "~0\r\n");
  EXPECT_EQ(c0_->CallRaw({"SPOP", "nokey"}), "_\r\n");
  // SRANDMEMBER answers an array even when it returns the whole set.
  EXPECT_EQ(c0_->CallRaw({"SRANDMEMBER", "s", "5"}), Bulks('*', {"1", "2"}));
  EXPECT_EQ(c0_->CallRaw({"SRANDMEMBER", "nokey"}), "_\r\n");
  EXPECT_EQ(c0_->CallRaw({"SPOP", "s", "5"}), Bulks('~', {"1", "2"}));
}

TEST_F(SetCmdsTest, EncodingsFollowMembersAndLimits) {
  c0_->Call({"SADD", "i", "1", "2"});
  EXPECT_EQ(Encoding("i"), "intset");
  c0_->Call({"SADD", "i", "x"});
  EXPECT_EQ(Encoding("i"), "hashtable");
  storage::GlobalEncodingLimits().set_max_intset_entries = 2;
  c0_->Call({"SADD", "j", "1", "2"});
  EXPECT_EQ(Encoding("j"), "intset");
  c0_->Call({"SADD", "j", "3"});
  EXPECT_EQ(Encoding("j"), "hashtable");
  EXPECT_EQ(Members("j"), (Strings{"1", "2", "3"}));
}

TEST_F(SetCmdsTest, SPopShapesAndErrors) {
  c0_->Call({"SADD", "s", "a", "b", "c", "d", "e"});
  RespValue one = c0_->Call({"SPOP", "s"});
  ASSERT_EQ(one.type, Type::kBulk);
  RespValue two = c0_->Call({"SPOP", "s", "2"});
  ASSERT_EQ(two.type, Type::kArray);
  ASSERT_EQ(two.elems.size(), 2u);
  std::set<std::string> popped = {one.str, two.elems[0].str, two.elems[1].str};
  EXPECT_EQ(popped.size(), 3u);
  Strings rest = Members("s");
  EXPECT_EQ(rest.size(), 2u);
  for (const std::string& m : rest) EXPECT_EQ(popped.count(m), 0u);
  EXPECT_EQ(c0_->CallRaw({"SPOP", "s", "0"}), "*0\r\n");
  const std::string not_positive = "-ERR value is out of range, must be positive\r\n";
  EXPECT_EQ(c0_->CallRaw({"SPOP", "s", "-1"}), not_positive);
  EXPECT_EQ(c0_->CallRaw({"SPOP", "s", "x"}), not_positive);
  EXPECT_EQ(c0_->CallRaw({"SPOP", "s", "1", "2"}), kSyntax);
  EXPECT_EQ(c0_->Call({"SPOP", "s", "10"}).elems.size(), 2u);
  EXPECT_EQ(c0_->CallRaw({"EXISTS", "s"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"SPOP", "s"}), kNil);
}

TEST_F(SetCmdsTest, SRandMemberCounts) {
  Strings add = {"SADD", "s"};
  for (int i = 0; i < 20; ++i) add.push_back("m" + std::to_string(i));
  c1_->Call(add);
  const Strings all = Members("s");
  auto check = [&](const std::string& count, size_t want, bool distinct) {
    RespValue v = c0_->Call({"SRANDMEMBER", "s", count});
    ASSERT_EQ(v.type, Type::kArray) << count;
    EXPECT_EQ(v.elems.size(), want) << count;
    std::set<std::string> seen;
    for (const RespValue& e : v.elems) {
      EXPECT_TRUE(std::binary_search(all.begin(), all.end(), e.str)) << e.str;
      seen.insert(e.str);
    }
    if (distinct) {
      EXPECT_EQ(seen.size(), want) << count;
    }
  };
  check("1", 1, true);
  check("5", 5, true);    // sampled
  check("15", 15, true);  // most of the set: shuffled
  check("20", 20, true);
  check("100", 20, true);
  check("-50", 50, false);
  check("0", 0, true);
  EXPECT_EQ(c0_->Call({"SCARD", "s"}).integer, 20);
  EXPECT_EQ(c0_->CallRaw({"SRANDMEMBER", "s", "1", "2"}), kSyntax);
  EXPECT_EQ(c0_->CallRaw({"SRANDMEMBER", "s", "-9223372036854775808"}),
            "-ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807\r\n");
  EXPECT_EQ(c0_->CallRaw({"SRANDMEMBER", "nokey", "-3"}), "*0\r\n");
  EXPECT_EQ(c0_->CallRaw({"SRANDMEMBER", "nokey"}), kNil);
}

TEST_F(SetCmdsTest, SMoveAcrossShards) {
  c0_->Call({"SADD", a0_, "x", "y"});
  c0_->Call({"SADD", b1_, "z"});
  EXPECT_EQ(c0_->CallRaw({"SMOVE", a0_, b1_, "x"}), Int(1));
  EXPECT_EQ(Members(a0_), (Strings{"y"}));
  EXPECT_EQ(Members(b1_), (Strings{"x", "z"}));
  EXPECT_EQ(c1_->CallRaw({"SMOVE", a0_, b1_, "nope"}), Int(0));
  // The last member leaves: the source key goes; a missing destination is created.
  EXPECT_EQ(c1_->CallRaw({"SMOVE", a0_, a1_, "y"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"EXISTS", a0_}), Int(0));
  EXPECT_EQ(Members(a1_), (Strings{"y"}));
  EXPECT_EQ(c0_->CallRaw({"SMOVE", a0_, b1_, "y"}), Int(0));  // missing source
  // Wrong types: nothing moves. A missing source answers 0 before the destination's type.
  c0_->Call({"SET", b0_, "str"});
  EXPECT_EQ(c0_->CallRaw({"SMOVE", b1_, b0_, "x"}), kWrongType);
  EXPECT_EQ(Members(b1_), (Strings{"x", "z"}));
  EXPECT_EQ(c0_->CallRaw({"SMOVE", b0_, b1_, "x"}), kWrongType);
  EXPECT_EQ(c0_->CallRaw({"SMOVE", a0_, b0_, "x"}), Int(0));
  // Same key: membership only.
  EXPECT_EQ(c0_->CallRaw({"SMOVE", b1_, b1_, "x"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"SMOVE", b1_, b1_, "q"}), Int(0));
  EXPECT_EQ(Members(b1_), (Strings{"x", "z"}));
  // Moving into a set that already has the member still removes it from the source.
  c0_->Call({"SADD", a0_, "x"});
  EXPECT_EQ(c0_->CallRaw({"SMOVE", a0_, b1_, "x"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"EXISTS", a0_}), Int(0));
  EXPECT_EQ(Members(b1_), (Strings{"x", "z"}));
}

TEST_F(SetCmdsTest, AlgebraAcrossShards) {
  c0_->Call({"SADD", a0_, "1", "2", "3", "4"});
  c0_->Call({"SADD", a1_, "3", "4", "5"});
  c0_->Call({"SADD", b1_, "4", "x", "3"});
  EXPECT_EQ(c0_->CallRaw({"SINTER", a0_, a1_}), Bulks('*', {"3", "4"}));
  EXPECT_EQ(SortedStrings(c1_->Call({"SINTER", a0_, a1_, b1_})), (Strings{"3", "4"}));
  EXPECT_EQ(c0_->CallRaw({"SINTER", a0_, "nokey"}), "*0\r\n");
  EXPECT_EQ(c0_->CallRaw({"SUNION", a0_, a1_}), Bulks('*', {"1", "2", "3", "4", "5"}));
  EXPECT_EQ(c0_->CallRaw({"SDIFF", a0_, a1_}), Bulks('*', {"1", "2"}));
  EXPECT_EQ(SortedStrings(c0_->Call({"SDIFF", b1_, a0_})), (Strings{"x"}));
  EXPECT_EQ(c1_->CallRaw({"SINTERCARD", "2", a0_, a1_}), Int(2));
  EXPECT_EQ(c1_->CallRaw({"SINTERCARD", "3", a0_, a1_, b1_, "LIMIT", "1"}), Int(1));
  // STORE with the destination on another shard than some inputs.
  EXPECT_EQ(c0_->CallRaw({"SUNIONSTORE", b0_, a0_, a1_, b1_}), Int(6));
  EXPECT_EQ(Encoding(b0_), "hashtable");
  EXPECT_EQ(Members(b0_), (Strings{"1", "2", "3", "4", "5", "x"}));
  EXPECT_EQ(c1_->CallRaw({"SINTERSTORE", b0_, a0_, a1_}), Int(2));
  EXPECT_EQ(Encoding(b0_), "intset");
  EXPECT_EQ(c1_->CallRaw({"SDIFFSTORE", a1_, a0_, a1_}), Int(2));  // destination is an input
  EXPECT_EQ(Members(a1_), (Strings{"1", "2"}));
  // An empty result deletes the destination, whatever it held.
  c0_->Call({"SET", b0_, "v"});
  EXPECT_EQ(c1_->CallRaw({"SINTERSTORE", b0_, a0_, "nokey"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"EXISTS", b0_}), Int(0));
  // A wrong-type input fails the whole command and leaves the destination alone.
  c0_->Call({"SET", a1_, "v"});
  c0_->Call({"SADD", b0_, "keep"});
  EXPECT_EQ(c0_->CallRaw({"SUNIONSTORE", b0_, a0_, a1_}), kWrongType);
  EXPECT_EQ(c0_->CallRaw({"SINTER", "nokey", a1_}), kWrongType);
  EXPECT_EQ(c0_->CallRaw({"SINTERCARD", "2", a0_, a1_}), kWrongType);
  EXPECT_EQ(Members(b0_), (Strings{"keep"}));
}

TEST_F(SetCmdsTest, AlgebraOnOneShardWithHashTags) {
  c0_->Call({"SADD", "{t}a", "1", "2", "3"});
  c0_->Call({"SADD", "{t}b", "2", "3", "4"});
  EXPECT_EQ(c1_->CallRaw({"SINTERSTORE", "{t}c", "{t}a", "{t}b"}), Int(2));
  EXPECT_EQ(c0_->CallRaw({"SMEMBERS", "{t}c"}), Bulks('*', {"2", "3"}));
  EXPECT_EQ(c1_->CallRaw({"SMOVE", "{t}a", "{t}c", "1"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"SMEMBERS", "{t}c"}), Bulks('*', {"1", "2", "3"}));
  EXPECT_EQ(c1_->CallRaw({"SDIFF", "{t}c", "{t}b"}), Bulks('*', {"1"}));
}

TEST_F(SetCmdsTest, SInterCardArguments) {
  c0_->Call({"SADD", "s", "1"});
  EXPECT_EQ(c0_->CallRaw({"SINTERCARD", "0", "s"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(c0_->CallRaw({"SINTERCARD", "x", "s"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(c0_->CallRaw({"SINTERCARD", "3", "s"}),
            "-ERR Number of keys can't be greater than number of args\r\n");
  EXPECT_EQ(c0_->CallRaw({"SINTERCARD", "1", "s", "LIMIT", "-1"}),
            "-ERR LIMIT can't be negative\r\n");
  EXPECT_EQ(c0_->CallRaw({"SINTERCARD", "1", "s", "LIMIT"}), kSyntax);
  EXPECT_EQ(c0_->CallRaw({"SINTERCARD", "1", "s", "BOGUS", "1"}), kSyntax);
  EXPECT_EQ(c0_->CallRaw({"SINTERCARD", "1", "s", "LIMIT", "0"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"COMMAND", "GETKEYS", "SINTERCARD", "2", "x", "y", "LIMIT", "1"}),
            Bulks('*', {"x", "y"}));
}

TEST_F(SetCmdsTest, SScanIteratesEveryMember) {
  Strings add = {"SADD", a1_};
  for (int i = 0; i < 1000; ++i) add.push_back("m" + std::to_string(i));
  c0_->Call(add);
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    RespValue v = c0_->Call({"SSCAN", a1_, cursor, "COUNT", "50", "MATCH", "m1*"});
    ASSERT_EQ(v.elems.size(), 2u);
    cursor = v.elems[0].str;
    for (const RespValue& e : v.elems[1].elems) seen.insert(e.str);
    ++calls;
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 111u);  // m1, m10-m19, m100-m199
  EXPECT_GT(calls, 5);
  EXPECT_EQ(c0_->CallRaw({"SSCAN", "nokey", "0", "COUNT", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(c0_->CallRaw({"SSCAN", a1_, "0", "COUNT", "0"}), kSyntax);
  EXPECT_EQ(c0_->CallRaw({"SSCAN", a1_, "x"}), "-ERR invalid cursor\r\n");
}

// SMOVE takes both keys' locks, so a member is always in exactly one of the two sets for any
// other atomic reader (SUNIONSTORE, SINTERCARD), even with the sets on different shards.
TEST_F(SetCmdsTest, CrossShardSMoveIsAtomic) {
  constexpr int kMembers = 20;
  Strings add = {"SADD", a0_};
  for (int i = 0; i < kMembers; ++i) add.push_back(std::to_string(i));
  c0_->Call(add);
  std::atomic<int> running{2};
  auto mover = [&](int loop, const std::string& from, const std::string& to) {
    auto c = server_.Connect(loop);
    for (int round = 0; round < 150; ++round) {
      std::vector<Strings> cmds;
      for (int i = 0; i < kMembers; i += 3) cmds.push_back({"SMOVE", from, to, std::to_string(i)});
      c->Pipeline(cmds);
    }
    --running;
  };
  std::thread t1(mover, 0, a0_, b1_);
  std::thread t2(mover, 1, b1_, a0_);
  int reads = 0;
  while (running > 0 || reads == 0) {
    ASSERT_EQ(c1_->Call({"SUNIONSTORE", b0_, a0_, b1_}).integer, kMembers) << reads;
    ASSERT_EQ(c0_->Call({"SINTERCARD", "2", a0_, b1_}).integer, 0) << reads;
    ++reads;
  }
  t1.join();
  t2.join();
}

}  // namespace
}  // namespace tessera::commands
