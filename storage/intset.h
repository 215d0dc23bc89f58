// IntSet: a sorted array of distinct int64 values packed at the narrowest width (2, 4 or 8
// bytes per element) that holds every element — Redis's intset, the "intset" encoding of small
// all-integer sets.
//
// An IntSet is a view over a region its owner allocates: a 4-byte header (element count and
// width) followed by the elements in ascending order. The owner (SetValue) keeps the region
// inline after its own header, so a small integer set is one heap block; it sizes the region
// with BytesFor()/BytesAfterInsert() before inserting. Adding a value that needs a wider encoding
// re-encodes every element at the new width ("upgrade", as Redis: never downgraded on removal).
//
// Elements are stored in native byte order and read with memcpy (the region need not be
// aligned). Owning shard thread only, like all of storage/.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tessera::storage {

class IntSet {
 public:
  static constexpr size_t kHeaderBytes = 4;
  // The count has 30 bits of the header; callers convert to another encoding before this.
  static constexpr size_t kMaxSize = (size_t{1} << 30) - 1;

  // A view over a region holding an initialised intset. A view made from const bytes must only
  // be read.
  explicit IntSet(unsigned char* region) : p_(region) {}
  explicit IntSet(const unsigned char* region) : p_(const_cast<unsigned char*>(region)) {}

  // Writes the header of an empty intset of width 2 into `region` (kHeaderBytes).
  static void Init(unsigned char* region);
  // Bytes a region needs for `n` elements of `width` bytes.
  static size_t BytesFor(size_t n, int width) { return kHeaderBytes + n * width; }
  // The narrowest width (2, 4 or 8) that holds `v`.
  static int WidthFor(int64_t v);

  size_t size() const;
  int width() const;
  bool empty() const { return size() == 0; }
  size_t bytes() const { return BytesFor(size(), width()); }
  // Region bytes needed once `v` is inserted (the current size if it is already present).
  size_t BytesAfterInsert(int64_t v) const;

  // Element `i` (0 = smallest).
  int64_t Get(size_t i) const;
  // Binary search. True if present, with its position in *pos; else false with the position it
  // would be inserted at. `pos` may be null.
  bool Find(int64_t v, size_t* pos = nullptr) const;
  bool Contains(int64_t v) const { return Find(v); }

  // Inserts `v` if absent, upgrading the width if needed. The region must hold at least
  // BytesAfterInsert(v) bytes. Returns whether it was inserted.
  bool Insert(int64_t v);
  // Removes `v` if present; returns whether it was. The region keeps its width.
  bool Erase(int64_t v);
  void EraseAt(size_t pos);
  // Copies this intset into `dst`, which must hold at least bytes() bytes.
  void CopyTo(unsigned char* dst) const;

 private:
  void SetHeader(size_t n, int width);
  unsigned char* data() const { return p_ + kHeaderBytes; }
  void Put(size_t i, int64_t v, int width);
  int64_t GetAt(size_t i, int width) const;

  unsigned char* p_;
};

}  // namespace tessera::storage
