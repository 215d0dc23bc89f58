#include "storage/zset_value.h"

#include "storage/encoding_limits.h"
#include "storage/score.h"

namespace tessera::storage {
namespace {

size_t MaxEntries() {
  const int64_t v =
      GlobalEncodingLimits().zset_max_listpack_entries.load(std::memory_order_relaxed);
  return v < 0 ? 0 : static_cast<size_t>(v);
}

size_t MaxValue() {
  const int64_t v = GlobalEncodingLimits().zset_max_listpack_value.load(std::memory_order_relaxed);
  return v < 0 ? 0 : static_cast<size_t>(v);
}

// A score as the packed encoding keeps it. Redis stores integral scores as listpack integers,
// so -0 is packed as the integer 0 and reads back as +0 (unlike in the skiplist encoding).
std::string_view PackedScoreText(double score, char (&buf)[kScoreBufSize]) {
  return std::string_view(buf, FormatPackedScore(score, buf));
}

double ScoreOf(const Listpack::Value& v) {
  return v.is_int ? static_cast<double>(v.integer) : ParseStoredScore(v.str);
}

}  // namespace

// ---- Iterator.

void ZSetValue::Iterator::Load() {
  if (!lp_cursor_.Valid()) return;
  Listpack::Value v;
  lp_cursor_.Read(&v);
  member_is_int_ = v.is_int;
  if (v.is_int) {
    member_int_len_ = FormatInt64(v.integer, member_buf_);
  } else {
    member_str_ = v.str;
  }
  Listpack::Cursor score_cursor = lp_cursor_;
  score_cursor.Next();
  score_cursor.Read(&v);
  score_ = ScoreOf(v);
}

void ZSetValue::Iterator::Next() {
  if (!packed_) {
    node_ = node_->next();
    return;
  }
  lp_cursor_.Next();
  lp_cursor_.Next();
  Load();
}

void ZSetValue::Iterator::Prev() {
  if (!packed_) {
    node_ = node_->prev();
    return;
  }
  // Stepping back from the first pair leaves the cursor invalid, which is the end.
  if (lp_cursor_.index() < 2) {
    lp_cursor_ = Listpack::Cursor();
    return;
  }
  lp_cursor_.Prev();
  lp_cursor_.Prev();
  Load();
}

std::string_view ZSetValue::Iterator::member() const {
  if (!packed_) return node_->member();
  return member_is_int_ ? std::string_view(member_buf_, member_int_len_) : member_str_;
}

// ---- Construction.

std::unique_ptr<ZSetValue> ZSetValue::Create(size_t first_member_len) {
  auto z = std::make_unique<ZSetValue>();
  if (MaxEntries() == 0 || first_member_len > MaxValue()) z->ConvertToSkipList();
  return z;
}

std::unique_ptr<ZSetValue> ZSetValue::FromSorted(const std::vector<ScoredMember>& members) {
  auto z = std::make_unique<ZSetValue>();
  bool fits = members.size() <= MaxEntries();
  const size_t max_value = MaxValue();
  for (size_t i = 0; fits && i < members.size(); ++i) fits = members[i].member.size() <= max_value;
  if (!fits) {
    z->skiplist_ = std::make_unique<SkipList>();
    for (const ScoredMember& m : members) z->skiplist_->Insert(m.member, m.score);
    return z;
  }
  char buf[kScoreBufSize];
  for (const ScoredMember& m : members) {
    z->lp_.PushBack(m.member);
    z->lp_.PushBack(PackedScoreText(m.score, buf));
  }
  return z;
}

ZSetValue::ZSetValue() = default;

ZSetValue::ZSetValue(const ZSetValue& other) : StoredObject(), lp_(other.lp_) {
  if (other.skiplist_ != nullptr) skiplist_ = std::make_unique<SkipList>(*other.skiplist_);
}

ZSetValue::~ZSetValue() = default;

std::unique_ptr<StoredObject> ZSetValue::Clone() const {
  return std::make_unique<ZSetValue>(*this);
}

size_t ZSetValue::MemoryUsage() const {
  return sizeof(*this) + (packed() ? lp_.bytes() : skiplist_->MemoryUsage());
}

// ---- Packed helpers.

size_t ZSetValue::PackedFind(std::string_view member) const { return lp_.Find(member, 0, 2); }

double ZSetValue::PackedScoreAt(size_t member_index) const {
  Listpack::Value v;
  lp_.Get(member_index + 1, &v);
  return ScoreOf(v);
}

void ZSetValue::PackedInsert(std::string_view member, double score) {
  // The first pair that sorts after (score, member) is where the new pair goes.
  size_t index = 0;
  for (Iterator it = Begin(); it.Valid(); it.Next(), index += 2) {
    if (it.score() > score || (it.score() == score && it.member() > member)) break;
  }
  char buf[kScoreBufSize];
  lp_.Insert(index, member);
  lp_.Insert(index + 1, PackedScoreText(score, buf));
}

// ---- Lookups.

bool ZSetValue::Score(std::string_view member, double* score) const {
  if (!packed()) {
    const SkipList::Node* n = skiplist_->Find(member);
    if (n == nullptr) return false;
    *score = n->score();
    return true;
  }
  const size_t index = PackedFind(member);
  if (index >= lp_.size()) return false;
  *score = PackedScoreAt(index);
  return true;
}

bool ZSetValue::Rank(std::string_view member, size_t* rank) const {
  if (!packed()) {
    const SkipList::Node* n = skiplist_->Find(member);
    if (n == nullptr) return false;
    *rank = skiplist_->Rank(n);
    return true;
  }
  const size_t index = PackedFind(member);
  if (index >= lp_.size()) return false;
  *rank = index / 2;
  return true;
}

// ---- Mutations.

void ZSetValue::Insert(std::string_view member, double score) {
  if (packed() && (size() + 1 > MaxEntries() || member.size() > MaxValue())) ConvertToSkipList();
  if (!packed()) {
    skiplist_->Insert(member, score);
    return;
  }
  PackedInsert(member, score);
}

void ZSetValue::Update(std::string_view member, double score) {
  if (!packed()) {
    SkipList::Node* n = skiplist_->Find(member);
    if (n != nullptr) skiplist_->UpdateScore(n, score);
    return;
  }
  const size_t index = PackedFind(member);
  if (index >= lp_.size()) return;
  // The member's bytes live in the listpack: copy them before the pair is erased.
  const std::string copy(Iterator(At(index / 2)).member());
  lp_.Erase(index, 2);
  PackedInsert(copy, score);
}

bool ZSetValue::Erase(std::string_view member) {
  if (!packed()) {
    SkipList::Node* n = skiplist_->Find(member);
    if (n == nullptr) return false;
    skiplist_->Erase(n);
    return true;
  }
  const size_t index = PackedFind(member);
  if (index >= lp_.size()) return false;
  lp_.Erase(index, 2);
  return true;
}

size_t ZSetValue::EraseRanks(size_t start, size_t end) {
  const size_t n = size();
  if (start >= n || start > end) return 0;
  if (end >= n) end = n - 1;
  if (!packed()) return skiplist_->EraseRanks(start, end);
  lp_.Erase(start * 2, (end - start + 1) * 2);
  return end - start + 1;
}

// ---- Iteration.

ZSetValue::Iterator ZSetValue::At(size_t rank) const {
  Iterator it;
  it.packed_ = packed();
  if (!packed()) {
    it.node_ = skiplist_->AtRank(rank);
    return it;
  }
  if (rank < size()) {
    it.lp_cursor_ = lp_.At(rank * 2);
    it.Load();
  }
  return it;
}

uint64_t ZSetValue::Scan(uint64_t cursor, size_t count, std::vector<ScoredMember>* out) const {
  if (packed()) {
    for (Iterator it = Begin(); it.Valid(); it.Next()) {
      out->push_back(ScoredMember{std::string(it.member()), it.score()});
    }
    return 0;
  }
  size_t visits = count * 10;
  const size_t target = out->size() + count;
  do {
    cursor = skiplist_->ScanStep(cursor, [out](const SkipList::Node& n) {
      out->push_back(ScoredMember{std::string(n.member()), n.score()});
    });
  } while (cursor != 0 && visits-- > 0 && out->size() < target);
  return cursor;
}

std::vector<ScoredMember> ZSetValue::ToVector() const {
  std::vector<ScoredMember> out;
  out.reserve(size());
  for (Iterator it = Begin(); it.Valid(); it.Next()) {
    out.push_back(ScoredMember{std::string(it.member()), it.score()});
  }
  return out;
}

// ---- Conversions.

void ZSetValue::ConvertToSkipList() {
  if (!packed()) return;
  auto list = std::make_unique<SkipList>();
  for (Iterator it = Begin(); it.Valid(); it.Next()) list->Insert(it.member(), it.score());
  lp_.Clear();
  skiplist_ = std::move(list);
}

void ZSetValue::ConvertToPackedIfFits() {
  if (packed() || skiplist_->size() > MaxEntries()) return;
  const size_t max_value = MaxValue();
  for (const SkipList::Node* n = skiplist_->first(); n != nullptr; n = n->next()) {
    if (n->member().size() > max_value) return;
  }
  Listpack lp;
  char buf[kScoreBufSize];
  for (const SkipList::Node* n = skiplist_->first(); n != nullptr; n = n->next()) {
    lp.PushBack(n->member());
    lp.PushBack(PackedScoreText(n->score(), buf));
  }
  lp_ = std::move(lp);
  skiplist_.reset();
}

}  // namespace tessera::storage
