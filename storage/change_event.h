// Change events recorded by storage operations.
//
// Storage never publishes anything: an operation that changes a key records what happened here
// (class, Redis event name, key, db), and the engine turns the records into keyspace
// notifications, WATCH invalidation, journal entries and stats in one place after the command.
// Single-threaded: each shard owns one recorder.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::storage {

// The notify-keyspace-events class letters, as bits.
enum EventClass : uint16_t {
  kEventGeneric = 1 << 0,  // g
  kEventString = 1 << 1,   // $
  kEventList = 1 << 2,     // l
  kEventSet = 1 << 3,      // s
  kEventHash = 1 << 4,     // h
  kEventZSet = 1 << 5,     // z
  kEventExpired = 1 << 6,  // x
  kEventEvicted = 1 << 7,  // e
  kEventStream = 1 << 8,   // t
  kEventKeyMiss = 1 << 9,  // m
  kEventNew = 1 << 10,     // n
  // Not a keyspace event: a whole database was emptied or swapped (FLUSHDB, FLUSHALL,
  // SWAPDB), with an empty key. WATCH needs it; notifications never publish it.
  kEventDbReset = 1 << 11,
};

struct ChangeEvent {
  EventClass cls;
  const char* name;  // Redis's event name: "set", "del", "expired", ... (static storage)
  int db;
  std::string key;
};

class ChangeRecorder {
 public:
  void Record(EventClass cls, const char* name, int db, std::string_view key) {
    if (cls != kEventKeyMiss && cls != kEventDbReset) op_wrote_ = true;
    if (cls & keep_mask_) events_.push_back(ChangeEvent{cls, name, db, std::string(key)});
  }
  // Which classes are kept as events (the rest are only counted). The engine widens this when
  // someone listens: keyspace notifications, WATCH, the change feed.
  void set_keep_mask(uint16_t mask) { keep_mask_ = mask; }
  uint16_t keep_mask() const { return keep_mask_; }
  const std::vector<ChangeEvent>& events() const { return events_; }
  bool empty() const { return events_.empty(); }
  void Clear() { events_.clear(); }
  // Redis's dirty counter for the op that just ran, and reset: 1 if it changed anything (however
  // many events it recorded), plus what it added explicitly (FLUSHDB adds the keys it removed).
  // The engine calls it once per op.
  uint64_t TakeOpDirty() {
    uint64_t dirty = (op_wrote_ ? 1 : 0) + extra_dirty_;
    op_wrote_ = false;
    extra_dirty_ = 0;
    return dirty;
  }
  void AddWrites(uint64_t n) { extra_dirty_ += n; }
  // Whether the op running now has changed anything yet (before TakeOpDirty resets it).
  bool op_wrote() const { return op_wrote_ || extra_dirty_ > 0; }

 private:
  std::vector<ChangeEvent> events_;
  bool op_wrote_ = false;
  uint64_t extra_dirty_ = 0;
  uint16_t keep_mask_ = 0;
};

}  // namespace tessera::storage
