#include "src/engine/engine.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <variant>

#include "src/engine/coordinated_call.h"
#include "src/engine/journal.h"
#include "src/engine/key_prefetch.h"
#include "src/engine/key_waiters.h"
#include "src/engine/op_context.h"
#include "src/engine/propagation.h"
#include "src/engine/shard.h"
#include "src/engine/shipped_call.h"
#include "src/engine/transaction.h"
#include "src/pubsub/message.h"
#include "src/pubsub/subscriber_mode.h"
#include "src/runtime/timer.h"
#include "storage/db_table.h"

namespace tessera::engine {

struct Engine::CommandHop {
  net::Client* client;
  net::ReplySlot* slot;
  const CommandSpec* spec;
  protocol::CommandArgs args;
  int db;
  protocol::RespVersion resp;
  bool discard;
  // Its reply: bytes [reply_begin, reply_end) of the HopBatch::replies it came back in.
  size_t reply_begin = 0;
  size_t reply_end = 0;
  bool deferred = false;  // moved to the shard's wait queue; its reply travels separately
};

struct Engine::StepHop {
  CoordinatedCall* call;
};

struct Engine::LockHop {
  CoordinatedCall* call;
  LockSet set;
  bool run_step = false;  // run the call's step once granted (CommandSpec::steps_at_lock)
  bool granted = false;
  bool deferred = false;
};

struct Engine::UnlockHop {
  LockSet set;
};

struct Engine::HopBatch {
  ShardId origin = 0;
  std::vector<std::variant<CommandHop, StepHop, LockHop, UnlockHop>> items;
  // The replies of its CommandHops, back to back: one buffer per batch, not a string per hop.
  std::string replies;
};

// Work that reached a shard while locks it needs were held (or while earlier work waited):
// it runs, in arrival order, as transactions release their locks.
struct Engine::Waiting {
  ShardId origin;
  std::variant<CommandHop, LockHop> item;
};

struct Engine::LoopState {
  std::unique_ptr<Shard> shard;
  // outboxes[d]: work bound for shard d, posted once per loop iteration.
  std::vector<std::unique_ptr<HopBatch>> outboxes;
  std::vector<ShardId> nonempty;
  std::vector<CommandStats> stats;
  std::string discard_buffer;
  std::unique_ptr<runtime::Timer> expiry_timer;
  // The tick runs sooner than 1000/hz ms when keys fall due; rehashing keeps to once per hz.
  std::chrono::steady_clock::time_point next_rehash;
  std::deque<Waiting> waiting;
  // Batches back from their trip, kept for this loop's next outboxes with their capacity: a
  // pipelined batch is built without growing its vectors or allocating anew.
  std::vector<std::unique_ptr<HopBatch>> spare_batches;
  // Cleared argument buffers of hops that came home. A hop takes the buffers its command was
  // parsed into; the connection gets a spare set back, so that parsing its next command does
  // not allocate (the spares go back and forth between the two).
  std::vector<protocol::CommandArgs> spare_args;
};

Engine::Engine(std::vector<runtime::Loop*> loops, const CommandRegistry* registry,
               runtime::Clock* clock, int databases)
    : loops_(std::move(loops)),
      pubsub_(std::make_unique<pubsub::Broker>(loops_)),
      registry_(registry),
      clock_(clock),
      databases_(databases) {
  // Commands that act on a transaction instead of being queued in it.
  for (const char* name : {"exec", "discard", "multi", "watch", "quit", "reset"}) {
    if (const CommandSpec* s = registry_->Find(name)) tx_control_.push_back(s);
  }
  for (size_t i = 0; i < loops_.size(); ++i) {
    auto state = std::make_unique<LoopState>();
    state->shard = std::make_unique<Shard>(static_cast<ShardId>(i),
                                           static_cast<uint32_t>(loops_.size()), databases);
    state->outboxes.resize(loops_.size());
    state->stats.resize(registry_->by_id().size());
    loops_state_.push_back(std::move(state));
    blocked_.push_back(std::make_unique<BlockedClients>(this, static_cast<ShardId>(i)));
  }
  // With one shard no command is ever for another loop's shard, so nothing borrows.
  if (loops_.size() == 1) loops_[0]->DisableLending();
}

Engine::~Engine() = default;

void Engine::Attach() {
  for (size_t i = 0; i < loops_.size(); ++i) {
    LoopState* state = loops_state_[i].get();
    loops_[i]->AddIterationHook([this, state] { FlushOutboxes(*state); });
  }
}

void Engine::StartExpiryCycles(const std::atomic<int64_t>* hz,
                               const std::atomic<bool>* active_rehashing) {
  hz_ = hz;
  active_rehashing_ = active_rehashing;
  for (size_t i = 0; i < loops_.size(); ++i) {
    LoopState* state = loops_state_[i].get();
    runtime::Loop* loop = loops_[i];
    loop->Post([this, state, loop] {
      state->expiry_timer = std::make_unique<runtime::Timer>(loop);
      ExpiryTick(*state);
    });
    // Timers are closed on the loop thread before the loop ends.
    loop->AddStopHook([state] { state->expiry_timer.reset(); });
  }
}

void Engine::ExpiryTick(LoopState& state) {
  int64_t hz = std::clamp<int64_t>(hz_->load(std::memory_order_relaxed), 1, 500);
  int64_t delay_ms = 1000 / hz;
  if (active_expire_.load(std::memory_order_relaxed)) {
    // Budget: a quarter of the tick, as Redis's slow cycle (ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC).
    // The expire index is deadline-ordered, so each removal is a key that is really due.
    int64_t budget_us = 250'000 / hz;
    int64_t start = clock_->NowUs();
    Shard& shard = *state.shard;
    for (int db = 0; db < shard.databases(); ++db) {
      while (true) {
        int64_t now_us = clock_->NowUs();
        if (now_us - start > budget_us) break;
        size_t removed = shard.db(db).ActiveExpireCycle(now_us / 1000, 64);
        AfterOp(shard);
        if (removed < 64) break;
      }
    }
    // Wake up again when the next key is due rather than a whole tick later, so "expired"
    // fires within milliseconds of the deadline (the tick stays the upper bound).
    int64_t now_ms = clock_->NowMs();
    for (int db = 0; db < shard.databases(); ++db) {
      int64_t next = shard.db(db).NextExpireAt();
      if (next != storage::kNoExpire)
        delay_ms = std::min(delay_ms, std::max<int64_t>(next - now_ms + 1, 1));
    }
  }
  const auto now = std::chrono::steady_clock::now();
  if (active_rehashing_ != nullptr && active_rehashing_->load(std::memory_order_relaxed) &&
      now >= state.next_rehash) {
    state.next_rehash = now + std::chrono::milliseconds(1000 / hz);
    state.shard->ActiveRehash(std::chrono::milliseconds(1));  // Redis: 1 ms per cron run
  }
  state.expiry_timer->Arm(static_cast<uint64_t>(delay_ms), [this, &state] { ExpiryTick(state); });
}

ShardId Engine::LocalShard() const {
  runtime::Loop* loop = runtime::Loop::Current();
  return loop == nullptr ? 0 : static_cast<ShardId>(loop->index());
}

Shard& Engine::shard(ShardId id) { return *loops_state_[id]->shard; }

std::vector<CommandStats>& Engine::local_command_stats() {
  return loops_state_[LocalShard()]->stats;
}

void Engine::SetJournal(Journal* journal) {
  journal_.store(journal, std::memory_order_release);
  for (ShardId s = 0; s < shard_count(); ++s) {
    loops_[s]->Post([this, s, on = journal != nullptr] {
      Shard& shard = this->shard(s);
      shard.set_journal_mask(on ? storage::kEventExpired : 0);
    });
  }
}

void Engine::JournalExpired(Shard& shard) {
  Journal* journal = this->journal();
  const std::vector<storage::ChangeEvent>& events = shard.changes().events();
  if (journal != nullptr) {
    for (size_t i = shard.journaled_events(); i < events.size(); ++i) {
      const storage::ChangeEvent& e = events[i];
      if (e.cls != storage::kEventExpired) continue;
      std::string record;
      AppendCommand(&record, std::vector<std::string_view>{"DEL", e.key});
      journal->Append(e.db, record);
    }
  }
  shard.set_journaled_events(events.size());
}

void Engine::AfterOp(Shard& shard) {
  storage::ChangeRecorder& changes = shard.changes();
  shard.add_dirty(changes.TakeOpDirty());
  if (changes.empty()) return;
  // Keys the op (or active expiry) removed as expired: their DELs, if not journaled yet.
  if (shard.journal_mask() != 0) JournalExpired(shard);
  const std::vector<storage::ChangeEvent>& events = changes.events();
  // Blocked clients first: serving them records more changes (their pops) into `events`, which
  // WATCH, notifications and the feed below must see too.
  if (shard.blocking() != nullptr && !shard.blocking()->empty()) {
    shard.blocking()->OnChanges(shard, events, clock_->NowMs());
  }
  if (!shard.watches().empty()) {
    for (const storage::ChangeEvent& e : events) {
      if (e.cls == storage::kEventKeyMiss) continue;
      if (e.cls == storage::kEventDbReset) {
        storage::DbTable& table = shard.db(e.db);
        shard.watches().TouchDb(
            e.db, [&table](std::string_view key) { return table.FindRaw(key) != nullptr; });
      } else {
        shard.watches().Touch(e.db, e.key, e.cls == storage::kEventExpired);
      }
    }
  }
  if (shard.notify_mask() != 0) pubsub_->PublishKeyspaceEvents(shard.id(), events);
  // Records of blocked clients served above came after their pushes (they journal at serve).
  if (shard.journal_mask() != 0) JournalExpired(shard);
  changes.Clear();
  shard.set_journaled_events(0);
}

void Engine::OnCommand(net::Client& client, protocol::CommandArgs&& args) {
  if (client.barrier() && (!client.deferred().empty() || !JoinsBarrier(client, args))) {
    client.deferred().push_back(std::move(args));
    return;
  }
  Dispatch(client, std::move(args));
}

void Engine::Prefetch(net::Client& client, const protocol::CommandArgs* cmds, size_t n) {
  Shard& shard = *loops_state_[client.loop_index()]->shard;
  const storage::DbTable& db = shard.db(client.session().db);
  if (db.size() < KeyPrefetch::kMinTableKeys) return;
  KeyPrefetch prefetch;
  for (size_t i = 0; i < n; ++i) {
    // The first argument is the key of nearly every keyed command; looking the command up to be
    // sure would cost more than the odd wasted load.
    if (cmds[i].size() < 2) continue;
    const std::string_view key = cmds[i][1];
    if (shard_count() > 1 && KeyToShard(key, shard_count()) != shard.id()) continue;
    prefetch.Add(db, key);
  }
  prefetch.Finish();
}

bool Engine::JoinsBarrier(net::Client& client, const protocol::CommandArgs& args) const {
  const uint64_t join = client.barrier_join_shards();
  if (join == 0 || client.session().in_multi) return false;
  const CommandSpec* spec = registry_->Find(args[0]);
  if (spec == nullptr || !spec->steps_at_lock || spec->lock_scope != LockScope::kKeys ||
      !spec->subcommands.empty() || !spec->ArityOk(args.size())) {
    return false;
  }
  uint64_t shards = 0;
  for (uint32_t pos : KeyPositions(*spec, args)) {
    const ShardId s = KeyToShard(args[pos], shard_count());
    if (s >= 64) return false;
    shards |= uint64_t{1} << s;
  }
  return shards == join;
}

void Engine::OnClientClosed(net::Client& client) {
  client.deferred().clear();
  ClearTransactionState(*this, client.session());
  blocked_clients(static_cast<ShardId>(client.loop_index())).OnClientClosed(client.session().id);
  pubsub_->UnsubscribeAll(client);
}

bool Engine::IsTransactionControl(const CommandSpec& spec) const {
  for (const CommandSpec* s : tx_control_) {
    if (s == &spec) return true;
  }
  return false;
}

namespace {

std::string UnknownCommandError(const protocol::CommandArgs& args) {
  std::string msg = "ERR unknown command '";
  msg.append(args[0].substr(0, 128));
  msg.append("', with args beginning with: ");
  size_t start = msg.size();
  for (size_t i = 1; i < args.size() && msg.size() - start < 128; ++i) {
    size_t room = 128 - (msg.size() - start);
    msg.push_back('\'');
    msg.append(args[i].substr(0, room));
    msg.append("' ");
  }
  return msg;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

void Engine::Dispatch(net::Client& client, protocol::CommandArgs&& args) {
  net::ClientSession& session = client.session();
  LoopState& state = *loops_state_[client.loop_index()];

  bool discard =
      session.reply_mode == net::ReplyMode::kOff || session.reply_mode == net::ReplyMode::kSkipThis;
  if (session.reply_mode == net::ReplyMode::kSkipThis) session.reply_mode = net::ReplyMode::kOn;
  auto reject = [&](std::string_view message) {
    // An error while queueing dooms the transaction (EXEC answers EXECABORT), as in Redis.
    if (session.in_multi) session.multi_aborted = true;
    std::string* out = discard ? &state.discard_buffer : client.SyncReplyBuffer();
    protocol::ReplyBuilder(out, session.resp).Error(message);
    state.discard_buffer.clear();
  };

  const CommandSpec* spec = registry_->Find(args[0]);
  if (spec == nullptr) {
    reject(UnknownCommandError(args));
    return;
  }
  if (!spec->subcommands.empty() && args.size() >= 2) {
    const CommandSpec* sub = registry_->FindSub(*spec, args[1]);
    if (sub == nullptr) {
      reject("ERR unknown subcommand '" + std::string(args[1].substr(0, 128)) + "'. Try " +
             Upper(args[0]) + " HELP.");
      return;
    }
    spec = sub;
  }
  if (!session.internal && !spec->Has(kCmdLoading) && loading()) {
    reject("LOADING Redis is loading the dataset in memory");
    return;
  }
  if (spec->Has(kCmdWrite)) {
    if (Journal* journal = this->journal()) {
      if (std::string error = journal->WriteError(); !error.empty()) {
        reject("MISCONF Errors writing to the AOF file: " + error);
        return;
      }
    }
  }
  CommandStats& stats = state.stats[spec->id];
  if (!spec->ArityOk(args.size())) {
    ++stats.rejected_calls;
    reject("ERR wrong number of arguments for '" + spec->name + "' command");
    return;
  }
  if (!session.authenticated && !spec->Has(kCmdNoAuth)) {
    ++stats.rejected_calls;
    reject("NOAUTH Authentication required.");
    return;
  }
  // RESP2 subscriber mode admits only the pub/sub commands, PING, QUIT and RESET.
  switch (pubsub::GateCommand(session, spec->name, args.size())) {
    case pubsub::SubscriberGate::kRun:
      break;
    case pubsub::SubscriberGate::kReject:
      ++stats.rejected_calls;
      reject(pubsub::SubscriberModeError(spec->name));
      return;
    case pubsub::SubscriberGate::kPong:
      ++stats.calls;
      pubsub::ReplySubscriberPong(discard ? &state.discard_buffer : client.SyncReplyBuffer(), args);
      state.discard_buffer.clear();
      return;
  }
  if (session.in_multi && !IsTransactionControl(*spec)) {
    if (spec->Has(kCmdNoMulti)) {
      reject("ERR Command not allowed inside a transaction");
      return;
    }
    session.multi_queue.push_back(std::move(args));
    std::string* out = discard ? &state.discard_buffer : client.SyncReplyBuffer();
    protocol::ReplyBuilder(out, session.resp).SimpleString("QUEUED");
    state.discard_buffer.clear();
    return;
  }
  ++stats.calls;
  session.last_command = spec->name;

  std::optional<ShardId> single;
  if (spec->on_coordinator && ShippedCall::Shippable(*spec)) single = SingleShard(*spec, args);
  if (spec->on_coordinator && !single) {
    RunCoordinator(client, *spec, std::move(args), discard);
  } else {
    // Every key of an on_shard command lives on one shard (the spec's contract); the first
    // key picks it. Keyless on_shard commands run on the client's own shard.
    ShardId dest = static_cast<ShardId>(client.loop_index());
    if (single) {
      dest = *single;
    } else if (spec->first_key > 0 && static_cast<size_t>(spec->first_key) < args.size()) {
      dest = KeyToShard(args[spec->first_key], shard_count());
    }
    if (dest == client.loop_index()) {
      RunInline(client, *spec, std::move(args), discard);
    } else if (!RunBorrowed(client, *spec, args, dest, discard)) {
      net::ReplySlot* slot = client.ReserveReply(/*transient=*/true);
      client.Ref();
      Outbox(state, dest)
          .items.emplace_back(CommandHop{&client, slot, spec, std::move(args), session.db,
                                         session.resp, discard, 0, 0, false});
      if (!state.spare_args.empty()) {
        args = std::move(state.spare_args.back());
        state.spare_args.pop_back();
      }
    }
  }
  if (session.reply_mode == net::ReplyMode::kSkipNext) {
    session.reply_mode = net::ReplyMode::kSkipThis;
  }
}

namespace {

bool KeysFree(LockTable& locks, const CommandSpec& spec, const protocol::CommandArgs& args,
              int db) {
  if (locks.empty()) return true;
  LockMode mode = spec.Has(kCmdWrite) ? LockMode::kExclusive : LockMode::kShared;
  for (uint32_t pos : KeyPositions(spec, args)) {
    if (!locks.CanAccess(db, args[pos], mode)) return false;
  }
  return true;
}

}  // namespace

void Engine::RunInline(net::Client& client, const CommandSpec& spec, protocol::CommandArgs&& args,
                       bool discard) {
  LoopState& state = *loops_state_[client.loop_index()];
  Shard& shard = *state.shard;
  net::ClientSession& session = client.session();
  if (!shard.locks().empty() || !state.waiting.empty()) {
    // Slow path: a transaction holds locks here. Wait if they cover this command's keys.
    CommandHop hop{&client, nullptr, &spec, std::move(args), session.db, session.resp, discard,
                   0,       0,       false};
    if (!MayRunNow(state, hop)) {
      hop.slot = client.ReserveReply();
      client.Ref();
      state.waiting.push_back(Waiting{static_cast<ShardId>(client.loop_index()), std::move(hop)});
      return;
    }
    args = std::move(hop.args);
  }
  RunForClient(state, client, shard, spec, std::move(args), discard);
}

void Engine::RunForClient(LoopState& state, net::Client& client, Shard& shard,
                          const CommandSpec& spec, protocol::CommandArgs&& args, bool discard) {
  const net::ClientSession& session = client.session();
  std::string* out = discard ? &state.discard_buffer : client.SyncReplyBuffer();
  protocol::ReplyBuilder reply(out, session.resp);
  OpContext ctx(shard, session.db, session.resp, clock_->NowMs());
  RunOp(ctx, spec, std::move(args), reply);
  state.discard_buffer.clear();
}

bool Engine::RunBorrowed(net::Client& client, const CommandSpec& spec, protocol::CommandArgs& args,
                         ShardId dest, bool discard) {
  // Only commands of one shard whose side effects all stay in that shard: not blocking ones
  // (they register with the client's loop), not those that ship a coordinator handler. And only
  // with nothing of this client's still in flight, which the command must not overtake.
  if (spec.on_shard == nullptr || spec.on_coordinator != nullptr || spec.Has(kCmdBlocking) ||
      client.has_pending_replies()) {
    return false;
  }
  runtime::Loop& owner = *loops_[dest];
  if (!owner.TryBorrow()) return false;
  LoopState& dest_state = *loops_state_[dest];
  Shard& shard = *dest_state.shard;
  // What an op's changes lead to must not need the owner's loop: keyspace notifications leave
  // through its broker's outbox and blocked clients are served from it, so neither may be
  // pending. WATCH marks, the journal and the dirty count are the shard's own or thread-safe.
  // And what waits for locks there keeps its turn, as in RunInline.
  bool ok = shard.notify_mask() == 0 &&
            (shard.blocking() == nullptr || shard.blocking()->empty()) &&
            dest_state.waiting.empty() && KeysFree(shard.locks(), spec, args, client.session().db);
  if (ok) {
    RunForClient(*loops_state_[client.loop_index()], client, shard, spec, std::move(args), discard);
    shard.count_lent_command();
  }
  owner.GiveBack();
  return ok;
}

void Engine::RunOp(OpContext& ctx, const CommandSpec& spec, protocol::CommandArgs&& args,
                   protocol::ReplyBuilder& reply) {
  Journal* journal = spec.Has(kCmdWrite) ? this->journal() : nullptr;
  const size_t reply_start = reply.out()->size();
  if (spec.on_shard != nullptr) {
    spec.on_shard(ctx, args, reply);
    if (journal != nullptr && ctx.shard().changes().op_wrote()) {
      // Expired keys the op ran into go first; then the op; blocked clients it serves (in
      // AfterOp) after it.
      JournalExpired(ctx.shard());
      std::string record =
          ShardRecord(spec, args, ctx, std::string_view(*reply.out()).substr(reply_start));
      if (!record.empty()) journal->Append(ctx.db_index(), record);
    }
    AfterOp(ctx.shard());
  } else {
    // Runs to completion on this shard's thread (steps inline), so nothing interleaves.
    ShippedCall call(this, &spec, std::move(args), ctx, reply.out());
    spec.on_coordinator(call);
    if (journal != nullptr) {
      JournalExpired(ctx.shard());
      std::string record =
          CoordinatorRecord(spec, call.args(), std::string_view(*reply.out()).substr(reply_start));
      if (!record.empty()) journal->Append(ctx.db_index(), record);
    }
    // Handlers only read their arguments: hand the buffers back, so that a connection parsing
    // its next command into them does not allocate anew.
    args = call.TakeArgs();
  }
}

std::optional<ShardId> Engine::SingleShard(const CommandSpec& spec,
                                           const protocol::CommandArgs& args) const {
  std::optional<ShardId> shard;
  bool single = true;
  ForEachKeyPosition(spec, args, [&](uint32_t pos) {
    if (!single) return;
    const ShardId s = KeyToShard(args[pos], shard_count());
    single = !shard || *shard == s;
    shard = s;
  });
  return single ? shard : std::nullopt;
}

void Engine::RunHop(Shard& shard, CommandHop& hop, int64_t now_ms, std::string* replies) {
  hop.reply_begin = replies->size();
  protocol::ReplyBuilder reply(replies, hop.resp);
  OpContext ctx(shard, hop.db, hop.resp, now_ms);
  RunOp(ctx, *hop.spec, std::move(hop.args), reply);
  if (hop.discard) replies->resize(hop.reply_begin);
  hop.reply_end = replies->size();
}

bool Engine::MayRunNow(LoopState& state, const CommandHop& hop) {
  // Strict arrival order while anything waits: a later command must not overtake an earlier
  // one of the same client on the same key.
  return state.waiting.empty() && KeysFree(state.shard->locks(), *hop.spec, hop.args, hop.db);
}

void Engine::RunCoordinator(net::Client& client, const CommandSpec& spec,
                            protocol::CommandArgs&& args, bool discard) {
  auto* call = new CoordinatedCall(this, &spec, std::move(args), &client, clock_->NowMs(), discard);
  call->Begin();
}

Engine::HopBatch& Engine::Outbox(LoopState& origin, ShardId dest) {
  auto& box = origin.outboxes[dest];
  if (!box) {
    if (origin.spare_batches.empty()) {
      box = std::make_unique<HopBatch>();
    } else {
      box = std::move(origin.spare_batches.back());
      origin.spare_batches.pop_back();
    }
    box->origin = origin.shard->id();
  }
  if (box->items.empty()) origin.nonempty.push_back(dest);
  return *box;
}

void Engine::EnqueueStep(ShardId dest, CoordinatedCall* call) {
  Outbox(*loops_state_[call->client().loop_index()], dest).items.emplace_back(StepHop{call});
}

void Engine::RequestLock(ShardId dest, CoordinatedCall* call, LockSet set, bool run_step) {
  ShardId origin = static_cast<ShardId>(call->client().loop_index());
  if (dest != origin) {
    Outbox(*loops_state_[origin], dest).items.emplace_back(LockHop{call, std::move(set), run_step});
    return;
  }
  LoopState& state = *loops_state_[dest];
  if (state.waiting.empty() && state.shard->locks().CanLock(set)) {
    state.shard->locks().Lock(set);
    if (run_step) RunStep(*state.shard, *call, clock_->NowMs());
    call->LockGranted();
  } else {
    state.waiting.push_back(Waiting{origin, LockHop{call, std::move(set), run_step}});
  }
}

void Engine::RunStep(Shard& shard, CoordinatedCall& call, int64_t now_ms) {
  OpContext ctx(shard, call.db(), call.resp(), now_ms);
  call.step()(ctx);
  AfterOp(shard);
}

void Engine::ReleaseLock(ShardId origin, ShardId dest, LockSet set) {
  if (dest != origin) {
    Outbox(*loops_state_[origin], dest).items.emplace_back(UnlockHop{std::move(set)});
    return;
  }
  LoopState& state = *loops_state_[dest];
  state.shard->locks().Unlock(set);
  DrainWaiting(state);
}

void Engine::ServeDeferredWaiters(Shard& shard) {
  if (shard.blocking() == nullptr || shard.blocking()->empty()) return;
  shard.blocking()->OnChanges(shard, shard.changes().events(), clock_->NowMs());
  AfterOp(shard);
}

void Engine::DrainWaiting(LoopState& state) {
  Shard& shard = *state.shard;
  // Locks were just released: waiters whose keys gained data under them go before later work.
  ServeDeferredWaiters(shard);
  int64_t now = clock_->NowMs();
  while (!state.waiting.empty()) {
    Waiting& w = state.waiting.front();
    auto reply = std::make_unique<HopBatch>();
    reply->origin = w.origin;
    if (auto* hop = std::get_if<CommandHop>(&w.item)) {
      if (!KeysFree(shard.locks(), *hop->spec, hop->args, hop->db)) break;
      RunHop(shard, *hop, now, &reply->replies);
      reply->items.emplace_back(std::move(*hop));
    } else {
      LockHop& lock = std::get<LockHop>(w.item);
      if (!shard.locks().CanLock(lock.set)) break;
      shard.locks().Lock(lock.set);
      if (lock.run_step) RunStep(shard, *lock.call, now);
      lock.granted = true;
      reply->items.emplace_back(std::move(lock));
    }
    ShardId origin = w.origin;
    state.waiting.pop_front();
    pubsub_->Flush(state.shard->id());  // what the op published leaves before its result
    loops_[origin]->Post([this, b = std::move(reply)]() mutable { CompleteBatch(std::move(b)); });
  }
}

void Engine::FlushOutboxes(LoopState& state) {
  pubsub_->Flush(state.shard->id());  // before hops, so what they cause cannot overtake it
  for (ShardId dest : state.nonempty) {
    std::unique_ptr<HopBatch> batch = std::move(state.outboxes[dest]);
    loops_[dest]->Post(
        [this, dest, b = std::move(batch)]() mutable { ExecuteBatch(dest, std::move(b)); });
  }
  state.nonempty.clear();
}

void Engine::ExecuteBatch(ShardId dest, std::unique_ptr<HopBatch> batch) {
  LoopState& state = *loops_state_[dest];
  Shard& shard = *state.shard;
  int64_t now = clock_->NowMs();
  if (batch->items.size() > 1) {
    KeyPrefetch prefetch;
    for (const auto& item : batch->items) {
      const auto* hop = std::get_if<CommandHop>(&item);
      if (hop == nullptr || hop->spec->first_key <= 0) continue;
      const auto pos = static_cast<size_t>(hop->spec->first_key);
      if (pos < hop->args.size()) prefetch.Add(shard.db(hop->db), hop->args[pos]);
    }
    prefetch.Finish();
  }
  for (auto& item : batch->items) {
    if (auto* hop = std::get_if<CommandHop>(&item)) {
      if (MayRunNow(state, *hop)) {
        RunHop(shard, *hop, now, &batch->replies);
      } else {
        state.waiting.push_back(Waiting{batch->origin, std::move(*hop)});
        hop->deferred = true;
      }
    } else if (auto* step = std::get_if<StepHop>(&item)) {
      // Steps belong to calls that hold their locks (or need none): they never wait.
      RunStep(shard, *step->call, now);
    } else if (auto* lock = std::get_if<LockHop>(&item)) {
      if (state.waiting.empty() && shard.locks().CanLock(lock->set)) {
        shard.locks().Lock(lock->set);
        if (lock->run_step) RunStep(shard, *lock->call, now);
        lock->granted = true;
      } else {
        state.waiting.push_back(Waiting{batch->origin, std::move(*lock)});
        lock->deferred = true;
      }
    } else {
      shard.locks().Unlock(std::get<UnlockHop>(item).set);
      DrainWaiting(state);
    }
  }
  ShardId origin = batch->origin;
  pubsub_->Flush(dest);  // what the batch published leaves before its results
  loops_[origin]->Post([this, b = std::move(batch)]() mutable { CompleteBatch(std::move(b)); });
}

void Engine::CompleteBatch(std::unique_ptr<HopBatch> batch) {
  // Spare argument buffers: enough for a batch of hops per destination, none grown by a big
  // command (that memory goes).
  constexpr size_t kSpareArgs = 64;
  constexpr size_t kMaxSpareArgsBytes = 4096;
  LoopState& origin = *loops_state_[batch->origin];
  for (auto& item : batch->items) {
    if (auto* hop = std::get_if<CommandHop>(&item)) {
      if (hop->deferred) continue;
      hop->client->CompleteReply(hop->slot,
                                 std::string_view(batch->replies)
                                     .substr(hop->reply_begin, hop->reply_end - hop->reply_begin));
      hop->client->Unref();
      if (origin.spare_args.size() < kSpareArgs &&
          hop->args.capacity_bytes() <= kMaxSpareArgsBytes) {
        hop->args.Clear();
        origin.spare_args.push_back(std::move(hop->args));
      }
    } else if (auto* step = std::get_if<StepHop>(&item)) {
      step->call->StepDone();
    } else if (auto* lock = std::get_if<LockHop>(&item)) {
      if (lock->granted) lock->call->LockGranted();
    }
  }
  // Keep it for this loop's next outbox, unless it grew for a burst (its memory goes then).
  constexpr size_t kSpareBatches = 16;  // about two per destination in flight, for 8 shards
  constexpr size_t kMaxSpareItems = 256;
  constexpr size_t kMaxSpareReplyBytes = 64 * 1024;
  std::vector<std::unique_ptr<HopBatch>>& spare = origin.spare_batches;
  if (spare.size() < kSpareBatches && batch->items.capacity() <= kMaxSpareItems &&
      batch->replies.capacity() <= kMaxSpareReplyBytes) {
    batch->items.clear();
    batch->replies.clear();
    spare.push_back(std::move(batch));
  }
}

void Engine::CallFinished(net::Client& client) {
  if (!client.barrier() || !client.EndBarrierCall()) return;
  ResumeDeferred(client);
}

void Engine::ResumeDeferred(net::Client& client) {
  while (!client.closed() && !client.deferred().empty()) {
    if (client.barrier() && !JoinsBarrier(client, client.deferred().front())) break;
    protocol::CommandArgs args = std::move(client.deferred().front());
    client.deferred().pop_front();
    Dispatch(client, std::move(args));
  }
  if (client.deferred().empty() && !client.closed()) client.DeferredDrained();
}

}  // namespace tessera::engine
