// Time sources. Commands read time through a Clock so tests can drive TTLs without sleeping.
// Both implementations are safe to read from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace tessera::runtime {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;  // unix time, milliseconds
  virtual int64_t NowUs() const = 0;  // unix time, microseconds
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
  int64_t NowUs() const override;
};

// A clock that only moves when told to. For tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'700'000'000'000) : us_(start_ms * 1000) {}
  int64_t NowMs() const override { return us_.load(std::memory_order_acquire) / 1000; }
  int64_t NowUs() const override { return us_.load(std::memory_order_acquire); }
  void AdvanceMs(int64_t ms) { us_.fetch_add(ms * 1000, std::memory_order_acq_rel); }

 private:
  std::atomic<int64_t> us_;
};

// Monotonic milliseconds for intervals (idle times, timeouts); not affected by clock steps.
int64_t MonotonicMs();

}  // namespace tessera::runtime
