#include "src/commands/multikey.h"

#include <utility>

#include "storage/db_table.h"

namespace tessera::commands {

using engine::CommandCall;
using engine::OpContext;
using engine::ShardId;

namespace {

std::vector<ShardId> NonEmptyShards(const std::vector<std::vector<uint32_t>>& by_shard) {
  std::vector<ShardId> shards;
  for (size_t s = 0; s < by_shard.size(); ++s) {
    if (!by_shard[s].empty()) shards.push_back(static_cast<ShardId>(s));
  }
  return shards;
}

}  // namespace

std::vector<ShardId> KeyShards(CommandCall& call) {
  return NonEmptyShards(call.KeyPositionsByShard());
}

void RunOnKeyShards(CommandCall& call, KeysStep step, CommandCall::Continuation then) {
  auto by_shard =
      std::make_shared<const std::vector<std::vector<uint32_t>>>(call.KeyPositionsByShard());
  std::vector<ShardId> shards = NonEmptyShards(*by_shard);
  call.RunOnShards(
      std::move(shards),
      [by_shard, step = std::move(step)](OpContext& ctx) {
        step(ctx, (*by_shard)[ctx.shard_id()]);
      },
      std::move(then));
}

void CountKeysOnShards(CommandCall& call, KeyPredicateOp op) {
  auto counts = PerShard<int64_t>(call);
  const protocol::CommandArgs* args = &call.args();
  RunOnKeyShards(
      call,
      [counts, args, op](OpContext& ctx, const std::vector<uint32_t>& positions) {
        int64_t n = 0;
        for (uint32_t pos : positions) n += op(ctx.db(), (*args)[pos], ctx.now_ms()) ? 1 : 0;
        (*counts)[ctx.shard_id()] = n;
      },
      [counts](CommandCall& call) {
        int64_t total = 0;
        for (int64_t n : *counts) total += n;
        call.reply().Integer(total);
      });
}

}  // namespace tessera::commands
