// Pieces shared by the sorted-set family's files (zset_cmds.cc, zset_range_cmds.cc,
// zset_store_cmds.cc): reply shapes Redis 7.0 uses for scored members, and the registration
// entry points the family's RegisterZSetCommands calls. Pure; any thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/command_args.h"
#include "protocol/reply_builder.h"
#include "src/engine/command_registry.h"
#include "storage/numbers.h"
#include "storage/op_status.h"
#include "storage/zset_value.h"

namespace tessera::commands {

// Replies with the error text of an error status; false for the statuses that are not errors.
inline bool ReplyIfZSetError(storage::OpStatus status, protocol::ReplyBuilder& reply) {
  std::string_view text = storage::ErrorText(status);
  if (text.empty()) return false;
  reply.Error(text);
  return true;
}

// One element, as ZRANGE ... WITHSCORES shows it: [member, score] as a pair in RESP3 when
// `nested`, else the two values inline.
inline void ReplyScoredPair(protocol::ReplyBuilder& reply, const storage::ScoredMember& m,
                            bool nested) {
  if (nested) reply.Array(2);
  reply.Bulk(m.member);
  reply.Double(m.score);
}

// ZRANGE's shape (also ZUNION, ZINTER, ZDIFF, ZRANDMEMBER): members only, or with scores as a
// flat array in RESP2 and an array of [member, score] pairs in RESP3.
inline void ReplyScoredMembers(protocol::ReplyBuilder& reply,
                               const std::vector<storage::ScoredMember>& members,
                               bool with_scores) {
  const bool nested = with_scores && reply.resp3();
  reply.Array(with_scores && !nested ? members.size() * 2 : members.size());
  for (const storage::ScoredMember& m : members) {
    if (with_scores) {
      ReplyScoredPair(reply, m, nested);
    } else {
      reply.Bulk(m.member);
    }
  }
}

// Key positions of the numkeys forms, for keys_fn (routing, locks, COMMAND GETKEYS): `count`
// keys from position `first`, when args[count_pos] is a usable count; else none, and the
// handler replies the numkeys error without touching any key.
inline std::vector<uint32_t> NumKeysPositions(const protocol::CommandArgs& args, size_t count_pos,
                                              size_t first) {
  std::vector<uint32_t> out;
  int64_t n;
  if (count_pos >= args.size() || first > args.size() ||
      !storage::ParseInt64(args[count_pos], &n) || n < 1 ||
      static_cast<uint64_t>(n) > args.size() - first) {
    return out;
  }
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
    out.push_back(static_cast<uint32_t>(first + i));
  }
  return out;
}

void RegisterZSetRangeCommands(engine::CommandRegistry& registry);  // zset_range_cmds.cc
void RegisterZSetStoreCommands(engine::CommandRegistry& registry);  // zset_store_cmds.cc
void RegisterZSetPopCommands(engine::CommandRegistry& registry);    // zset_pop_cmds.cc

}  // namespace tessera::commands
