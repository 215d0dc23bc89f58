// List commands against the in-process server (two loops, manual clock): replies byte for byte
// as Redis 7.0.15 sends them, in RESP2 and RESP3, including the cross-shard forms of LMOVE,
// RPOPLPUSH and LMPOP. Blocking behaviour is in tests/unit/engine/key_waiters_test.cc; the
// long tail of edge cases is in tests/differential/lists.redis.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "storage/encoding_limits.h"
#include "tests/unit/commands/fake_values.h"
#include "tests/unit/harness/test_server.h"

namespace tessera::commands {
namespace {

using testing::TestClient;
using testing::TestServer;

constexpr char kNil[] = "$-1\r\n";
constexpr char kNilArray[] = "*-1\r\n";
constexpr char kEmpty[] = "*0\r\n";
constexpr char kOk[] = "+OK\r\n";
constexpr char kWrongType[] =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
constexpr char kSyntax[] = "-ERR syntax error\r\n";
constexpr char kNotInteger[] = "-ERR value is not an integer or out of range\r\n";

std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
std::string Array(const std::vector<std::string>& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& s : items) out += Bulk(s);
  return out;
}

class ListCmdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c0_ = server_.Connect(0);
    c1_ = server_.Connect(1);
    a0_ = server_.KeyOnShard(0, "a");
    b1_ = server_.KeyOnShard(1, "b");
    c0b_ = server_.KeyOnShard(0, "c");
  }

  std::string Range(TestClient& c, const std::string& key) {
    return c.CallRaw({"LRANGE", key, "0", "-1"});
  }

  TestServer server_{2, fake::FakeValuesRegistrar};
  std::unique_ptr<TestClient> c0_;
  std::unique_ptr<TestClient> c1_;
  std::string a0_;   // a key on shard 0
  std::string b1_;   // a key on shard 1
  std::string c0b_;  // another key on shard 0
};

TEST_F(ListCmdsTest, PushesAndLength) {
  EXPECT_EQ(c0_->CallRaw({"RPUSH", b1_, "a", "b"}), Int(2));
  EXPECT_EQ(c0_->CallRaw({"LPUSH", b1_, "z"}), Int(3));
  EXPECT_EQ(c1_->CallRaw({"LPUSHX", b1_, "y", "x"}), Int(5));
  EXPECT_EQ(c1_->CallRaw({"RPUSHX", "missing", "y"}), Int(0));
  EXPECT_EQ(c1_->CallRaw({"EXISTS", "missing"}), Int(0));
  EXPECT_EQ(Range(*c0_, b1_), Array({"x", "y", "z", "a", "b"}));
  EXPECT_EQ(c0_->CallRaw({"LLEN", b1_}), Int(5));
  EXPECT_EQ(c0_->CallRaw({"LLEN", "missing"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"TYPE", b1_}), "+list\r\n");
  EXPECT_EQ(c0_->CallRaw({"OBJECT", "ENCODING", b1_}), Bulk("quicklist"));
  EXPECT_EQ(c0_->CallRaw({"LPUSH", b1_}), "-ERR wrong number of arguments for 'lpush' command\r\n");
  c0_->Call({"SET", "str", "v"});
  EXPECT_EQ(c0_->CallRaw({"RPUSH", "str", "a"}), kWrongType);
  EXPECT_EQ(c0_->CallRaw({"LPUSHX", "str", "a"}), kWrongType);
  EXPECT_EQ(c0_->CallRaw({"LLEN", "str"}), kWrongType);
}

TEST_F(ListCmdsTest, PopsWithAndWithoutCount) {
  c0_->Call({"RPUSH", a0_, "a", "b", "c", "d"});
  EXPECT_EQ(c1_->CallRaw({"LPOP", a0_}), Bulk("a"));
  EXPECT_EQ(c1_->CallRaw({"RPOP", a0_, "2"}), Array({"d", "c"}));
  EXPECT_EQ(c1_->CallRaw({"LPOP", a0_, "0"}), kEmpty);
  EXPECT_EQ(c1_->CallRaw({"LPOP", a0_, "9"}), Array({"b"}));
  EXPECT_EQ(c1_->CallRaw({"EXISTS", a0_}), Int(0));
  EXPECT_EQ(c1_->CallRaw({"LPOP", a0_}), kNil);
  EXPECT_EQ(c1_->CallRaw({"LPOP", a0_, "0"}), kNilArray);
  EXPECT_EQ(c1_->CallRaw({"RPOP", a0_, "-1"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(c1_->CallRaw({"RPOP", a0_, "x"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(c1_->CallRaw({"LPOP", a0_, "1", "2"}),
            "-ERR wrong number of arguments for 'lpop' command\r\n");
  c0_->Call({"test.mkobj", "h", "hash"});
  EXPECT_EQ(c0_->CallRaw({"LPOP", "h"}), kWrongType);
}

TEST_F(ListCmdsTest, Resp3Shapes) {
  c0_->Call({"HELLO", "3"});
  c0_->Call({"RPUSH", a0_, "a", "b"});
  EXPECT_EQ(c0_->CallRaw({"LPOP", "missing"}), "_\r\n");
  EXPECT_EQ(c0_->CallRaw({"LPOP", "missing", "2"}), "_\r\n");
  EXPECT_EQ(c0_->CallRaw({"LPOP", a0_, "0"}), kEmpty);
  EXPECT_EQ(c0_->CallRaw({"LINDEX", a0_, "7"}), "_\r\n");
  EXPECT_EQ(c0_->CallRaw({"LPOS", a0_, "z"}), "_\r\n");
  EXPECT_EQ(c0_->CallRaw({"LMPOP", "1", "missing", "LEFT"}), "_\r\n");
  EXPECT_EQ(c0_->CallRaw({"LMOVE", "missing", a0_, "LEFT", "LEFT"}), "_\r\n");
  EXPECT_EQ(c0_->CallRaw({"LRANGE", "missing", "0", "-1"}), kEmpty);
}

TEST_F(ListCmdsTest, IndexesSetInsertRemTrim) {
  c0_->Call({"RPUSH", b1_, "a", "b", "c", "b"});
  EXPECT_EQ(c0_->CallRaw({"LINDEX", b1_, "-1"}), Bulk("b"));
  EXPECT_EQ(c0_->CallRaw({"LINDEX", b1_, "4"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"LINDEX", b1_, "x"}), kNotInteger);
  EXPECT_EQ(c0_->CallRaw({"LINDEX", "missing", "x"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"LSET", b1_, "-4", "A"}), kOk);
  EXPECT_EQ(c0_->CallRaw({"LSET", b1_, "4", "A"}), "-ERR index out of range\r\n");
  EXPECT_EQ(c0_->CallRaw({"LSET", "missing", "x", "A"}), "-ERR no such key\r\n");
  EXPECT_EQ(c0_->CallRaw({"LINSERT", b1_, "AFTER", "b", "after-b"}), Int(5));
  EXPECT_EQ(c0_->CallRaw({"LINSERT", b1_, "before", "none", "v"}), Int(-1));
  EXPECT_EQ(c0_->CallRaw({"LINSERT", b1_, "around", "b", "v"}), kSyntax);
  EXPECT_EQ(c0_->CallRaw({"LINSERT", "missing", "before", "b", "v"}), Int(0));
  EXPECT_EQ(Range(*c1_, b1_), Array({"A", "b", "after-b", "c", "b"}));
  EXPECT_EQ(c0_->CallRaw({"LREM", b1_, "-1", "b"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"LREM", b1_, "x", "b"}), kNotInteger);
  EXPECT_EQ(c0_->CallRaw({"LREM", "missing", "0", "b"}), Int(0));
  EXPECT_EQ(Range(*c1_, b1_), Array({"A", "b", "after-b", "c"}));
  EXPECT_EQ(c0_->CallRaw({"LTRIM", b1_, "1", "-2"}), kOk);
  EXPECT_EQ(Range(*c1_, b1_), Array({"b", "after-b"}));
  EXPECT_EQ(c0_->CallRaw({"LTRIM", "missing", "0", "1"}), kOk);
  EXPECT_EQ(c0_->CallRaw({"LTRIM", b1_, "x", "1"}), kNotInteger);
  EXPECT_EQ(c0_->CallRaw({"LTRIM", b1_, "3", "1"}), kOk);
  EXPECT_EQ(c0_->CallRaw({"EXISTS", b1_}), Int(0));
}

TEST_F(ListCmdsTest, LposOptions) {
  c0_->Call({"RPUSH", a0_, "x", "y", "x", "x"});
  EXPECT_EQ(c1_->CallRaw({"LPOS", a0_, "x"}), Int(0));
  EXPECT_EQ(c1_->CallRaw({"LPOS", a0_, "x", "RANK", "-1"}), Int(3));
  EXPECT_EQ(c1_->CallRaw({"LPOS", a0_, "x", "COUNT", "0"}), "*3\r\n" + Int(0) + Int(2) + Int(3));
  EXPECT_EQ(c1_->CallRaw({"LPOS", a0_, "x", "RANK", "-2", "COUNT", "5", "MAXLEN", "3"}),
            "*1\r\n" + Int(2));
  EXPECT_EQ(c1_->CallRaw({"LPOS", a0_, "x", "RANK", "0"}),
            "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second "
            "... or use negative to start from the end of the list\r\n");
  EXPECT_EQ(c1_->CallRaw({"LPOS", a0_, "x", "COUNT", "-1"}), "-ERR COUNT can't be negative\r\n");
  EXPECT_EQ(c1_->CallRaw({"LPOS", a0_, "x", "MAXLEN", "x"}), "-ERR MAXLEN can't be negative\r\n");
  EXPECT_EQ(c1_->CallRaw({"LPOS", a0_, "x", "COUNT"}), kSyntax);
  EXPECT_EQ(c1_->CallRaw({"LPOS", "missing", "x", "COUNT", "1"}), kEmpty);
  EXPECT_EQ(c1_->CallRaw({"LPOS", "missing", "x"}), kNil);
}

TEST_F(ListCmdsTest, LmoveAcrossShards) {
  c0_->Call({"RPUSH", a0_, "1", "2", "3"});
  EXPECT_EQ(c0_->CallRaw({"LMOVE", a0_, b1_, "LEFT", "RIGHT"}), Bulk("1"));
  EXPECT_EQ(c1_->CallRaw({"RPOPLPUSH", a0_, b1_}), Bulk("3"));
  EXPECT_EQ(Range(*c0_, b1_), Array({"3", "1"}));
  EXPECT_EQ(c1_->CallRaw({"LMOVE", a0_, b1_, "right", "left"}), Bulk("2"));
  EXPECT_EQ(c1_->CallRaw({"EXISTS", a0_}), Int(0));  // the emptied source is gone
  EXPECT_EQ(c1_->CallRaw({"LMOVE", a0_, b1_, "LEFT", "LEFT"}), kNil);
  // The destination's type is checked only when there is something to move.
  c0_->Call({"SET", a0_, "str"});
  EXPECT_EQ(c0_->CallRaw({"LMOVE", "missing", a0_, "LEFT", "LEFT"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"LMOVE", b1_, a0_, "LEFT", "LEFT"}), kWrongType);
  EXPECT_EQ(c0_->CallRaw({"LMOVE", a0_, b1_, "LEFT", "LEFT"}), kWrongType);
  EXPECT_EQ(Range(*c0_, b1_), Array({"2", "3", "1"}));
  EXPECT_EQ(c0_->CallRaw({"LMOVE", b1_, a0_, "UP", "LEFT"}), kSyntax);
}

TEST_F(ListCmdsTest, LmoveOnOneShardAndRotation) {
  c0_->Call({"RPUSH", a0_, "1", "2", "3"});
  EXPECT_EQ(c1_->CallRaw({"LMOVE", a0_, c0b_, "LEFT", "LEFT"}), Bulk("1"));
  EXPECT_EQ(c1_->CallRaw({"RPOPLPUSH", a0_, a0_}), Bulk("3"));
  EXPECT_EQ(Range(*c1_, a0_), Array({"3", "2"}));
  EXPECT_EQ(Range(*c1_, c0b_), Array({"1"}));
  EXPECT_EQ(c1_->CallRaw({"LMOVE", c0b_, c0b_, "LEFT", "RIGHT"}), Bulk("1"));
  EXPECT_EQ(Range(*c1_, c0b_), Array({"1"}));
}

TEST_F(ListCmdsTest, LmpopTakesTheFirstNonEmptyKeyInArgumentOrder) {
  c0_->Call({"RPUSH", b1_, "b1", "b2", "b3"});
  c0_->Call({"RPUSH", a0_, "a1"});
  EXPECT_EQ(c0_->CallRaw({"LMPOP", "3", "missing", b1_, a0_, "LEFT"}),
            "*2\r\n" + Bulk(b1_) + Array({"b1"}));
  EXPECT_EQ(c1_->CallRaw({"LMPOP", "2", a0_, b1_, "RIGHT", "COUNT", "5"}),
            "*2\r\n" + Bulk(a0_) + Array({"a1"}));
  EXPECT_EQ(c1_->CallRaw({"LMPOP", "2", a0_, b1_, "RIGHT", "COUNT", "5"}),
            "*2\r\n" + Bulk(b1_) + Array({"b3", "b2"}));
  EXPECT_EQ(c1_->CallRaw({"LMPOP", "2", a0_, b1_, "RIGHT"}), kNilArray);
  c0_->Call({"SET", a0_, "str"});
  c0_->Call({"RPUSH", b1_, "x"});
  EXPECT_EQ(c1_->CallRaw({"LMPOP", "2", a0_, b1_, "LEFT"}), kWrongType);
  EXPECT_EQ(c1_->CallRaw({"LMPOP", "2", b1_, a0_, "LEFT"}), "*2\r\n" + Bulk(b1_) + Array({"x"}));
  EXPECT_EQ(c1_->CallRaw({"LMPOP", "0", a0_, "LEFT"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(c1_->CallRaw({"LMPOP", "2", a0_, "LEFT"}), kSyntax);
  EXPECT_EQ(c1_->CallRaw({"LMPOP", "1", a0_, "LEFT", "COUNT", "0"}),
            "-ERR count should be greater than 0\r\n");
  EXPECT_EQ(c1_->CallRaw({"COMMAND", "GETKEYS", "LMPOP", "2", a0_, b1_, "LEFT"}),
            Array({a0_, b1_}));
  EXPECT_EQ(c1_->CallRaw({"COMMAND", "GETKEYS", "BLMPOP", "0", "1", a0_, "LEFT"}), Array({a0_}));
}

// Many elements in small nodes (list-max-listpack-size 2), read back through every command
// that walks the list.
TEST_F(ListCmdsTest, LongListsAcrossManyNodes) {
  std::atomic<int64_t>& fill = storage::GlobalEncodingLimits().list_max_listpack_size;
  const int64_t saved = fill.load();
  fill.store(2);
  std::vector<std::string> want;
  for (int i = 0; i < 50; ++i) {
    c0_->Call({"RPUSH", b1_, std::to_string(i)});
    want.push_back(std::to_string(i));
  }
  EXPECT_EQ(Range(*c0_, b1_), Array(want));
  EXPECT_EQ(c0_->CallRaw({"LINDEX", b1_, "37"}), Bulk("37"));
  EXPECT_EQ(c0_->CallRaw({"LINSERT", b1_, "BEFORE", "25", "x"}), Int(51));
  EXPECT_EQ(c0_->CallRaw({"LPOS", b1_, "x"}), Int(25));
  EXPECT_EQ(c0_->CallRaw({"LREM", b1_, "0", "x"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"LTRIM", b1_, "10", "-11"}), kOk);
  EXPECT_EQ(c0_->CallRaw({"LRANGE", b1_, "0", "2"}), Array({"10", "11", "12"}));
  EXPECT_EQ(c0_->CallRaw({"LLEN", b1_}), Int(30));
  EXPECT_EQ(c0_->CallRaw({"OBJECT", "ENCODING", b1_}), Bulk("quicklist"));
  fill.store(saved);
}

TEST_F(ListCmdsTest, PipelineAcrossShardsKeepsOrder) {
  auto replies = c0_->Pipeline({{"RPUSH", a0_, "1"},
                                {"RPUSH", b1_, "2"},
                                {"LMOVE", a0_, b1_, "LEFT", "LEFT"},
                                {"LRANGE", b1_, "0", "-1"},
                                {"LPOP", a0_}});
  ASSERT_EQ(replies.size(), 5u);
  EXPECT_EQ(replies[2].str, "1");
  ASSERT_EQ(replies[3].elems.size(), 2u);
  EXPECT_EQ(replies[3].elems[0].str, "1");
  EXPECT_EQ(replies[3].elems[1].str, "2");
  EXPECT_EQ(replies[4].type, protocol::RespValue::Type::kNull);
}

}  // namespace
}  // namespace tessera::commands
