// One loop's subscriptions: channel → its subscribers on this loop, pattern → subscribers, shard
// channel → subscribers, each list in subscription order (Redis delivers in that order).
//
// The clients' own view is in net::ClientSession (pubsub_channels, ...); Broker changes both
// together. Client pointers here are always live: a client leaves every list before it is freed
// (Engine::OnClientClosed → Broker::UnsubscribeAll).
//
// Thread rules: loop-thread only, except names(), which any thread may read (PUBLISH and keyspace
// notifications skip loops that have no subscription of the kind they need).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "src/net/client.h"

namespace tessera::pubsub {

enum class Kind : uint8_t { kChannel = 0, kPattern = 1, kShardChannel = 2 };

class SubscriptionRegistry {
 public:
  // `client` must not be subscribed to `name` already (the session says so).
  void Add(Kind kind, std::string_view name, net::Client* client);
  // No-op when `client` is not subscribed to `name`.
  void Remove(Kind kind, std::string_view name, net::Client* client);

  // How many frames a message to `channel` produces on this loop: its subscribers and, for a
  // plain channel, one per (matching pattern, subscriber). A shard channel has no patterns.
  size_t CountReceivers(bool shard, std::string_view channel) const;
  // Writes the message to those receivers (channel subscribers first, then each matching
  // pattern's, as Redis does); closed clients are skipped. Returns the frames written.
  size_t Deliver(bool shard, std::string_view channel, std::string_view payload);

  // Subscribers on this loop of `name` (0 if none).
  size_t Subscribers(Kind kind, std::string_view name) const;
  // Calls fn(name, subscribers) for every name of `kind` with a subscriber on this loop.
  void ForEach(Kind kind, const std::function<void(const std::string&, size_t)>& fn) const;

  // Any thread: names of `kind` with at least one subscriber on this loop.
  size_t names(Kind kind) const {
    return counts_[static_cast<int>(kind)].load(std::memory_order_acquire);
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Map = std::unordered_map<std::string, std::vector<net::Client*>, Hash, std::equal_to<>>;

  Map maps_[3];
  std::atomic<size_t> counts_[3] = {0, 0, 0};
};

}  // namespace tessera::pubsub
