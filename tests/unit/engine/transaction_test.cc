// MULTI/EXEC/DISCARD/WATCH with Redis 7.0's replies, across shards.
#include "src/engine/transaction.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "src/commands/register.h"
#include "tests/unit/harness/test_server.h"

namespace tessera::engine {
namespace {

using protocol::RespValue;

class TransactionTest : public ::testing::Test {
 protected:
  testing::TestServer server_{2, commands::RegisterAll};
  std::string a_ = server_.KeyOnShard(0, "a");
  std::string b_ = server_.KeyOnShard(1, "b");
};

TEST_F(TransactionTest, QueuesThenRunsEveryCommandInOrderAcrossShards) {
  auto c = server_.Connect(0);
  EXPECT_EQ(c->CallRaw({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(c->CallRaw({"SET", a_, "1"}), "+QUEUED\r\n");
  EXPECT_EQ(c->CallRaw({"INCR", a_}), "+QUEUED\r\n");
  EXPECT_EQ(c->CallRaw({"SET", b_, "x"}), "+QUEUED\r\n");
  EXPECT_EQ(c->CallRaw({"MGET", a_, b_, "nokey"}), "+QUEUED\r\n");
  EXPECT_EQ(c->CallRaw({"INCR", b_}), "+QUEUED\r\n");
  EXPECT_EQ(c->CallRaw({"EXEC"}),
            "*5\r\n+OK\r\n:2\r\n+OK\r\n*3\r\n$1\r\n2\r\n$1\r\nx\r\n$-1\r\n"
            "-ERR value is not an integer or out of range\r\n");
  // Out of MULTI again.
  EXPECT_EQ(c->CallRaw({"GET", a_}), "$1\r\n2\r\n");
}

TEST_F(TransactionTest, AnErrorWhileQueueingAbortsExec) {
  auto c = server_.Connect(1);
  c->Call({"MULTI"});
  c->Call({"SET", a_, "1"});
  EXPECT_EQ(c->CallRaw({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(c->CallRaw({"NOSUCHCOMMAND"}).substr(0, 24), "-ERR unknown command 'NO");
  EXPECT_EQ(c->CallRaw({"EXEC"}),
            "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(c->CallRaw({"GET", a_}), "$-1\r\n");
}

TEST_F(TransactionTest, MisuseGetsRedisErrors) {
  auto c = server_.Connect(0);
  EXPECT_EQ(c->CallRaw({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(c->CallRaw({"DISCARD"}), "-ERR DISCARD without MULTI\r\n");
  c->Call({"MULTI"});
  EXPECT_EQ(c->CallRaw({"MULTI"}), "-ERR MULTI calls can not be nested\r\n");
  EXPECT_EQ(c->CallRaw({"WATCH", a_}), "-ERR WATCH inside MULTI is not allowed\r\n");
  c->Call({"SET", a_, "1"});
  // Neither error above dooms the transaction (Redis checks them in the command itself).
  EXPECT_EQ(c->CallRaw({"EXEC"}), "*1\r\n+OK\r\n");
  c->Call({"MULTI"});
  c->Call({"SET", a_, "2"});
  EXPECT_EQ(c->CallRaw({"DISCARD"}), "+OK\r\n");
  EXPECT_EQ(c->CallRaw({"GET", a_}), "$1\r\n1\r\n");
}

TEST_F(TransactionTest, AChangeToAWatchedKeyOnAnotherShardAbortsExec) {
  auto c = server_.Connect(0);
  auto other = server_.Connect(1);
  c->Call({"SET", b_, "1"});
  EXPECT_EQ(c->CallRaw({"WATCH", a_, b_}), "+OK\r\n");
  other->Call({"INCR", b_});
  c->Call({"MULTI"});
  c->Call({"SET", a_, "changed"});
  EXPECT_EQ(c->CallRaw({"EXEC"}), "*-1\r\n");
  EXPECT_EQ(c->CallRaw({"GET", a_}), "$-1\r\n");
  // EXEC forgets the watches: the next transaction runs.
  other->Call({"INCR", b_});
  c->Call({"MULTI"});
  c->Call({"SET", a_, "changed"});
  EXPECT_EQ(c->CallRaw({"EXEC"}), "*1\r\n+OK\r\n");
}

TEST_F(TransactionTest, UntouchedWatchesLetExecRunAndUnwatchForgets) {
  auto c = server_.Connect(1);
  auto other = server_.Connect(0);
  c->Call({"WATCH", a_});
  other->Call({"SET", b_, "unrelated"});
  c->Call({"MULTI"});
  c->Call({"INCR", a_});
  EXPECT_EQ(c->CallRaw({"EXEC"}), "*1\r\n:1\r\n");
  c->Call({"WATCH", a_});
  EXPECT_EQ(c->CallRaw({"UNWATCH"}), "+OK\r\n");
  other->Call({"INCR", a_});
  c->Call({"MULTI"});
  c->Call({"INCR", a_});
  EXPECT_EQ(c->CallRaw({"EXEC"}), "*1\r\n:3\r\n");
}

TEST_F(TransactionTest, AWatchedKeyThatExpiresAbortsExec) {
  auto c = server_.Connect(0);
  c->Call({"SET", b_, "v", "PX", "100"});
  c->Call({"WATCH", b_});
  server_.clock().AdvanceMs(200);
  c->Call({"MULTI"});
  c->Call({"SET", a_, "1"});
  EXPECT_EQ(c->CallRaw({"EXEC"}), "*-1\r\n");
}

TEST_F(TransactionTest, FlushdbTouchesWatchedKeysThatExisted) {
  auto c = server_.Connect(0);
  auto other = server_.Connect(1);
  c->Call({"SET", b_, "v"});
  c->Call({"WATCH", b_});
  other->Call({"FLUSHDB"});
  c->Call({"MULTI"});
  c->Call({"SET", a_, "1"});
  EXPECT_EQ(c->CallRaw({"EXEC"}), "*-1\r\n");
  // A watched key that did not exist is not changed by emptying its database.
  c->Call({"WATCH", "{missing}"});
  other->Call({"FLUSHDB"});
  c->Call({"MULTI"});
  c->Call({"SET", a_, "1"});
  EXPECT_EQ(c->CallRaw({"EXEC"}), "*1\r\n+OK\r\n");
}

TEST_F(TransactionTest, Resp3AbortedExecIsNull) {
  auto c = server_.Connect(1);
  c->Call({"HELLO", "3"});
  c->Call({"WATCH", a_});
  c->Call({"SET", a_, "mine"});  // the watching client's own write counts too
  c->Call({"MULTI"});
  c->Call({"GET", a_});
  EXPECT_EQ(c->CallRaw({"EXEC"}), "_\r\n");
}

// Transfers between accounts on both shards, from clients on both loops: a concurrent
// reader's MGET always sees the same total.
TEST_F(TransactionTest, TransfersKeepTheTotalForConcurrentReaders) {
  std::vector<std::string> accounts;
  for (int s = 0; s < 2; ++s) {
    for (int i = 0; i < 5; ++i) {
      accounts.push_back(server_.KeyOnShard(s, "acct" + std::to_string(i) + ":"));
    }
  }
  {
    auto setup = server_.Connect(0);
    for (const std::string& a : accounts) setup->Call({"SET", a, "100"});
  }
  const int64_t total = 100 * static_cast<int64_t>(accounts.size());
  std::atomic<int> running{2};
  auto transfer = [&](int loop, unsigned seed) {
    auto c = server_.Connect(loop);
    for (int i = 0; i < 300; ++i) {
      seed = seed * 1103515245 + 12345;
      const std::string& from = accounts[(seed >> 8) % accounts.size()];
      const std::string& to = accounts[(seed >> 16) % accounts.size()];
      c->Pipeline({{"MULTI"}, {"DECRBY", from, "7"}, {"INCRBY", to, "7"}, {"EXEC"}});
    }
    --running;
  };
  std::thread t1(transfer, 0, 1u);
  std::thread t2(transfer, 1, 2u);
  auto reader = server_.Connect(1);
  std::vector<std::string> mget = {"MGET"};
  mget.insert(mget.end(), accounts.begin(), accounts.end());
  int reads = 0;
  while (running > 0 || reads == 0) {
    RespValue v = reader->Call(mget);
    int64_t sum = 0;
    for (const RespValue& e : v.elems) sum += std::stoll(e.str);
    ASSERT_EQ(sum, total) << "read " << reads;
    ++reads;
  }
  t1.join();
  t2.join();
}

}  // namespace
}  // namespace tessera::engine
