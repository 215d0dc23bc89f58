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
  // removal by expiry is not a change (Redis 7.0 keeps the same exception).
  void Watch(uint64_t client, int db, std::string_view key, bool expired_at_watch);
  // Drops every watch of `client` and forgets whether it was dirty.
  void Unwatch(uint64_t client);
  // A key changed: every client watching it becomes dirty. `by_expiry`: the change was the key
  // expiring.
  void Touch(int db, std::string_view key, bool by_expiry);
  // Every watched key of `db` that `exists` says is present becomes dirty (FLUSHDB, SWAPDB).
  template <typename Exists>
  void TouchDb(int db, Exists&& exists) {
    for (auto& [id, watchers] : keys_) {
      if (DbOf(id) == db && exists(std::string_view(id).substr(2))) {
        for (const Watcher& w : watchers) dirty_.insert(w.client);
      }
    }
  }
  bool IsDirty(uint64_t client) const { return dirty_.count(client) > 0; }
  // Keys `client` watches here, as (db, key).
  std::vector<std::pair<int, std::string>> KeysOf(uint64_t client) const;
  bool empty() const { return keys_.empty(); }

 private:
  struct Watcher {
    uint64_t client;
    bool expired_at_watch;
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
