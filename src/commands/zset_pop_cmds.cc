// The sorted-set family, part 4: pops — ZPOPMIN, ZPOPMAX, ZMPOP and the blocking BZPOPMIN,
// BZPOPMAX, BZMPOP — with Redis 7.0.15's argument rules and reply shapes.
//
// ZPOPMIN/ZPOPMAX name one key and run on its shard. The multi-key pops follow Redis's
// genericZpopCommand over keys that may live on different shards: a first step looks at every
// key (on its shard) to find the first one, in argument order, that exists — a WRONGTYPE there
// is the reply — and a second step pops from it. The command's key locks keep the two steps
// atomic. When no key holds a set, ZMPOP replies nil; the blocking forms leave a ZSetWaiter on
// their keys' shards (src/engine/key_waiters.h) and park, except inside EXEC, where they act
// like ZMPOP, as in Redis. A waiter is served on the shard of the key that gained members, which
// pops right there (FIFO among the clients blocked on that key).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "src/commands/arg_parse.h"
#include "src/commands/spec_builder.h"
#include "src/commands/zset_reply.h"
#include "src/engine/command_call.h"
#include "src/engine/engine.h"
#include "src/engine/key_waiters.h"
#include "src/engine/op_context.h"
#include "src/engine/shard.h"
#include "storage/db_table.h"
#include "storage/zset_ops.h"

namespace tessera::commands {
namespace {

using engine::CommandCall;
using engine::OpContext;
using engine::ShardId;
using protocol::CommandArgs;
using protocol::ReplyBuilder;
using storage::OpStatus;
using storage::ScoredMember;

// ---- ZPOPMIN, ZPOPMAX.

void ZPopGeneric(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply, bool max) {
  if (args.size() > 3) {
    reply.Error(kErrSyntax);
    return;
  }
  int64_t count = -1;  // no count: one element, replied flat in both protocols
  if (args.size() == 3 && !RangeOrReply(args[2], 0, INT64_MAX, reply, &count, kErrNotPositive)) {
    return;
  }
  std::vector<ScoredMember> out;
  OpStatus status =
      storage::OpZPop(ctx.db(), args[1], max, count == -1 ? 1 : count, ctx.now_ms(), &out);
  if (ReplyIfZSetError(status, reply)) return;
  const bool nested = reply.resp3() && count != -1;
  reply.Array(nested ? out.size() : out.size() * 2);
  for (const ScoredMember& m : out) ReplyScoredPair(reply, m, nested);
}

void ZPopMin(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ZPopGeneric(ctx, args, reply, /*max=*/false);
}
void ZPopMax(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ZPopGeneric(ctx, args, reply, /*max=*/true);
}

// ---- The multi-key pops.

struct PopRequest {
  enum class Shape : uint8_t {
    kKeyAndPairs,  // ZMPOP, BZMPOP: [key, [[member, score], ...]]
    kFlatWithKey,  // BZPOPMIN, BZPOPMAX: [key, member, score]
  };
  std::vector<uint32_t> positions;  // key positions, in argument order
  bool max = false;
  int64_t count = 1;
  Shape shape = Shape::kKeyAndPairs;
  bool blocking = false;
  int64_t timeout_ms = 0;  // blocking: 0 = forever
};

// zmpopGenericCommand's parsing from the numkeys argument at `numkeys_pos`.
bool ParseMPopOrReply(const CommandArgs& args, size_t numkeys_pos, ReplyBuilder& reply,
                      PopRequest* out) {
  int64_t numkeys;
  if (!RangeOrReply(args[numkeys_pos], 1, INT64_MAX, reply, &numkeys,
                    "ERR numkeys should be greater than 0")) {
    return false;
  }
  const uint64_t where_pos = numkeys_pos + 1 + static_cast<uint64_t>(numkeys);
  if (where_pos >= args.size()) {
    reply.Error(kErrSyntax);
    return false;
  }
  if (EqualsIgnoreCase(args[where_pos], "min")) {
    out->max = false;
  } else if (EqualsIgnoreCase(args[where_pos], "max")) {
    out->max = true;
  } else {
    reply.Error(kErrSyntax);
    return false;
  }
  bool has_count = false;
  for (size_t j = where_pos + 1; j < args.size(); ++j) {
    if (!has_count && EqualsIgnoreCase(args[j], "count") && j + 1 < args.size()) {
      if (!RangeOrReply(args[++j], 1, INT64_MAX, reply, &out->count,
                        "ERR count should be greater than 0")) {
        return false;
      }
      has_count = true;
    } else {
      reply.Error(kErrSyntax);
      return false;
    }
  }
  for (uint64_t i = 0; i < static_cast<uint64_t>(numkeys); ++i) {
    out->positions.push_back(static_cast<uint32_t>(numkeys_pos + 1 + i));
  }
  return true;
}

void ReplyPopped(ReplyBuilder& reply, const PopRequest& request, std::string_view key,
                 const std::vector<ScoredMember>& popped) {
  if (request.shape == PopRequest::Shape::kFlatWithKey) {
    reply.Array(1 + popped.size() * 2);
    reply.Bulk(key);
    for (const ScoredMember& m : popped) ReplyScoredPair(reply, m, /*nested=*/false);
    return;
  }
  reply.Array(2);
  reply.Bulk(key);
  reply.Array(popped.size());
  for (const ScoredMember& m : popped) ReplyScoredPair(reply, m, /*nested=*/true);
}

// One blocked BZPOPMIN/BZPOPMAX/BZMPOP, served on the shard of a key that gained members.
class ZSetWaiter final : public engine::Waiter {
 public:
  ZSetWaiter(CommandCall& call, const PopRequest& request)
      : Waiter(&call.engine(), static_cast<ShardId>(call.client().loop_index()), call.session().id,
               call.db(), KeysOf(call, request)),
        request_(request) {}

  engine::ServeOutcome Serve(engine::Shard& shard, std::string_view key, int64_t now_ms) override {
    storage::DbTable& db = shard.db(this->db());
    OpStatus status;
    // Only a sorted set serves; anything else (a string written under the key) keeps us waiting.
    storage::FindZSetForWrite(db, key, now_ms, &status);
    if (status != OpStatus::kOk) return engine::ServeOutcome::kNotReady;
    if (!TryClaim()) return engine::ServeOutcome::kGone;
    std::vector<ScoredMember> popped;
    storage::OpZPop(db, key, request_.max, request_.count, now_ms, &popped);
    const std::string n = std::to_string(popped.size());
    Journal({request_.max ? "ZPOPMAX" : "ZPOPMIN", key, n});
    Deliver([request = request_, k = std::string(key), popped = std::move(popped)](
                CommandCall& call) { ReplyPopped(call.reply(), request, k, popped); });
    return engine::ServeOutcome::kServed;
  }

 private:
  static std::vector<std::string> KeysOf(CommandCall& call, const PopRequest& request) {
    std::vector<std::string> keys;
    for (uint32_t pos : request.positions) keys.emplace_back(call.args()[pos]);
    return keys;
  }

  PopRequest request_;
};

struct PopState {
  PopRequest request;
  std::vector<OpStatus> found;  // per position: kOk (a zset), kNoKey, kWrongType
  std::vector<ScoredMember> popped;
  std::shared_ptr<ZSetWaiter> waiter;  // blocking outside EXEC
};

void ReplyTimeout(CommandCall& call) { call.reply().NullArray(); }

// Nothing to pop now: wait on every key's shard (still under the command's locks, so no add
// can slip in between), then park; or answer nil.
void NothingToPop(CommandCall& call, std::shared_ptr<PopState> state) {
  if (state->waiter == nullptr) {
    call.reply().NullArray();
    return;
  }
  std::shared_ptr<ZSetWaiter> waiter = state->waiter;
  call.RunOnShards(
      waiter->Shards(),
      [waiter](OpContext& ctx) { engine::KeyWaiters::Of(ctx.shard()).Add(ctx.shard(), waiter); },
      [state](CommandCall& call) {
        call.engine()
            .blocked_clients(static_cast<ShardId>(call.client().loop_index()))
            .Park(call, state->waiter, state->request.timeout_ms, ReplyTimeout);
      });
}

void TryPop(CommandCall& call, std::shared_ptr<PopState> state) {
  const CommandArgs* args = &call.args();
  std::vector<ShardId> shards;
  for (uint32_t pos : state->request.positions) {
    const ShardId s = call.ShardOf((*args)[pos]);
    if (std::find(shards.begin(), shards.end(), s) == shards.end()) shards.push_back(s);
  }
  state->found.assign(state->request.positions.size(), OpStatus::kNoKey);
  call.RunOnShards(
      std::move(shards),
      [state, args](OpContext& ctx) {
        for (size_t i = 0; i < state->request.positions.size(); ++i) {
          std::string_view key = (*args)[state->request.positions[i]];
          if (engine::KeyToShard(key, ctx.shard_count()) != ctx.shard_id()) continue;
          storage::FindZSetForWrite(ctx.db(), key, ctx.now_ms(), &state->found[i]);
        }
      },
      [state, args](CommandCall& call) {
        size_t i = 0;
        while (i < state->found.size() && state->found[i] == OpStatus::kNoKey) ++i;
        if (i == state->found.size()) {
          NothingToPop(call, state);
          return;
        }
        if (ReplyIfZSetError(state->found[i], call.reply())) return;
        std::string_view key = (*args)[state->request.positions[i]];
        call.RunOnShard(
            call.ShardOf(key),
            [state, key](OpContext& ctx) {
              storage::OpZPop(ctx.db(), key, state->request.max, state->request.count, ctx.now_ms(),
                              &state->popped);
            },
            [state, key](CommandCall& call) {
              ReplyPopped(call.reply(), state->request, key, state->popped);
            });
      });
}

void RunPop(CommandCall& call, PopRequest request) {
  auto state = std::make_shared<PopState>();
  state->request = std::move(request);
  if (state->request.blocking && engine::MayBlock(call)) {
    state->waiter = std::make_shared<ZSetWaiter>(call, state->request);
  }
  TryPop(call, std::move(state));
}

void ZMPop(CommandCall& call) {
  PopRequest request;
  if (!ParseMPopOrReply(call.args(), 1, call.reply(), &request)) return;
  RunPop(call, std::move(request));
}

void BZMPop(CommandCall& call) {
  PopRequest request;
  if (!engine::BlockTimeoutOrReply(call.args()[1], call.reply(), &request.timeout_ms) ||
      !ParseMPopOrReply(call.args(), 2, call.reply(), &request)) {
    return;
  }
  request.blocking = true;
  RunPop(call, std::move(request));
}

void BZPopGeneric(CommandCall& call, bool max) {
  const CommandArgs& args = call.args();
  PopRequest request;
  if (!engine::BlockTimeoutOrReply(args[args.size() - 1], call.reply(), &request.timeout_ms)) {
    return;
  }
  for (size_t j = 1; j + 1 < args.size(); ++j)
    request.positions.push_back(static_cast<uint32_t>(j));
  request.max = max;
  request.shape = PopRequest::Shape::kFlatWithKey;
  request.blocking = true;
  RunPop(call, std::move(request));
}

void BZPopMin(CommandCall& call) { BZPopGeneric(call, /*max=*/false); }
void BZPopMax(CommandCall& call) { BZPopGeneric(call, /*max=*/true); }

// ZMPOP numkeys key..., BZMPOP timeout numkeys key...
std::vector<uint32_t> ZMPopKeys(const CommandArgs& args) { return NumKeysPositions(args, 1, 2); }
std::vector<uint32_t> BZMPopKeys(const CommandArgs& args) { return NumKeysPositions(args, 2, 3); }

engine::CommandSpec WithKeysFn(engine::CommandSpec spec, engine::KeysFn fn) {
  spec.keys_fn = fn;
  return spec;
}

}  // namespace

// Metadata: Redis 7.0.15's COMMAND INFO / COMMAND DOCS, verbatim.
void RegisterZSetPopCommands(engine::CommandRegistry& registry) {
  constexpr std::string_view kPopComplexity =
      "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number "
      "of elements popped.";
  registry.Add(SpecBuilder("zpopmin", -2)
                   .Flags("write fast")
                   .Acl("@write @sortedset @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW access delete", 1, 0)})
                   .Docs("sorted-set", "5.0.0",
                         "Remove and return members with the lowest scores in a sorted set",
                         kPopComplexity)
                   .Shard(ZPopMin)
                   .Build());
  registry.Add(SpecBuilder("zpopmax", -2)
                   .Flags("write fast")
                   .Acl("@write @sortedset @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW access delete", 1, 0)})
                   .Docs("sorted-set", "5.0.0",
                         "Remove and return members with the highest scores in a sorted set",
                         kPopComplexity)
                   .Shard(ZPopMax)
                   .Build());
  constexpr std::string_view kMPopComplexity =
      "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements "
      "in the sorted set, and M being the number of elements popped.";
  registry.Add(
      WithKeysFn(SpecBuilder("zmpop", -4)
                     .Flags("write movablekeys")
                     .Acl("@write @sortedset @slow")
                     .KeySpecs({KeynumKeys("RW access delete", 1, 0, 1, 1)})
                     .Docs("sorted-set", "7.0.0",
                           "Remove and return members with scores in a sorted set", kMPopComplexity)
                     .Coordinator(ZMPop)
                     .Build(),
                 ZMPopKeys));
  constexpr std::string_view kBPopComplexity =
      "O(log(N)) with N being the number of elements in the sorted set.";
  registry.Add(SpecBuilder("bzpopmin", -3)
                   .Flags("write noscript blocking fast")
                   .Acl("@write @sortedset @fast @blocking")
                   .Keys(1, -2, 1)
                   .KeySpecs({RangeKeys("RW access delete", 1, -2)})
                   .Docs("sorted-set", "5.0.0",
                         "Remove and return the member with the lowest score from one or more "
                         "sorted sets, or block until one is available",
                         kBPopComplexity)
                   .Coordinator(BZPopMin)
                   .Build());
  registry.Add(SpecBuilder("bzpopmax", -3)
                   .Flags("write noscript blocking fast")
                   .Acl("@write @sortedset @fast @blocking")
                   .Keys(1, -2, 1)
                   .KeySpecs({RangeKeys("RW access delete", 1, -2)})
                   .Docs("sorted-set", "5.0.0",
                         "Remove and return the member with the highest score from one or more "
                         "sorted sets, or block until one is available",
                         kBPopComplexity)
                   .Coordinator(BZPopMax)
                   .Build());
  registry.Add(WithKeysFn(SpecBuilder("bzmpop", -5)
                              .Flags("write blocking movablekeys")
                              .Acl("@write @sortedset @slow @blocking")
                              .KeySpecs({KeynumKeys("RW access delete", 2, 0, 1, 1)})
                              .Docs("sorted-set", "7.0.0",
                                    "Remove and return members with scores in a sorted set or "
                                    "block until one is available",
                                    kMPopComplexity)
                              .Coordinator(BZMPop)
                              .Build(),
                          BZMPopKeys));
}

}  // namespace tessera::commands
