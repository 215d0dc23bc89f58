// The engine: turns parsed commands into work on the shards that own their keys.
//
// Routing (see docs/architecture.md, "Executing a command"):
//  - one shard, local: the op runs inline on this loop — the fast path;
//  - one shard, remote: the command joins this loop's outbox for that shard; every outbox is
//    posted once per loop iteration (one wakeup per destination, however many commands and
//    clients), executed there in order, and the replies come back as one batch;
//  - coordinator commands (multi-shard, whole keyspace, connection state) run here and fan out.
// Per destination shard, work leaves in dispatch order and runs in that order, so every key sees
// one client's commands in the order sent; replies are reassembled in request order by Client.
//
// Thread rules: OnCommand/OnClientClosed run on the client's loop. Shard state is touched only
// by the shard's own loop, or by a loop that borrowed it while it was parked (RunBorrowed, one
// command at a time). Work crosses threads only as posted batches (moved by value).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "src/engine/command_registry.h"
#include "src/engine/key_to_shard.h"
#include "src/engine/lock_table.h"
#include "src/engine/shard.h"
#include "src/net/client.h"
#include "src/net/command_sink.h"
#include "src/net/loop_net.h"
#include "src/pubsub/broker.h"
#include "src/pubsub/notify_flags.h"
#include "src/runtime/clock.h"
#include "src/runtime/loop.h"

namespace tessera::engine {

class BlockedClients;
class Journal;
class CoordinatedCall;
class OpContext;

struct CommandStats {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
};

class Engine final : public net::CommandSink {
 public:
  Engine(std::vector<runtime::Loop*> loops, const CommandRegistry* registry, runtime::Clock* clock,
         int databases);
  ~Engine() override;

  // Installs the per-iteration hooks (outbox flush) on every loop. Before the loops start.
  void Attach();

  void OnCommand(net::Client& client, protocol::CommandArgs&& args) override;
  // Warms the table buckets of the commands' keys that live on the client's own shard.
  void Prefetch(net::Client& client, const protocol::CommandArgs* cmds, size_t n) override;
  void OnClientClosed(net::Client& client) override;

  uint32_t shard_count() const { return static_cast<uint32_t>(loops_.size()); }
  int databases() const { return databases_; }
  const CommandRegistry& registry() const { return *registry_; }
  runtime::Clock& clock() { return *clock_; }
  runtime::Loop& loop(ShardId id) { return *loops_[id]; }
  // The shard owned by the calling thread's loop. Loop threads only.
  ShardId LocalShard() const;
  // Shard `id`'s state. Only on shard `id`'s own loop thread.
  Shard& shard(ShardId id);
  // The network side of loop `id` (its connections), for CLIENT LIST/KILL and INFO clients.
  // Only on loop `id`'s own thread. Set by the server before the loops start.
  void SetLoopNets(std::vector<net::LoopNet*> nets) { nets_ = std::move(nets); }
  net::LoopNet* loop_net(ShardId id) { return id < nets_.size() ? nets_[id] : nullptr; }
  // This loop's command statistics, indexed by CommandSpec::id (read by INFO commandstats
  // through a fan-out).
  std::vector<CommandStats>& local_command_stats();

  // Arms each loop's active-expiry tick, 1000/hz ms apart (hz read at every tick, so CONFIG SET
  // hz applies at once). Each tick removes expired keys within a time budget and, while
  // `active_rehashing` (CONFIG activerehashing; null: off) is set, rehashes for up to 1 ms.
  void StartExpiryCycles(const std::atomic<int64_t>* hz,
                         const std::atomic<bool>* active_rehashing = nullptr);
  // DEBUG SET-ACTIVE-EXPIRE.
  void set_active_expire(bool on) { active_expire_.store(on, std::memory_order_relaxed); }

  // Where every op's recorded changes are handled (events, WATCH, journal, stats). On the
  // shard's thread, after each op.
  void AfterOp(Shard& shard);

  // The journal write commands are recorded in (journal.h); null: none (appendonly no). Any
  // thread; takes effect for ops that start after the call. The journal must outlive its use.
  void SetJournal(Journal* journal);
  Journal* journal() const { return journal_.load(std::memory_order_acquire); }
  // Shard thread: appends DEL for keys the op so far found expired (before the op's own record).
  void JournalExpired(Shard& shard);
  // While the dataset loads, clients other than the server's own get Redis's -LOADING error
  // for commands without the "loading" flag. Any thread.
  void set_loading(bool on) { loading_.store(on, std::memory_order_release); }
  bool loading() const { return loading_.load(std::memory_order_acquire); }

  // Loop `id`'s blocked clients (key_waiters.h): used on loop `id`'s thread only, except for
  // the atomic count other threads may read. Lives as long as the engine.
  BlockedClients& blocked_clients(ShardId id) { return *blocked_[id]; }

  // Pub/sub: every loop's subscriptions and the keyspace notifications (docs/pubsub.md).
  pubsub::Broker& pubsub() { return *pubsub_; }
  // notify-keyspace-events: posts the flags to every loop, where the shard keeps the enabled
  // event classes and the broker publishes them (engine_pubsub.cc). Any thread.
  void SetNotifyFlags(const pubsub::NotifyFlags& flags);

 private:
  friend class CoordinatedCall;
  struct LoopState;
  struct CommandHop;
  struct StepHop;
  struct LockHop;
  struct UnlockHop;
  struct HopBatch;
  struct Waiting;

  void Dispatch(net::Client& client, protocol::CommandArgs&& args);
  bool IsTransactionControl(const CommandSpec& spec) const;
  void RunInline(net::Client& client, const CommandSpec& spec, protocol::CommandArgs&& args,
                 bool discard);
  void RunCoordinator(net::Client& client, const CommandSpec& spec, protocol::CommandArgs&& args,
                      bool discard);
  // Runs a one-shard command for `client` on shard `dest` from the client's own loop, if that
  // loop can borrow dest's (it is parked) and nothing the command could cause needs dest's
  // loop; false leaves `args` untouched for the hop. Saves waking the owner, and the reply's
  // trip back, when a shard is idle (docs/architecture.md, "Borrowing an idle shard").
  bool RunBorrowed(net::Client& client, const CommandSpec& spec, protocol::CommandArgs& args,
                   ShardId dest, bool discard);
  // Runs a one-shard command of `client` (whose loop's state is `state`) on `shard`, its own or
  // one it borrowed, the reply written straight to the client's output (or dropped: `discard`).
  void RunForClient(LoopState& state, net::Client& client, Shard& shard, const CommandSpec& spec,
                    protocol::CommandArgs&& args, bool discard);
  // Runs a one-shard command on the shard in `ctx`: its on_shard op, or its coordinator
  // handler shipped there (ShippedCall).
  void RunOp(OpContext& ctx, const CommandSpec& spec, protocol::CommandArgs&& args,
             protocol::ReplyBuilder& reply);
  // The one shard all of the command's keys live on, if there is one.
  std::optional<ShardId> SingleShard(const CommandSpec& spec,
                                     const protocol::CommandArgs& args) const;
  // Runs `hop` on `shard`, appending its reply to `replies` (its batch's reply buffer).
  void RunHop(Shard& shard, CommandHop& hop, int64_t now_ms, std::string* replies);
  // Whether a plain command may run on `shard` now, given the shard's locks and waiters.
  bool MayRunNow(LoopState& state, const CommandHop& hop);
  HopBatch& Outbox(LoopState& origin, ShardId dest);
  void EnqueueStep(ShardId dest, CoordinatedCall* call);
  // Lock phase of a coordinator call: lock set `set` on `dest`; call->LockGranted() follows on
  // the call's loop. Local shards are tried synchronously. `run_step`: run call->step() on
  // `dest` in the same hop, as soon as the lock is granted (CommandSpec::steps_at_lock).
  void RequestLock(ShardId dest, CoordinatedCall* call, LockSet set, bool run_step = false);
  // Runs a coordinator call's current step on `shard` (the shard's thread) and its AfterOp.
  void RunStep(Shard& shard, CoordinatedCall& call, int64_t now_ms);
  void ReleaseLock(ShardId origin, ShardId dest, LockSet set);
  // Runs what waits on `state`'s shard until the head of the queue cannot proceed.
  void DrainWaiting(LoopState& state);
  // Serves blocked clients whose keys gained data while a transaction held them locked; run
  // whenever locks are released on `shard` (see KeyWaiters::OnChanges).
  void ServeDeferredWaiters(Shard& shard);
  void FlushOutboxes(LoopState& state);
  void ExecuteBatch(ShardId dest, std::unique_ptr<HopBatch> batch);
  void CompleteBatch(std::unique_ptr<HopBatch> batch);
  void CallFinished(net::Client& client);
  // Whether `args` may start now although the client's barrier is up: it is a steps-at-lock
  // command (CommandSpec::steps_at_lock) locking exactly the shards of the calls holding the
  // barrier. Locks are requested shard by shard in ascending order, each shard serves lock
  // requests in arrival order, and grants come back in order, so such a call takes every
  // shard's locks after the calls before it: a pipeline of MGETs or MSETs is not serialized
  // into one round trip each.
  bool JoinsBarrier(net::Client& client, const protocol::CommandArgs& args) const;
  void ResumeDeferred(net::Client& client);
  void ExpiryTick(LoopState& state);

  std::vector<runtime::Loop*> loops_;
  std::vector<std::unique_ptr<LoopState>> loops_state_;
  std::unique_ptr<pubsub::Broker> pubsub_;
  std::vector<std::unique_ptr<BlockedClients>> blocked_;  // per loop
  std::vector<net::LoopNet*> nets_;
  std::vector<const CommandSpec*> tx_control_;
  const CommandRegistry* registry_;
  runtime::Clock* clock_;
  int databases_;
  const std::atomic<int64_t>* hz_ = nullptr;
  const std::atomic<bool>* active_rehashing_ = nullptr;
  std::atomic<bool> active_expire_{true};
  std::atomic<Journal*> journal_{nullptr};
  std::atomic<bool> loading_{false};
};

}  // namespace tessera::engine
