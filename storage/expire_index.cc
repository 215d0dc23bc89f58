#include "storage/expire_index.h"

#include <cassert>
#include <utility>

namespace tessera::storage {

void ExpireIndex::Add(Entry* e, int64_t deadline_ms) {
  heap_.push_back(Item{deadline_ms, e});
  e->set_expire_slot(static_cast<uint32_t>(heap_.size() - 1));
  deadline_sum_ += deadline_ms;
  SiftUp(heap_.size() - 1);
}

void ExpireIndex::Update(Entry* e, int64_t deadline_ms) {
  const size_t pos = e->expire_slot();
  assert(pos < heap_.size() && heap_[pos].entry == e);
  const int64_t old = heap_[pos].deadline_ms;
  heap_[pos].deadline_ms = deadline_ms;
  deadline_sum_ += static_cast<__int128>(deadline_ms) - old;
  if (deadline_ms < old) {
    SiftUp(pos);
  } else {
    SiftDown(pos);
  }
}

void ExpireIndex::Remove(Entry* e) {
  const size_t pos = e->expire_slot();
  assert(pos < heap_.size() && heap_[pos].entry == e);
  const int64_t removed_deadline = heap_[pos].deadline_ms;
  deadline_sum_ -= removed_deadline;
  const Item last = heap_.back();
  heap_.pop_back();
  if (pos == heap_.size()) return;
  Place(pos, last);
  if (last.deadline_ms < removed_deadline) {
    SiftUp(pos);
  } else {
    SiftDown(pos);
  }
}

void ExpireIndex::Relocate(const Entry* old, Entry* moved) {
  const size_t pos = moved->expire_slot();
  assert(pos < heap_.size() && heap_[pos].entry == old);
  (void)old;
  heap_[pos].entry = moved;
}

void ExpireIndex::Clear() {
  std::vector<Item>().swap(heap_);
  deadline_sum_ = 0;
}

void ExpireIndex::Swap(ExpireIndex& other) {
  heap_.swap(other.heap_);
  std::swap(deadline_sum_, other.deadline_sum_);
}

void ExpireIndex::SiftUp(size_t pos) {
  const Item item = heap_[pos];
  while (pos > 0) {
    const size_t parent = (pos - 1) / 2;
    if (heap_[parent].deadline_ms <= item.deadline_ms) break;
    Place(pos, heap_[parent]);
    pos = parent;
  }
  Place(pos, item);
}

void ExpireIndex::SiftDown(size_t pos) {
  const Item item = heap_[pos];
  const size_t n = heap_.size();
  while (true) {
    size_t child = 2 * pos + 1;
    if (child >= n) break;
    if (child + 1 < n && heap_[child + 1].deadline_ms < heap_[child].deadline_ms) ++child;
    if (heap_[child].deadline_ms >= item.deadline_ms) break;
    Place(pos, heap_[child]);
    pos = child;
  }
  Place(pos, item);
}

}  // namespace tessera::storage
