// notify-keyspace-events: Redis 7.0's flag letters, parsed into what the engine needs.
//
//   K  publish on __keyspace@<db>__:<key>      (message: the event name)
//   E  publish on __keyevent@<db>__:<event>    (message: the key)
//   g generic   $ string   l list   s set   h hash   z zset   x expired   e evicted   t stream
//   d module    m key miss   n new key          A = g$lshzxetd (not m, not n)
//
// Nothing is published unless K or E is given together with at least one class. Redis's quirks
// kept on purpose, because CONFIG GET shows them: the canonical text lists the classes (or "A"),
// then K, E, m — and never n, which 7.0 forgets to print although it honours it.
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::pubsub {

struct NotifyFlags {
  uint16_t classes = 0;  // storage::EventClass bits (kEventDbReset never)
  bool keyspace = false;
  bool keyevent = false;
  // 'd': accepted and shown for compatibility; Tessera has no modules, so no event carries it.
  bool module = false;

  // The event classes a shard must keep for notifications: none unless a channel kind is on.
  uint16_t ShardMask() const { return keyspace || keyevent ? classes : 0; }
  bool operator==(const NotifyFlags&) const = default;
};

inline constexpr std::string_view kErrBadNotifyFlags =
    "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

// Redis's keyspaceEventsStringToFlags; nullopt on any other character.
std::optional<NotifyFlags> ParseNotifyFlags(std::string_view text);
// Redis's keyspaceEventsFlagsToString (what CONFIG GET returns).
std::string NotifyFlagsToString(const NotifyFlags& flags);

}  // namespace tessera::pubsub
