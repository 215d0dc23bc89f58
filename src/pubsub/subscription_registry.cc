#include "src/pubsub/subscription_registry.h"

#include <algorithm>

#include "src/pubsub/message.h"
#include "storage/glob.h"

namespace tessera::pubsub {

void SubscriptionRegistry::Add(Kind kind, std::string_view name, net::Client* client) {
  int k = static_cast<int>(kind);
  auto it = maps_[k].find(name);
  if (it == maps_[k].end()) {
    it = maps_[k].emplace(std::string(name), std::vector<net::Client*>()).first;
    counts_[k].store(maps_[k].size(), std::memory_order_release);
  }
  it->second.push_back(client);
}

void SubscriptionRegistry::Remove(Kind kind, std::string_view name, net::Client* client) {
  int k = static_cast<int>(kind);
  auto it = maps_[k].find(name);
  if (it == maps_[k].end()) return;
  std::vector<net::Client*>& clients = it->second;
  auto pos = std::find(clients.begin(), clients.end(), client);
  if (pos == clients.end()) return;
  clients.erase(pos);  // keeps the others in subscription order
  if (clients.empty()) {
    maps_[k].erase(it);
    counts_[k].store(maps_[k].size(), std::memory_order_release);
  }
}

size_t SubscriptionRegistry::CountReceivers(bool shard, std::string_view channel) const {
  size_t n = Subscribers(shard ? Kind::kShardChannel : Kind::kChannel, channel);
  if (shard) return n;
  for (const auto& [pattern, clients] : maps_[static_cast<int>(Kind::kPattern)]) {
    if (storage::GlobMatch(pattern, channel)) n += clients.size();
  }
  return n;
}

size_t SubscriptionRegistry::Deliver(bool shard, std::string_view channel,
                                     std::string_view payload) {
  size_t written = 0;
  auto send = [&written](EncodedMessage& message, const std::vector<net::Client*>& clients) {
    for (net::Client* c : clients) {
      if (c->closed()) continue;
      c->SyncReplyBuffer()->append(message.Frame(c->session().resp));
      ++written;
    }
  };
  const Map& direct = maps_[static_cast<int>(shard ? Kind::kShardChannel : Kind::kChannel)];
  if (auto it = direct.find(channel); it != direct.end()) {
    EncodedMessage message(shard ? "smessage" : "message", channel, payload);
    send(message, it->second);
  }
  if (shard) return written;
  for (const auto& [pattern, clients] : maps_[static_cast<int>(Kind::kPattern)]) {
    if (!storage::GlobMatch(pattern, channel)) continue;
    EncodedMessage message = EncodedMessage::PMessage(pattern, channel, payload);
    send(message, clients);
  }
  return written;
}

size_t SubscriptionRegistry::Subscribers(Kind kind, std::string_view name) const {
  const Map& map = maps_[static_cast<int>(kind)];
  auto it = map.find(name);
  return it == map.end() ? 0 : it->second.size();
}

void SubscriptionRegistry::ForEach(
    Kind kind, const std::function<void(const std::string&, size_t)>& fn) const {
  for (const auto& [name, clients] : maps_[static_cast<int>(kind)]) fn(name, clients.size());
}

}  // namespace tessera::pubsub
