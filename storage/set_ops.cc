#include "storage/set_ops.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "storage/encoding_limits.h"
#include "storage/glob.h"

namespace tessera::storage {
namespace {

SetValue* AsSet(Entry* e) { return static_cast<SetValue*>(e->object()); }

// Puts a set that replaced the one stored at *e in its place (the old object is freed).
void Install(DbTable& db, Entry** e, std::unique_ptr<SetValue> next) {
  *e = db.Overwrite(*e, ValueInit::Object(ValueType::kSet, std::move(next)), /*keep_ttl=*/true);
}

// Applies a mutation of the set stored at *e; returns whether it changed the set.
bool Apply(DbTable& db, Entry** e, SetValue::Mutation m) {
  if (m.replacement != nullptr) Install(db, e, std::move(m.replacement));
  return m.changed;
}

// Adds to a set that is not in a table (a result being built).
void AddOwned(std::unique_ptr<SetValue>* set, std::string_view member, size_t max_intset) {
  SetValue::Mutation m = (*set)->Add(member, max_intset);
  if (m.replacement != nullptr) *set = std::move(m.replacement);
}

// A write lookup that also checks the type: nullptr with *status kNoKey or kWrongType.
Entry* FindSetForWrite(DbTable& db, std::string_view key, int64_t now_ms, OpStatus* status) {
  Entry* e = db.FindLive(key, now_ms);
  if (e == nullptr) {
    *status = OpStatus::kNoKey;
    return nullptr;
  }
  if (e->type() != ValueType::kSet) {
    *status = OpStatus::kWrongType;
    return nullptr;
  }
  *status = OpStatus::kOk;
  return e;
}

// The read-lookup counterpart (hit/miss stats, "keymiss").
const SetValue* FindSetForRead(DbTable& db, std::string_view key, int64_t now_ms,
                               OpStatus* status) {
  Entry* e = db.LookupRead(key, now_ms);
  if (e == nullptr) {
    *status = OpStatus::kNoKey;
    return nullptr;
  }
  if (e->type() != ValueType::kSet) {
    *status = OpStatus::kWrongType;
    return nullptr;
  }
  *status = OpStatus::kOk;
  return AsSet(e);
}

// Deletes the key of a set that just became empty, recording "del".
void DeleteEmptied(DbTable& db, Entry* e, std::string_view key) {
  db.Erase(e);
  db.Notify(kEventGeneric, "del", key);
}

// `count` distinct members of `set` (count < size) in random order.
void DistinctRandomMembers(const SetValue& set, size_t count, Rng& rng,
                           std::vector<std::string>* out) {
  const size_t size = set.size();
  if (count * 3 > size) {
    // Most of the set is wanted: a partial shuffle of all members beats rejection sampling.
    std::vector<std::string> all = set.Members();
    for (size_t i = 0; i < count; ++i) {
      std::swap(all[i], all[i + rng() % (size - i)]);
      out->push_back(std::move(all[i]));
    }
    return;
  }
  std::unordered_set<std::string> seen;
  while (out->size() < count) {
    std::string m = set.RandomMember(rng);
    if (seen.insert(m).second) out->push_back(std::move(m));
  }
}

}  // namespace

Rng& ThreadRng() {
  thread_local Rng rng{std::random_device{}()};
  return rng;
}

size_t MaxIntsetEntries() {
  const int64_t v = GlobalEncodingLimits().set_max_intset_entries.load(std::memory_order_relaxed);
  return v < 0 ? 0 : static_cast<size_t>(v);
}

OpResult<int64_t> OpSAdd(DbTable& db, std::string_view key,
                         const std::vector<std::string_view>& members, int64_t now_ms) {
  Entry* e = db.FindLive(key, now_ms);
  if (e != nullptr && e->type() != ValueType::kSet) return {OpStatus::kWrongType, 0};
  if (e == nullptr) {
    if (members.empty()) return {OpStatus::kOk, 0};
    e = db.AddNew(key, ValueInit::Object(ValueType::kSet, SetValue::CreateFor(members[0])));
  }
  const size_t max_intset = MaxIntsetEntries();
  int64_t added = 0;
  for (std::string_view m : members) {
    if (Apply(db, &e, AsSet(e)->Add(m, max_intset))) ++added;
  }
  if (added > 0) db.Notify(kEventSet, "sadd", key);
  return {OpStatus::kOk, added};
}

OpResult<int64_t> OpSRem(DbTable& db, std::string_view key,
                         const std::vector<std::string_view>& members, int64_t now_ms) {
  OpStatus status;
  Entry* e = FindSetForWrite(db, key, now_ms, &status);
  if (e == nullptr) return {status == OpStatus::kNoKey ? OpStatus::kOk : status, 0};
  int64_t removed = 0;
  bool emptied = false;
  for (std::string_view m : members) {
    if (!Apply(db, &e, AsSet(e)->Remove(m))) continue;
    ++removed;
    if (AsSet(e)->size() == 0) {
      emptied = true;
      break;
    }
  }
  if (removed > 0) db.Notify(kEventSet, "srem", key);
  if (emptied) DeleteEmptied(db, e, key);
  return {OpStatus::kOk, removed};
}

OpResult<int64_t> OpSCard(DbTable& db, std::string_view key, int64_t now_ms) {
  OpStatus status;
  const SetValue* set = FindSetForRead(db, key, now_ms, &status);
  if (set == nullptr) return {status == OpStatus::kNoKey ? OpStatus::kOk : status, 0};
  return {OpStatus::kOk, static_cast<int64_t>(set->size())};
}

OpStatus OpSMIsMember(DbTable& db, std::string_view key,
                      const std::vector<std::string_view>& members, int64_t now_ms,
                      std::vector<bool>* out) {
  OpStatus status;
  const SetValue* set = FindSetForRead(db, key, now_ms, &status);
  if (status == OpStatus::kWrongType) return status;
  for (std::string_view m : members) out->push_back(set != nullptr && set->Contains(m));
  return OpStatus::kOk;
}

OpStatus OpSMembers(DbTable& db, std::string_view key, int64_t now_ms,
                    std::vector<std::string>* out) {
  OpStatus status;
  const SetValue* set = FindSetForRead(db, key, now_ms, &status);
  if (set == nullptr) return status;
  set->ForEach([out](std::string_view m) { out->emplace_back(m); });
  return OpStatus::kOk;
}

OpResult<std::optional<std::string>> OpSPop(DbTable& db, std::string_view key, int64_t now_ms,
                                            Rng& rng) {
  OpStatus status;
  Entry* e = FindSetForWrite(db, key, now_ms, &status);
  if (e == nullptr) {
    return {status == OpStatus::kNoKey ? OpStatus::kOk : status, std::nullopt};
  }
  std::string member = AsSet(e)->RandomMember(rng);
  Apply(db, &e, AsSet(e)->Remove(member));
  db.Notify(kEventSet, "spop", key);
  if (AsSet(e)->size() == 0) DeleteEmptied(db, e, key);
  return {OpStatus::kOk, std::move(member)};
}

OpStatus OpSPopCount(DbTable& db, std::string_view key, uint64_t count, int64_t now_ms, Rng& rng,
                     std::vector<std::string>* out) {
  OpStatus status;
  Entry* e = FindSetForWrite(db, key, now_ms, &status);
  if (e == nullptr) return status == OpStatus::kNoKey ? OpStatus::kOk : status;
  if (count == 0) return OpStatus::kOk;
  db.Notify(kEventSet, "spop", key);
  if (count >= AsSet(e)->size()) {
    AsSet(e)->ForEach([out](std::string_view m) { out->emplace_back(m); });
    DeleteEmptied(db, e, key);
    return OpStatus::kOk;
  }
  for (uint64_t i = 0; i < count; ++i) {
    std::string member = AsSet(e)->RandomMember(rng);
    Apply(db, &e, AsSet(e)->Remove(member));
    out->push_back(std::move(member));
  }
  return OpStatus::kOk;
}

OpResult<std::optional<std::string>> OpSRandMember(DbTable& db, std::string_view key,
                                                   int64_t now_ms, Rng& rng) {
  OpStatus status;
  const SetValue* set = FindSetForRead(db, key, now_ms, &status);
  if (set == nullptr) {
    return {status == OpStatus::kNoKey ? OpStatus::kOk : status, std::nullopt};
  }
  return {OpStatus::kOk, set->RandomMember(rng)};
}

OpStatus OpSRandMemberCount(DbTable& db, std::string_view key, int64_t count, int64_t now_ms,
                            Rng& rng, std::vector<std::string>* out) {
  OpStatus status;
  const SetValue* set = FindSetForRead(db, key, now_ms, &status);
  if (set == nullptr) return status == OpStatus::kNoKey ? OpStatus::kOk : status;
  if (count == 0) return OpStatus::kOk;
  if (count < 0) {
    // Redis accepts -LONG_MAX at most, so the negation cannot overflow.
    for (int64_t i = 0; i < -count; ++i) out->push_back(set->RandomMember(rng));
    return OpStatus::kOk;
  }
  const auto wanted = static_cast<uint64_t>(count);
  if (wanted == 1) {
    out->push_back(set->RandomMember(rng));
  } else if (wanted >= set->size()) {
    set->ForEach([out](std::string_view m) { out->emplace_back(m); });
  } else {
    DistinctRandomMembers(*set, wanted, rng, out);
  }
  return OpStatus::kOk;
}

OpResult<bool> OpSMove(DbTable& db, std::string_view src, std::string_view dst,
                       std::string_view member, int64_t now_ms) {
  Entry* s = db.FindLive(src, now_ms);
  Entry* d = db.FindLive(dst, now_ms);
  if (s == nullptr) return {OpStatus::kNoKey, false};
  if (s->type() != ValueType::kSet || (d != nullptr && d->type() != ValueType::kSet)) {
    return {OpStatus::kWrongType, false};
  }
  if (src == dst) return {OpStatus::kOk, AsSet(s)->Contains(member)};
  if (!Apply(db, &s, AsSet(s)->Remove(member))) return {OpStatus::kOk, false};
  db.Notify(kEventSet, "srem", src);
  if (AsSet(s)->size() == 0) DeleteEmptied(db, s, src);
  if (d == nullptr) {
    d = db.AddNew(dst, ValueInit::Object(ValueType::kSet, SetValue::CreateFor(member)));
  }
  if (Apply(db, &d, AsSet(d)->Add(member, MaxIntsetEntries()))) {
    db.Notify(kEventSet, "sadd", dst);
  }
  return {OpStatus::kOk, true};
}

OpStatus OpSetTypeCheck(DbTable& db, std::string_view key, int64_t now_ms) {
  OpStatus status;
  FindSetForWrite(db, key, now_ms, &status);
  return status;
}

OpResult<bool> OpSMoveTake(DbTable& db, std::string_view src, std::string_view member,
                           bool dst_wrong_type, int64_t now_ms) {
  OpStatus status;
  Entry* s = FindSetForWrite(db, src, now_ms, &status);
  if (s == nullptr) return {status, false};
  if (dst_wrong_type) return {OpStatus::kWrongType, false};
  if (!Apply(db, &s, AsSet(s)->Remove(member))) return {OpStatus::kOk, false};
  db.Notify(kEventSet, "srem", src);
  if (AsSet(s)->size() == 0) DeleteEmptied(db, s, src);
  return {OpStatus::kOk, true};
}

OpStatus OpFindSet(DbTable& db, std::string_view key, bool for_store, int64_t now_ms,
                   const SetValue** out) {
  OpStatus status;
  if (for_store) {
    Entry* e = FindSetForWrite(db, key, now_ms, &status);
    *out = e == nullptr ? nullptr : AsSet(e);
  } else {
    *out = FindSetForRead(db, key, now_ms, &status);
  }
  return status == OpStatus::kNoKey ? OpStatus::kOk : status;
}

OpStatus CloneSetForRead(DbTable& db, std::string_view key, bool for_store, int64_t now_ms,
                         std::unique_ptr<SetValue>* out) {
  const SetValue* set = nullptr;
  OpStatus status = OpFindSet(db, key, for_store, now_ms, &set);
  if (set != nullptr) out->reset(static_cast<SetValue*>(set->Clone().release()));
  return status;
}

std::unique_ptr<SetValue> ComputeInter(const std::vector<const SetValue*>& sets) {
  std::unique_ptr<SetValue> result = SetValue::CreateIntSet();
  if (sets.empty() || std::find(sets.begin(), sets.end(), nullptr) != sets.end()) return result;
  // Walk the smallest set and probe the others, as Redis does.
  std::vector<const SetValue*> order(sets);
  std::sort(order.begin(), order.end(),
            [](const SetValue* a, const SetValue* b) { return a->size() < b->size(); });
  const size_t max_intset = MaxIntsetEntries();
  order[0]->ForEach([&](std::string_view m) {
    for (size_t j = 1; j < order.size(); ++j) {
      if (order[j] != order[0] && !order[j]->Contains(m)) return;
    }
    AddOwned(&result, m, max_intset);
  });
  return result;
}

int64_t ComputeInterCard(const std::vector<const SetValue*>& sets, int64_t limit) {
  if (sets.empty() || std::find(sets.begin(), sets.end(), nullptr) != sets.end()) return 0;
  std::vector<const SetValue*> order(sets);
  std::sort(order.begin(), order.end(),
            [](const SetValue* a, const SetValue* b) { return a->size() < b->size(); });
  int64_t count = 0;
  // ForEach cannot stop early; once the limit is reached the rest is skipped cheaply.
  order[0]->ForEach([&](std::string_view m) {
    if (limit > 0 && count >= limit) return;
    for (size_t j = 1; j < order.size(); ++j) {
      if (order[j] != order[0] && !order[j]->Contains(m)) return;
    }
    ++count;
  });
  return count;
}

std::unique_ptr<SetValue> ComputeUnion(const std::vector<const SetValue*>& sets) {
  std::unique_ptr<SetValue> result = SetValue::CreateIntSet();
  const size_t max_intset = MaxIntsetEntries();
  for (const SetValue* set : sets) {
    if (set == nullptr) continue;
    set->ForEach([&](std::string_view m) { AddOwned(&result, m, max_intset); });
  }
  return result;
}

std::unique_ptr<SetValue> ComputeDiff(const std::vector<const SetValue*>& sets) {
  std::unique_ptr<SetValue> result = SetValue::CreateIntSet();
  if (sets.empty() || sets[0] == nullptr) return result;
  const size_t max_intset = MaxIntsetEntries();
  sets[0]->ForEach([&](std::string_view m) {
    for (size_t j = 1; j < sets.size(); ++j) {
      if (sets[j] != nullptr && sets[j]->Contains(m)) return;
    }
    AddOwned(&result, m, max_intset);
  });
  return result;
}

int64_t OpStoreSet(DbTable& db, std::string_view dst, std::unique_ptr<SetValue> result,
                   const char* event, int64_t now_ms) {
  const auto size = static_cast<int64_t>(result == nullptr ? 0 : result->size());
  if (size == 0) {
    if (Entry* e = db.FindLive(dst, now_ms)) DeleteEmptied(db, e, dst);
    return 0;
  }
  db.Upsert(dst, ValueInit::Object(ValueType::kSet, std::move(result)), /*keep_ttl=*/false, now_ms);
  db.Notify(kEventSet, event, dst);
  return size;
}

OpResult<uint64_t> OpSScan(DbTable& db, std::string_view key, uint64_t cursor, size_t count,
                           std::optional<std::string_view> pattern, int64_t now_ms,
                           std::vector<std::string>* out) {
  OpStatus status;
  const SetValue* set = FindSetForRead(db, key, now_ms, &status);
  if (set == nullptr) return {status == OpStatus::kNoKey ? OpStatus::kOk : status, 0};
  const size_t start = out->size();
  const uint64_t next = set->Scan(cursor, count, out);
  // Redis filters after collecting, so a call may return fewer than COUNT members; a lone "*"
  // matches everything (even "", which the glob itself never matches).
  if (pattern.has_value() && *pattern != "*") {
    auto first = out->begin() + static_cast<std::ptrdiff_t>(start);
    out->erase(std::remove_if(first, out->end(),
                              [&](const std::string& m) { return !GlobMatch(*pattern, m); }),
               out->end());
  }
  return {OpStatus::kOk, next};
}

}  // namespace tessera::storage
