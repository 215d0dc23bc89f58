// The sorted-set family, part 1: single-key commands that add, remove and read members —
// ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT,
// ZRANDMEMBER and ZSCAN — with Redis 7.0.15's argument rules, reply shapes and error texts.
// Ranges live in zset_range_cmds.cc, the set algebra in zset_store_cmds.cc, pops in
// zset_pop_cmds.cc.
//
// All of these are on_shard: they parse on the owning shard and call storage/zset_ops.h, which
// records the keyspace events. Argument errors are checked before the key is looked up, in
// Redis's order, so WRONGTYPE never hides a syntax error (except ZSCAN, whose options Redis
// parses only after finding the key).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/commands/arg_parse.h"
#include "src/commands/register.h"
#include "src/commands/spec_builder.h"
#include "src/commands/zset_reply.h"
#include "src/engine/op_context.h"
#include "storage/db_table.h"
#include "storage/score.h"
#include "storage/zset_ops.h"

namespace tessera::commands {
namespace {

using engine::OpContext;
using protocol::CommandArgs;
using protocol::ReplyBuilder;
using storage::OpStatus;

// ---- ZADD, ZINCRBY.

// zaddGenericCommand. ZINCRBY goes through the same option loop with INCR set, so
// "ZINCRBY key nx member" reads NX as an option and fails the pair count, as in Redis.
void ZAddGeneric(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply, bool incr) {
  storage::ZAddParams params;
  params.incr = incr;
  size_t score_index = 2;
  for (; score_index < args.size(); ++score_index) {
    std::string_view opt = args[score_index];
    if (EqualsIgnoreCase(opt, "nx")) {
      params.nx = true;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      params.xx = true;
    } else if (EqualsIgnoreCase(opt, "ch")) {
      params.ch = true;
    } else if (EqualsIgnoreCase(opt, "incr")) {
      params.incr = true;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      params.gt = true;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      params.lt = true;
    } else {
      break;
    }
  }
  const size_t remaining = args.size() - score_index;
  if (remaining == 0 || remaining % 2 != 0) {
    reply.Error(kErrSyntax);
    return;
  }
  if (params.nx && params.xx) {
    reply.Error("ERR XX and NX options at the same time are not compatible");
    return;
  }
  if ((params.gt && params.nx) || (params.lt && params.nx) || (params.gt && params.lt)) {
    reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  if (params.incr && remaining > 2) {
    reply.Error("ERR INCR option supports a single increment-element pair");
    return;
  }
  // Every score is parsed before anything is written: the command applies fully or not at all.
  std::vector<storage::ZAddElement> elements(remaining / 2);
  for (size_t j = 0; j < elements.size(); ++j) {
    if (!DoubleOrReply(args[score_index + 2 * j], reply, &elements[j].score)) return;
    elements[j].member = args[score_index + 2 * j + 1];
  }
  storage::ZAddResult r = storage::OpZAdd(ctx.db(), args[1], params, elements, ctx.now_ms());
  if (ReplyIfZSetError(r.status, reply)) return;
  if (r.nan) {
    reply.Error(storage::kErrScoreNaN);
    return;
  }
  if (params.incr) {
    if (r.processed > 0) {
      reply.Double(r.score);
    } else {
      reply.Null();
    }
    return;
  }
  reply.Integer(params.ch ? r.added + r.updated : r.added);
}

void ZAdd(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ZAddGeneric(ctx, args, reply, /*incr=*/false);
}

void ZIncrBy(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ZAddGeneric(ctx, args, reply, /*incr=*/true);
}

// ---- ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK.

std::vector<std::string_view> ArgsFrom(const CommandArgs& args, size_t first) {
  std::vector<std::string_view> out;
  out.reserve(args.size() - first);
  for (size_t j = first; j < args.size(); ++j) out.push_back(args[j]);
  return out;
}

void ZRem(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  auto r = storage::OpZRem(ctx.db(), args[1], ArgsFrom(args, 2), ctx.now_ms());
  if (ReplyIfZSetError(r.status, reply)) return;
  reply.Integer(r.value);
}

void ZCard(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  auto r = storage::OpZCard(ctx.db(), args[1], ctx.now_ms());
  if (ReplyIfZSetError(r.status, reply)) return;
  reply.Integer(r.value);
}

void ZScore(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  auto r = storage::OpZScore(ctx.db(), args[1], args[2], ctx.now_ms());
  if (ReplyIfZSetError(r.status, reply)) return;
  if (r.status == OpStatus::kNoKey) {
    reply.Null();
  } else {
    reply.Double(r.value);
  }
}

void ZMScore(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  std::vector<std::optional<double>> scores;
  OpStatus status = storage::OpZMScore(ctx.db(), args[1], ArgsFrom(args, 2), ctx.now_ms(), &scores);
  if (ReplyIfZSetError(status, reply)) return;
  reply.Array(scores.size());
  for (const std::optional<double>& s : scores) {
    if (s) {
      reply.Double(*s);
    } else {
      reply.Null();
    }
  }
}

void ZRankGeneric(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply, bool reverse) {
  auto r = storage::OpZRank(ctx.db(), args[1], args[2], reverse, ctx.now_ms());
  if (ReplyIfZSetError(r.status, reply)) return;
  if (r.status == OpStatus::kNoKey) {
    reply.Null();
  } else {
    reply.Integer(r.value);
  }
}

void ZRank(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ZRankGeneric(ctx, args, reply, /*reverse=*/false);
}

void ZRevRank(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ZRankGeneric(ctx, args, reply, /*reverse=*/true);
}

// ---- ZCOUNT, ZLEXCOUNT.

void ZCount(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::ScoreRange range;
  if (!storage::ParseScoreRange(args[2], args[3], &range)) {
    reply.Error(storage::kErrMinMaxNotFloat);
    return;
  }
  auto r = storage::OpZCount(ctx.db(), args[1], range, ctx.now_ms());
  if (ReplyIfZSetError(r.status, reply)) return;
  reply.Integer(r.value);
}

void ZLexCount(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::LexRange range;
  if (!storage::ParseLexRange(args[2], args[3], &range)) {
    reply.Error(storage::kErrMinMaxNotString);
    return;
  }
  auto r = storage::OpZLexCount(ctx.db(), args[1], range, ctx.now_ms());
  if (ReplyIfZSetError(r.status, reply)) return;
  reply.Integer(r.value);
}

// ---- ZRANDMEMBER.

void ZRandMember(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  if (args.size() == 2) {
    std::vector<storage::ScoredMember> out;
    OpStatus status = storage::OpZRandMember(ctx.db(), args[1], 1, ctx.now_ms(), &out);
    if (ReplyIfZSetError(status, reply)) return;
    if (out.empty()) {
      reply.Null();
    } else {
      reply.Bulk(out[0].member);
    }
    return;
  }
  int64_t count;
  if (!RangeOrReply(args[2], -INT64_MAX, INT64_MAX, reply, &count)) return;
  bool with_scores = false;
  if (args.size() > 4 || (args.size() == 4 && !EqualsIgnoreCase(args[3], "withscores"))) {
    reply.Error(kErrSyntax);
    return;
  }
  if (args.size() == 4) {
    with_scores = true;
    // The reply would hold 2*count entries.
    if (count < -INT64_MAX / 2 || count > INT64_MAX / 2) {
      reply.Error("ERR value is out of range");
      return;
    }
  }
  std::vector<storage::ScoredMember> out;
  OpStatus status = storage::OpZRandMember(ctx.db(), args[1], count, ctx.now_ms(), &out);
  if (ReplyIfZSetError(status, reply)) return;
  ReplyScoredMembers(reply, out, with_scores);
}

// ---- ZSCAN.

void ZScan(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  uint64_t cursor;
  if (!ScanCursorOrReply(args[2], reply, &cursor)) return;
  OpStatus status;
  const storage::ZSetValue* z = storage::FindZSetForRead(ctx.db(), args[1], ctx.now_ms(), &status);
  if (ReplyIfZSetError(status, reply)) return;
  if (z == nullptr) {
    reply.Array(2);
    reply.Bulk("0");
    reply.Array(0);
    return;
  }
  ScanOptions options;
  if (!ScanOptionsOrReply(args, 3, /*allow_type=*/false, reply, &options)) return;
  std::vector<storage::ScoredMember> out;
  const uint64_t next =
      storage::ZScanOf(*z, cursor, static_cast<size_t>(options.count), options.pattern, &out);
  reply.Array(2);
  reply.Bulk(std::to_string(next));
  reply.Array(out.size() * 2);
  // Scores as text: a packed set shows what it stores, a skiplist Redis's "%.17Lg".
  char buf[storage::kScoreBufSize];
  for (const storage::ScoredMember& m : out) {
    reply.Bulk(m.member);
    reply.Bulk(std::string_view(buf, z->packed() ? storage::FormatPackedScore(m.score, buf)
                                                 : storage::FormatScore(m.score, buf)));
  }
}

}  // namespace

// Metadata: Redis 7.0.15's COMMAND INFO / COMMAND DOCS, verbatim.
void RegisterZSetCommands(engine::CommandRegistry& registry) {
  registry.Add(SpecBuilder("zadd", -4)
                   .Flags("write denyoom fast")
                   .Acl("@write @sortedset @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW update", 1, 0)})
                   .Docs("sorted-set", "1.2.0",
                         "Add one or more members to a sorted set, or update its score if it "
                         "already exists",
                         "O(log(N)) for each item added, where N is the number of elements in the "
                         "sorted set.")
                   .Shard(ZAdd)
                   .Build());
  registry.Add(SpecBuilder("zincrby", 4)
                   .Flags("write denyoom fast")
                   .Acl("@write @sortedset @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW access update", 1, 0)})
                   .Docs("sorted-set", "1.2.0", "Increment the score of a member in a sorted set",
                         "O(log(N)) where N is the number of elements in the sorted set.")
                   .Shard(ZIncrBy)
                   .Build());
  registry.Add(SpecBuilder("zrem", -3)
                   .Flags("write fast")
                   .Acl("@write @sortedset @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW delete", 1, 0)})
                   .Docs("sorted-set", "1.2.0", "Remove one or more members from a sorted set",
                         "O(M*log(N)) with N being the number of elements in the sorted set and M "
                         "the number of elements to be removed.")
                   .Shard(ZRem)
                   .Build());
  registry.Add(SpecBuilder("zcard", 2)
                   .Flags("readonly fast")
                   .Acl("@read @sortedset @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO", 1, 0)})
                   .Docs("sorted-set", "1.2.0", "Get the number of members in a sorted set", "O(1)")
                   .Shard(ZCard)
                   .Build());
  registry.Add(SpecBuilder("zcount", 4)
                   .Flags("readonly fast")
                   .Acl("@read @sortedset @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Docs("sorted-set", "2.0.0",
                         "Count the members in a sorted set with scores within the given values",
                         "O(log(N)) with N being the number of elements in the sorted set.")
                   .Shard(ZCount)
                   .Build());
  registry.Add(SpecBuilder("zlexcount", 4)
                   .Flags("readonly fast")
                   .Acl("@read @sortedset @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Docs("sorted-set", "2.8.9",
                         "Count the number of members in a sorted set between a given "
                         "lexicographical range",
                         "O(log(N)) with N being the number of elements in the sorted set.")
                   .Shard(ZLexCount)
                   .Build());
  registry.Add(SpecBuilder("zscore", 3)
                   .Flags("readonly fast")
                   .Acl("@read @sortedset @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Docs("sorted-set", "1.2.0",
                         "Get the score associated with the given member in a sorted set", "O(1)")
                   .Shard(ZScore)
                   .Build());
  registry.Add(SpecBuilder("zmscore", -3)
                   .Flags("readonly fast")
                   .Acl("@read @sortedset @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Docs("sorted-set", "6.2.0",
                         "Get the score associated with the given members in a sorted set",
                         "O(N) where N is the number of members being requested.")
                   .Shard(ZMScore)
                   .Build());
  registry.Add(SpecBuilder("zrank", 3)
                   .Flags("readonly fast")
                   .Acl("@read @sortedset @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Docs("sorted-set", "2.0.0", "Determine the index of a member in a sorted set",
                         "O(log(N))")
                   .Shard(ZRank)
                   .Build());
  registry.Add(SpecBuilder("zrevrank", 3)
                   .Flags("readonly fast")
                   .Acl("@read @sortedset @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Docs("sorted-set", "2.0.0",
                         "Determine the index of a member in a sorted set, with scores ordered "
                         "from high to low",
                         "O(log(N))")
                   .Shard(ZRevRank)
                   .Build());
  registry.Add(SpecBuilder("zrandmember", -2)
                   .Flags("readonly")
                   .Acl("@read @sortedset @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Tips("nondeterministic_output")
                   .Docs("sorted-set", "6.2.0",
                         "Get one or multiple random elements from a sorted set",
                         "O(N) where N is the number of elements returned")
                   .Shard(ZRandMember)
                   .Build());
  registry.Add(SpecBuilder("zscan", -3)
                   .Flags("readonly")
                   .Acl("@read @sortedset @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Tips("nondeterministic_output")
                   .Docs("sorted-set", "2.8.0",
                         "Incrementally iterate sorted sets elements and associated scores",
                         "O(1) for every call. O(N) for a complete iteration, including enough "
                         "command calls for the cursor to return back to 0. N is the number of "
                         "elements inside the collection..")
                   .Shard(ZScan)
                   .Build());
  RegisterZSetRangeCommands(registry);
  RegisterZSetStoreCommands(registry);
  RegisterZSetPopCommands(registry);
}

}  // namespace tessera::commands
