#include "storage/hash_ops.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>
#include <utility>

#include "storage/encoding_limits.h"
#include "storage/glob.h"
#include "storage/numbers.h"

namespace tessera::storage {
namespace {

HashValue* AsHash(Entry* e) { return static_cast<HashValue*>(e->object()); }

size_t NonNegative(int64_t v) { return v < 0 ? 0 : static_cast<size_t>(v); }

// Puts a hash that replaced the one stored at *e in its place (the old object is freed).
void Install(DbTable& db, Entry** e, std::unique_ptr<HashValue> next) {
  *e = db.Overwrite(*e, ValueInit::Object(ValueType::kHash, std::move(next)), /*keep_ttl=*/true);
}

// hashTypeSet on the hash stored at *e; returns whether the field is new.
bool SetField(DbTable& db, Entry** e, std::string_view field, std::string_view value,
              const HashLimits& limits) {
  HashValue::SetResult r = AsHash(*e)->Set(field, value, limits);
  if (r.replacement != nullptr) Install(db, e, std::move(r.replacement));
  return r.created;
}

// hashTypeLookupWriteOrCreate: the hash at `key`, created empty if missing; nullptr for another
// type.
Entry* FindOrCreateHash(DbTable& db, std::string_view key, int64_t now_ms) {
  Entry* e = db.FindLive(key, now_ms);
  if (e == nullptr) return db.AddNew(key, ValueInit::Object(ValueType::kHash, HashValue::Create()));
  return e->type() == ValueType::kHash ? e : nullptr;
}

// A read lookup that checks the type: nullptr with *status kNoKey or kWrongType.
const HashValue* FindHashForRead(DbTable& db, std::string_view key, int64_t now_ms,
                                 OpStatus* status) {
  Entry* e = db.LookupRead(key, now_ms);
  if (e == nullptr) {
    *status = OpStatus::kNoKey;
    return nullptr;
  }
  if (e->type() != ValueType::kHash) {
    *status = OpStatus::kWrongType;
    return nullptr;
  }
  *status = OpStatus::kOk;
  return AsHash(e);
}

// hashTypeTryConversion: a listpack hash becomes a table before a write whose arguments would
// not fit.
void ConvertIfTooLong(DbTable& db, Entry** e, const std::vector<std::string_view>& args,
                      const HashLimits& limits) {
  if (AsHash(*e)->kind() != HashValue::Kind::kListpack) return;
  for (std::string_view a : args) {
    if (a.size() > limits.max_listpack_value) {
      Install(db, e, AsHash(*e)->ToTable());
      return;
    }
  }
}

}  // namespace

HashLimits CurrentHashLimits() {
  const EncodingLimits& l = GlobalEncodingLimits();
  HashLimits out;
  out.max_listpack_entries =
      NonNegative(l.hash_max_listpack_entries.load(std::memory_order_relaxed));
  out.max_listpack_value = NonNegative(l.hash_max_listpack_value.load(std::memory_order_relaxed));
  return out;
}

OpResult<int64_t> OpHSet(DbTable& db, std::string_view key,
                         const std::vector<std::string_view>& pairs, int64_t now_ms) {
  Entry* e = FindOrCreateHash(db, key, now_ms);
  if (e == nullptr) return {OpStatus::kWrongType, 0};
  const HashLimits limits = CurrentHashLimits();
  ConvertIfTooLong(db, &e, pairs, limits);
  int64_t created = 0;
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
    if (SetField(db, &e, pairs[i], pairs[i + 1], limits)) ++created;
  }
  db.Notify(kEventHash, "hset", key);
  return {OpStatus::kOk, created};
}

OpResult<bool> OpHSetNx(DbTable& db, std::string_view key, std::string_view field,
                        std::string_view value, int64_t now_ms) {
  Entry* e = FindOrCreateHash(db, key, now_ms);
  if (e == nullptr) return {OpStatus::kWrongType, false};
  if (AsHash(e)->Contains(field)) return {OpStatus::kOk, false};
  const HashLimits limits = CurrentHashLimits();
  ConvertIfTooLong(db, &e, {field, value}, limits);
  SetField(db, &e, field, value, limits);
  db.Notify(kEventHash, "hset", key);
  return {OpStatus::kOk, true};
}

OpStatus OpHGet(DbTable& db, std::string_view key, std::string_view field, int64_t now_ms,
                std::string* out) {
  OpStatus status;
  const HashValue* hash = FindHashForRead(db, key, now_ms, &status);
  if (hash == nullptr) return status;
  return hash->Get(field, out) ? OpStatus::kOk : OpStatus::kNoKey;
}

OpStatus OpHMGet(DbTable& db, std::string_view key, const std::vector<std::string_view>& fields,
                 int64_t now_ms, std::vector<std::optional<std::string>>* out) {
  OpStatus status;
  const HashValue* hash = FindHashForRead(db, key, now_ms, &status);
  if (status == OpStatus::kWrongType) return status;
  for (std::string_view f : fields) {
    std::string value;
    if (hash != nullptr && hash->Get(f, &value)) {
      out->emplace_back(std::move(value));
    } else {
      out->emplace_back(std::nullopt);
    }
  }
  return OpStatus::kOk;
}

OpStatus OpHGetAll(DbTable& db, std::string_view key, int64_t now_ms,
                   std::vector<FieldValue>* out) {
  OpStatus status;
  const HashValue* hash = FindHashForRead(db, key, now_ms, &status);
  if (hash == nullptr) return status;
  hash->ForEach([out](std::string_view f, std::string_view v) { out->emplace_back(f, v); });
  return OpStatus::kOk;
}

OpResult<int64_t> OpHDel(DbTable& db, std::string_view key,
                         const std::vector<std::string_view>& fields, int64_t now_ms) {
  Entry* e = db.FindLive(key, now_ms);
  if (e == nullptr) return {OpStatus::kOk, 0};
  if (e->type() != ValueType::kHash) return {OpStatus::kWrongType, 0};
  int64_t deleted = 0;
  bool emptied = false;
  for (std::string_view f : fields) {
    if (!AsHash(e)->Delete(f)) continue;
    ++deleted;
    if (AsHash(e)->size() == 0) {
      emptied = true;
      break;
    }
  }
  if (deleted > 0) db.Notify(kEventHash, "hdel", key);
  if (emptied) {
    db.Erase(e);
    db.Notify(kEventGeneric, "del", key);
  }
  return {OpStatus::kOk, deleted};
}

OpResult<int64_t> OpHLen(DbTable& db, std::string_view key, int64_t now_ms) {
  OpStatus status;
  const HashValue* hash = FindHashForRead(db, key, now_ms, &status);
  if (hash == nullptr) return {status == OpStatus::kNoKey ? OpStatus::kOk : status, 0};
  return {OpStatus::kOk, static_cast<int64_t>(hash->size())};
}

OpResult<int64_t> OpHStrLen(DbTable& db, std::string_view key, std::string_view field,
                            int64_t now_ms) {
  std::string value;
  OpStatus status = OpHGet(db, key, field, now_ms, &value);
  if (status == OpStatus::kWrongType) return {status, 0};
  return {OpStatus::kOk, static_cast<int64_t>(value.size())};
}

OpResult<bool> OpHExists(DbTable& db, std::string_view key, std::string_view field,
                         int64_t now_ms) {
  OpStatus status;
  const HashValue* hash = FindHashForRead(db, key, now_ms, &status);
  if (hash == nullptr) return {status == OpStatus::kNoKey ? OpStatus::kOk : status, false};
  return {OpStatus::kOk, hash->Contains(field)};
}

OpResult<int64_t> OpHIncrBy(DbTable& db, std::string_view key, std::string_view field,
                            int64_t delta, int64_t now_ms) {
  Entry* e = FindOrCreateHash(db, key, now_ms);
  if (e == nullptr) return {OpStatus::kWrongType, 0};
  int64_t current = 0;
  std::string stored;
  if (AsHash(e)->Get(field, &stored) && !ParseInt64(stored, &current)) {
    return {OpStatus::kNotInteger, 0};
  }
  if ((delta < 0 && current < 0 && delta < INT64_MIN - current) ||
      (delta > 0 && current > 0 && delta > INT64_MAX - current)) {
    return {OpStatus::kOverflow, 0};
  }
  const int64_t result = current + delta;
  char buf[kInt64BufSize];
  SetField(db, &e, field, std::string_view(buf, FormatInt64(result, buf)), CurrentHashLimits());
  db.Notify(kEventHash, "hincrby", key);
  return {OpStatus::kOk, result};
}

OpResult<std::string> OpHIncrByFloat(DbTable& db, std::string_view key, std::string_view field,
                                     long double delta, int64_t now_ms) {
  Entry* e = FindOrCreateHash(db, key, now_ms);
  if (e == nullptr) return {OpStatus::kWrongType, {}};
  long double current = 0;
  std::string stored;
  if (AsHash(e)->Get(field, &stored) && !ParseLongDouble(stored, &current)) {
    return {OpStatus::kNotFloat, {}};
  }
  const long double result = current + delta;
  if (std::isnan(result) || std::isinf(result)) return {OpStatus::kNanOrInfinity, {}};
  std::string formatted = FormatLongDoubleHuman(result);
  SetField(db, &e, field, formatted, CurrentHashLimits());
  db.Notify(kEventHash, "hincrbyfloat", key);
  return {OpStatus::kOk, std::move(formatted)};
}

OpResult<std::optional<std::string>> OpHRandField(DbTable& db, std::string_view key, int64_t now_ms,
                                                  Rng& rng) {
  OpStatus status;
  const HashValue* hash = FindHashForRead(db, key, now_ms, &status);
  if (hash == nullptr) {
    return {status == OpStatus::kNoKey ? OpStatus::kOk : status, std::nullopt};
  }
  return {OpStatus::kOk, std::move(hash->RandomPair(rng).first)};
}

OpStatus OpHRandFieldCount(DbTable& db, std::string_view key, int64_t count, int64_t now_ms,
                           Rng& rng, std::vector<FieldValue>* out) {
  OpStatus status;
  const HashValue* hash = FindHashForRead(db, key, now_ms, &status);
  if (hash == nullptr) return status == OpStatus::kNoKey ? OpStatus::kOk : status;
  if (count == 0) return OpStatus::kOk;
  if (count < 0) {
    // The command layer bounds count to [-LONG_MAX, LONG_MAX]: the negation cannot overflow.
    for (int64_t i = 0; i < -count; ++i) out->push_back(hash->RandomPair(rng));
    return OpStatus::kOk;
  }
  const size_t size = hash->size();
  const auto wanted = static_cast<uint64_t>(count);
  if (wanted == 1) {
    out->push_back(hash->RandomPair(rng));
  } else if (wanted >= size) {
    hash->ForEach([out](std::string_view f, std::string_view v) { out->emplace_back(f, v); });
  } else if (wanted * 3 > size) {
    // Most of the hash is wanted: a partial shuffle of every pair.
    std::vector<FieldValue> all = hash->Pairs();
    for (size_t i = 0; i < wanted; ++i) {
      std::swap(all[i], all[i + rng() % (size - i)]);
      out->push_back(std::move(all[i]));
    }
  } else {
    std::unordered_set<std::string> seen;
    while (out->size() < wanted) {
      FieldValue p = hash->RandomPair(rng);
      if (seen.insert(p.first).second) out->push_back(std::move(p));
    }
  }
  return OpStatus::kOk;
}

OpResult<uint64_t> OpHScan(DbTable& db, std::string_view key, uint64_t cursor, size_t count,
                           std::optional<std::string_view> pattern, int64_t now_ms,
                           std::vector<FieldValue>* out) {
  OpStatus status;
  const HashValue* hash = FindHashForRead(db, key, now_ms, &status);
  if (hash == nullptr) return {status == OpStatus::kNoKey ? OpStatus::kOk : status, 0};
  const size_t start = out->size();
  const uint64_t next = hash->Scan(cursor, count, out);
  // Filtered after collecting, on the field, as Redis does; a lone "*" matches everything.
  if (pattern.has_value() && *pattern != "*") {
    auto first = out->begin() + static_cast<std::ptrdiff_t>(start);
    out->erase(std::remove_if(first, out->end(),
                              [&](const FieldValue& p) { return !GlobMatch(*pattern, p.first); }),
               out->end());
  }
  return {OpStatus::kOk, next};
}

}  // namespace tessera::storage
