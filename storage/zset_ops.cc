#include "storage/zset_ops.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <unordered_map>
#include <utility>

#include "storage/glob.h"
#include "storage/key_hash.h"
#include "storage/set_value.h"

namespace tessera::storage {
namespace {

ZSetValue* AsZSet(Entry* e) { return static_cast<ZSetValue*>(e->object()); }

ZSetValue* ZSetOf(Entry* e, OpStatus* status) {
  if (e == nullptr) {
    *status = OpStatus::kNoKey;
    return nullptr;
  }
  if (e->type() != ValueType::kZSet) {
    *status = OpStatus::kWrongType;
    return nullptr;
  }
  *status = OpStatus::kOk;
  return AsZSet(e);
}

// Removes the key once its set is empty, as every zset write does ("del").
void DeleteIfEmpty(DbTable& db, std::string_view key, const ZSetValue* z) {
  if (!z->empty()) return;
  // The key view may point into the entry being erased: copy it for the event.
  const std::string name(key);
  db.EraseKey(name);
  db.Notify(kEventGeneric, "del", name);
}

std::mt19937_64& Random() {
  thread_local std::mt19937_64 rng{RandomHashSeed()};
  return rng;
}

// Normalises Redis's [start, end] rank arguments against `size`; false when nothing is selected.
bool ClampRanks(int64_t start, int64_t end, size_t size, size_t* lo, size_t* hi) {
  const int64_t n = static_cast<int64_t>(size);
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  if (start > end || start >= n) return false;
  if (end >= n) end = n - 1;
  *lo = static_cast<size_t>(start);
  *hi = static_cast<size_t>(end);
  return true;
}

// First rank in a score / lex range (the rank of the first element not below it).
size_t FirstInScoreRange(const ZSetValue& z, const ScoreRange& r) {
  return z.CountPrefix([&r](double score, std::string_view) { return !r.AboveMin(score); });
}
// One past the last rank whose element is not above the range's max.
size_t EndOfScoreRange(const ZSetValue& z, const ScoreRange& r) {
  return z.CountPrefix([&r](double score, std::string_view) { return r.BelowMax(score); });
}
size_t FirstInLexRange(const ZSetValue& z, const LexRange& r) {
  return z.CountPrefix([&r](double, std::string_view m) { return !r.AboveMin(m); });
}
size_t EndOfLexRange(const ZSetValue& z, const LexRange& r) {
  return z.CountPrefix([&r](double, std::string_view m) { return r.BelowMax(m); });
}

// The ranks [lo, hi) a score or lex spec covers (lo >= hi when none).
std::pair<size_t, size_t> RangeRanks(const ZSetValue& z, const ZRangeSpec& spec) {
  if (spec.by == ZRangeSpec::By::kScore) {
    if (spec.score.Empty()) return {0, 0};
    return {FirstInScoreRange(z, spec.score), EndOfScoreRange(z, spec.score)};
  }
  if (spec.lex.Empty()) return {0, 0};
  return {FirstInLexRange(z, spec.lex), EndOfLexRange(z, spec.lex)};
}

}  // namespace

ZSetValue* FindZSetForWrite(DbTable& db, std::string_view key, int64_t now_ms, OpStatus* status) {
  return ZSetOf(db.FindLive(key, now_ms), status);
}

const ZSetValue* FindZSetForRead(DbTable& db, std::string_view key, int64_t now_ms,
                                 OpStatus* status) {
  return ZSetOf(db.LookupRead(key, now_ms), status);
}

// ---- ZADD.

ZAddResult OpZAdd(DbTable& db, std::string_view key, const ZAddParams& params,
                  const std::vector<ZAddElement>& elements, int64_t now_ms) {
  ZAddResult result;
  Entry* e = db.FindLive(key, now_ms);
  if (e != nullptr && e->type() != ValueType::kZSet) {
    result.status = OpStatus::kWrongType;
    return result;
  }
  if (e == nullptr) {
    if (params.xx || elements.empty()) return result;
    e = db.AddNew(
        key, ValueInit::Object(ValueType::kZSet, ZSetValue::Create(elements[0].member.size())));
  }
  ZSetValue* z = AsZSet(e);
  for (const ZAddElement& el : elements) {
    double score = el.score;
    double current;
    if (z->Score(el.member, &current)) {
      if (params.nx) continue;
      if (params.incr) {
        score += current;
        if (std::isnan(score)) {
          result.nan = true;
          break;
        }
      }
      if ((params.lt && score >= current) || (params.gt && score <= current)) continue;
      ++result.processed;
      result.score = score;
      if (score != current) {
        z->Update(el.member, score);
        ++result.updated;
      }
    } else if (!params.xx) {
      z->Insert(el.member, score);
      ++result.added;
      ++result.processed;
      result.score = score;
    }
  }
  if (result.added > 0 || result.updated > 0) {
    db.Notify(kEventZSet, params.incr ? "zincr" : "zadd", key);
  }
  return result;
}

// ---- Single-key reads and ZREM.

OpResult<int64_t> OpZRem(DbTable& db, std::string_view key,
                         const std::vector<std::string_view>& members, int64_t now_ms) {
  OpResult<int64_t> r;
  ZSetValue* z = FindZSetForWrite(db, key, now_ms, &r.status);
  if (z == nullptr) {
    if (r.status == OpStatus::kNoKey) r.status = OpStatus::kOk;
    return r;
  }
  for (std::string_view m : members) {
    if (z->Erase(m)) ++r.value;
    if (z->empty()) break;
  }
  if (r.value > 0) {
    db.Notify(kEventZSet, "zrem", key);
    DeleteIfEmpty(db, key, z);
  }
  return r;
}

OpResult<int64_t> OpZCard(DbTable& db, std::string_view key, int64_t now_ms) {
  OpResult<int64_t> r;
  const ZSetValue* z = FindZSetForRead(db, key, now_ms, &r.status);
  if (r.status == OpStatus::kNoKey) r.status = OpStatus::kOk;
  if (z != nullptr) r.value = static_cast<int64_t>(z->size());
  return r;
}

OpResult<double> OpZScore(DbTable& db, std::string_view key, std::string_view member,
                          int64_t now_ms) {
  OpResult<double> r;
  const ZSetValue* z = FindZSetForRead(db, key, now_ms, &r.status);
  if (z != nullptr && !z->Score(member, &r.value)) r.status = OpStatus::kNoKey;
  return r;
}

OpStatus OpZMScore(DbTable& db, std::string_view key, const std::vector<std::string_view>& members,
                   int64_t now_ms, std::vector<std::optional<double>>* out) {
  OpStatus status;
  const ZSetValue* z = FindZSetForRead(db, key, now_ms, &status);
  if (status == OpStatus::kWrongType) return status;
  for (std::string_view m : members) {
    double score;
    if (z != nullptr && z->Score(m, &score)) {
      out->push_back(score);
    } else {
      out->push_back(std::nullopt);
    }
  }
  return OpStatus::kOk;
}

OpResult<int64_t> OpZRank(DbTable& db, std::string_view key, std::string_view member, bool reverse,
                          int64_t now_ms) {
  OpResult<int64_t> r;
  const ZSetValue* z = FindZSetForRead(db, key, now_ms, &r.status);
  if (z == nullptr) return r;
  size_t rank;
  if (!z->Rank(member, &rank)) {
    r.status = OpStatus::kNoKey;
    return r;
  }
  r.value = static_cast<int64_t>(reverse ? z->size() - 1 - rank : rank);
  return r;
}

OpResult<int64_t> OpZCount(DbTable& db, std::string_view key, const ScoreRange& range,
                           int64_t now_ms) {
  OpResult<int64_t> r;
  const ZSetValue* z = FindZSetForRead(db, key, now_ms, &r.status);
  if (r.status == OpStatus::kNoKey) r.status = OpStatus::kOk;
  if (z == nullptr || range.Empty()) return r;
  const size_t lo = FirstInScoreRange(*z, range);
  const size_t hi = EndOfScoreRange(*z, range);
  r.value = hi > lo ? static_cast<int64_t>(hi - lo) : 0;
  return r;
}

OpResult<int64_t> OpZLexCount(DbTable& db, std::string_view key, const LexRange& range,
                              int64_t now_ms) {
  OpResult<int64_t> r;
  const ZSetValue* z = FindZSetForRead(db, key, now_ms, &r.status);
  if (r.status == OpStatus::kNoKey) r.status = OpStatus::kOk;
  if (z == nullptr || range.Empty()) return r;
  const size_t lo = FirstInLexRange(*z, range);
  const size_t hi = EndOfLexRange(*z, range);
  r.value = hi > lo ? static_cast<int64_t>(hi - lo) : 0;
  return r;
}

// ---- Ranges.

void ZRangeOf(const ZSetValue& z, const ZRangeSpec& spec, std::vector<ScoredMember>* out) {
  auto emit = [out](const ZSetValue::Iterator& it) {
    out->push_back(ScoredMember{std::string(it.member()), it.score()});
  };
  if (spec.by == ZRangeSpec::By::kRank) {
    size_t lo, hi;
    if (!ClampRanks(spec.start, spec.end, z.size(), &lo, &hi)) return;
    // Z[REV]RANGE counts ranks from the high end when reversed.
    const size_t first = spec.reverse ? z.size() - 1 - lo : lo;
    ZSetValue::Iterator it = z.At(first);
    for (size_t n = hi - lo + 1; n > 0 && it.Valid(); --n) {
      emit(it);
      if (spec.reverse) {
        it.Prev();
      } else {
        it.Next();
      }
    }
    return;
  }
  // Redis walks `offset` elements into the range before emitting, so a negative offset (which
  // never counts down to zero) selects nothing; a negative limit means "all".
  if (spec.offset < 0 || (spec.offset > 0 && static_cast<size_t>(spec.offset) >= z.size())) {
    return;
  }
  const auto [lo, hi] = RangeRanks(z, spec);
  if (lo >= hi) return;
  const size_t in_range = hi - lo;
  const size_t offset = static_cast<size_t>(spec.offset);
  if (offset >= in_range) return;
  size_t count = in_range - offset;
  if (spec.limit >= 0 && static_cast<size_t>(spec.limit) < count) {
    count = static_cast<size_t>(spec.limit);
  }
  ZSetValue::Iterator it = z.At(spec.reverse ? hi - 1 - offset : lo + offset);
  for (; count > 0 && it.Valid(); --count) {
    emit(it);
    if (spec.reverse) {
      it.Prev();
    } else {
      it.Next();
    }
  }
}

OpStatus OpZRange(DbTable& db, std::string_view key, const ZRangeSpec& spec, int64_t now_ms,
                  std::vector<ScoredMember>* out) {
  OpStatus status;
  const ZSetValue* z = FindZSetForRead(db, key, now_ms, &status);
  if (z != nullptr) ZRangeOf(*z, spec, out);
  return status;
}

OpResult<int64_t> OpZRemRange(DbTable& db, std::string_view key, const ZRangeSpec& spec,
                              int64_t now_ms) {
  OpResult<int64_t> r;
  ZSetValue* z = FindZSetForWrite(db, key, now_ms, &r.status);
  if (z == nullptr) {
    if (r.status == OpStatus::kNoKey) r.status = OpStatus::kOk;
    return r;
  }
  size_t lo = 0;
  size_t end = 0;  // exclusive
  const char* event = "zremrangebyrank";
  if (spec.by == ZRangeSpec::By::kRank) {
    size_t hi;
    if (!ClampRanks(spec.start, spec.end, z->size(), &lo, &hi)) return r;
    end = hi + 1;
  } else {
    event = spec.by == ZRangeSpec::By::kScore ? "zremrangebyscore" : "zremrangebylex";
    std::tie(lo, end) = RangeRanks(*z, spec);
  }
  if (lo >= end) return r;
  r.value = static_cast<int64_t>(z->EraseRanks(lo, end - 1));
  db.Notify(kEventZSet, event, key);
  DeleteIfEmpty(db, key, z);
  return r;
}

int64_t OpZStore(DbTable& db, std::string_view key, const std::vector<ScoredMember>& members,
                 const char* event, int64_t now_ms) {
  if (members.empty()) {
    if (Entry* e = db.FindLive(key, now_ms)) {
      db.Erase(e);
      db.Notify(kEventGeneric, "del", key);
    }
    return 0;
  }
  db.Upsert(key, ValueInit::Object(ValueType::kZSet, ZSetValue::FromSorted(members)),
            /*keep_ttl=*/false, now_ms);
  db.Notify(kEventZSet, event, key);
  return static_cast<int64_t>(members.size());
}

// ---- Pops.

OpStatus OpZPop(DbTable& db, std::string_view key, bool max, int64_t count, int64_t now_ms,
                std::vector<ScoredMember>* out) {
  OpStatus status;
  ZSetValue* z = FindZSetForWrite(db, key, now_ms, &status);
  if (z == nullptr || count <= 0) return status;
  const size_t n = std::min(static_cast<size_t>(count), z->size());
  ZSetValue::Iterator it = max ? z->Last() : z->Begin();
  for (size_t i = 0; i < n; ++i) {
    out->push_back(ScoredMember{std::string(it.member()), it.score()});
    if (max) {
      it.Prev();
    } else {
      it.Next();
    }
  }
  if (max) {
    z->EraseRanks(z->size() - n, z->size() - 1);
  } else {
    z->EraseRanks(0, n - 1);
  }
  db.Notify(kEventZSet, max ? "zpopmax" : "zpopmin", key);
  DeleteIfEmpty(db, key, z);
  return OpStatus::kOk;
}

// ---- ZRANDMEMBER.

OpStatus OpZRandMember(DbTable& db, std::string_view key, int64_t count, int64_t now_ms,
                       std::vector<ScoredMember>* out) {
  OpStatus status;
  const ZSetValue* z = FindZSetForRead(db, key, now_ms, &status);
  if (z == nullptr) return status;
  const size_t size = z->size();
  if (count == 0 || size == 0) return OpStatus::kOk;
  // A packed set is walked linearly by rank, so copy it once rather than per pick.
  std::vector<ScoredMember> all;
  if (z->packed()) all = z->ToVector();
  auto at = [&](size_t rank) {
    if (z->packed()) return all[rank];
    const ZSetValue::Iterator it = z->At(rank);
    return ScoredMember{std::string(it.member()), it.score()};
  };
  std::mt19937_64& rng = Random();
  std::uniform_int_distribution<size_t> pick(0, size - 1);
  if (count < 0 || count == 1) {
    // Independent picks (repetitions allowed), Redis's "CASE 1".
    const uint64_t n = count < 0 ? -static_cast<uint64_t>(count) : 1;
    // Reserve a bounded amount: a huge count must fail as the reply grows, not up front.
    out->reserve(out->size() + static_cast<size_t>(std::min<uint64_t>(n, 4096)));
    for (uint64_t i = 0; i < n; ++i) out->push_back(at(pick(rng)));
    return OpStatus::kOk;
  }
  if (static_cast<uint64_t>(count) >= size) {
    // The whole set ("CASE 2"), in the order Redis's zset iterator walks it: from the top.
    for (size_t r = size; r > 0; --r) out->push_back(at(r - 1));
    return OpStatus::kOk;
  }
  // Distinct members in random order: a partial Fisher-Yates shuffle over the ranks.
  std::vector<size_t> ranks(size);
  for (size_t i = 0; i < size; ++i) ranks[i] = i;
  for (size_t i = 0; i < static_cast<size_t>(count); ++i) {
    std::uniform_int_distribution<size_t> rest(i, size - 1);
    std::swap(ranks[i], ranks[rest(rng)]);
    out->push_back(at(ranks[i]));
  }
  return OpStatus::kOk;
}

// ---- ZSCAN.

uint64_t ZScanOf(const ZSetValue& z, uint64_t cursor, size_t count,
                 std::optional<std::string_view> pattern, std::vector<ScoredMember>* out) {
  const size_t first = out->size();
  const uint64_t next = z.Scan(cursor, count, out);
  // Redis filters after collecting; "*" matches everything and is skipped there too.
  if (pattern && *pattern != "*") {
    auto kept = std::remove_if(out->begin() + first, out->end(), [&](const ScoredMember& m) {
      return !GlobMatch(*pattern, m.member);
    });
    out->erase(kept, out->end());
  }
  return next;
}

// ---- Set algebra.

OpStatus OpZReadInput(DbTable& db, std::string_view key, int64_t now_ms, ZInput* out) {
  Entry* e = db.LookupRead(key, now_ms);
  out->members.clear();
  if (e == nullptr) {
    out->kind = ZInput::Kind::kMissing;
    return OpStatus::kOk;
  }
  if (e->type() == ValueType::kZSet) {
    out->kind = ZInput::Kind::kZSet;
    out->members = AsZSet(e)->ToVector();
    return OpStatus::kOk;
  }
  if (e->type() == ValueType::kSet) {
    out->kind = ZInput::Kind::kSet;
    const auto* set = static_cast<const SetValue*>(e->object());
    out->members.reserve(set->size());
    set->ForEach([out](std::string_view m) {
      out->members.push_back(ScoredMember{std::string(m), 1.0});
    });
    return OpStatus::kOk;
  }
  return OpStatus::kWrongType;
}

namespace {

void Aggregate(double* target, double value, ZAggregate aggregate) {
  switch (aggregate) {
    case ZAggregate::kSum:
      *target += value;
      // inf + -inf: Redis's convention is 0.
      if (std::isnan(*target)) *target = 0.0;
      break;
    case ZAggregate::kMin:
      *target = value < *target ? value : *target;
      break;
    case ZAggregate::kMax:
      *target = value > *target ? value : *target;
      break;
  }
}

bool ByScoreThenMember(const ScoredMember& a, const ScoredMember& b) {
  return a.score < b.score || (a.score == b.score && a.member < b.member);
}

// Input indexes sorted by size, smallest first, stably (glibc's qsort is a merge sort, so
// Redis keeps argument order between equal sizes; the order decides how sums round).
std::vector<size_t> BySize(const std::vector<const ZInput*>& inputs) {
  std::vector<size_t> order(inputs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&inputs](size_t a, size_t b) {
    return inputs[a]->members.size() < inputs[b]->members.size();
  });
  return order;
}

using ScoreIndex = std::unordered_map<std::string_view, double>;

ScoreIndex IndexOf(const ZInput& input) {
  ScoreIndex index;
  index.reserve(input.members.size());
  for (const ScoredMember& m : input.members) index.emplace(m.member, m.score);
  return index;
}

}  // namespace

std::vector<ScoredMember> ZUnion(const std::vector<const ZInput*>& inputs,
                                 const std::vector<double>& weights, ZAggregate aggregate) {
  std::unordered_map<std::string_view, double> acc;
  std::vector<std::string_view> order;  // first-seen order, for a deterministic build
  for (size_t i : BySize(inputs)) {
    for (const ScoredMember& m : inputs[i]->members) {
      double score = weights[i] * m.score;
      if (std::isnan(score)) score = 0;
      auto [it, inserted] = acc.emplace(m.member, score);
      if (inserted) {
        order.push_back(m.member);
      } else {
        Aggregate(&it->second, score, aggregate);
      }
    }
  }
  std::vector<ScoredMember> out;
  out.reserve(order.size());
  for (std::string_view m : order) out.push_back(ScoredMember{std::string(m), acc[m]});
  std::sort(out.begin(), out.end(), ByScoreThenMember);
  return out;
}

std::vector<ScoredMember> ZInter(const std::vector<const ZInput*>& inputs,
                                 const std::vector<double>& weights, ZAggregate aggregate) {
  std::vector<ScoredMember> out;
  const std::vector<size_t> order = BySize(inputs);
  if (order.empty() || inputs[order[0]]->members.empty()) return out;
  std::vector<ScoreIndex> indexes(order.size());
  for (size_t j = 1; j < order.size(); ++j) indexes[j] = IndexOf(*inputs[order[j]]);
  for (const ScoredMember& m : inputs[order[0]]->members) {
    double score = weights[order[0]] * m.score;
    if (std::isnan(score)) score = 0;
    bool everywhere = true;
    for (size_t j = 1; j < order.size() && everywhere; ++j) {
      auto it = indexes[j].find(m.member);
      if (it == indexes[j].end()) {
        everywhere = false;
      } else {
        // Unlike the first factor, a NaN product here is aggregated as is (Redis does so).
        Aggregate(&score, it->second * weights[order[j]], aggregate);
      }
    }
    if (everywhere) out.push_back(ScoredMember{m.member, score});
  }
  std::sort(out.begin(), out.end(), ByScoreThenMember);
  return out;
}

std::vector<ScoredMember> ZDiff(const std::vector<const ZInput*>& inputs) {
  std::vector<ScoredMember> out;
  if (inputs.empty() || inputs[0]->members.empty()) return out;
  std::vector<ScoreIndex> indexes(inputs.size());
  for (size_t j = 1; j < inputs.size(); ++j) indexes[j] = IndexOf(*inputs[j]);
  for (const ScoredMember& m : inputs[0]->members) {
    bool elsewhere = false;
    for (size_t j = 1; j < inputs.size() && !elsewhere; ++j) {
      elsewhere = indexes[j].count(m.member) > 0;
    }
    if (!elsewhere) out.push_back(m);
  }
  std::sort(out.begin(), out.end(), ByScoreThenMember);
  return out;
}

int64_t ZInterCard(const std::vector<const ZInput*>& inputs, int64_t limit) {
  const std::vector<size_t> order = BySize(inputs);
  if (order.empty() || inputs[order[0]]->members.empty()) return 0;
  std::vector<ScoreIndex> indexes(order.size());
  for (size_t j = 1; j < order.size(); ++j) indexes[j] = IndexOf(*inputs[order[j]]);
  int64_t count = 0;
  for (const ScoredMember& m : inputs[order[0]]->members) {
    bool everywhere = true;
    for (size_t j = 1; j < order.size() && everywhere; ++j) {
      everywhere = indexes[j].count(m.member) > 0;
    }
    if (everywhere && ++count == limit) break;
  }
  return count;
}

}  // namespace tessera::storage
