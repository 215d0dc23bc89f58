// The string family: GET, SET and its variants, the INCR family, ranges, MGET/MSET/MSETNX and
// LCS, with Redis 7.0.15's argument rules, reply shapes and error texts.
//
// Single-key commands are on_shard: they parse their arguments on the owning shard and call
// the pure ops of storage/string_ops.h, which record the keyspace events. Commands over several
// keys (MGET, MSET, MSETNX, LCS) run on the coordinator and fan out through multikey.h.
#include <memory>
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
#include "storage/expire_args.h"
#include "storage/lcs.h"
#include "storage/op_status.h"
#include "storage/string_ops.h"

namespace tessera::commands {
namespace {

using engine::CommandCall;
using engine::OpContext;
using protocol::CommandArgs;
using protocol::ReplyBuilder;
using storage::OpStatus;

// ---- GET, GETDEL.

void Get(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  // The reply is built straight from the entry's bytes: no copy of the value.
  char buf[storage::kInt64BufSize];
  std::string_view value;
  OpStatus status = storage::OpGetView(ctx.db(), args[1], ctx.now_ms(), buf, &value);
  if (ReplyIfError(status, reply)) return;
  if (status == OpStatus::kNoKey) {
    reply.Null();
  } else {
    reply.Bulk(value);
  }
}

void GetDel(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  std::string value;
  OpStatus status = storage::OpGetDel(ctx.db(), args[1], ctx.now_ms(), &value);
  if (ReplyIfError(status, reply)) return;
  if (status == OpStatus::kNoKey) {
    reply.Null();
  } else {
    reply.Bulk(value);
  }
}

// ---- SET and GETEX options: Redis's parseExtendedStringArgumentsOrReply.

enum ExtendedFlag : uint32_t {
  kFlagNx = 1 << 0,
  kFlagXx = 1 << 1,
  kFlagGet = 1 << 2,
  kFlagKeepTtl = 1 << 3,
  kFlagPersist = 1 << 4,
  kFlagEx = 1 << 5,
  kFlagPx = 1 << 6,
  kFlagExAt = 1 << 7,
  kFlagPxAt = 1 << 8,
};
constexpr uint32_t kExpireFlags = kFlagEx | kFlagPx | kFlagExAt | kFlagPxAt;

struct ExtendedArgs {
  uint32_t flags = 0;
  std::string_view expire;  // the EX/PX/EXAT/PXAT argument, if any
};

// SET accepts NX XX GET KEEPTTL and the four expire options; GETEX the expire options and
// PERSIST. Each expire option excludes KEEPTTL, PERSIST and the *other* three, but not itself:
// Redis accepts "SET k v EX 1 EX 2" (the last one wins), and repeated NX, XX or GET.
// Returns false for "ERR syntax error".
bool ParseExtendedArgs(const CommandArgs& args, bool is_set, ExtendedArgs* out) {
  struct ExpireOption {
    std::string_view name;
    ExtendedFlag flag;
  };
  constexpr ExpireOption kExpireOptions[] = {
      {"ex", kFlagEx}, {"px", kFlagPx}, {"exat", kFlagExAt}, {"pxat", kFlagPxAt}};
  uint32_t& flags = out->flags;
  for (size_t j = is_set ? 3 : 2; j < args.size(); ++j) {
    std::string_view opt = args[j];
    const bool has_next = j + 1 < args.size();
    if (is_set && EqualsIgnoreCase(opt, "nx") && !(flags & kFlagXx)) {
      flags |= kFlagNx;
      continue;
    }
    if (is_set && EqualsIgnoreCase(opt, "xx") && !(flags & kFlagNx)) {
      flags |= kFlagXx;
      continue;
    }
    if (is_set && EqualsIgnoreCase(opt, "get")) {
      flags |= kFlagGet;
      continue;
    }
    if (is_set && EqualsIgnoreCase(opt, "keepttl") && !(flags & (kFlagPersist | kExpireFlags))) {
      flags |= kFlagKeepTtl;
      continue;
    }
    if (!is_set && EqualsIgnoreCase(opt, "persist") && !(flags & (kFlagKeepTtl | kExpireFlags))) {
      flags |= kFlagPersist;
      continue;
    }
    bool matched = false;
    for (const ExpireOption& eo : kExpireOptions) {
      if (has_next && EqualsIgnoreCase(opt, eo.name) &&
          !(flags & (kFlagKeepTtl | kFlagPersist | (kExpireFlags & ~eo.flag)))) {
        flags |= eo.flag;
        out->expire = args[++j];
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  return true;
}

// getExpireMillisecondsOrReply: the expire argument as an absolute deadline. `command` is the
// lower-case name the error quotes ("set", "getex", ...).
bool DeadlineOrReply(std::string_view arg, uint32_t flags, int64_t now_ms, std::string_view command,
                     ReplyBuilder& reply, int64_t* at_ms) {
  int64_t value;
  if (!Int64OrReply(arg, reply, &value)) return false;
  const bool seconds = (flags & (kFlagEx | kFlagExAt)) != 0;
  const bool relative = (flags & (kFlagEx | kFlagPx)) != 0;
  if (!storage::SetExpireArgToDeadline(value, seconds, relative, now_ms, at_ms)) {
    reply.Error(storage::InvalidExpireTimeError(command));
    return false;
  }
  return true;
}

// Runs OpSet and replies as SET does: with GET the old value (or nil) whatever the condition
// did, else OK / nil; SETNX-style callers pass `as_integer` for 1 / 0.
void SetAndReply(OpContext& ctx, std::string_view key, std::string_view value,
                 const storage::SetParams& params, bool as_integer, ReplyBuilder& reply) {
  storage::SetResult result = storage::OpSet(ctx.db(), key, value, params, ctx.now_ms());
  if (ReplyIfError(result.status, reply)) return;
  if (params.get) {
    if (result.had_old) {
      reply.Bulk(result.old_value);
    } else {
      reply.Null();
    }
  } else if (as_integer) {
    reply.Integer(result.status == OpStatus::kOk ? 1 : 0);
  } else if (result.status == OpStatus::kNotPerformed) {
    reply.Null();
  } else {
    reply.Ok();
  }
}

void Set(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ExtendedArgs ext;
  if (!ParseExtendedArgs(args, /*is_set=*/true, &ext)) {
    reply.Error(kErrSyntax);
    return;
  }
  storage::SetParams params;
  if (ext.flags & kExpireFlags) {
    if (!DeadlineOrReply(ext.expire, ext.flags, ctx.now_ms(), "set", reply, &params.expire_at_ms)) {
      return;
    }
  }
  if (ext.flags & kFlagNx) params.condition = storage::SetParams::Condition::kIfAbsent;
  if (ext.flags & kFlagXx) params.condition = storage::SetParams::Condition::kIfPresent;
  params.keep_ttl = (ext.flags & kFlagKeepTtl) != 0;
  params.get = (ext.flags & kFlagGet) != 0;
  SetAndReply(ctx, args[1], args[2], params, /*as_integer=*/false, reply);
}

void SetNx(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::SetParams params;
  params.condition = storage::SetParams::Condition::kIfAbsent;
  SetAndReply(ctx, args[1], args[2], params, /*as_integer=*/true, reply);
}

// SETEX / PSETEX key <time> value.
void SetWithExpire(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply,
                   uint32_t expire_flag, std::string_view command) {
  storage::SetParams params;
  if (!DeadlineOrReply(args[2], expire_flag, ctx.now_ms(), command, reply, &params.expire_at_ms)) {
    return;
  }
  SetAndReply(ctx, args[1], args[3], params, /*as_integer=*/false, reply);
}

void SetEx(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  SetWithExpire(ctx, args, reply, kFlagEx, "setex");
}

void PSetEx(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  SetWithExpire(ctx, args, reply, kFlagPx, "psetex");
}

void GetSet(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::SetParams params;
  params.get = true;
  SetAndReply(ctx, args[1], args[2], params, /*as_integer=*/false, reply);
}

void GetEx(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ExtendedArgs ext;
  if (!ParseExtendedArgs(args, /*is_set=*/false, &ext)) {
    reply.Error(kErrSyntax);
    return;
  }
  storage::GetExParams params;
  if (ext.flags & kFlagPersist) params.action = storage::GetExParams::Action::kPersist;
  if (ext.flags & kExpireFlags) {
    std::string time_error;
    ReplyBuilder error_reply(&time_error, reply.version());
    if (!DeadlineOrReply(ext.expire, ext.flags, ctx.now_ms(), "getex", error_reply,
                         &params.expire_at_ms)) {
      // Redis looks the key up before it validates the time: a missing key still answers nil
      // and a wrong type WRONGTYPE. A plain GETEX is exactly that lookup.
      std::string ignored;
      OpStatus status = storage::OpGetEx(ctx.db(), args[1], params, ctx.now_ms(), &ignored);
      if (status == OpStatus::kOk) {
        reply.Raw(time_error);
      } else if (!ReplyIfError(status, reply)) {
        reply.Null();
      }
      return;
    }
    params.action = storage::GetExParams::Action::kSetExpire;
  }
  std::string value;
  OpStatus status = storage::OpGetEx(ctx.db(), args[1], params, ctx.now_ms(), &value);
  if (ReplyIfError(status, reply)) return;
  if (status == OpStatus::kNoKey) {
    reply.Null();
  } else {
    reply.Bulk(value);
  }
}

// ---- APPEND, STRLEN.

void Append(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::OpResult<int64_t> r = storage::OpAppend(ctx.db(), args[1], args[2], ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.value);
}

void StrLen(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::OpResult<int64_t> r = storage::OpStrLen(ctx.db(), args[1], ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.value);
}

// ---- The INCR family.

void IncrByDelta(OpContext& ctx, std::string_view key, int64_t delta, ReplyBuilder& reply) {
  storage::OpResult<int64_t> r = storage::OpIncrBy(ctx.db(), key, delta, ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.value);
}

void Incr(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  IncrByDelta(ctx, args[1], 1, reply);
}

void Decr(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  IncrByDelta(ctx, args[1], -1, reply);
}

void IncrBy(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  int64_t delta;
  if (!Int64OrReply(args[2], reply, &delta)) return;
  IncrByDelta(ctx, args[1], delta, reply);
}

void DecrBy(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  int64_t delta;
  if (!Int64OrReply(args[2], reply, &delta)) return;
  // -INT64_MIN does not exist; Redis refuses before touching the key.
  if (delta == INT64_MIN) {
    reply.Error(storage::kErrDecrOverflow);
    return;
  }
  IncrByDelta(ctx, args[1], -delta, reply);
}

void IncrByFloat(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  long double delta;
  if (!storage::ParseLongDouble(args[2], &delta)) {
    // Redis checks the key's type before parsing the increment, so a bad increment on a
    // non-string key is WRONGTYPE (lookupKeyWrite, as the op itself would do).
    storage::Entry* e = ctx.db().FindLive(args[1], ctx.now_ms());
    reply.Error(e != nullptr && !e->is_string() ? storage::kErrWrongType : kErrNotFloat);
    return;
  }
  storage::OpResult<std::string> r = storage::OpIncrByFloat(ctx.db(), args[1], delta, ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Bulk(r.value);
}

// ---- GETRANGE (SUBSTR), SETRANGE.

void GetRange(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  int64_t start, end;
  if (!Int64OrReply(args[2], reply, &start) || !Int64OrReply(args[3], reply, &end)) return;
  std::string out;
  OpStatus status = storage::OpGetRange(ctx.db(), args[1], start, end, ctx.now_ms(), &out);
  if (ReplyIfError(status, reply)) return;
  reply.Bulk(out);
}

void SetRange(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  int64_t offset;
  if (!Int64OrReply(args[2], reply, &offset)) return;
  storage::OpResult<int64_t> r =
      storage::OpSetRange(ctx.db(), args[1], offset, args[3], ctx.now_ms());
  if (ReplyIfError(r.status, reply)) return;
  reply.Integer(r.value);
}

// ---- MGET, MSET, MSETNX.

void MGet(CommandCall& call) {
  // Per key position: the value, or nothing (missing keys and non-strings are nil in MGET).
  struct Value {
    bool found = false;
    std::string bytes;
  };
  auto values = PerArg<Value>(call);
  const CommandArgs* args = &call.args();
  RunOnKeyShards(
      call,
      [values, args](OpContext& ctx, const std::vector<uint32_t>& positions) {
        for (uint32_t pos : positions) {
          Value& v = (*values)[pos];
          v.found = storage::OpGet(ctx.db(), (*args)[pos], ctx.now_ms(), &v.bytes) == OpStatus::kOk;
        }
      },
      [values](CommandCall& call) {
        ReplyBuilder& reply = call.reply();
        reply.Array(values->size() - 1);
        for (size_t i = 1; i < values->size(); ++i) {
          const Value& v = (*values)[i];
          if (v.found) {
            reply.Bulk(v.bytes);
          } else {
            reply.Null();
          }
        }
      });
}

// MSET / MSETNX take key-value pairs: an odd argument count is an arity error.
bool PairsOrReply(CommandCall& call) {
  if (call.args().size() % 2 == 0) {
    call.reply().Error(WrongArgCountError(call.spec().name));
    return false;
  }
  return true;
}

// Sets every pair whose key this shard owns, in argument order (a repeated key ends with its
// last value, as in Redis).
void SetPairs(OpContext& ctx, const CommandArgs& args, const std::vector<uint32_t>& positions) {
  const storage::SetParams params;
  for (uint32_t pos : positions) {
    storage::OpSet(ctx.db(), args[pos], args[pos + 1], params, ctx.now_ms());
  }
}

void MSet(CommandCall& call) {
  if (!PairsOrReply(call)) return;
  const CommandArgs* args = &call.args();
  RunOnKeyShards(
      call,
      [args](OpContext& ctx, const std::vector<uint32_t>& positions) {
        SetPairs(ctx, *args, positions);
      },
      [](CommandCall& call) { call.reply().Ok(); });
}

// Whether any key this shard owns exists (lookupKeyWrite, as Redis's MSETNX).
bool AnyKeyExists(OpContext& ctx, const CommandArgs& args, const std::vector<uint32_t>& positions) {
  for (uint32_t pos : positions) {
    if (ctx.db().FindLive(args[pos], ctx.now_ms()) != nullptr) return true;
  }
  return false;
}

void MSetNx(CommandCall& call) {
  if (!PairsOrReply(call)) return;
  const CommandArgs* args = &call.args();
  if (KeyShards(call).size() == 1) {
    // Every key on one shard: check and set in one step, atomically as in Redis.
    auto stored = std::make_shared<bool>(false);
    RunOnKeyShards(
        call,
        [args, stored](OpContext& ctx, const std::vector<uint32_t>& positions) {
          if (AnyKeyExists(ctx, *args, positions)) return;
          SetPairs(ctx, *args, positions);
          *stored = true;
        },
        [stored](CommandCall& call) { call.reply().Integer(*stored ? 1 : 0); });
    return;
  }
  // Across shards: check everywhere, then set everywhere. Not isolated from concurrent writers
  // until multi-shard transactions exist (docs/architecture.md, "Multi-shard commands today").
  auto exists = PerShard<uint8_t>(call);
  RunOnKeyShards(
      call,
      [args, exists](OpContext& ctx, const std::vector<uint32_t>& positions) {
        (*exists)[ctx.shard_id()] = AnyKeyExists(ctx, *args, positions) ? 1 : 0;
      },
      [args, exists](CommandCall& call) {
        for (uint8_t e : *exists) {
          if (e != 0) {
            call.reply().Integer(0);
            return;
          }
        }
        RunOnKeyShards(
            call,
            [args](OpContext& ctx, const std::vector<uint32_t>& positions) {
              SetPairs(ctx, *args, positions);
            },
            [](CommandCall& call) { call.reply().Integer(1); });
      });
}

// ---- LCS.

struct LcsOptions {
  bool len = false;
  bool idx = false;
  bool with_match_len = false;
  int64_t min_match_len = 0;
};

// lcsCommand's option loop; false after replying with an error.
bool ParseLcsOptions(const CommandArgs& args, ReplyBuilder& reply, LcsOptions* out) {
  for (size_t j = 3; j < args.size(); ++j) {
    std::string_view opt = args[j];
    if (EqualsIgnoreCase(opt, "idx")) {
      out->idx = true;
    } else if (EqualsIgnoreCase(opt, "len")) {
      out->len = true;
    } else if (EqualsIgnoreCase(opt, "withmatchlen")) {
      out->with_match_len = true;
    } else if (EqualsIgnoreCase(opt, "minmatchlen") && j + 1 < args.size()) {
      if (!Int64OrReply(args[++j], reply, &out->min_match_len)) return false;
      if (out->min_match_len < 0) out->min_match_len = 0;
    } else {
      reply.Error(kErrSyntax);
      return false;
    }
  }
  if (out->idx && out->len) {
    reply.Error(storage::kErrLcsLenAndIdx);
    return false;
  }
  return true;
}

void ReplyLcs(const storage::LcsResult& r, const LcsOptions& opts, ReplyBuilder& reply) {
  if (!r.error.empty()) {
    reply.Error(r.error);
  } else if (opts.idx) {
    reply.Map(2);
    reply.Bulk("matches");
    reply.Array(r.matches.size());
    for (const storage::LcsMatch& m : r.matches) {
      reply.Array(opts.with_match_len ? 3 : 2);
      reply.Array(2);
      reply.Integer(m.a_start);
      reply.Integer(m.a_end);
      reply.Array(2);
      reply.Integer(m.b_start);
      reply.Integer(m.b_end);
      if (opts.with_match_len) reply.Integer(m.length);
    }
    reply.Bulk("len");
    reply.Integer(r.length);
  } else if (opts.len) {
    reply.Integer(r.length);
  } else {
    reply.Bulk(r.subsequence);
  }
}

// The two keys may live on different shards: both values are copied out (one step per shard
// involved) and the table is computed here on the coordinator.
void Lcs(CommandCall& call) {
  struct Operand {
    bool wrong_type = false;
    std::string bytes;  // "" for a missing key, as Redis treats it
  };
  auto operands = PerArg<Operand>(call);
  const CommandArgs* args = &call.args();
  RunOnKeyShards(
      call,
      [operands, args](OpContext& ctx, const std::vector<uint32_t>& positions) {
        for (uint32_t pos : positions) {
          Operand& op = (*operands)[pos];
          op.wrong_type = storage::OpGet(ctx.db(), (*args)[pos], ctx.now_ms(), &op.bytes) ==
                          OpStatus::kWrongType;
        }
      },
      [operands](CommandCall& call) {
        ReplyBuilder& reply = call.reply();
        const Operand& a = (*operands)[1];
        const Operand& b = (*operands)[2];
        // Redis checks the types before it parses the options.
        if (a.wrong_type || b.wrong_type) {
          reply.Error(storage::kErrLcsNotString);
          return;
        }
        LcsOptions opts;
        if (!ParseLcsOptions(call.args(), reply, &opts)) return;
        storage::LcsParams params;
        params.want_string = !opts.len && !opts.idx;
        params.want_matches = opts.idx;
        params.min_match_len = opts.min_match_len;
        ReplyLcs(storage::ComputeLcs(a.bytes, b.bytes, params), opts, reply);
      });
}

}  // namespace

// Metadata: Redis 7.0.15's COMMAND INFO / COMMAND DOCS, verbatim.
void RegisterStringCommands(engine::CommandRegistry& registry) {
  registry.Add(SpecBuilder("get", 2)
                   .Flags("readonly fast")
                   .Acl("@read @string @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Docs("string", "1.0.0", "Get the value of a key", "O(1)")
                   .Shard(Get)
                   .Build());
  // Redis's key spec also carries the note "RW and ACCESS due to the optional `GET` argument".
  registry.Add(SpecBuilder("set", -3)
                   .Flags("write denyoom")
                   .Acl("@write @string @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({WithNotes(RangeKeys("RW access update variable_flags", 1, 0),
                                        "RW and ACCESS due to the optional `GET` argument")})
                   .Docs("string", "1.0.0", "Set the string value of a key", "O(1)")
                   .Shard(Set)
                   .Build());
  registry.Add(
      SpecBuilder("setnx", 3)
          .Flags("write denyoom fast")
          .Acl("@write @string @fast")
          .Keys(1, 1, 1)
          .KeySpecs({RangeKeys("OW insert", 1, 0)})
          .Docs("string", "1.0.0", "Set the value of a key, only if the key does not exist", "O(1)")
          .Shard(SetNx)
          .Build());
  registry.Add(SpecBuilder("setex", 4)
                   .Flags("write denyoom")
                   .Acl("@write @string @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("OW update", 1, 0)})
                   .Docs("string", "2.0.0", "Set the value and expiration of a key", "O(1)")
                   .Shard(SetEx)
                   .Build());
  registry.Add(
      SpecBuilder("psetex", 4)
          .Flags("write denyoom")
          .Acl("@write @string @slow")
          .Keys(1, 1, 1)
          .KeySpecs({RangeKeys("OW update", 1, 0)})
          .Docs("string", "2.6.0", "Set the value and expiration in milliseconds of a key", "O(1)")
          .Shard(PSetEx)
          .Build());
  registry.Add(
      SpecBuilder("getset", 3)
          .Flags("write denyoom fast")
          .Acl("@write @string @fast")
          .Keys(1, 1, 1)
          .KeySpecs({RangeKeys("RW access update", 1, 0)})
          .Docs("string", "1.0.0", "Set the string value of a key and return its old value", "O(1)")
          .Shard(GetSet)
          .Build());
  registry.Add(SpecBuilder("getdel", 2)
                   .Flags("write fast")
                   .Acl("@write @string @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW access delete", 1, 0)})
                   .Docs("string", "6.2.0", "Get the value of a key and delete the key", "O(1)")
                   .Shard(GetDel)
                   .Build());
  // Redis's key spec note: "RW and UPDATE because it changes the TTL".
  registry.Add(SpecBuilder("getex", -2)
                   .Flags("write fast")
                   .Acl("@write @string @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({WithNotes(RangeKeys("RW access update", 1, 0),
                                        "RW and UPDATE because it changes the TTL")})
                   .Docs("string", "6.2.0",
                         "Get the value of a key and optionally set its expiration", "O(1)")
                   .Shard(GetEx)
                   .Build());
  registry.Add(SpecBuilder("mget", -2)
                   .Flags("readonly fast")
                   .Acl("@read @string @fast")
                   .Keys(1, -1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, -1)})
                   .Tips("request_policy:multi_shard")
                   .Docs("string", "1.0.0", "Get the values of all the given keys",
                         "O(N) where N is the number of keys to retrieve.")
                   .Coordinator(MGet)
                   .StepsAtLock()
                   .Build());
  registry.Add(SpecBuilder("mset", -3)
                   .Flags("write denyoom")
                   .Acl("@write @string @slow")
                   .Keys(1, -1, 2)
                   .KeySpecs({RangeKeys("OW update", 1, -1, 2, 0)})
                   .Tips("request_policy:multi_shard response_policy:all_succeeded")
                   .Docs("string", "1.0.1", "Set multiple keys to multiple values",
                         "O(N) where N is the number of keys to set.")
                   .Coordinator(MSet)
                   .StepsAtLock()
                   .Build());
  registry.Add(SpecBuilder("msetnx", -3)
                   .Flags("write denyoom")
                   .Acl("@write @string @slow")
                   .Keys(1, -1, 2)
                   .KeySpecs({RangeKeys("OW insert", 1, -1, 2, 0)})
                   .Tips("request_policy:multi_shard response_policy:agg_min")
                   .Docs("string", "1.0.1",
                         "Set multiple keys to multiple values, only if none of the keys exist",
                         "O(N) where N is the number of keys to set.")
                   .Coordinator(MSetNx)
                   .Build());
  registry.Add(SpecBuilder("append", 3)
                   .Flags("write denyoom fast")
                   .Acl("@write @string @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW insert", 1, 0)})
                   .Docs("string", "2.0.0", "Append a value to a key",
                         "O(1). The amortized time complexity is O(1) assuming the appended value "
                         "is small and the already present value is of any size, since the "
                         "dynamic string library used by Redis will double the free space "
                         "available on every reallocation.")
                   .Shard(Append)
                   .Build());
  registry.Add(SpecBuilder("strlen", 2)
                   .Flags("readonly fast")
                   .Acl("@read @string @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO", 1, 0)})
                   .Docs("string", "2.2.0", "Get the length of the value stored in a key", "O(1)")
                   .Shard(StrLen)
                   .Build());
  struct Counter {
    std::string_view name;
    int arity;
    std::string_view since;
    std::string_view summary;
    engine::ShardFn fn;
  };
  const Counter kCounters[] = {
      {"incr", 2, "1.0.0", "Increment the integer value of a key by one", Incr},
      {"decr", 2, "1.0.0", "Decrement the integer value of a key by one", Decr},
      {"incrby", 3, "1.0.0", "Increment the integer value of a key by the given amount", IncrBy},
      {"decrby", 3, "1.0.0", "Decrement the integer value of a key by the given number", DecrBy},
      {"incrbyfloat", 3, "2.6.0", "Increment the float value of a key by the given amount",
       IncrByFloat},
  };
  for (const Counter& c : kCounters) {
    registry.Add(SpecBuilder(c.name, c.arity)
                     .Flags("write denyoom fast")
                     .Acl("@write @string @fast")
                     .Keys(1, 1, 1)
                     .KeySpecs({RangeKeys("RW access update", 1, 0)})
                     .Docs("string", c.since, c.summary, "O(1)")
                     .Shard(c.fn)
                     .Build());
  }
  constexpr std::string_view kRangeComplexity =
      "O(N) where N is the length of the returned string. The complexity is ultimately "
      "determined by the returned length, but because creating a substring from an existing "
      "string is very cheap, it can be considered O(1) for small strings.";
  registry.Add(SpecBuilder("getrange", 4)
                   .Flags("readonly")
                   .Acl("@read @string @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Docs("string", "2.4.0", "Get a substring of the string stored at a key",
                         kRangeComplexity)
                   .Shard(GetRange)
                   .Build());
  registry.Add(SpecBuilder("setrange", 4)
                   .Flags("write denyoom")
                   .Acl("@write @string @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW update", 1, 0)})
                   .Docs("string", "2.2.0",
                         "Overwrite part of a string at key starting at the specified offset",
                         "O(1), not counting the time taken to copy the new string in place. "
                         "Usually, this string is very small so the amortized complexity is O(1). "
                         "Otherwise, complexity is O(M) with M being the length of the value "
                         "argument.")
                   .Shard(SetRange)
                   .Build());
  registry.Add(SpecBuilder("substr", 4)
                   .Flags("readonly")
                   .Acl("@read @string @slow")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0)})
                   .Docs("string", "1.0.0", "Get a substring of the string stored at a key",
                         kRangeComplexity)
                   .Shard(GetRange)
                   .Build());
  registry.Add(SpecBuilder("lcs", -3)
                   .Flags("readonly")
                   .Acl("@read @string @slow")
                   .Keys(1, 2, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 1)})
                   .Docs("string", "7.0.0", "Find longest common substring",
                         "O(N*M) where N and M are the lengths of s1 and s2, respectively")
                   .Coordinator(Lcs)
                   .Build());
}

}  // namespace tessera::commands
