// Listpack: the packed encoding of small collections (lists, hashes, sorted sets), named and
// bounded as Redis's (list-max-listpack-size, hash-max-listpack-entries/value,
// zset-max-listpack-entries/value).
//
// One contiguous heap buffer of entries, each a string or an integer (integers are stored as
// integers when the string is canonical, as Redis does), with a header that keeps the entry
// count and byte size so size() and bytes() are O(1). Iteration is forward and backward.
// Small and cache-friendly; every mutation is O(bytes) (memmove), which is why collections
// convert to real structures past the thresholds.
//
// Positions are entry indexes (0 = head). Shard-thread only, like everything in storage/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tessera::storage {

class Listpack {
 public:
  Listpack();
  ~Listpack();
  Listpack(const Listpack& other);
  Listpack& operator=(const Listpack& other);
  Listpack(Listpack&& other) noexcept;
  Listpack& operator=(Listpack&& other) noexcept;

  size_t size() const;   // entries
  size_t bytes() const;  // heap bytes used (MEMORY USAGE)
  bool empty() const { return size() == 0; }

  // An entry's value. `str` points into the listpack (valid until the next mutation) unless the
  // entry is an integer, in which case it points into `buf`.
  struct Value {
    std::string_view str;
    bool is_int = false;
    int64_t integer = 0;
    char buf[24];
  };

  void PushBack(std::string_view v);
  void PushFront(std::string_view v);
  // Inserts before entry `index` (index == size() appends).
  void Insert(size_t index, std::string_view v);
  void Replace(size_t index, std::string_view v);
  void Erase(size_t index, size_t count = 1);
  void Clear();
  // Moves entries [index, size()) into a new listpack, which is returned (quicklist splits).
  Listpack SplitOff(size_t index);
  // Appends a copy of every entry of `other` (quicklist merges).
  void Append(const Listpack& other);
  // Bytes one entry holding `v` takes (encoding, data and back-length), for the quicklist's
  // node-size decisions.
  static size_t EncodedSize(std::string_view v);
  // The same entries as a Redis listpack blob (RDB's *_LISTPACK payloads): Redis's 6-byte
  // header (total bytes, uint16 count or 65535 when it does not fit), our entries verbatim, 0xFF.
  std::string ToRedisBlob() const;

  // Reads entry `index` into *out. O(index) from the nearer end; for sequential access use a
  // Cursor.
  void Get(size_t index, Value* out) const;
  // Index of the first entry equal to `v` at or after `from`, stepping by `step` (2 for the
  // fields of a field/value listpack); size() if none.
  size_t Find(std::string_view v, size_t from = 0, size_t step = 1) const;

  // Sequential access without re-walking from the ends.
  class Cursor {
   public:
    bool Valid() const;
    void Next();
    void Prev();
    size_t index() const;
    void Read(Value* out) const;
    // Whether the entry equals `v` (by value: "12" matches the integer entry 12), without
    // formatting integers.
    bool Equals(std::string_view v) const;

   private:
    friend class Listpack;
    const Listpack* lp_ = nullptr;
    size_t offset_ = 0;
    size_t index_ = 0;
  };
  Cursor Begin() const;
  Cursor Last() const;  // last entry (invalid if empty)
  Cursor At(size_t index) const;

 private:
  // Byte offset of entry `index` (of the terminator when index >= size()); walks from the
  // nearer end.
  size_t OffsetOf(size_t index) const;
  // Replaces `remove_bytes` at `offset` by room for `insert_bytes` (uninitialised), creating the
  // buffer if the listpack is empty; fixes the byte total, not the count. Returns the room.
  unsigned char* Splice(size_t offset, size_t remove_bytes, size_t insert_bytes);
  // Sets the entry count; 0 frees the buffer.
  void SetCount(size_t n);

  unsigned char* data_;  // header + entries; see listpack.cc for the byte layout
};

}  // namespace tessera::storage
