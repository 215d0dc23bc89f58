// Deadlines of a DbTable's volatile keys, ordered: an indexed binary min-heap of
// (deadline, entry). Each volatile entry stores its heap position (4 bytes), which makes
// update and removal O(log n) and GetExpire O(1); the deadline itself lives only here.
//
// Why a heap rather than Redis's random sampling: the active cycle pops exactly the keys whose
// deadline has passed, in deadline order, so with 100k volatile keys among 1M an expired key
// is gone (and its "expired" event recorded) on the first cycle after its deadline — no
// sampling luck, no work on keys that are not due. The cost is 16 bytes per volatile key plus
// O(log n) per TTL change. NextDeadline() also lets the engine arm a timer for the exact next
// deadline instead of polling.
//
// Owning shard thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "storage/entry.h"

namespace tessera::storage {

class ExpireIndex {
 public:
  struct Item {
    int64_t deadline_ms;
    Entry* entry;
  };

  size_t size() const { return heap_.size(); }
  bool empty() const { return heap_.empty(); }

  // `e` must have an expire slot and not be in the index yet.
  void Add(Entry* e, int64_t deadline_ms);
  // `e` must be in the index.
  void Update(Entry* e, int64_t deadline_ms);
  void Remove(Entry* e);
  // `moved` replaces `old` (same slot contents) after the entry was rebuilt.
  void Relocate(const Entry* old, Entry* moved);
  int64_t DeadlineOf(const Entry* e) const { return heap_[e->expire_slot()].deadline_ms; }
  // The earliest deadline; index must not be empty.
  const Item& Top() const { return heap_.front(); }
  void Clear();
  void Swap(ExpireIndex& other);

  // Sum of deadlines, for INFO's avg_ttl without sampling.
  __int128 deadline_sum() const { return deadline_sum_; }

 private:
  void Place(size_t pos, const Item& item) {
    heap_[pos] = item;
    item.entry->set_expire_slot(static_cast<uint32_t>(pos));
  }
  void SiftUp(size_t pos);
  void SiftDown(size_t pos);

  std::vector<Item> heap_;
  __int128 deadline_sum_ = 0;
};

}  // namespace tessera::storage
