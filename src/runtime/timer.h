// A one-shot timer on a loop, re-armable from its own callback. Loop-thread only; the timer
// must not outlive its loop's run (the loop closes it on stop).
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>

#include "src/runtime/loop.h"

namespace tessera::runtime {

class Timer {
 public:
  explicit Timer(Loop* loop);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Runs `fn` once after `delay_ms`; replaces any pending run.
  void Arm(uint64_t delay_ms, std::function<void()> fn);
  void Cancel();
  // The loop is stopping: close the handle now (freed by its close callback). Loop only.
  void CloseForShutdown();

 private:
  static void OnFire(uv_timer_t* handle);
  Loop* loop_;
  uv_timer_t* handle_;  // heap: freed by the close callback; null once closed
  std::function<void()> fn_;
};

}  // namespace tessera::runtime
