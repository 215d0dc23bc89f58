// DbTable: one database's slice of the keyspace on one shard — keys, values, TTLs, and the
// keyspace statistics INFO reports.
//
// Thread: everything here is called on the owning shard's thread only. Entries may be moved to
// another shard only as a DetachedEntry (Extract / CloneDetached -> Insert).
//
// Time: callers pass `now_ms` (read once per command). A key is expired when now_ms > deadline,
// as in Redis's keyIsExpired.
//
// Events: the table records the events Redis emits from its db layer — "new" when a key is
// added (Redis's dbAdd) and "expired" when lazy or active expiry removes a key — plus "keymiss"
// for read lookups that miss. Everything command-specific ("set", "del", "expire", ...) is
// recorded by the ops in string_ops / key_ops through Notify().
//
// Entry pointers: valid until the key is removed or the table is told to change the entry's
// layout. Calls documented "may move" return the pointer to use afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "storage/change_event.h"
#include "storage/entry.h"
#include "storage/expire_index.h"
#include "storage/key_table.h"
#include "storage/value.h"

namespace tessera::storage {

inline constexpr int64_t kNoExpire = -1;

class DbTable;

// Point-in-time snapshots without fork (docs/snapshots.md). While a snapshot runs, every entry
// that existed when it started reaches the observer exactly once, in the state it had at the
// start: either before it is first changed, removed or looked up (the table calls BeforeChange),
// or when the snapshot's own scan gets to it (SnapshotEntry). Entries created during the snapshot
// are not part of it.
//
// The "already saved" state is one bit per entry compared with SnapshotCut::saved_mark, which
// all tables of a shard share: starting a snapshot flips that one bit instead of touching every
// entry. So a started snapshot must visit every entry before the next one starts (an abandoned
// one keeps scanning without writing), or entries it skipped would look saved to the next one.
class SnapshotObserver {
 public:
  // `e` is about to change or go away; serialize it now. Must not modify the table.
  virtual void BeforeChange(const DbTable& table, const Entry& e) = 0;

 protected:
  ~SnapshotObserver() = default;
};

struct SnapshotCut {
  bool saved_mark = false;               // entries whose mark equals this are saved (or new)
  SnapshotObserver* observer = nullptr;  // set while a snapshot runs
};

// An entry outside any table, with its deadline (kNoExpire if none). Owns the entry: destroys it
// unless it is inserted somewhere. Movable across threads (plain heap memory).
class DetachedEntry {
 public:
  DetachedEntry() = default;
  DetachedEntry(DetachedEntry&& other) noexcept;
  DetachedEntry& operator=(DetachedEntry&& other) noexcept;
  ~DetachedEntry();

  explicit operator bool() const { return entry_ != nullptr; }
  const Entry* get() const { return entry_; }
  int64_t expire_at_ms() const { return expire_at_ms_; }
  void set_expire_at_ms(int64_t at_ms) { expire_at_ms_ = at_ms; }

 private:
  friend class DbTable;
  DetachedEntry(Entry* e, int64_t expire_at_ms) : entry_(e), expire_at_ms_(expire_at_ms) {}
  Entry* release() {
    Entry* e = entry_;
    entry_ = nullptr;
    return e;
  }

  Entry* entry_ = nullptr;
  int64_t expire_at_ms_ = kNoExpire;
};

class DbTable {
 public:
  // Redis's LOOKUP_* flags for read lookups.
  enum LookupFlags : uint8_t {
    kLookupDefault = 0,
    kLookupNoTouch = 1 << 0,   // don't update the access time (TYPE, TTL, OBJECT, EXISTS)
    kLookupNoStats = 1 << 1,   // don't count a keyspace hit/miss
    kLookupNoNotify = 1 << 2,  // don't record "keymiss"
  };

  struct Stats {
    uint64_t expired_keys = 0;     // INFO stats expired_keys
    uint64_t keyspace_hits = 0;    // INFO stats keyspace_hits
    uint64_t keyspace_misses = 0;  // INFO stats keyspace_misses
  };

  // `recorder` may be null (nothing recorded), else it must outlive the table.
  DbTable(int db_index, ChangeRecorder* recorder);
  ~DbTable();
  DbTable(const DbTable&) = delete;
  DbTable& operator=(const DbTable&) = delete;

  int db_index() const { return db_index_; }
  size_t size() const { return keys_.size(); }
  size_t expires_count() const { return expires_.size(); }
  const Stats& stats() const { return stats_; }
  // INFO keyspace avg_ttl: mean remaining ms over volatile keys (0 if none), exact.
  int64_t AvgTtlMs(int64_t now_ms) const;

  // --- Lookups.
  // Cache warming for keys about to be looked up (KeyTable::PrefetchBucket/PrefetchEntry).
  uint64_t PrefetchBucket(std::string_view key) const { return keys_.PrefetchBucket(key); }
  void PrefetchEntry(uint64_t hash) const { keys_.PrefetchEntry(hash); }
  // Ignores expiry (for persistence, debugging and tests).
  Entry* FindRaw(std::string_view key) { return keys_.Find(key); }
  // Redis's lookupKeyWrite: removes the key if expired ("expired" event), touches the access
  // time, counts no stats. nullptr if absent.
  Entry* FindLive(std::string_view key, int64_t now_ms);
  // Redis's lookupKeyRead[WithFlags]: like FindLive, plus keyspace hit/miss stats and a
  // "keymiss" event on a miss, each unless suppressed by `flags`.
  Entry* LookupRead(std::string_view key, int64_t now_ms, uint8_t flags = kLookupDefault);
  bool IsExpired(const Entry* e, int64_t now_ms) const {
    return e->has_expire() && now_ms > expires_.DeadlineOf(e);
  }

  // --- Writes. None records command events; ops do that.
  // Adds a key that is not present (check with FindLive first) and records "new". Its access
  // time is the table's clock: the latest now_ms any lookup or expiry call was given (a cached
  // clock, as Redis's LRU clock is).
  Entry* AddNew(std::string_view key, ValueInit value, int64_t expire_at_ms = kNoExpire);
  // Replaces the value of a present entry; the TTL is kept or removed. May move the entry.
  Entry* Overwrite(Entry* e, ValueInit value, bool keep_ttl);
  // Redis's setKey: overwrite if live, else add ("new"). The TTL is dropped unless keep_ttl.
  Entry* Upsert(std::string_view key, ValueInit value, bool keep_ttl, int64_t now_ms);
  // Removes and frees a present entry (no event).
  void Erase(Entry* e);
  // Removes `key` if present, ignoring expiry (no event). Returns whether it was there.
  bool EraseKey(std::string_view key);
  // Gives a string entry the "raw" encoding so its bytes can be changed in place with
  // Entry::ResizeRawString (Redis's dbUnshareStringValue). May move the entry.
  Entry* MakeRawString(Entry* e);
  // Removes every key (FLUSHDB); no per-key events, one kEventDbReset. Returns the number
  // removed.
  size_t Clear();

  // --- Expiry.
  // kNoExpire if none.
  int64_t GetExpire(const Entry* e) const {
    return e->has_expire() ? expires_.DeadlineOf(e) : kNoExpire;
  }
  // Sets or changes the deadline. May move the entry (when it had no TTL).
  Entry* SetExpire(Entry* e, int64_t at_ms);
  // Removes the deadline if any. May move the entry.
  Entry* ClearExpire(Entry* e);
  // Active expiry: removes keys whose deadline has passed, earliest first, at most `max_keys`
  // of them, recording "expired" for each. Returns the number removed; call again (next tick)
  // while it returns max_keys.
  size_t ActiveExpireCycle(int64_t now_ms, size_t max_keys);
  // Earliest deadline among volatile keys, kNoExpire if none: when the next key will expire.
  int64_t NextExpireAt() const { return expires_.empty() ? kNoExpire : expires_.Top().deadline_ms; }

  // --- Iteration.
  // One SCAN call over this table: collects at least `count` candidate entries (Redis visits up
  // to count*10 cursor steps) and returns the next cursor (0 = done; always < 2^48).
  // Candidates may include expired keys; the caller filters and must not keep the pointers past
  // its next table call.
  uint64_t Scan(uint64_t cursor, size_t count, std::vector<Entry*>* out) const;
  // fn(const Entry&) for every key, expired or not. fn must not modify the table.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    keys_.ForEach([&fn](const Entry* e) { fn(*e); });
  }
  // RANDOMKEY: a random live key, removing expired ones it lands on ("expired"). nullptr if the
  // table has no live key.
  Entry* RandomLive(int64_t now_ms);

  // --- Moving entries (RENAME, MOVE, COPY, SWAPDB, cross-shard transfers).
  // Unlinks a present entry and hands it over with its deadline (no event).
  DetachedEntry Extract(Entry* e);
  // A deep copy of a present entry, with its deadline.
  DetachedEntry CloneDetached(const Entry* e) const;
  // Adds a detached entry under its own key, which must not be present. Records "new" unless
  // `record_new` is false (e.g. loading a snapshot).
  Entry* Insert(DetachedEntry detached, bool record_new = true);
  // Same, under another key (RENAME, cross-shard RENAME/COPY).
  Entry* InsertAs(DetachedEntry detached, std::string_view key, bool record_new = true);
  // SWAPDB: exchanges all keys, TTLs with `other`; db index, recorder and stats stay. Records
  // kEventDbReset for both tables.
  void SwapContents(DbTable& other);

  // --- Snapshots.
  // The shard's cut, shared by its tables (may be null: no snapshots). Set before any entry is
  // added.
  void set_snapshot_cut(SnapshotCut* cut) { cut_ = cut; }
  // Hands `e` to the running snapshot unless it already has it.
  void SnapshotEntry(Entry* e) {
    if (cut_ != nullptr && cut_->observer != nullptr && e->snapshot_mark() != cut_->saved_mark) {
      cut_->observer->BeforeChange(*this, *e);
      e->set_snapshot_mark(cut_->saved_mark);
    }
  }
  // SnapshotEntry for every entry (before FLUSHDB or SWAPDB replace them all at once).
  void SnapshotAll();

  // --- Maintenance.
  // Bounded idle-time rehash work (Redis's activerehashing). Returns whether more is pending.
  bool RehashStep(size_t buckets) { return keys_.RehashStep(buckets); }
  const KeyTable& key_table() const { return keys_; }

  // --- Events.
  void Notify(EventClass cls, const char* name, std::string_view key) {
    if (recorder_ != nullptr) recorder_->Record(cls, name, db_index_, key);
  }
  ChangeRecorder* recorder() const { return recorder_; }

  // The coarse clock stored in entries for OBJECT IDLETIME (seconds).
  static uint32_t LruClock(int64_t now_ms) { return static_cast<uint32_t>(now_ms / 1000); }

 private:
  // Removes an expired entry: unlink, free, count, record "expired".
  void ExpireEntry(Entry* e);
  // A new entry is not part of a running snapshot.
  void MarkNew(Entry* e) {
    if (cut_ != nullptr) e->set_snapshot_mark(cut_->saved_mark);
  }

  int db_index_;
  ChangeRecorder* recorder_;
  SnapshotCut* cut_ = nullptr;
  KeyTable keys_;
  ExpireIndex expires_;
  Stats stats_;
  uint32_t lru_clock_ = 0;
  uint64_t random_state_;
};

}  // namespace tessera::storage
