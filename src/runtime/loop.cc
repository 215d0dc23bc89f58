#include "src/runtime/loop.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "src/runtime/timer.h"

namespace tessera::runtime {
namespace {
thread_local Loop* current_loop = nullptr;
}

Loop::Loop(int index) : index_(index) {
  if (uv_loop_init(&loop_) != 0) std::abort();
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0 || uv_poll_init(&loop_, &wake_, wake_fd_) != 0) std::abort();
  wake_.data = this;
  uv_poll_start(&wake_, UV_READABLE, &Loop::OnWake);
  uv_check_init(&loop_, &check_);
  check_.data = this;
  uv_check_start(&check_, &Loop::OnCheck);
}

Loop::~Loop() {
  Join();
  uv_loop_close(&loop_);
  close(wake_fd_);
}

void Loop::Post(Task task) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    inbox_.push_back(std::move(task));
    // One wakeup suffices: the loop drains everything once it runs.
    wake = sleeping_;
    sleeping_ = false;
  }
  if (wake) Wake();
}

void Loop::Wake() {
  const uint64_t one = 1;
  // Fails only with EAGAIN, when the counter is saturated: the loop is awake to drain it then.
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
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
  if (!lendable_) {
    // libuv blocks in its own epoll_wait: one per wakeup, not two (see loop.h). OnPrepare runs
    // just before it and tells posters to wake the loop, as Park() does below.
    uv_prepare_init(&loop_, &prepare_);
    prepare_.data = this;
    uv_prepare_start(&prepare_, &Loop::OnPrepare);
    uv_run(&loop_, UV_RUN_DEFAULT);
    current_loop = nullptr;
    return;
  }
  // libuv never blocks here (UV_RUN_NOWAIT): the loop blocks below, on libuv's epoll set, so
  // that it can be parked (lendable to other loops) for exactly as long as it waits for events.
  const int backend = uv_backend_fd(&loop_);
  while (uv_run(&loop_, UV_RUN_NOWAIT) != 0) {
    // 0 while there is work already (pending callbacks, closing handles, descriptors not yet
    // registered with epoll): run again without waiting.
    const int timeout = uv_backend_timeout(&loop_);
    if (timeout == 0 || !Park()) continue;
    epoll_event event;
    epoll_wait(backend, &event, 1, timeout);  // EINTR or not: libuv's next run sees what is due
    Unpark();
  }
  current_loop = nullptr;
}

bool Loop::Park() {
  std::lock_guard<std::mutex> lock(inbox_mu_);
  if (!inbox_.empty() || (stop_requested_ && !stop_seen_)) return false;
  sleeping_ = true;
  // Release: everything this thread did to its shard is visible to a borrower's acquire.
  if (lendable_) owner_.store(kParked, std::memory_order_release);
  return true;
}

void Loop::OnPrepare(uv_prepare_t* handle) {
  Loop* self = static_cast<Loop*>(handle->data);
  // Posts that came after this iteration's drain (from timers, say) must not wait for the next
  // event: the wakeup makes libuv's poll return at once.
  if (!self->Park()) self->Wake();
}

void Loop::Unpark() {
  int expected = kParked;
  for (;;) {
    if (expected == kParked) {
      if (owner_.compare_exchange_weak(expected, kRunning, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return;
      }
    } else if (expected == kBorrowed) {
      // Ask for the loop back: the borrower's GiveBack() then hands it straight to this thread,
      // so a stream of borrowers cannot keep the loop from its own work.
      if (owner_.compare_exchange_weak(expected, kBorrowedAwaited, std::memory_order_relaxed)) {
        break;
      }
    } else {
      break;  // kBorrowedAwaited: asked already (only this thread asks)
    }
  }
  // A command takes a few microseconds: spin for that long.
  for (int spins = 0; spins < 256; ++spins) {
    if (owner_.load(std::memory_order_acquire) == kRunning) return;
    __builtin_ia32_pause();
  }
  // Longer means the borrower's thread was preempted mid-command, which on cores shared with
  // other work lasts a scheduler tick or more (measured: ~25 of 420k wakeups, up to 10 ms).
  // Sleep until GiveBack() rather than yield: a yielding loop keeps its CPU busy all that time.
  // Only GiveBack() changes kBorrowedAwaited, to kRunning, so the wait returns with the loop.
  owner_.wait(kBorrowedAwaited, std::memory_order_acquire);
}

bool Loop::TryBorrow() {
  // A plain read first: a running loop's line is not pulled away from it on every attempt.
  if (owner_.load(std::memory_order_relaxed) != kParked) return false;
  // What was posted before must run before anything the borrower does: a task in the inbox may
  // be a setting the borrower's command has to see (posted, and acknowledged to a client,
  // before the command arrived), so a loop with posts waiting is not lent.
  std::lock_guard<std::mutex> lock(inbox_mu_);
  if (!inbox_.empty()) return false;
  int expected = kParked;
  return owner_.compare_exchange_strong(expected, kBorrowed, std::memory_order_acquire,
                                        std::memory_order_relaxed);
}

void Loop::GiveBack() {
  int expected = kBorrowed;
  if (owner_.compare_exchange_strong(expected, kParked, std::memory_order_release,
                                     std::memory_order_relaxed)) {
    return;
  }
  // The loop's thread woke meanwhile and asked for it back (kBorrowedAwaited): hand it over.
  owner_.store(kRunning, std::memory_order_release);
  owner_.notify_one();
}

void Loop::Stop() {
  // The wakeup is written under the lock: the loop can only see the request, end and be
  // destroyed (closing the eventfd) after it, so the write never meets a closed or reused fd.
  std::lock_guard<std::mutex> lock(inbox_mu_);
  stop_requested_ = true;
  Wake();
}

void Loop::Join() {
  if (thread_.joinable()) thread_.join();
}

Loop* Loop::Current() { return current_loop; }

void Loop::OnWake(uv_poll_t* handle, int status, int) {
  Loop* self = static_cast<Loop*>(handle->data);
  if (status == 0) {
    uint64_t count;
    [[maybe_unused]] ssize_t n = read(self->wake_fd_, &count, sizeof(count));  // resets it
  }
  self->DrainInbox();
}

void Loop::OnCheck(uv_check_t* handle) {
  Loop* self = static_cast<Loop*>(handle->data);
  // Tasks posted while this iteration ran (hop results, mostly) run now, so what they produce
  // goes out with this iteration's flush rather than after another trip through epoll.
  self->DrainInbox();
  for (auto& hook : self->iteration_hooks_) hook();
  // Stop only now, after the hooks: what this iteration's tasks produced (hops in the outboxes,
  // replies, lock releases) is handed on first, or a hop holding a client would never return.
  // And only once a drain has seen the request: a stop requested while the tasks ran (SHUTDOWN
  // stops its own loop) leaves one more iteration for what they posted.
  if (self->stop_seen_) self->CloseAll();
}

void Loop::DrainInbox() {
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    draining_.swap(inbox_);
    sleeping_ = false;
    if (stop_requested_) stop_seen_ = true;
  }
  for (Task& task : draining_) task();
  draining_.clear();
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
