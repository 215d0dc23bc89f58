// Shard-side ops of the list family on one DbTable, with Redis 7.0's semantics and keyspace
// events recorded through DbTable::Notify: "lpush"/"rpush" (once per command, whatever the
// number of elements), "lpop"/"rpop", "linsert", "lset", "lrem", "ltrim", and "del" when an op
// leaves a list empty (Redis never keeps empty lists). The table adds "new" when a list is
// created and "expired"/"keymiss" from lookups. Owning shard thread only.
//
// Lookups follow Redis: LLEN, LRANGE, LINDEX and LPOS use read lookups (hit/miss stats,
// "keymiss"); everything that may write uses write lookups. Argument parsing happens before these
// are called, except where Redis parses an argument only after finding the key (LINDEX and LSET
// take the index as text and answer kNotInteger).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/db_table.h"
#include "storage/list_value.h"
#include "storage/op_status.h"

namespace tessera::storage {

// The list at `key` for writing: nullptr if absent (*status = kNoKey) or not a list
// (*status = kWrongType).
ListValue* FindListForWrite(DbTable& db, std::string_view key, int64_t now_ms, OpStatus* status);

// LPUSH / RPUSH, and LPUSHX / RPUSHX with `only_if_exists`: the new length. kWrongType; kNoKey
// when only_if_exists finds no key (nothing created; Redis replies 0).
OpResult<int64_t> OpListPush(DbTable& db, std::string_view key,
                             const std::vector<std::string_view>& values, ListEnd where,
                             bool only_if_exists, int64_t now_ms);

// LPOP / RPOP: moves up to `count` elements into *out, in pop order. kNoKey, kWrongType. A count
// of 0 pops (and records) nothing.
OpStatus OpListPop(DbTable& db, std::string_view key, ListEnd where, size_t count, int64_t now_ms,
                   std::vector<std::string>* out);

// LLEN: 0 for a missing key. kWrongType.
OpResult<int64_t> OpListLen(DbTable& db, std::string_view key, int64_t now_ms);

// LRANGE with Redis's index rules (negative from the end, clamped). kNoKey (an empty reply),
// kWrongType.
OpStatus OpListRange(DbTable& db, std::string_view key, int64_t start, int64_t end, int64_t now_ms,
                     std::vector<std::string>* out);

// LINDEX: kOk (*out set), kNoKey, kWrongType, kNotInteger (bad index, checked after the type),
// kNotPerformed (index out of range: nil, like kNoKey).
OpStatus OpListIndex(DbTable& db, std::string_view key, std::string_view index, int64_t now_ms,
                     std::string* out);

// LSET: kOk, kNoSuchKey, kWrongType, kNotInteger, kNotPerformed ("ERR index out of range").
OpStatus OpListSet(DbTable& db, std::string_view key, std::string_view index,
                   std::string_view value, int64_t now_ms);

// LINSERT: the new length, -1 when the pivot is not found (nothing recorded). kNoKey (reply 0),
// kWrongType.
OpResult<int64_t> OpListInsert(DbTable& db, std::string_view key, bool after,
                               std::string_view pivot, std::string_view value, int64_t now_ms);

// LREM: the number removed (see ListValue::Remove for `count`). kNoKey (reply 0), kWrongType.
OpResult<int64_t> OpListRem(DbTable& db, std::string_view key, int64_t count,
                            std::string_view value, int64_t now_ms);

// LTRIM: keeps start..end (Redis's index rules). Records "ltrim" even when nothing is removed.
// kNoKey (reply OK all the same), kWrongType.
OpStatus OpListTrim(DbTable& db, std::string_view key, int64_t start, int64_t end, int64_t now_ms);

struct ListPosParams {
  int64_t rank = 1;    // non-zero; negative searches from the tail
  int64_t count = -1;  // -1: COUNT not given (one index or nil); 0: every match
  int64_t maxlen = 0;  // 0: no limit
};
// LPOS: matching indexes into *out (at most one without COUNT). kNoKey, kWrongType.
OpStatus OpListPos(DbTable& db, std::string_view key, std::string_view element,
                   const ListPosParams& params, int64_t now_ms, std::vector<int64_t>* out);

// LMOVE / RPOPLPUSH with both keys in this table (they may be the same key): pops from `src` at
// `from` and pushes onto `dst` at `to`, creating it. The moved element goes to *out. kNoKey (the
// source is missing: nil, whatever the destination holds), kWrongType (either key; nothing
// moves). Records the push on dst, then the pop on src, then "del" if src became empty, in
// Redis's order.
OpStatus OpListMove(DbTable& db, std::string_view src, std::string_view dst, ListEnd from,
                    ListEnd to, int64_t now_ms, std::string* out);

// Whether `key` holds a list: kOk (a non-empty list), kNoKey, kWrongType. Write lookup: the
// probe of a command that will write here (LMOVE across shards, blocking pops).
OpStatus OpListProbe(DbTable& db, std::string_view key, int64_t now_ms);

// The element LPOP/RPOP would return, without removing it. kNoKey, kWrongType.
OpStatus OpListPeek(DbTable& db, std::string_view key, ListEnd where, int64_t now_ms,
                    std::string* out);

}  // namespace tessera::storage
