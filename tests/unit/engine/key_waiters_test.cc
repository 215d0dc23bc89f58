// Blocked clients across loops (engine/key_waiters.h, docs/blocking.md): who is served, in which
// order, with what; timeouts, CLIENT UNBLOCK, transactions, notifications; and no element lost
// or handed out twice under concurrent pushers and poppers. Blocked calls run on their own
// threads (TestClient::CallRaw waits for the reply); the test waits for them to be parked by
// polling BlockedClientCount with a deadline. Disconnects: tests/integration/list_blocking_test.cc.
#include "src/engine/key_waiters.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "src/commands/register.h"
#include "src/engine/engine.h"
#include "src/pubsub/notify_flags.h"
#include "tests/unit/harness/test_server.h"

namespace tessera::engine {
namespace {

using protocol::RespValue;
using testing::TestClient;

constexpr char kNullArray[] = "*-1\r\n";

std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}
std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
std::string Pair(std::string_view key, std::string_view value) {
  return "*2\r\n" + Bulk(key) + Bulk(value);
}

template <typename F>
std::future<std::string> Async(F f) {
  return std::async(std::launch::async, std::move(f));
}

class KeyWaitersTest : public ::testing::Test {
 protected:
  int64_t Blocked() { return BlockedClientCount(server_.engine()); }

  // Polls until `n` calls are parked (or fails after a generous deadline).
  void WaitBlocked(int64_t n) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (Blocked() != n) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "blocked clients: " << Blocked() << ", want " << n;
      std::this_thread::yield();
    }
  }

  // The reply of a blocked call that must have arrived (or arrive very soon).
  static std::string Get(std::future<std::string>& f) {
    if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << "no reply";
      return "";
    }
    return f.get();
  }

  testing::TestServer server_{2, commands::RegisterAll};
  std::unique_ptr<TestClient> c0_ = server_.Connect(0);
  std::unique_ptr<TestClient> c1_ = server_.Connect(1);
  std::string k0_ = server_.KeyOnShard(0, "k");  // a key on shard 0
  std::string k1_ = server_.KeyOnShard(1, "k");  // a key on shard 1
};

TEST_F(KeyWaitersTest, PushOnAnotherLoopWakesTheBlockedClient) {
  auto r = Async([&] { return c0_->CallRaw({"BLPOP", k1_, "0"}); });
  WaitBlocked(1);
  EXPECT_EQ(c1_->CallRaw({"RPUSH", k1_, "a", "b"}), Int(2));
  EXPECT_EQ(Get(r), Pair(k1_, "a"));
  EXPECT_EQ(Blocked(), 0);
  EXPECT_EQ(c1_->CallRaw({"LRANGE", k1_, "0", "-1"}), "*1\r\n" + Bulk("b"));
  // The client carries on normally after its blocked call.
  EXPECT_EQ(c0_->CallRaw({"LLEN", k1_}), Int(1));
}

TEST_F(KeyWaitersTest, SwapdbServesKeysTheOtherDbHad) {
  // Redis 7.0 wakes clients whose keys hold data after SWAPDB (scanDatabaseForReadyKeys).
  auto r = Async([&] { return c0_->CallRaw({"BLPOP", k1_, "0"}); });
  WaitBlocked(1);
  EXPECT_EQ(c1_->CallRaw({"SELECT", "1"}), "+OK\r\n");
  EXPECT_EQ(c1_->CallRaw({"RPUSH", k1_, "from-db1", "rest"}), Int(2));
  EXPECT_EQ(Blocked(), 1);
  EXPECT_EQ(c1_->CallRaw({"SWAPDB", "0", "1"}), "+OK\r\n");
  EXPECT_EQ(Get(r), Pair(k1_, "from-db1"));
  EXPECT_EQ(Blocked(), 0);
  EXPECT_EQ(c1_->CallRaw({"SELECT", "0"}), "+OK\r\n");
  EXPECT_EQ(c1_->CallRaw({"LRANGE", k1_, "0", "-1"}), "*1\r\n" + Bulk("rest"));
}

TEST_F(KeyWaitersTest, FirstBlockedIsFirstServed) {
  auto c2 = server_.Connect(0);
  auto c3 = server_.Connect(1);
  auto r1 = Async([&] { return c1_->CallRaw({"BRPOP", k0_, "0"}); });
  WaitBlocked(1);
  auto r2 = Async([&] { return c2->CallRaw({"BLPOP", k0_, "0"}); });
  WaitBlocked(2);
  auto r3 = Async([&] { return c3->CallRaw({"BLPOP", "other", k0_, "0"}); });
  WaitBlocked(3);
  // One push serves all three, in the order they blocked, each from its own end.
  EXPECT_EQ(c0_->CallRaw({"RPUSH", k0_, "a", "b", "c", "d"}), Int(4));
  EXPECT_EQ(Get(r1), Pair(k0_, "d"));
  EXPECT_EQ(Get(r2), Pair(k0_, "a"));
  EXPECT_EQ(Get(r3), Pair(k0_, "b"));
  EXPECT_EQ(c0_->CallRaw({"LRANGE", k0_, "0", "-1"}), "*1\r\n" + Bulk("c"));
}

TEST_F(KeyWaitersTest, WaiterOnKeysOfBothShardsIsServedOnce) {
  auto r = Async([&] { return c0_->CallRaw({"BLPOP", k0_, k1_, "0"}); });
  WaitBlocked(1);
  EXPECT_EQ(c1_->CallRaw({"LPUSH", k1_, "x"}), Int(1));
  EXPECT_EQ(Get(r), Pair(k1_, "x"));
  // The waiter left shard 0's queue too: a later push there stays in the list.
  EXPECT_EQ(c1_->CallRaw({"LPUSH", k0_, "y"}), Int(1));
  EXPECT_EQ(c1_->CallRaw({"LLEN", k0_}), Int(1));
  EXPECT_EQ(Blocked(), 0);
}

TEST_F(KeyWaitersTest, KeysAreTriedInArgumentOrderBeforeBlocking) {
  c0_->Call({"RPUSH", k1_, "second"});
  c0_->Call({"RPUSH", k0_, "first"});
  EXPECT_EQ(c1_->CallRaw({"BLPOP", "missing", k0_, k1_, "0"}), Pair(k0_, "first"));
  EXPECT_EQ(c1_->CallRaw({"BLPOP", "missing", k0_, k1_, "0"}), Pair(k1_, "second"));
  c0_->Call({"SET", "str", "v"});
  c0_->Call({"RPUSH", k1_, "x"});
  // A wrong type before any list is an error; a list before it wins.
  EXPECT_EQ(c1_->CallRaw({"BLPOP", "str", k1_, "0"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(c1_->CallRaw({"BLPOP", k1_, "str", "0"}), Pair(k1_, "x"));
}

TEST_F(KeyWaitersTest, TimeoutRepliesNilAndLeavesLaterPushesAlone) {
  EXPECT_EQ(c0_->CallRaw({"BLPOP", k1_, "0.05"}), kNullArray);
  EXPECT_EQ(c0_->CallRaw({"BRPOPLPUSH", k1_, k0_, "0.01"}), kNullArray);
  EXPECT_EQ(c0_->CallRaw({"BLMOVE", k1_, k0_, "LEFT", "LEFT", "0.01"}), kNullArray);
  EXPECT_EQ(c0_->CallRaw({"BLMPOP", "0.01", "2", k0_, k1_, "LEFT"}), kNullArray);
  EXPECT_EQ(c0_->CallRaw({"HELLO", "3"}).substr(0, 1), "%");
  EXPECT_EQ(c0_->CallRaw({"BLPOP", k1_, "0.01"}), "_\r\n");
  EXPECT_EQ(Blocked(), 0);
  EXPECT_EQ(c1_->CallRaw({"RPUSH", k1_, "a"}), Int(1));
  EXPECT_EQ(c1_->CallRaw({"LLEN", k1_}), Int(1));
}

TEST_F(KeyWaitersTest, TimeoutArgumentErrors) {
  EXPECT_EQ(c0_->CallRaw({"BLPOP", k0_, "abc"}), "-ERR timeout is not a float or out of range\r\n");
  EXPECT_EQ(c0_->CallRaw({"BLPOP", k0_, "-1"}), "-ERR timeout is negative\r\n");
  EXPECT_EQ(c0_->CallRaw({"BLPOP", k0_, "inf"}), "-ERR timeout is negative\r\n");
  EXPECT_EQ(c0_->CallRaw({"BLPOP", k0_, "9223372036854776"}), "-ERR timeout is negative\r\n");
  EXPECT_EQ(c0_->CallRaw({"BLMOVE", k0_, k1_, "LEFT", "UP", "-1"}), "-ERR syntax error\r\n");
  // BLMPOP checks its other arguments before the timeout.
  EXPECT_EQ(c0_->CallRaw({"BLMPOP", "-1", "0", k0_, "LEFT"}),
            "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(Blocked(), 0);
}

// Disconnects are tested against the real binary (tests/integration/list_blocking_test.cc): a
// TestClient cannot be closed while one of its calls is waiting for a reply.

TEST_F(KeyWaitersTest, ClientUnblockWithTimeoutOrError) {
  auto blocked = server_.Connect(1);
  std::string id = std::to_string(blocked->Call({"CLIENT", "ID"}).integer);
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "UNBLOCK", id}), Int(0));  // not blocked
  auto r = Async([&] { return blocked->CallRaw({"BLPOP", k0_, "0"}); });
  WaitBlocked(1);
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "UNBLOCK", id}), Int(1));
  EXPECT_EQ(Get(r), kNullArray);
  WaitBlocked(0);
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "UNBLOCK", id, "ERROR"}), Int(0));

  auto r2 = Async([&] { return blocked->CallRaw({"BLMOVE", k0_, k1_, "LEFT", "LEFT", "0"}); });
  WaitBlocked(1);
  EXPECT_EQ(c1_->CallRaw({"CLIENT", "UNBLOCK", id, "error"}), Int(1));
  EXPECT_EQ(Get(r2), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
  WaitBlocked(0);
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "UNBLOCK", id, "bogus"}),
            "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n");
  // The unblocked waiter does not take later elements.
  EXPECT_EQ(c0_->CallRaw({"RPUSH", k0_, "a"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"LLEN", k0_}), Int(1));
}

TEST_F(KeyWaitersTest, BlmoveAcrossShards) {
  auto r = Async([&] { return c0_->CallRaw({"BLMOVE", k0_, k1_, "RIGHT", "LEFT", "0"}); });
  WaitBlocked(1);
  EXPECT_EQ(c1_->CallRaw({"RPUSH", k0_, "a", "b"}), Int(2));
  EXPECT_EQ(Get(r), Bulk("b"));
  EXPECT_EQ(c1_->CallRaw({"LRANGE", k0_, "0", "-1"}), "*1\r\n" + Bulk("a"));
  EXPECT_EQ(c1_->CallRaw({"LRANGE", k1_, "0", "-1"}), "*1\r\n" + Bulk("b"));
  // Same shard: the move happens on the shard in one go.
  std::string k0b = server_.KeyOnShard(0, "dst");
  auto r2 = Async([&] { return c1_->CallRaw({"BRPOPLPUSH", "{t}src", "{t}dst", "0"}); });
  WaitBlocked(1);
  EXPECT_EQ(c0_->CallRaw({"LPUSH", "{t}src", "x"}), Int(1));
  EXPECT_EQ(Get(r2), Bulk("x"));
  EXPECT_EQ(c0_->CallRaw({"LRANGE", "{t}dst", "0", "-1"}), "*1\r\n" + Bulk("x"));
  EXPECT_EQ(c0_->CallRaw({"EXISTS", "{t}src"}), Int(0));
}

TEST_F(KeyWaitersTest, BlmoveOntoAWrongTypeDestinationKeepsTheElement) {
  c0_->Call({"SET", k1_, "string"});
  auto r = Async([&] { return c0_->CallRaw({"BLMOVE", k0_, k1_, "LEFT", "RIGHT", "0"}); });
  WaitBlocked(1);
  c1_->Call({"RPUSH", k0_, "a", "b"});
  EXPECT_EQ(Get(r), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  // Across shards the element went back where it came from.
  EXPECT_EQ(c1_->CallRaw({"LRANGE", k0_, "0", "-1"}), "*2\r\n" + Bulk("a") + Bulk("b"));

  c0_->Call({"SET", "{t}str", "string"});
  auto r2 = Async([&] { return c0_->CallRaw({"BLMOVE", "{t}l", "{t}str", "LEFT", "RIGHT", "0"}); });
  WaitBlocked(1);
  c1_->Call({"RPUSH", "{t}l", "a"});
  EXPECT_EQ(Get(r2), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(c1_->CallRaw({"LRANGE", "{t}l", "0", "-1"}), "*1\r\n" + Bulk("a"));
}

TEST_F(KeyWaitersTest, BlmpopTakesUpToCount) {
  auto r = Async([&] {
    return c1_->CallRaw({"BLMPOP", "0", "2", k0_, k1_, "RIGHT", "COUNT", "2"});
  });
  WaitBlocked(1);
  c0_->Call({"RPUSH", k0_, "a", "b", "c"});
  EXPECT_EQ(Get(r), "*2\r\n" + Bulk(k0_) + "*2\r\n" + Bulk("c") + Bulk("b"));
  auto r2 = Async([&] { return c1_->CallRaw({"BLMPOP", "0", "1", k1_, "LEFT", "COUNT", "5"}); });
  WaitBlocked(1);
  c0_->Call({"RPUSH", k1_, "x"});
  EXPECT_EQ(Get(r2), "*2\r\n" + Bulk(k1_) + "*1\r\n" + Bulk("x"));
  EXPECT_EQ(c0_->CallRaw({"EXISTS", k1_}), Int(0));
}

TEST_F(KeyWaitersTest, WrongTypeValueKeepsTheClientWaiting) {
  auto r = Async([&] { return c0_->CallRaw({"BLPOP", k1_, "0"}); });
  WaitBlocked(1);
  c1_->Call({"SET", k1_, "v"});
  c1_->Call({"DEL", k1_});
  EXPECT_EQ(Blocked(), 1);
  c1_->Call({"RPUSH", "src", "moved"});
  EXPECT_EQ(c1_->CallRaw({"RENAME", "src", k1_}), "+OK\r\n");  // a list arriving by RENAME
  EXPECT_EQ(Get(r), Pair(k1_, "moved"));
}

TEST_F(KeyWaitersTest, BlockingCommandsInsideExecDoNotBlock) {
  c0_->Call({"MULTI"});
  c0_->Call({"BLPOP", k1_, "0"});
  c0_->Call({"BLMOVE", k1_, k0_, "LEFT", "LEFT", "0"});
  EXPECT_EQ(c0_->CallRaw({"EXEC"}), "*2\r\n*-1\r\n$-1\r\n");
  EXPECT_EQ(Blocked(), 0);
}

// A transaction's intermediate state is never served: the waiter sees the list only after
// EXEC, as on Redis, and here EXEC already took the element back.
TEST_F(KeyWaitersTest, PushInsideATransactionIsServedAfterIt) {
  auto r = Async([&] { return c0_->CallRaw({"BLPOP", k1_, "0"}); });
  WaitBlocked(1);
  c1_->Call({"MULTI"});
  c1_->Call({"RPUSH", k1_, "a"});
  c1_->Call({"LPOP", k1_});
  EXPECT_EQ(c1_->CallRaw({"EXEC"}), "*2\r\n" + Int(1) + Bulk("a"));
  EXPECT_EQ(Blocked(), 1);
  c1_->Call({"MULTI"});
  c1_->Call({"RPUSH", k1_, "b", "c"});
  c1_->Call({"LLEN", k1_});
  EXPECT_EQ(c1_->CallRaw({"EXEC"}), "*2\r\n" + Int(2) + Int(2));
  EXPECT_EQ(Get(r), Pair(k1_, "b"));
  EXPECT_EQ(c1_->CallRaw({"LRANGE", k1_, "0", "-1"}), "*1\r\n" + Bulk("c"));
}

// Serving a waiter is an ordinary pop: keyspace notifications (and WATCH) see it, after the push
// that caused it.
TEST_F(KeyWaitersTest, ServedPopsAreNotified) {
  server_.engine().SetNotifyFlags(*pubsub::ParseNotifyFlags("Elg"));
  auto sub = server_.Connect(0);
  ASSERT_EQ(sub->Call({"PSUBSCRIBE", "__keyevent@0__:*"}).elems.size(), 3u);
  auto r = Async([&] { return c0_->CallRaw({"BLPOP", k1_, "0"}); });
  WaitBlocked(1);
  c1_->Call({"RPUSH", k1_, "a"});
  EXPECT_EQ(Get(r), Pair(k1_, "a"));
  std::vector<std::string> events;
  for (const RespValue& f : sub->NextFrames(3)) {
    ASSERT_EQ(f.elems.size(), 4u);
    events.push_back(f.elems[2].str + " " + f.elems[3].str);
  }
  EXPECT_EQ(events,
            (std::vector<std::string>{"__keyevent@0__:rpush " + k1_, "__keyevent@0__:lpop " + k1_,
                                      "__keyevent@0__:del " + k1_}));
}

// Pushers on both loops, blocked poppers and a mover on both loops, keys on both shards: every
// element is received exactly once, and none is left behind.
TEST_F(KeyWaitersTest, NoElementLostOrDuplicatedUnderConcurrency) {
  constexpr int kPerPopper = 60;
  constexpr int kPoppers = 4;  // the last one moves instead of popping
  constexpr int kPushers = 2;
  constexpr int kTotal = kPerPopper * kPoppers;
  const std::vector<std::string> queues = {k0_, k1_};
  const std::string done = server_.KeyOnShard(1, "done");

  std::vector<std::unique_ptr<TestClient>> poppers;
  for (int i = 0; i < kPoppers; ++i) poppers.push_back(server_.Connect(i % 2));
  std::vector<std::future<std::vector<std::string>>> received;
  for (int i = 0; i < kPoppers; ++i) {
    TestClient* c = poppers[i].get();
    const bool mover = i == kPoppers - 1;
    received.push_back(std::async(std::launch::async, [c, mover, queues, done] {
      std::vector<std::string> got;
      int attempts = 0;
      while (static_cast<int>(got.size()) < kPerPopper && attempts++ < 2000) {
        if (mover) {
          // BLMOVE waits on one queue at a time: alternate, with a short timeout.
          RespValue v = c->Call({"BLMOVE", queues[attempts % 2], done, "LEFT", "RIGHT", "0.05"});
          if (v.type == RespValue::Type::kBulk) got.push_back(v.str);
        } else {
          RespValue v = c->Call({"BLPOP", queues[0], queues[1], "0"});
          if (v.type == RespValue::Type::kArray && v.elems.size() == 2) {
            got.push_back(v.elems[1].str);
          }
        }
      }
      return got;
    }));
  }
  std::vector<std::unique_ptr<TestClient>> pushers;
  for (int i = 0; i < kPushers; ++i) pushers.push_back(server_.Connect(i % 2));
  std::vector<std::thread> threads;
  for (int p = 0; p < kPushers; ++p) {
    threads.emplace_back([&pushers, &queues, p] {
      for (int n = p; n < kTotal; n += kPushers) {
        pushers[p]->Call({n % 3 == 0 ? "LPUSH" : "RPUSH", queues[(n / 2) % 2], std::to_string(n)});
      }
    });
  }
  for (auto& t : threads) t.join();

  std::multiset<std::string> all;
  std::vector<std::string> moved;
  for (int i = 0; i < kPoppers; ++i) {
    ASSERT_EQ(received[i].wait_for(std::chrono::seconds(60)), std::future_status::ready);
    std::vector<std::string> got = received[i].get();
    EXPECT_EQ(got.size(), static_cast<size_t>(kPerPopper)) << "consumer " << i;
    all.insert(got.begin(), got.end());
    if (i == kPoppers - 1) moved = got;
  }
  std::multiset<std::string> want;
  for (int n = 0; n < kTotal; ++n) want.insert(std::to_string(n));
  for (const std::string& v : want) {
    EXPECT_EQ(all.count(v), 1u) << "element " << v;
  }
  EXPECT_EQ(all.size(), want.size());
  EXPECT_EQ(c0_->CallRaw({"EXISTS", k0_, k1_}), Int(0))
      << c0_->CallRaw({"LRANGE", k0_, "0", "-1"}) << c0_->CallRaw({"LRANGE", k1_, "0", "-1"});
  // What the mover received is exactly what reached `done`, in order.
  std::string want_done = "*" + std::to_string(moved.size()) + "\r\n";
  for (const std::string& v : moved) want_done += Bulk(v);
  EXPECT_EQ(c0_->CallRaw({"LRANGE", done, "0", "-1"}), want_done);
  EXPECT_EQ(Blocked(), 0);
}

}  // namespace
}  // namespace tessera::engine
