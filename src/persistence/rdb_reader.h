// Reading RDB files (versions 1..10: everything Redis up to 7.0 writes for strings, lists,
// hashes, sets and sorted sets) into Tessera values.
//
// Values are built the way Redis 7.0's loader builds them, with the encodings the current
// thresholds (storage::GlobalEncodingLimits, i.e. CONFIG) call for:
//  - strings as tryObjectEncoding would ("int", "embstr", "raw": see RdbRecord::TakeValue);
//  - HASH / SET / ZSET / ZSET_2 / LIST records start packed when their length is within the
//    limits and convert like the commands do (a long hash value, a non-integer set member);
//  - a HASH_LISTPACK blob becomes a hashtable only when it holds more entries than
//    hash-max-listpack-entries (Redis 7.0 does not look at value lengths there); SET_INTSET
//    becomes a hashtable past set-max-intset-entries;
//  - a ZSET_LISTPACK blob becomes a skiplist past zset-max-listpack-entries and also (unlike
//    Redis, which keeps it packed) when a member is longer than zset-max-listpack-value: both
//    only differ after the limits were lowered between saving and loading.
// Lists are rebuilt element by element, so quicklist nodes follow the current
// list-max-listpack-size rather than the file's node boundaries.
//
// Everything read is validated (lengths against the file size, blobs by the decoders in
// redis_blobs.h, duplicates, NaN scores, the trailing CRC-64): a corrupt or truncated file gives
// Result::kError with a message naming the offset, never a crash or an out-of-bounds read.
// Empty collections are skipped as Redis 7.0 skips them (counted in empty_keys_skipped()).
// Keys whose deadline has passed, duplicate keys and db numbers beyond `databases` are
// reported as read; deciding about them is the caller's job.
//
// Threads: one RdbReader is used by one thread at a time. The values it builds are plain heap
// objects that may be handed to another thread (the shard that will own the key).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "storage/db_table.h"
#include "storage/value.h"

namespace tessera::persistence {

struct PackedItem;

struct RdbRecord {
  int db = 0;
  std::string key;
  storage::ValueType type = storage::ValueType::kString;
  std::string string_value;                       // type == kString
  std::unique_ptr<storage::StoredObject> object;  // every other type
  int64_t expire_at_ms = storage::kNoExpire;

  // The value to store: ValueInit::String(string_value) for strings (which borrows
  // string_value: keep the record alive until the DbTable call returns), else the object.
  storage::ValueInit TakeValue();
};

class RdbReader {
 public:
  enum class Result { kRecord, kEnd, kError };

  // Opens `path` and reads the signature and version. nullptr with *error on failure.
  static std::unique_ptr<RdbReader> Open(const std::string& path, std::string* error);
  ~RdbReader();
  RdbReader(const RdbReader&) = delete;
  RdbReader& operator=(const RdbReader&) = delete;

  // The next key. Aux fields, RESIZEDB, SELECTDB, IDLE and FREQ are consumed on the way.
  // kEnd after EOF once the checksum is verified (a stored checksum of zero means "not
  // computed" and is accepted, as Redis does). kError and kEnd are final.
  Result Next(RdbRecord* out);

  // Why Next returned kError, e.g. "Bad RDB format at offset 1234: unknown type 21".
  const std::string& error() const { return error_; }
  uint64_t offset() const { return base_ + pos_; }
  uint64_t file_size() const { return file_size_; }
  int version() const { return version_; }
  const std::map<std::string, std::string>& aux() const { return aux_; }
  uint64_t empty_keys_skipped() const { return empty_keys_skipped_; }

 private:
  static constexpr size_t kBufferSize = 1 << 20;

  RdbReader(int fd, uint64_t file_size);

  // --- Input (rdb_reader.cc).
  // Makes at least n bytes available at buf_[pos_] (n <= 64); false at end of file.
  bool Fill(size_t n);
  bool ReadBytes(void* dst, size_t n);
  bool ReadByte(uint8_t* b);
  bool ReadLe(int n, uint64_t* v);
  // A length prefix; *encoded is set (and *len holds the special encoding) for 11xxxxxx.
  bool ReadLength(uint64_t* len, bool* encoded);
  // A plain length (a special encoding is an error).
  bool ReadLen(uint64_t* len);
  // A count of elements each at least `min_bytes` long: rejects counts the rest of the file
  // cannot hold, so a corrupt count never drives a huge allocation.
  bool ReadCount(uint64_t* n, uint64_t min_bytes);
  bool ReadString(std::string* out);
  bool ReadBinaryDouble(double* v);
  bool ReadTextDouble(double* v);  // the old ZSET type's scores
  bool ReadChecksum();
  uint64_t Remaining() const { return file_size_ - offset(); }
  // Records the first error (prefixed with the offset) and returns false.
  bool Fail(const std::string& what);
  bool Truncated() { return Fail("unexpected end of file"); }

  // --- Values (rdb_reader_values.cc). Each fills out->object or out->string_value; a record
  // whose collection turns out empty sets *empty instead.
  bool ReadValue(uint8_t type, RdbRecord* out, bool* empty);
  bool ReadList(uint8_t type, RdbRecord* out);
  bool ReadSet(RdbRecord* out);
  bool ReadIntSet(RdbRecord* out);
  bool ReadHash(RdbRecord* out);
  bool ReadPackedHash(uint8_t type, RdbRecord* out);
  bool ReadZSet(uint8_t type, RdbRecord* out);
  bool ReadPackedZSet(uint8_t type, RdbRecord* out);
  // Reads a string and decodes it as a listpack (or ziplist) into *items.
  bool ReadPackedBlob(bool ziplist, std::string* blob, std::vector<PackedItem>* items);

  int fd_;
  uint64_t file_size_;
  std::vector<char> buf_;
  size_t pos_ = 0;      // next byte to consume
  size_t end_ = 0;      // bytes of buf_ that hold file data
  size_t crc_pos_ = 0;  // bytes of buf_ before this are already in crc_
  uint64_t base_ = 0;   // file offset of buf_[0]
  uint64_t crc_ = 0;
  int version_ = 0;
  int db_ = 0;
  bool done_ = false;
  bool failed_ = false;
  uint64_t empty_keys_skipped_ = 0;
  std::string error_;
  std::string context_;  // the key being read, for error messages
  std::map<std::string, std::string> aux_;
};

}  // namespace tessera::persistence
