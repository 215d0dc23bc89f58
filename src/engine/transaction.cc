#include "src/engine/transaction.h"

#include <memory>
#include <string>
#include <vector>

#include "src/engine/engine.h"
#include "src/engine/journal.h"
#include "src/engine/op_context.h"
#include "src/engine/propagation.h"
#include "src/engine/shard.h"
#include "storage/db_table.h"

namespace tessera::engine {
namespace {

const CommandSpec* Resolve(const CommandRegistry& registry, const protocol::CommandArgs& args) {
  const CommandSpec* spec = registry.Find(args[0]);
  if (spec != nullptr && !spec->subcommands.empty() && args.size() >= 2) {
    spec = registry.FindSub(*spec, args[1]);
  }
  return spec;
}

void RemoveWatchesOnShard(Shard& shard, uint64_t client) {
  shard.watches().Unwatch(client);
  shard.UpdateKeepMask();
}

// Runs the queued commands of one EXEC in order, each completing before the next starts. A
// command that completes synchronously does not recurse into the next (Pump is a trampoline),
// so a transaction of any length runs in constant stack.
class ExecRun : public std::enable_shared_from_this<ExecRun> {
 public:
  ExecRun(CommandCall& call, std::vector<protocol::CommandArgs> queue,
          std::vector<const CommandSpec*> specs)
      : call_(call),
        queue_(std::move(queue)),
        specs_(std::move(specs)),
        replies_(queue_.size()),
        records_(queue_.size()),
        dbs_(queue_.size()) {}

  void Pump();

 private:
  class SubCall;
  // Starts command `index_`; calls Done() (now or later) when its reply is complete.
  void StartCommand();
  void Done() {
    ++index_;
    Pump();
  }
  void Finish();
  // The transaction's journal record: MULTI, each write's record in its db, EXEC. Appended
  // while EXEC still holds every lock, so replay applies it whole.
  void Journal();

  CommandCall& call_;
  std::vector<protocol::CommandArgs> queue_;
  std::vector<const CommandSpec*> specs_;
  std::vector<std::string> replies_;
  std::vector<std::string> records_;            // per command: its journal record (empty: none)
  std::vector<int> dbs_;                        // per command: the db it ran in
  std::vector<std::unique_ptr<SubCall>> subs_;  // kept until EXEC ends: they may be on the stack
  size_t index_ = 0;
  bool pumping_ = false;
  bool more_ = false;
};

// A coordinator command running inside EXEC: its steps go through the EXEC call (which holds
// every lock), its reply goes to the transaction's reply array.
class ExecRun::SubCall final : public CommandCall {
 public:
  SubCall(ExecRun* run, const CommandSpec* spec, protocol::CommandArgs args, std::string* out)
      : CommandCall(&run->call_.engine(), spec, std::move(args), &run->call_.session(),
                    run->call_.now_ms(), out),
        run_(run) {}

  net::Client& client() override { return run_->call_.client(); }

  void RunOnShards(std::vector<ShardId> shards, ShardStep step, Continuation then) override {
    issued_ = true;
    // The continuation keeps the run (and so this sub-call and its args, which the steps
    // read on other threads) alive until every step has finished.
    run_->call_.RunOnShards(
        std::move(shards), std::move(step),
        [this, keep = run_->shared_from_this(), then = std::move(then)](CommandCall&) {
          issued_ = false;
          then(*this);
          MaybeDone();
        });
  }
  // Blocking commands act as non-blocking inside EXEC (they check session().in_exec).
  void Park() override { issued_ = true; }
  void Unpark(Continuation then) override {
    issued_ = false;
    then(*this);
    MaybeDone();
  }
  void Lock(std::vector<std::pair<ShardId, LockSet>>, Continuation then) override {
    then(*this);  // EXEC already holds every lock the transaction needs
  }

  void Run() {
    spec_->on_coordinator(*this);
    MaybeDone();
  }

 private:
  void MaybeDone() {
    if (issued_ || done_) return;
    done_ = true;
    if (spec_->Has(kCmdWrite) && engine_->journal() != nullptr) {
      run_->records_[run_->index_] = CoordinatorRecord(*spec_, args_, *reply_.out());
    }
    run_->Done();
  }

  ExecRun* run_;
  bool issued_ = false;
  bool done_ = false;
};

void ExecRun::Pump() {
  if (pumping_) {
    more_ = true;
    return;
  }
  pumping_ = true;
  do {
    more_ = false;
    if (index_ == queue_.size()) {
      Finish();
      break;
    }
    StartCommand();
  } while (more_);
  pumping_ = false;
}

void ExecRun::StartCommand() {
  const CommandSpec* spec = specs_[index_];
  protocol::CommandArgs& args = queue_[index_];
  std::string* out = &replies_[index_];
  net::ClientSession& session = call_.session();
  dbs_[index_] = session.db;
  if (spec->on_coordinator) {
    subs_.push_back(std::make_unique<SubCall>(this, spec, std::move(args), out));
    subs_.back()->Run();
    return;
  }
  ShardId dest = call_.local_shard();
  std::vector<uint32_t> keys = KeyPositions(*spec, args);
  if (!keys.empty()) dest = call_.ShardOf(args[keys[0]]);
  int db = session.db;
  protocol::RespVersion resp = session.resp;
  auto self = shared_from_this();
  std::string* record = &records_[index_];
  Engine* engine = &call_.engine();
  call_.RunOnShard(
      dest,
      [spec, &args, out, db, resp, record, engine](OpContext& ctx) {
        OpContext op(ctx.shard(), db, resp, ctx.now_ms());
        protocol::ReplyBuilder reply(out, resp);
        spec->on_shard(op, args, reply);
        if (spec->Has(kCmdWrite) && engine->journal() != nullptr &&
            op.shard().changes().op_wrote()) {
          engine->JournalExpired(op.shard());
          *record = ShardRecord(*spec, args, op, *out);
        }
      },
      [self](CommandCall&) { self->Done(); });
}

void ExecRun::Journal() {
  engine::Journal* journal = call_.engine().journal();
  if (journal == nullptr) return;
  std::string block;
  int current_db = -1;
  for (size_t i = 0; i < records_.size(); ++i) {
    if (records_[i].empty()) continue;
    if (block.empty()) AppendCommand(&block, std::vector<std::string_view>{"MULTI"});
    if (dbs_[i] != current_db) {
      current_db = dbs_[i];
      const std::string db = std::to_string(current_db);
      AppendCommand(&block, std::vector<std::string_view>{"SELECT", db});
    }
    block.append(records_[i]);
  }
  if (block.empty()) return;
  AppendCommand(&block, std::vector<std::string_view>{"EXEC"});
  journal->Append(-1, block);
}

void ExecRun::Finish() {
  Journal();
  net::ClientSession& session = call_.session();
  session.in_exec = false;
  // The reply is built with the protocol in force now: HELLO inside MULTI switches it.
  protocol::ReplyBuilder reply(call_.reply().out(), session.resp);
  reply.Array(replies_.size());
  for (const std::string& r : replies_) reply.Raw(r);
}

// What EXEC must lock: every key of every queued command, per shard, in the db in force.
// Commands that change the db or act on whole databases lock whole shards.
std::vector<std::pair<ShardId, LockSet>> ExecLockPlan(
    CommandCall& call, const std::vector<protocol::CommandArgs>& q,
    const std::vector<const CommandSpec*>& specs) {
  uint32_t n = call.shard_count();
  std::vector<LockSet> sets(n);
  bool whole = false;
  for (size_t i = 0; i < q.size(); ++i) {
    const CommandSpec& spec = *specs[i];
    LockMode mode = spec.Has(kCmdWrite) ? LockMode::kExclusive : LockMode::kShared;
    if (spec.lock_scope == LockScope::kAllShards || spec.name == "select" || spec.name == "move" ||
        spec.name == "copy") {
      whole = true;
      for (LockSet& s : sets) {
        if (!s.shard_wide || mode == LockMode::kExclusive) s.shard_mode = mode;
        s.shard_wide = true;
      }
      continue;
    }
    for (uint32_t pos : KeyPositions(spec, q[i])) {
      sets[call.ShardOf(q[i][pos])].Add(call.db(), q[i][pos], mode);
    }
  }
  if (whole) {
    // Databases may change mid-transaction: shard-wide exclusive covers every db.
    for (LockSet& s : sets) {
      s.keys.clear();
      s.shard_wide = true;
      s.shard_mode = LockMode::kExclusive;
    }
  }
  std::vector<std::pair<ShardId, LockSet>> plan;
  for (uint32_t s = 0; s < n; ++s) {
    if (!sets[s].empty()) plan.emplace_back(static_cast<ShardId>(s), std::move(sets[s]));
  }
  return plan;
}

}  // namespace

void ClearTransactionState(Engine& engine, net::ClientSession& session) {
  session.in_multi = false;
  session.multi_aborted = false;
  session.multi_queue.clear();
  uint64_t id = session.id;
  for (uint16_t s : session.watch_shards) {
    Engine* e = &engine;
    engine.loop(s).Post([e, s, id] { RemoveWatchesOnShard(e->shard(s), id); });
  }
  session.watch_shards.clear();
}

void Multi(CommandCall& call) {
  net::ClientSession& session = call.session();
  if (session.in_multi) {
    call.reply().Error("ERR MULTI calls can not be nested");
    return;
  }
  session.in_multi = true;
  session.multi_aborted = false;
  session.multi_queue.clear();
  call.reply().Ok();
}

void Discard(CommandCall& call) {
  net::ClientSession& session = call.session();
  if (!session.in_multi) {
    call.reply().Error("ERR DISCARD without MULTI");
    return;
  }
  ClearTransactionState(call.engine(), session);
  call.reply().Ok();
}

void Watch(CommandCall& call) {
  net::ClientSession& session = call.session();
  if (session.in_multi) {
    call.reply().Error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  auto by_shard = std::make_shared<std::vector<std::vector<uint32_t>>>(call.KeyPositionsByShard());
  std::vector<ShardId> shards;
  for (ShardId s = 0; s < by_shard->size(); ++s) {
    if ((*by_shard)[s].empty()) continue;
    shards.push_back(s);
    bool known = false;
    for (uint16_t w : session.watch_shards) known |= w == s;
    if (!known) session.watch_shards.push_back(s);
  }
  const protocol::CommandArgs* args = &call.args();
  uint64_t id = session.id;
  call.RunOnShards(
      std::move(shards),
      [by_shard, args, id](OpContext& ctx) {
        for (uint32_t pos : (*by_shard)[ctx.shard_id()]) {
          std::string_view key = (*args)[pos];
          const storage::Entry* e = ctx.db().FindRaw(key);
          bool expired = e != nullptr && ctx.db().IsExpired(e, ctx.now_ms());
          ctx.shard().watches().Watch(id, ctx.db_index(), key, expired, e != nullptr && !expired);
        }
        ctx.shard().UpdateKeepMask();
      },
      [](CommandCall& c) { c.reply().Ok(); });
}

void Unwatch(CommandCall& call) {
  net::ClientSession& session = call.session();
  std::vector<ShardId> shards(session.watch_shards.begin(), session.watch_shards.end());
  session.watch_shards.clear();
  uint64_t id = session.id;
  call.RunOnShards(
      std::move(shards), [id](OpContext& ctx) { RemoveWatchesOnShard(ctx.shard(), id); },
      [](CommandCall& c) { c.reply().Ok(); });
}

void Exec(CommandCall& call) {
  net::ClientSession& session = call.session();
  if (!session.in_multi) {
    call.reply().Error("ERR EXEC without MULTI");
    return;
  }
  if (session.multi_aborted) {
    ClearTransactionState(call.engine(), session);
    call.reply().Error("EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  std::vector<protocol::CommandArgs> queue = std::move(session.multi_queue);
  session.multi_queue.clear();
  session.in_multi = false;
  std::vector<const CommandSpec*> specs;
  for (const protocol::CommandArgs& args : queue) {
    specs.push_back(Resolve(call.engine().registry(), args));
  }
  std::vector<ShardId> watched(session.watch_shards.begin(), session.watch_shards.end());
  session.watch_shards.clear();
  auto plan = ExecLockPlan(call, queue, specs);
  auto run = std::make_shared<ExecRun>(call, std::move(queue), std::move(specs));
  uint64_t id = session.id;
  call.Lock(std::move(plan), [run, watched, id](CommandCall& c) {
    // Under the locks: a watched key changed (or expired) since WATCH aborts the transaction.
    auto dirty = std::make_shared<std::vector<char>>(c.shard_count(), 0);
    c.RunOnShards(
        watched,
        [dirty, id](OpContext& ctx) {
          WatchTable& w = ctx.shard().watches();
          bool changed =
              w.IsDirty(id) || w.AnyExpiredSinceWatch(id, [&ctx](int db, std::string_view key) {
                const storage::Entry* e = ctx.db(db).FindRaw(key);
                return e != nullptr && ctx.db(db).IsExpired(e, ctx.now_ms());
              });
          (*dirty)[ctx.shard_id()] = changed;
          RemoveWatchesOnShard(ctx.shard(), id);
        },
        [run, dirty](CommandCall& c2) {
          for (char d : *dirty) {
            if (d) {
              c2.reply().NullArray();
              return;
            }
          }
          c2.session().in_exec = true;
          run->Pump();
        });
  });
}

}  // namespace tessera::engine
