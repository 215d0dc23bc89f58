// The generic key commands: DEL, UNLINK, EXISTS, TOUCH, TYPE, the EXPIRE and TTL families,
// PERSIST, RENAME, RENAMENX, COPY, MOVE and OBJECT, with Redis 7.0.15's argument rules, reply
// shapes and error texts, plus the whole-keyspace walks KEYS, SCAN and RANDOMKEY.
//
// Single-key commands are on_shard and call storage/key_ops.h. RENAME and COPY name two keys
// that may live on different shards: they run on the coordinator, take one step on the shard
// when both keys share it (atomic, and the common case with hash tags), and otherwise move the
// entry in two steps — take it out of (or copy it from) the source shard, then insert it on the
// destination shard — as a DetachedEntry, which keeps the value and its TTL.
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/commands/arg_parse.h"
#include "src/commands/multikey.h"
#include "src/commands/register.h"
#include "src/commands/spec_builder.h"
#include "src/engine/command_call.h"
#include "src/engine/engine.h"
#include "src/engine/op_context.h"
#include "src/engine/shard.h"
#include "storage/db_table.h"
#include "storage/errors.h"
#include "storage/expire_args.h"
#include "storage/key_ops.h"
#include "storage/op_status.h"

namespace tessera::commands {

namespace {

using engine::CommandCall;
using engine::OpContext;
using engine::ShardId;
using protocol::CommandArgs;
using protocol::ReplyBuilder;
using storage::OpStatus;

constexpr std::string_view kErrDbIndexOutOfRange = "ERR DB index is out of range";

// ---- DEL, UNLINK, EXISTS, TOUCH, TYPE.

// UNLINK frees synchronously too: the difference is only latency, which clients cannot see.
void Del(CommandCall& call) { CountKeysOnShards(call, storage::OpDel); }
void Exists(CommandCall& call) { CountKeysOnShards(call, storage::OpExists); }
void Touch(CommandCall& call) { CountKeysOnShards(call, storage::OpTouch); }

void Type(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  reply.SimpleString(storage::OpType(ctx.db(), args[1], ctx.now_ms()));
}

// ---- EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT.

// parseExtendedExpireArgumentsOrReply: NX XX GT LT in any case and number, checked for
// compatibility after all are read. Runs before the time argument is parsed, so option errors
// win over a bad time.
bool ExpireFlagsOrReply(const CommandArgs& args, ReplyBuilder& reply, uint8_t* flags) {
  for (size_t j = 3; j < args.size(); ++j) {
    std::string_view opt = args[j];
    if (EqualsIgnoreCase(opt, "nx")) {
      *flags |= storage::kExpireNX;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      *flags |= storage::kExpireXX;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      *flags |= storage::kExpireGT;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      *flags |= storage::kExpireLT;
    } else {
      std::string error = "ERR Unsupported option ";
      error.append(opt);
      reply.Error(error);
      return false;
    }
  }
  if ((*flags & storage::kExpireNX) &&
      (*flags & (storage::kExpireXX | storage::kExpireGT | storage::kExpireLT))) {
    reply.Error(storage::kErrExpireNxAndOthers);
    return false;
  }
  if ((*flags & storage::kExpireGT) && (*flags & storage::kExpireLT)) {
    reply.Error(storage::kErrExpireGtAndLt);
    return false;
  }
  return true;
}

// expireGenericCommand. `absolute`: the AT forms (base time 0 instead of now).
void ExpireGeneric(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply, bool seconds,
                   bool absolute) {
  uint8_t flags = 0;
  if (!ExpireFlagsOrReply(args, reply, &flags)) return;
  int64_t value;
  if (!Int64OrReply(args[2], reply, &value)) return;
  int64_t at_ms;
  if (!storage::ExpireArgToDeadline(value, seconds, absolute ? 0 : ctx.now_ms(), &at_ms)) {
    reply.Error(storage::InvalidExpireTimeError(AsciiLower(args[0])));
    return;
  }
  reply.Integer(storage::OpExpire(ctx.db(), args[1], at_ms, flags, ctx.now_ms()) ? 1 : 0);
}

void Expire(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ExpireGeneric(ctx, args, reply, /*seconds=*/true, /*absolute=*/false);
}
void PExpire(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ExpireGeneric(ctx, args, reply, /*seconds=*/false, /*absolute=*/false);
}
void ExpireAt(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ExpireGeneric(ctx, args, reply, /*seconds=*/true, /*absolute=*/true);
}
void PExpireAt(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  ExpireGeneric(ctx, args, reply, /*seconds=*/false, /*absolute=*/true);
}

// ---- TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.

template <storage::TtlQuery kQuery>
void TtlReply(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  reply.Integer(storage::OpTtl(ctx.db(), args[1], kQuery, ctx.now_ms()));
}

void Persist(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  reply.Integer(storage::OpPersist(ctx.db(), args[1], ctx.now_ms()) ? 1 : 0);
}

// ---- KEYS, SCAN, RANDOMKEY: every shard's slice of the db.

void Keys(CommandCall& call) {
  auto keys = PerShard<std::vector<std::string>>(call);
  const CommandArgs* args = &call.args();
  call.RunOnAllShards(
      [keys, args](OpContext& ctx) {
        storage::OpKeys(ctx.db(), (*args)[1], ctx.now_ms(), &(*keys)[ctx.shard_id()]);
      },
      [keys](CommandCall& call) {
        size_t total = 0;
        for (const std::vector<std::string>& shard_keys : *keys) total += shard_keys.size();
        call.reply().Array(total);
        for (const std::vector<std::string>& shard_keys : *keys) {
          for (const std::string& key : shard_keys) call.reply().Bulk(key);
        }
      });
}

// SCAN's cursor is the shard number above DbTable's 48-bit table cursor. A scan walks shard 0's
// table to completion, then shard 1's, and so on; keys never change shards, so each table's
// guarantee (a key present for the whole scan is returned at least once) holds for the whole
// keyspace. "0" starts and ends a scan, as in Redis.
constexpr int kScanShardShift = 48;
constexpr uint64_t kScanTableMask = (uint64_t{1} << kScanShardShift) - 1;

struct ScanState {
  uint64_t shard = 0;
  uint64_t cursor = 0;  // within the shard's table
  storage::ScanParams params;
  std::vector<std::string> keys;
};

void ReplyScan(uint64_t next, const std::vector<std::string>& keys, ReplyBuilder& reply) {
  reply.Array(2);
  reply.Bulk(std::to_string(next));
  reply.Array(keys.size());
  for (const std::string& key : keys) reply.Bulk(key);
}

void ScanShard(CommandCall& call, std::shared_ptr<ScanState> state) {
  call.RunOnShard(
      static_cast<ShardId>(state->shard),
      [state](OpContext& ctx) {
        state->cursor =
            storage::OpScan(ctx.db(), state->cursor, state->params, ctx.now_ms(), &state->keys);
      },
      [state](CommandCall& call) {
        if (state->cursor == 0) {
          ++state->shard;
          // A shard finished with room left in the page: go on with the next one, so that a
          // small keyspace comes back in one call, as from Redis. Each step is bounded work.
          if (state->shard < call.shard_count() && state->keys.size() < state->params.count) {
            ScanShard(call, state);
            return;
          }
        }
        const uint64_t next = state->shard >= call.shard_count()
                                  ? 0
                                  : (state->shard << kScanShardShift) | state->cursor;
        ReplyScan(next, state->keys, call.reply());
      });
}

void Scan(CommandCall& call) {
  ReplyBuilder& reply = call.reply();
  uint64_t cursor;
  if (!ScanCursorOrReply(call.args()[1], reply, &cursor)) return;
  ScanOptions options;
  if (!ScanOptionsOrReply(call.args(), 2, /*allow_type=*/true, reply, &options)) return;
  auto state = std::make_shared<ScanState>();
  state->shard = cursor >> kScanShardShift;
  state->cursor = cursor & kScanTableMask;
  state->params.count = static_cast<size_t>(options.count);
  state->params.pattern = options.pattern;
  state->params.type_name = options.type_name;
  if (state->shard >= call.shard_count()) {
    // Not a cursor this server handed out: the scan is over.
    ReplyScan(0, {}, reply);
    return;
  }
  ScanShard(call, std::move(state));
}

// Every shard proposes a random key of its own; one proposal is taken with probability
// proportional to its shard's size, so each key is about equally likely, as in Redis.
void RandomKey(CommandCall& call) {
  struct Proposal {
    std::optional<std::string> key;
    uint64_t weight = 0;
  };
  auto proposals = PerShard<Proposal>(call);
  call.RunOnAllShards(
      [proposals](OpContext& ctx) {
        Proposal& p = (*proposals)[ctx.shard_id()];
        p.key = storage::OpRandomKey(ctx.db(), ctx.now_ms());
        p.weight = p.key ? ctx.db().size() : 0;
      },
      [proposals](CommandCall& call) {
        uint64_t total = 0;
        for (const Proposal& p : *proposals) total += p.weight;
        if (total == 0) {
          call.reply().Null();
          return;
        }
        thread_local std::mt19937_64 rng{std::random_device{}()};
        uint64_t pick = std::uniform_int_distribution<uint64_t>(0, total - 1)(rng);
        for (const Proposal& p : *proposals) {
          if (pick < p.weight) {
            call.reply().Bulk(*p.key);
            return;
          }
          pick -= p.weight;
        }
      });
}

// ---- RENAME, RENAMENX.

void ReplyRename(OpStatus status, bool nx, ReplyBuilder& reply) {
  if (status == OpStatus::kNoSuchKey) {
    reply.Error(kErrNoSuchKey);
  } else if (nx) {
    reply.Integer(status == OpStatus::kOk ? 1 : 0);
  } else {
    reply.Ok();
  }
}

// The two halves of a cross-shard rename. storage has no split form of OpRename, so these
// record its events themselves: "rename_from" on the source shard once the move is certain,
// "rename_to" (after the table's "new") on the destination shard.
struct CrossShardRename {
  storage::DetachedEntry entry;
  OpStatus status = OpStatus::kOk;
};

void RenameCrossShard(CommandCall& call, bool nx) {
  auto state = std::make_shared<CrossShardRename>();
  const CommandArgs* args = &call.args();
  const ShardId src_shard = call.ShardOf((*args)[1]);
  const ShardId dst_shard = call.ShardOf((*args)[2]);
  // Step 1, source shard: take the key out with its TTL (lookupKeyWrite: an expired source is
  // "no such key").
  call.RunOnShard(
      src_shard,
      [state, args, nx](OpContext& ctx) {
        storage::Entry* e = ctx.db().FindLive((*args)[1], ctx.now_ms());
        if (e == nullptr) {
          state->status = OpStatus::kNoSuchKey;
          return;
        }
        state->entry = ctx.db().Extract(e);
        // RENAME cannot fail from here on; RENAMENX may still find the destination taken.
        if (!nx) ctx.db().Notify(storage::kEventGeneric, "rename_from", (*args)[1]);
      },
      [state, args, nx, src_shard, dst_shard](CommandCall& call) {
        if (state->status != OpStatus::kOk) {
          ReplyRename(state->status, nx, call.reply());
          return;
        }
        // Step 2, destination shard: drop an existing destination silently (RENAME) or give up
        // (RENAMENX), then insert under the new name.
        call.RunOnShard(
            dst_shard,
            [state, args, nx](OpContext& ctx) {
              storage::DbTable& db = ctx.db();
              if (storage::Entry* existing = db.FindLive((*args)[2], ctx.now_ms())) {
                if (nx) {
                  state->status = OpStatus::kNotPerformed;
                  return;
                }
                db.Erase(existing);
              }
              db.InsertAs(std::move(state->entry), (*args)[2]);
              db.Notify(storage::kEventGeneric, "rename_to", (*args)[2]);
            },
            [state, args, nx, src_shard](CommandCall& call) {
              if (!nx) {
                ReplyRename(OpStatus::kOk, nx, call.reply());
                return;
              }
              // Step 3 (RENAMENX only), source shard: record the rename, or put the key back
              // when the destination existed. If a client wrote the source name meanwhile, its
              // newer value wins and the taken entry is dropped.
              call.RunOnShard(
                  src_shard,
                  [state, args](OpContext& ctx) {
                    storage::DbTable& db = ctx.db();
                    if (state->status == OpStatus::kOk) {
                      db.Notify(storage::kEventGeneric, "rename_from", (*args)[1]);
                    } else if (db.FindLive((*args)[1], ctx.now_ms()) == nullptr) {
                      db.Insert(std::move(state->entry), /*record_new=*/false);
                    }
                  },
                  [state](CommandCall& call) {
                    ReplyRename(state->status, /*nx=*/true, call.reply());
                  });
            });
      });
}

void RenameGeneric(CommandCall& call, bool nx) {
  const CommandArgs* args = &call.args();
  const ShardId src_shard = call.ShardOf((*args)[1]);
  if (src_shard != call.ShardOf((*args)[2])) {
    RenameCrossShard(call, nx);
    return;
  }
  auto status = std::make_shared<OpStatus>(OpStatus::kOk);
  call.RunOnShard(
      src_shard,
      [status, args, nx](OpContext& ctx) {
        *status = storage::OpRename(ctx.db(), (*args)[1], (*args)[2], nx, ctx.now_ms());
      },
      [status, nx](CommandCall& call) { ReplyRename(*status, nx, call.reply()); });
}

void Rename(CommandCall& call) { RenameGeneric(call, /*nx=*/false); }
void RenameNx(CommandCall& call) { RenameGeneric(call, /*nx=*/true); }

// ---- COPY.

void ReplyCopy(OpStatus status, ReplyBuilder& reply) {
  if (status == OpStatus::kSameObject) {
    reply.Error(storage::kErrSameObject);
  } else {
    reply.Integer(status == OpStatus::kOk ? 1 : 0);
  }
}

// Cross-shard COPY: clone on the source shard, insert on the destination shard. Records
// OpCopy's "copy_to" itself, as storage has no split form of it.
void CopyCrossShard(CommandCall& call, int dst_db, bool replace) {
  struct State {
    storage::DetachedEntry clone;
    OpStatus status = OpStatus::kOk;
  };
  auto state = std::make_shared<State>();
  const CommandArgs* args = &call.args();
  call.RunOnShard(
      call.ShardOf((*args)[1]),
      [state, args](OpContext& ctx) {
        storage::Entry* e = ctx.db().LookupRead((*args)[1], ctx.now_ms());
        if (e == nullptr) {
          state->status = OpStatus::kNoKey;
        } else {
          state->clone = ctx.db().CloneDetached(e);
        }
      },
      [state, args, dst_db, replace](CommandCall& call) {
        if (state->status != OpStatus::kOk) {
          ReplyCopy(state->status, call.reply());
          return;
        }
        call.RunOnShard(
            call.ShardOf((*args)[2]),
            [state, args, dst_db, replace](OpContext& ctx) {
              storage::DbTable& db = ctx.db(dst_db);
              if (storage::Entry* existing = db.FindLive((*args)[2], ctx.now_ms())) {
                if (!replace) {
                  state->status = OpStatus::kNotPerformed;
                  return;
                }
                db.Erase(existing);
              }
              db.InsertAs(std::move(state->clone), (*args)[2]);
              db.Notify(storage::kEventGeneric, "copy_to", (*args)[2]);
            },
            [state](CommandCall& call) { ReplyCopy(state->status, call.reply()); });
      });
}

void Copy(CommandCall& call) {
  const CommandArgs* args = &call.args();
  ReplyBuilder& reply = call.reply();
  int dst_db = call.db();
  bool replace = false;
  for (size_t j = 3; j < args->size(); ++j) {
    if (EqualsIgnoreCase((*args)[j], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase((*args)[j], "db") && j + 1 < args->size()) {
      if (!IntOrReply((*args)[++j], reply, &dst_db)) return;
    } else {
      reply.Error(kErrSyntax);
      return;
    }
  }
  if (dst_db < 0 || dst_db >= call.engine().databases()) {
    reply.Error(kErrDbIndexOutOfRange);
    return;
  }
  const ShardId src_shard = call.ShardOf((*args)[1]);
  if (src_shard != call.ShardOf((*args)[2])) {
    CopyCrossShard(call, dst_db, replace);
    return;
  }
  auto status = std::make_shared<OpStatus>(OpStatus::kOk);
  call.RunOnShard(
      src_shard,
      [status, args, dst_db, replace](OpContext& ctx) {
        *status = storage::OpCopy(ctx.db(), ctx.db(dst_db), (*args)[1], (*args)[2], replace,
                                  ctx.now_ms());
      },
      [status](CommandCall& call) { ReplyCopy(*status, call.reply()); });
}

// ---- MOVE.

void Move(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  int dst_db;
  if (!IntOrReply(args[2], reply, &dst_db)) return;
  if (dst_db < 0 || dst_db >= ctx.shard().databases()) {
    reply.Error(kErrDbIndexOutOfRange);
    return;
  }
  OpStatus status = storage::OpMove(ctx.db(), ctx.db(dst_db), args[1], ctx.now_ms());
  ReplyCopy(status, reply);
}

// ---- OBJECT.

constexpr uint8_t kObjectLookup =
    storage::DbTable::kLookupNoTouch | storage::DbTable::kLookupNoNotify;

void ObjectEncoding(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  const char* encoding = storage::OpObjectEncoding(ctx.db(), args[2], ctx.now_ms());
  if (encoding == nullptr) {
    reply.Null();
  } else {
    reply.Bulk(encoding);
  }
}

// Tessera keeps no LFU counters, so FREQ answers as Redis does under a non-LFU policy.
void ObjectFreq(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  if (ctx.db().LookupRead(args[2], ctx.now_ms(), kObjectLookup) == nullptr) {
    reply.Null();
    return;
  }
  reply.Error(
      "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
      "that when switching between policies at runtime LRU and LFU data will take some time to "
      "adjust.");
}

void ObjectIdleTime(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  storage::OpResult<int64_t> r = storage::OpObjectIdleTime(ctx.db(), args[2], ctx.now_ms());
  if (r.status == OpStatus::kNoKey) {
    reply.Null();
  } else {
    reply.Integer(r.value);
  }
}

// Redis shares the objects of the integers 0..9999 (OBJ_SHARED_INTEGERS) and reports them with
// OBJ_SHARED_REFCOUNT; every other value has one reference.
void ObjectRefCount(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  const storage::Entry* e = ctx.db().LookupRead(args[2], ctx.now_ms(), kObjectLookup);
  if (e == nullptr) {
    reply.Null();
    return;
  }
  const bool shared =
      e->encoding() == storage::Encoding::kInt && e->int_value() >= 0 && e->int_value() < 10000;
  reply.Integer(shared ? 2147483647 : 1);
}

void ObjectHelp(OpContext&, const CommandArgs& args, ReplyBuilder& reply) {
  ReplyHelp(reply, args[0],
            {
                "ENCODING <key>",
                "    Return the kind of internal representation used in order to store the value",
                "    associated with a <key>.",
                "FREQ <key>",
                "    Return the access frequency index of the <key>. The returned integer is",
                "    proportional to the logarithm of the recent access frequency of the key.",
                "IDLETIME <key>",
                "    Return the idle time of the <key>, that is the approximated number of",
                "    seconds elapsed since the last access to the key.",
                "REFCOUNT <key>",
                "    Return the number of references of the value associated with the specified",
                "    <key>.",
            });
}

// KEYS, SCAN and RANDOMKEY read every shard: they take shared locks on whole shards rather than
// on keys.
engine::CommandSpec LocksAllShards(engine::CommandSpec spec) {
  spec.lock_scope = engine::LockScope::kAllShards;
  return spec;
}

}  // namespace

// Metadata: Redis 7.0.15's COMMAND INFO / COMMAND DOCS, verbatim.
void RegisterKeyCommands(engine::CommandRegistry& registry) {
  registry.Add(SpecBuilder("del", -2)
                   .Flags("write")
                   .Acl("@keyspace @write @slow")
                   .Keys(1, -1, 1)
                   .KeySpecs({RangeKeys("RM delete", 1, -1)})
                   .Tips("request_policy:multi_shard response_policy:agg_sum")
                   .Docs("generic", "1.0.0", "Delete a key",
                         "O(N) where N is the number of keys that will be removed. When a key to "
                         "remove holds a value other than a string, the individual complexity for "
                         "this key is O(M) where M is the number of elements in the list, set, "
                         "sorted set or hash. Removing a single key that holds a string value is "
                         "O(1).")
                   .Coordinator(Del)
                   .StepsAtLock()
                   .Build());
  registry.Add(SpecBuilder("unlink", -2)
                   .Flags("write fast")
                   .Acl("@keyspace @write @fast")
                   .Keys(1, -1, 1)
                   .KeySpecs({RangeKeys("RM delete", 1, -1)})
                   .Tips("request_policy:multi_shard response_policy:agg_sum")
                   .Docs("generic", "4.0.0",
                         "Delete a key asynchronously in another thread. Otherwise it is just as "
                         "DEL, but non blocking.",
                         "O(1) for each key removed regardless of its size. Then the command does "
                         "O(N) work in a different thread in order to reclaim memory, where N is "
                         "the number of allocations the deleted objects where composed of.")
                   .Coordinator(Del)
                   .StepsAtLock()
                   .Build());
  registry.Add(SpecBuilder("exists", -2)
                   .Flags("readonly fast")
                   .Acl("@keyspace @read @fast")
                   .Keys(1, -1, 1)
                   .KeySpecs({RangeKeys("RO", 1, -1)})
                   .Tips("request_policy:multi_shard response_policy:agg_sum")
                   .Docs("generic", "1.0.0", "Determine if a key exists",
                         "O(N) where N is the number of keys to check.")
                   .Coordinator(Exists)
                   .StepsAtLock()
                   .Build());
  registry.Add(SpecBuilder("touch", -2)
                   .Flags("readonly fast")
                   .Acl("@keyspace @read @fast")
                   .Keys(1, -1, 1)
                   .KeySpecs({RangeKeys("RO", 1, -1)})
                   .Tips("request_policy:multi_shard response_policy:agg_sum")
                   .Docs("generic", "3.2.1",
                         "Alters the last access time of a key(s). Returns the number of existing "
                         "keys specified.",
                         "O(N) where N is the number of keys that will be touched.")
                   .Coordinator(Touch)
                   .StepsAtLock()
                   .Build());
  registry.Add(SpecBuilder("type", 2)
                   .Flags("readonly fast")
                   .Acl("@keyspace @read @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RO", 1, 0)})
                   .Docs("generic", "1.0.0", "Determine the type stored at key", "O(1)")
                   .Shard(Type)
                   .Build());

  struct KeyCommand {
    std::string_view name;
    std::string_view since;
    std::string_view summary;
    engine::ShardFn fn;
  };
  const KeyCommand kExpires[] = {
      {"expire", "1.0.0", "Set a key's time to live in seconds", Expire},
      {"pexpire", "2.6.0", "Set a key's time to live in milliseconds", PExpire},
      {"expireat", "1.2.0", "Set the expiration for a key as a UNIX timestamp", ExpireAt},
      {"pexpireat", "2.6.0",
       "Set the expiration for a key as a UNIX timestamp specified in milliseconds", PExpireAt},
  };
  for (const KeyCommand& c : kExpires) {
    registry.Add(SpecBuilder(c.name, -3)
                     .Flags("write fast")
                     .Acl("@keyspace @write @fast")
                     .Keys(1, 1, 1)
                     .KeySpecs({RangeKeys("RW update", 1, 0)})
                     .Docs("generic", c.since, c.summary, "O(1)")
                     .Shard(c.fn)
                     .Build());
  }
  const KeyCommand kExpireTimes[] = {
      {"expiretime", "7.0.0", "Get the expiration Unix timestamp for a key",
       TtlReply<storage::TtlQuery::kExpireTime>},
      {"pexpiretime", "7.0.0", "Get the expiration Unix timestamp for a key in milliseconds",
       TtlReply<storage::TtlQuery::kPExpireTime>},
  };
  for (const KeyCommand& c : kExpireTimes) {
    registry.Add(SpecBuilder(c.name, 2)
                     .Flags("readonly fast")
                     .Acl("@keyspace @read @fast")
                     .Keys(1, 1, 1)
                     .KeySpecs({RangeKeys("RO access", 1, 0)})
                     .Docs("generic", c.since, c.summary, "O(1)")
                     .Shard(c.fn)
                     .Build());
  }
  const KeyCommand kTtls[] = {
      {"ttl", "1.0.0", "Get the time to live for a key in seconds",
       TtlReply<storage::TtlQuery::kTtl>},
      {"pttl", "2.6.0", "Get the time to live for a key in milliseconds",
       TtlReply<storage::TtlQuery::kPTtl>},
  };
  for (const KeyCommand& c : kTtls) {
    registry.Add(SpecBuilder(c.name, 2)
                     .Flags("readonly fast")
                     .Acl("@keyspace @read @fast")
                     .Keys(1, 1, 1)
                     .KeySpecs({RangeKeys("RO access", 1, 0)})
                     .Tips("nondeterministic_output")
                     .Docs("generic", c.since, c.summary, "O(1)")
                     .Shard(c.fn)
                     .Build());
  }
  registry.Add(SpecBuilder("persist", 2)
                   .Flags("write fast")
                   .Acl("@keyspace @write @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW update", 1, 0)})
                   .Docs("generic", "2.2.0", "Remove the expiration from a key", "O(1)")
                   .Shard(Persist)
                   .Build());

  registry.Add(LocksAllShards(
      SpecBuilder("keys", 2)
          .Flags("readonly")
          .Acl("@keyspace @read @slow @dangerous")
          .Tips("request_policy:all_shards nondeterministic_output_order")
          .Docs("generic", "1.0.0", "Find all keys matching the given pattern",
                "O(N) with N being the number of keys in the database, under the "
                "assumption that the key names in the database and the given pattern "
                "have limited length.")
          .Coordinator(Keys)
          .Build()));
  registry.Add(LocksAllShards(
      SpecBuilder("scan", -2)
          .Flags("readonly")
          .Acl("@keyspace @read @slow")
          .Tips("nondeterministic_output request_policy:special")
          .Docs("generic", "2.8.0", "Incrementally iterate the keys space",
                "O(1) for every call. O(N) for a complete iteration, including enough "
                "command calls for the cursor to return back to 0. N is the number of "
                "elements inside the collection.")
          .Coordinator(Scan)
          .Build()));
  registry.Add(
      LocksAllShards(SpecBuilder("randomkey", 1)
                         .Flags("readonly")
                         .Acl("@keyspace @read @slow")
                         .Tips("request_policy:all_shards nondeterministic_output")
                         .Docs("generic", "1.0.0", "Return a random key from the keyspace", "O(1)")
                         .Coordinator(RandomKey)
                         .Build()));

  registry.Add(SpecBuilder("rename", 3)
                   .Flags("write")
                   .Acl("@keyspace @write @slow")
                   .Keys(1, 2, 1)
                   .KeySpecs({RangeKeys("RW access delete", 1, 0), RangeKeys("OW update", 2, 0)})
                   .Docs("generic", "1.0.0", "Rename a key", "O(1)")
                   .Coordinator(Rename)
                   .Build());
  registry.Add(
      SpecBuilder("renamenx", 3)
          .Flags("write fast")
          .Acl("@keyspace @write @fast")
          .Keys(1, 2, 1)
          .KeySpecs({RangeKeys("RW access delete", 1, 0), RangeKeys("OW insert", 2, 0)})
          .Docs("generic", "1.0.0", "Rename a key, only if the new key does not exist", "O(1)")
          .Coordinator(RenameNx)
          .Build());
  registry.Add(SpecBuilder("copy", -3)
                   .Flags("write denyoom")
                   .Acl("@keyspace @write @slow")
                   .Keys(1, 2, 1)
                   .KeySpecs({RangeKeys("RO access", 1, 0), RangeKeys("OW update", 2, 0)})
                   .Docs("generic", "6.2.0", "Copy a key",
                         "O(N) worst case for collections, where N is the number of nested items. "
                         "O(1) for string values.")
                   .Coordinator(Copy)
                   .Build());
  registry.Add(SpecBuilder("move", 3)
                   .Flags("write fast")
                   .Acl("@keyspace @write @fast")
                   .Keys(1, 1, 1)
                   .KeySpecs({RangeKeys("RW access update", 1, 0)})
                   .Docs("generic", "1.0.0", "Move a key to another database", "O(1)")
                   .Shard(Move)
                   .Build());

  auto object_sub = [](std::string_view name, std::string_view since, std::string_view summary,
                       engine::ShardFn fn) {
    return SpecBuilder(name, 3)
        .Flags("readonly")
        .Acl("@keyspace @read @slow")
        .Keys(2, 2, 1)
        .KeySpecs({RangeKeys("RO", 2, 0)})
        .Tips("nondeterministic_output")
        .Docs("generic", since, summary, "O(1)")
        .Shard(fn)
        .Build();
  };
  registry.Add(
      SpecBuilder("object", -2)
          .Acl("@slow")
          .Docs("generic", "2.2.3", "A container for object introspection commands",
                "Depends on subcommand.")
          // Alphabetical: redis-server lists subcommands in its dict order, which changes with
          // the hash seed of each process, so clients cannot rely on any order.
          .Sub(object_sub("encoding", "2.2.3", "Inspect the internal encoding of a Redis object",
                          ObjectEncoding))
          .Sub(object_sub("freq", "4.0.0",
                          "Get the logarithmic access frequency counter of a Redis object",
                          ObjectFreq))
          .Sub(SpecBuilder("help", 2)
                   .Flags("loading stale")
                   .Acl("@keyspace @slow")
                   .Docs("generic", "6.2.0", "Show helpful text about the different subcommands",
                         "O(1)")
                   .Shard(ObjectHelp)
                   .Build())
          .Sub(object_sub("idletime", "2.2.3",
                          "Get the time since a Redis object was last accessed", ObjectIdleTime))
          .Sub(object_sub("refcount", "2.2.3",
                          "Get the number of references to the value of the key", ObjectRefCount))
          .Build());
}

}  // namespace tessera::commands
