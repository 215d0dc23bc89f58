#include "src/runtime/timer.h"

namespace tessera::runtime {
namespace {

void FreeHandle(uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); }

}  // namespace

Timer::Timer(Loop* loop) : loop_(loop), handle_(new uv_timer_t) {
  uv_timer_init(loop->uv(), handle_);
  handle_->data = this;
  loop_->RegisterTimer(this);
}

Timer::~Timer() {
  if (handle_ == nullptr) return;  // closed when the loop stopped
  loop_->UnregisterTimer(this);
  handle_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(handle_), &FreeHandle);
}

void Timer::CloseForShutdown() {
  if (handle_ == nullptr) return;
  handle_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(handle_), &FreeHandle);
  handle_ = nullptr;
}

void Timer::Arm(uint64_t delay_ms, std::function<void()> fn) {
  if (handle_ == nullptr) return;
  fn_ = std::move(fn);
  uv_timer_start(handle_, &Timer::OnFire, delay_ms, 0);
}

void Timer::Cancel() {
  if (handle_ != nullptr) uv_timer_stop(handle_);
}

void Timer::OnFire(uv_timer_t* handle) {
  auto* self = static_cast<Timer*>(handle->data);
  if (self == nullptr) return;
  auto fn = self->fn_;
  fn();
}

}  // namespace tessera::runtime
