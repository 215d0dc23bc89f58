// The hash table from key to Entry inside a DbTable: chained buckets, power-of-two sizes,
// incremental rehash (Redis dict style) and a reverse-binary SCAN cursor.
//
// Growth never stalls: when the table fills (load factor 1) a second bucket array of twice the
// size is allocated and buckets migrate one at a time — each Find/Insert/Remove migrates one
// bucket (visiting at most 10 empty ones), and the owner can add bounded idle-time work through
// RehashStep(). The table shrinks the same way when it drops under 10% full. Lookups consult
// both arrays while a rehash is in progress.
//
// SCAN: a cursor is a bucket index whose bits are incremented from the most significant end
// (reverse-binary increment). Because sizes are powers of two, the buckets already visited in
// a table of size 2^n map, in a table of size 2^m, exactly onto cursors already passed, whether
// m > n (each old bucket split into its high-bit expansions) or m < n (several old buckets
// merged into one). So a key present during the whole scan is returned at least once however
// the table grows or shrinks between calls; it may be returned more than once. During a rehash a
// step visits the cursor's bucket in the smaller array and every expansion of it in the larger
// one. Cursors are < bucket count, so they fit easily in the low 48 bits the engine leaves us.
//
// The table links entries but does not own them: Clear() hands every entry back to the caller.
// Owning shard thread only.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "storage/entry.h"

namespace tessera::storage {

class KeyTable {
 public:
  explicit KeyTable(uint64_t seed);
  ~KeyTable();
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;

  size_t size() const { return t_[0].used + t_[1].used; }
  size_t bucket_count() const { return t_[0].size() + t_[1].size(); }
  bool rehashing() const { return rehash_index_ >= 0; }

  // Also remembers the link to the entry found (see last_link_), so that ReplaceWith on it right
  // after neither re-hashes the key nor walks the chain again.
  Entry* Find(std::string_view key);
  // Links `e`; its key must not be present.
  void Insert(Entry* e);
  // Unlinks `e`, which must be linked here. Cheap right after Find(e's key) or ReplaceWith(e)
  // outside a rehash: it reuses the link those remembered instead of hashing the key and
  // walking the chain again (DEL, expiry, RENAME's source). Otherwise it is Remove(e's key).
  void Unlink(Entry* e);
  // Rebuilds a linked entry in place: calls rebuild(e), which returns the entry to link instead
  // (same key; it may free `e`), and puts the result where `e` was. `rebuild` must not touch
  // the table. Returns the linked entry. Cheap right after Find(e's key) or ReplaceWith(e): it
  // reuses the link those remembered; otherwise it hashes the key and walks the chain for it.
  template <typename Fn>
  Entry* ReplaceWith(Entry* e, Fn&& rebuild);

  // Cache warming for a key that is about to be looked up (a pipelined command not run yet):
  // starts loading its bucket and returns its hash, for PrefetchEntry(hash), which starts
  // loading the first entry of that bucket. Call PrefetchEntry later, once the bucket has had
  // time to arrive (after the other keys' PrefetchBucket). Hints only: nothing changes.
  uint64_t PrefetchBucket(std::string_view key) const;
  void PrefetchEntry(uint64_t hash) const;

  // Migrates up to `buckets` non-empty buckets (visiting at most 10x as many empty ones).
  // Returns whether a rehash is still in progress.
  bool RehashStep(size_t buckets);

  // Calls fn(Entry*) for the entries of one cursor step and returns the next cursor (0 when the
  // scan is complete). `fn` must not modify the table.
  template <typename Fn>
  uint64_t ScanStep(uint64_t cursor, Fn&& fn) const;

  // A uniformly chosen bucket's random entry (not perfectly uniform over keys, like Redis's
  // dictGetRandomKey); nullptr when empty. `random` is any source of 64 random bits.
  template <typename Rng>
  Entry* RandomEntry(Rng& random);

  // Calls fn(Entry*) on every entry. `fn` must not modify the table.
  template <typename Fn>
  void ForEach(Fn&& fn) const;

  // Unlinks every entry, passing each to fn (which usually destroys it), and frees the buckets.
  template <typename Fn>
  void Clear(Fn&& fn);

  void Swap(KeyTable& other);

  // Entries moved by rehashing so far (tests and metrics).
  uint64_t rehash_moved() const { return rehash_moved_; }
  // Empty buckets skipped by rehashing so far.
  uint64_t rehash_empty_visits() const { return rehash_empty_visits_; }

 private:
  struct Table {
    Entry** buckets = nullptr;
    uint64_t mask = 0;
    size_t used = 0;
    size_t size() const { return buckets == nullptr ? 0 : mask + 1; }
  };

  static constexpr size_t kInitialSize = 4;
  static constexpr size_t kEmptyVisitsPerBucket = 10;

  uint64_t Hash(std::string_view key) const;
  // Unlinks and returns the entry with `key`, or nullptr.
  Entry* Remove(std::string_view key);
  // The link (bucket slot or a `next_` field) that points at the entry with `key`, or nullptr.
  Entry** FindLink(std::string_view key, uint64_t hash);
  Entry** FindLinkTo(const Entry* e);
  // The remembered link if it points at `e`, else FindLinkTo(e).
  Entry** LinkTo(const Entry* e) {
    if (last_link_ != nullptr && *last_link_ == e) return last_link_;
    return FindLinkTo(e);
  }
  void StartResize(size_t min_size);
  void MaybeShrink();
  void StepIfRehashing() {
    if (rehashing()) RehashStep(1);
  }
  static void FreeBuckets(Table& t);
  static uint64_t NextCursor(uint64_t cursor, uint64_t mask);

  Table t_[2];
  // Next t_[0] bucket to migrate; -1 when not rehashing.
  int64_t rehash_index_ = -1;
  uint64_t seed_;
  uint64_t rehash_moved_ = 0;
  uint64_t rehash_empty_visits_ = 0;
  // The link (a bucket slot or a linked entry's next_) that Find last found or ReplaceWith last
  // wrote: SET, INCR, APPEND, EXPIRE... look a key up and then rebuild that entry. Invariant:
  // nullptr or a slot that is part of the table now, so *last_link_ is safe to read and, if it
  // is e, is e's only link. Insert, Remove, Unlink, RehashStep, Clear and Swap reset it.
  // ReplaceWith(e) sets it to e's link, which then holds the replacement; that also drops a
  // remembered slot inside e's block, which rebuild may have freed.
  Entry** last_link_ = nullptr;
};

inline uint64_t KeyTable::NextCursor(uint64_t v, uint64_t mask) {
  // Reverse-binary increment: set the bits above the mask so the carry propagates through them,
  // reverse, add one, reverse back.
  v |= ~mask;
  v = __builtin_bswap64(v);
  v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  ++v;
  v = __builtin_bswap64(v);
  v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  return v;
}

template <typename Fn>
uint64_t KeyTable::ScanStep(uint64_t cursor, Fn&& fn) const {
  if (size() == 0) return 0;
  auto visit = [&fn](Entry* e) {
    while (e != nullptr) {
      Entry* next = e->next_;
      fn(e);
      e = next;
    }
  };
  if (!rehashing()) {
    const Table& t = t_[0];
    visit(t.buckets[cursor & t.mask]);
    return NextCursor(cursor, t.mask);
  }
  const Table* small = &t_[0];
  const Table* large = &t_[1];
  if (small->size() > large->size()) std::swap(small, large);
  const uint64_t m0 = small->mask;
  const uint64_t m1 = large->mask;
  visit(small->buckets[cursor & m0]);
  // Every bucket of the larger array that folds onto this one, in cursor order.
  do {
    visit(large->buckets[cursor & m1]);
    cursor = NextCursor(cursor, m1);
  } while ((cursor & (m0 ^ m1)) != 0);
  return cursor;
}

template <typename Rng>
Entry* KeyTable::RandomEntry(Rng& random) {
  if (size() == 0) return nullptr;
  StepIfRehashing();
  Entry* bucket = nullptr;
  while (bucket == nullptr) {
    if (rehashing()) {
      // Buckets below rehash_index_ in t_[0] are empty; pick among the rest of both arrays.
      const uint64_t s0 = t_[0].size();
      const uint64_t first = static_cast<uint64_t>(rehash_index_);
      const uint64_t h = first + random() % (s0 + t_[1].size() - first);
      bucket = h >= s0 ? t_[1].buckets[h - s0] : t_[0].buckets[h];
    } else {
      bucket = t_[0].buckets[random() & t_[0].mask];
    }
  }
  size_t chain = 0;
  for (Entry* e = bucket; e != nullptr; e = e->next_) ++chain;
  size_t pick = random() % chain;
  Entry* e = bucket;
  while (pick-- > 0) e = e->next_;
  return e;
}

template <typename Fn>
Entry* KeyTable::ReplaceWith(Entry* e, Fn&& rebuild) {
  Entry** link = LinkTo(e);
  assert(link == FindLinkTo(e) && "a remembered link outlived a change to the table");
  Entry* next = e->next_;
  Entry* replacement = rebuild(e);
  replacement->next_ = next;
  *link = replacement;
  // Also forgets a remembered link inside e's block, which rebuild may have freed.
  last_link_ = link;
  return replacement;
}

template <typename Fn>
void KeyTable::ForEach(Fn&& fn) const {
  for (const Table& t : t_) {
    for (size_t i = 0; i < t.size(); ++i) {
      for (Entry* e = t.buckets[i]; e != nullptr;) {
        Entry* next = e->next_;
        fn(e);
        e = next;
      }
    }
  }
}

template <typename Fn>
void KeyTable::Clear(Fn&& fn) {
  for (Table& t : t_) {
    for (size_t i = 0; i < t.size(); ++i) {
      for (Entry* e = t.buckets[i]; e != nullptr;) {
        Entry* next = e->next_;
        e->next_ = nullptr;
        fn(e);
        e = next;
      }
    }
    FreeBuckets(t);
  }
  rehash_index_ = -1;
  last_link_ = nullptr;
}

}  // namespace tessera::storage
