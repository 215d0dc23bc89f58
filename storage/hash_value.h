// Hash values: Redis 7.0's two hash encodings.
//  - "listpack": fields and values alternate in one Listpack (the shared packed encoding), in
//    insertion order. The object is the vtable pointer plus the listpack's one pointer.
//  - "hashtable": a MemberTable (see set_value.h) keyed by field whose block payload is the
//    value ([varint length][bytes]): one heap block per field/value pair.
// A listpack hash converts to a hashtable, never back, when it would hold more than
// hash-max-listpack-entries pairs or a field or value longer than hash-max-listpack-value bytes
// (HashLimits, read by hash_ops from the CONFIG-bound EncodingLimits).
//
// Conversion builds a new object: HashValue::SetResult::replacement carries it and the caller
// installs it where the old value was (hash_ops does this inside a DbTable).
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
  size_t max_listpack_entries = 128;  // hash-max-listpack-entries
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
  const char* EncodingName() const override { return "listpack"; }
  std::unique_ptr<StoredObject> Clone() const override;
  size_t MemoryUsage() const override;

  Kind kind() const override { return Kind::kListpack; }
  size_t size() const override { return lp_.size() / 2; }
  bool Get(std::string_view field, std::string* out) const override;
  bool Contains(std::string_view field) const override;
  SetResult Set(std::string_view field, std::string_view value, const HashLimits& limits) override;
  bool Delete(std::string_view field) override;
  FieldValue RandomPair(Rng& rng) const override;
  uint64_t Scan(uint64_t cursor, size_t count, std::vector<FieldValue>* out) const override;

  const Listpack& listpack() const { return lp_; }

 private:
  // Index of the field entry, lp_.size() if absent.
  size_t FindField(std::string_view field) const;

  Listpack lp_;  // field, value, field, value, ...
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
void HashValue::ForEach(Fn&& fn) const {
  if (kind() == Kind::kListpack) {
    const Listpack& lp = static_cast<const ListpackHashValue*>(this)->listpack();
    Listpack::Value field;
    Listpack::Value value;
    for (Listpack::Cursor c = lp.Begin(); c.Valid(); c.Next()) {
      c.Read(&field);
      c.Next();
      c.Read(&value);
      fn(field.str, value.str);
    }
  } else {
    static_cast<const TableHashValue*>(this)->table().ForEach([&fn](const unsigned char* block) {
      fn(MemberTable::Key(block), TableHashValue::ValueOf(block));
    });
  }
}

}  // namespace tessera::storage
