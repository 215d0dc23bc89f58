#include "storage/list_value.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <utility>

#include "storage/encoding_limits.h"

namespace tessera::storage {
namespace {

// Redis 7.0 quicklist.c constants.
constexpr size_t kOptimizationLevel[] = {4096, 8192, 16384, 32768, 65536};
constexpr size_t kSizeSafetyLimit = 8192;
constexpr size_t kSizeEstimateOverhead = 8;
constexpr int kFillMax = 1 << 15;

// A node's size as Redis counts it: its listpack has a 6-byte header and a 1-byte terminator,
// ours an 8-byte header, so the same entries weigh 2 bytes less there.
size_t RedisBytes(const Listpack& lp) { return lp.empty() ? 7 : lp.bytes() - 2; }

bool MeetsOptimizationRequirement(size_t sz, int fill) {
  if (fill >= 0) return false;
  size_t level = static_cast<size_t>(-fill) - 1;
  return level < std::size(kOptimizationLevel) && sz <= kOptimizationLevel[level];
}

}  // namespace

int ListValue::ClampFill(int64_t fill) {
  if (fill > kFillMax) return kFillMax;
  if (fill < -5) return -5;
  return static_cast<int>(fill);
}

int ListValue::fill() const {
  if (fixed_fill_) return fill_;
  return ClampFill(GlobalEncodingLimits().list_max_listpack_size.load(std::memory_order_relaxed));
}

bool ListValue::AllowInsert(const Listpack& node, std::string_view v) const {
  const int f = fill();
  size_t new_sz = RedisBytes(node) + v.size() + kSizeEstimateOverhead;
  if (MeetsOptimizationRequirement(new_sz, f)) return true;
  if (new_sz > kSizeSafetyLimit) return false;
  return static_cast<int64_t>(node.size()) < f;
}

bool ListValue::AllowMerge(const Listpack& a, const Listpack& b) const {
  const int f = fill();
  size_t merge_sz = RedisBytes(a) + RedisBytes(b) - 7;
  if (MeetsOptimizationRequirement(merge_sz, f)) return true;
  if (merge_sz > kSizeSafetyLimit) return false;
  return static_cast<int64_t>(a.size() + b.size()) <= f;
}

std::unique_ptr<StoredObject> ListValue::Clone() const {
  auto copy = std::make_unique<ListValue>();
  copy->nodes_ = nodes_;
  copy->count_ = count_;
  copy->fixed_fill_ = fixed_fill_;
  copy->fill_ = fill_;
  return copy;
}

size_t ListValue::MemoryUsage() const {
  size_t total = sizeof(*this) + nodes_.capacity() * sizeof(Listpack);
  for (const Listpack& n : nodes_) total += n.bytes();
  return total;
}

void ListValue::Push(std::string_view v, ListEnd where) {
  if (where == ListEnd::kHead) {
    if (nodes_.empty() || !AllowInsert(nodes_.front(), v))
      nodes_.insert(nodes_.begin(), Listpack());
    nodes_.front().PushFront(v);
  } else {
    if (nodes_.empty() || !AllowInsert(nodes_.back(), v)) nodes_.emplace_back();
    nodes_.back().PushBack(v);
  }
  ++count_;
}

void ListValue::Pop(ListEnd where, size_t count, std::vector<std::string>* out) {
  count = std::min(count, count_);
  Listpack::Value value;
  while (count > 0) {
    const bool head = where == ListEnd::kHead;
    Listpack& node = head ? nodes_.front() : nodes_.back();
    size_t take = std::min(count, node.size());
    if (head) {
      for (Listpack::Cursor c = node.Begin(); c.index() < take; c.Next()) {
        c.Read(&value);
        out->emplace_back(value.str);
      }
      node.Erase(0, take);
    } else {
      size_t first = node.size() - take;
      for (Listpack::Cursor c = node.Last(); c.Valid() && c.index() >= first; c.Prev()) {
        c.Read(&value);
        out->emplace_back(value.str);
      }
      node.Erase(first, take);
    }
    count -= take;
    count_ -= take;
    DropIfEmpty(head ? 0 : nodes_.size() - 1);
  }
}

void ListValue::Locate(size_t index, size_t* node, size_t* offset) const {
  if (index <= count_ / 2) {
    size_t i = 0;
    while (index >= nodes_[i].size()) index -= nodes_[i++].size();
    *node = i;
    *offset = index;
    return;
  }
  size_t from_tail = count_ - 1 - index;  // 0 = last element
  size_t i = nodes_.size() - 1;
  while (from_tail >= nodes_[i].size()) from_tail -= nodes_[i--].size();
  *node = i;
  *offset = nodes_[i].size() - 1 - from_tail;
}

std::string ListValue::Get(size_t index) const { return At(index).ReadString(); }

void ListValue::Set(size_t index, std::string_view v) {
  size_t node, offset;
  Locate(index, &node, &offset);
  nodes_[node].Replace(offset, v);
}

void ListValue::Insert(size_t index, std::string_view v) {
  if (index == 0) {
    Push(v, ListEnd::kHead);
    return;
  }
  if (index >= count_) {
    Push(v, ListEnd::kTail);
    return;
  }
  size_t n, offset;
  Locate(index, &n, &offset);
  ++count_;
  if (AllowInsert(nodes_[n], v)) {
    nodes_[n].Insert(offset, v);
    return;
  }
  // Before the node's first element: the previous node's tail is the same position.
  if (offset == 0) {
    if (n > 0 && AllowInsert(nodes_[n - 1], v)) {
      nodes_[n - 1].PushBack(v);
    } else {
      nodes_.insert(nodes_.begin() + static_cast<ptrdiff_t>(n), Listpack());
      nodes_[n].PushBack(v);
    }
    return;
  }
  // A full node, inserting inside it: split there and keep the new element with the front half.
  Listpack tail = nodes_[n].SplitOff(offset);
  nodes_[n].PushBack(v);
  nodes_.insert(nodes_.begin() + static_cast<ptrdiff_t>(n) + 1, std::move(tail));
  TryMerge(n + 1);
  if (n > 0) TryMerge(n - 1);
}

void ListValue::TryMerge(size_t i) {
  if (i + 1 >= nodes_.size() || !AllowMerge(nodes_[i], nodes_[i + 1])) return;
  nodes_[i].Append(nodes_[i + 1]);
  nodes_.erase(nodes_.begin() + static_cast<ptrdiff_t>(i) + 1);
}

void ListValue::DropIfEmpty(size_t node) {
  if (node < nodes_.size() && nodes_[node].empty()) {
    nodes_.erase(nodes_.begin() + static_cast<ptrdiff_t>(node));
  }
}

void ListValue::Erase(size_t index, size_t count) {
  if (index >= count_) return;
  count = std::min(count, count_ - index);
  size_t n, offset;
  Locate(index, &n, &offset);
  count_ -= count;
  while (count > 0) {
    size_t take = std::min(count, nodes_[n].size() - offset);
    if (offset == 0 && take == nodes_[n].size()) {
      nodes_.erase(nodes_.begin() + static_cast<ptrdiff_t>(n));
    } else {
      nodes_[n].Erase(offset, take);
      ++n;
    }
    count -= take;
    offset = 0;
  }
}

size_t ListValue::Remove(std::string_view v, int64_t count) {
  const bool from_tail = count < 0;
  // How many may still be removed; 0 means no limit.
  uint64_t limit = count < 0 ? ~static_cast<uint64_t>(count) + 1 : static_cast<uint64_t>(count);
  size_t removed = 0;
  std::vector<size_t> matches;
  for (size_t k = 0; k < nodes_.size(); ++k) {
    size_t n = from_tail ? nodes_.size() - 1 - k : k;
    Listpack& node = nodes_[n];
    matches.clear();
    if (from_tail) {
      for (Listpack::Cursor c = node.Last(); c.Valid(); c.Prev()) {
        if (limit != 0 && removed + matches.size() == limit) break;
        if (c.Equals(v)) matches.push_back(c.index());
      }
    } else {
      for (Listpack::Cursor c = node.Begin(); c.Valid(); c.Next()) {
        if (limit != 0 && removed + matches.size() == limit) break;
        if (c.Equals(v)) matches.push_back(c.index());
      }
    }
    // Highest position first, so the remaining positions stay valid.
    std::sort(matches.begin(), matches.end(), std::greater<size_t>());
    for (size_t pos : matches) node.Erase(pos);
    removed += matches.size();
    if (node.empty()) {
      nodes_.erase(nodes_.begin() + static_cast<ptrdiff_t>(n));
      // Both ways the next node to visit is now reached with the same k again (forward it moved
      // down to n; backward the shorter vector maps k to n-1).
      --k;
    }
    if (limit != 0 && removed == limit) break;
  }
  count_ -= removed;
  return removed;
}

ListValue::Cursor ListValue::At(size_t index) const {
  Cursor c;
  c.list_ = this;
  c.index_ = index;
  if (index < count_) {
    size_t offset;
    Locate(index, &c.node_, &offset);
    c.pos_ = nodes_[c.node_].At(offset);
  }
  return c;
}

void ListValue::Cursor::Next() {
  ++index_;
  pos_.Next();
  if (!pos_.Valid() && node_ + 1 < list_->nodes_.size()) {
    ++node_;
    pos_ = list_->nodes_[node_].Begin();
  }
}

void ListValue::Cursor::Prev() {
  --index_;  // wraps past the head: invalid
  pos_.Prev();
  if (!pos_.Valid() && node_ > 0) {
    --node_;
    pos_ = list_->nodes_[node_].Last();
  }
}

std::string ListValue::Cursor::ReadString() const {
  Listpack::Value value;
  pos_.Read(&value);
  return std::string(value.str);
}

}  // namespace tessera::storage
