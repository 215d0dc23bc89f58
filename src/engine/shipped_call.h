// A coordinator command whose keys all live on one shard, run entirely on that shard as one
// ordinary hop: its steps run inline, no locks are taken (the shard's thread is exclusive for
// the whole command) and the client needs no barrier (the hop keeps per-shard order).
// This makes MSET/MGET/DEL on co-located keys, RENAME within a shard, etc. cost what a plain
// command costs.
//
// Runs on the shard's thread. It has no session and no client: only db() and resp().
#pragma once

#include <string>

#include "src/engine/command_call.h"
#include "src/engine/op_context.h"

namespace tessera::engine {

class ShippedCall final : public CommandCall {
 public:
  ShippedCall(Engine* engine, const CommandSpec* spec, protocol::CommandArgs args, OpContext& ctx,
              std::string* reply_out)
      : CommandCall(engine, spec, std::move(args), ctx.db_index(), ctx.resp(), ctx.now_ms(),
                    reply_out),
        ctx_(ctx) {}

  net::Client& client() override;
  std::optional<ShardId> shipped_shard() const override { return ctx_.shard_id(); }
  void RunOnShards(std::vector<ShardId> shards, ShardStep step, Continuation then) override;
  void Park() override;
  void Unpark(Continuation then) override;
  void Lock(std::vector<std::pair<ShardId, LockSet>> plan, Continuation then) override;

  // The arguments, once the handler has returned (they are unchanged).
  protocol::CommandArgs TakeArgs() { return std::move(args_); }

  // Whether `spec` may be shipped: keyed, non-blocking coordinator commands.
  static bool Shippable(const CommandSpec& spec);

 private:
  OpContext& ctx_;
};

}  // namespace tessera::engine
