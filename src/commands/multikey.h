// Fan-out helpers shared by the string and key families for commands whose keys may live on
// several shards (MGET, MSET, DEL k1 k2, EXISTS, ...).
//
// Every multi-shard command goes through CommandCall::RunOnShards, so the transaction framework
// can make these atomic later without touching the families. Until then a command is atomic
// only for the keys one shard owns (one step per shard), which covers hash-tagged keys.
//
// Thread rules: the helpers are called on the coordinator loop. Steps run on the shards' loops
// and write only their own slot of a result vector (per shard, or per argument position: each
// position belongs to exactly one shard); continuations read the slots afterwards.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "src/engine/command_call.h"
#include "src/engine/op_context.h"

namespace tessera::storage {
class DbTable;
}

namespace tessera::commands {

// One result slot per shard, indexed by shard id.
template <typename T>
std::shared_ptr<std::vector<T>> PerShard(engine::CommandCall& call) {
  return std::make_shared<std::vector<T>>(call.shard_count());
}

// One result slot per argument position (slot 0, the command name, is unused).
template <typename T>
std::shared_ptr<std::vector<T>> PerArg(engine::CommandCall& call) {
  return std::make_shared<std::vector<T>>(call.args().size());
}

// A step given the positions (ascending) of the command's keys that its shard owns.
using KeysStep =
    std::function<void(engine::OpContext& ctx, const std::vector<uint32_t>& positions)>;

// Runs `step` once on every shard owning at least one of the command's keys (from the spec's
// first/last/step), then `then`. With all keys on one shard this is a single step there.
void RunOnKeyShards(engine::CommandCall& call, KeysStep step,
                    engine::CommandCall::Continuation then);

// The shards owning at least one of the command's keys.
std::vector<engine::ShardId> KeyShards(engine::CommandCall& call);

// DEL, UNLINK, EXISTS, TOUCH: runs `op` for every key argument on its shard (duplicates count
// each time, as in Redis) and replies with the number of keys for which it returned true.
using KeyPredicateOp = bool (*)(storage::DbTable& db, std::string_view key, int64_t now_ms);
void CountKeysOnShards(engine::CommandCall& call, KeyPredicateOp op);

}  // namespace tessera::commands
