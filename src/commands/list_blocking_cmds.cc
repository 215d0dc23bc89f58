// The list commands that pop from the first non-empty of several lists or move an element
// between two lists — LMPOP, LMOVE, RPOPLPUSH — and their blocking forms BLPOP, BRPOP, BLMPOP,
// BLMOVE, BRPOPLPUSH, which share their machinery: try under the key locks, then wait.
//
// They run on the coordinator under their key locks (lock_scope kKeys; the engine ships the
// non-blocking ones to the shard when all keys live there). A blocking command that finds
// nothing leaves a ListWaiter on its keys' shards (engine/key_waiters.h, docs/blocking.md) and
// parks, unless it runs inside EXEC, where it answers as a timeout would.
#include "src/commands/list_blocking_cmds.h"

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/commands/arg_parse.h"
#include "src/commands/multikey.h"
#include "src/engine/engine.h"
#include "src/engine/journal.h"
#include "src/engine/key_waiters.h"
#include "src/engine/op_context.h"
#include "src/engine/propagation.h"
#include "src/engine/shard.h"
#include "storage/db_table.h"
#include "storage/errors.h"
#include "storage/list_ops.h"
#include "storage/op_status.h"

namespace tessera::commands {
namespace {

using engine::CommandCall;
using engine::OpContext;
using engine::ServeOutcome;
using engine::ShardId;
using protocol::CommandArgs;
using protocol::ReplyBuilder;
using storage::ListEnd;
using storage::OpStatus;
using Strings = std::vector<std::string>;

void ReplyStrings(ReplyBuilder& reply, const Strings& values) {
  reply.Array(values.size());
  for (const std::string& v : values) reply.Bulk(v);
}

// getListPositionFromObjectOrReply: LEFT or RIGHT, any case; else "ERR syntax error".
bool WhereOrReply(std::string_view arg, ReplyBuilder& reply, ListEnd* out) {
  if (EqualsIgnoreCase(arg, "left")) {
    *out = ListEnd::kHead;
  } else if (EqualsIgnoreCase(arg, "right")) {
    *out = ListEnd::kTail;
  } else {
    reply.Error(kErrSyntax);
    return false;
  }
  return true;
}

// ---- Waiting for a list: the shard side of BLPOP & co.

void ReplyTimeout(CommandCall& call) { call.reply().NullArray(); }

// One blocked list command. Served on the shard of the key that gained elements: pops there
// (and for BLMOVE with both keys on that shard, pushes there too); a BLMOVE whose destination
// lives elsewhere finishes with one more locked step from the client's loop.
class ListWaiter final : public engine::Waiter {
 public:
  enum class Kind : uint8_t {
    kPop,   // BLPOP, BRPOP: [key, element]
    kMPop,  // BLMPOP: [key, [elements]]
    kMove,  // BLMOVE, BRPOPLPUSH: the element
  };

  ListWaiter(CommandCall& call, std::vector<std::string> keys, Kind kind, ListEnd from)
      : Waiter(&call.engine(), static_cast<ShardId>(call.client().loop_index()), call.session().id,
               call.db(), std::move(keys)),
        kind_(kind),
        from_(from) {}

  void set_count(int64_t count) { count_ = count; }
  void set_destination(std::string dest, ShardId shard, ListEnd to) {
    dest_ = std::move(dest);
    dest_shard_ = shard;
    to_ = to;
  }

  ServeOutcome Serve(engine::Shard& shard, std::string_view key, int64_t now_ms) override;

 private:
  Kind kind_;
  ListEnd from_;
  ListEnd to_ = ListEnd::kHead;
  int64_t count_ = 1;
  std::string dest_;
  ShardId dest_shard_ = 0;
};

// BLMOVE served from a source on another shard than its destination: the element is already
// popped; push it, or — the destination turned out not to be a list — put it back where it came
// from and answer WRONGTYPE (Redis checks first and never pops).
//
// These steps run without key locks: the parked call gave its locks up, and re-locking after
// Park (CommandCall::Lock) does not work yet — CoordinatedCall::Park keeps its lock-acquisition
// cursor, so a later Lock() skips acquiring and then releases other calls' locks at the end.
// A concurrent transaction holding the destination may therefore see this push between two of
// its steps. Switch to call.Lock() over both keys once Park resets that cursor.
const char* EndName(ListEnd end) { return end == ListEnd::kHead ? "LEFT" : "RIGHT"; }

// The second half of a BLMOVE served across shards, in the journal: the push it made.
void JournalPush(engine::Engine& engine, OpContext& ctx, std::string_view key, ListEnd end,
                 std::string_view value) {
  engine::Journal* journal = engine.journal();
  if (journal == nullptr) return;
  std::string record;
  engine::AppendCommand(&record, std::vector<std::string_view>{
                                     end == ListEnd::kHead ? "LPUSH" : "RPUSH", key, value});
  journal->Append(ctx.db_index(), record);
}

void FinishMoveAcrossShards(CommandCall& call, std::string value, ListEnd from, ListEnd to) {
  const CommandArgs* args = &call.args();
  const ShardId src_shard = call.ShardOf((*args)[1]);
  const ShardId dst_shard = call.ShardOf((*args)[2]);
  auto state = std::make_shared<std::pair<std::string, OpStatus>>(std::move(value), OpStatus::kOk);
  call.RunOnShard(
      dst_shard,
      [state, args, to, engine = &call.engine()](OpContext& ctx) {
        state->second =
            storage::OpListPush(ctx.db(), (*args)[2], {state->first}, to, false, ctx.now_ms())
                .status;
        if (state->second == OpStatus::kOk) JournalPush(*engine, ctx, (*args)[2], to, state->first);
      },
      [state, args, src_shard, from](CommandCall& call) {
        if (state->second == OpStatus::kOk) {
          call.reply().Bulk(state->first);
          return;
        }
        call.RunOnShard(
            src_shard,
            [state, args, from, engine = &call.engine()](OpContext& ctx) {
              storage::OpListPush(ctx.db(), (*args)[1], {state->first}, from, false, ctx.now_ms());
              JournalPush(*engine, ctx, (*args)[1], from, state->first);
            },
            [](CommandCall& call) { call.reply().Error(storage::kErrWrongType); });
      });
}

ServeOutcome ListWaiter::Serve(engine::Shard& shard, std::string_view key, int64_t now_ms) {
  storage::DbTable& db = shard.db(this->db());
  if (storage::OpListProbe(db, key, now_ms) != OpStatus::kOk) return ServeOutcome::kNotReady;
  std::string k(key);
  if (kind_ == Kind::kMove && dest_shard_ == shard.id()) {
    std::string value;
    const bool dest_ok = storage::OpListProbe(db, dest_, now_ms) != OpStatus::kWrongType;
    if (!TryClaim()) return ServeOutcome::kGone;
    if (!dest_ok) {
      Deliver([](CommandCall& call) { call.reply().Error(storage::kErrWrongType); });
      return ServeOutcome::kServed;
    }
    storage::OpListMove(db, k, dest_, from_, to_, now_ms, &value);
    Journal({"LMOVE", k, dest_, EndName(from_), EndName(to_)});
    Deliver([value = std::move(value)](CommandCall& call) { call.reply().Bulk(value); });
    return ServeOutcome::kServed;
  }
  if (!TryClaim()) return ServeOutcome::kGone;
  Strings values;
  const size_t count = kind_ == Kind::kMPop ? static_cast<size_t>(count_) : 1;
  storage::OpListPop(db, k, from_, count, now_ms, &values);
  if (kind_ == Kind::kMPop) {
    const std::string n = std::to_string(values.size());
    Journal({"LMPOP", "1", k, EndName(from_), "COUNT", n});
  } else {
    Journal({from_ == ListEnd::kHead ? "LPOP" : "RPOP", k});
  }
  switch (kind_) {
    case Kind::kPop:
      Deliver([k = std::move(k), v = std::move(values.front())](CommandCall& call) {
        call.reply().Array(2);
        call.reply().Bulk(k);
        call.reply().Bulk(v);
      });
      break;
    case Kind::kMPop:
      Deliver([k = std::move(k), values = std::move(values)](CommandCall& call) {
        call.reply().Array(2);
        call.reply().Bulk(k);
        ReplyStrings(call.reply(), values);
      });
      break;
    case Kind::kMove:
      Deliver([v = std::move(values.front()), from = from_, to = to_](CommandCall& call) mutable {
        FinishMoveAcrossShards(call, std::move(v), from, to);
      });
      break;
  }
  return ServeOutcome::kServed;
}

// Queues `waiter` on `shard` (in a step, under the keys' locks).
void AddWaiter(OpContext& ctx, const std::shared_ptr<ListWaiter>& waiter) {
  engine::KeyWaiters::Of(ctx.shard()).Add(ctx.shard(), waiter);
}

void Park(CommandCall& call, std::shared_ptr<ListWaiter> waiter, int64_t timeout_ms) {
  call.engine()
      .blocked_clients(static_cast<ShardId>(call.client().loop_index()))
      .Park(call, std::move(waiter), timeout_ms, ReplyTimeout);
}

// ---- Popping from the first non-empty of several lists: LMPOP, BLPOP, BRPOP, BLMPOP.

struct PopRequest {
  std::vector<uint32_t> keys;  // positions, in argument order
  ListEnd where = ListEnd::kHead;
  int64_t count = -1;  // -1: BLPOP/BRPOP ([key, element]); else LMPOP's count ([key, [...]])
  bool block = false;
  int64_t timeout_ms = 0;
};

struct PopOutcome {
  bool wrong_type = false;
  uint32_t key = 0;  // position popped from; 0 = nothing
  Strings values;
};

void ReplyPop(CommandCall& call, const PopRequest& req, const PopOutcome& out) {
  ReplyBuilder& reply = call.reply();
  if (out.wrong_type) {
    reply.Error(storage::kErrWrongType);
  } else if (out.key == 0) {
    reply.NullArray();
  } else if (req.count == -1) {
    reply.Array(2);
    reply.Bulk(call.args()[out.key]);
    reply.Bulk(out.values.front());
  } else {
    reply.Array(2);
    reply.Bulk(call.args()[out.key]);
    ReplyStrings(reply, out.values);
  }
}

size_t PopCount(const PopRequest& req) {
  return req.count == -1 ? 1 : static_cast<size_t>(req.count);
}

std::shared_ptr<ListWaiter> MakePopWaiter(CommandCall& call, const PopRequest& req) {
  std::vector<std::string> keys;
  for (uint32_t pos : req.keys) keys.emplace_back(call.args()[pos]);
  auto waiter = std::make_shared<ListWaiter>(
      call, std::move(keys), req.count == -1 ? ListWaiter::Kind::kPop : ListWaiter::Kind::kMPop,
      req.where);
  waiter->set_count(req.count);
  return waiter;
}

// Keys on several shards: see which key decides first (in argument order, under the locks),
// pop there; or wait on every shard.
void PopAcrossShards(CommandCall& call, std::shared_ptr<const PopRequest> req,
                     std::shared_ptr<ListWaiter> waiter) {
  auto statuses = PerArg<OpStatus>(call);
  const CommandArgs* args = &call.args();
  RunOnKeyShards(
      call,
      [statuses, args](OpContext& ctx, const std::vector<uint32_t>& positions) {
        for (uint32_t pos : positions) {
          (*statuses)[pos] = storage::OpListProbe(ctx.db(), (*args)[pos], ctx.now_ms());
        }
      },
      [statuses, args, req, waiter](CommandCall& call) {
        auto out = std::make_shared<PopOutcome>();
        for (uint32_t pos : req->keys) {
          OpStatus s = (*statuses)[pos];
          if (s == OpStatus::kWrongType) {
            out->wrong_type = true;
            break;
          }
          if (s == OpStatus::kOk) {
            out->key = pos;
            break;
          }
        }
        if (out->key != 0) {
          call.RunOnShard(
              call.ShardOf((*args)[out->key]),
              [out, args, req](OpContext& ctx) {
                storage::OpListPop(ctx.db(), (*args)[out->key], req->where, PopCount(*req),
                                   ctx.now_ms(), &out->values);
              },
              [out, req](CommandCall& call) { ReplyPop(call, *req, *out); });
          return;
        }
        if (out->wrong_type || waiter == nullptr) {
          ReplyPop(call, *req, *out);
          return;
        }
        call.RunOnShards(
            waiter->Shards(), [waiter](OpContext& ctx) { AddWaiter(ctx, waiter); },
            [waiter, req](CommandCall& call) { Park(call, waiter, req->timeout_ms); });
      });
}

void RunPop(CommandCall& call, PopRequest request) {
  auto req = std::make_shared<const PopRequest>(std::move(request));
  std::shared_ptr<ListWaiter> waiter;
  if (req->block && engine::MayBlock(call)) waiter = MakePopWaiter(call, *req);
  std::vector<ShardId> shards = KeyShards(call);
  if (shards.size() != 1) {
    PopAcrossShards(call, req, waiter);
    return;
  }
  // One shard: try the keys in order and, if none has elements, wait — all in one step.
  auto out = std::make_shared<PopOutcome>();
  const CommandArgs* args = &call.args();
  call.RunOnShard(
      shards.front(),
      [out, args, req, waiter](OpContext& ctx) {
        for (uint32_t pos : req->keys) {
          OpStatus s = storage::OpListPop(ctx.db(), (*args)[pos], req->where, PopCount(*req),
                                          ctx.now_ms(), &out->values);
          if (s == OpStatus::kWrongType) {
            out->wrong_type = true;
            return;
          }
          if (s == OpStatus::kOk) {
            out->key = pos;
            return;
          }
        }
        if (waiter != nullptr) AddWaiter(ctx, waiter);
      },
      [out, req, waiter](CommandCall& call) {
        if (out->key == 0 && !out->wrong_type && waiter != nullptr) {
          Park(call, waiter, req->timeout_ms);
        } else {
          ReplyPop(call, *req, *out);
        }
      });
}

// BLPOP / BRPOP key [key ...] timeout.
void BlockingPop(CommandCall& call, ListEnd where) {
  PopRequest req;
  req.where = where;
  req.block = true;
  if (!engine::BlockTimeoutOrReply(call.args()[call.args().size() - 1], call.reply(),
                                   &req.timeout_ms)) {
    return;
  }
  req.keys = call.KeyPositions();
  RunPop(call, std::move(req));
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]; BLMPOP timeout numkeys ... The timeout
// is checked after the rest, as Redis does.
std::vector<uint32_t> NumKeysPositions(const CommandArgs& args, size_t numkeys_index) {
  int64_t numkeys;
  const size_t first = numkeys_index + 1;
  if (args.size() <= numkeys_index || !ParseInt64(args[numkeys_index], &numkeys) || numkeys < 1 ||
      numkeys > static_cast<int64_t>(args.size() - first)) {
    return {};
  }
  std::vector<uint32_t> out;
  for (int64_t i = 0; i < numkeys; ++i) out.push_back(static_cast<uint32_t>(first + i));
  return out;
}

void MPopGeneric(CommandCall& call, size_t numkeys_index, bool block) {
  const CommandArgs& args = call.args();
  ReplyBuilder& reply = call.reply();
  int64_t numkeys;
  if (!RangeOrReply(args[numkeys_index], 1, INT64_MAX, reply, &numkeys,
                    "ERR numkeys should be greater than 0")) {
    return;
  }
  PopRequest req;
  if (numkeys >= static_cast<int64_t>(args.size() - numkeys_index - 1)) {
    reply.Error(kErrSyntax);  // no room left for LEFT|RIGHT
    return;
  }
  const size_t where_index = numkeys_index + 1 + static_cast<size_t>(numkeys);
  if (!WhereOrReply(args[where_index], reply, &req.where)) return;
  for (size_t j = where_index + 1; j < args.size(); ++j) {
    if (req.count == -1 && EqualsIgnoreCase(args[j], "count") && j + 1 < args.size()) {
      if (!RangeOrReply(args[++j], 1, INT64_MAX, reply, &req.count,
                        "ERR count should be greater than 0")) {
        return;
      }
    } else {
      reply.Error(kErrSyntax);
      return;
    }
  }
  if (req.count == -1) req.count = 1;
  if (block && !engine::BlockTimeoutOrReply(args[1], reply, &req.timeout_ms)) return;
  req.block = block;
  req.keys = NumKeysPositions(args, numkeys_index);
  RunPop(call, std::move(req));
}

// ---- LMOVE, RPOPLPUSH, BLMOVE, BRPOPLPUSH.

struct MoveRequest {
  ListEnd from = ListEnd::kTail;
  ListEnd to = ListEnd::kHead;
  bool block = false;
  int64_t timeout_ms = 0;
};

std::shared_ptr<ListWaiter> MakeMoveWaiter(CommandCall& call, const MoveRequest& req) {
  const CommandArgs& args = call.args();
  auto waiter = std::make_shared<ListWaiter>(call, std::vector<std::string>{std::string(args[1])},
                                             ListWaiter::Kind::kMove, req.from);
  waiter->set_destination(std::string(args[2]), call.ShardOf(args[2]), req.to);
  return waiter;
}

// Nothing to move: nil, or wait on the source (BLMOVE never looks at the destination first).
void NothingToMove(CommandCall& call, const std::shared_ptr<ListWaiter>& waiter,
                   int64_t timeout_ms) {
  if (waiter == nullptr) {
    call.reply().Null();
    return;
  }
  call.RunOnShards(
      waiter->Shards(), [waiter](OpContext& ctx) { AddWaiter(ctx, waiter); },
      [waiter, timeout_ms](CommandCall& call) { Park(call, waiter, timeout_ms); });
}

// Source and destination on different shards, both locked: look at both, then pop and push.
// Under the locks the peeked element is the one popped.
void MoveAcrossShards(CommandCall& call, std::shared_ptr<const MoveRequest> req,
                      std::shared_ptr<ListWaiter> waiter) {
  struct State {
    OpStatus src = OpStatus::kOk;
    OpStatus dst = OpStatus::kOk;
    std::string value;
  };
  auto state = std::make_shared<State>();
  const CommandArgs* args = &call.args();
  const ShardId src_shard = call.ShardOf((*args)[1]);
  const ShardId dst_shard = call.ShardOf((*args)[2]);
  call.RunOnShards(
      {src_shard, dst_shard},
      [state, args, req, src_shard](OpContext& ctx) {
        if (ctx.shard_id() == src_shard) {
          state->src =
              storage::OpListPeek(ctx.db(), (*args)[1], req->from, ctx.now_ms(), &state->value);
        } else {
          state->dst = storage::OpListProbe(ctx.db(), (*args)[2], ctx.now_ms());
        }
      },
      [state, args, req, waiter, src_shard, dst_shard](CommandCall& call) {
        if (state->src == OpStatus::kWrongType ||
            (state->src == OpStatus::kOk && state->dst == OpStatus::kWrongType)) {
          call.reply().Error(storage::kErrWrongType);
          return;
        }
        if (state->src == OpStatus::kNoKey) {
          NothingToMove(call, waiter, req->timeout_ms);
          return;
        }
        call.RunOnShards(
            {src_shard, dst_shard},
            [state, args, req, src_shard](OpContext& ctx) {
              if (ctx.shard_id() == src_shard) {
                Strings popped;
                storage::OpListPop(ctx.db(), (*args)[1], req->from, 1, ctx.now_ms(), &popped);
              } else {
                storage::OpListPush(ctx.db(), (*args)[2], {state->value}, req->to, false,
                                    ctx.now_ms());
              }
            },
            [state](CommandCall& call) { call.reply().Bulk(state->value); });
      });
}

void RunMove(CommandCall& call, MoveRequest request) {
  auto req = std::make_shared<const MoveRequest>(request);
  std::shared_ptr<ListWaiter> waiter;
  if (req->block && engine::MayBlock(call)) waiter = MakeMoveWaiter(call, *req);
  const CommandArgs* args = &call.args();
  const ShardId src_shard = call.ShardOf((*args)[1]);
  if (src_shard != call.ShardOf((*args)[2])) {
    MoveAcrossShards(call, req, waiter);
    return;
  }
  struct State {
    OpStatus status = OpStatus::kOk;
    std::string value;
  };
  auto state = std::make_shared<State>();
  call.RunOnShard(
      src_shard,
      [state, args, req, waiter](OpContext& ctx) {
        state->status = storage::OpListMove(ctx.db(), (*args)[1], (*args)[2], req->from, req->to,
                                            ctx.now_ms(), &state->value);
        if (state->status == OpStatus::kNoKey && waiter != nullptr) AddWaiter(ctx, waiter);
      },
      [state, req, waiter](CommandCall& call) {
        if (ReplyIfError(state->status, call.reply())) return;
        if (state->status == OpStatus::kOk) {
          call.reply().Bulk(state->value);
        } else if (waiter != nullptr) {
          Park(call, waiter, req->timeout_ms);
        } else {
          call.reply().Null();
        }
      });
}

}  // namespace

void BLPop(CommandCall& call) { BlockingPop(call, ListEnd::kHead); }

void BRPop(CommandCall& call) { BlockingPop(call, ListEnd::kTail); }

std::vector<uint32_t> LMPopKeys(const CommandArgs& args) { return NumKeysPositions(args, 1); }
std::vector<uint32_t> BLMPopKeys(const CommandArgs& args) { return NumKeysPositions(args, 2); }

void LMPop(CommandCall& call) { MPopGeneric(call, 1, /*block=*/false); }
void BLMPop(CommandCall& call) { MPopGeneric(call, 2, /*block=*/true); }

void LMove(CommandCall& call) {
  MoveRequest req;
  if (!WhereOrReply(call.args()[3], call.reply(), &req.from) ||
      !WhereOrReply(call.args()[4], call.reply(), &req.to)) {
    return;
  }
  RunMove(call, req);
}

void RPopLPush(CommandCall& call) { RunMove(call, MoveRequest{}); }

void BLMove(CommandCall& call) {
  MoveRequest req;
  req.block = true;
  if (!WhereOrReply(call.args()[3], call.reply(), &req.from) ||
      !WhereOrReply(call.args()[4], call.reply(), &req.to) ||
      !engine::BlockTimeoutOrReply(call.args()[5], call.reply(), &req.timeout_ms)) {
    return;
  }
  RunMove(call, req);
}

void BRPopLPush(CommandCall& call) {
  MoveRequest req;
  req.block = true;
  if (!engine::BlockTimeoutOrReply(call.args()[3], call.reply(), &req.timeout_ms)) return;
  RunMove(call, req);
}

}  // namespace tessera::commands
