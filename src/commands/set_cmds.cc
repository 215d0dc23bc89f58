// The set family: SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS, SPOP, SRANDMEMBER, SSCAN,
// SMOVE and the set algebra (SINTER, SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE, SDIFF,
// SDIFFSTORE), with Redis 7.0.15's argument rules, reply shapes and error texts.
//
// Single-key commands are on_shard and call storage/set_ops.h. SMOVE and the algebra name
// several keys: they run on the coordinator with their keys locked (LockScope::kKeys), so they
// are atomic across shards. When every key lives on one shard the whole command is one step
// there, working on the stored sets directly. Otherwise each shard clones its input sets, the
// coordinator computes, and a last step stores the result on the destination's shard.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/commands/arg_parse.h"
#include "src/commands/multikey.h"
#include "src/commands/register.h"
#include "src/commands/spec_builder.h"
#include "src/engine/command_call.h"
#include "src/engine/op_context.h"
#include "storage/db_table.h"
#include "storage/errors.h"
#include "storage/op_status.h"
#include "storage/set_ops.h"

namespace tessera::commands {
namespace {

using engine::CommandCall;
using engine::OpContext;
using engine::ShardId;
using protocol::CommandArgs;
using protocol::ReplyBuilder;
using storage::OpStatus;
using storage::SetValue;

std::vector<std::string_view> ArgsFrom(const CommandArgs& args, size_t first, size_t end) {
  std::vector<std::string_view> out;
  out.reserve(end > first ? end - first : 0);
  for (size_t i = first; i < end; ++i) out.push_back(args[i]);
  return out;
}

std::vector<std::string_view> ArgsFrom(const CommandArgs& args, size_t first) {
  return ArgsFrom(args, first, args.size());
}

// A set reply: RESP3 set, RESP2 array.
void ReplyMembers(const std::vector<std::string>& members, ReplyBuilder& reply) {
  reply.Set(members.size());
  for (const std::string& m : members) reply.Bulk(m);
}

void ReplyArray(const std::vector<std::string>& members, ReplyBuilder& reply) {
  reply.Array(members.size());
  for (const std::string& m : members) reply.Bulk(m);
}

// ---- Single-key commands.

void SAdd(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::OpResult<int64_t> r =
      storage::OpSAdd(ctx.db(), args[1], ArgsFrom(args, 2), ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.value);
}

void SRem(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::OpResult<int64_t> r =
      storage::OpSRem(ctx.db(), args[1], ArgsFrom(args, 2), ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.value);
}

void SCard(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::OpResult<int64_t> r = storage::OpSCard(ctx.db(), args[1], ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.value);
}

void SIsMember(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  std::vector<bool> flags;
  OpStatus status = storage::OpSMIsMember(ctx.db(), args[1], {args[2]}, ctx.now_ms(), &flags);
  if (ReplyIfError(status, reply)) return;
  reply.Integer(flags[0] ? 1 : 0);
}

void SMIsMember(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  std::vector<bool> flags;
  OpStatus status =
      storage::OpSMIsMember(ctx.db(), args[1], ArgsFrom(args, 2), ctx.now_ms(), &flags);
  if (ReplyIfError(status, reply)) return;
  reply.Array(flags.size());
  for (bool f : flags) reply.Integer(f ? 1 : 0);
}

void SMembers(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  std::vector<std::string> members;
  OpStatus status = storage::OpSMembers(ctx.db(), args[1], ctx.now_ms(), &members);
  if (ReplyIfError(status, reply)) return;
  ReplyMembers(members, reply);
}

void SPop(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  if (args.size() > 3) {
    reply.Error(kErrSyntax);
    return;
  }
  if (args.size() == 3) {
    int64_t count;
    // getPositiveLongFromObjectOrReply: one text for a non-integer and a negative count.
    if (!NonNegativeOrReply(args[2], reply, &count, kErrNotPositive)) return;
    std::vector<std::string> members;
    OpStatus status = storage::OpSPopCount(ctx.db(), args[1], static_cast<uint64_t>(count),
                                           ctx.now_ms(), storage::ThreadRng(), &members);
    if (ReplyIfError(status, reply)) return;
    ReplyMembers(members, reply);
    return;
  }
  auto r = storage::OpSPop(ctx.db(), args[1], ctx.now_ms(), storage::ThreadRng());
  if (ReplyIfError(r.status, reply)) return;
  if (r.value.has_value()) {
    reply.Bulk(*r.value);
  } else {
    reply.Null();
  }
}

void SRandMember(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  if (args.size() > 3) {
    reply.Error(kErrSyntax);
    return;
  }
  if (args.size() == 3) {
    int64_t count;
    if (!RangeOrReply(args[2], -INT64_MAX, INT64_MAX, reply, &count)) return;
    std::vector<std::string> members;
    OpStatus status = storage::OpSRandMemberCount(ctx.db(), args[1], count, ctx.now_ms(),
                                                  storage::ThreadRng(), &members);
    if (ReplyIfError(status, reply)) return;
    ReplyArray(members, reply);
    return;
  }
  auto r = storage::OpSRandMember(ctx.db(), args[1], ctx.now_ms(), storage::ThreadRng());
  if (ReplyIfError(r.status, reply)) return;
  if (r.value.has_value()) {
    reply.Bulk(*r.value);
  } else {
    reply.Null();
  }
}

void SScan(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  uint64_t cursor;
  ScanOptions options;
  if (!CollectionScanStartOrReply(ctx.db(), args, storage::ValueType::kSet, ctx.now_ms(), reply,
                                  &cursor, &options)) {
    return;
  }
  std::vector<std::string> members;
  storage::OpResult<uint64_t> r =
      storage::OpSScan(ctx.db(), args[1], cursor, static_cast<size_t>(options.count),
                       options.pattern, ctx.now_ms(), &members);
  if (ReplyIfError(r.status, reply)) return;
  reply.Array(2);
  reply.Bulk(std::to_string(r.value));
  ReplyArray(members, reply);
}

// ---- SMOVE.

void ReplySMove(OpStatus status, bool moved, ReplyBuilder& reply) {
  if (ReplyIfError(status, reply)) return;
  reply.Integer(status == OpStatus::kOk && moved ? 1 : 0);
}

// Three steps with both keys locked: the destination's type, then the source (which decides a
// missing source answers 0 before a wrong destination type is reported), then the insert.
void SMoveCrossShard(CommandCall& call, ShardId src_shard, ShardId dst_shard) {
  struct State {
    bool dst_wrong_type = false;
    storage::OpResult<bool> taken;
  };
  auto state = std::make_shared<State>();
  const CommandArgs* args = &call.args();
  call.RunOnShard(
      dst_shard,
      [state, args](OpContext& ctx) {
        state->dst_wrong_type =
            storage::OpSetTypeCheck(ctx.db(), (*args)[2], ctx.now_ms()) == OpStatus::kWrongType;
      },
      [state, args, src_shard, dst_shard](CommandCall& call) {
        call.RunOnShard(
            src_shard,
            [state, args](OpContext& ctx) {
              state->taken = storage::OpSMoveTake(ctx.db(), (*args)[1], (*args)[3],
                                                  state->dst_wrong_type, ctx.now_ms());
            },
            [state, args, dst_shard](CommandCall& call) {
              if (state->taken.status != OpStatus::kOk || !state->taken.value) {
                ReplySMove(state->taken.status, false, call.reply());
                return;
              }
              call.RunOnShard(
                  dst_shard,
                  [args](OpContext& ctx) {
                    storage::OpSAdd(ctx.db(), (*args)[2], {(*args)[3]}, ctx.now_ms());
                  },
                  [](CommandCall& call) { call.reply().Integer(1); });
            });
      });
}

void SMove(CommandCall& call) {
  const CommandArgs* args = &call.args();
  const ShardId src_shard = call.ShardOf((*args)[1]);
  const ShardId dst_shard = call.ShardOf((*args)[2]);
  if (src_shard != dst_shard) {
    SMoveCrossShard(call, src_shard, dst_shard);
    return;
  }
  auto result = std::make_shared<storage::OpResult<bool>>();
  call.RunOnShard(
      src_shard,
      [result, args](OpContext& ctx) {
        *result = storage::OpSMove(ctx.db(), (*args)[1], (*args)[2], (*args)[3], ctx.now_ms());
      },
      [result](CommandCall& call) { ReplySMove(result->status, result->value, call.reply()); });
}

// ---- Set algebra.

enum class Algebra : uint8_t { kInter, kUnion, kDiff };

struct AlgebraRequest {
  Algebra op = Algebra::kInter;
  bool store = false;      // *STORE: args[1] is the destination
  bool card_only = false;  // SINTERCARD
  int64_t limit = 0;       // SINTERCARD LIMIT (0: none)
  size_t first_input = 1;  // argument positions of the input keys: [first_input, end_input)
  size_t end_input = 0;
};

const char* StoreEvent(Algebra op) {
  switch (op) {
    case Algebra::kInter:
      return "sinterstore";
    case Algebra::kUnion:
      return "sunionstore";
    case Algebra::kDiff:
      return "sdiffstore";
  }
  return "";
}

std::unique_ptr<SetValue> Compute(Algebra op, const std::vector<const SetValue*>& sets) {
  switch (op) {
    case Algebra::kInter:
      return storage::ComputeInter(sets);
    case Algebra::kUnion:
      return storage::ComputeUnion(sets);
    case Algebra::kDiff:
      return storage::ComputeDiff(sets);
  }
  return nullptr;
}

// What the computation produced, for the reply.
struct AlgebraResult {
  bool wrong_type = false;
  int64_t number = 0;                // STORE: the stored size; SINTERCARD: the cardinality
  std::vector<std::string> members;  // plain SINTER / SUNION / SDIFF
};

// Computes over resolved inputs and stores or collects the result. `db` is the destination's
// table (store only, on the destination's shard).
void Finish(const AlgebraRequest& req, const std::vector<const SetValue*>& sets,
            storage::DbTable* db, std::string_view dst, int64_t now_ms, AlgebraResult* out) {
  if (req.card_only) {
    out->number = storage::ComputeInterCard(sets, req.limit);
    return;
  }
  std::unique_ptr<SetValue> result = Compute(req.op, sets);
  if (req.store) {
    out->number = storage::OpStoreSet(*db, dst, std::move(result), StoreEvent(req.op), now_ms);
  } else {
    out->members = result->Members();
  }
}

void ReplyAlgebra(const AlgebraRequest& req, const AlgebraResult& result, ReplyBuilder& reply) {
  if (result.wrong_type) {
    reply.Error(storage::kErrWrongType);
  } else if (req.store || req.card_only) {
    reply.Integer(result.number);
  } else {
    ReplyMembers(result.members, reply);
  }
}

// Every key on one shard: one step that works on the stored sets in place.
void AlgebraOnOneShard(CommandCall& call, const AlgebraRequest& req, ShardId shard) {
  auto result = std::make_shared<AlgebraResult>();
  const CommandArgs* args = &call.args();
  call.RunOnShard(
      shard,
      [result, args, req](OpContext& ctx) {
        std::vector<const SetValue*> sets;
        for (size_t pos = req.first_input; pos < req.end_input; ++pos) {
          const SetValue* set = nullptr;
          if (storage::OpFindSet(ctx.db(), (*args)[pos], /*for_store=*/false, ctx.now_ms(), &set) ==
              OpStatus::kWrongType) {
            result->wrong_type = true;
            return;
          }
          sets.push_back(set);
        }
        Finish(req, sets, &ctx.db(), req.store ? (*args)[1] : std::string_view(), ctx.now_ms(),
               result.get());
      },
      [result, req](CommandCall& call) { ReplyAlgebra(req, *result, call.reply()); });
}

// Keys on several shards: clone the inputs where they live, compute here, store on the
// destination's shard.
void AlgebraAcrossShards(CommandCall& call, const AlgebraRequest& req) {
  struct Operand {
    std::unique_ptr<SetValue> set;
    bool wrong_type = false;
  };
  auto operands = PerArg<Operand>(call);
  const CommandArgs* args = &call.args();
  auto by_shard = std::make_shared<std::vector<std::vector<uint32_t>>>(call.shard_count());
  std::vector<ShardId> shards;
  for (size_t pos = req.first_input; pos < req.end_input; ++pos) {
    std::vector<uint32_t>& mine = (*by_shard)[call.ShardOf((*args)[pos])];
    if (mine.empty()) shards.push_back(call.ShardOf((*args)[pos]));
    mine.push_back(static_cast<uint32_t>(pos));
  }
  call.RunOnShards(
      std::move(shards),
      [operands, by_shard, args, req](OpContext& ctx) {
        // Redis 7.0.15 reads every source with lookupKeyRead, STORE forms included: a missing
        // source counts a keyspace miss and publishes "keymiss".
        for (uint32_t pos : (*by_shard)[ctx.shard_id()]) {
          Operand& op = (*operands)[pos];
          op.wrong_type = storage::CloneSetForRead(ctx.db(), (*args)[pos], /*for_store=*/false,
                                                   ctx.now_ms(), &op.set) == OpStatus::kWrongType;
        }
      },
      [operands, args, req](CommandCall& call) {
        auto result = std::make_shared<AlgebraResult>();
        std::vector<const SetValue*> sets;
        for (size_t pos = req.first_input; pos < req.end_input; ++pos) {
          const Operand& op = (*operands)[pos];
          if (op.wrong_type) {
            result->wrong_type = true;
            ReplyAlgebra(req, *result, call.reply());
            return;
          }
          sets.push_back(op.set.get());
        }
        if (!req.store) {
          Finish(req, sets, nullptr, {}, call.now_ms(), result.get());
          ReplyAlgebra(req, *result, call.reply());
          return;
        }
        auto computed = std::make_shared<std::unique_ptr<SetValue>>(Compute(req.op, sets));
        call.RunOnShard(
            call.ShardOf((*args)[1]),
            [computed, result, args, req](OpContext& ctx) {
              result->number = storage::OpStoreSet(ctx.db(), (*args)[1], std::move(*computed),
                                                   StoreEvent(req.op), ctx.now_ms());
            },
            [result, req](CommandCall& call) { ReplyAlgebra(req, *result, call.reply()); });
      });
}

void RunAlgebra(CommandCall& call, const AlgebraRequest& req) {
  const CommandArgs& args = call.args();
  const ShardId first = call.ShardOf(args[req.store ? 1 : req.first_input]);
  bool one_shard = true;
  for (size_t pos = req.first_input; pos < req.end_input; ++pos) {
    one_shard = one_shard && call.ShardOf(args[pos]) == first;
  }
  if (one_shard) {
    AlgebraOnOneShard(call, req, first);
  } else {
    AlgebraAcrossShards(call, req);
  }
}

void AlgebraCommand(CommandCall& call, Algebra op, bool store) {
  AlgebraRequest req;
  req.op = op;
  req.store = store;
  req.first_input = store ? 2 : 1;
  req.end_input = call.args().size();
  RunAlgebra(call, req);
}

void SInter(CommandCall& call) { AlgebraCommand(call, Algebra::kInter, false); }
void SInterStore(CommandCall& call) { AlgebraCommand(call, Algebra::kInter, true); }
void SUnion(CommandCall& call) { AlgebraCommand(call, Algebra::kUnion, false); }
void SUnionStore(CommandCall& call) { AlgebraCommand(call, Algebra::kUnion, true); }
void SDiff(CommandCall& call) { AlgebraCommand(call, Algebra::kDiff, false); }
void SDiffStore(CommandCall& call) { AlgebraCommand(call, Algebra::kDiff, true); }

// SINTERCARD numkeys key [key ...] [LIMIT limit]: the keys as its key spec finds them, none if
// numkeys is invalid (the handler then replies the error).
std::vector<uint32_t> SInterCardKeys(const CommandArgs& args) {
  int64_t numkeys;
  if (args.size() < 3 || !ParseInt64(args[1], &numkeys) || numkeys < 1 ||
      numkeys > static_cast<int64_t>(args.size()) - 2) {
    return {};
  }
  std::vector<uint32_t> out;
  for (int64_t i = 0; i < numkeys; ++i) out.push_back(static_cast<uint32_t>(2 + i));
  return out;
}

void SInterCard(CommandCall& call) {
  const CommandArgs& args = call.args();
  ReplyBuilder& reply = call.reply();
  int64_t numkeys;
  if (!RangeOrReply(args[1], 1, INT64_MAX, reply, &numkeys,
                    "ERR numkeys should be greater than 0")) {
    return;
  }
  if (numkeys > static_cast<int64_t>(args.size()) - 2) {
    reply.Error("ERR Number of keys can't be greater than number of args");
    return;
  }
  AlgebraRequest req;
  req.card_only = true;
  req.first_input = 2;
  req.end_input = 2 + static_cast<size_t>(numkeys);
  for (size_t j = req.end_input; j < args.size(); ++j) {
    if (EqualsIgnoreCase(args[j], "limit") && j + 1 < args.size()) {
      if (!NonNegativeOrReply(args[++j], reply, &req.limit, "ERR LIMIT can't be negative")) {
        return;
      }
    } else {
      reply.Error(kErrSyntax);
      return;
    }
  }
  RunAlgebra(call, req);
}

}  // namespace

// Metadata: Redis 7.0.15's COMMAND INFO / COMMAND DOCS, verbatim.
void RegisterSetCommands(engine::CommandRegistry& registry) {
  registry.Add(SpecBuilder("sadd", -3)
                   .Flags("write denyoom fast")
                   .Acl("@write @set @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW insert", 1, 0)})
                   .Docs("set", "1.0.0", "Add one or more members to a set",
                         "O(1) for each element added, so O(N) to add N elements when the "
                         "command is called with multiple arguments.")
                   .Shard(SAdd)
                   .Build());
  registry.Add(SpecBuilder("srem", -3)
                   .Flags("write fast")
                   .Acl("@write @set @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW delete", 1, 0)})
                   .Docs("set", "1.0.0", "Remove one or more members from a set",
                         "O(N) where N is the number of members to be removed.")
                   .Shard(SRem)
                   .Build());
  registry.Add(SpecBuilder("scard", 2)
                   .Flags("readonly fast")
                   .Acl("@read @set @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO", 1, 0)})
                   .Docs("set", "1.0.0", "Get the number of members in a set", "O(1)")
                   .Shard(SCard)
                   .Build());
  registry.Add(SpecBuilder("sismember", 3)
                   .Flags("readonly fast")
                   .Acl("@read @set @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO", 1, 0)})
                   .Docs("set", "1.0.0", "Determine if a given value is a member of a set", "O(1)")
                   .Shard(SIsMember)
                   .Build());
  registry.Add(SpecBuilder("smismember", -3)
                   .Flags("readonly fast")
                   .Acl("@read @set @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Docs("set", "6.2.0",
                         "Returns the membership associated with the given elements for a set",
                         "O(N) where N is the number of elements being checked for membership")
                   .Shard(SMIsMember)
                   .Build());
  registry.Add(SpecBuilder("smembers", 2)
                   .Flags("readonly")
                   .Acl("@read @set @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Tips("nondeterministic_output_order")
                   .Docs("set", "1.0.0", "Get all the members in a set",
                         "O(N) where N is the set cardinality.")
                   .Shard(SMembers)
                   .Build());
  registry.Add(SpecBuilder("spop", -2)
                   .Flags("write fast")
                   .Acl("@write @set @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW access delete", 1, 0)})
                   .Tips("nondeterministic_output")
                   .Docs("set", "1.0.0",
                         "Remove and return one or multiple random members from a set",
                         "Without the count argument O(1), otherwise O(N) where N is the value of "
                         "the passed count.")
                   .Shard(SPop)
                   .Build());
  registry.Add(SpecBuilder("srandmember", -2)
                   .Flags("readonly")
                   .Acl("@read @set @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Tips("nondeterministic_output")
                   .Docs("set", "1.0.0", "Get one or multiple random members from a set",
                         "Without the count argument O(1), otherwise O(N) where N is the absolute "
                         "value of the passed count.")
                   .Shard(SRandMember)
                   .Build());
  registry.Add(SpecBuilder("sscan", -3)
                   .Flags("readonly")
                   .Acl("@read @set @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Tips("nondeterministic_output")
                   .Docs("set", "2.8.0", "Incrementally iterate Set elements",
                         "O(1) for every call. O(N) for a complete iteration, including enough "
                         "command calls for the cursor to return back to 0. N is the number of "
                         "elements inside the collection..")
                   .Shard(SScan)
                   .Build());
  registry.Add(SpecBuilder("smove", 4)
                   .Flags("write fast")
                   .Acl("@write @set @fast")
                   .Keys(1, 2, 1)
                   .KeySpecs({RangeKeys("RW access delete", 1, 0), RangeKeys("RW insert", 2, 0)})
                   .Docs("set", "1.0.0", "Move a member from one set to another", "O(1)")
                   .Coordinator(SMove)
                   .Build());

  constexpr std::string_view kInterComplexity =
      "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
      "sets.";
  constexpr std::string_view kUnionComplexity =
      "O(N) where N is the total number of elements in all given sets.";
  struct Read {
    std::string_view name;
    std::string_view summary;
    std::string_view complexity;
    void (*fn)(CommandCall&);
  };
  const Read kReads[] = {
      {"sinter", "Intersect multiple sets", kInterComplexity, SInter},
      {"sunion", "Add multiple sets", kUnionComplexity, SUnion},
      {"sdiff", "Subtract multiple sets", kUnionComplexity, SDiff},
  };
  for (const Read& r : kReads) {
    registry.Add(SpecBuilder(r.name, -2)
                     .Flags("readonly")
                     .Acl("@read @set @slow")
                     .Keys(1, -1, 1)
                     .KeySpecs({RangeKeys("RO access", 1, -1)})
                     .Tips("nondeterministic_output_order")
                     .Docs("set", "1.0.0", r.summary, r.complexity)
                     .Coordinator(r.fn)
                     .Build());
  }
  struct Store {
    std::string_view name;
    std::string_view dst_flags;
    std::string_view summary;
    std::string_view complexity;
    void (*fn)(CommandCall&);
  };
  const Store kStores[] = {
      {"sinterstore", "RW update", "Intersect multiple sets and store the resulting set in a key",
       kInterComplexity, SInterStore},
      {"sunionstore", "OW update", "Add multiple sets and store the resulting set in a key",
       kUnionComplexity, SUnionStore},
      {"sdiffstore", "OW update", "Subtract multiple sets and store the resulting set in a key",
       kUnionComplexity, SDiffStore},
  };
  for (const Store& s : kStores) {
    registry.Add(SpecBuilder(s.name, -3)
                     .Flags("write denyoom")
                     .Acl("@write @set @slow")
                     .Keys(1, -1, 1)
                     .KeySpecs({RangeKeys(s.dst_flags, 1, 0), RangeKeys("RO access", 2, -1)})
                     .Docs("set", "1.0.0", s.summary, s.complexity)
                     .Coordinator(s.fn)
                     .Build());
  }
  engine::CommandSpec sintercard =
      SpecBuilder("sintercard", -3)
          .Flags("readonly")
          .Acl("@read @set @slow")
          .Keys(0, 0, 0)
          .KeySpecs({KeynumKeys("RO access", 1, 0, 1, 1)})
          .Docs("set", "7.0.0", "Intersect multiple sets and return the cardinality of the result",
                kInterComplexity)
          .Coordinator(SInterCard)
          .Build();
  sintercard.keys_fn = SInterCardKeys;
  registry.Add(std::move(sintercard));
}

}  // namespace tessera::commands
