#include "src/runtime/timer.h"

namespace tessera::runtime {

Timer::Timer(Loop* loop) : handle_(new uv_timer_t) {
  uv_timer_init(loop->uv(), handle_);
  handle_->data = this;
}

Timer::~Timer() {
  handle_->data = nullptr;
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(handle_))) {
    uv_close(reinterpret_cast<uv_handle_t*>(handle_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  }
}

void Timer::Arm(uint64_t delay_ms, std::function<void()> fn) {
  fn_ = std::move(fn);
  uv_timer_start(handle_, &Timer::OnFire, delay_ms, 0);
}

void Timer::Cancel() { uv_timer_stop(handle_); }

void Timer::OnFire(uv_timer_t* handle) {
  auto* self = static_cast<Timer*>(handle->data);
  if (self == nullptr) return;
  auto fn = self->fn_;
  fn();
}

}  // namespace tessera::runtime
