// What the server knows about one command: its Redis metadata (arity, flags, key positions, ACL
// categories — served by COMMAND) and the code that runs it.
//
// A command is run by exactly one of:
//  - on_shard: runs on the loop that owns the command's key(s). Every key of the command must
//    hash to the same shard; a keyless on_shard command runs on the client's own loop. This is
//    the fast path: the engine runs it inline when the shard is local and as a hop otherwise.
//  - on_coordinator: runs on the client's loop with a CommandCall, which can reply at once or
//    fan out to shards (multi-key commands, whole-keyspace commands, connection state).
// Specs are built at startup and immutable afterwards, so every thread may read them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "protocol/command_args.h"
#include "protocol/reply_builder.h"

namespace tessera::engine {

class OpContext;
class CommandCall;

// Positions of the keys of a command whose keys move with its arguments (ZUNIONSTORE's
// numkeys, SORT ... STORE): used for routing, locking and COMMAND GETKEYS.
using KeysFn = std::vector<uint32_t> (*)(const protocol::CommandArgs& args);

// What a coordinator command locks before it runs, so that it is atomic across shards.
enum class LockScope : uint8_t {
  kKeys,       // its keys: exclusive for write commands, shared otherwise (none if keyless)
  kAllShards,  // whole shards (FLUSHDB, KEYS, DBSIZE, SCAN...): exclusive if write, else shared
  kNone,       // nothing (connection and server commands that touch no keys)
};

using ShardFn = void (*)(OpContext& ctx, const protocol::CommandArgs& args,
                         protocol::ReplyBuilder& reply);
// A std::function so layers above the engine (server: INFO, CONFIG) can bind their own state.
using CoordinatorFn = std::function<void(CommandCall& call)>;

// Flag bits the dispatcher acts on. The full Redis flag list is kept as text for COMMAND.
enum CommandFlag : uint32_t {
  kCmdWrite = 1 << 0,
  kCmdReadOnly = 1 << 1,
  kCmdDenyOom = 1 << 2,
  kCmdAdmin = 1 << 3,
  kCmdPubSub = 1 << 4,
  kCmdNoScript = 1 << 5,
  kCmdBlocking = 1 << 6,
  kCmdLoading = 1 << 7,
  kCmdStale = 1 << 8,
  kCmdFast = 1 << 9,
  kCmdNoAuth = 1 << 10,
  kCmdNoMulti = 1 << 11,
  kCmdAllowBusy = 1 << 12,
  kCmdMovableKeys = 1 << 13,
};

// One Redis 7 key specification, as COMMAND INFO reports it.
struct KeySpec {
  std::string notes;  // Redis's free-text note, if any
  std::string flags;  // e.g. "RW access update", "RO access", "OW update", "RM delete"
  // kUnknown: Redis cannot say where the keys are (SORT's BY/GET/STORE).
  enum class Begin : uint8_t { kIndex, kKeyword, kUnknown } begin = Begin::kIndex;
  int begin_index = 1;          // kIndex: position of the first key
  std::string begin_keyword;    // kKeyword: e.g. "STREAMS"
  int begin_keyword_start = 1;  // kKeyword: where to start looking (negative: from the end)
  enum class Find : uint8_t { kRange, kKeynum, kUnknown } find = Find::kRange;
  int last_key = 0;      // kRange: relative to the first key; -1 = last argument
  int key_step = 1;      // kRange and kKeynum
  int limit = 0;         // kRange
  int keynum_index = 0;  // kKeynum: where the count is, relative to begin
  int first_key = 1;     // kKeynum: first key relative to begin
};

struct CommandSpec {
  std::string name;            // lower case; subcommands are "container|sub", e.g. "client|list"
  int arity = 0;               // Redis convention: n = exactly n arguments, -n = at least n
  std::string flags;           // Redis's flag names, space separated: "write denyoom fast"
  std::string acl_categories;  // "@write @string @fast"
  int first_key = 0;
  int last_key = 0;  // negative counts from the end (-1 = last argument)
  int key_step = 0;
  std::vector<KeySpec> key_specs;
  std::string tips;  // space separated, e.g. "request_policy:all_shards response_policy:agg_sum"

  // COMMAND DOCS
  std::string group;  // "string", "generic", "connection", "server", ...
  std::string since;  // "1.0.0"
  std::string summary;
  std::string complexity;

  KeysFn keys_fn = nullptr;  // set for commands with movable keys
  LockScope lock_scope = LockScope::kKeys;

  ShardFn on_shard = nullptr;
  CoordinatorFn on_coordinator = nullptr;
  // A promise by on_coordinator, which lets a multi-shard call save a round trip: it calls
  // RunOnShards at most once, on shards that hold keys of the command, without looking at the
  // data first, and its continuation issues no more steps (MGET, MSET, DEL, EXISTS, ...). The
  // handler then runs before the locks are taken and each shard runs its step in the hop that
  // grants its locks, instead of a lock round trip followed by a step round trip.
  bool steps_at_lock = false;
  std::vector<CommandSpec> subcommands;

  uint32_t flag_bits = 0;  // computed from `flags` at registration
  uint32_t id = 0;         // dense index over every command and subcommand, for statistics

  bool Has(CommandFlag f) const { return (flag_bits & f) != 0; }
  // True when argc satisfies the arity.
  bool ArityOk(size_t argc) const {
    return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
  }
};

}  // namespace tessera::engine
