// Shard-side ops of the hash family on one DbTable, with Redis 7.0's semantics and keyspace
// events: "new" (from the table), "hset" (HSET, HMSET, HSETNX), "hdel", "hincrby",
// "hincrbyfloat", and "del" when HDEL empties a hash. Encoding limits are read from the
// CONFIG-bound GlobalEncodingLimits() at every decision. Owning shard thread only.
//
// Lookups follow Redis: read commands use read lookups (hit/miss stats, "keymiss"); commands
// that write use write lookups and create the key when missing (hashTypeLookupWriteOrCreate).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/db_table.h"
#include "storage/hash_value.h"
#include "storage/op_status.h"

namespace tessera::storage {

// Error texts of the hash family that OpStatus has no text for (Redis 7.0, byte for byte).
inline constexpr std::string_view kErrHashValueNotInteger = "ERR hash value is not an integer";
inline constexpr std::string_view kErrHashValueNotFloat = "ERR hash value is not a float";

// hash-max-listpack-entries / -value as the hash code wants them.
HashLimits CurrentHashLimits();

// HSET / HMSET: `pairs` alternates fields and values. Returns the number of new fields.
// kWrongType. Before setting anything a listpack hash converts if any argument is longer than
// hash-max-listpack-value (Redis's hashTypeTryConversion). Events: "new", "hset".
OpResult<int64_t> OpHSet(DbTable& db, std::string_view key,
                         const std::vector<std::string_view>& pairs, int64_t now_ms);

// HSETNX: true if set. kWrongType. A missing key is created (and the field then always set).
// Event "hset" when set.
OpResult<bool> OpHSetNx(DbTable& db, std::string_view key, std::string_view field,
                        std::string_view value, int64_t now_ms);

// HGET: kOk (value in *out), kNoKey (missing key or field), kWrongType.
OpStatus OpHGet(DbTable& db, std::string_view key, std::string_view field, int64_t now_ms,
                std::string* out);

// HMGET: one optional value per field (all empty for a missing key). kWrongType.
OpStatus OpHMGet(DbTable& db, std::string_view key, const std::vector<std::string_view>& fields,
                 int64_t now_ms, std::vector<std::optional<std::string>>* out);

// HGETALL / HKEYS / HVALS: every pair in the hash's order. kOk, kNoKey (empty), kWrongType.
OpStatus OpHGetAll(DbTable& db, std::string_view key, int64_t now_ms, std::vector<FieldValue>* out);

// HDEL: fields removed. kWrongType. "hdel", then "del" if the hash became empty.
OpResult<int64_t> OpHDel(DbTable& db, std::string_view key,
                         const std::vector<std::string_view>& fields, int64_t now_ms);

// HLEN, HSTRLEN (0 for a missing key or field), HEXISTS. kWrongType.
OpResult<int64_t> OpHLen(DbTable& db, std::string_view key, int64_t now_ms);
OpResult<int64_t> OpHStrLen(DbTable& db, std::string_view key, std::string_view field,
                            int64_t now_ms);
OpResult<bool> OpHExists(DbTable& db, std::string_view key, std::string_view field, int64_t now_ms);

// HINCRBY: the new value. kWrongType, kNotInteger (the stored value is not an integer:
// kErrHashValueNotInteger), kOverflow. Creates the key and field. Event "hincrby".
OpResult<int64_t> OpHIncrBy(DbTable& db, std::string_view key, std::string_view field,
                            int64_t delta, int64_t now_ms);

// HINCRBYFLOAT: the new value as stored (Redis's human long double format). kWrongType,
// kNotFloat (the stored value is not a float: kErrHashValueNotFloat), kNanOrInfinity. The
// increment must be finite (the command layer checks). Event "hincrbyfloat".
OpResult<std::string> OpHIncrByFloat(DbTable& db, std::string_view key, std::string_view field,
                                     long double delta, int64_t now_ms);

// HRANDFIELD without a count: a random field, nullopt for a missing key. kWrongType.
OpResult<std::optional<std::string>> OpHRandField(DbTable& db, std::string_view key, int64_t now_ms,
                                                  Rng& rng);
// HRANDFIELD with a count: count >= 0 gives min(count, size) distinct pairs (the whole hash, in
// its order, when count >= size); a negative count gives -count pairs that may repeat.
// kWrongType; a missing key gives none.
OpStatus OpHRandFieldCount(DbTable& db, std::string_view key, int64_t count, int64_t now_ms,
                           Rng& rng, std::vector<FieldValue>* out);

// HSCAN: appends pairs whose field matches `pattern` (if any) and returns the next cursor.
// kOk, kNoKey (cursor 0, nothing), kWrongType.
OpResult<uint64_t> OpHScan(DbTable& db, std::string_view key, uint64_t cursor, size_t count,
                           std::optional<std::string_view> pattern, int64_t now_ms,
                           std::vector<FieldValue>* out);

}  // namespace tessera::storage
