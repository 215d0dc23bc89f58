// Server commands that act on the whole keyspace or the process: DBSIZE, FLUSHDB, FLUSHALL,
// SWAPDB, TIME and DEBUG (SLEEP, OBJECT, SET-ACTIVE-EXPIRE). INFO, CONFIG and SHUTDOWN need the
// server object and live in src/server.
//
// Whole-keyspace commands fan out to every shard; each step touches only its own shard and
// writes only its own result slot, and the continuation merges the slots on the client's loop.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "src/commands/arg_parse.h"
#include "src/commands/register.h"
#include "src/commands/spec_builder.h"
#include "src/engine/command_call.h"
#include "src/engine/engine.h"
#include "src/engine/op_context.h"
#include "src/engine/shard.h"
#include "storage/db_table.h"

namespace tessera::commands {
namespace {

using engine::CommandCall;
using engine::OpContext;
using protocol::CommandArgs;

// Per-shard results of a fan-out, indexed by shard id.
template <typename T>
std::shared_ptr<std::vector<T>> PerShard(CommandCall& call) {
  return std::make_shared<std::vector<T>>(call.shard_count());
}

void DbSize(CommandCall& call) {
  auto sizes = PerShard<int64_t>(call);
  call.RunOnAllShards(
      [sizes](OpContext& ctx) {
        // Like Redis's dictSize: keys whose TTL passed but that were not reclaimed yet count.
        (*sizes)[ctx.shard_id()] = static_cast<int64_t>(ctx.db().size());
      },
      [sizes](CommandCall& call) {
        int64_t total = 0;
        for (int64_t n : *sizes) total += n;
        call.reply().Integer(total);
      });
}

// Redis's getFlushCommandFlags: an optional ASYNC or SYNC, nothing else. Tessera frees
// synchronously either way (the difference is invisible to clients besides latency).
bool ParseFlushMode(CommandCall& call) {
  const CommandArgs& args = call.args();
  if (args.size() > 2 || (args.size() == 2 && !EqualsIgnoreCase(args[1], "sync") &&
                          !EqualsIgnoreCase(args[1], "async"))) {
    call.reply().Error(kErrSyntax);
    return false;
  }
  return true;
}

void FlushDb(CommandCall& call) {
  if (!ParseFlushMode(call)) return;
  call.RunOnAllShards(
      [](OpContext& ctx) {
        // Counted as changes (rdb_changes_since_last_save), as Redis adds them to `dirty`.
        ctx.shard().changes().AddWrites(ctx.db().Clear());
      },
      [](CommandCall& call) { call.reply().Ok(); });
}

void FlushAll(CommandCall& call) {
  if (!ParseFlushMode(call)) return;
  call.RunOnAllShards(
      [](OpContext& ctx) {
        size_t removed = 0;
        for (int db = 0; db < ctx.shard().databases(); ++db) removed += ctx.db(db).Clear();
        ctx.shard().changes().AddWrites(removed);
      },
      [](CommandCall& call) { call.reply().Ok(); });
}

void SwapDb(CommandCall& call) {
  int a, b;
  if (!IntOrReply(call.args()[1], call.reply(), &a, "ERR invalid first DB index")) return;
  if (!IntOrReply(call.args()[2], call.reply(), &b, "ERR invalid second DB index")) return;
  int n = call.engine().databases();
  if (a < 0 || a >= n || b < 0 || b >= n) {
    call.reply().Error("ERR DB index is out of range");
    return;
  }
  // Each shard swaps its own slices; clients keep their db index and so see the swapped data.
  call.RunOnAllShards([a, b](OpContext& ctx) { ctx.shard().SwapDbs(a, b); },
                      [](CommandCall& call) { call.reply().Ok(); });
}

void Time(CommandCall& call) {
  int64_t us = call.engine().clock().NowUs();
  protocol::ReplyBuilder& reply = call.reply();
  // Two bulk strings in both protocols (addReplyBulkLongLong).
  reply.Array(2);
  reply.Bulk(std::to_string(us / 1'000'000));
  reply.Bulk(std::to_string(us % 1'000'000));
}

// ---- DEBUG.

// Redis's rdbSaveLen: the size of an RDB length prefix.
size_t RdbLenSize(size_t len) {
  if (len < (1u << 6)) return 1;
  if (len < (1u << 14)) return 2;
  if (len <= UINT32_MAX) return 5;
  return 9;
}

// The size of an RDB integer encoding, or 0 if `v` needs the string form (rdbEncodeInteger).
size_t RdbIntSize(int64_t v) {
  if (v >= INT8_MIN && v <= INT8_MAX) return 2;
  if (v >= INT16_MIN && v <= INT16_MAX) return 3;
  if (v >= INT32_MIN && v <= INT32_MAX) return 5;
  return 0;
}

// DEBUG OBJECT's serializedlength for a string: what rdbSaveStringObject writes. LZF
// compression (Redis tries it for strings over 20 bytes) is not modelled, so a compressible
// long string reports its uncompressed size.
size_t RdbStringSize(const storage::Entry& e) {
  char buf[storage::kInt64BufSize];
  std::string_view bytes = e.StringView(buf);
  int64_t v;
  if (bytes.size() <= 11 && storage::ParseInt64(bytes, &v)) {
    if (size_t n = RdbIntSize(v)) return n;
  }
  return RdbLenSize(bytes.size()) + bytes.size();
}

// Redis shares the objects for the integers 0..9999 (OBJ_SHARED_INTEGERS); DEBUG OBJECT shows
// them with OBJ_SHARED_REFCOUNT.
int64_t RefCount(const storage::Entry& e) {
  if (e.encoding() == storage::Encoding::kInt && e.int_value() >= 0 && e.int_value() < 10000) {
    return 2147483647;
  }
  return 1;
}

std::string DescribeObject(const storage::Entry& e, int64_t now_ms) {
  size_t serialized = e.is_string() ? RdbStringSize(e) : e.MemoryUsage();
  uint32_t now_lru = storage::DbTable::LruClock(now_ms);
  uint32_t idle = now_lru > e.access_time() ? now_lru - e.access_time() : 0;
  // The LRU field is 24 bits wide in Redis (LRU_CLOCK_MAX).
  char line[256];
  std::snprintf(line, sizeof(line),
                "Value at:%p refcount:%lld encoding:%s serializedlength:%zu lru:%u "
                "lru_seconds_idle:%u",
                static_cast<const void*>(&e), static_cast<long long>(RefCount(e)), e.EncodingName(),
                serialized, e.access_time() & 0xFFFFFFu, idle);
  return line;
}

void DebugObject(CommandCall& call) {
  struct Result {
    bool found = false;
    std::string text;
  };
  auto result = std::make_shared<Result>();
  std::string key(call.args()[2]);
  call.RunOnShard(
      call.ShardOf(key),
      [result, key](OpContext& ctx) {
        // As Redis's objectCommandLookup: expires the key if due, does not touch it.
        storage::Entry* e = ctx.db().LookupRead(
            key, ctx.now_ms(),
            storage::DbTable::kLookupNoTouch | storage::DbTable::kLookupNoNotify);
        if (e == nullptr) return;
        result->found = true;
        result->text = DescribeObject(*e, ctx.now_ms());
      },
      [result](CommandCall& call) {
        if (result->found) {
          call.reply().SimpleString(result->text);
        } else {
          call.reply().Error(kErrNoSuchKey);
        }
      });
}

void DebugSleep(CommandCall& call) {
  // Redis: strtod with no validation ("abc" sleeps 0 s), then nanosleep. Like Redis, the loop
  // stops serving while asleep; unlike Redis, only this client's loop does.
  double seconds = std::strtod(std::string(call.args()[2]).c_str(), nullptr);
  auto us = static_cast<int64_t>(seconds * 1'000'000);
  if (us > 0) std::this_thread::sleep_for(std::chrono::microseconds(us));
  call.reply().Ok();
}

void DebugSetActiveExpire(CommandCall& call) {
  // Redis parses the flag with atoi: anything non-numeric means 0.
  call.engine().set_active_expire(std::atoi(std::string(call.args()[2]).c_str()) != 0);
  call.reply().Ok();
}

void Debug(CommandCall& call) {
  const CommandArgs& args = call.args();
  std::string_view sub = args[1];
  if (args.size() == 2 && EqualsIgnoreCase(sub, "help")) {
    // Redis's text for the subcommands Tessera has.
    ReplyHelp(call.reply(), args[0],
              {
                  "OBJECT <key>",
                  "    Show low level info about `key` and associated value.",
                  "SET-ACTIVE-EXPIRE <0|1>",
                  "    Setting it to 0 disables expiring keys in background when they are not",
                  "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
                  "    default.",
                  "SLEEP <seconds>",
                  "    Stop the server for <seconds>. Decimals allowed.",
              });
  } else if (args.size() == 3 && EqualsIgnoreCase(sub, "object")) {
    DebugObject(call);
  } else if (args.size() == 3 && EqualsIgnoreCase(sub, "sleep")) {
    DebugSleep(call);
  } else if (args.size() == 3 && EqualsIgnoreCase(sub, "set-active-expire")) {
    DebugSetActiveExpire(call);
  } else {
    call.reply().Error(SubcommandSyntaxError(args[0], sub));
  }
}

}  // namespace

// Metadata: Redis 7.0.15's COMMAND INFO / COMMAND DOCS.
void RegisterServerCommands(engine::CommandRegistry& registry) {
  constexpr std::string_view kAllShardsOk =
      "request_policy:all_shards response_policy:all_succeeded";
  registry.Add(
      SpecBuilder("dbsize", 1)
          .Flags("readonly fast")
          .Acl("@keyspace @read @fast")
          .Tips("request_policy:all_shards response_policy:agg_sum")
          .Docs("server", "1.0.0", "Return the number of keys in the selected database", "O(1)")
          .Coordinator(DbSize)
          .Build());
  registry.Add(SpecBuilder("flushdb", -1)
                   .Flags("write")
                   .Acl("@keyspace @write @slow @dangerous")
                   .Tips(kAllShardsOk)
                   .Docs("server", "1.0.0", "Remove all keys from the current database",
                         "O(N) where N is the number of keys in the selected database")
                   .Coordinator(FlushDb)
                   .Build());
  registry.Add(SpecBuilder("flushall", -1)
                   .Flags("write")
                   .Acl("@keyspace @write @slow @dangerous")
                   .Tips(kAllShardsOk)
                   .Docs("server", "1.0.0", "Remove all keys from all databases",
                         "O(N) where N is the total number of keys in all databases")
                   .Coordinator(FlushAll)
                   .Build());
  registry.Add(SpecBuilder("swapdb", 3)
                   .Flags("write fast")
                   .Acl("@keyspace @write @fast @dangerous")
                   .Docs("server", "4.0.0", "Swaps two Redis databases",
                         "O(N) where N is the count of clients watching or blocking on keys from "
                         "both databases.")
                   .Coordinator(SwapDb)
                   .Build());
  registry.Add(SpecBuilder("time", 1)
                   .Flags("loading stale fast")
                   .Acl("@fast")
                   .Tips("nondeterministic_output")
                   .Docs("server", "2.6.0", "Return the current server time", "O(1)")
                   .Coordinator(Time)
                   .Build());
  // Redis gates DEBUG behind enable-debug-command (default "no"); Tessera always allows the
  // three harmless subcommands it has.
  registry.Add(
      SpecBuilder("debug", -2)
          .Flags("admin noscript loading stale")
          .Acl("@admin @slow @dangerous")
          .Docs("server", "1.0.0", "A container for debugging commands", "Depends on subcommand.")
          .Coordinator(Debug)
          .Build());
}

}  // namespace tessera::commands
