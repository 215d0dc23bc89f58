#include "src/commands/multikey.h"

#include <optional>
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
  if (std::optional<ShardId> here = call.shipped_shard()) {
    // Every key is on this shard and its step runs inline: the positions need no grouping or
    // shared copy (DEL k, MGET {t}a {t}b, ... cost what a plain command costs).
    const std::vector<uint32_t> positions = call.KeyPositions();
    call.RunOnShard(
        *here, [&step, &positions](OpContext& ctx) { step(ctx, positions); }, std::move(then));
    return;
  }
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

namespace {

int64_t CountKeys(OpContext& ctx, const protocol::CommandArgs& args, KeyPredicateOp op,
                  const std::vector<uint32_t>& positions) {
  int64_t n = 0;
  for (uint32_t pos : positions) n += op(ctx.db(), args[pos], ctx.now_ms()) ? 1 : 0;
  return n;
}

}  // namespace

void CountKeysOnShards(CommandCall& call, KeyPredicateOp op) {
  const protocol::CommandArgs* args = &call.args();
  if (call.shipped_shard()) {
    // The one step runs inline: its count can live here rather than in per-shard slots.
    struct Local {
      const protocol::CommandArgs* args;
      KeyPredicateOp op;
      int64_t count = 0;
    } local{args, op};
    RunOnKeyShards(
        call,
        [&local](OpContext& ctx, const std::vector<uint32_t>& positions) {
          local.count = CountKeys(ctx, *local.args, local.op, positions);
        },
        [&local](CommandCall& call) { call.reply().Integer(local.count); });
    return;
  }
  auto counts = PerShard<int64_t>(call);
  RunOnKeyShards(
      call,
      [counts, args, op](OpContext& ctx, const std::vector<uint32_t>& positions) {
        (*counts)[ctx.shard_id()] = CountKeys(ctx, *args, op, positions);
      },
      [counts](CommandCall& call) {
        int64_t total = 0;
        for (int64_t n : *counts) total += n;
        call.reply().Integer(total);
      });
}

}  // namespace tessera::commands
