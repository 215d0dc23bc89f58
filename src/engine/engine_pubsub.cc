// The engine's side of keyspace notifications: which event classes each shard keeps.
// (The rest lives where it runs: AfterOp hands events to pubsub::Broker, Dispatch asks
// pubsub::GateCommand, and the outbox flushes call Broker::Flush.)
#include "src/engine/engine.h"

namespace tessera::engine {

void Engine::SetNotifyFlags(const pubsub::NotifyFlags& flags) {
  for (size_t i = 0; i < loops_.size(); ++i) {
    // Shard state and the broker's per-loop flags are touched only on the loop's own thread;
    // one task sets both, so a shard never keeps events its broker would drop or vice versa.
    loops_[i]->Post([this, i, flags] {
      shard(static_cast<ShardId>(i)).set_notify_mask(flags.ShardMask());
      pubsub_->SetNotifyFlags(static_cast<int>(i), flags);
    });
  }
}

}  // namespace tessera::engine
