#include "src/pubsub/subscriber_mode.h"

namespace tessera::pubsub {

SubscriberGate GateCommand(const net::ClientSession& session, std::string_view fullname,
                           size_t argc) {
  if (session.resp != protocol::RespVersion::kResp2 || !session.subscribed()) {
    return SubscriberGate::kRun;
  }
  // PING with too many arguments falls through to PING's own arity error, as in Redis.
  if (fullname == "ping") return argc <= 2 ? SubscriberGate::kPong : SubscriberGate::kRun;
  for (std::string_view allowed : {"subscribe", "psubscribe", "ssubscribe", "unsubscribe",
                                   "punsubscribe", "sunsubscribe", "quit", "reset"}) {
    if (fullname == allowed) return SubscriberGate::kRun;
  }
  return SubscriberGate::kReject;
}

std::string SubscriberModeError(std::string_view fullname) {
  std::string out = "ERR Can't execute '";
  out.append(fullname);
  out.append(
      "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
      "context");
  return out;
}

}  // namespace tessera::pubsub
