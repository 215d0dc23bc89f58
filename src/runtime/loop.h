// One event loop on one thread. Thread i runs loop i and owns shard i.
//
// Cross-thread contract: Post() is the only member callable from other threads. It appends to
// the inbox (an MPSC queue) and calls uv_async_send, which libuv coalesces, so a burst of posts
// costs the receiver one wakeup. Everything else is for the loop's own thread, or for setup
// before Start().
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
  // Any thread. Asks the loop to close its handles and end; Join() waits for the thread.
  void Stop();
  void Join();

  // The loop running on the calling thread, or nullptr.
  static Loop* Current();

  // Timers register so that stopping the loop closes (and frees) their handles even when the
  // Timer objects outlive the loop. Loop thread, or any thread once the loop has ended.
  void RegisterTimer(Timer* timer) { timers_.insert(timer); }
  void UnregisterTimer(Timer* timer) { timers_.erase(timer); }

 private:
  static void OnAsync(uv_async_t* handle);
  static void OnCheck(uv_check_t* handle);
  void DrainInbox();
  void Run();
  void CloseAll();

  int index_;
  uv_loop_t loop_;
  uv_async_t async_;
  uv_check_t check_;
  std::thread thread_;

  std::mutex inbox_mu_;
  std::vector<Task> inbox_;  // guarded by inbox_mu_
  std::vector<Task> draining_;
  bool stop_requested_ = false;  // guarded by inbox_mu_

  std::vector<std::function<void()>> iteration_hooks_;
  std::vector<std::function<void()>> stop_hooks_;
  std::unordered_set<Timer*> timers_;
};

}  // namespace tessera::runtime
