// One event loop on one thread. Thread i runs loop i and owns shard i.
//
// Cross-thread contract: Post(), Stop() and TryBorrow()/GiveBack() are callable from other
// threads; everything else is for the loop's own thread, or for setup before Start().
//  - Post() appends to the inbox (an MPSC queue) and wakes the loop by writing its eventfd only
//    if the loop is parked (blocked, or about to block, in epoll_wait): an awake loop drains its
//    inbox once per iteration (uv_check) and checks it again before it parks, so posts to a busy
//    loop cost no syscall and no extra iteration.
//  - A parked loop can be borrowed: TryBorrow() succeeds only while the loop is parked with an
//    empty inbox (so nothing posted earlier is overtaken), and until GiveBack() the caller has
//    the loop's thread's rights over what the loop owns (its shard). A loop woken meanwhile
//    waits for GiveBack() before it runs anything, so the two never run at once; the
//    hand-overs are acquire/release pairs on one atomic. The engine uses it to run a command on
//    an idle shard without a round trip between threads (docs/architecture.md, "Borrowing an
//    idle shard").
//
// The loop runs libuv with UV_RUN_NOWAIT and blocks itself on libuv's epoll descriptor
// (uv_backend_fd), which is what gives it a point to park at: libuv has no hook between its
// poll returning and the first callback. The price is a second epoll_wait per wakeup (libuv's,
// with a zero timeout, collecting what the first one saw), so a loop nobody can borrow (the
// only one) lets libuv block itself instead: at GET -P 1 with 500 connections and one thread,
// that halves the epoll_wait calls (0.78 -> 0.39 per request) and serves 4-5% more requests.
//
// The wakeup is a plain eventfd under a uv_poll_t, not a uv_async_t: libuv's async handle makes
// the woken loop spin (997 rounds, then sched_yield) until the sender has returned from its
// write() and marked the send done, and a sender descheduled in between (cores shared with
// clients) leaves it spinning for tens of microseconds. That spin was a tenth of the server's
// CPU samples at -P 1 (docs/performance.md).
#pragma once

#include <uv.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "src/runtime/task.h"

namespace tessera::runtime {

class Timer;

class Loop {
 public:
  explicit Loop(int index);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  int index() const { return index_; }
  uv_loop_t* uv() { return &loop_; }

  // Any thread. Runs `task` on this loop's thread, in posting order per posting thread.
  void Post(Task task);

  // Hooks run once per loop iteration after I/O callbacks (uv_check), in registration order:
  // where batched hops are sent and coalesced writes are flushed. Register before Start().
  void AddIterationHook(std::function<void()> hook);
  // Hooks run on the loop thread when Stop() is requested, before handles are closed.
  void AddStopHook(std::function<void()> hook);

  // Starts the thread; `cpu` >= 0 pins it with pthread_setaffinity_np.
  void Start(int cpu = -1);
  // Any thread. Asks the loop to close its handles and end: it finishes the iteration it is in
  // (tasks, then iteration hooks), then runs the stop hooks and closes its handles. Join()
  // waits for the thread.
  void Stop();
  void Join();

  // Any thread but this loop's: takes over the loop if it is parked with nothing posted to it,
  // so that the caller may act on what the loop owns; false if it is running, already
  // borrowed, or has posts to run first (the borrower must not overtake them). Keep it short
  // (one command): a loop woken meanwhile spins, then sleeps, until GiveBack() hands it back.
  bool TryBorrow();
  void GiveBack();
  // Any thread, for tests: the loop is borrowed and its thread has woken and waits for it.
  bool AwaitsGiveBack() const { return owner_.load(std::memory_order_relaxed) == kBorrowedAwaited; }
  // Before Start(): nothing will call TryBorrow(), so the loop need not park (see above).
  void DisableLending() { lendable_ = false; }

  // The loop running on the calling thread, or nullptr.
  static Loop* Current();

  // Timers register so that stopping the loop closes (and frees) their handles even when the
  // Timer objects outlive the loop. Loop thread, or any thread once the loop has ended.
  void RegisterTimer(Timer* timer) { timers_.insert(timer); }
  void UnregisterTimer(Timer* timer) { timers_.erase(timer); }

 private:
  static void OnWake(uv_poll_t* handle, int status, int events);
  void Wake();
  // Before blocking for events: false if posts wait (or a stop). Posters wake the loop from
  // here on; a lendable loop is parked until Unpark().
  bool Park();
  void Unpark();
  static void OnCheck(uv_check_t* handle);
  static void OnPrepare(uv_prepare_t* handle);
  void DrainInbox();
  void Run();
  void CloseAll();

  int index_;
  uv_loop_t loop_;
  int wake_fd_;  // eventfd: written by Wake(), read by OnWake()
  uv_poll_t wake_;
  uv_check_t check_;
  uv_prepare_t prepare_;  // unlendable loops only (Run)
  // Who may act on what the loop owns: its thread (kRunning), nobody while it waits for events
  // (kParked), or a borrower (kBorrowed; kBorrowedAwaited once the loop's thread has woken and
  // waits for it, and GiveBack() then hands the loop to its thread, kRunning, instead of
  // kParked). Only Park() sets kParked, from kRunning.
  enum : int { kRunning, kParked, kBorrowed, kBorrowedAwaited };
  std::atomic<int> owner_{kRunning};
  bool lendable_ = true;
  std::thread thread_;

  std::mutex inbox_mu_;
  std::vector<Task> inbox_;  // guarded by inbox_mu_
  // Guarded by inbox_mu_. Set when the loop found its inbox empty just before parking, cleared
  // when it drains; a Post that finds it set owes the loop a Wake(). Reading and setting
  // it under the inbox's mutex is what makes a lost wakeup impossible: either the post lands
  // before Park()'s check (which then does not block) or it sees the flag.
  bool sleeping_ = false;
  std::vector<Task> draining_;
  bool stop_requested_ = false;  // guarded by inbox_mu_
  bool stop_seen_ = false;       // loop thread: a drain found stop_requested_ (see OnCheck)

  std::vector<std::function<void()>> iteration_hooks_;
  std::vector<std::function<void()>> stop_hooks_;
  std::unordered_set<Timer*> timers_;
};

}  // namespace tessera::runtime
