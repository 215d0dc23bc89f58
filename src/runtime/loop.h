// One event loop on one thread. Thread i runs loop i and owns shard i.
//
// Cross-thread contract: Post() is the only member callable from other threads. It appends to
// the inbox (an MPSC queue) and wakes the loop by writing its eventfd only if the loop is about
// to block in (or is blocked in) epoll_wait: an awake loop drains its inbox once per iteration
// (uv_check) and checks it again just before polling (uv_prepare), so posts to a busy loop cost
// no syscall and no extra iteration. Everything else is for the loop's own thread, or for setup
// before Start().
//
// The wakeup is a plain eventfd under a uv_poll_t, not a uv_async_t: libuv's async handle makes
// the woken loop spin (997 rounds, then sched_yield) until the sender has returned from its
// write() and marked the send done, and a sender descheduled in between (cores shared with
// clients) leaves it spinning for tens of microseconds. That spin was a tenth of the server's
// CPU samples at -P 1 (docs/performance.md).
#pragma once

#include <uv.h>

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

  // The loop running on the calling thread, or nullptr.
  static Loop* Current();

  // Timers register so that stopping the loop closes (and frees) their handles even when the
  // Timer objects outlive the loop. Loop thread, or any thread once the loop has ended.
  void RegisterTimer(Timer* timer) { timers_.insert(timer); }
  void UnregisterTimer(Timer* timer) { timers_.erase(timer); }

 private:
  static void OnWake(uv_poll_t* handle, int status, int events);
  void Wake();
  static void OnPrepare(uv_prepare_t* handle);
  static void OnCheck(uv_check_t* handle);
  void DrainInbox();
  void Run();
  void CloseAll();

  int index_;
  uv_loop_t loop_;
  int wake_fd_;  // eventfd: written by Wake(), read by OnWake()
  uv_poll_t wake_;
  uv_prepare_t prepare_;
  uv_check_t check_;
  uv_idle_t idle_;  // active while the inbox holds work at poll time: makes the poll not block
  std::thread thread_;

  std::mutex inbox_mu_;
  std::vector<Task> inbox_;  // guarded by inbox_mu_
  // Guarded by inbox_mu_. Set when the loop found its inbox empty just before polling, cleared
  // when it drains; a Post that finds it set owes the loop a Wake(). Reading and setting
  // it under the inbox's mutex is what makes a lost wakeup impossible: either the post lands
  // before the pre-poll check (which then does not block) or it sees the flag.
  bool sleeping_ = false;
  std::vector<Task> draining_;
  bool stop_requested_ = false;  // guarded by inbox_mu_
  bool stop_seen_ = false;       // loop thread: a drain found stop_requested_ (see OnCheck)

  std::vector<std::function<void()>> iteration_hooks_;
  std::vector<std::function<void()>> stop_hooks_;
  std::unordered_set<Timer*> timers_;
};

}  // namespace tessera::runtime
