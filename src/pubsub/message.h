// Pub/sub frames, byte for byte as Redis 7.0 writes them: RESP2 arrays, RESP3 push frames ('>').
//
//   ["message", channel, payload]            PUBLISH to a subscribed channel
//   ["pmessage", pattern, channel, payload]  PUBLISH to a channel a subscribed pattern matches
//   ["smessage", channel, payload]           SPUBLISH
//   ["subscribe", channel, count], ["unsubscribe", channel-or-nil, count], and the p/s variants
//
// Pure functions and a per-message cache; loop-thread objects, no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/command_args.h"
#include "protocol/reply_builder.h"

namespace tessera::pubsub {

// Appends a confirmation of (un)subscribing: `kind` is "subscribe", "unsubscribe", "psubscribe",
// ...; `name` is nullopt for an UNSUBSCRIBE without subscriptions (a nil); `count` is what the
// client is subscribed to afterwards.
void ReplySubscription(protocol::ReplyBuilder& reply, std::string_view kind,
                       std::optional<std::string_view> name, int64_t count);

// PING in RESP2 subscriber mode: ["pong", <argument or "">].
void ReplySubscriberPong(std::string* out, const protocol::CommandArgs& args);

// One message as its subscribers on one loop see it, encoded at most once per protocol version:
// the first subscriber of each version pays, the others copy bytes. The views must outlive it.
class EncodedMessage {
 public:
  // A "message" or "smessage" frame.
  EncodedMessage(std::string_view kind, std::string_view channel, std::string_view payload)
      : kind_(kind), channel_(channel), payload_(payload) {}
  // A "pmessage" frame for the subscribers of `pattern` (which may be empty: "" matches "").
  static EncodedMessage PMessage(std::string_view pattern, std::string_view channel,
                                 std::string_view payload) {
    EncodedMessage m("pmessage", channel, payload);
    m.pattern_ = pattern;
    m.has_pattern_ = true;
    return m;
  }

  std::string_view Frame(protocol::RespVersion version);

 private:
  std::string_view kind_, pattern_, channel_, payload_;
  bool has_pattern_ = false;
  std::string frames_[2];  // [0] RESP2, [1] RESP3; empty until first asked for
};

}  // namespace tessera::pubsub
