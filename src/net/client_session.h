// Per-connection state that commands read and change (SELECT, HELLO, CLIENT SETNAME, AUTH...).
//
// Owned by the connection and touched only on the connection's loop thread. Shard-side code
// never sees it: what an op needs (db index, protocol version) is copied into the hop.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "protocol/command_args.h"
#include "protocol/reply_builder.h"

namespace tessera::net {

enum class ReplyMode : uint8_t { kOn, kOff, kSkipNext, kSkipThis };

struct ClientSession {
  uint64_t id = 0;
  int db = 0;
  protocol::RespVersion resp = protocol::RespVersion::kResp2;
  bool authenticated = false;
  // The server's own client (save points, AOF replay): not refused while loading.
  bool internal = false;
  std::string name;      // CLIENT SETNAME
  std::string lib_name;  // CLIENT SETINFO LIB-NAME
  std::string lib_ver;   // CLIENT SETINFO LIB-VER
  ReplyMode reply_mode = ReplyMode::kOn;
  bool no_evict = false;
  bool no_touch = false;
  bool close_after_reply = false;  // QUIT, protocol errors, CLIENT KILL
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  // MULTI: commands are queued while in_multi; multi_aborted is set by an error while queueing
  // (EXEC then answers EXECABORT). in_exec is true while EXEC runs the queue: blocking
  // commands act as non-blocking then, as in Redis.
  bool in_multi = false;
  bool multi_aborted = false;
  bool in_exec = false;
  std::vector<protocol::CommandArgs> multi_queue;
  // Shards holding this client's WATCHes (so EXEC, UNWATCH and disconnect can clear them).
  std::vector<uint16_t> watch_shards;
  // Pub/sub subscriptions. The loop's pubsub::SubscriptionRegistry holds the reverse index and
  // pubsub::Broker changes both together. Patterns keep subscription order: PUNSUBSCRIBE without
  // arguments goes through them in that order, as Redis 7.0's list does.
  std::unordered_set<std::string> pubsub_channels;
  std::vector<std::string> pubsub_patterns;
  std::unordered_set<std::string> pubsub_shard_channels;
  // Redis's CLIENT_PUBSUB: the client is held to the pubsub output-buffer limits and, in RESP2,
  // to subscriber mode.
  bool subscribed() const {
    return !pubsub_channels.empty() || !pubsub_patterns.empty() || !pubsub_shard_channels.empty();
  }
  std::string_view last_command;  // for CLIENT LIST "cmd="; names live as long as the server
  std::string addr;               // "ip:port" of the peer
  std::string laddr;              // "ip:port" of our side
  int fd = -1;
};

}  // namespace tessera::net
