#include "src/pubsub/broker.h"

#include <algorithm>
#include <utility>

namespace tessera::pubsub {

Broker::Broker(std::vector<runtime::Loop*> loops) : loops_(std::move(loops)) {
  for (size_t i = 0; i < loops_.size(); ++i) loops_state_.push_back(std::make_unique<LoopState>());
}

Broker::~Broker() = default;

bool Broker::Subscribe(net::Client& client, Kind kind, std::string_view name) {
  net::ClientSession& s = client.session();
  if (kind == Kind::kPattern) {
    if (std::find(s.pubsub_patterns.begin(), s.pubsub_patterns.end(), name) !=
        s.pubsub_patterns.end()) {
      return false;
    }
    s.pubsub_patterns.emplace_back(name);
  } else {
    auto& names = kind == Kind::kChannel ? s.pubsub_channels : s.pubsub_shard_channels;
    if (!names.emplace(name).second) return false;
  }
  registry(client.loop_index()).Add(kind, name, &client);
  return true;
}

bool Broker::Unsubscribe(net::Client& client, Kind kind, std::string_view name) {
  net::ClientSession& s = client.session();
  if (kind == Kind::kPattern) {
    auto it = std::find(s.pubsub_patterns.begin(), s.pubsub_patterns.end(), name);
    if (it == s.pubsub_patterns.end()) return false;
    s.pubsub_patterns.erase(it);
  } else {
    auto& names = kind == Kind::kChannel ? s.pubsub_channels : s.pubsub_shard_channels;
    if (names.erase(std::string(name)) == 0) return false;
  }
  registry(client.loop_index()).Remove(kind, name, &client);
  return true;
}

void Broker::UnsubscribeAll(net::Client& client) {
  net::ClientSession& s = client.session();
  SubscriptionRegistry& r = registry(client.loop_index());
  for (const std::string& name : s.pubsub_channels) r.Remove(Kind::kChannel, name, &client);
  for (const std::string& name : s.pubsub_patterns) r.Remove(Kind::kPattern, name, &client);
  for (const std::string& name : s.pubsub_shard_channels) {
    r.Remove(Kind::kShardChannel, name, &client);
  }
  s.pubsub_channels.clear();
  s.pubsub_patterns.clear();
  s.pubsub_shard_channels.clear();
}

bool Broker::MayReceive(int loop, bool shard) const {
  const SubscriptionRegistry& r = registry(loop);
  if (shard) return r.names(Kind::kShardChannel) > 0;
  return r.names(Kind::kChannel) > 0 || r.names(Kind::kPattern) > 0;
}

bool Broker::AnyLoopListens() const {
  for (int i = 0; i < loop_count(); ++i) {
    if (MayReceive(i, false)) return true;
  }
  return false;
}

size_t Broker::Publish(int loop, bool shard, std::string_view channel, std::string_view payload) {
  LoopState& st = *loops_state_[loop];
  size_t receivers = st.registry.CountReceivers(shard, channel);
  // Queued, not written now: a step that runs inline in a socket callback must not overtake
  // deliveries that other loops have already posted to this loop's inbox (docs/pubsub.md).
  if (receivers > 0) {
    st.pending.push_back(Delivery{true, shard, std::string(channel), std::string(payload)});
    if (st.pending.size() == 1) ScheduleFlush(loop);
  }
  return receivers;
}

void Broker::SetNotifyFlags(int loop, const NotifyFlags& flags) {
  loops_state_[loop]->notify = flags;
}

void Broker::PublishKeyspaceEvents(int loop, const std::vector<storage::ChangeEvent>& events) {
  LoopState& st = *loops_state_[loop];
  const NotifyFlags& flags = st.notify;
  uint16_t mask = flags.ShardMask();
  if (mask == 0 || !AnyLoopListens()) return;
  size_t before = st.pending.size();
  for (const storage::ChangeEvent& e : events) {
    if ((e.cls & mask) == 0) continue;
    std::string db = std::to_string(e.db);
    // Keyspace before keyevent, as notifyKeyspaceEvent publishes them.
    if (flags.keyspace) {
      st.pending.push_back(Delivery{false, false, "__keyspace@" + db + "__:" + e.key, e.name});
    }
    if (flags.keyevent) {
      st.pending.push_back(
          Delivery{false, false, "__keyevent@" + db + "__:" + std::string(e.name), e.key});
    }
    st.pending_remote = true;
  }
  if (before == 0 && !st.pending.empty()) ScheduleFlush(loop);
}

void Broker::ScheduleFlush(int loop) {
  // Work outside commands and hops (the expiry timer) runs where no flush follows soon: after
  // timers the loop may sleep in poll until the next tick. A task in its own inbox wakes it at
  // once. In a command or hop the usual flush gets there first and this one finds nothing.
  LoopState& st = *loops_state_[loop];
  if (st.flush_scheduled) return;
  st.flush_scheduled = true;
  loops_[loop]->Post([this, loop] {
    loops_state_[loop]->flush_scheduled = false;
    Flush(loop);
  });
}

void Broker::Flush(int loop) {
  LoopState& st = *loops_state_[loop];
  if (st.pending.empty()) return;
  // One immutable batch shared by every destination (freed by the last one).
  auto batch = std::make_shared<const Batch>(std::move(st.pending));
  st.pending.clear();
  bool remote = st.pending_remote;
  st.pending_remote = false;
  for (int dest = 0; dest < loop_count(); ++dest) {
    if (dest != loop && !remote) continue;
    if (!MayReceive(dest, false) && !MayReceive(dest, true)) continue;
    loops_[dest]->Post([this, dest, loop, batch] { DeliverBatch(dest, loop, *batch); });
  }
}

void Broker::DeliverBatch(int loop, int origin, const Batch& batch) {
  SubscriptionRegistry& r = registry(loop);
  for (const Delivery& d : batch) {
    if (d.local_only && loop != origin) continue;
    r.Deliver(d.shard, d.channel, d.payload);
  }
}

}  // namespace tessera::pubsub
