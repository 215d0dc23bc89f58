// One key and its value in one heap block — the unit a DbTable stores.
//
// Layout (offsets in bytes; everything after the 16-byte header is optional or variable):
//
//    0  Entry* next          hash-chain link, owned by KeyTable
//    8  uint8  meta          type:3 | encoding:2 | has_expire:1 | long_key:1 | snapshot:1
//    9  uint8  key_len       key length when < 255 (else long_key and a uint32 below)
//   10  uint8  emb_len       "embstr": value length (<= 44); collections: inline object room / 8
//                            (0 = the object is a separate allocation); else 0
//   11  uint8  lfu           reserved for an LFU counter (not maintained yet)
//   12  uint32 access_time   coarse LRU clock, seconds (OBJECT IDLETIME)
//   16  [uint32 expire_slot] if has_expire: position in ExpireIndex (deadline lives there)
//       [uint32 key_len]     if long_key
//   then one of:
//       8-byte payload, key  int64 ("int"), RawString* ("raw") or StoredObject* (collections)
//       key, value bytes     "embstr"
//       object, key          inline collection: the StoredObject itself, at the next multiple
//                            of 8, in emb_len * 8 bytes of room (StoredObject::InlineSize)
//
// A 16-byte key with a 16-byte value is 48 bytes (a jemalloc size class, no slack) versus
// Redis's dictEntry + robj + sds key + embstr robj (~88 bytes + bucket). A key with a TTL adds 4
// bytes here plus a 16-byte ExpireIndex slot. A small hash or intset set is one block: the key
// and its listpack / intset object together (Redis: dictEntry, robj, sds key and the listpack).
//
// Entries are created and rebuilt only through DbTable, which keeps the hash chain and the expire
// index pointing at the current block. Any DbTable call documented as "may move the entry"
// invalidates Entry pointers to that key, and so pointers to an inline object (object()); use
// the pointer it returns. Owning shard thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "storage/numbers.h"
#include "storage/raw_string.h"
#include "storage/value.h"

namespace tessera::storage {

class Entry {
 public:
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

  std::string_view key() const { return {block() + KeyOffset(), key_size()}; }
  ValueType type() const { return static_cast<ValueType>(meta_ & kTypeMask); }
  Encoding encoding() const {
    return static_cast<Encoding>((meta_ >> kEncodingShift) & kEncodingMask);
  }
  bool is_string() const { return type() == ValueType::kString; }
  bool has_expire() const { return (meta_ & kHasExpireBit) != 0; }
  // OBJECT ENCODING's answer.
  const char* EncodingName() const;

  // --- String values (is_string()).
  int64_t int_value() const;  // encoding() == kInt
  // In-place update of an "int" value; the layout does not change, so the entry never moves.
  void set_int_value(int64_t v);
  // The string's bytes; an "int" value is formatted into `buf`, which must outlive the view.
  std::string_view StringView(char (&buf)[kInt64BufSize]) const;
  size_t StringLength() const;
  std::string StringCopy() const;
  void AppendStringTo(std::string* out) const;
  // encoding() == kRaw. Resize sets the length (zero-filling growth) and returns the bytes; the
  // entry itself does not move, only its RawString block.
  const RawString* raw() const;
  char* ResizeRawString(size_t n, bool greedy = true);

  // --- Collections (encoding() == kObject).
  // Largest object kept inside an entry block (emb_len counts units of 8 bytes, so <= 2040);
  // larger ones are separate allocations, as are objects that never inline (InlineSize() 0).
  static constexpr size_t kMaxInlineObject = 1024;
  // Valid until the entry moves (see the file comment) or its value is replaced.
  StoredObject* object() const;
  // Whether the object lives inside this block.
  bool inline_object() const { return encoding() == Encoding::kObject && emb_len_ != 0; }

  // Coarse LRU clock in seconds (DbTable::LruClock).
  uint32_t access_time() const { return access_time_; }
  void set_access_time(uint32_t seconds) { access_time_ = seconds; }

  // Bytes held by this entry and its value blocks (the entry block is counted at its exact
  // requested size; the allocator may round up).
  size_t MemoryUsage() const;
  // Requested size of the entry block alone.
  size_t BlockSize() const;

 private:
  friend class DbTable;
  friend class KeyTable;
  friend class ExpireIndex;
  friend class DetachedEntry;

  static constexpr uint8_t kTypeMask = 0x07;
  static constexpr int kEncodingShift = 3;
  static constexpr uint8_t kEncodingMask = 0x03;
  static constexpr uint8_t kHasExpireBit = 1 << 5;
  static constexpr uint8_t kLongKeyBit = 1 << 6;
  // Whether the running snapshot has this entry already (see SnapshotCut in db_table.h). Kept
  // across Rebuild and ReplaceValue: moving an entry's block does not make it a new entry.
  static constexpr uint8_t kSnapshotBit = 1 << 7;
  static constexpr size_t kHeaderSize = 16;
  static constexpr uint8_t kLongKeyMarker = 255;

  Entry() = default;

  // Allocates a block for `key` and `init` (consuming init's object, copying its bytes).
  static Entry* Create(std::string_view key, ValueInit&& init, bool expire_slot);
  // Frees the value and the block.
  static void Destroy(Entry* e);
  // A new block holding e's value under `key` with or without an expire slot; e's block is freed
  // (its value is moved, not freed). The hash link and the slot's contents are not preserved.
  static Entry* Rebuild(Entry* e, std::string_view key, bool expire_slot);
  // Replaces e's value by `init`, keeping key, access time and expire slot; returns the
  // (possibly moved) entry.
  static Entry* ReplaceValue(Entry* e, ValueInit&& init);
  // Deep copy of e's value under `key`, with or without an expire slot.
  static Entry* Clone(const Entry& e, std::string_view key, bool expire_slot);

  // `emb_len` is the emb_len byte: a string length for "embstr", inline room / 8 for kObject.
  static size_t LayoutSize(size_t key_len, Encoding enc, size_t emb_len, bool expire_slot);
  static Entry* Allocate(std::string_view key, ValueType type, Encoding enc, size_t emb_len,
                         bool expire_slot);
  // The emb_len byte an entry holding `init` gets (inline room / 8 for an object that fits).
  static size_t EmbLenFor(const ValueInit& init);
  // Stores init's value in the freshly allocated (or freed) value area of this block.
  void StoreValue(ValueInit&& init);
  void FreeValue();

  char* block() { return reinterpret_cast<char*>(this); }
  const char* block() const { return reinterpret_cast<const char*>(this); }
  bool long_key() const { return (meta_ & kLongKeyBit) != 0; }
  bool snapshot_mark() const { return (meta_ & kSnapshotBit) != 0; }
  void set_snapshot_mark(bool m) {
    meta_ = static_cast<uint8_t>(m ? (meta_ | kSnapshotBit) : (meta_ & ~kSnapshotBit));
  }
  size_t key_size() const;
  size_t KeyLenOffset() const { return kHeaderSize + (has_expire() ? 4 : 0); }
  size_t PayloadOffset() const { return KeyLenOffset() + (long_key() ? 4 : 0); }
  // Only for an inline object: the first multiple of 8 after the optional fields.
  size_t ObjectOffset() const { return (PayloadOffset() + 7) & ~size_t{7}; }
  size_t KeyOffset() const {
    if (encoding() == Encoding::kEmbStr) return PayloadOffset();
    if (emb_len_ != 0) return ObjectOffset() + size_t{emb_len_} * 8;  // inline object
    return PayloadOffset() + 8;
  }
  size_t EmbOffset() const { return KeyOffset() + key_size(); }
  uint64_t payload() const {
    uint64_t v;
    std::memcpy(&v, block() + PayloadOffset(), sizeof(v));
    return v;
  }
  void set_payload(uint64_t v) { std::memcpy(block() + PayloadOffset(), &v, sizeof(v)); }
  RawString* raw_block() const;
  uint32_t expire_slot() const;
  void set_expire_slot(uint32_t slot);

  Entry* next_ = nullptr;
  uint8_t meta_ = 0;
  uint8_t key_len8_ = 0;
  uint8_t emb_len_ = 0;
  uint8_t lfu_ = 0;
  uint32_t access_time_ = 0;
};

static_assert(sizeof(Entry) == 16, "the entry header must stay 16 bytes");

}  // namespace tessera::storage
