// Value kinds and how a value to store is described before it becomes part of an entry.
//
// A string is kept in one of Redis's three encodings, and OBJECT ENCODING reports the same
// names: "int" (a canonical int64 kept as a number), "embstr" (up to 44 bytes, inline in the
// entry block) or "raw" (a separate growable block). Collections are StoredObjects, kept inside
// the entry block when small (StoredObject::InlineSize) and reached through a pointer otherwise.
// Single-threaded like the table that holds them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace tessera::storage {

enum class ValueType : uint8_t {
  kString = 0,
  kList = 1,
  kHash = 2,
  kSet = 3,
  kZSet = 4,
  kStream = 5
};

// TYPE's reply: "string", "list", "hash", "set", "zset", "stream".
const char* TypeName(ValueType type);

enum class Encoding : uint8_t { kInt = 0, kEmbStr = 1, kRaw = 2, kObject = 3 };

// Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT: strings this long or shorter are created "embstr".
inline constexpr size_t kEmbStrMaxLen = 44;

// A collection value (list, hash, set, zset, stream). The entry owns it and deletes it with the
// entry. Implementations come with their command families.
class StoredObject {
 public:
  virtual ~StoredObject() = default;
  // OBJECT ENCODING: "listpack", "quicklist", "hashtable", "intset", "skiplist", "stream".
  virtual const char* EncodingName() const = 0;
  // Deep copy, for COPY.
  virtual std::unique_ptr<StoredObject> Clone() const = 0;
  // Heap bytes owned by the object, for MEMORY USAGE. For an object kept inside its entry
  // (below) the entry block counts it.
  virtual size_t MemoryUsage() const = 0;

  // Small objects may live inside their entry's block instead of a separate allocation (see
  // entry.h). InlineSize() is the room such an object needs there: a multiple of 8, at least the
  // room the object assumes it has when it mutates in place, or 0 if it must stay a separate
  // allocation. An object that can be inline owns no other memory and is trivially relocatable:
  // the entry moves it with memcpy and ends it with its destructor, never with delete. Mutations
  // that need more room than it had when it was placed return a replacement object instead.
  virtual size_t InlineSize() const { return 0; }
  // Copies the object into `dst` (InlineSize() bytes, 8-byte aligned) and returns the copy.
  // Called only when InlineSize() != 0.
  virtual StoredObject* CopyInto(void* dst) const { return nullptr; }
};

// A value about to be stored. Borrows the bytes it is given: they must stay valid until the
// DbTable call that consumes it returns.
class ValueInit {
 public:
  // What Redis's tryObjectEncoding stores for a string argument (SET, MSET, APPEND on a new
  // key, ...): "int" for a canonical integer of up to 20 chars, "embstr" up to 44 bytes, else
  // "raw".
  static ValueInit String(std::string_view bytes);
  // Like String() but never "int" — Redis's createStringObject, e.g. INCRBYFLOAT's result.
  static ValueInit StringNoInt(std::string_view bytes);
  // Always "raw" (values that are about to be modified in place: APPEND, SETRANGE).
  static ValueInit Raw(std::string_view bytes);
  static ValueInit Int(int64_t value);
  static ValueInit Object(ValueType type, std::unique_ptr<StoredObject> object);

  ValueInit(ValueInit&&) = default;
  ValueInit& operator=(ValueInit&&) = default;

  ValueType type() const { return type_; }
  Encoding encoding() const { return encoding_; }

 private:
  friend class Entry;
  ValueInit(ValueType type, Encoding encoding) : type_(type), encoding_(encoding) {}

  ValueType type_;
  Encoding encoding_;
  int64_t int_value_ = 0;
  std::string_view bytes_;
  std::unique_ptr<StoredObject> object_;
};

}  // namespace tessera::storage
