// Pub/sub and keyspace notifications through the in-process server (two loops): subscribers and
// publishers on both loops, replies and frames as redis-server 7.0.15 sends them.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "src/engine/engine.h"
#include "src/pubsub/notify_flags.h"
#include "tests/unit/harness/test_server.h"

namespace tessera::commands {
namespace {

using protocol::RespValue;
using testing::TestClient;
using testing::TestServer;
using Type = RespValue::Type;

// A frame's elements joined by '|' ("message|ch|hello"); integers in decimal, nil as "(nil)".
std::string Flat(const RespValue& v) {
  std::string out;
  for (const RespValue& e : v.elems) {
    if (!out.empty()) out += '|';
    if (e.type == Type::kInteger) {
      out += std::to_string(e.integer);
    } else if (e.type == Type::kNull) {
      out += "(nil)";
    } else {
      out += e.str;
    }
  }
  return out;
}

std::vector<std::string> Flat(const std::vector<RespValue>& frames) {
  std::vector<std::string> out;
  for (const RespValue& v : frames) out.push_back(Flat(v));
  return out;
}

using Strings = std::vector<std::string>;

class PubSubCmdsTest : public ::testing::Test {
 protected:
  // Subscribes `c` and consumes the n confirmations.
  void Sub(TestClient& c, std::vector<std::string> cmd) {
    size_t n = cmd.size() - 1;
    RespValue first = c.Call(cmd);
    ASSERT_EQ(first.elems.size(), 3u) << Flat(first);
    if (n > 1) c.NextFrames(n - 1);
  }

  // Enables notify-keyspace-events; applied on every loop before any later command runs there
  // (the setting is posted first, and loops run their inbox in order).
  void Notify(std::string_view flags) {
    server_.engine().SetNotifyFlags(*pubsub::ParseNotifyFlags(flags));
  }

  // Publishes a sentinel on `channel` (which `c` must receive) and returns every frame `c` got
  // before it: everything published earlier has arrived by then.
  Strings DrainUntilSentinel(TestClient& publisher, TestClient& c, std::string_view channel) {
    publisher.Call({"PUBLISH", channel, "--sentinel--"});
    Strings got;
    while (true) {
      std::string f = Flat(c.NextFrames(1)[0]);
      if (f.find("--sentinel--") != std::string::npos) return got;
      got.push_back(f);
    }
  }

  TestServer server_;
};

TEST_F(PubSubCmdsTest, SubscribeAndUnsubscribeReplies) {
  auto c = server_.Connect(0);
  EXPECT_EQ(c->CallRaw({"UNSUBSCRIBE"}), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  EXPECT_EQ(c->CallRaw({"PUNSUBSCRIBE"}), "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n");
  EXPECT_EQ(Flat(c->Call({"SUBSCRIBE", "a", "b", "a"})), "subscribe|a|1");
  EXPECT_EQ(Flat(c->NextFrames(2)), (Strings{"subscribe|b|2", "subscribe|a|2"}));
  EXPECT_EQ(Flat(c->Call({"PSUBSCRIBE", "p*"})), "psubscribe|p*|3");
  // Shard channels are counted apart from channels and patterns.
  EXPECT_EQ(Flat(c->Call({"SSUBSCRIBE", "s1"})), "ssubscribe|s1|1");
  EXPECT_EQ(Flat(c->Call({"UNSUBSCRIBE", "zz"})), "unsubscribe|zz|3");
  RespValue first = c->Call({"UNSUBSCRIBE"});
  Strings all{Flat(first), Flat(c->NextFrames(1)[0])};
  std::sort(all.begin(), all.end());  // channels leave in set order, as from Redis's dict
  EXPECT_EQ(all, (Strings{"unsubscribe|a|1", "unsubscribe|b|2"}));
  EXPECT_EQ(Flat(c->Call({"PUNSUBSCRIBE"})), "punsubscribe|p*|0");
  // Still in subscriber mode: a shard channel is a subscription too.
  EXPECT_EQ(c->Call({"GET", "x"}).type, Type::kError);
  EXPECT_EQ(Flat(c->Call({"SUNSUBSCRIBE"})), "sunsubscribe|s1|0");
  EXPECT_EQ(c->Call({"GET", "x"}).type, Type::kNull);
}

TEST_F(PubSubCmdsTest, PatternsUnsubscribeInSubscriptionOrder) {
  auto c = server_.Connect(1);
  Sub(*c, {"PSUBSCRIBE", "b*", "a*", "c*"});
  EXPECT_EQ(Flat(c->Call({"PUNSUBSCRIBE"})), "punsubscribe|b*|2");
  EXPECT_EQ(Flat(c->NextFrames(2)), (Strings{"punsubscribe|a*|1", "punsubscribe|c*|0"}));
}

TEST_F(PubSubCmdsTest, PublishReachesSubscribersOnEveryLoop) {
  auto s0 = server_.Connect(0), s1 = server_.Connect(1), p0 = server_.Connect(0),
       p1 = server_.Connect(1);
  Sub(*s0, {"SUBSCRIBE", "ch"});
  Sub(*s1, {"SUBSCRIBE", "ch"});
  Sub(*s1, {"PSUBSCRIBE", "c*"});
  EXPECT_EQ(p0->Call({"PUBLISH", "ch", "one"}).integer, 3);
  EXPECT_EQ(Flat(s0->NextFrames(1)), (Strings{"message|ch|one"}));
  EXPECT_EQ(Flat(s1->NextFrames(2)), (Strings{"message|ch|one", "pmessage|c*|ch|one"}));
  EXPECT_EQ(p1->Call({"PUBLISH", "ch", "two"}).integer, 3);
  EXPECT_EQ(Flat(s0->NextFrames(1)), (Strings{"message|ch|two"}));
  EXPECT_EQ(Flat(s1->NextFrames(2)), (Strings{"message|ch|two", "pmessage|c*|ch|two"}));
  EXPECT_EQ(p0->Call({"PUBLISH", "nobody", "x"}).integer, 0);
  EXPECT_EQ(p1->Call({"PUBLISH", "cx", "y"}).integer, 1);
  EXPECT_EQ(Flat(s1->NextFrames(1)), (Strings{"pmessage|c*|cx|y"}));
}

TEST_F(PubSubCmdsTest, OnePublishersMessagesArriveInOrder) {
  auto s0 = server_.Connect(0), s1 = server_.Connect(1), p = server_.Connect(1);
  Sub(*s0, {"SUBSCRIBE", "seq"});
  Sub(*s1, {"PSUBSCRIBE", "se?"});
  // One pipeline: the commands arrive together and still publish one after the other.
  std::vector<std::vector<std::string>> cmds;
  for (int i = 0; i < 300; ++i) cmds.push_back({"PUBLISH", "seq", std::to_string(i)});
  for (const RespValue& r : p->Pipeline(cmds)) EXPECT_EQ(r.integer, 2);
  std::vector<RespValue> got0 = s0->NextFrames(300), got1 = s1->NextFrames(300);
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(Flat(got0[i]), "message|seq|" + std::to_string(i));
    EXPECT_EQ(Flat(got1[i]), "pmessage|se?|seq|" + std::to_string(i));
  }
}

TEST_F(PubSubCmdsTest, ShardChannels) {
  auto s0 = server_.Connect(0), s1 = server_.Connect(1), p = server_.Connect(0);
  Sub(*s0, {"SSUBSCRIBE", "sa", "sb"});
  Sub(*s1, {"SSUBSCRIBE", "sa"});
  Sub(*s1, {"PSUBSCRIBE", "*"});  // patterns never see SPUBLISH
  EXPECT_EQ(p->Call({"SPUBLISH", "sa", "m"}).integer, 2);
  EXPECT_EQ(Flat(s0->NextFrames(1)), (Strings{"smessage|sa|m"}));
  EXPECT_EQ(Flat(s1->NextFrames(1)), (Strings{"smessage|sa|m"}));
  // PUBLISH to the same name reaches only the pattern subscriber.
  EXPECT_EQ(p->Call({"PUBLISH", "sa", "n"}).integer, 1);
  EXPECT_EQ(Flat(s1->NextFrames(1)), (Strings{"pmessage|*|sa|n"}));
  EXPECT_EQ(Flat(p->Call({"PUBSUB", "SHARDCHANNELS"})), "sa|sb");
  EXPECT_EQ(Flat(p->Call({"PUBSUB", "SHARDCHANNELS", "*b"})), "sb");
  EXPECT_EQ(Flat(p->Call({"PUBSUB", "SHARDNUMSUB", "sa", "sb", "sc"})), "sa|2|sb|1|sc|0");
}

TEST_F(PubSubCmdsTest, IntrospectionMergesLoops) {
  auto s0 = server_.Connect(0), s1 = server_.Connect(1), q = server_.Connect(1);
  Sub(*s0, {"SUBSCRIBE", "x", "y"});
  Sub(*s1, {"SUBSCRIBE", "x"});
  Sub(*s0, {"PSUBSCRIBE", "p*", "q*"});
  Sub(*s1, {"PSUBSCRIBE", "p*"});
  EXPECT_EQ(Flat(q->Call({"PUBSUB", "CHANNELS"})), "x|y");
  EXPECT_EQ(Flat(q->Call({"PUBSUB", "CHANNELS", "[x]"})), "x");
  EXPECT_EQ(Flat(q->Call({"PUBSUB", "NUMSUB", "x", "y", "z"})), "x|2|y|1|z|0");
  EXPECT_EQ(q->Call({"PUBSUB", "NUMSUB"}).elems.size(), 0u);
  EXPECT_EQ(q->Call({"PUBSUB", "NUMPAT"}).integer, 2);
  EXPECT_EQ(q->Call({"PUBSUB", "CHANNELS", "a", "b"}).str,
            "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB "
            "HELP.");
  EXPECT_EQ(q->Call({"PUBSUB", "NUMPAT", "x"}).str,
            "ERR wrong number of arguments for 'pubsub|numpat' command");
  EXPECT_EQ(q->Call({"PUBSUB", "HELP"}).elems.size(), 14u);
}

TEST_F(PubSubCmdsTest, Resp2SubscriberMode) {
  auto c = server_.Connect(0);
  Sub(*c, {"SUBSCRIBE", "a"});
  EXPECT_EQ(c->Call({"GET", "x"}).str,
            "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
            "RESET are allowed in this context");
  EXPECT_EQ(c->Call({"CLIENT", "LIST"}).str,
            "ERR Can't execute 'client|list': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
            "QUIT / RESET are allowed in this context");
  EXPECT_EQ(c->CallRaw({"PING"}), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  EXPECT_EQ(c->CallRaw({"PING", "hi"}), "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n");
  EXPECT_EQ(c->Call({"PING", "a", "b"}).str, "ERR wrong number of arguments for 'ping' command");
  EXPECT_EQ(c->Call({"MULTI"}).type, Type::kError);
  // RESET leaves subscriber mode and drops every subscription.
  EXPECT_EQ(c->Call({"RESET"}).str, "RESET");
  EXPECT_EQ(c->CallRaw({"PING"}), "+PONG\r\n");
  auto p = server_.Connect(1);
  EXPECT_EQ(p->Call({"PUBLISH", "a", "m"}).integer, 0);
}

TEST_F(PubSubCmdsTest, Resp3SubscribersRunAnyCommandAndGetPushes) {
  auto c = server_.Connect(1), p = server_.Connect(0);
  c->Call({"HELLO", "3"});
  EXPECT_EQ(c->CallRaw({"SUBSCRIBE", "a"}), ">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(c->CallRaw({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(c->CallRaw({"PING"}), "+PONG\r\n");
  EXPECT_EQ(p->Call({"PUBLISH", "a", "hello"}).integer, 1);
  std::vector<std::string> raws;
  c->NextFrames(1, &raws);
  EXPECT_EQ(raws[0], ">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nhello\r\n");
  // HELLO 2 while subscribed: now in RESP2 subscriber mode.
  c->Call({"HELLO", "2"});
  EXPECT_EQ(c->Call({"GET", "k"}).type, Type::kError);
}

TEST_F(PubSubCmdsTest, SubscribeInsideMulti) {
  auto c = server_.Connect(0);
  c->Call({"MULTI"});
  EXPECT_EQ(c->Call({"SUBSCRIBE", "m"}).str, "QUEUED");
  RespValue exec = c->Call({"EXEC"});
  ASSERT_EQ(exec.elems.size(), 1u);
  EXPECT_EQ(Flat(exec.elems[0]), "subscribe|m|1");
  EXPECT_EQ(c->Call({"GET", "x"}).type, Type::kError);  // subscriber mode from now on
}

TEST_F(PubSubCmdsTest, DisconnectDropsSubscriptions) {
  auto q = server_.Connect(0);
  {
    auto s = server_.Connect(1);
    Sub(*s, {"SUBSCRIBE", "gone"});
    Sub(*s, {"PSUBSCRIBE", "g*"});
    EXPECT_EQ(q->Call({"PUBLISH", "gone", "m"}).integer, 2);
  }
  // The engine learns of the close on the client's loop, asynchronously: poll with a deadline.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int64_t receivers = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    receivers = q->Call({"PUBLISH", "gone", "m"}).integer;
    if (receivers == 0) break;
    std::this_thread::yield();
  }
  EXPECT_EQ(receivers, 0);
  EXPECT_EQ(q->Call({"PUBSUB", "NUMPAT"}).integer, 0);
}

// ---- Keyspace notifications.

TEST_F(PubSubCmdsTest, KeyspaceEventsFromBothShardsInCommandOrder) {
  Notify("AKE");
  auto sub = server_.Connect(1), c = server_.Connect(0);
  Sub(*sub, {"PSUBSCRIBE", "__key*__:*"});
  std::string k0 = server_.KeyOnShard(0), k1 = server_.KeyOnShard(1);
  c->Call({"SET", k0, "1"});
  c->Call({"SET", k1, "1"});
  c->Call({"INCR", k0});
  c->Call({"DEL", k1});
  c->Call({"EXPIRE", k0, "100"});
  auto ks = [](const std::string& key, const char* event) {
    return "pmessage|__key*__:*|__keyspace@0__:" + key + "|" + event;
  };
  auto ke = [](const std::string& key, const char* event) {
    return "pmessage|__key*__:*|__keyevent@0__:" + std::string(event) + "|" + key;
  };
  EXPECT_EQ(DrainUntilSentinel(*c, *sub, "__key__:done"),
            (Strings{ks(k0, "set"), ke(k0, "set"), ks(k1, "set"), ke(k1, "set"), ks(k0, "incrby"),
                     ke(k0, "incrby"), ks(k1, "del"), ke(k1, "del"), ks(k0, "expire"),
                     ke(k0, "expire")}));
}

TEST_F(PubSubCmdsTest, FlagsSelectClassesAndChannelKinds) {
  auto sub = server_.Connect(0), c = server_.Connect(1);
  Sub(*sub, {"PSUBSCRIBE", "__key*__:*"});
  std::string k0 = server_.KeyOnShard(0, "f:"), k1 = server_.KeyOnShard(1, "f:");
  // Keyspace channel, string class only: DEL (generic) is silent.
  Notify("K$");
  c->Call({"SET", k1, "v"});
  c->Call({"DEL", k1});
  EXPECT_EQ(DrainUntilSentinel(*c, *sub, "__key__:s1"),
            (Strings{"pmessage|__key*__:*|__keyspace@0__:" + k1 + "|set"}));
  // Keyevent channel, generic and expired.
  Notify("Egx");
  c->Call({"SET", k0, "v"});
  c->Call({"PEXPIRE", k0, "100"});
  server_.clock().AdvanceMs(200);
  c->Call({"GET", k0});  // lazily expired here
  EXPECT_EQ(DrainUntilSentinel(*c, *sub, "__key__:s2"),
            (Strings{"pmessage|__key*__:*|__keyevent@0__:expire|" + k0,
                     "pmessage|__key*__:*|__keyevent@0__:expired|" + k0}));
  // New keys and key misses need their own letters.
  Notify("KEAnm");
  c->Call({"SET", k1, "v"});
  c->Call({"GET", "f:missing"});
  Strings got = DrainUntilSentinel(*c, *sub, "__key__:s3");
  EXPECT_EQ(got, (Strings{"pmessage|__key*__:*|__keyspace@0__:" + k1 + "|new",
                          "pmessage|__key*__:*|__keyevent@0__:new|" + k1,
                          "pmessage|__key*__:*|__keyspace@0__:" + k1 + "|set",
                          "pmessage|__key*__:*|__keyevent@0__:set|" + k1,
                          "pmessage|__key*__:*|__keyspace@0__:f:missing|keymiss",
                          "pmessage|__key*__:*|__keyevent@0__:keymiss|f:missing"}));
  // FLUSHALL announces nothing (as in Redis 7.0), and "" turns everything off.
  c->Call({"FLUSHALL"});
  Notify("");
  c->Call({"SET", k0, "v"});
  c->Call({"DEL", k0});
  EXPECT_EQ(DrainUntilSentinel(*c, *sub, "__key__:s4"), Strings{});
}

TEST_F(PubSubCmdsTest, KeyspaceChannelsPerDbAndExactChannelSubscribers) {
  Notify("KE$g");
  auto sub = server_.Connect(1), c = server_.Connect(0);
  Sub(*sub, {"SUBSCRIBE", "__keyevent@3__:set", "__keyspace@3__:k"});
  c->Call({"SELECT", "3"});
  c->Call({"SET", "k", "v"});
  c->Call({"SET", "other", "v"});
  c->Call({"SELECT", "0"});
  c->Call({"SET", "k", "v"});  // db 0: not subscribed
  EXPECT_EQ(DrainUntilSentinel(*c, *sub, "__keyspace@3__:k"),
            (Strings{"message|__keyspace@3__:k|set", "message|__keyevent@3__:set|k",
                     "message|__keyevent@3__:set|other"}));
}

}  // namespace
}  // namespace tessera::commands
