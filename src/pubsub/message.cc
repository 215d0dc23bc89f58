#include "src/pubsub/message.h"

namespace tessera::pubsub {

void ReplySubscription(protocol::ReplyBuilder& reply, std::string_view kind,
                       std::optional<std::string_view> name, int64_t count) {
  reply.Push(3);
  reply.Bulk(kind);
  if (name) {
    reply.Bulk(*name);
  } else {
    reply.Null();
  }
  reply.Integer(count);
}

void ReplySubscriberPong(std::string* out, const protocol::CommandArgs& args) {
  // Always an array, never a push: the client asked for it.
  protocol::ReplyBuilder reply(out, protocol::RespVersion::kResp2);
  reply.Array(2);
  reply.Bulk("pong");
  reply.Bulk(args.size() > 1 ? args[1] : std::string_view());
}

std::string_view EncodedMessage::Frame(protocol::RespVersion version) {
  std::string& frame = frames_[version == protocol::RespVersion::kResp3 ? 1 : 0];
  if (frame.empty()) {
    protocol::ReplyBuilder reply(&frame, version);
    reply.Push(has_pattern_ ? 4 : 3);
    reply.Bulk(kind_);
    if (has_pattern_) reply.Bulk(pattern_);
    reply.Bulk(channel_);
    reply.Bulk(payload_);
  }
  return frame;
}

}  // namespace tessera::pubsub
