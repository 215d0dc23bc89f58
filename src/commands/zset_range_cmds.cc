// The sorted-set family, part 2: ranges — ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES),
// ZRANGESTORE, ZREVRANGE, Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX and ZREMRANGEBYRANK/SCORE/LEX.
//
// Every range command goes through one parser, Redis's zrangeGenericCommand: the options after
// <key> <min> <max> first, then their conflicts, then the range itself, then the key. The older
// commands are the same parser with the range type and direction fixed, which is why, e.g.,
// ZREVRANGE ... LIMIT fails with the "LIMIT is only supported ..." error rather than a plain
// syntax error.
//
// ZRANGESTORE names two keys that may live on different shards: it reads the range on the
// source's shard, then stores it on the destination's (one shard: both steps run there in one
// hop; otherwise the engine's key locks keep the pair atomic).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "src/commands/arg_parse.h"
#include "src/commands/spec_builder.h"
#include "src/commands/zset_reply.h"
#include "src/engine/command_call.h"
#include "src/engine/op_context.h"
#include "storage/db_table.h"
#include "storage/score.h"
#include "storage/zset_ops.h"

namespace tessera::commands {
namespace {

using engine::CommandCall;
using engine::OpContext;
using protocol::CommandArgs;
using protocol::ReplyBuilder;
using storage::OpStatus;
using storage::ZRangeSpec;

enum class RangeType : uint8_t { kAuto, kRank, kScore, kLex };
enum class Direction : uint8_t { kAuto, kForward, kReverse };

// zrangeGenericCommand's parsing. `first` is the position of the source key (2 for
// ZRANGESTORE); `store` forbids WITHSCORES. On failure the error is already replied.
bool ParseRangeOrReply(const CommandArgs& args, size_t first, bool store, RangeType type,
                       Direction direction, ReplyBuilder& reply, ZRangeSpec* spec,
                       bool* with_scores) {
  *with_scores = false;
  bool has_limit = false;
  for (size_t j = first + 3; j < args.size(); ++j) {
    std::string_view opt = args[j];
    const size_t left = args.size() - j - 1;
    if (!store && EqualsIgnoreCase(opt, "withscores")) {
      *with_scores = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      if (!Int64OrReply(args[j + 1], reply, &spec->offset) ||
          !Int64OrReply(args[j + 2], reply, &spec->limit)) {
        return false;
      }
      has_limit = true;
      j += 2;
    } else if (direction == Direction::kAuto && EqualsIgnoreCase(opt, "rev")) {
      direction = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "byscore")) {
      type = RangeType::kScore;
    } else {
      reply.Error(kErrSyntax);
      return false;
    }
  }
  if (direction == Direction::kAuto) direction = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  // Redis tests "limit != -1", so an explicit "LIMIT 0 -1" passes with a rank range.
  if (has_limit && spec->limit != -1 && type == RangeType::kRank) {
    reply.Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return false;
  }
  if (*with_scores && type == RangeType::kLex) {
    reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return false;
  }
  spec->reverse = direction == Direction::kReverse;
  size_t min_pos = first + 1;
  size_t max_pos = first + 2;
  // Reversed score and lex ranges are written max first.
  if (spec->reverse && type != RangeType::kRank) std::swap(min_pos, max_pos);
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank:
      spec->by = ZRangeSpec::By::kRank;
      return Int64OrReply(args[min_pos], reply, &spec->start) &&
             Int64OrReply(args[max_pos], reply, &spec->end);
    case RangeType::kScore:
      spec->by = ZRangeSpec::By::kScore;
      if (!storage::ParseScoreRange(args[min_pos], args[max_pos], &spec->score)) {
        reply.Error(storage::kErrMinMaxNotFloat);
        return false;
      }
      return true;
    case RangeType::kLex:
      spec->by = ZRangeSpec::By::kLex;
      if (!storage::ParseLexRange(args[min_pos], args[max_pos], &spec->lex)) {
        reply.Error(storage::kErrMinMaxNotString);
        return false;
      }
      return true;
  }
  return false;
}

void RangeGeneric(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply, RangeType type,
                  Direction direction) {
  ZRangeSpec spec;
  bool with_scores;
  if (!ParseRangeOrReply(args, 1, /*store=*/false, type, direction, reply, &spec, &with_scores)) {
    return;
  }
  std::vector<storage::ScoredMember> out;
  OpStatus status = storage::OpZRange(ctx.db(), args[1], spec, ctx.now_ms(), &out);
  if (ReplyIfZSetError(status, reply)) return;
  ReplyScoredMembers(reply, out, with_scores);
}

void ZRange(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  RangeGeneric(ctx, args, reply, RangeType::kAuto, Direction::kAuto);
}
void ZRevRange(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  RangeGeneric(ctx, args, reply, RangeType::kRank, Direction::kReverse);
}
void ZRangeByScore(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  RangeGeneric(ctx, args, reply, RangeType::kScore, Direction::kForward);
}
void ZRevRangeByScore(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  RangeGeneric(ctx, args, reply, RangeType::kScore, Direction::kReverse);
}
void ZRangeByLex(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  RangeGeneric(ctx, args, reply, RangeType::kLex, Direction::kForward);
}
void ZRevRangeByLex(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  RangeGeneric(ctx, args, reply, RangeType::kLex, Direction::kReverse);
}

// ---- ZRANGESTORE.

struct RangeStoreState {
  ZRangeSpec spec;
  OpStatus status = OpStatus::kOk;
  std::vector<storage::ScoredMember> members;
  int64_t stored = 0;
};

void ZRangeStore(CommandCall& call) {
  auto state = std::make_shared<RangeStoreState>();
  bool with_scores;
  if (!ParseRangeOrReply(call.args(), 2, /*store=*/true, RangeType::kAuto, Direction::kAuto,
                         call.reply(), &state->spec, &with_scores)) {
    return;
  }
  const CommandArgs* args = &call.args();
  call.RunOnShard(
      call.ShardOf((*args)[2]),
      [state, args](OpContext& ctx) {
        state->status =
            storage::OpZRange(ctx.db(), (*args)[2], state->spec, ctx.now_ms(), &state->members);
      },
      [state, args](CommandCall& call) {
        if (ReplyIfZSetError(state->status, call.reply())) return;
        // Z[REV]RANGE emits reversed ranges high to low; the stored set is ordered anyway.
        if (state->spec.reverse) std::reverse(state->members.begin(), state->members.end());
        call.RunOnShard(
            call.ShardOf((*args)[1]),
            [state, args](OpContext& ctx) {
              state->stored = storage::OpZStore(ctx.db(), (*args)[1], state->members, "zrangestore",
                                                ctx.now_ms());
            },
            [state](CommandCall& call) { call.reply().Integer(state->stored); });
      });
}

// ---- ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX.

void ZRemRangeGeneric(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply,
                      ZRangeSpec::By by) {
  ZRangeSpec spec;
  spec.by = by;
  switch (by) {
    case ZRangeSpec::By::kRank:
      if (!Int64OrReply(args[2], reply, &spec.start) || !Int64OrReply(args[3], reply, &spec.end)) {
        return;
      }
      break;
    case ZRangeSpec::By::kScore:
      if (!storage::ParseScoreRange(args[2], args[3], &spec.score)) {
        reply.Error(storage::kErrMinMaxNotFloat);
        return;
      }
      break;
    case ZRangeSpec::By::kLex:
      if (!storage::ParseLexRange(args[2], args[3], &spec.lex)) {
        reply.Error(storage::kErrMinMaxNotString);
        return;
      }
      break;
  }
  auto r = storage::OpZRemRange(ctx.db(), args[1], spec, ctx.now_ms());
  if (ReplyIfZSetError(r.status, reply)) return;
  reply.Integer(r.value);
}

void ZRemRangeByRank(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ZRemRangeGeneric(ctx, args, reply, ZRangeSpec::By::kRank);
}
void ZRemRangeByScore(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ZRemRangeGeneric(ctx, args, reply, ZRangeSpec::By::kScore);
}
void ZRemRangeByLex(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ZRemRangeGeneric(ctx, args, reply, ZRangeSpec::By::kLex);
}

constexpr std::string_view kRangeComplexity =
    "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
    "elements returned.";
constexpr std::string_view kRangeByComplexity =
    "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
    "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
    "with LIMIT), you can consider it O(log(N)).";
constexpr std::string_view kRemRangeComplexity =
    "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
    "elements removed by the operation.";

}  // namespace

// Metadata: Redis 7.0.15's COMMAND INFO / COMMAND DOCS, verbatim.
void RegisterZSetRangeCommands(engine::CommandRegistry& registry) {
  struct ReadRange {
    std::string_view name;
    std::string_view since;
    std::string_view summary;
    std::string_view complexity;
    engine::ShardFn fn;
  };
  const ReadRange kReads[] = {
      {"zrange", "1.2.0", "Return a range of members in a sorted set", kRangeComplexity, ZRange},
      {"zrevrange", "1.2.0",
       "Return a range of members in a sorted set, by index, with scores ordered from high to "
       "low",
       kRangeComplexity, ZRevRange},
      {"zrangebyscore", "1.0.5", "Return a range of members in a sorted set, by score",
       kRangeByComplexity, ZRangeByScore},
      {"zrevrangebyscore", "2.2.0",
       "Return a range of members in a sorted set, by score, with scores ordered from high to "
       "low",
       kRangeByComplexity, ZRevRangeByScore},
      {"zrangebylex", "2.8.9",
       "Return a range of members in a sorted set, by lexicographical range", kRangeByComplexity,
       ZRangeByLex},
      {"zrevrangebylex", "2.8.9",
       "Return a range of members in a sorted set, by lexicographical range, ordered from "
       "higher to lower strings.",
       kRangeByComplexity, ZRevRangeByLex},
  };
  for (const ReadRange& c : kReads) {
    registry.Add(SpecBuilder(c.name, -4)
                     .Flags("readonly")
                     .Acl("@read @sortedset @slow")
                     .Keys(1, 1, 1)
                     .KeySpecs({RangeKeys("RO access", 1, 0)})
                     .Docs("sorted-set", c.since, c.summary, c.complexity)
                     .Shard(c.fn)
                     .Build());
  }
  registry.Add(SpecBuilder("zrangestore", -5)
                   .Flags("write denyoom")
                   .Acl("@write @sortedset @slow")
                   .Keys(1, 2, 1)
                   .KeySpecs({RangeKeys("OW update", 1, 0), RangeKeys("RO access", 2, 0)})
                   .Docs("sorted-set", "6.2.0",
                         "Store a range of members from sorted set into another key",
                         "O(log(N)+M) with N being the number of elements in the sorted set and M "
                         "the number of elements stored into the destination key.")
                   .Coordinator(ZRangeStore)
                   .Build());
  const ReadRange kRemoves[] = {
      {"zremrangebyrank", "2.0.0", "Remove all members in a sorted set within the given indexes",
       kRemRangeComplexity, ZRemRangeByRank},
      {"zremrangebyscore", "1.2.0", "Remove all members in a sorted set within the given scores",
       kRemRangeComplexity, ZRemRangeByScore},
      {"zremrangebylex", "2.8.9",
       "Remove all members in a sorted set between the given lexicographical range",
       kRemRangeComplexity, ZRemRangeByLex},
  };
  for (const ReadRange& c : kRemoves) {
    registry.Add(SpecBuilder(c.name, 4)
                     .Flags("write")
                     .Acl("@write @sortedset @slow")
                     .Keys(1, 1, 1)
                     .KeySpecs({RangeKeys("RW delete", 1, 0)})
                     .Docs("sorted-set", c.since, c.summary, c.complexity)
                     .Shard(c.fn)
                     .Build());
  }
}

}  // namespace tessera::commands
