#include "src/runtime/loop.h"

#include <pthread.h>
#include <sched.h>

#include <cstdio>
#include <cstdlib>

#include "src/runtime/timer.h"

namespace tessera::runtime {
namespace {
thread_local Loop* current_loop = nullptr;
}

Loop::Loop(int index) : index_(index) {
  if (uv_loop_init(&loop_) != 0) std::abort();
  uv_async_init(&loop_, &async_, &Loop::OnAsync);
  async_.data = this;
  uv_check_init(&loop_, &check_);
  check_.data = this;
  uv_check_start(&check_, &Loop::OnCheck);
}

Loop::~Loop() {
  Join();
  uv_loop_close(&loop_);
}

void Loop::Post(Task task) {
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    inbox_.push_back(std::move(task));
  }
  uv_async_send(&async_);
}

void Loop::AddIterationHook(std::function<void()> hook) {
  iteration_hooks_.push_back(std::move(hook));
}

void Loop::AddStopHook(std::function<void()> hook) { stop_hooks_.push_back(std::move(hook)); }

void Loop::Start(int cpu) {
  thread_ = std::thread([this, cpu] {
    if (cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
    }
    char name[16];
    std::snprintf(name, sizeof(name), "tessera-%d", index_);
    pthread_setname_np(pthread_self(), name);
    Run();
  });
}

void Loop::Run() {
  current_loop = this;
  uv_run(&loop_, UV_RUN_DEFAULT);
  current_loop = nullptr;
}

void Loop::Stop() {
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    stop_requested_ = true;
  }
  uv_async_send(&async_);
}

void Loop::Join() {
  if (thread_.joinable()) thread_.join();
}

Loop* Loop::Current() { return current_loop; }

void Loop::OnAsync(uv_async_t* handle) { static_cast<Loop*>(handle->data)->DrainInbox(); }

void Loop::OnCheck(uv_check_t* handle) {
  Loop* self = static_cast<Loop*>(handle->data);
  for (auto& hook : self->iteration_hooks_) hook();
}

void Loop::DrainInbox() {
  bool stop;
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    draining_.swap(inbox_);
    stop = stop_requested_;
  }
  for (Task& task : draining_) task();
  draining_.clear();
  if (stop) CloseAll();
}

void Loop::CloseAll() {
  for (auto& hook : stop_hooks_) hook();
  stop_hooks_.clear();
  iteration_hooks_.clear();
  for (Timer* t : timers_) t->CloseForShutdown();
  timers_.clear();
  uv_walk(
      &loop_,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
}

}  // namespace tessera::runtime
