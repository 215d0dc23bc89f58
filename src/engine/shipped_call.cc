#include "src/engine/shipped_call.h"

#include <cstdio>
#include <cstdlib>

#include "src/engine/engine.h"

namespace tessera::engine {

bool ShippedCall::Shippable(const CommandSpec& spec) {
  return spec.on_coordinator && spec.lock_scope == LockScope::kKeys && !spec.Has(kCmdBlocking) &&
         (spec.first_key > 0 || spec.keys_fn != nullptr);
}

net::Client& ShippedCall::client() {
  std::fprintf(stderr, "BUG: '%s' used its client while running on a shard\n", spec().name.c_str());
  std::abort();
}

void ShippedCall::RunOnShards(std::vector<ShardId> shards, ShardStep step, Continuation then) {
  for (ShardId s : shards) {
    if (s != ctx_.shard_id()) {
      // A shipped command's keys are all here; a step elsewhere is a bug in its handler.
      std::fprintf(stderr, "BUG: '%s' ran a step on shard %u from shard %u\n", spec().name.c_str(),
                   s, ctx_.shard_id());
      std::abort();
    }
    step(ctx_);
    engine().AfterOp(ctx_.shard());
  }
  then(*this);
}

void ShippedCall::Park() {
  std::fprintf(stderr, "BUG: blocking command '%s' was shipped\n", spec().name.c_str());
  std::abort();
}

void ShippedCall::Unpark(Continuation) { Park(); }

void ShippedCall::Lock(std::vector<std::pair<ShardId, LockSet>>, Continuation then) {
  // The shard's thread is exclusive for the whole shipped command: nothing to lock.
  then(*this);
}

}  // namespace tessera::engine
