#include "storage/key_ops.h"

#include <utility>

#include "storage/glob.h"
#include "storage/value.h"

namespace tessera::storage {

bool OpDel(DbTable& db, std::string_view key, int64_t now_ms) {
  Entry* e = db.FindLive(key, now_ms);
  if (e == nullptr) return false;
  db.Erase(e);
  db.Notify(kEventGeneric, "del", key);
  return true;
}

bool OpExists(DbTable& db, std::string_view key, int64_t now_ms) {
  return db.LookupRead(key, now_ms, DbTable::kLookupNoTouch) != nullptr;
}

bool OpTouch(DbTable& db, std::string_view key, int64_t now_ms) {
  return db.LookupRead(key, now_ms) != nullptr;
}

const char* OpType(DbTable& db, std::string_view key, int64_t now_ms) {
  Entry* e = db.LookupRead(key, now_ms, DbTable::kLookupNoTouch);
  return e == nullptr ? "none" : TypeName(e->type());
}

bool OpExpire(DbTable& db, std::string_view key, int64_t at_ms, uint8_t flags, int64_t now_ms) {
  Entry* e = db.FindLive(key, now_ms);
  if (e == nullptr) return false;
  if (flags != 0) {
    const int64_t current = db.GetExpire(e);
    if ((flags & kExpireNX) && current != kNoExpire) return false;
    if ((flags & kExpireXX) && current == kNoExpire) return false;
    // No TTL is an infinite TTL: nothing is greater, everything is less.
    if ((flags & kExpireGT) && (current == kNoExpire || at_ms <= current)) return false;
    if ((flags & kExpireLT) && current != kNoExpire && at_ms >= current) return false;
  }
  if (at_ms <= now_ms) {
    db.Erase(e);
    db.Notify(kEventGeneric, "del", key);
  } else {
    db.SetExpire(e, at_ms);
    db.Notify(kEventGeneric, "expire", key);
  }
  return true;
}

bool OpPersist(DbTable& db, std::string_view key, int64_t now_ms) {
  Entry* e = db.FindLive(key, now_ms);
  if (e == nullptr || !e->has_expire()) return false;
  db.ClearExpire(e);
  db.Notify(kEventGeneric, "persist", key);
  return true;
}

int64_t OpTtl(DbTable& db, std::string_view key, TtlQuery query, int64_t now_ms) {
  Entry* e = db.LookupRead(key, now_ms, DbTable::kLookupNoTouch);
  if (e == nullptr) return -2;
  const int64_t at = db.GetExpire(e);
  if (at == kNoExpire) return -1;
  const bool absolute = query == TtlQuery::kExpireTime || query == TtlQuery::kPExpireTime;
  const bool in_ms = query == TtlQuery::kPTtl || query == TtlQuery::kPExpireTime;
  int64_t ttl = absolute ? at : at - now_ms;
  if (ttl < 0) ttl = 0;
  return in_ms ? ttl : (ttl + 500) / 1000;
}

OpStatus OpRename(DbTable& db, std::string_view src, std::string_view dst, bool nx,
                  int64_t now_ms) {
  Entry* e = db.FindLive(src, now_ms);
  if (e == nullptr) return OpStatus::kNoSuchKey;
  if (src == dst) return nx ? OpStatus::kNotPerformed : OpStatus::kOk;
  if (Entry* existing = db.FindLive(dst, now_ms)) {
    if (nx) return OpStatus::kNotPerformed;
    db.Erase(existing);  // Redis drops the old destination without a "del" event
  }
  db.InsertAs(db.Extract(e), dst);
  db.Notify(kEventGeneric, "rename_from", src);
  db.Notify(kEventGeneric, "rename_to", dst);
  return OpStatus::kOk;
}

OpStatus OpCopy(DbTable& src_db, DbTable& dst_db, std::string_view src, std::string_view dst,
                bool replace, int64_t now_ms) {
  if (&src_db == &dst_db && src == dst) return OpStatus::kSameObject;
  Entry* e = src_db.LookupRead(src, now_ms);
  if (e == nullptr) return OpStatus::kNoKey;
  Entry* existing = dst_db.FindLive(dst, now_ms);
  if (existing != nullptr && !replace) return OpStatus::kNotPerformed;
  DetachedEntry copy = src_db.CloneDetached(e);
  if (existing != nullptr) dst_db.Erase(existing);
  dst_db.InsertAs(std::move(copy), dst);
  dst_db.Notify(kEventGeneric, "copy_to", dst);
  return OpStatus::kOk;
}

OpStatus OpMove(DbTable& src_db, DbTable& dst_db, std::string_view key, int64_t now_ms) {
  if (&src_db == &dst_db) return OpStatus::kSameObject;
  Entry* e = src_db.FindLive(key, now_ms);
  if (e == nullptr) return OpStatus::kNoKey;
  if (dst_db.FindLive(key, now_ms) != nullptr) return OpStatus::kNotPerformed;
  dst_db.InsertAs(src_db.Extract(e), key);
  src_db.Notify(kEventGeneric, "move_from", key);
  dst_db.Notify(kEventGeneric, "move_to", key);
  return OpStatus::kOk;
}

const char* OpObjectEncoding(DbTable& db, std::string_view key, int64_t now_ms) {
  Entry* e = db.LookupRead(key, now_ms, DbTable::kLookupNoTouch | DbTable::kLookupNoNotify);
  return e == nullptr ? nullptr : e->EncodingName();
}

OpResult<int64_t> OpObjectIdleTime(DbTable& db, std::string_view key, int64_t now_ms) {
  Entry* e = db.LookupRead(key, now_ms, DbTable::kLookupNoTouch | DbTable::kLookupNoNotify);
  if (e == nullptr) return {OpStatus::kNoKey, 0};
  const int64_t idle = static_cast<int64_t>(DbTable::LruClock(now_ms)) - e->access_time();
  return {OpStatus::kOk, idle > 0 ? idle : 0};
}

std::optional<std::string> OpRandomKey(DbTable& db, int64_t now_ms) {
  Entry* e = db.RandomLive(now_ms);
  if (e == nullptr) return std::nullopt;
  return std::string(e->key());
}

void OpKeys(DbTable& db, std::string_view pattern, int64_t now_ms, std::vector<std::string>* out) {
  // A lone "*" is special-cased (as in Redis) so that it also matches the empty key.
  const bool all_keys = pattern == "*";
  db.ForEach([&](const Entry& e) {
    if ((all_keys || GlobMatch(pattern, e.key())) && !db.IsExpired(&e, now_ms)) {
      out->emplace_back(e.key());
    }
  });
}

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

uint64_t OpScan(DbTable& db, uint64_t cursor, const ScanParams& params, int64_t now_ms,
                std::vector<std::string>* out) {
  std::vector<Entry*> candidates;
  cursor = db.Scan(cursor, params.count, &candidates);
  const bool use_pattern = params.pattern.has_value() && *params.pattern != "*";
  std::vector<std::string> expired;
  for (Entry* e : candidates) {
    const std::string_view key = e->key();
    if (use_pattern && !GlobMatch(*params.pattern, key)) continue;
    if (db.IsExpired(e, now_ms)) {
      expired.emplace_back(key);
      continue;
    }
    if (params.type_name.has_value() && !EqualsIgnoreCase(*params.type_name, TypeName(e->type()))) {
      continue;
    }
    out->emplace_back(key);
  }
  // Deleting only after the walk keeps the candidate pointers valid while we use them.
  for (const std::string& key : expired) db.FindLive(key, now_ms);
  return cursor;
}

size_t OpFlush(DbTable& db) {
  const size_t removed = db.Clear();
  if (db.recorder() != nullptr) db.recorder()->AddWrites(removed);
  return removed;
}

}  // namespace tessera::storage
