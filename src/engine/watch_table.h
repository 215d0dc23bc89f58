// WATCH bookkeeping on one shard: which clients watch which keys, and which of them have seen
// a watched key change since. Lives on the shard so the check at EXEC (made while the
// transaction holds its locks) cannot race with the change that invalidates it.
//
// Shard-thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace tessera::engine {

class WatchTable {
 public:
  // `expired_at_watch`: the key was present but already past its deadline, so its later
  // removal by expiry is not a change (Redis 7.0 keeps the same exception). `existed`: it was
  // live, so emptying its database changes it.
  void Watch(uint64_t client, int db, std::string_view key, bool expired_at_watch, bool existed);
  // Drops every watch of `client` and forgets whether it was dirty.
  void Unwatch(uint64_t client);
  // A key changed: every client watching it becomes dirty. `by_expiry`: the change was the key
  // expiring.
  void Touch(int db, std::string_view key, bool by_expiry);
  // Database `db` was emptied or swapped: a watched key there changed if it existed at WATCH
  // (had it changed since, its watchers would be dirty already) or, after a swap, exists now.
  // This is Redis's touchAllWatchedKeysInDb.
  template <typename ExistsNow>
  void TouchDb(int db, ExistsNow&& exists_now) {
    for (auto& [id, watchers] : keys_) {
      if (DbOf(id) != db) continue;
      bool present = exists_now(std::string_view(id).substr(2));
      for (const Watcher& w : watchers) {
        if (w.existed || present) dirty_.insert(w.client);
      }
    }
  }
  bool IsDirty(uint64_t client) const { return dirty_.count(client) > 0; }
  // Whether a key `client` watches was live at WATCH and is past its deadline now (Redis 7.0
  // aborts EXEC for that even before the key is actually removed).
  template <typename ExpiredNow>
  bool AnyExpiredSinceWatch(uint64_t client, ExpiredNow&& expired_now) const {
    auto it = by_client_.find(client);
    if (it == by_client_.end()) return false;
    for (const std::string& id : it->second) {
      auto k = keys_.find(id);
      if (k == keys_.end()) continue;
      for (const Watcher& w : k->second) {
        if (w.client == client && !w.expired_at_watch &&
            expired_now(DbOf(id), std::string_view(id).substr(2))) {
          return true;
        }
      }
    }
    return false;
  }
  // Keys `client` watches here, as (db, key).
  std::vector<std::pair<int, std::string>> KeysOf(uint64_t client) const;
  bool empty() const { return keys_.empty(); }

 private:
  struct Watcher {
    uint64_t client;
    bool expired_at_watch;
    bool existed;
  };
  static std::string Id(int db, std::string_view key);
  static int DbOf(const std::string& id) {
    return static_cast<unsigned char>(id[0]) | (static_cast<unsigned char>(id[1]) << 8);
  }

  std::unordered_map<std::string, std::vector<Watcher>> keys_;
  std::unordered_map<uint64_t, std::vector<std::string>> by_client_;
  std::unordered_set<uint64_t> dirty_;
};

}  // namespace tessera::engine
