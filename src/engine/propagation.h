// What a write command leaves in the journal (journal.h): its own arguments when replaying them
// reproduces the change, else a deterministic rewrite, as Redis 7.0 propagates:
//   SET/SETEX/PSETEX with a relative TTL  -> SET ... PXAT <deadline>
//   EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT     -> PEXPIREAT <deadline>, or DEL when it removed the key
//   GETEX with a TTL option               -> PEXPIREAT <deadline> / PERSIST
//   INCRBYFLOAT                           -> SET key <result> KEEPTTL
//   HINCRBYFLOAT                          -> HSET key field <result>
//   SPOP                                  -> SREM key <the members popped>
//   BLPOP/BRPOP/BLMOVE/BRPOPLPUSH/BLMPOP/BZPOPMIN/BZPOPMAX/BZMPOP answered at once
//                                         -> LPOP/RPOP/LMOVE/RPOPLPUSH/LMPOP/ZPOPMIN/ZPOPMAX/ZMPOP
// Thread: ShardRecord runs on the shard that ran the op (it reads the key's state after it);
// the others on any thread.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/command_args.h"
#include "src/engine/command_spec.h"

namespace tessera::engine {

class OpContext;

// RESP multibulk of `args`, appended to *out.
void AppendCommand(std::string* out, const std::vector<std::string_view>& args);
void AppendCommand(std::string* out, const protocol::CommandArgs& args);

// The record of a one-shard op that changed data (`reply`: its reply bytes). Empty: none.
std::string ShardRecord(const CommandSpec& spec, const protocol::CommandArgs& args, OpContext& ctx,
                        std::string_view reply);
// The record of a coordinator command (multi-shard, or run on a shard through its handler),
// decided from its reply: nothing for an error reply or a read-only command.
std::string CoordinatorRecord(const CommandSpec& spec, const protocol::CommandArgs& args,
                              std::string_view reply);

}  // namespace tessera::engine
