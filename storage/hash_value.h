// Hash values: Redis 7.0's two hash encodings.
//  - "listpack": fields and values alternate, in insertion order, each as [varint length]
//    [bytes], in one block after the object header (vtable pointer, byte and pair counts), like
//    IntSetValue. Once stored, the object lives inside its entry's block, so a small hash is a
//    single allocation. This is not the shared Listpack: a hash never walks backwards or
//    compares integers, so it does without Redis's back-length and integer forms (a byte or more
//    per element); listpack() converts for RDB.
//  - "hashtable": a MemberTable (see set_value.h) keyed by field whose block payload is the
//    value ([varint length][bytes]): one heap block per field/value pair.
// A listpack hash converts to a hashtable, never back, when it would hold more than
// hash-max-listpack-entries pairs or a field or value longer than hash-max-listpack-value bytes
// (HashLimits, read by hash_ops from the CONFIG-bound EncodingLimits).
//
// Conversion, and a listpack that outgrows its room, build a new object:
// HashValue::SetResult::replacement carries it and the caller installs it where the old value
// was (hash_ops does this inside a DbTable).
//
// Owning shard thread only; a value may be handed to another thread whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/listpack.h"
#include "storage/set_value.h"
#include "storage/value.h"

namespace tessera::storage {

struct HashLimits {
  size_t max_listpack_entries = 512;  // hash-max-listpack-entries
  size_t max_listpack_value = 64;     // hash-max-listpack-value
};

using FieldValue = std::pair<std::string, std::string>;

class HashValue : public StoredObject {
 public:
  enum class Kind : uint8_t { kListpack, kTable };

  struct SetResult {
    bool created = false;  // the field is new (else its value was replaced)
    // When set, the hash to use from now on (it holds the result); the old one is to be dropped.
    std::unique_ptr<HashValue> replacement;
  };

  // An empty "listpack" hash, as Redis's createHashObject.
  static std::unique_ptr<HashValue> Create();

  virtual Kind kind() const = 0;
  virtual size_t size() const = 0;
  // Assigns the value of `field` to *out; false if absent.
  virtual bool Get(std::string_view field, std::string* out) const = 0;
  virtual bool Contains(std::string_view field) const = 0;
  // Redis's hashTypeSet: converts first if the field or value is too long for a listpack, then
  // sets, then converts if the listpack holds too many pairs.
  virtual SetResult Set(std::string_view field, std::string_view value,
                        const HashLimits& limits) = 0;
  // Removes `field`; false if absent. Never reallocates the object.
  virtual bool Delete(std::string_view field) = 0;
  // A random pair: uniform over a listpack, bucket-then-chain over a table (as Redis).
  virtual FieldValue RandomPair(Rng& rng) const = 0;
  // One HSCAN call: appends pairs to *out and returns the next cursor. A listpack returns every
  // pair at once with cursor 0, as Redis does; a table visits buckets until it has `count`
  // pairs or has made count*10 steps.
  virtual uint64_t Scan(uint64_t cursor, size_t count, std::vector<FieldValue>* out) const = 0;

  // fn(std::string_view field, std::string_view value) for every pair (insertion order for a
  // listpack). The views are valid during the call only.
  template <typename Fn>
  void ForEach(Fn&& fn) const;
  std::vector<FieldValue> Pairs() const;
  // A "hashtable" holding the same pairs (hashTypeConvert).
  std::unique_ptr<HashValue> ToTable() const;
};

class ListpackHashValue final : public HashValue {
 public:
  // An empty hash whose block has room for `data_bytes` of pair data.
  static std::unique_ptr<ListpackHashValue> Create(size_t data_bytes = 0);

  const char* EncodingName() const override { return "listpack"; }
  std::unique_ptr<StoredObject> Clone() const override;
  size_t MemoryUsage() const override { return AllocatorSizeClass(Room()); }
  size_t InlineSize() const override { return Room(); }
  StoredObject* CopyInto(void* dst) const override;

  Kind kind() const override { return Kind::kListpack; }
  size_t size() const override { return count_; }
  bool Get(std::string_view field, std::string* out) const override;
  bool Contains(std::string_view field) const override;
  SetResult Set(std::string_view field, std::string_view value, const HashLimits& limits) override;
  bool Delete(std::string_view field) override;
  FieldValue RandomPair(Rng& rng) const override;
  uint64_t Scan(uint64_t cursor, size_t count, std::vector<FieldValue>* out) const override;

  // The pairs as a Listpack (Redis's entry format, field, value, ...), e.g. for an RDB
  // HASH_LISTPACK payload: a copy built on each call.
  Listpack listpack() const;
  // fn(std::string_view field, std::string_view value) in insertion order; the views are valid
  // until the next mutation.
  template <typename Fn>
  void ForEachPair(Fn&& fn) const;

  // The block was allocated with malloc.
  static void operator delete(void* p);

 private:
  // Pair data past this is converted to a table, so the counts fit their 32 bits.
  static constexpr size_t kMaxDataBytes = size_t{1} << 30;

  ListpackHashValue() = default;
  static std::unique_ptr<ListpackHashValue> Allocate(size_t data_bytes);
  // The room the object counts on: its bytes rounded up to 8. Its block (or inline room) may be
  // larger after a Delete, never smaller, so growing within Room() is always safe.
  static size_t RoomFor(size_t data_bytes) {
    return (sizeof(ListpackHashValue) + data_bytes + 7) & ~size_t{7};
  }
  size_t Room() const { return RoomFor(used_); }
  unsigned char* data() const {
    return const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(this)) +
           sizeof(ListpackHashValue);
  }
  static size_t ElementSize(size_t len) { return MemberTable::VarintSize(len) + len; }
  // Reads the element at *p and advances *p past it.
  static std::string_view ReadElement(const unsigned char** p);
  static unsigned char* WriteElement(unsigned char* p, std::string_view v);
  // Offset of the field element of `field`, used_ if absent.
  size_t FindField(std::string_view field) const;
  // Replaces `remove` bytes of pair data at `at` by `insert` uninitialised bytes: in place when
  // Room() allows, else in a copy returned in *replacement (this object is then unchanged).
  // Returns where the inserted bytes go.
  unsigned char* Splice(size_t at, size_t remove, size_t insert,
                        std::unique_ptr<ListpackHashValue>* replacement);

  uint32_t used_ = 0;   // bytes of pair data after the object
  uint32_t count_ = 0;  // pairs
};

class TableHashValue final : public HashValue {
 public:
  explicit TableHashValue(size_t size_hint = 0);

  const char* EncodingName() const override { return "hashtable"; }
  std::unique_ptr<StoredObject> Clone() const override;
  size_t MemoryUsage() const override;

  Kind kind() const override { return Kind::kTable; }
  size_t size() const override { return table_.size(); }
  bool Get(std::string_view field, std::string* out) const override;
  bool Contains(std::string_view field) const override;
  SetResult Set(std::string_view field, std::string_view value, const HashLimits& limits) override;
  bool Delete(std::string_view field) override;
  FieldValue RandomPair(Rng& rng) const override;
  uint64_t Scan(uint64_t cursor, size_t count, std::vector<FieldValue>* out) const override;

  // The value stored in a block's payload.
  static std::string_view ValueOf(const unsigned char* block);
  const MemberTable& table() const { return table_; }

 private:
  // Bytes of a payload holding a value of `len` bytes.
  static size_t PayloadSize(size_t len) { return MemberTable::VarintSize(len) + len; }
  static void WriteValue(unsigned char* block, std::string_view value);

  MemberTable table_;
};

template <typename Fn>
void ListpackHashValue::ForEachPair(Fn&& fn) const {
  const unsigned char* p = data();
  const unsigned char* const end = p + used_;
  while (p != end) {
    const std::string_view field = ReadElement(&p);
    const std::string_view value = ReadElement(&p);
    fn(field, value);
  }
}

template <typename Fn>
void HashValue::ForEach(Fn&& fn) const {
  if (kind() == Kind::kListpack) {
    static_cast<const ListpackHashValue*>(this)->ForEachPair(fn);
  } else {
    static_cast<const TableHashValue*>(this)->table().ForEach([&fn](const unsigned char* block) {
      fn(MemberTable::Key(block), TableHashValue::ValueOf(block));
    });
  }
}

}  // namespace tessera::storage
