#include "storage/intset.h"

#include <cassert>
#include <cstring>

namespace tessera::storage {
namespace {

// Header: count in bits 0..29, width code in bits 30..31 (0 = 2 bytes, 1 = 4, 2 = 8).
constexpr uint32_t kCountMask = (uint32_t{1} << 30) - 1;
constexpr int kWidthShift = 30;

uint32_t LoadHeader(const unsigned char* p) {
  uint32_t h;
  std::memcpy(&h, p, sizeof(h));
  return h;
}

int WidthOfCode(uint32_t code) { return 2 << code; }

uint32_t CodeOfWidth(int width) { return width == 2 ? 0 : width == 4 ? 1 : 2; }

}  // namespace

void IntSet::Init(unsigned char* region) {
  const uint32_t h = 0;
  std::memcpy(region, &h, sizeof(h));
}

int IntSet::WidthFor(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}

size_t IntSet::size() const { return LoadHeader(p_) & kCountMask; }

int IntSet::width() const { return WidthOfCode(LoadHeader(p_) >> kWidthShift); }

void IntSet::SetHeader(size_t n, int width) {
  assert(n <= kMaxSize);
  const uint32_t h = static_cast<uint32_t>(n) | (CodeOfWidth(width) << kWidthShift);
  std::memcpy(p_, &h, sizeof(h));
}

int64_t IntSet::GetAt(size_t i, int width) const {
  const unsigned char* src = data() + i * width;
  switch (width) {
    case 2: {
      int16_t v;
      std::memcpy(&v, src, sizeof(v));
      return v;
    }
    case 4: {
      int32_t v;
      std::memcpy(&v, src, sizeof(v));
      return v;
    }
    default: {
      int64_t v;
      std::memcpy(&v, src, sizeof(v));
      return v;
    }
  }
}

void IntSet::Put(size_t i, int64_t v, int width) {
  unsigned char* dst = data() + i * width;
  switch (width) {
    case 2: {
      const auto n = static_cast<int16_t>(v);
      std::memcpy(dst, &n, sizeof(n));
      break;
    }
    case 4: {
      const auto n = static_cast<int32_t>(v);
      std::memcpy(dst, &n, sizeof(n));
      break;
    }
    default:
      std::memcpy(dst, &v, sizeof(v));
      break;
  }
}

int64_t IntSet::Get(size_t i) const {
  assert(i < size());
  return GetAt(i, width());
}

bool IntSet::Find(int64_t v, size_t* pos) const {
  const size_t n = size();
  const int w = width();
  size_t lo = 0;
  size_t hi = n;
  // Values outside the current width's range cannot be present; their position is an end.
  if (WidthFor(v) > w) {
    if (pos != nullptr) *pos = v < 0 ? 0 : n;
    return false;
  }
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const int64_t cur = GetAt(mid, w);
    if (cur == v) {
      if (pos != nullptr) *pos = mid;
      return true;
    }
    if (cur < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (pos != nullptr) *pos = lo;
  return false;
}

size_t IntSet::BytesAfterInsert(int64_t v) const {
  const int w = width();
  const int vw = WidthFor(v);
  if (vw > w) return BytesFor(size() + 1, vw);  // wider than every element: surely absent
  return Find(v) ? bytes() : BytesFor(size() + 1, w);
}

bool IntSet::Insert(int64_t v) {
  const size_t n = size();
  const int w = width();
  const int vw = WidthFor(v);
  if (vw > w) {
    // Upgrade: re-encode from the back so no element is overwritten before it is read. A value
    // that needs the wider width is below or above every element, so it goes at an end.
    const bool at_front = v < 0;
    const size_t shift = at_front ? 1 : 0;
    for (size_t i = n; i-- > 0;) Put(i + shift, GetAt(i, w), vw);
    Put(at_front ? 0 : n, v, vw);
    SetHeader(n + 1, vw);
    return true;
  }
  size_t pos;
  if (Find(v, &pos)) return false;
  std::memmove(data() + (pos + 1) * w, data() + pos * w, (n - pos) * w);
  Put(pos, v, w);
  SetHeader(n + 1, w);
  return true;
}

void IntSet::EraseAt(size_t pos) {
  const size_t n = size();
  const int w = width();
  assert(pos < n);
  std::memmove(data() + pos * w, data() + (pos + 1) * w, (n - pos - 1) * w);
  SetHeader(n - 1, w);
}

bool IntSet::Erase(int64_t v) {
  size_t pos;
  if (!Find(v, &pos)) return false;
  EraseAt(pos);
  return true;
}

void IntSet::CopyTo(unsigned char* dst) const { std::memcpy(dst, p_, bytes()); }

}  // namespace tessera::storage
