// Pub/sub across loops: every loop keeps a registry of its own clients' subscriptions, and a
// message reaches a loop's subscribers only on that loop's thread.
//
//  - PUBLISH / SPUBLISH run a step on every loop that may have receivers (MayReceive reads the
//    loops' subscription counts, so idle loops cost nothing); each step counts its receivers and
//    queues the message on its own loop (Publish).
//  - Keyspace notifications: after each op, PublishKeyspaceEvents queues a notification for every
//    enabled event on the op's loop, for every loop with subscribers.
//  - Flush sends what a loop queued as one shared, immutable batch: one posted task per listening
//    loop (itself included), each delivering to its own subscribers. Messages are encoded there,
//    once per protocol version.
//
// Ordering (see docs/pubsub.md): a loop's queue is flushed before anything leaves the loop — at
// the end of each iteration before hops and socket writes, and before a hop's results are posted
// back (the engine calls Flush). Every delivery then runs as a task in the destination's inbox,
// which is FIFO, so (1) events for one key (one shard) arrive in the order they happened,
// (2) one publisher's messages arrive in order, and (3) whatever a client does after it has
// read a reply is delivered after everything that reply's command published.
//
// Thread rules: per-loop members are for that loop's thread; MayReceive/AnyLoopListens for any
// thread. Post-only across threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/net/client.h"
#include "src/pubsub/notify_flags.h"
#include "src/pubsub/subscription_registry.h"
#include "src/runtime/loop.h"
#include "storage/change_event.h"

namespace tessera::pubsub {

class Broker {
 public:
  explicit Broker(std::vector<runtime::Loop*> loops);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  int loop_count() const { return static_cast<int>(loops_.size()); }
  // Loop `loop`'s registry: on that loop's thread only (its names() excepted).
  SubscriptionRegistry& registry(int loop) { return loops_state_[loop]->registry; }
  const SubscriptionRegistry& registry(int loop) const { return loops_state_[loop]->registry; }

  // ---- Subscriptions, on the client's loop. Each keeps the client's session and its loop's
  // registry in step; false when nothing changed (already subscribed / not subscribed).
  bool Subscribe(net::Client& client, Kind kind, std::string_view name);
  bool Unsubscribe(net::Client& client, Kind kind, std::string_view name);
  // Drops every subscription of `client` without replies (disconnect, RESET).
  void UnsubscribeAll(net::Client& client);

  // ---- Publishing.
  // Any thread: whether a PUBLISH (shard = false) or SPUBLISH (shard = true) may have receivers
  // on `loop`.
  bool MayReceive(int loop, bool shard) const;
  // The PUBLISH/SPUBLISH step on `loop` (its own thread): counts this loop's receivers now and
  // queues the message for them. The command's reply is the sum over loops.
  size_t Publish(int loop, bool shard, std::string_view channel, std::string_view payload);

  // ---- Keyspace notifications.
  // On loop `loop`'s thread (Engine::SetNotifyFlags posts it to every loop with the shard mask).
  void SetNotifyFlags(int loop, const NotifyFlags& flags);
  // After an op on `loop`'s shard, with the events it recorded: queues "__keyspace@<db>__:<key>"
  // and/or "__keyevent@<db>__:<event>" for each event whose class is enabled (kEventDbReset never
  // is), if any loop has a channel or pattern subscriber.
  void PublishKeyspaceEvents(int loop, const std::vector<storage::ChangeEvent>& events);

  // Sends what `loop` queued to the loops that listen. On `loop`'s thread; cheap when empty.
  void Flush(int loop);

  // Any thread: whether some loop has a channel or pattern subscription.
  bool AnyLoopListens() const;

 private:
  struct Delivery {
    bool local_only;  // a PUBLISH step's message: for the queuing loop's subscribers only
    bool shard;       // SPUBLISH: shard-channel subscribers, no patterns
    std::string channel;
    std::string payload;
  };
  using Batch = std::vector<Delivery>;
  struct LoopState {
    SubscriptionRegistry registry;
    NotifyFlags notify;
    Batch pending;
    bool pending_remote = false;  // pending holds something for other loops too
    bool flush_scheduled = false;
  };

  void DeliverBatch(int loop, int origin, const Batch& batch);
  void ScheduleFlush(int loop);

  std::vector<runtime::Loop*> loops_;
  std::vector<std::unique_ptr<LoopState>> loops_state_;
};

}  // namespace tessera::pubsub
