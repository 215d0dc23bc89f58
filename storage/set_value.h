// Set values: Redis 7.0's two set encodings, "intset" (small sets whose members are all canonical
// integers) and "hashtable", plus MemberTable, the chained table of packed blocks that the
// "hashtable" encodings of sets and hashes are built on.
//
// Memory layout, the reason for the shapes below:
//  - IntSetValue is one heap block: the object header (vtable pointer) immediately followed by
//    the intset region (IntSet's 4-byte header and the packed integers). Redis needs a robj plus
//    a separate intset; a 5-member set of int32s is a single 32-byte block here, and inside its
//    entry's block once stored in a table (StoredObject::InlineSize). Its allocation is
//    always exactly AllocatorSizeClass(header + region) bytes, so the spare room is known without
//    storing a capacity: a mutation that needs another size class builds a new object.
//  - In the "hashtable" encoding every member is one block [next][varint length][bytes]: no
//    std::string, no separate dict entry (Redis: a dictEntry plus an sds per member).
//
// Mutations that have to reallocate (growth past the size class, intset -> hashtable conversion)
// return the new object in Mutation::replacement; the old object is left untouched and the caller
// installs the new one where the old one was (set_ops does this for values inside a DbTable).
// Values never convert back to intset, as in Redis.
//
// Owning shard thread only. A value may be handed to another thread whole (e.g. a clone shipped
// to a coordinator): it is plain heap memory with no thread affinity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "storage/intset.h"
#include "storage/numbers.h"
#include "storage/value.h"

namespace tessera::storage {

// The random source of SPOP, SRANDMEMBER, HRANDFIELD (one per shard thread).
using Rng = std::mt19937_64;

// The bytes the allocator really hands out for a request of `n` (jemalloc's size classes: 8,
// then multiples of 16 up to 128, then four classes per doubling). Objects whose spare room
// matters allocate exactly this much; MEMORY USAGE counts it.
size_t AllocatorSizeClass(size_t n);

// A chained hash table of heap blocks, one per member. A block is
//   [next block pointer][varint key length][key bytes][payload]
// where the payload (possibly empty) belongs to the owner: a hash stores the field's value
// there. Buckets are a power of two; the table doubles when it holds as many members as
// buckets and halves when under 10% full, rehashing at once (members are small blocks, so a
// rehash only rewrites pointers). Scan() uses Redis's reverse-binary cursor, so a member present
// for a whole scan is returned at least once however the table resizes between calls.
class MemberTable {
 public:
  MemberTable() = default;
  ~MemberTable();
  MemberTable(MemberTable&& other) noexcept;
  MemberTable& operator=(MemberTable&& other) noexcept;
  MemberTable(const MemberTable&) = delete;
  MemberTable& operator=(const MemberTable&) = delete;

  size_t size() const { return size_; }
  size_t bucket_count() const { return buckets_ == nullptr ? 0 : size_t{1} << log2_; }
  // Heap bytes of the bucket array and every block (allocator size classes).
  size_t MemoryUsage() const;

  // Size of a block holding a key of `key_len` bytes and `payload_len` payload bytes.
  static size_t BlockSize(size_t key_len, size_t payload_len);
  static std::string_view Key(const unsigned char* block);
  // The LEB128 length prefix blocks use, also for lengths inside payloads.
  static size_t VarintSize(size_t v);
  static size_t PutVarint(unsigned char* p, size_t v);         // returns the bytes written
  static size_t GetVarint(const unsigned char* p, size_t* v);  // returns the bytes read
  static const unsigned char* Payload(const unsigned char* block);
  static unsigned char* Payload(unsigned char* block);

  const unsigned char* Find(std::string_view key) const;
  unsigned char* Find(std::string_view key);
  // Adds a block for `key`, which must be absent, with `payload_len` uninitialised payload
  // bytes. Returns the block.
  unsigned char* Insert(std::string_view key, size_t payload_len);
  // Gives the linked `block` a payload of `payload_len` bytes (uninitialised), keeping its key
  // and position. Returns the block to use from now on.
  unsigned char* ResizePayload(unsigned char* block, size_t old_payload_len, size_t payload_len);
  // Unlinks and frees the block of `key`; false if absent. `payload_len` is that block's.
  bool Erase(std::string_view key, size_t payload_len);
  // Makes room for `n` members without growing again.
  void Reserve(size_t n);

  // A random member's block (the table must not be empty): a random non-empty bucket, then a
  // random block of its chain, as Redis's dictGetRandomKey.
  const unsigned char* Random(Rng& rng) const;
  // fn(const unsigned char* block) for every block. fn must not modify the table.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    const size_t n = bucket_count();
    for (size_t i = 0; i < n; ++i) {
      for (const unsigned char* b = buckets_[i]; b != nullptr; b = Next(b)) fn(b);
    }
  }
  // Visits the blocks of the bucket `cursor` names and returns the next cursor (0 when done).
  template <typename Fn>
  uint64_t ScanStep(uint64_t cursor, Fn&& fn) const {
    if (buckets_ == nullptr) return 0;
    const uint64_t mask = bucket_count() - 1;
    for (const unsigned char* b = buckets_[cursor & mask]; b != nullptr; b = Next(b)) fn(b);
    return NextCursor(cursor, mask);
  }

 private:
  static unsigned char* Next(const unsigned char* block);
  static void SetNext(unsigned char* block, unsigned char* next);
  static uint64_t NextCursor(uint64_t cursor, uint64_t mask);
  size_t BucketOf(std::string_view key) const;
  void Rehash(int log2);
  void FreeAll();

  unsigned char** buckets_ = nullptr;
  size_t size_ = 0;
  size_t block_bytes_ = 0;  // allocator size classes of every block
  int log2_ = 0;
};

class SetValue : public StoredObject {
 public:
  enum class Kind : uint8_t { kIntSet, kTable };

  // What a mutation did. `replacement`, when set, is the value to use from now on (holding the
  // mutation's result); the object the mutation was called on is unchanged and to be dropped.
  struct Mutation {
    bool changed = false;
    std::unique_ptr<SetValue> replacement;
  };

  // Redis's setTypeCreate: an empty "intset" if `first_member` is a canonical integer, else an
  // empty "hashtable".
  static std::unique_ptr<SetValue> CreateFor(std::string_view first_member);
  static std::unique_ptr<SetValue> CreateIntSet();
  static std::unique_ptr<SetValue> CreateTable(size_t size_hint = 0);

  virtual Kind kind() const = 0;
  virtual size_t size() const = 0;
  virtual bool Contains(std::string_view member) const = 0;
  // Adds `member`. An intset converts to a hashtable when the member is not an integer or when
  // its size would exceed `max_intset_entries` (set-max-intset-entries).
  virtual Mutation Add(std::string_view member, size_t max_intset_entries) = 0;
  virtual Mutation Remove(std::string_view member) = 0;
  // A uniformly chosen member for an intset; Redis's bucket-then-chain choice for a table.
  // The set must not be empty.
  virtual std::string RandomMember(Rng& rng) const = 0;
  // One SSCAN call: appends members to *out and returns the next cursor. An intset returns
  // everything at once with cursor 0, as Redis does for its packed encodings; a table visits
  // buckets until it has `count` members or has made count*10 steps.
  virtual uint64_t Scan(uint64_t cursor, size_t count, std::vector<std::string>* out) const = 0;

  // fn(std::string_view member) for every member (ascending for an intset).
  template <typename Fn>
  void ForEach(Fn&& fn) const;
  std::vector<std::string> Members() const;
};

// "intset": see the file comment for the layout.
class IntSetValue final : public SetValue {
 public:
  // An empty intset whose block has room for `region_bytes` of intset region.
  static std::unique_ptr<IntSetValue> Create(size_t region_bytes = IntSet::kHeaderBytes);

  const char* EncodingName() const override { return "intset"; }
  std::unique_ptr<StoredObject> Clone() const override;
  size_t MemoryUsage() const override { return AllocatedBytes(); }
  // Inside an entry the object keeps the room it would have as a block of its own, so the
  // in-place growth rule (same size class) holds there too.
  size_t InlineSize() const override { return AllocatedBytes(); }
  StoredObject* CopyInto(void* dst) const override;

  Kind kind() const override { return Kind::kIntSet; }
  size_t size() const override { return ints().size(); }
  bool Contains(std::string_view member) const override;
  Mutation Add(std::string_view member, size_t max_intset_entries) override;
  Mutation Remove(std::string_view member) override;
  std::string RandomMember(Rng& rng) const override;
  uint64_t Scan(uint64_t cursor, size_t count, std::vector<std::string>* out) const override;

  IntSet ints() const { return IntSet(region()); }
  // The block's size: exactly an allocator size class.
  size_t AllocatedBytes() const;

  // The block was allocated with malloc at its exact size class.
  static void operator delete(void* p);

 private:
  IntSetValue() = default;
  static std::unique_ptr<IntSetValue> Allocate(size_t region_bytes);
  unsigned char* region() const {
    return const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(this)) +
           sizeof(IntSetValue);
  }
  // A copy of this set in a block sized for `region_bytes`.
  std::unique_ptr<IntSetValue> CopyWithRoom(size_t region_bytes) const;
  // A "hashtable" holding this set's members.
  std::unique_ptr<SetValue> ToTable() const;
};

// "hashtable": members are MemberTable blocks with an empty payload.
class TableSetValue final : public SetValue {
 public:
  explicit TableSetValue(size_t size_hint = 0);

  const char* EncodingName() const override { return "hashtable"; }
  std::unique_ptr<StoredObject> Clone() const override;
  size_t MemoryUsage() const override;

  Kind kind() const override { return Kind::kTable; }
  size_t size() const override { return table_.size(); }
  bool Contains(std::string_view member) const override;
  Mutation Add(std::string_view member, size_t max_intset_entries) override;
  Mutation Remove(std::string_view member) override;
  std::string RandomMember(Rng& rng) const override;
  uint64_t Scan(uint64_t cursor, size_t count, std::vector<std::string>* out) const override;

  const MemberTable& table() const { return table_; }

 private:
  MemberTable table_;
};

template <typename Fn>
void SetValue::ForEach(Fn&& fn) const {
  if (kind() == Kind::kIntSet) {
    const IntSet ints = static_cast<const IntSetValue*>(this)->ints();
    char buf[kInt64BufSize];
    for (size_t i = 0; i < ints.size(); ++i) {
      fn(std::string_view(buf, FormatInt64(ints.Get(i), buf)));
    }
  } else {
    static_cast<const TableSetValue*>(this)->table().ForEach(
        [&fn](const unsigned char* block) { fn(MemberTable::Key(block)); });
  }
}

}  // namespace tessera::storage
