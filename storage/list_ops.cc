#include "storage/list_ops.h"

#include <memory>
#include <utility>

#include "storage/numbers.h"

namespace tessera::storage {
namespace {

const char* PushEvent(ListEnd where) { return where == ListEnd::kHead ? "lpush" : "rpush"; }
const char* PopEvent(ListEnd where) { return where == ListEnd::kHead ? "lpop" : "rpop"; }

ListValue* AsList(Entry* e) { return static_cast<ListValue*>(e->object()); }

// The list at `key` for reading (Redis's lookupKeyRead).
ListValue* FindListForRead(DbTable& db, std::string_view key, int64_t now_ms, OpStatus* status) {
  Entry* e = db.LookupRead(key, now_ms);
  if (e == nullptr) {
    *status = OpStatus::kNoKey;
    return nullptr;
  }
  if (e->type() != ValueType::kList) {
    *status = OpStatus::kWrongType;
    return nullptr;
  }
  *status = OpStatus::kOk;
  return AsList(e);
}

ListValue* CreateList(DbTable& db, std::string_view key) {
  auto list = std::make_unique<ListValue>();
  ListValue* raw = list.get();
  db.AddNew(key, ValueInit::Object(ValueType::kList, std::move(list)));
  return raw;
}

// Redis deletes a list the moment it becomes empty.
void DeleteIfEmpty(DbTable& db, std::string_view key, const ListValue* list) {
  if (!list->empty()) return;
  if (Entry* e = db.FindRaw(key)) db.Erase(e);
  db.Notify(kEventGeneric, "del", key);
}

// Redis's LRANGE/LTRIM index normalisation: false if the range is empty, else [*start, *end]
// within [0, len).
bool NormaliseRange(int64_t len, int64_t* start, int64_t* end) {
  if (*start < 0) *start += len;
  if (*end < 0) *end += len;
  if (*start < 0) *start = 0;
  if (*start > *end || *start >= len) return false;
  if (*end >= len) *end = len - 1;
  return true;
}

// An index argument resolved against the list (negative from the tail); false if out of range.
bool ResolveIndex(int64_t index, size_t len, size_t* out) {
  int64_t n = static_cast<int64_t>(len);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return false;
  *out = static_cast<size_t>(index);
  return true;
}

}  // namespace

ListValue* FindListForWrite(DbTable& db, std::string_view key, int64_t now_ms, OpStatus* status) {
  Entry* e = db.FindLive(key, now_ms);
  if (e == nullptr) {
    *status = OpStatus::kNoKey;
    return nullptr;
  }
  if (e->type() != ValueType::kList) {
    *status = OpStatus::kWrongType;
    return nullptr;
  }
  *status = OpStatus::kOk;
  return AsList(e);
}

OpResult<int64_t> OpListPush(DbTable& db, std::string_view key,
                             const std::vector<std::string_view>& values, ListEnd where,
                             bool only_if_exists, int64_t now_ms) {
  OpResult<int64_t> result;
  ListValue* list = FindListForWrite(db, key, now_ms, &result.status);
  if (result.status == OpStatus::kWrongType) return result;
  if (list == nullptr) {
    if (only_if_exists) return result;  // kNoKey
    list = CreateList(db, key);
    result.status = OpStatus::kOk;
  }
  for (std::string_view v : values) list->Push(v, where);
  result.value = static_cast<int64_t>(list->size());
  db.Notify(kEventList, PushEvent(where), key);
  return result;
}

OpStatus OpListPop(DbTable& db, std::string_view key, ListEnd where, size_t count, int64_t now_ms,
                   std::vector<std::string>* out) {
  OpStatus status;
  ListValue* list = FindListForWrite(db, key, now_ms, &status);
  if (list == nullptr || count == 0) return status;
  list->Pop(where, count, out);
  db.Notify(kEventList, PopEvent(where), key);
  DeleteIfEmpty(db, key, list);
  return OpStatus::kOk;
}

OpResult<int64_t> OpListLen(DbTable& db, std::string_view key, int64_t now_ms) {
  OpResult<int64_t> result;
  ListValue* list = FindListForRead(db, key, now_ms, &result.status);
  if (result.status == OpStatus::kNoKey) result.status = OpStatus::kOk;
  if (list != nullptr) result.value = static_cast<int64_t>(list->size());
  return result;
}

OpStatus OpListRange(DbTable& db, std::string_view key, int64_t start, int64_t end, int64_t now_ms,
                     std::vector<std::string>* out) {
  OpStatus status;
  ListValue* list = FindListForRead(db, key, now_ms, &status);
  if (list == nullptr) return status;
  if (!NormaliseRange(static_cast<int64_t>(list->size()), &start, &end)) return status;
  size_t n = static_cast<size_t>(end - start + 1);
  out->reserve(out->size() + n);
  ListValue::Cursor c = list->At(static_cast<size_t>(start));
  Listpack::Value value;
  for (size_t i = 0; i < n; ++i, c.Next()) {
    c.Read(&value);
    out->emplace_back(value.str);
  }
  return status;
}

OpStatus OpListIndex(DbTable& db, std::string_view key, std::string_view index, int64_t now_ms,
                     std::string* out) {
  OpStatus status;
  ListValue* list = FindListForRead(db, key, now_ms, &status);
  if (list == nullptr) return status;
  int64_t i;
  if (!ParseInt64(index, &i)) return OpStatus::kNotInteger;
  size_t pos;
  if (!ResolveIndex(i, list->size(), &pos)) return OpStatus::kNotPerformed;
  *out = list->Get(pos);
  return OpStatus::kOk;
}

OpStatus OpListSet(DbTable& db, std::string_view key, std::string_view index,
                   std::string_view value, int64_t now_ms) {
  OpStatus status;
  ListValue* list = FindListForWrite(db, key, now_ms, &status);
  if (status == OpStatus::kNoKey) return OpStatus::kNoSuchKey;
  if (list == nullptr) return status;
  int64_t i;
  if (!ParseInt64(index, &i)) return OpStatus::kNotInteger;
  size_t pos;
  if (!ResolveIndex(i, list->size(), &pos)) return OpStatus::kNotPerformed;
  list->Set(pos, value);
  db.Notify(kEventList, "lset", key);
  return OpStatus::kOk;
}

OpResult<int64_t> OpListInsert(DbTable& db, std::string_view key, bool after,
                               std::string_view pivot, std::string_view value, int64_t now_ms) {
  OpResult<int64_t> result;
  ListValue* list = FindListForWrite(db, key, now_ms, &result.status);
  if (list == nullptr) return result;
  for (ListValue::Cursor c = list->At(0); c.Valid(); c.Next()) {
    if (c.Equals(pivot)) {
      list->Insert(c.index() + (after ? 1 : 0), value);
      db.Notify(kEventList, "linsert", key);
      result.value = static_cast<int64_t>(list->size());
      return result;
    }
  }
  result.value = -1;
  return result;
}

OpResult<int64_t> OpListRem(DbTable& db, std::string_view key, int64_t count,
                            std::string_view value, int64_t now_ms) {
  OpResult<int64_t> result;
  ListValue* list = FindListForWrite(db, key, now_ms, &result.status);
  if (list == nullptr) return result;
  size_t removed = list->Remove(value, count);
  if (removed > 0) {
    db.Notify(kEventList, "lrem", key);
    DeleteIfEmpty(db, key, list);
  }
  result.value = static_cast<int64_t>(removed);
  return result;
}

OpStatus OpListTrim(DbTable& db, std::string_view key, int64_t start, int64_t end, int64_t now_ms) {
  OpStatus status;
  ListValue* list = FindListForWrite(db, key, now_ms, &status);
  if (list == nullptr) return status;
  const int64_t len = static_cast<int64_t>(list->size());
  if (NormaliseRange(len, &start, &end)) {
    list->Erase(static_cast<size_t>(end + 1), static_cast<size_t>(len - end - 1));
    list->Erase(0, static_cast<size_t>(start));
  } else {
    list->Erase(0, static_cast<size_t>(len));
  }
  db.Notify(kEventList, "ltrim", key);
  DeleteIfEmpty(db, key, list);
  return OpStatus::kOk;
}

OpStatus OpListPos(DbTable& db, std::string_view key, std::string_view element,
                   const ListPosParams& params, int64_t now_ms, std::vector<int64_t>* out) {
  OpStatus status;
  ListValue* list = FindListForRead(db, key, now_ms, &status);
  if (list == nullptr) return status;
  // Redis negates a negative rank in C `long` arithmetic; LONG_MIN stays negative and then
  // matches at once. Unsigned arithmetic reproduces that without overflow.
  int64_t rank = params.rank;
  const bool from_tail = rank < 0;
  if (from_tail) rank = static_cast<int64_t>(~static_cast<uint64_t>(rank) + 1);
  const int64_t len = static_cast<int64_t>(list->size());
  int64_t matches = 0;
  int64_t scanned = 0;
  ListValue::Cursor c = list->At(from_tail ? list->size() - 1 : 0);
  for (; c.Valid() && (params.maxlen == 0 || scanned < params.maxlen); ++scanned) {
    if (c.Equals(element)) {
      ++matches;
      if (matches >= rank) {
        out->push_back(from_tail ? len - scanned - 1 : scanned);
        if (params.count == -1) break;
        int64_t taken =
            static_cast<int64_t>(static_cast<uint64_t>(matches) - static_cast<uint64_t>(rank) + 1);
        if (params.count != 0 && taken >= params.count) break;
      }
    }
    if (from_tail) {
      c.Prev();
    } else {
      c.Next();
    }
  }
  return OpStatus::kOk;
}

OpStatus OpListMove(DbTable& db, std::string_view src, std::string_view dst, ListEnd from,
                    ListEnd to, int64_t now_ms, std::string* out) {
  OpStatus status;
  ListValue* source = FindListForWrite(db, src, now_ms, &status);
  if (source == nullptr) return status;
  ListValue* dest = FindListForWrite(db, dst, now_ms, &status);
  if (status == OpStatus::kWrongType) return status;
  std::vector<std::string> popped;
  source->Pop(from, 1, &popped);
  *out = std::move(popped.front());
  // The source is never deleted before the push, so a rotation (src == dst) of a one-element
  // list keeps its key.
  if (dest == nullptr) dest = CreateList(db, dst);
  dest->Push(*out, to);
  db.Notify(kEventList, PushEvent(to), dst);
  db.Notify(kEventList, PopEvent(from), src);
  DeleteIfEmpty(db, src, source);
  return OpStatus::kOk;
}

OpStatus OpListProbe(DbTable& db, std::string_view key, int64_t now_ms) {
  OpStatus status;
  FindListForWrite(db, key, now_ms, &status);
  return status;
}

OpStatus OpListPeek(DbTable& db, std::string_view key, ListEnd where, int64_t now_ms,
                    std::string* out) {
  OpStatus status;
  ListValue* list = FindListForWrite(db, key, now_ms, &status);
  if (list == nullptr) return status;
  *out = list->Get(where == ListEnd::kHead ? 0 : list->size() - 1);
  return OpStatus::kOk;
}

}  // namespace tessera::storage
