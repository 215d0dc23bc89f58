// Redis's serialized packed encodings as they appear inside RDB string payloads: listpack
// (HASH_LISTPACK, ZSET_LISTPACK, the nodes of LIST_QUICKLIST_2), intset (SET_INTSET) and, for
// loading files from Redis before 7.0, ziplist (LIST_ZIPLIST, ZSET_ZIPLIST, HASH_ZIPLIST, the
// nodes of LIST_QUICKLIST).
//
// Listpack:  <total bytes u32> <element count u16, 65535 = "count them"> entries... 0xFF
//   entry:   <encoding + data> <backlen: the encoding+data length in 1..5 bytes, 7 bits each>
//   encodings: 0xxxxxxx uint7 | 10xxxxxx str6 | 110xxxxx int13 | 1110xxxx str12 |
//              F0 str32 | F1 int16 | F2 int24 | F3 int32 | F4 int64 (integers little endian)
// Intset:    <encoding u32: 2, 4 or 8> <length u32> <elements, ascending, little endian>
// Ziplist:   <total bytes u32> <tail offset u32> <count u16> entries... 0xFF
//   entry:   <prevlen: 1 byte, or FE + u32> <encoding> <data>
//
// Readers validate every length against the blob before touching bytes: a corrupt blob gives
// an error, never an out-of-bounds read. Pure functions and value types; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::persistence {

// One element of a packed blob: an integer or a string (a view into the blob).
struct PackedItem {
  bool is_int = false;
  int64_t integer = 0;
  std::string_view str;

  // The element as text (integers in decimal).
  std::string ToString() const;
};

// Builds a Redis listpack. Strings that are canonical integers (Redis's string2ll rules) are
// stored as integers, as Redis's lpAppend does.
class RedisListpackBuilder {
 public:
  RedisListpackBuilder();
  void Append(std::string_view v);
  void AppendString(std::string_view v);  // always as a string
  void AppendInt(int64_t v);
  size_t count() const { return count_; }
  // The finished blob; the builder is left empty.
  std::string Finish();

 private:
  void AppendBacklen(size_t entry_len);

  std::string buf_;
  size_t count_ = 0;
};

// Decodes a listpack blob into *out (appending). False with *error on a malformed blob: wrong
// total size, missing terminator, an entry running past the end, a back-length that does not
// match its entry, or a count header that disagrees with the entries.
bool DecodeRedisListpack(std::string_view blob, std::vector<PackedItem>* out, std::string* error);

// An intset blob holding `values` (sorted ascending, distinct) at the narrowest width that is
// at least `min_width` (2, 4 or 8; Redis never narrows an intset, so a writer passes the width
// the set has in memory).
std::string EncodeRedisIntSet(const std::vector<int64_t>& values, int min_width = 2);
// False unless the blob has a valid width, exactly the bytes its length says and strictly
// ascending elements.
bool DecodeRedisIntSet(std::string_view blob, std::vector<int64_t>* out, std::string* error);

// Decodes a ziplist blob (as written by Redis 3.2 .. 6.2) into *out (appending).
bool DecodeRedisZiplist(std::string_view blob, std::vector<PackedItem>* out, std::string* error);

}  // namespace tessera::persistence
