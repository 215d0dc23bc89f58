// Pub/sub frames in RESP2 and RESP3, byte for byte as redis-server 7.0.15 sends them.
#include "src/pubsub/message.h"

#include <gtest/gtest.h>

namespace tessera::pubsub {
namespace {

using protocol::RespVersion;
using namespace std::string_literals;

TEST(Message, MessageFrames) {
  EncodedMessage m("message", "news", "hi");
  EXPECT_EQ(m.Frame(RespVersion::kResp2), "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  EXPECT_EQ(m.Frame(RespVersion::kResp3), ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  // Cached: asking again returns the same bytes.
  EXPECT_EQ(m.Frame(RespVersion::kResp2), "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  EncodedMessage s("smessage", "sa", "m");
  EXPECT_EQ(s.Frame(RespVersion::kResp3), ">3\r\n$8\r\nsmessage\r\n$2\r\nsa\r\n$1\r\nm\r\n");
}

TEST(Message, PMessageFrames) {
  EncodedMessage m = EncodedMessage::PMessage("a*", "a", "hello");
  EXPECT_EQ(m.Frame(RespVersion::kResp3),
            ">4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$5\r\nhello\r\n");
  EXPECT_EQ(m.Frame(RespVersion::kResp2),
            "*4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$5\r\nhello\r\n");
  // The empty pattern matches the empty channel and still makes a pmessage.
  EncodedMessage e = EncodedMessage::PMessage("", "", "");
  EXPECT_EQ(e.Frame(RespVersion::kResp2), "*4\r\n$8\r\npmessage\r\n$0\r\n\r\n$0\r\n\r\n$0\r\n\r\n");
}

TEST(Message, BinaryPayloadsAreLengthPrefixed) {
  std::string payload("a\r\n\0b", 5);
  EncodedMessage m("message", "c", payload);
  EXPECT_EQ(m.Frame(RespVersion::kResp2), "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$5\r\na\r\n\0b\r\n"s);
}

TEST(Message, SubscriptionReplies) {
  std::string out2, out3;
  protocol::ReplyBuilder r2(&out2, RespVersion::kResp2), r3(&out3, RespVersion::kResp3);
  ReplySubscription(r2, "subscribe", "a", 1);
  EXPECT_EQ(out2, "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
  ReplySubscription(r3, "psubscribe", "a*", 2);
  EXPECT_EQ(out3, ">3\r\n$10\r\npsubscribe\r\n$2\r\na*\r\n:2\r\n");
  out2.clear();
  out3.clear();
  // UNSUBSCRIBE with nothing to unsubscribe from: a nil name.
  ReplySubscription(r2, "unsubscribe", std::nullopt, 0);
  EXPECT_EQ(out2, "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  ReplySubscription(r3, "punsubscribe", std::nullopt, 0);
  EXPECT_EQ(out3, ">3\r\n$12\r\npunsubscribe\r\n_\r\n:0\r\n");
}

TEST(Message, SubscriberPong) {
  protocol::CommandArgs ping, ping_msg;
  ping.Append("PING");
  ping_msg.Append("PING");
  ping_msg.Append("hi");
  std::string out;
  ReplySubscriberPong(&out, ping);
  EXPECT_EQ(out, "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  out.clear();
  ReplySubscriberPong(&out, ping_msg);
  EXPECT_EQ(out, "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n");
}

}  // namespace
}  // namespace tessera::pubsub
