// Pub/sub against the real binary (four loops, so subscribers and publishers land on different
// loops): delivery to every subscriber, per-publisher order under concurrent publishers, the
// pubsub output-buffer limit, subscriber mode, RESP3 pushes and keyspace-event configuration.
// Every test here passes against redis-server too (TESSERA_TEST_SERVER=/usr/bin/redis-server).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.h"

namespace tessera::integration {
namespace {

using protocol::RespValue;
using Type = RespValue::Type;

// A frame's elements joined by '|'; integers in decimal.
std::string Flat(const RespValue& v) {
  std::string out;
  for (const RespValue& e : v.elems) {
    if (!out.empty()) out += '|';
    out += e.type == Type::kInteger ? std::to_string(e.integer) : e.str;
  }
  return out;
}

class PubSubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(server_.Start({}, &error)) << error;
  }

  std::unique_ptr<RawClient> Connect() {
    auto c = std::make_unique<RawClient>();
    EXPECT_TRUE(c->Connect(server_.port())) << c->last_error();
    return c;
  }

  // Reads one frame; "HARNESS: ..." on timeout or EOF.
  static std::string Next(RawClient& c) {
    RespValue v;
    if (!c.Read(&v)) return "HARNESS: " + c.last_error();
    return Flat(v);
  }

  ServerProcess server_;
};

TEST_F(PubSubTest, EverySubscriberOnEveryLoopReceives) {
  // Connections are dealt to loops round-robin: eight subscribers cover all four loops twice.
  std::vector<std::unique_ptr<RawClient>> subs;
  for (int i = 0; i < 8; ++i) {
    subs.push_back(Connect());
    EXPECT_EQ(Flat(subs.back()->Call({"SUBSCRIBE", "news"})), "subscribe|news|1");
  }
  auto psub = Connect();
  EXPECT_EQ(Flat(psub->Call({"PSUBSCRIBE", "n[a-z]ws"})), "psubscribe|n[a-z]ws|1");
  auto pub1 = Connect(), pub2 = Connect();
  EXPECT_EQ(pub1->Call({"PUBLISH", "news", "one"}).integer, 9);
  EXPECT_EQ(pub2->Call({"PUBLISH", "news", "two"}).integer, 9);
  for (auto& s : subs) {
    EXPECT_EQ(Next(*s), "message|news|one");
    EXPECT_EQ(Next(*s), "message|news|two");
  }
  EXPECT_EQ(Next(*psub), "pmessage|n[a-z]ws|news|one");
  EXPECT_EQ(Next(*psub), "pmessage|n[a-z]ws|news|two");
  RespValue numsub = pub1->Call({"PUBSUB", "NUMSUB", "news", "none"});
  EXPECT_EQ(Flat(numsub), "news|8|none|0");
  EXPECT_EQ(pub1->Call({"PUBSUB", "NUMPAT"}).integer, 1);
}

// INFO stats counts distinct channels and patterns over every loop's subscribers.
TEST_F(PubSubTest, InfoCountsDistinctChannelsAndPatterns) {
  std::vector<std::unique_ptr<RawClient>> subs;
  for (int i = 0; i < 6; ++i) {  // spread over the loops; every one subscribes to "shared"
    subs.push_back(Connect());
    EXPECT_EQ(Flat(subs.back()->Call({"SUBSCRIBE", "shared"})), "subscribe|shared|1");
  }
  EXPECT_EQ(Flat(subs[0]->Call({"SUBSCRIBE", "only-one"})), "subscribe|only-one|2");
  auto psub = Connect();
  EXPECT_EQ(Flat(psub->Call({"PSUBSCRIBE", "p*"})), "psubscribe|p*|1");
  EXPECT_EQ(Flat(psub->Call({"PSUBSCRIBE", "q*"})), "psubscribe|q*|2");
  auto admin = Connect();
  auto field = [&](const std::string& name) {
    std::string info = admin->Call({"INFO", "stats"}).str;
    size_t at = info.find(name + ":");
    return at == std::string::npos ? -1 : std::stoll(info.substr(at + name.size() + 1));
  };
  EXPECT_EQ(field("pubsub_channels"), 2);
  EXPECT_EQ(field("pubsub_patterns"), 2);
}

TEST_F(PubSubTest, EachPublishersMessagesArriveInOrder) {
  constexpr int kPublishers = 3, kMessages = 400, kSubscribers = 4;
  std::vector<std::unique_ptr<RawClient>> subs;
  for (int i = 0; i < kSubscribers; ++i) {
    subs.push_back(Connect());
    EXPECT_EQ(Flat(subs.back()->Call({"SUBSCRIBE", "seq"})), "subscribe|seq|1");
  }
  // Publishers run concurrently, each pipelining all of its messages at once.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int p = 0; p < kPublishers; ++p) {
    threads.emplace_back([&, p] {
      RawClient c;
      if (!c.Connect(server_.port())) {
        ++failures;
        return;
      }
      std::string batch;
      for (int i = 0; i < kMessages; ++i) {
        batch += EncodeCommand({"PUBLISH", "seq", std::to_string(p) + ":" + std::to_string(i)});
      }
      if (!c.SendRaw(batch)) ++failures;
      for (int i = 0; i < kMessages; ++i) {
        RespValue r;
        if (!c.Read(&r) || r.integer != kSubscribers) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  for (auto& s : subs) {
    std::vector<int> next(kPublishers, 0);
    for (int n = 0; n < kPublishers * kMessages; ++n) {
      std::string f = Next(*s);
      ASSERT_EQ(f.rfind("message|seq|", 0), 0u) << f;
      std::string payload = f.substr(12);
      int p = std::stoi(payload.substr(0, payload.find(':')));
      int i = std::stoi(payload.substr(payload.find(':') + 1));
      ASSERT_EQ(i, next[p]) << "publisher " << p << " out of order";
      ++next[p];
    }
  }
}

// A subscriber that never reads is disconnected once it is over the pubsub class's hard limit;
// a subscriber that reads keeps receiving everything, and the publisher is never held up.
TEST_F(PubSubTest, SlowSubscriberIsDisconnectedAlone) {
  auto admin = Connect();
  ASSERT_EQ(admin->Call({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 512kb 60"}).str,
            "OK");
  // The slow subscriber: a small receive window, so the kernel holds little on its behalf.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  int rcvbuf = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server_.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::string sub = EncodeCommand({"SUBSCRIBE", "big"});
  ASSERT_EQ(write(fd, sub.data(), sub.size()), static_cast<ssize_t>(sub.size()));

  auto reader = Connect();
  EXPECT_EQ(Flat(reader->Call({"SUBSCRIBE", "big"})), "subscribe|big|1");
  auto publisher = Connect();
  // Wait until both subscriptions are in place (the slow one replied into its socket).
  Clock::time_point deadline = Clock::now() + DefaultTimeout();
  while (Flat(publisher->Call({"PUBSUB", "NUMSUB", "big"})) != "big|2") {
    ASSERT_LT(Clock::now(), deadline) << "slow subscriber never subscribed";
  }

  constexpr int kMessages = 256;  // 16 MiB in all: far past 1 MiB plus any kernel buffering
  const std::string payload(64 * 1024, 'x');
  std::atomic<int> received{0};
  std::atomic<bool> reading_ended{false};
  std::thread reading([&] {
    for (int i = 0; i < kMessages; ++i) {
      RespValue v;
      if (!reader->Read(&v) || v.elems.size() != 3 || v.elems[2].str.size() != payload.size()) {
        break;
      }
      received.fetch_add(1);
    }
    reading_ended = true;
  });
  int64_t last_receivers = 2;
  bool dropped = false;
  for (int i = 0; i < kMessages; ++i) {
    // The reading subscriber is a well-behaved one: it must stay well inside the limits, so the
    // publisher lets it fall at most 4 messages (256 KiB) behind. Unpaced, a reader thread
    // descheduled for a few milliseconds on a loaded machine fell 1 MiB behind and was
    // disconnected too.
    deadline = Clock::now() + DefaultTimeout();
    while (received.load() < i - 4 && !reading_ended && Clock::now() < deadline) {
      std::this_thread::yield();
    }
    RespValue r = publisher->Call({"PUBLISH", "big", payload});
    ASSERT_EQ(r.type, Type::kInteger) << protocol::DebugString(r);
    last_receivers = r.integer;
    if (r.integer == 1) dropped = true;
    if (dropped) {
      EXPECT_EQ(r.integer, 1) << "message " << i;
    }
  }
  reading.join();
  EXPECT_TRUE(dropped) << "the slow subscriber was never disconnected";
  EXPECT_EQ(last_receivers, 1);
  EXPECT_EQ(received.load(), kMessages) << "the reading subscriber lost messages";
  EXPECT_EQ(Flat(publisher->Call({"PUBSUB", "NUMSUB", "big"})), "big|1");
  // The slow subscriber's socket ends (after whatever was already in flight).
  char buf[65536];
  timeval tv{static_cast<time_t>(DefaultTimeout().count() / 1000), 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) {
  }
  EXPECT_TRUE(n == 0 || errno == ECONNRESET) << "read: " << n << " errno " << errno;
  close(fd);
}

TEST_F(PubSubTest, Resp2SubscriberModeBytes) {
  auto c = Connect();
  std::string raw;
  c->Call({"SUBSCRIBE", "a"}, &raw);
  EXPECT_EQ(raw, "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
  c->Call({"GET", "x"}, &raw);
  EXPECT_EQ(raw,
            "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
            "RESET are allowed in this context\r\n");
  c->Call({"PING", "x"}, &raw);
  EXPECT_EQ(raw, "*2\r\n$4\r\npong\r\n$1\r\nx\r\n");
  c->Call({"UNSUBSCRIBE"}, &raw);
  EXPECT_EQ(raw, "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n");
  c->Call({"PING"}, &raw);
  EXPECT_EQ(raw, "+PONG\r\n");
}

TEST_F(PubSubTest, Resp3PushFrames) {
  auto c = Connect(), p = Connect();
  c->Call({"HELLO", "3"});
  std::string raw;
  c->Call({"PSUBSCRIBE", "a*"}, &raw);
  EXPECT_EQ(raw, ">3\r\n$10\r\npsubscribe\r\n$2\r\na*\r\n:1\r\n");
  c->Call({"SET", "k", "v"}, &raw);
  EXPECT_EQ(raw, "+OK\r\n");
  EXPECT_EQ(p->Call({"PUBLISH", "ab", "hi"}).integer, 1);
  RespValue v;
  ASSERT_TRUE(c->Read(&v, &raw));
  EXPECT_EQ(v.type, Type::kPush);
  EXPECT_EQ(raw, ">4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$2\r\nab\r\n$2\r\nhi\r\n");
  c->Call({"SSUBSCRIBE", "s"}, &raw);
  EXPECT_EQ(raw, ">3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n");
  EXPECT_EQ(p->Call({"SPUBLISH", "s", "m"}).integer, 1);
  ASSERT_TRUE(c->Read(&v, &raw));
  EXPECT_EQ(raw, ">3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nm\r\n");
}

TEST_F(PubSubTest, NotifyKeyspaceEventsConfig) {
  auto c = Connect(), sub = Connect();
  EXPECT_EQ(c->Call({"CONFIG", "SET", "notify-keyspace-events", "KEQ"}).str,
            "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  EXPECT_EQ(c->Call({"CONFIG", "SET", "notify-keyspace-events", "nEKA"}).str, "OK");
  // Redis 7.0 does not print 'n' back, but it is in force.
  EXPECT_EQ(Flat(c->Call({"CONFIG", "GET", "notify-keyspace-events"})),
            "notify-keyspace-events|AKE");
  EXPECT_EQ(Flat(sub->Call({"SUBSCRIBE", "__keyevent@0__:new"})), "subscribe|__keyevent@0__:new|1");
  c->Call({"SET", "fresh", "v"});
  c->Call({"SET", "fresh", "w"});  // not new any more
  c->Call({"DEL", "fresh"});
  c->Call({"SET", "fresh", "v"});
  EXPECT_EQ(Next(*sub), "message|__keyevent@0__:new|fresh");
  EXPECT_EQ(Next(*sub), "message|__keyevent@0__:new|fresh");
  c->Call({"PUBLISH", "__keyevent@0__:new", "end"});
  EXPECT_EQ(Next(*sub), "message|__keyevent@0__:new|end");
}

// The active expiry cycle announces "expired" without anyone touching the key.
TEST_F(PubSubTest, ActiveExpiryAnnouncesExpired) {
  auto c = Connect(), sub = Connect();
  c->Call({"CONFIG", "SET", "notify-keyspace-events", "Ex"});
  EXPECT_EQ(Flat(sub->Call({"SUBSCRIBE", "__keyevent@0__:expired"})),
            "subscribe|__keyevent@0__:expired|1");
  for (int i = 0; i < 20; ++i) c->Call({"SET", "tmp" + std::to_string(i), "v", "PX", "50"});
  std::map<std::string, int> seen;
  for (int i = 0; i < 20; ++i) {
    std::string f = Next(*sub);
    ASSERT_EQ(f.rfind("message|__keyevent@0__:expired|tmp", 0), 0u) << f;
    ++seen[f];
  }
  EXPECT_EQ(seen.size(), 20u);
  EXPECT_EQ(c->Call({"DBSIZE"}).integer, 0);
}

TEST_F(PubSubTest, DisconnectAndResetDropSubscriptions) {
  auto q = Connect();
  {
    auto s = Connect();
    s->Call({"SUBSCRIBE", "gone"});
    s->Call({"PSUBSCRIBE", "g*"});
  }
  Clock::time_point deadline = Clock::now() + DefaultTimeout();
  while (q->Call({"PUBLISH", "gone", "m"}).integer != 0) {
    ASSERT_LT(Clock::now(), deadline) << "subscriptions outlived their connection";
  }
  auto r = Connect();
  r->Call({"SUBSCRIBE", "kept"});
  EXPECT_EQ(r->Call({"RESET"}).str, "RESET");
  EXPECT_EQ(q->Call({"PUBLISH", "kept", "m"}).integer, 0);
  EXPECT_EQ(q->Call({"PUBSUB", "NUMPAT"}).integer, 0);
}

}  // namespace
}  // namespace tessera::integration
