// The sorted-set family, part 3: the set algebra over several keys — ZUNION, ZINTER, ZDIFF,
// their STORE forms and ZINTERCARD. Pops (ZPOPMIN ... BZMPOP) are in zset_pop_cmds.cc.
//
// Multi-key commands run on the coordinator with their keys locked (lock_scope kKeys, keys from
// keys_fn for the numkeys forms). They follow Redis's order of checks: numkeys, then every input
// key is read (WRONGTYPE wins over a bad option, as in zunionInterDiffGenericCommand), then the
// options, then the algebra runs on the coordinator over copies of the inputs, and a final step
// writes the destination on its shard. With every key on one shard the engine ships the whole
// command there and the steps run inline.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/commands/arg_parse.h"
#include "src/commands/spec_builder.h"
#include "src/commands/zset_reply.h"
#include "src/engine/command_call.h"
#include "src/engine/op_context.h"
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
using storage::ZInput;

// ---- Key positions of the numkeys forms (routing, locks, COMMAND GETKEYS).

// ZUNION/ZINTER/ZDIFF/ZINTERCARD numkeys key...
std::vector<uint32_t> AlgebraKeys(const CommandArgs& args) { return NumKeysPositions(args, 1, 2); }

// Z*STORE destination numkeys key...: the destination, then the inputs.
std::vector<uint32_t> StoreKeys(const CommandArgs& args) {
  std::vector<uint32_t> inputs = NumKeysPositions(args, 2, 3);
  if (inputs.empty()) return inputs;
  inputs.insert(inputs.begin(), 1);
  return inputs;
}

// ---- Reading inputs on their shards.

// The inputs at `positions`, read on their shards into per-position slots (a position belongs
// to exactly one shard, so each step writes only its own slots), then `then`.
struct Inputs {
  std::vector<uint32_t> positions;
  std::vector<ZInput> values;      // by index into positions
  std::vector<OpStatus> statuses;  // by index into positions
};

void ReadInputs(CommandCall& call, std::shared_ptr<Inputs> in, CommandCall::Continuation then) {
  in->values.resize(in->positions.size());
  in->statuses.assign(in->positions.size(), OpStatus::kOk);
  std::vector<ShardId> shards;
  for (uint32_t pos : in->positions) {
    const ShardId s = call.ShardOf(call.args()[pos]);
    if (std::find(shards.begin(), shards.end(), s) == shards.end()) shards.push_back(s);
  }
  const CommandArgs* args = &call.args();
  call.RunOnShards(
      std::move(shards),
      [in, args](OpContext& ctx) {
        for (size_t i = 0; i < in->positions.size(); ++i) {
          std::string_view key = (*args)[in->positions[i]];
          if (engine::KeyToShard(key, ctx.shard_count()) != ctx.shard_id()) continue;
          in->statuses[i] = storage::OpZReadInput(ctx.db(), key, ctx.now_ms(), &in->values[i]);
        }
      },
      std::move(then));
}

// ---- ZUNION, ZINTER, ZDIFF, *STORE, ZINTERCARD.

enum class SetOp : uint8_t { kUnion, kInter, kDiff };

struct AlgebraCommand {
  SetOp op;
  bool store;             // destination at argv[1], numkeys at argv[2]
  bool cardinality_only;  // ZINTERCARD
};

struct AlgebraOptions {
  std::vector<double> weights;
  storage::ZAggregate aggregate = storage::ZAggregate::kSum;
  bool with_scores = false;
  int64_t limit = 0;
};

// The option loop of zunionInterDiffGenericCommand, from argument `j`.
bool ParseAlgebraOptionsOrReply(const CommandArgs& args, size_t j, size_t numkeys,
                                const AlgebraCommand& cmd, ReplyBuilder& reply,
                                AlgebraOptions* out) {
  out->weights.assign(numkeys, 1.0);
  const bool weighted = cmd.op != SetOp::kDiff && !cmd.cardinality_only;
  while (j < args.size()) {
    const size_t remaining = args.size() - j;
    std::string_view opt = args[j];
    if (weighted && remaining >= numkeys + 1 && EqualsIgnoreCase(opt, "weights")) {
      ++j;
      for (size_t i = 0; i < numkeys; ++i, ++j) {
        if (!DoubleOrReply(args[j], reply, &out->weights[i], "ERR weight value is not a float")) {
          return false;
        }
      }
    } else if (weighted && remaining >= 2 && EqualsIgnoreCase(opt, "aggregate")) {
      std::string_view how = args[j + 1];
      if (EqualsIgnoreCase(how, "sum")) {
        out->aggregate = storage::ZAggregate::kSum;
      } else if (EqualsIgnoreCase(how, "min")) {
        out->aggregate = storage::ZAggregate::kMin;
      } else if (EqualsIgnoreCase(how, "max")) {
        out->aggregate = storage::ZAggregate::kMax;
      } else {
        reply.Error(kErrSyntax);
        return false;
      }
      j += 2;
    } else if (!cmd.store && !cmd.cardinality_only && EqualsIgnoreCase(opt, "withscores")) {
      out->with_scores = true;
      ++j;
    } else if (cmd.cardinality_only && remaining >= 2 && EqualsIgnoreCase(opt, "limit")) {
      if (!NonNegativeOrReply(args[j + 1], reply, &out->limit, "ERR LIMIT can't be negative")) {
        return false;
      }
      j += 2;
    } else {
      reply.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

void AlgebraGeneric(CommandCall& call, AlgebraCommand cmd) {
  const CommandArgs& args = call.args();
  ReplyBuilder& reply = call.reply();
  const size_t numkeys_pos = cmd.store ? 2 : 1;
  int64_t numkeys;
  if (!Int64OrReply(args[numkeys_pos], reply, &numkeys)) return;
  if (numkeys < 1) {
    reply.Error("ERR at least 1 input key is needed for '" + call.spec().name + "' command");
    return;
  }
  if (static_cast<uint64_t>(numkeys) > args.size() - numkeys_pos - 1) {
    reply.Error(kErrSyntax);
    return;
  }
  auto in = std::make_shared<Inputs>();
  for (int64_t i = 0; i < numkeys; ++i) {
    in->positions.push_back(static_cast<uint32_t>(numkeys_pos + 1 + i));
  }
  ReadInputs(call, in, [in, cmd](CommandCall& call) {
    for (OpStatus s : in->statuses) {
      if (ReplyIfZSetError(s, call.reply())) return;
    }
    AlgebraOptions options;
    const size_t numkeys = in->positions.size();
    if (!ParseAlgebraOptionsOrReply(call.args(), in->positions.back() + 1, numkeys, cmd,
                                    call.reply(), &options)) {
      return;
    }
    std::vector<const ZInput*> inputs;
    for (const ZInput& v : in->values) inputs.push_back(&v);
    if (cmd.cardinality_only) {
      call.reply().Integer(storage::ZInterCard(inputs, options.limit));
      return;
    }
    auto result = std::make_shared<std::vector<ScoredMember>>();
    switch (cmd.op) {
      case SetOp::kUnion:
        *result = storage::ZUnion(inputs, options.weights, options.aggregate);
        break;
      case SetOp::kInter:
        *result = storage::ZInter(inputs, options.weights, options.aggregate);
        break;
      case SetOp::kDiff:
        *result = storage::ZDiff(inputs);
        break;
    }
    if (!cmd.store) {
      ReplyScoredMembers(call.reply(), *result, options.with_scores);
      return;
    }
    const char* event = cmd.op == SetOp::kUnion   ? "zunionstore"
                        : cmd.op == SetOp::kInter ? "zinterstore"
                                                  : "zdiffstore";
    auto stored = std::make_shared<int64_t>(0);
    const CommandArgs* args = &call.args();
    call.RunOnShard(
        call.ShardOf((*args)[1]),
        [result, stored, args, event](OpContext& ctx) {
          *stored = storage::OpZStore(ctx.db(), (*args)[1], *result, event, ctx.now_ms());
        },
        [stored](CommandCall& call) { call.reply().Integer(*stored); });
  });
}

engine::CommandSpec WithKeysFn(engine::CommandSpec spec, engine::KeysFn fn) {
  spec.keys_fn = fn;
  return spec;
}

}  // namespace

// Metadata: Redis 7.0.15's COMMAND INFO / COMMAND DOCS, verbatim.
void RegisterZSetStoreCommands(engine::CommandRegistry& registry) {
  struct Algebra {
    std::string_view name;
    std::string_view since;
    std::string_view summary;
    std::string_view complexity;
    AlgebraCommand cmd;
  };
  constexpr std::string_view kUnionComplexity =
      "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being "
      "the number of elements in the resulting sorted set.";
  constexpr std::string_view kInterComplexity =
      "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the "
      "number of input sorted sets and M being the number of elements in the resulting sorted "
      "set.";
  constexpr std::string_view kDiffComplexity =
      "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N "
      "is the size of the first set, and K is the size of the result set.";
  const Algebra kReads[] = {
      {"zunion",
       "6.2.0",
       "Add multiple sorted sets",
       kUnionComplexity,
       {SetOp::kUnion, false, false}},
      {"zinter",
       "6.2.0",
       "Intersect multiple sorted sets",
       kInterComplexity,
       {SetOp::kInter, false, false}},
      {"zintercard",
       "7.0.0",
       "Intersect multiple sorted sets and return the cardinality of the result",
       "O(N*K) worst case with N being the smallest input sorted set, K being the number of "
       "input sorted sets.",
       {SetOp::kInter, false, true}},
      {"zdiff",
       "6.2.0",
       "Subtract multiple sorted sets",
       kDiffComplexity,
       {SetOp::kDiff, false, false}},
  };
  for (const Algebra& c : kReads) {
    const AlgebraCommand cmd = c.cmd;
    registry.Add(
        WithKeysFn(SpecBuilder(c.name, -3)
                       .Flags("readonly movablekeys")
                       .Acl("@read @sortedset @slow")
                       .KeySpecs({KeynumKeys("RO access", 1, 0, 1, 1)})
                       .Docs("sorted-set", c.since, c.summary, c.complexity)
                       .Coordinator([cmd](CommandCall& call) { AlgebraGeneric(call, cmd); })
                       .Build(),
                   AlgebraKeys));
  }
  const Algebra kStores[] = {
      {"zunionstore",
       "2.0.0",
       "Add multiple sorted sets and store the resulting sorted set in a new key",
       "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being "
       "the number of elements in the resulting sorted set.",
       {SetOp::kUnion, true, false}},
      {"zinterstore",
       "2.0.0",
       "Intersect multiple sorted sets and store the resulting sorted set in a new key",
       kInterComplexity,
       {SetOp::kInter, true, false}},
      {"zdiffstore",
       "6.2.0",
       "Subtract multiple sorted sets and store the resulting sorted set in a new key",
       kDiffComplexity,
       {SetOp::kDiff, true, false}},
  };
  for (const Algebra& c : kStores) {
    const AlgebraCommand cmd = c.cmd;
    registry.Add(WithKeysFn(
        SpecBuilder(c.name, -4)
            .Flags("write denyoom movablekeys")
            .Acl("@write @sortedset @slow")
            .Keys(1, 1, 1)
            .KeySpecs({RangeKeys("OW update", 1, 0), KeynumKeys("RO access", 2, 0, 1, 1)})
            .Docs("sorted-set", c.since, c.summary, c.complexity)
            .Coordinator([cmd](CommandCall& call) { AlgebraGeneric(call, cmd); })
            .Build(),
        StoreKeys));
  }
}

}  // namespace tessera::commands
