// Blocked clients (BLPOP, BLMOVE, BLMPOP, ... and later BZPOPMIN): the shard side, KeyWaiters,
// and the client side, BlockedClients. docs/blocking.md explains the design; in short:
//
//  - A blocking command first tries its non-blocking form under its key locks. If nothing is
//    there it creates a Waiter, adds it (still under the locks) to the KeyWaiters of every shard
//    owning one of its keys, and parks its call with BlockedClients::Park, which releases the
//    locks. The Waiter is shared by those shards and the client's loop.
//  - The Waiter's `claimed` flag is the only cross-thread state. Whoever sets it first owns the
//    outcome: a shard serving it (it takes the data right there and posts the result to the
//    client's loop), the timeout, a disconnect, or CLIENT UNBLOCK. Everyone else drops it. So an
//    element is never handed to two waiters, and never taken for a waiter that already left.
//  - Engine::AfterOp feeds every op's change events to the shard's KeyWaiters, which serves the
//    waiters of each key that gained data, in the order they blocked (FIFO per key). A key
//    locked by a running transaction is served only once its locks are released (the engine
//    calls OnChanges again then), so a transaction's intermediate state is never observed.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "src/engine/blocking.h"
#include "src/engine/command_call.h"
#include "src/engine/key_to_shard.h"

namespace tessera::runtime {
class Timer;
}

namespace tessera::engine {

class Engine;
class Shard;

// What Waiter::Serve did with a key that may have gained data.
enum class ServeOutcome : uint8_t {
  kNotReady,  // nothing this waiter can take: it keeps waiting, and so do those behind it
  kServed,    // claimed and served: the result is on its way to the client's loop
  kGone,      // someone else claimed it first: drop it
};

// One blocked command, as the shards holding it see it. Everything but the claim flag is set
// before the waiter is first shared and read-only afterwards.
class Waiter : public std::enable_shared_from_this<Waiter> {
 public:
  // `keys` are the keys it waits on (in argument order; duplicates are ignored), in `db`.
  Waiter(Engine* engine, ShardId origin, uint64_t client_id, int db, std::vector<std::string> keys);
  virtual ~Waiter() = default;
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  Engine& engine() const { return *engine_; }
  ShardId origin() const { return origin_; }
  uint64_t client_id() const { return client_id_; }
  int db() const { return db_; }
  const std::vector<std::string>& keys() const { return keys_; }
  // The distinct shards owning its keys, ascending.
  std::vector<ShardId> Shards() const;

  // Any thread. True for exactly one caller.
  bool TryClaim() {
    bool expected = false;
    return claimed_.compare_exchange_strong(expected, true, std::memory_order_acq_rel);
  }
  bool claimed() const { return claimed_.load(std::memory_order_acquire); }

  // On the thread of `shard`, which owns `key`: the key may have gained data. Implementations
  // check what the key holds, TryClaim() before taking anything (kGone if that fails), take it,
  // and Deliver() the result.
  virtual ServeOutcome Serve(Shard& shard, std::string_view key, int64_t now_ms) = 0;

 protected:
  // After a successful claim, on any thread: runs `finish` on the client's loop as the parked
  // call's continuation (it writes the reply and may run more steps).
  void Deliver(CommandCall::Continuation finish);
  // On the serving shard, right after taking the data: journals what was taken as the
  // non-blocking command that takes it (LPOP, LMOVE, ZPOPMIN...), before any later change to
  // the key can be journaled. A served call journals nothing when it ends (it was parked).
  void Journal(const std::vector<std::string_view>& command) const;

 private:
  Engine* engine_;
  ShardId origin_;
  uint64_t client_id_;
  int db_;
  std::vector<std::string> keys_;
  std::atomic<bool> claimed_{false};
};

// A shard's queues of waiters, per key. Shard-thread only.
class KeyWaiters final : public BlockingRegistry {
 public:
  // The shard's registry, installed (shard.set_blocking) on first use.
  static KeyWaiters& Of(Shard& shard);

  // Queues `waiter` behind earlier waiters on each of its keys that `shard` owns. Call while
  // holding the locks of those keys, so no push slips between the try and the wait.
  void Add(Shard& shard, const std::shared_ptr<Waiter>& waiter);
  // Drops `waiter` from this shard's queues (it was served elsewhere, timed out or left).
  void Remove(Shard& shard, const Waiter* waiter);
  // Waiters queued on `key` in `db` (tests).
  size_t WaitingOn(int db, std::string_view key) const;

  bool empty() const override { return queues_.empty(); }
  uint16_t wanted_events() const override;
  // Serves the waiters of keys named in `events` — the shard's live recorder vector, which
  // grows while serving (a BLMOVE's push can wake another key) and is read by index, to the
  // end. Also serves keys deferred while they were locked, once their locks are free.
  void OnChanges(Shard& shard, const std::vector<storage::ChangeEvent>& events,
                 int64_t now_ms) override;

 private:
  static std::string Id(int db, std::string_view key);
  void ServeKey(Shard& shard, const std::string& id, int64_t now_ms);

  std::unordered_map<std::string, std::deque<std::shared_ptr<Waiter>>> queues_;
  // Keys that gained data while a transaction held them locked.
  std::unordered_set<std::string> deferred_;
};

// The parked calls of one loop's clients, with their timeouts. That loop's thread only.
class BlockedClients {
 public:
  BlockedClients(Engine* engine, ShardId loop);
  ~BlockedClients();
  BlockedClients(const BlockedClients&) = delete;
  BlockedClients& operator=(const BlockedClients&) = delete;

  // Parks `call` (from its handler or a continuation) until `waiter` — already added on every
  // shard of waiter->Shards() — is served, times out after `timeout_ms` (0 = never) or is
  // cancelled. `on_timeout` writes the reply for a timeout (or a CLIENT UNBLOCK ... TIMEOUT).
  void Park(CommandCall& call, std::shared_ptr<Waiter> waiter, int64_t timeout_ms,
            CommandCall::Continuation on_timeout);
  // A shard served `waiter`: `finish` runs as the call's continuation.
  void Complete(const std::shared_ptr<Waiter>& waiter, CommandCall::Continuation finish);
  // The client is gone: its call ends with the reply dropped (unless a shard already claimed
  // it, whose result then finishes the call).
  void OnClientClosed(uint64_t client_id);
  // CLIENT UNBLOCK: whether the client was blocked here (it now gets the timeout reply, or
  // "-UNBLOCKED client unblocked via CLIENT UNBLOCK" with `with_error`).
  bool Unblock(uint64_t client_id, bool with_error);
  // Parked calls; any thread may read it.
  int64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  struct Blocked {
    CommandCall* call;
    std::shared_ptr<Waiter> waiter;
    int64_t deadline;  // monotonic ms; 0 = none
    CommandCall::Continuation on_timeout;
  };
  // Ends client `id`'s block: forgets it here and on its shards, then resumes its call.
  void Finish(uint64_t id, CommandCall::Continuation then);
  // Posts the waiter's removal to every shard it waits on (inline for this loop's own shard).
  void ForgetOnShards(const std::shared_ptr<Waiter>& waiter);
  void ArmTimer();
  void OnTimer();

  Engine* engine_;
  ShardId loop_;
  std::unordered_map<uint64_t, Blocked> blocked_;
  std::multimap<int64_t, uint64_t> deadlines_;  // deadline -> client id
  std::unique_ptr<runtime::Timer> timer_;       // created on first use, on the loop's thread
  std::atomic<int64_t> count_{0};               // blocked_.size(), readable from any thread
};

// Parked blocking calls on every loop of `engine` (INFO blocked_clients; tests poll it). Any
// thread.
int64_t BlockedClientCount(Engine& engine);

// Redis's getTimeoutFromObjectOrReply for seconds: a float, converted to milliseconds rounding
// up; 0 = block forever. Errors (written to `reply`): "ERR timeout is not a float or out of
// range", "ERR timeout is negative" (also for values past the int64 millisecond range, as
// Redis's conversion yields LLONG_MIN there). A timeout so far away that its deadline
// overflows never fires, as in Redis.
bool BlockTimeoutOrReply(std::string_view arg, protocol::ReplyBuilder& reply, int64_t* timeout_ms);

// Whether the command may block: not inside EXEC (MULTI/EXEC runs blocking commands as
// non-blocking, as Redis does; the transaction code sets session().in_exec).
bool MayBlock(CommandCall& call);

}  // namespace tessera::engine
