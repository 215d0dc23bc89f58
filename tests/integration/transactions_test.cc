// Atomicity and isolation across shards, against the real binary with 4 threads (4 shards),
// from many concurrent clients. These are the invariants of the transactions issue: no client
// ever observes half of a multi-key write, transfers keep a total constant, and random mixes of
// cross-shard multi-key commands neither deadlock nor lose or duplicate anything.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.h"

namespace tessera::integration {
namespace {

class TransactionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(server_.Start({"--threads", "4"}, &error)) << error;
  }
  RedisContextPtr Connect() {
    RedisContextPtr c = ConnectHiredis(server_.port());
    EXPECT_TRUE(c != nullptr);
    return c;
  }
  ServerProcess server_;
};

int64_t Sum(redisReply* mget) {
  int64_t sum = 0;
  for (size_t i = 0; i < mget->elements; ++i) sum += std::stoll(mget->element[i]->str);
  return sum;
}

TEST_F(TransactionsTest, TransfersKeepTheTotalUnderConcurrentMget) {
  constexpr int kAccounts = 1000;
  constexpr int kClients = 50;
  constexpr int kTransfersPerClient = 60;
  std::vector<std::string> mget = {"MGET"};
  {
    RedisContextPtr c = Connect();
    std::vector<std::string> mset = {"MSET"};
    for (int i = 0; i < kAccounts; ++i) {
      std::string key = "account:" + std::to_string(i);
      mset.push_back(key);
      mset.push_back("100");
      mget.push_back(key);
    }
    ASSERT_EQ(std::string(Command(c.get(), mset)->str), "OK");
  }
  const int64_t total = 100LL * kAccounts;
  std::atomic<int> finished{0};
  std::atomic<int> watch_aborts{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      RedisContextPtr c = ConnectHiredis(server_.port());
      std::mt19937 rng(static_cast<unsigned>(t));
      std::uniform_int_distribution<int> pick(0, kAccounts - 1);
      for (int i = 0; i < kTransfersPerClient; ++i) {
        std::string from = "account:" + std::to_string(pick(rng));
        std::string to = "account:" + std::to_string(pick(rng));
        if (t % 2 == 0) {
          // Plain MULTI/EXEC of an INCRBY pair.
          AppendCommand(c.get(), {"MULTI"});
          AppendCommand(c.get(), {"DECRBY", from, "3"});
          AppendCommand(c.get(), {"INCRBY", to, "3"});
          AppendCommand(c.get(), {"EXEC"});
          for (int r = 0; r < 4; ++r) GetReply(c.get());
        } else {
          // Optimistic: WATCH, read, write back; retry when another client got there first.
          while (true) {
            Command(c.get(), {"WATCH", from, to});
            RedisReplyPtr vals = Command(c.get(), {"MGET", from, to});
            int64_t a = std::stoll(vals->element[0]->str);
            int64_t b = std::stoll(vals->element[1]->str);
            if (from == to) {
              Command(c.get(), {"UNWATCH"});
              break;
            }
            AppendCommand(c.get(), {"MULTI"});
            AppendCommand(c.get(), {"SET", from, std::to_string(a - 5)});
            AppendCommand(c.get(), {"SET", to, std::to_string(b + 5)});
            AppendCommand(c.get(), {"EXEC"});
            GetReply(c.get());
            GetReply(c.get());
            GetReply(c.get());
            RedisReplyPtr exec = GetReply(c.get());
            if (exec->type == REDIS_REPLY_ARRAY) break;
            ++watch_aborts;
          }
        }
      }
      ++finished;
    });
  }
  RedisContextPtr reader = Connect();
  int reads = 0;
  while (finished < kClients) {
    RedisReplyPtr r = Command(reader.get(), mget);
    ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
    ASSERT_EQ(Sum(r.get()), total) << "after " << reads << " consistent reads";
    ++reads;
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(Sum(Command(reader.get(), mget).get()), total);
  EXPECT_GT(reads, 0);
  RecordProperty("watch_aborts", watch_aborts.load());
}

TEST_F(TransactionsTest, MgetNeverSeesHalfAnMset) {
  constexpr int kKeys = 40;
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) keys.push_back("mkey:" + std::to_string(i));
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      RedisContextPtr c = ConnectHiredis(server_.port());
      for (int round = 0; round < 150; ++round) {
        std::vector<std::string> mset = {"MSET"};
        std::string value = std::to_string(w) + ":" + std::to_string(round);
        for (const std::string& k : keys) {
          mset.push_back(k);
          mset.push_back(value);
        }
        Command(c.get(), mset);
      }
    });
  }
  std::thread reader_thread([&] {
    RedisContextPtr c = ConnectHiredis(server_.port());
    std::vector<std::string> mget = {"MGET"};
    mget.insert(mget.end(), keys.begin(), keys.end());
    while (!stop) {
      RedisReplyPtr r = Command(c.get(), mget);
      ASSERT_EQ(r->elements, keys.size());
      for (size_t i = 1; i < r->elements; ++i) {
        ASSERT_EQ(r->element[i]->type, r->element[0]->type);
        if (r->element[0]->type == REDIS_REPLY_STRING) {
          ASSERT_STREQ(r->element[i]->str, r->element[0]->str) << "MGET saw half of an MSET";
        }
      }
    }
  });
  for (auto& t : writers) t.join();
  stop = true;
  reader_thread.join();
}

// Tokens move between names with RENAMENX and DEL+SET pairs inside MULTI; names span every
// shard. Every client finishes (no deadlock) and every token survives exactly once.
TEST_F(TransactionsTest, RandomCrossShardMovesNeitherDeadlockNorLoseTokens) {
  constexpr int kTokens = 50;
  constexpr int kNames = 200;
  {
    RedisContextPtr c = Connect();
    for (int i = 0; i < kTokens; ++i) {
      Command(c.get(), {"SET", "name:" + std::to_string(i), "token" + std::to_string(i)});
    }
  }
  std::vector<std::thread> clients;
  std::atomic<int> done{0};
  for (int t = 0; t < 16; ++t) {
    clients.emplace_back([&, t] {
      RedisContextPtr c = ConnectHiredis(server_.port());
      std::mt19937 rng(static_cast<unsigned>(1000 + t));
      std::uniform_int_distribution<int> pick(0, kNames - 1);
      for (int i = 0; i < 200; ++i) {
        std::string a = "name:" + std::to_string(pick(rng));
        std::string b = "name:" + std::to_string(pick(rng));
        if (i % 3 == 0) {
          // Move through a transaction: read a, then (atomically) copy to b if b is free.
          Command(c.get(), {"WATCH", a, b});
          RedisReplyPtr va = Command(c.get(), {"GET", a});
          RedisReplyPtr vb = Command(c.get(), {"EXISTS", b});
          if (va->type != REDIS_REPLY_STRING || vb->integer == 1 || a == b) {
            Command(c.get(), {"UNWATCH"});
            continue;
          }
          AppendCommand(c.get(), {"MULTI"});
          AppendCommand(c.get(), {"DEL", a});
          AppendCommand(c.get(), {"SET", b, va->str});
          AppendCommand(c.get(), {"EXEC"});
          for (int r = 0; r < 4; ++r) GetReply(c.get());
        } else {
          Command(c.get(), {"RENAMENX", a, b});
        }
      }
      ++done;
    });
  }
  for (auto& t : clients) t.join();
  ASSERT_EQ(done.load(), 16);
  RedisContextPtr c = Connect();
  RedisReplyPtr keys = Command(c.get(), {"KEYS", "name:*"});
  ASSERT_EQ(keys->elements, static_cast<size_t>(kTokens));
  std::set<std::string> tokens;
  for (size_t i = 0; i < keys->elements; ++i) {
    RedisReplyPtr v = Command(c.get(), {"GET", keys->element[i]->str});
    tokens.insert(v->str);
  }
  EXPECT_EQ(tokens.size(), static_cast<size_t>(kTokens)) << "a token was duplicated or lost";
}

}  // namespace
}  // namespace tessera::integration
