#include "storage/key_table.h"

#include <cassert>
#include <cstdlib>
#include <new>

#include "storage/key_hash.h"

namespace tessera::storage {
namespace {

size_t NextPowerOfTwo(size_t n) {
  size_t size = 1;
  while (size < n) size <<= 1;
  return size;
}

}  // namespace

KeyTable::KeyTable(uint64_t seed) : seed_(seed) {}

KeyTable::~KeyTable() {
  FreeBuckets(t_[0]);
  FreeBuckets(t_[1]);
}

void KeyTable::FreeBuckets(Table& t) {
  std::free(t.buckets);
  t = Table{};
}

uint64_t KeyTable::Hash(std::string_view key) const { return HashKey(key, seed_); }

uint64_t KeyTable::PrefetchBucket(std::string_view key) const {
  const uint64_t hash = Hash(key);
  for (const Table& t : t_) {
    if (t.buckets != nullptr) __builtin_prefetch(&t.buckets[hash & t.mask]);
  }
  return hash;
}

void KeyTable::PrefetchEntry(uint64_t hash) const {
  for (const Table& t : t_) {
    if (t.buckets == nullptr) continue;
    if (const Entry* e = t.buckets[hash & t.mask]) __builtin_prefetch(e);
  }
}

Entry** KeyTable::FindLink(std::string_view key, uint64_t hash) {
  for (Table& t : t_) {
    if (t.buckets == nullptr) continue;
    Entry** link = &t.buckets[hash & t.mask];
    while (*link != nullptr) {
      if ((*link)->key() == key) return link;
      link = &(*link)->next_;
    }
    if (!rehashing()) break;
  }
  return nullptr;
}

Entry** KeyTable::FindLinkTo(const Entry* e) {
  const uint64_t hash = Hash(e->key());
  for (Table& t : t_) {
    if (t.buckets == nullptr) continue;
    Entry** link = &t.buckets[hash & t.mask];
    while (*link != nullptr) {
      if (*link == e) return link;
      link = &(*link)->next_;
    }
  }
  assert(false && "entry is not linked in this table");
  return nullptr;
}

Entry* KeyTable::Find(std::string_view key) {
  if (size() == 0) return nullptr;
  StepIfRehashing();
  Entry** link = FindLink(key, Hash(key));
  if (link == nullptr) return nullptr;
  last_link_ = link;
  return *link;
}

void KeyTable::Insert(Entry* e) {
  last_link_ = nullptr;
  StepIfRehashing();
  if (!rehashing() && t_[0].used >= t_[0].size()) StartResize(t_[0].used + 1);
  const uint64_t hash = Hash(e->key());
  // New keys go to the array being filled, so the one being drained only shrinks.
  Table& t = rehashing() ? t_[1] : t_[0];
  assert(FindLink(e->key(), hash) == nullptr);
  Entry*& bucket = t.buckets[hash & t.mask];
  e->next_ = bucket;
  bucket = e;
  ++t.used;
}

Entry* KeyTable::Remove(std::string_view key) {
  if (size() == 0) return nullptr;
  last_link_ = nullptr;
  StepIfRehashing();
  const uint64_t hash = Hash(key);
  for (Table& t : t_) {
    if (t.buckets == nullptr) continue;
    Entry** link = &t.buckets[hash & t.mask];
    while (*link != nullptr) {
      Entry* e = *link;
      if (e->key() == key) {
        *link = e->next_;
        e->next_ = nullptr;
        --t.used;
        MaybeShrink();
        return e;
      }
      link = &e->next_;
    }
    if (!rehashing()) break;
  }
  return nullptr;
}

void KeyTable::Unlink(Entry* e) {
  // Outside a rehash every entry is in t_[0], so the remembered link is enough to unlink it and
  // count it out; during one the link alone does not say which array holds it.
  if (rehashing() || last_link_ == nullptr || *last_link_ != e) {
    [[maybe_unused]] Entry* removed = Remove(e->key());
    assert(removed == e);
    return;
  }
  assert(last_link_ == FindLinkTo(e) && "a remembered link outlived a change to the table");
  *last_link_ = e->next_;
  e->next_ = nullptr;
  --t_[0].used;
  last_link_ = nullptr;
  MaybeShrink();
}

void KeyTable::StartResize(size_t min_size) {
  const size_t size = NextPowerOfTwo(min_size < kInitialSize ? kInitialSize : min_size);
  if (size == t_[0].size()) return;
  void* mem = std::calloc(size, sizeof(Entry*));
  if (mem == nullptr) throw std::bad_alloc();
  Table fresh;
  fresh.buckets = static_cast<Entry**>(mem);
  fresh.mask = size - 1;
  if (t_[0].buckets == nullptr) {
    t_[0] = fresh;  // first allocation: nothing to migrate
    return;
  }
  t_[1] = fresh;
  rehash_index_ = 0;
}

void KeyTable::MaybeShrink() {
  // Redis's HASHTABLE_MIN_FILL: shrink below 10% full. Only start when no rehash is running.
  if (rehashing() || t_[0].size() <= kInitialSize) return;
  if (t_[0].used * 10 >= t_[0].size()) return;
  StartResize(t_[0].used);
}

bool KeyTable::RehashStep(size_t buckets) {
  if (!rehashing()) return false;
  last_link_ = nullptr;
  size_t empty_visits = buckets * kEmptyVisitsPerBucket;
  Table& from = t_[0];
  Table& to = t_[1];
  while (buckets-- > 0 && from.used != 0) {
    assert(static_cast<size_t>(rehash_index_) < from.size());
    while (from.buckets[rehash_index_] == nullptr) {
      ++rehash_index_;
      ++rehash_empty_visits_;
      if (--empty_visits == 0) return true;
    }
    Entry* e = from.buckets[rehash_index_];
    while (e != nullptr) {
      Entry* next = e->next_;
      Entry*& bucket = to.buckets[Hash(e->key()) & to.mask];
      e->next_ = bucket;
      bucket = e;
      --from.used;
      ++to.used;
      ++rehash_moved_;
      e = next;
    }
    from.buckets[rehash_index_] = nullptr;
    ++rehash_index_;
  }
  if (from.used != 0) return true;
  FreeBuckets(from);
  from = to;
  to = Table{};
  rehash_index_ = -1;
  return false;
}

void KeyTable::Swap(KeyTable& other) {
  last_link_ = nullptr;
  other.last_link_ = nullptr;
  std::swap(t_, other.t_);
  std::swap(rehash_index_, other.rehash_index_);
  std::swap(seed_, other.seed_);
  std::swap(rehash_moved_, other.rehash_moved_);
  std::swap(rehash_empty_visits_, other.rehash_empty_visits_);
}

}  // namespace tessera::storage
