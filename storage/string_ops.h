// Shard-side ops of the string family on one DbTable: Redis 7.0 semantics, keyspace events
// recorded through the table ("new", "set", "expire", "del", "persist", "append", "incrby",
// "incrbyfloat", "setrange", and "expired"/"keymiss" from lookups). Results are plain values;
// reply encoding is the command layer's job. Owning shard thread only.
//
// Argument parsing (option words, integers, floats, EX/PX conversion with expire_args.h) happens
// before these are called. Lookups follow Redis: read commands use read lookups (hit/miss stats,
// "keymiss"), commands that write use write lookups.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/db_table.h"
#include "storage/errors.h"
#include "storage/numbers.h"
#include "storage/op_status.h"

namespace tessera::storage {

// GET. kOk (value appended to *out), kNoKey, kWrongType. MGET maps kWrongType to nil.
OpStatus OpGet(DbTable& db, std::string_view key, int64_t now_ms, std::string* out);
// GET without a copy: *out views the value's bytes (or `buf`, for an "int" value), valid until
// the next call on the table. Same statuses as OpGet.
OpStatus OpGetView(DbTable& db, std::string_view key, int64_t now_ms, char (&buf)[kInt64BufSize],
                   std::string_view* out);

struct SetParams {
  enum class Condition : uint8_t { kAlways, kIfAbsent /* NX */, kIfPresent /* XX */ };
  Condition condition = Condition::kAlways;
  bool keep_ttl = false;             // KEEPTTL
  int64_t expire_at_ms = kNoExpire;  // EX/PX/EXAT/PXAT as an absolute deadline
  bool get = false;                  // GET: report the old value
};

struct SetResult {
  // kOk: stored. kNotPerformed: NX/XX condition not met. kWrongType: GET found a non-string
  // (nothing stored).
  OpStatus status = OpStatus::kOk;
  bool had_old = false;   // with GET: the key held a string (old_value) — else reply nil
  std::string old_value;  // with GET
};

// SET (and SETNX, SETEX, PSETEX, GETSET, MSET's per-key step). Events: "new" for a new key,
// "set", and "expire" when a deadline is given. A deadline already in the past is stored as
// Redis does, and the key then expires on its next access or active cycle.
SetResult OpSet(DbTable& db, std::string_view key, std::string_view value, const SetParams& params,
                int64_t now_ms);

// GETDEL: kOk (value in *out, key deleted, "del"), kNoKey, kWrongType.
OpStatus OpGetDel(DbTable& db, std::string_view key, int64_t now_ms, std::string* out);

struct GetExParams {
  enum class Action : uint8_t { kNone, kPersist, kSetExpire };
  Action action = Action::kNone;
  int64_t expire_at_ms = 0;  // kSetExpire: absolute deadline
};

// GETEX: kOk / kNoKey / kWrongType. With a deadline <= now the key is deleted ("del"),
// otherwise "expire"; PERSIST records "persist" only if a TTL was removed.
OpStatus OpGetEx(DbTable& db, std::string_view key, const GetExParams& params, int64_t now_ms,
                 std::string* out);

// APPEND: the new length. kWrongType, kTooLarge. A new key is stored with SET's encoding
// rules; an existing one becomes "raw". Event "append" (and "new").
OpResult<int64_t> OpAppend(DbTable& db, std::string_view key, std::string_view suffix,
                           int64_t now_ms, int64_t max_len = kDefaultProtoMaxBulkLen);

// STRLEN: the length, 0 for a missing key. kWrongType.
OpResult<int64_t> OpStrLen(DbTable& db, std::string_view key, int64_t now_ms);

// INCR / DECR / INCRBY / DECRBY: the new value. kWrongType, kNotInteger, kOverflow.
// A missing key counts as 0; the TTL is kept; the result is "int" encoded. Event "incrby".
OpResult<int64_t> OpIncrBy(DbTable& db, std::string_view key, int64_t delta, int64_t now_ms);

// INCRBYFLOAT: the new value as stored (Redis's human long double format). kWrongType,
// kNotFloat, kNanOrInfinity. TTL kept; never "int" encoded. Event "incrbyfloat".
OpResult<std::string> OpIncrByFloat(DbTable& db, std::string_view key, long double delta,
                                    int64_t now_ms);

// GETRANGE (SUBSTR): bytes start..end inclusive with Redis's negative-index rules, appended to
// *out; empty for a missing key. kOk or kWrongType.
OpStatus OpGetRange(DbTable& db, std::string_view key, int64_t start, int64_t end, int64_t now_ms,
                    std::string* out);

// SETRANGE: the new length (0 for a missing key with an empty value: nothing is created).
// kOffsetOutOfRange (offset < 0), kWrongType, kTooLarge. Event "setrange" when bytes are
// written.
OpResult<int64_t> OpSetRange(DbTable& db, std::string_view key, int64_t offset,
                             std::string_view value, int64_t now_ms,
                             int64_t max_len = kDefaultProtoMaxBulkLen);

}  // namespace tessera::storage
