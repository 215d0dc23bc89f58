// RESP2 subscriber mode: a RESP2 client with any subscription (Redis's CLIENT_PUBSUB) may only
// run (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and RESET, and PING answers ["pong", msg].
// RESP3 clients may run anything while subscribed (messages arrive as push frames).
// The engine asks at dispatch (after authentication, before MULTI queueing, as Redis does).
// Pure functions; any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "src/net/client_session.h"

namespace tessera::pubsub {

enum class SubscriberGate : uint8_t {
  kRun,     // not in subscriber mode, or an allowed command
  kReject,  // answer SubscriberModeError
  kPong,    // PING in subscriber mode: answer with ReplySubscriberPong (message.h)
};

// `fullname` is the command's full name ("get", "client|list"); `argc` counts the name.
SubscriberGate GateCommand(const net::ClientSession& session, std::string_view fullname,
                           size_t argc);

// "ERR Can't execute '<fullname>': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET
// are allowed in this context"
std::string SubscriberModeError(std::string_view fullname);

}  // namespace tessera::pubsub
