// Many clients at once: 1,000 connections open together, each with a request in flight at the
// same moment, spread by the acceptor over every loop.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.h"

namespace tessera::integration {
namespace {

constexpr int kConnections = 1000;
constexpr int kThreads = 4;

// Both this process and the server (which inherits the limit) need a descriptor per connection.
bool RaiseFdLimit(rlim_t wanted) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return false;
  if (lim.rlim_cur >= wanted) return true;
  lim.rlim_cur = std::min(wanted, lim.rlim_max);
  return setrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur >= wanted;
}

// Field `name` of an INFO reply, or -1 if it has none.
long long InfoField(const std::string& text, const std::string& name) {
  size_t at = text.find(name + ":");
  return at == std::string::npos ? -1 : std::stoll(text.substr(at + name.size() + 1));
}

// Sends the queued command of every connection first and only then reads the replies, so all
// requests are in flight together rather than one connection at a time.
void RoundTrip(const std::vector<redisContext*>& conns, size_t begin, size_t end,
               const std::vector<std::string>& op, std::vector<std::string>* results) {
  for (size_t i = begin; i < end; ++i) {
    std::string id = std::to_string(i);
    if (op[0] == "SET") {
      AppendCommand(conns[i], {"SET", "conn:" + id, "value-" + id});
    } else {
      AppendCommand(conns[i], {"GET", "conn:" + id});
    }
    int done = 0;
    while (!done) {
      if (redisBufferWrite(conns[i], &done) != REDIS_OK) break;
    }
  }
  for (size_t i = begin; i < end; ++i) {
    RedisReplyPtr r = GetReply(conns[i]);
    if (!r) {
      (*results)[i] = std::string("<error: ") + conns[i]->errstr + ">";
    } else if (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_STRING ||
               r->type == REDIS_REPLY_ERROR) {
      (*results)[i] = std::string(r->str, r->len);
    } else {
      (*results)[i] = "<reply type " + std::to_string(r->type) + ">";
    }
  }
}

TEST(ConnectionsTest, ThousandConcurrentClientsEachSetAndGet) {
  if (!RaiseFdLimit(4 * kConnections)) {
    GTEST_SKIP() << "RLIMIT_NOFILE too low for " << kConnections << " connections";
  }
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({}, &error)) << error;

  std::vector<RedisContextPtr> owned;
  std::vector<redisContext*> conns;
  for (int i = 0; i < kConnections; ++i) {
    owned.push_back(ConnectHiredis(server.port()));
    ASSERT_TRUE(owned.back()) << "connection #" << i << " failed";
    conns.push_back(owned.back().get());
  }

  // Every connection is open before any command runs; the last one accepted answers too.
  RedisReplyPtr pong = Command(conns.back(), {"PING"});
  ASSERT_TRUE(pong);
  ASSERT_EQ(std::string(pong->str, pong->len), "PONG");

  for (const char* op : {"SET", "GET"}) {
    std::vector<std::string> results(kConnections);
    std::vector<std::thread> threads;
    size_t per = kConnections / kThreads;
    for (int t = 0; t < kThreads; ++t) {
      size_t begin = t * per;
      size_t end = t == kThreads - 1 ? kConnections : begin + per;
      threads.emplace_back(RoundTrip, std::cref(conns), begin, end, std::vector<std::string>{op},
                           &results);
    }
    for (auto& t : threads) t.join();
    for (int i = 0; i < kConnections; ++i) {
      std::string want = std::string(op) == "SET" ? "OK" : "value-" + std::to_string(i);
      ASSERT_EQ(results[i], want) << op << " on connection #" << i;
    }
  }

  RedisReplyPtr size = Command(conns[0], {"DBSIZE"});
  ASSERT_TRUE(size);
  EXPECT_EQ(size->integer, kConnections);

  // Closing all of them must leave the server healthy for the next client.
  owned.clear();
  conns.clear();
  RedisContextPtr fresh = ConnectHiredis(server.port());
  ASSERT_TRUE(fresh);
  RedisReplyPtr r = Command(fresh.get(), {"GET", "conn:999"});
  ASSERT_TRUE(r);
  EXPECT_EQ(std::string(r->str, r->len), "value-999");
}

// INFO stats total_net_input_bytes / total_net_output_bytes count every byte read and written,
// on whichever loop the connection lives (each loop counts its own; INFO sums them).
TEST(ConnectionsTest, NetByteCountersSumEveryLoop) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({"--threads", "2"}, &error)) << error;
  RawClient admin;
  ASSERT_TRUE(admin.Connect(server.port()));
  const std::string info = EncodeCommand({"INFO", "stats"});
  std::string raw0;
  protocol::RespValue first = admin.Call({"INFO", "stats"}, &raw0);
  const long long in0 = InfoField(first.str, "total_net_input_bytes");
  const long long out0 = InfoField(first.str, "total_net_output_bytes");
  ASSERT_GE(in0, static_cast<long long>(info.size()));
  // Connections are dealt to the loops in turn: these land on both.
  long long sent = 0;
  long long replied = 0;
  for (int i = 0; i < 4; ++i) {
    RawClient c;
    ASSERT_TRUE(c.Connect(server.port()));
    const std::string set = EncodeCommand({"SET", "bytes:" + std::to_string(i), "v"});
    std::string raw;
    ASSERT_EQ(c.Call({"SET", "bytes:" + std::to_string(i), "v"}, &raw).str, "OK");
    sent += static_cast<long long>(set.size());
    replied += static_cast<long long>(raw.size());
  }
  // Input is counted as it is read, before the command runs, so it is exact at once: both INFO
  // requests and the SETs. Output is counted right after each write(2) returns, on the writing
  // loop, which a client that already has its reply can outrun: poll until every reply written
  // so far is counted (each poll's own reply joins what is expected at the next).
  long long written = replied + static_cast<long long>(raw0.size());
  std::string raw;
  protocol::RespValue second = admin.Call({"INFO", "stats"}, &raw);
  EXPECT_EQ(InfoField(second.str, "total_net_input_bytes") - in0,
            sent + static_cast<long long>(info.size()));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (InfoField(second.str, "total_net_output_bytes") - out0 < written &&
         std::chrono::steady_clock::now() < deadline) {
    written += static_cast<long long>(raw.size());
    second = admin.Call({"INFO", "stats"}, &raw);
  }
  EXPECT_EQ(InfoField(second.str, "total_net_output_bytes") - out0, written);
}

// One client's commands for keys on the other, idle loop's shard run on the client's own loop
// (borrowing, docs/architecture.md) with the same results, and INFO counts them.
TEST(ConnectionsTest, CommandsForAnIdleShardAreBorrowedAndCounted) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({"--threads", "2"}, &error)) << error;
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  auto borrowed = [&c] {
    return InfoField(c.Call({"INFO", "stats"}).str, "tessera_borrowed_commands");
  };
  const long long before = borrowed();
  ASSERT_GE(before, 0) << "INFO stats has no tessera_borrowed_commands";
  // Keys on both shards, one request at a time: the other loop has nothing to do and parks.
  long long lent = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int round = 0; lent < 20 && std::chrono::steady_clock::now() < deadline; ++round) {
    for (int i = 0; i < 50; ++i) {
      const std::string key = "borrow:" + std::to_string(i);
      const std::string value = std::to_string(round) + "-" + std::to_string(i);
      ASSERT_EQ(c.Call({"SET", key, value}).str, "OK");
      ASSERT_EQ(c.Call({"GET", key}).str, value);
    }
    lent = borrowed() - before;
  }
  EXPECT_GE(lent, 20);
}

// More loops than CPUs only makes them wait for each other: the server says so in its log (the
// default, one loop per usable CPU, never does). The server inherits the affinity mask of the
// thread that forks it, here narrowed to one CPU, so 2 loops are one too many.
TEST(ConnectionsTest, MoreThreadsThanUsableCpusIsLoggedAsAWarning) {
  if (IsRedisBinary(ServerUnderTest())) GTEST_SKIP() << "Tessera's threads directive";
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &saved)) {
      CPU_SET(cpu, &one);
      break;
    }
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  for (int threads : {1, 2}) {
    ServerProcess server;
    std::string error;
    const bool started = server.Start({"--threads", std::to_string(threads)}, &error);
    EXPECT_TRUE(started) << error;
    if (!started) break;
    const bool warned =
        server.Log().find("is more than the 1 CPU(s) this process may use") != std::string::npos;
    EXPECT_EQ(warned, threads > 1) << "threads " << threads << ", log:\n" << server.Log();
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof(saved), &saved), 0);
}

}  // namespace
}  // namespace tessera::integration
