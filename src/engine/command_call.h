// A command running on the coordinator: the loop of the client that sent it.
//
// Coordinator commands either reply at once through reply(), or run steps on shards and reply
// from a continuation. The call object lives (on the heap, owned by the engine) until the
// handler or a continuation returns without having started another step; by then exactly one
// reply must have been written. The client may disconnect meanwhile: steps still run, the reply
// is dropped, and the session stays readable until the call ends.
//
// Thread rules: the call, its args and session are touched by the coordinator loop, except that
// shard steps may *read* args() concurrently (nobody writes them while steps run). A step must
// write only to state it owns (e.g. results[ctx.shard_id()]); the engine orders every step's
// writes before the continuation runs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "protocol/command_args.h"
#include "protocol/reply_builder.h"
#include "src/engine/command_spec.h"
#include "src/engine/key_to_shard.h"
#include "src/engine/lock_table.h"
#include "src/net/client.h"
#include "src/net/client_session.h"

namespace tessera::engine {

class Engine;
class OpContext;

// Positions in `args` of the keys of a `spec` command (keys_fn, else first/last/step).
std::vector<uint32_t> KeyPositions(const CommandSpec& spec, const protocol::CommandArgs& args);

// Calls fn(position) for each of KeyPositions(spec, args), in order; without building the
// vector unless the spec computes positions (keys_fn). For the per-command routing checks.
template <typename Fn>
void ForEachKeyPosition(const CommandSpec& s, const protocol::CommandArgs& args, Fn&& fn) {
  if (s.keys_fn != nullptr) {
    for (uint32_t pos : s.keys_fn(args)) fn(pos);
    return;
  }
  if (s.first_key <= 0 || s.key_step <= 0) return;
  const int argc = static_cast<int>(args.size());
  const int last = s.last_key < 0 ? argc + s.last_key : s.last_key;
  for (int i = s.first_key; i <= last && i < argc; i += s.key_step) fn(static_cast<uint32_t>(i));
}

class CommandCall {
 public:
  using ShardStep = std::function<void(OpContext& ctx)>;
  using Continuation = std::function<void(CommandCall& call)>;

  virtual ~CommandCall() = default;

  const CommandSpec& spec() const { return *spec_; }
  const protocol::CommandArgs& args() const { return args_; }
  // Not available to a command shipped to its shard (see ShippedCall): only commands that
  // touch no keys (connection and server state) use the session.
  net::ClientSession& session() { return *session_; }
  // The client itself: connection-state commands (AUTH, QUIT, CLIENT KILL) act on it.
  virtual net::Client& client() = 0;
  Engine& engine() { return *engine_; }
  // The client's db and protocol when the command arrived (steps on other threads read these,
  // never the live session).
  int db() const { return db_; }
  protocol::RespVersion resp() const { return resp_; }
  int64_t now_ms() const { return now_ms_; }

  uint32_t shard_count() const;
  ShardId local_shard() const;
  ShardId ShardOf(std::string_view key) const;

  // Where the reply goes. Valid in the handler and in continuations.
  protocol::ReplyBuilder& reply() { return reply_; }

  // Positions in args() of the command's keys, from the spec's (first, last, step).
  std::vector<uint32_t> KeyPositions() const;
  // KeyPositions() grouped by owning shard: result[s] lists the positions that shard s owns.
  // Computed once per call (the lock plan and the steps both need it; routing hashes every key).
  // The call's thread only.
  const std::vector<std::vector<uint32_t>>& KeyPositionsByShard() const;

  // The shard the call runs on when that shard owns every key of the call (a command shipped
  // there, see ShippedCall), else nullopt. RunOnShards then runs that shard's step inline, at
  // once, so helpers may skip grouping the keys by shard and keep results in locals.
  virtual std::optional<ShardId> shipped_shard() const { return std::nullopt; }

  // Runs `step` on every shard in `shards` (concurrently; inline for this loop's own shard),
  // then `then` on this loop. Each listed shard runs the step once.
  virtual void RunOnShards(std::vector<ShardId> shards, ShardStep step, Continuation then) = 0;
  void RunOnAllShards(ShardStep step, Continuation then);
  // Suspends the call with nothing in flight — a blocking command waiting for data. Releases
  // the call's locks (a blocked client must not hold up the writers it waits for). The call
  // ends only after Unpark, which must be called on this loop, exactly once.
  virtual void Park() = 0;
  virtual void Unpark(Continuation then) = 0;

  // Locks `plan` (shard by shard, ascending) in addition to whatever the call holds, then
  // continues with `then`. Held until the call ends. For calls whose lock set is only known
  // while they run (EXEC).
  virtual void Lock(std::vector<std::pair<ShardId, LockSet>> plan, Continuation then) = 0;

  void RunOnShard(ShardId shard, ShardStep step, Continuation then) {
    RunOnShards({shard}, std::move(step), std::move(then));
  }

 protected:
  CommandCall(Engine* engine, const CommandSpec* spec, protocol::CommandArgs args,
              net::ClientSession* session, int64_t now_ms, std::string* reply_out)
      : engine_(engine),
        spec_(spec),
        args_(std::move(args)),
        session_(session),
        db_(session->db),
        resp_(session->resp),
        now_ms_(now_ms),
        reply_(reply_out, session->resp) {}
  // For a call running away from its client's loop: no session, only its db and protocol.
  CommandCall(Engine* engine, const CommandSpec* spec, protocol::CommandArgs args, int db,
              protocol::RespVersion resp, int64_t now_ms, std::string* reply_out)
      : engine_(engine),
        spec_(spec),
        args_(std::move(args)),
        session_(nullptr),
        db_(db),
        resp_(resp),
        now_ms_(now_ms),
        reply_(reply_out, resp) {}

  Engine* engine_;
  const CommandSpec* spec_;
  protocol::CommandArgs args_;
  net::ClientSession* session_;
  int db_;
  protocol::RespVersion resp_;
  int64_t now_ms_;
  protocol::ReplyBuilder reply_;

 private:
  mutable std::vector<std::vector<uint32_t>> by_shard_;
  mutable bool by_shard_known_ = false;
};

}  // namespace tessera::engine
