// The hash family: HSET, HSETNX, HMSET, HGET, HMGET, HGETALL, HKEYS, HVALS, HDEL, HLEN,
// HSTRLEN, HEXISTS, HINCRBY, HINCRBYFLOAT, HRANDFIELD and HSCAN, with Redis 7.0.15's argument
// rules, reply shapes and error texts. Every command names one key: all are on_shard and call
// storage/hash_ops.h, which records the keyspace events.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/commands/arg_parse.h"
#include "src/commands/register.h"
#include "src/commands/spec_builder.h"
#include "src/engine/op_context.h"
#include "storage/db_table.h"
#include "storage/errors.h"
#include "storage/hash_ops.h"
#include "storage/op_status.h"
#include "storage/set_ops.h"

namespace tessera::commands {
namespace {

using engine::OpContext;
using protocol::CommandArgs;
using protocol::ReplyBuilder;
using storage::FieldValue;
using storage::OpStatus;

std::vector<std::string_view> ArgsFrom(const CommandArgs& args, size_t first) {
  std::vector<std::string_view> out;
  out.reserve(args.size() > first ? args.size() - first : 0);
  for (size_t i = first; i < args.size(); ++i) out.push_back(args[i]);
  return out;
}

// ---- Writes.

// HSET and HMSET share everything but the reply (the count of new fields / +OK).
void SetPairs(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply, bool hmset) {
  if (args.size() % 2 == 1) {
    reply.Error(WrongArgCountError(hmset ? "hmset" : "hset"));
    return;
  }
  storage::OpResult<int64_t> r =
      storage::OpHSet(ctx.db(), args[1], ArgsFrom(args, 2), ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  if (hmset) {
    reply.Ok();
  } else {
    reply.Integer(r.value);
  }
}

void HSet(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  SetPairs(ctx, args, reply, /*hmset=*/false);
}

void HMSet(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  SetPairs(ctx, args, reply, /*hmset=*/true);
}

void HSetNx(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::OpResult<bool> r = storage::OpHSetNx(ctx.db(), args[1], args[2], args[3], ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.value ? 1 : 0);
}

void HDel(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::OpResult<int64_t> r =
      storage::OpHDel(ctx.db(), args[1], ArgsFrom(args, 2), ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.value);
}

void HIncrBy(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  int64_t delta;
  if (!Int64OrReply(args[3], reply, &delta)) return;
  storage::OpResult<int64_t> r =
      storage::OpHIncrBy(ctx.db(), args[1], args[2], delta, ctx.now_ms());
  if (r.status == OpStatus::kNotInteger) {
    reply.Error(storage::kErrHashValueNotInteger);
    return;
  }
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.value);
}

void HIncrByFloat(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  long double delta;
  if (!LongDoubleOrReply(args[3], reply, &delta)) return;
  if (std::isnan(delta) || std::isinf(delta)) {
    reply.Error("ERR value is NaN or Infinity");
    return;
  }
  storage::OpResult<std::string> r =
      storage::OpHIncrByFloat(ctx.db(), args[1], args[2], delta, ctx.now_ms());
  if (r.status == OpStatus::kNotFloat) {
    reply.Error(storage::kErrHashValueNotFloat);
    return;
  }
  if (ReplyIfError(r.status, reply)) return;
  reply.Bulk(r.value);
}

// ---- Reads.

void HGet(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  std::string value;
  OpStatus status = storage::OpHGet(ctx.db(), args[1], args[2], ctx.now_ms(), &value);
  if (ReplyIfError(status, reply)) return;
  if (status == OpStatus::kNoKey) {
    reply.Null();
  } else {
    reply.Bulk(value);
  }
}

void HMGet(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  std::vector<std::optional<std::string>> values;
  OpStatus status = storage::OpHMGet(ctx.db(), args[1], ArgsFrom(args, 2), ctx.now_ms(), &values);
  if (ReplyIfError(status, reply)) return;
  reply.Array(values.size());
  for (const std::optional<std::string>& v : values) {
    if (v.has_value()) {
      reply.Bulk(*v);
    } else {
      reply.Null();
    }
  }
}

enum class PairParts : uint8_t { kBoth, kFields, kValues };

void ReplyPairs(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply, PairParts parts) {
  std::vector<FieldValue> pairs;
  OpStatus status = storage::OpHGetAll(ctx.db(), args[1], ctx.now_ms(), &pairs);
  if (ReplyIfError(status, reply)) return;
  if (parts == PairParts::kBoth) {
    reply.Map(pairs.size());
  } else {
    reply.Array(pairs.size());
  }
  for (const FieldValue& p : pairs) {
    if (parts != PairParts::kValues) reply.Bulk(p.first);
    if (parts != PairParts::kFields) reply.Bulk(p.second);
  }
}

void HGetAll(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ReplyPairs(ctx, args, reply, PairParts::kBoth);
}

void HKeys(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ReplyPairs(ctx, args, reply, PairParts::kFields);
}

void HVals(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ReplyPairs(ctx, args, reply, PairParts::kValues);
}

void HLen(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::OpResult<int64_t> r = storage::OpHLen(ctx.db(), args[1], ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.value);
}

void HStrLen(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::OpResult<int64_t> r = storage::OpHStrLen(ctx.db(), args[1], args[2], ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.value);
}

void HExists(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::OpResult<bool> r = storage::OpHExists(ctx.db(), args[1], args[2], ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.value ? 1 : 0);
}

void HRandField(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  if (args.size() == 2) {
    auto r = storage::OpHRandField(ctx.db(), args[1], ctx.now_ms(), storage::ThreadRng());
    if (ReplyIfError(r.status, reply)) return;
    if (r.value.has_value()) {
      reply.Bulk(*r.value);
    } else {
      reply.Null();
    }
    return;
  }
  int64_t count;
  if (!RangeOrReply(args[2], -INT64_MAX, INT64_MAX, reply, &count)) return;
  if (args.size() > 4 || (args.size() == 4 && !EqualsIgnoreCase(args[3], "withvalues"))) {
    reply.Error(kErrSyntax);
    return;
  }
  const bool with_values = args.size() == 4;
  // The reply holds twice as many elements with values.
  if (with_values && (count < -INT64_MAX / 2 || count > INT64_MAX / 2)) {
    reply.Error("ERR value is out of range");
    return;
  }
  std::vector<FieldValue> pairs;
  OpStatus status = storage::OpHRandFieldCount(ctx.db(), args[1], count, ctx.now_ms(),
                                               storage::ThreadRng(), &pairs);
  if (ReplyIfError(status, reply)) return;
  // RESP3 nests each field/value pair in its own array; RESP2 flattens them.
  if (with_values && !reply.resp3()) {
    reply.Array(pairs.size() * 2);
  } else {
    reply.Array(pairs.size());
  }
  for (const FieldValue& p : pairs) {
    if (with_values && reply.resp3()) reply.Array(2);
    reply.Bulk(p.first);
    if (with_values) reply.Bulk(p.second);
  }
}

void HScan(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  uint64_t cursor;
  ScanOptions options;
  if (!CollectionScanStartOrReply(ctx.db(), args, storage::ValueType::kHash, ctx.now_ms(), reply,
                                  &cursor, &options)) {
    return;
  }
  std::vector<FieldValue> pairs;
  storage::OpResult<uint64_t> r =
      storage::OpHScan(ctx.db(), args[1], cursor, static_cast<size_t>(options.count),
                       options.pattern, ctx.now_ms(), &pairs);
  if (ReplyIfError(r.status, reply)) return;
  reply.Array(2);
  reply.Bulk(std::to_string(r.value));
  reply.Array(pairs.size() * 2);
  for (const FieldValue& p : pairs) {
    reply.Bulk(p.first);
    reply.Bulk(p.second);
  }
}

}  // namespace

// Metadata: Redis 7.0.15's COMMAND INFO / COMMAND DOCS, verbatim.
void RegisterHashCommands(engine::CommandRegistry& registry) {
  constexpr std::string_view kScanComplexity =
      "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
      "the cursor to return back to 0. N is the number of elements inside the collection..";
  registry.Add(SpecBuilder("hset", -4)
                   .Flags("write denyoom fast")
                   .Acl("@write @hash @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW update", 1, 0)})
                   .Docs("hash", "2.0.0", "Set the string value of a hash field",
                         "O(1) for each field/value pair added, so O(N) to add N field/value "
                         "pairs when the command is called with multiple field/value pairs.")
                   .Shard(HSet)
                   .Build());
  registry.Add(SpecBuilder("hsetnx", 4)
                   .Flags("write denyoom fast")
                   .Acl("@write @hash @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW insert", 1, 0)})
                   .Docs("hash", "2.0.0",
                         "Set the value of a hash field, only if the field does not exist", "O(1)")
                   .Shard(HSetNx)
                   .Build());
  registry.Add(SpecBuilder("hmset", -4)
                   .Flags("write denyoom fast")
                   .Acl("@write @hash @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW update", 1, 0)})
                   .Docs("hash", "2.0.0", "Set multiple hash fields to multiple values",
                         "O(N) where N is the number of fields being set.")
                   .Shard(HMSet)
                   .Build());
  registry.Add(SpecBuilder("hget", 3)
                   .Flags("readonly fast")
                   .Acl("@read @hash @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Docs("hash", "2.0.0", "Get the value of a hash field", "O(1)")
                   .Shard(HGet)
                   .Build());
  registry.Add(SpecBuilder("hmget", -3)
                   .Flags("readonly fast")
                   .Acl("@read @hash @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Docs("hash", "2.0.0", "Get the values of all the given hash fields",
                         "O(N) where N is the number of fields being requested.")
                   .Shard(HMGet)
                   .Build());
  struct Whole {
    std::string_view name;
    std::string_view summary;
    engine::ShardFn fn;
  };
  const Whole kWholes[] = {
      {"hgetall", "Get all the fields and values in a hash", HGetAll},
      {"hkeys", "Get all the fields in a hash", HKeys},
      {"hvals", "Get all the values in a hash", HVals},
  };
  for (const Whole& w : kWholes) {
    registry.Add(SpecBuilder(w.name, 2)
                     .Flags("readonly")
                     .Acl("@read @hash @slow")
                     .Keys(1, 1, 1)
                     .KeySpecs({RangeKeys("RO access", 1, 0)})
                     .Tips("nondeterministic_output_order")
                     .Docs("hash", "2.0.0", w.summary, "O(N) where N is the size of the hash.")
                     .Shard(w.fn)
                     .Build());
  }
  registry.Add(SpecBuilder("hdel", -3)
                   .Flags("write fast")
                   .Acl("@write @hash @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW delete", 1, 0)})
                   .Docs("hash", "2.0.0", "Delete one or more hash fields",
                         "O(N) where N is the number of fields to be removed.")
                   .Shard(HDel)
                   .Build());
  registry.Add(SpecBuilder("hlen", 2)
                   .Flags("readonly fast")
                   .Acl("@read @hash @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO", 1, 0)})
                   .Docs("hash", "2.0.0", "Get the number of fields in a hash", "O(1)")
                   .Shard(HLen)
                   .Build());
  registry.Add(SpecBuilder("hstrlen", 3)
                   .Flags("readonly fast")
                   .Acl("@read @hash @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO", 1, 0)})
                   .Docs("hash", "3.2.0", "Get the length of the value of a hash field", "O(1)")
                   .Shard(HStrLen)
                   .Build());
  registry.Add(SpecBuilder("hexists", 3)
                   .Flags("readonly fast")
                   .Acl("@read @hash @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO", 1, 0)})
                   .Docs("hash", "2.0.0", "Determine if a hash field exists", "O(1)")
                   .Shard(HExists)
                   .Build());
  registry.Add(SpecBuilder("hincrby", 4)
                   .Flags("write denyoom fast")
                   .Acl("@write @hash @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW access update", 1, 0)})
                   .Docs("hash", "2.0.0",
                         "Increment the integer value of a hash field by the given number", "O(1)")
                   .Shard(HIncrBy)
                   .Build());
  registry.Add(SpecBuilder("hincrbyfloat", 4)
                   .Flags("write denyoom fast")
                   .Acl("@write @hash @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW access update", 1, 0)})
                   .Docs("hash", "2.6.0",
                         "Increment the float value of a hash field by the given amount", "O(1)")
                   .Shard(HIncrByFloat)
                   .Build());
  registry.Add(SpecBuilder("hrandfield", -2)
                   .Flags("readonly")
                   .Acl("@read @hash @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Tips("nondeterministic_output")
                   .Docs("hash", "6.2.0", "Get one or multiple random fields from a hash",
                         "O(N) where N is the number of fields returned")
                   .Shard(HRandField)
                   .Build());
  registry.Add(SpecBuilder("hscan", -3)
                   .Flags("readonly")
                   .Acl("@read @hash @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Tips("nondeterministic_output")
                   .Docs("hash", "2.8.0", "Incrementally iterate hash fields and associated values",
                         kScanComplexity)
                   .Shard(HScan)
                   .Build());
}

}  // namespace tessera::commands
