// The list family's single-key commands — pushes, pops, LLEN, LRANGE, LINDEX, LSET, LINSERT,
// LREM, LTRIM, LPOS — with Redis 7.0.15's argument rules, reply shapes and error texts, and the
// registration of the whole family. They are on_shard and call storage/list_ops.h. LMOVE,
// RPOPLPUSH, LMPOP and the blocking commands live in list_blocking_cmds.cc.
#include <string>
#include <string_view>
#include <vector>

#include "src/commands/arg_parse.h"
#include "src/commands/list_blocking_cmds.h"
#include "src/commands/register.h"
#include "src/commands/spec_builder.h"
#include "src/engine/op_context.h"
#include "storage/db_table.h"
#include "storage/errors.h"
#include "storage/list_ops.h"
#include "storage/op_status.h"

namespace tessera::commands {
namespace {

using engine::OpContext;
using protocol::CommandArgs;
using protocol::ReplyBuilder;
using storage::ListEnd;
using storage::OpStatus;
using Strings = std::vector<std::string>;

constexpr std::string_view kErrIndexOutOfRange = "ERR index out of range";

void ReplyStrings(ReplyBuilder& reply, const Strings& values) {
  reply.Array(values.size());
  for (const std::string& v : values) reply.Bulk(v);
}

// ---- LPUSH, RPUSH, LPUSHX, RPUSHX.

void PushGeneric(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply, ListEnd where,
                 bool only_if_exists) {
  std::vector<std::string_view> values;
  values.reserve(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) values.push_back(args[i]);
  storage::OpResult<int64_t> r =
      storage::OpListPush(ctx.db(), args[1], values, where, only_if_exists, ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.status == OpStatus::kNoKey ? 0 : r.value);
}

void LPush(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  PushGeneric(ctx, args, reply, ListEnd::kHead, false);
}
void RPush(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  PushGeneric(ctx, args, reply, ListEnd::kTail, false);
}
void LPushX(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  PushGeneric(ctx, args, reply, ListEnd::kHead, true);
}
void RPushX(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  PushGeneric(ctx, args, reply, ListEnd::kTail, true);
}

// ---- LPOP, RPOP.

// Without a count: the element or nil. With one (parsed before the lookup): an array, an empty
// one for a count of 0, and a nil array for a missing key.
void PopGeneric(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply, ListEnd where,
                std::string_view name) {
  if (args.size() > 3) {
    reply.Error(WrongArgCountError(name));
    return;
  }
  const bool has_count = args.size() == 3;
  int64_t count = 1;
  if (has_count && !NonNegativeOrReply(args[2], reply, &count, kErrNotPositive)) return;
  Strings values;
  OpStatus status = storage::OpListPop(ctx.db(), args[1], where, static_cast<size_t>(count),
                                       ctx.now_ms(), &values);
  if (ReplyIfError(status, reply)) return;
  if (status == OpStatus::kNoKey) {
    if (has_count) {
      reply.NullArray();
    } else {
      reply.Null();
    }
  } else if (has_count) {
    ReplyStrings(reply, values);
  } else {
    reply.Bulk(values.front());
  }
}

void LPop(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  PopGeneric(ctx, args, reply, ListEnd::kHead, "lpop");
}
void RPop(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  PopGeneric(ctx, args, reply, ListEnd::kTail, "rpop");
}

// ---- Reads: LLEN, LRANGE, LINDEX, LPOS.

void LLen(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::OpResult<int64_t> r = storage::OpListLen(ctx.db(), args[1], ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.value);
}

void LRange(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  int64_t start, end;
  if (!Int64OrReply(args[2], reply, &start) || !Int64OrReply(args[3], reply, &end)) return;
  Strings values;
  OpStatus status = storage::OpListRange(ctx.db(), args[1], start, end, ctx.now_ms(), &values);
  if (ReplyIfError(status, reply)) return;
  ReplyStrings(reply, values);
}

void LIndex(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  std::string value;
  OpStatus status = storage::OpListIndex(ctx.db(), args[1], args[2], ctx.now_ms(), &value);
  if (ReplyIfError(status, reply)) return;
  if (status == OpStatus::kOk) {
    reply.Bulk(value);
  } else {
    reply.Null();
  }
}

void LPos(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::ListPosParams params;
  for (size_t j = 3; j < args.size(); ++j) {
    std::string_view opt = args[j];
    const bool more = j + 1 < args.size();
    if (EqualsIgnoreCase(opt, "rank") && more) {
      if (!Int64OrReply(args[++j], reply, &params.rank)) return;
      if (params.rank == 0) {
        reply.Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
        return;
      }
    } else if (EqualsIgnoreCase(opt, "count") && more) {
      if (!NonNegativeOrReply(args[++j], reply, &params.count, "ERR COUNT can't be negative")) {
        return;
      }
    } else if (EqualsIgnoreCase(opt, "maxlen") && more) {
      if (!NonNegativeOrReply(args[++j], reply, &params.maxlen, "ERR MAXLEN can't be negative")) {
        return;
      }
    } else {
      reply.Error(kErrSyntax);
      return;
    }
  }
  std::vector<int64_t> found;
  OpStatus status = storage::OpListPos(ctx.db(), args[1], args[2], params, ctx.now_ms(), &found);
  if (ReplyIfError(status, reply)) return;
  if (params.count != -1) {
    reply.Array(found.size());
    for (int64_t i : found) reply.Integer(i);
  } else if (found.empty()) {
    reply.Null();
  } else {
    reply.Integer(found.front());
  }
}

// ---- Writes in place: LSET, LINSERT, LREM, LTRIM.

void LSet(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  OpStatus status = storage::OpListSet(ctx.db(), args[1], args[2], args[3], ctx.now_ms());
  if (status == OpStatus::kNotPerformed) {
    reply.Error(kErrIndexOutOfRange);
  } else if (!ReplyIfError(status, reply)) {
    reply.Ok();
  }
}

void LInsert(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  bool after;
  if (EqualsIgnoreCase(args[2], "after")) {
    after = true;
  } else if (EqualsIgnoreCase(args[2], "before")) {
    after = false;
  } else {
    reply.Error(kErrSyntax);
    return;
  }
  storage::OpResult<int64_t> r =
      storage::OpListInsert(ctx.db(), args[1], after, args[3], args[4], ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.status == OpStatus::kNoKey ? 0 : r.value);
}

void LRem(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  int64_t count;
  if (!Int64OrReply(args[2], reply, &count)) return;
  storage::OpResult<int64_t> r =
      storage::OpListRem(ctx.db(), args[1], count, args[3], ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.status == OpStatus::kNoKey ? 0 : r.value);
}

void LTrim(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  int64_t start, end;
  if (!Int64OrReply(args[2], reply, &start) || !Int64OrReply(args[3], reply, &end)) return;
  OpStatus status = storage::OpListTrim(ctx.db(), args[1], start, end, ctx.now_ms());
  if (ReplyIfError(status, reply)) return;
  reply.Ok();
}

engine::CommandSpec WithKeysFn(engine::CommandSpec spec, engine::KeysFn fn) {
  spec.keys_fn = fn;
  return spec;
}

}  // namespace

// Metadata: Redis 7.0.15's COMMAND INFO / COMMAND DOCS, verbatim.
void RegisterListCommands(engine::CommandRegistry& registry) {
  constexpr std::string_view kPushComplexity =
      "O(1) for each element added, so O(N) to add N elements when the command is called with "
      "multiple arguments.";
  struct Push {
    std::string_view name;
    std::string_view since;
    std::string_view summary;
    engine::ShardFn fn;
  };
  const Push kPushes[] = {
      {"lpush", "1.0.0", "Prepend one or multiple elements to a list", LPush},
      {"rpush", "1.0.0", "Append one or multiple elements to a list", RPush},
      {"lpushx", "2.2.0", "Prepend an element to a list, only if the list exists", LPushX},
      {"rpushx", "2.2.0", "Append an element to a list, only if the list exists", RPushX},
  };
  for (const Push& p : kPushes) {
    registry.Add(SpecBuilder(p.name, -3)
                     .Flags("write denyoom fast")
                     .Acl("@write @list @fast")
                     .Keys(1, 1, 1)
                     .KeySpecs({RangeKeys("RW insert", 1, 0)})
                     .Docs("list", p.since, p.summary, kPushComplexity)
                     .Shard(p.fn)
                     .Build());
  }
  registry.Add(SpecBuilder("lpop", -2)
                   .Flags("write fast")
                   .Acl("@write @list @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW access delete", 1, 0)})
                   .Docs("list", "1.0.0", "Remove and get the first elements in a list",
                         "O(N) where N is the number of elements returned")
                   .Shard(LPop)
                   .Build());
  registry.Add(SpecBuilder("rpop", -2)
                   .Flags("write fast")
                   .Acl("@write @list @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW access delete", 1, 0)})
                   .Docs("list", "1.0.0", "Remove and get the last elements in a list",
                         "O(N) where N is the number of elements returned")
                   .Shard(RPop)
                   .Build());
  registry.Add(SpecBuilder("llen", 2)
                   .Flags("readonly fast")
                   .Acl("@read @list @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO", 1, 0)})
                   .Docs("list", "1.0.0", "Get the length of a list", "O(1)")
                   .Shard(LLen)
                   .Build());
  registry.Add(SpecBuilder("lrange", 4)
                   .Flags("readonly")
                   .Acl("@read @list @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Docs("list", "1.0.0", "Get a range of elements from a list",
                         "O(S+N) where S is the distance of start offset from HEAD for small "
                         "lists, from nearest end (HEAD or TAIL) for large lists; and N is the "
                         "number of elements in the specified range.")
                   .Shard(LRange)
                   .Build());
  registry.Add(SpecBuilder("lindex", 3)
                   .Flags("readonly")
                   .Acl("@read @list @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Docs("list", "1.0.0", "Get an element from a list by its index",
                         "O(N) where N is the number of elements to traverse to get to the "
                         "element at index. This makes asking for the first or the last element "
                         "of the list O(1).")
                   .Shard(LIndex)
                   .Build());
  registry.Add(SpecBuilder("lset", 4)
                   .Flags("write denyoom")
                   .Acl("@write @list @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW update", 1, 0)})
                   .Docs("list", "1.0.0", "Set the value of an element in a list by its index",
                         "O(N) where N is the length of the list. Setting either the first or the "
                         "last element of the list is O(1).")
                   .Shard(LSet)
                   .Build());
  registry.Add(SpecBuilder("linsert", 5)
                   .Flags("write denyoom")
                   .Acl("@write @list @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW insert", 1, 0)})
                   .Docs("list", "2.2.0",
                         "Insert an element before or after another element in a list",
                         "O(N) where N is the number of elements to traverse before seeing the "
                         "value pivot. This means that inserting somewhere on the left end on the "
                         "list (head) can be considered O(1) and inserting somewhere on the right "
                         "end (tail) is O(N).")
                   .Shard(LInsert)
                   .Build());
  registry.Add(SpecBuilder("lrem", 4)
                   .Flags("write")
                   .Acl("@write @list @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW delete", 1, 0)})
                   .Docs("list", "1.0.0", "Remove elements from a list",
                         "O(N+M) where N is the length of the list and M is the number of "
                         "elements removed.")
                   .Shard(LRem)
                   .Build());
  registry.Add(SpecBuilder("ltrim", 4)
                   .Flags("write")
                   .Acl("@write @list @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW delete", 1, 0)})
                   .Docs("list", "1.0.0", "Trim a list to the specified range",
                         "O(N) where N is the number of elements to be removed by the operation.")
                   .Shard(LTrim)
                   .Build());
  registry.Add(SpecBuilder("lpos", -3)
                   .Flags("readonly")
                   .Acl("@read @list @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Docs("list", "6.0.6", "Return the index of matching elements on a list",
                         "O(N) where N is the number of elements in the list, for the average "
                         "case. When searching for elements near the head or the tail of the "
                         "list, or when the MAXLEN option is provided, the command may run in "
                         "constant time.")
                   .Shard(LPos)
                   .Build());
  const std::vector<engine::KeySpec> kMoveKeySpecs = {RangeKeys("RW access delete", 1, 0),
                                                      RangeKeys("RW insert", 2, 0)};
  registry.Add(SpecBuilder("lmove", 5)
                   .Flags("write denyoom")
                   .Acl("@write @list @slow")
                   .Keys(1, 2, 1)
                   .KeySpecs(kMoveKeySpecs)
                   .Docs("list", "6.2.0",
                         "Pop an element from a list, push it to another list and return it",
                         "O(1)")
                   .Coordinator(LMove)
                   .Build());
  registry.Add(SpecBuilder("rpoplpush", 3)
                   .Flags("write denyoom")
                   .Acl("@write @list @slow")
                   .Keys(1, 2, 1)
                   .KeySpecs(kMoveKeySpecs)
                   .Docs("list", "1.2.0",
                         "Remove the last element in a list, prepend it to another list and "
                         "return it",
                         "O(1)")
                   .Coordinator(RPopLPush)
                   .Build());
  constexpr std::string_view kMPopComplexity =
      "O(N+M) where N is the number of provided keys and M is the number of elements returned.";
  registry.Add(WithKeysFn(SpecBuilder("lmpop", -4)
                              .Flags("write movablekeys")
                              .Acl("@write @list @slow")
                              .Keys(0, 0, 0)
                              .KeySpecs({KeynumKeys("RW access delete", 1, 0, 1, 1)})
                              .Docs("list", "7.0.0", "Pop elements from a list", kMPopComplexity)
                              .Coordinator(LMPop)
                              .Build(),
                          LMPopKeys));
  registry.Add(SpecBuilder("blpop", -3)
                   .Flags("write noscript blocking")
                   .Acl("@write @list @slow @blocking")
                   .Keys(1, -2, 1)
                   .KeySpecs({RangeKeys("RW access delete", 1, -2)})
                   .Docs("list", "2.0.0",
                         "Remove and get the first element in a list, or block until one is "
                         "available",
                         "O(N) where N is the number of provided keys.")
                   .Coordinator(BLPop)
                   .Build());
  registry.Add(SpecBuilder("brpop", -3)
                   .Flags("write noscript blocking")
                   .Acl("@write @list @slow @blocking")
                   .Keys(1, -2, 1)
                   .KeySpecs({RangeKeys("RW access delete", 1, -2)})
                   .Docs("list", "2.0.0",
                         "Remove and get the last element in a list, or block until one is "
                         "available",
                         "O(N) where N is the number of provided keys.")
                   .Coordinator(BRPop)
                   .Build());
  constexpr std::string_view kBlockingMoveSummary =
      "Pop an element from a list, push it to another list and return it; or block until one is "
      "available";
  registry.Add(SpecBuilder("blmove", 6)
                   .Flags("write denyoom noscript blocking")
                   .Acl("@write @list @slow @blocking")
                   .Keys(1, 2, 1)
                   .KeySpecs(kMoveKeySpecs)
                   .Docs("list", "6.2.0", kBlockingMoveSummary, "O(1)")
                   .Coordinator(BLMove)
                   .Build());
  registry.Add(SpecBuilder("brpoplpush", 4)
                   .Flags("write denyoom noscript blocking")
                   .Acl("@write @list @slow @blocking")
                   .Keys(1, 2, 1)
                   .KeySpecs(kMoveKeySpecs)
                   .Docs("list", "2.2.0", kBlockingMoveSummary, "O(1)")
                   .Coordinator(BRPopLPush)
                   .Build());
  registry.Add(WithKeysFn(
      SpecBuilder("blmpop", -5)
          .Flags("write blocking movablekeys")
          .Acl("@write @list @slow @blocking")
          .Keys(0, 0, 0)
          .KeySpecs({KeynumKeys("RW access delete", 2, 0, 1, 1)})
          .Docs("list", "7.0.0", "Pop elements from a list, or block until one is available",
                kMPopComplexity)
          .Coordinator(BLMPop)
          .Build(),
      BLMPopKeys));
}

}  // namespace tessera::commands
