// Shard-side ops of the generic key commands on DbTables: Redis 7.0 semantics and events
// ("del", "expire", "persist", "rename_from"/"rename_to", "move_from"/"move_to", "copy_to",
// plus "new"/"expired"/"keymiss" from the table). Results are plain values; reply encoding is
// the command layer's job. Owning shard thread only; ops spanning two tables need both on this
// shard (cross-shard forms are built from DbTable::Extract/CloneDetached/InsertAs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/db_table.h"
#include "storage/op_status.h"

namespace tessera::storage {

// DEL / UNLINK of one key: whether a live key was removed ("del").
bool OpDel(DbTable& db, std::string_view key, int64_t now_ms);

// EXISTS of one key (read lookup without touching the access time).
bool OpExists(DbTable& db, std::string_view key, int64_t now_ms);

// TOUCH of one key: whether it exists (read lookup; updates the access time).
bool OpTouch(DbTable& db, std::string_view key, int64_t now_ms);

// TYPE: "string", "list", ... or "none".
const char* OpType(DbTable& db, std::string_view key, int64_t now_ms);

// EXPIRE family conditions; the command layer rejects NX with any other and GT with LT.
enum ExpireFlags : uint8_t {
  kExpireNX = 1 << 0,
  kExpireXX = 1 << 1,
  kExpireGT = 1 << 2,
  kExpireLT = 1 << 3,
};

// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT with an absolute deadline (expire_args.h). Returns
// whether the TTL was set (1) or not (0: no key, or the condition failed). A deadline at or
// before now deletes the key and records "del"; otherwise "expire". No TTL counts as infinite
// for GT/LT.
bool OpExpire(DbTable& db, std::string_view key, int64_t at_ms, uint8_t flags, int64_t now_ms);

// PERSIST: whether a TTL was removed ("persist").
bool OpPersist(DbTable& db, std::string_view key, int64_t now_ms);

enum class TtlQuery : uint8_t { kTtl, kPTtl, kExpireTime, kPExpireTime };
// TTL / PTTL / EXPIRETIME / PEXPIRETIME: -2 no key, -1 no TTL; TTL rounds to the nearest second.
int64_t OpTtl(DbTable& db, std::string_view key, TtlQuery query, int64_t now_ms);

// RENAME / RENAMENX within one table. kOk, kNotPerformed (RENAMENX onto an existing key),
// kNoSuchKey. Same-name renames are no-ops (kOk; kNotPerformed for NX) once the key exists.
// The value and TTL move; an overwritten destination is dropped silently. Events: "new"
// (destination), "rename_from", "rename_to".
OpStatus OpRename(DbTable& db, std::string_view src, std::string_view dst, bool nx, int64_t now_ms);

// COPY between tables on this shard (possibly the same one). kOk (1), kNoKey / kNotPerformed
// (0: no source, or destination exists without REPLACE), kSameObject. Events: "new",
// "copy_to" in the destination db.
OpStatus OpCopy(DbTable& src_db, DbTable& dst_db, std::string_view src, std::string_view dst,
                bool replace, int64_t now_ms);

// MOVE to another db on this shard. kOk (1), kNoKey / kNotPerformed (0: no key, or it exists in
// the destination), kSameObject. Events: "new" (destination), "move_from", "move_to".
OpStatus OpMove(DbTable& src_db, DbTable& dst_db, std::string_view key, int64_t now_ms);

// OBJECT ENCODING: the encoding name, nullptr for a missing key.
const char* OpObjectEncoding(DbTable& db, std::string_view key, int64_t now_ms);

// OBJECT IDLETIME: seconds since last access; kNoKey if missing.
OpResult<int64_t> OpObjectIdleTime(DbTable& db, std::string_view key, int64_t now_ms);

// RANDOMKEY: a random live key, if any.
std::optional<std::string> OpRandomKey(DbTable& db, int64_t now_ms);

// KEYS: every live key matching the glob pattern (expired keys are skipped, not deleted).
void OpKeys(DbTable& db, std::string_view pattern, int64_t now_ms, std::vector<std::string>* out);

struct ScanParams {
  size_t count = 10;
  std::optional<std::string_view> pattern;    // MATCH
  std::optional<std::string_view> type_name;  // TYPE, compared case-insensitively
};

// One SCAN call on this table; returns the next cursor (0 when done, always < 2^48 so the
// engine can put the shard number above it). Expired keys met are deleted ("expired").
uint64_t OpScan(DbTable& db, uint64_t cursor, const ScanParams& params, int64_t now_ms,
                std::vector<std::string>* out);

// FLUSHDB on this table: the number of keys removed (counted as writes; no per-key events).
size_t OpFlush(DbTable& db);

}  // namespace tessera::storage
