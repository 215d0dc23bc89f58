#include "storage/db_table.h"

#include <cassert>
#include <utility>

#include "storage/key_hash.h"

namespace tessera::storage {

DetachedEntry::DetachedEntry(DetachedEntry&& other) noexcept
    : entry_(other.release()), expire_at_ms_(other.expire_at_ms_) {}

DetachedEntry& DetachedEntry::operator=(DetachedEntry&& other) noexcept {
  if (this != &other) {
    Entry::Destroy(entry_);
    expire_at_ms_ = other.expire_at_ms_;
    entry_ = other.release();
  }
  return *this;
}

DetachedEntry::~DetachedEntry() { Entry::Destroy(entry_); }

DbTable::DbTable(int db_index, ChangeRecorder* recorder)
    : db_index_(db_index),
      recorder_(recorder),
      keys_(RandomHashSeed()),
      random_state_(RandomHashSeed() | 1) {}

DbTable::~DbTable() { Clear(); }

int64_t DbTable::AvgTtlMs(int64_t now_ms) const {
  if (expires_.empty()) return 0;
  const __int128 n = static_cast<__int128>(expires_.size());
  const __int128 avg = expires_.deadline_sum() / n - now_ms;
  return avg > 0 ? static_cast<int64_t>(avg) : 0;
}

Entry* DbTable::FindLive(std::string_view key, int64_t now_ms) {
  lru_clock_ = LruClock(now_ms);
  Entry* e = keys_.Find(key);
  if (e == nullptr) return nullptr;
  if (IsExpired(e, now_ms)) {
    ExpireEntry(e);
    return nullptr;
  }
  SnapshotEntry(e);
  e->set_access_time(lru_clock_);
  return e;
}

Entry* DbTable::LookupRead(std::string_view key, int64_t now_ms, uint8_t flags) {
  lru_clock_ = LruClock(now_ms);
  Entry* e = keys_.Find(key);
  if (e != nullptr && IsExpired(e, now_ms)) {
    ExpireEntry(e);
    e = nullptr;
  }
  if (e != nullptr) {
    // Ops may change what a read lookup returns (a few do): the snapshot takes it first.
    SnapshotEntry(e);
    if (!(flags & kLookupNoTouch)) e->set_access_time(lru_clock_);
    if (!(flags & kLookupNoStats)) ++stats_.keyspace_hits;
  } else {
    if (!(flags & kLookupNoNotify)) Notify(kEventKeyMiss, "keymiss", key);
    if (!(flags & kLookupNoStats)) ++stats_.keyspace_misses;
  }
  return e;
}

void DbTable::ExpireEntry(Entry* e) {
  // Record before freeing: the event copies the key bytes from the entry.
  Notify(kEventExpired, "expired", e->key());
  ++stats_.expired_keys;
  Erase(e);
}

Entry* DbTable::AddNew(std::string_view key, ValueInit value, int64_t expire_at_ms) {
  const bool volatile_key = expire_at_ms != kNoExpire;
  Entry* e = Entry::Create(key, std::move(value), volatile_key);
  MarkNew(e);
  e->set_access_time(lru_clock_);
  keys_.Insert(e);
  if (volatile_key) expires_.Add(e, expire_at_ms);
  Notify(kEventNew, "new", e->key());
  return e;
}

Entry* DbTable::Overwrite(Entry* e, ValueInit value, bool keep_ttl) {
  SnapshotEntry(e);
  if (!keep_ttl) e = ClearExpire(e);
  const bool volatile_key = e->has_expire();
  const Entry* old = e;
  Entry* moved =
      keys_.ReplaceWith(e, [&value](Entry* x) { return Entry::ReplaceValue(x, std::move(value)); });
  // The slot number travels with the rebuilt entry; only the heap's pointer needs updating.
  if (volatile_key && moved != old) expires_.Relocate(old, moved);
  return moved;
}

Entry* DbTable::Upsert(std::string_view key, ValueInit value, bool keep_ttl, int64_t now_ms) {
  Entry* e = FindLive(key, now_ms);
  if (e != nullptr) return Overwrite(e, std::move(value), keep_ttl);
  return AddNew(key, std::move(value));
}

void DbTable::Erase(Entry* e) {
  SnapshotEntry(e);
  if (e->has_expire()) expires_.Remove(e);
  keys_.Unlink(e);
  Entry::Destroy(e);
}

bool DbTable::EraseKey(std::string_view key) {
  Entry* e = keys_.Find(key);
  if (e == nullptr) return false;
  Erase(e);
  return true;
}

Entry* DbTable::MakeRawString(Entry* e) {
  assert(e->is_string());
  if (e->encoding() == Encoding::kRaw) return e;
  char buf[kInt64BufSize];
  std::string copy(e->StringView(buf));
  return Overwrite(e, ValueInit::Raw(copy), /*keep_ttl=*/true);
}

void DbTable::SnapshotAll() {
  if (cut_ == nullptr || cut_->observer == nullptr) return;
  keys_.ForEach([this](const Entry* e) { SnapshotEntry(const_cast<Entry*>(e)); });
}

size_t DbTable::Clear() {
  SnapshotAll();
  const size_t n = keys_.size();
  expires_.Clear();
  keys_.Clear([](Entry* e) { Entry::Destroy(e); });
  Notify(kEventDbReset, "flushdb", {});
  return n;
}

Entry* DbTable::SetExpire(Entry* e, int64_t at_ms) {
  SnapshotEntry(e);
  if (e->has_expire()) {
    expires_.Update(e, at_ms);
    return e;
  }
  Entry* moved = keys_.ReplaceWith(
      e, [](Entry* x) { return Entry::Rebuild(x, x->key(), /*expire_slot=*/true); });
  expires_.Add(moved, at_ms);
  return moved;
}

Entry* DbTable::ClearExpire(Entry* e) {
  if (!e->has_expire()) return e;
  SnapshotEntry(e);
  expires_.Remove(e);
  return keys_.ReplaceWith(
      e, [](Entry* x) { return Entry::Rebuild(x, x->key(), /*expire_slot=*/false); });
}

size_t DbTable::ActiveExpireCycle(int64_t now_ms, size_t max_keys) {
  lru_clock_ = LruClock(now_ms);
  size_t removed = 0;
  while (removed < max_keys && !expires_.empty() && now_ms > expires_.Top().deadline_ms) {
    ExpireEntry(expires_.Top().entry);
    ++removed;
  }
  return removed;
}

uint64_t DbTable::Scan(uint64_t cursor, size_t count, std::vector<Entry*>* out) const {
  if (count == 0) count = 1;
  const size_t start = out->size();
  size_t steps_left = count * 10;
  do {
    cursor = keys_.ScanStep(cursor, [out](Entry* e) { out->push_back(e); });
  } while (cursor != 0 && --steps_left > 0 && out->size() - start < count);
  assert(cursor < (uint64_t{1} << 48));
  return cursor;
}

Entry* DbTable::RandomLive(int64_t now_ms) {
  lru_clock_ = LruClock(now_ms);
  // xorshift64*: cheap, and the table only needs a spread of bucket choices.
  auto next = [this]() {
    random_state_ ^= random_state_ >> 12;
    random_state_ ^= random_state_ << 25;
    random_state_ ^= random_state_ >> 27;
    return random_state_ * 0x2545f4914f6cdd1dULL;
  };
  // Each expired pick is removed, so this ends after at most size() iterations; the active
  // cycle keeps the number of already-expired keys small.
  while (Entry* e = keys_.RandomEntry(next)) {
    if (!IsExpired(e, now_ms)) return e;
    ExpireEntry(e);
  }
  return nullptr;
}

DetachedEntry DbTable::Extract(Entry* e) {
  SnapshotEntry(e);
  const int64_t at = GetExpire(e);
  if (e->has_expire()) expires_.Remove(e);
  keys_.Unlink(e);
  return DetachedEntry(e, at);
}

DetachedEntry DbTable::CloneDetached(const Entry* e) const {
  return DetachedEntry(Entry::Clone(*e, e->key(), e->has_expire()), GetExpire(e));
}

Entry* DbTable::Insert(DetachedEntry detached, bool record_new) {
  const std::string_view key = detached.get()->key();  // stays valid: the block is not freed
  return InsertAs(std::move(detached), key, record_new);
}

Entry* DbTable::InsertAs(DetachedEntry detached, std::string_view key, bool record_new) {
  const int64_t at = detached.expire_at_ms();
  Entry* e = detached.release();
  const bool want_slot = at != kNoExpire;
  // `key` may point into e's own block; Rebuild copies it before freeing that block.
  if (key != e->key() || want_slot != e->has_expire()) e = Entry::Rebuild(e, key, want_slot);
  MarkNew(e);
  keys_.Insert(e);
  if (want_slot) expires_.Add(e, at);
  if (record_new) Notify(kEventNew, "new", e->key());
  return e;
}

void DbTable::SwapContents(DbTable& other) {
  SnapshotAll();
  other.SnapshotAll();
  keys_.Swap(other.keys_);
  expires_.Swap(other.expires_);
  Notify(kEventDbReset, "swapdb", {});
  other.Notify(kEventDbReset, "swapdb", {});
}

}  // namespace tessera::storage
