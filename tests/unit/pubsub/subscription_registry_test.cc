// One loop's subscription registry, with clients that only collect their output: who receives a
// message, in which order, how often, and how the counts other threads read follow along.
#include "src/pubsub/subscription_registry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/resp_reader.h"

namespace tessera::pubsub {
namespace {

// A client whose output stays in out_ for the test to decode.
class CollectingClient final : public net::Client {
 public:
  explicit CollectingClient(uint64_t id, protocol::RespVersion resp = protocol::RespVersion::kResp2)
      : Client(0, id) {
    session().resp = resp;
  }
  // Decodes and clears what was written so far: one string per frame, its elements joined by
  // '|' ("pmessage|a*|a|hi").
  std::vector<std::string> Frames() {
    protocol::RespReader reader;
    reader.Feed(out_);
    out_.clear();
    std::vector<std::string> frames;
    protocol::RespValue v;
    while (reader.Next(&v, nullptr) == protocol::RespReader::Status::kValue) {
      std::string joined;
      for (const protocol::RespValue& e : v.elems) joined += (joined.empty() ? "" : "|") + e.str;
      frames.push_back(joined);
    }
    return frames;
  }
  const std::string& raw() const { return out_; }

 private:
  void OnOutputReady() override {}
  void CloseTransport() override {}
};

using Frames = std::vector<std::string>;

TEST(SubscriptionRegistry, ChannelThenPatternsInSubscriptionOrder) {
  SubscriptionRegistry r;
  CollectingClient a(1), b(2);
  r.Add(Kind::kChannel, "news", &b);
  r.Add(Kind::kChannel, "news", &a);
  r.Add(Kind::kPattern, "n*", &a);
  r.Add(Kind::kChannel, "other", &a);
  EXPECT_EQ(r.CountReceivers(false, "news"), 3u);
  EXPECT_EQ(r.Deliver(false, "news", "hi"), 3u);
  // Redis writes the channel message before the pattern's, each to every subscriber.
  EXPECT_EQ(a.Frames(), (Frames{"message|news|hi", "pmessage|n*|news|hi"}));
  EXPECT_EQ(b.Frames(), (Frames{"message|news|hi"}));
  EXPECT_EQ(r.Deliver(false, "nothing", "x"), 1u);  // n* matches
  EXPECT_EQ(a.Frames(), (Frames{"pmessage|n*|nothing|x"}));
  EXPECT_EQ(r.Deliver(false, "zzz", "x"), 0u);
}

TEST(SubscriptionRegistry, ShardChannelsAreASeparateNamespaceWithoutPatterns) {
  SubscriptionRegistry r;
  CollectingClient a(1);
  r.Add(Kind::kShardChannel, "s", &a);
  r.Add(Kind::kPattern, "*", &a);
  EXPECT_EQ(r.CountReceivers(true, "s"), 1u);
  EXPECT_EQ(r.Deliver(true, "s", "m"), 1u);
  EXPECT_EQ(a.Frames(), (Frames{"smessage|s|m"}));
  // A plain PUBLISH to "s" reaches only the pattern, not the shard-channel subscription.
  EXPECT_EQ(r.Deliver(false, "s", "m"), 1u);
  EXPECT_EQ(a.Frames(), (Frames{"pmessage|*|s|m"}));
}

TEST(SubscriptionRegistry, EncodesPerSubscriberProtocol) {
  SubscriptionRegistry r;
  CollectingClient v2(1), v3(2, protocol::RespVersion::kResp3);
  r.Add(Kind::kChannel, "c", &v2);
  r.Add(Kind::kChannel, "c", &v3);
  r.Deliver(false, "c", "p");
  EXPECT_EQ(v2.raw(), "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\np\r\n");
  EXPECT_EQ(v3.raw(), ">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\np\r\n");
}

TEST(SubscriptionRegistry, CountsFollowDistinctNames) {
  SubscriptionRegistry r;
  CollectingClient a(1), b(2);
  EXPECT_EQ(r.names(Kind::kChannel), 0u);
  r.Add(Kind::kChannel, "x", &a);
  r.Add(Kind::kChannel, "x", &b);
  r.Add(Kind::kPattern, "p*", &a);
  EXPECT_EQ(r.names(Kind::kChannel), 1u);
  EXPECT_EQ(r.names(Kind::kPattern), 1u);
  EXPECT_EQ(r.Subscribers(Kind::kChannel, "x"), 2u);
  r.Remove(Kind::kChannel, "x", &a);
  r.Remove(Kind::kChannel, "x", &a);  // not subscribed any more: no-op
  EXPECT_EQ(r.Subscribers(Kind::kChannel, "x"), 1u);
  EXPECT_EQ(r.names(Kind::kChannel), 1u);
  r.Remove(Kind::kChannel, "x", &b);
  r.Remove(Kind::kPattern, "p*", &a);
  EXPECT_EQ(r.names(Kind::kChannel), 0u);
  EXPECT_EQ(r.names(Kind::kPattern), 0u);
  EXPECT_EQ(r.Deliver(false, "x", "m"), 0u);
  EXPECT_TRUE(a.Frames().empty());
}

TEST(SubscriptionRegistry, ClosedClientsAreSkipped) {
  SubscriptionRegistry r;
  auto* gone = new CollectingClient(1);
  CollectingClient live(2);
  r.Add(Kind::kChannel, "c", gone);
  r.Add(Kind::kChannel, "c", &live);
  gone->Close();
  EXPECT_EQ(r.Deliver(false, "c", "m"), 1u);
  EXPECT_EQ(live.Frames(), (Frames{"message|c|m"}));
  r.Remove(Kind::kChannel, "c", gone);
  gone->Unref();
}

// Pattern matching is Redis's stringmatchlen. Each row was checked against redis-server 7.0.15:
// PSUBSCRIBE <pattern>, then PUBLISH <channel> answered 1 or 0.
struct GlobCase {
  const char* pattern;
  const char* channel;
  bool matches;
};
constexpr GlobCase kGlobCases[] = {
    {"news.*", "news.art", true},
    {"news.*", "news.", true},
    {"news.*", "newsx", false},
    {"h?llo", "hello", true},
    {"h[ae]llo", "hallo", true},
    {"h[^e]llo", "hello", false},
    {"h[a-c]llo", "hbllo", true},
    {"h[c-a]llo", "hbllo", true},  // reversed range
    {"a\\*b", "a*b", true},
    {"a\\*b", "axb", false},
    {"[\\]]", "]", true},
    {"[a-]x", "]x", false},
    {"[a-]x", "-x", false},
    {"[abc", "b", true},  // an unterminated class runs to the end
    {"[abc", "[abc", false},
    {"*", "", false},
    {"", "", true},
    {"a\\", "a\\", true},
    {"\\[x\\]", "[x]", true},
    {"[]]", "]", false},
    {"[!a]", "b", false},  // '!' is no negation in Redis
    {"[^a-z]", "A", true},
    {"[^a-z]", "q", false},
    {"*a*a*a*b", "aaaaaaaaaaaaaaaaaaaac", false},
    {"__key*__:*", "__keyspace@0__:k", true},
    {"ch\\\\?", "ch\\x", true},
    {"[\\^a]", "^", true},
    {"x[", "x[", false},
    {"x[", "x", false},
    {"*\\", "a\\", true},
};

TEST(SubscriptionRegistry, PatternsMatchAsRedisDoes) {
  for (const GlobCase& c : kGlobCases) {
    SubscriptionRegistry r;
    CollectingClient a(1);
    r.Add(Kind::kPattern, c.pattern, &a);
    EXPECT_EQ(r.Deliver(false, c.channel, "m"), c.matches ? 1u : 0u)
        << "pattern '" << c.pattern << "' channel '" << c.channel << "'";
  }
}

}  // namespace
}  // namespace tessera::pubsub
