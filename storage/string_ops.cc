#include "storage/string_ops.h"

#include <cmath>
#include <cstring>
#include <utility>

#include "storage/numbers.h"

namespace tessera::storage {

OpStatus OpGet(DbTable& db, std::string_view key, int64_t now_ms, std::string* out) {
  Entry* e = db.LookupRead(key, now_ms);
  if (e == nullptr) return OpStatus::kNoKey;
  if (!e->is_string()) return OpStatus::kWrongType;
  e->AppendStringTo(out);
  return OpStatus::kOk;
}

OpStatus OpGetView(DbTable& db, std::string_view key, int64_t now_ms, char (&buf)[kInt64BufSize],
                   std::string_view* out) {
  const Entry* e = db.LookupRead(key, now_ms);
  if (e == nullptr) return OpStatus::kNoKey;
  if (!e->is_string()) return OpStatus::kWrongType;
  *out = e->StringView(buf);
  return OpStatus::kOk;
}

SetResult OpSet(DbTable& db, std::string_view key, std::string_view value, const SetParams& params,
                int64_t now_ms) {
  SetResult result;
  if (params.get) {
    // Redis runs GET's read lookup first: a wrong type aborts before anything is written.
    Entry* old = db.LookupRead(key, now_ms);
    if (old != nullptr) {
      if (!old->is_string()) {
        result.status = OpStatus::kWrongType;
        return result;
      }
      result.had_old = true;
      old->AppendStringTo(&result.old_value);
    }
  }
  Entry* e = db.FindLive(key, now_ms);
  if ((params.condition == SetParams::Condition::kIfAbsent && e != nullptr) ||
      (params.condition == SetParams::Condition::kIfPresent && e == nullptr)) {
    result.status = OpStatus::kNotPerformed;
    return result;
  }
  const bool with_deadline = params.expire_at_ms != kNoExpire;
  if (e != nullptr) {
    // With a new deadline coming, keep the expire slot so it is updated rather than rebuilt.
    e = db.Overwrite(e, ValueInit::String(value), params.keep_ttl || with_deadline);
    if (with_deadline) e = db.SetExpire(e, params.expire_at_ms);
  } else {
    e = db.AddNew(key, ValueInit::String(value), params.expire_at_ms);
  }
  db.Notify(kEventString, "set", key);
  if (with_deadline) db.Notify(kEventGeneric, "expire", key);
  return result;
}

OpStatus OpGetDel(DbTable& db, std::string_view key, int64_t now_ms, std::string* out) {
  Entry* e = db.LookupRead(key, now_ms);
  if (e == nullptr) return OpStatus::kNoKey;
  if (!e->is_string()) return OpStatus::kWrongType;
  e->AppendStringTo(out);
  db.Erase(e);
  db.Notify(kEventGeneric, "del", key);
  return OpStatus::kOk;
}

OpStatus OpGetEx(DbTable& db, std::string_view key, const GetExParams& params, int64_t now_ms,
                 std::string* out) {
  Entry* e = db.LookupRead(key, now_ms);
  if (e == nullptr) return OpStatus::kNoKey;
  if (!e->is_string()) return OpStatus::kWrongType;
  e->AppendStringTo(out);
  switch (params.action) {
    case GetExParams::Action::kNone:
      break;
    case GetExParams::Action::kSetExpire:
      // Redis's checkAlreadyExpired: a deadline at or before now deletes the key.
      if (params.expire_at_ms <= now_ms) {
        db.Erase(e);
        db.Notify(kEventGeneric, "del", key);
      } else {
        db.SetExpire(e, params.expire_at_ms);
        db.Notify(kEventGeneric, "expire", key);
      }
      break;
    case GetExParams::Action::kPersist:
      if (e->has_expire()) {
        db.ClearExpire(e);
        db.Notify(kEventGeneric, "persist", key);
      }
      break;
  }
  return OpStatus::kOk;
}

namespace {

// Redis's checkStringLength, overflow-safe: would a string of base + extra bytes be too long?
bool ExceedsMaxLen(int64_t base, int64_t extra, int64_t max_len) {
  return base > max_len || extra > max_len - base;
}

}  // namespace

OpResult<int64_t> OpAppend(DbTable& db, std::string_view key, std::string_view suffix,
                           int64_t now_ms, int64_t max_len) {
  Entry* e = db.FindLive(key, now_ms);
  if (e == nullptr) {
    db.AddNew(key, ValueInit::String(suffix));
    db.Notify(kEventString, "append", key);
    return {OpStatus::kOk, static_cast<int64_t>(suffix.size())};
  }
  if (!e->is_string()) return {OpStatus::kWrongType, 0};
  const int64_t old_len = static_cast<int64_t>(e->StringLength());
  if (ExceedsMaxLen(old_len, static_cast<int64_t>(suffix.size()), max_len)) {
    return {OpStatus::kTooLarge, 0};
  }
  e = db.MakeRawString(e);
  const size_t total = static_cast<size_t>(old_len) + suffix.size();
  char* bytes = e->ResizeRawString(total);
  if (!suffix.empty()) std::memcpy(bytes + old_len, suffix.data(), suffix.size());
  db.Notify(kEventString, "append", key);
  return {OpStatus::kOk, static_cast<int64_t>(total)};
}

OpResult<int64_t> OpStrLen(DbTable& db, std::string_view key, int64_t now_ms) {
  Entry* e = db.LookupRead(key, now_ms);
  if (e == nullptr) return {OpStatus::kOk, 0};
  if (!e->is_string()) return {OpStatus::kWrongType, 0};
  return {OpStatus::kOk, static_cast<int64_t>(e->StringLength())};
}

OpResult<int64_t> OpIncrBy(DbTable& db, std::string_view key, int64_t delta, int64_t now_ms) {
  Entry* e = db.FindLive(key, now_ms);
  int64_t value = 0;
  if (e != nullptr) {
    if (!e->is_string()) return {OpStatus::kWrongType, 0};
    if (e->encoding() == Encoding::kInt) {
      value = e->int_value();
    } else {
      char buf[kInt64BufSize];
      if (!ParseInt64(e->StringView(buf), &value)) return {OpStatus::kNotInteger, 0};
    }
  }
  if ((delta < 0 && value < 0 && delta < INT64_MIN - value) ||
      (delta > 0 && value > 0 && delta > INT64_MAX - value)) {
    return {OpStatus::kOverflow, 0};
  }
  value += delta;
  if (e == nullptr) {
    db.AddNew(key, ValueInit::Int(value));
  } else if (e->encoding() == Encoding::kInt) {
    e->set_int_value(value);
  } else {
    db.Overwrite(e, ValueInit::Int(value), /*keep_ttl=*/true);
  }
  db.Notify(kEventString, "incrby", key);
  return {OpStatus::kOk, value};
}

OpResult<std::string> OpIncrByFloat(DbTable& db, std::string_view key, long double delta,
                                    int64_t now_ms) {
  OpResult<std::string> result;
  Entry* e = db.FindLive(key, now_ms);
  long double value = 0;
  if (e != nullptr) {
    if (!e->is_string()) {
      result.status = OpStatus::kWrongType;
      return result;
    }
    if (e->encoding() == Encoding::kInt) {
      value = static_cast<long double>(e->int_value());
    } else {
      char buf[kInt64BufSize];
      if (!ParseLongDouble(e->StringView(buf), &value)) {
        result.status = OpStatus::kNotFloat;
        return result;
      }
    }
  }
  value += delta;
  if (std::isnan(value) || std::isinf(value)) {
    result.status = OpStatus::kNanOrInfinity;
    return result;
  }
  result.value = FormatLongDoubleHuman(value);
  if (e == nullptr) {
    db.AddNew(key, ValueInit::StringNoInt(result.value));
  } else {
    db.Overwrite(e, ValueInit::StringNoInt(result.value), /*keep_ttl=*/true);
  }
  db.Notify(kEventString, "incrbyfloat", key);
  return result;
}

OpStatus OpGetRange(DbTable& db, std::string_view key, int64_t start, int64_t end, int64_t now_ms,
                    std::string* out) {
  Entry* e = db.LookupRead(key, now_ms);
  if (e == nullptr) return OpStatus::kOk;
  if (!e->is_string()) return OpStatus::kWrongType;
  char buf[kInt64BufSize];
  const std::string_view s = e->StringView(buf);
  const int64_t len = static_cast<int64_t>(s.size());
  if (start < 0 && end < 0 && start > end) return OpStatus::kOk;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (len == 0 || start > end) return OpStatus::kOk;
  out->append(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
  return OpStatus::kOk;
}

OpResult<int64_t> OpSetRange(DbTable& db, std::string_view key, int64_t offset,
                             std::string_view value, int64_t now_ms, int64_t max_len) {
  if (offset < 0) return {OpStatus::kOffsetOutOfRange, 0};
  const int64_t vlen = static_cast<int64_t>(value.size());
  Entry* e = db.FindLive(key, now_ms);
  if (e == nullptr) {
    if (value.empty()) return {OpStatus::kOk, 0};
    if (ExceedsMaxLen(offset, vlen, max_len)) return {OpStatus::kTooLarge, 0};
    e = db.AddNew(key, ValueInit::Raw({}));
    char* bytes = e->ResizeRawString(static_cast<size_t>(offset + vlen), /*greedy=*/false);
    std::memcpy(bytes + offset, value.data(), value.size());
    db.Notify(kEventString, "setrange", key);
    return {OpStatus::kOk, offset + vlen};
  }
  if (!e->is_string()) return {OpStatus::kWrongType, 0};
  const int64_t old_len = static_cast<int64_t>(e->StringLength());
  if (value.empty()) return {OpStatus::kOk, old_len};
  if (ExceedsMaxLen(offset, vlen, max_len)) return {OpStatus::kTooLarge, 0};
  e = db.MakeRawString(e);
  const int64_t new_len = offset + vlen > old_len ? offset + vlen : old_len;
  char* bytes = e->ResizeRawString(static_cast<size_t>(new_len));
  std::memcpy(bytes + offset, value.data(), value.size());
  db.Notify(kEventString, "setrange", key);
  return {OpStatus::kOk, new_len};
}

}  // namespace tessera::storage
