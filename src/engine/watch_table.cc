#include "src/engine/watch_table.h"

#include <algorithm>

namespace tessera::engine {

std::string WatchTable::Id(int db, std::string_view key) {
  std::string id;
  id.reserve(key.size() + 2);
  id.push_back(static_cast<char>(db & 0xff));
  id.push_back(static_cast<char>((db >> 8) & 0xff));
  id.append(key);
  return id;
}

void WatchTable::Watch(uint64_t client, int db, std::string_view key, bool expired_at_watch,
                       bool existed) {
  std::string id = Id(db, key);
  std::vector<Watcher>& watchers = keys_[id];
  for (const Watcher& w : watchers) {
    if (w.client == client) return;  // WATCH of an already watched key is a no-op
  }
  watchers.push_back(Watcher{client, expired_at_watch, existed});
  by_client_[client].push_back(std::move(id));
}

void WatchTable::Unwatch(uint64_t client) {
  dirty_.erase(client);
  auto it = by_client_.find(client);
  if (it == by_client_.end()) return;
  for (const std::string& id : it->second) {
    auto k = keys_.find(id);
    if (k == keys_.end()) continue;
    auto& v = k->second;
    v.erase(std::remove_if(v.begin(), v.end(),
                           [client](const Watcher& w) { return w.client == client; }),
            v.end());
    if (v.empty()) keys_.erase(k);
  }
  by_client_.erase(it);
}

void WatchTable::Touch(int db, std::string_view key, bool by_expiry) {
  auto it = keys_.find(Id(db, key));
  if (it == keys_.end()) return;
  for (const Watcher& w : it->second) {
    if (by_expiry && w.expired_at_watch) continue;
    dirty_.insert(w.client);
  }
}

std::vector<std::pair<int, std::string>> WatchTable::KeysOf(uint64_t client) const {
  std::vector<std::pair<int, std::string>> out;
  auto it = by_client_.find(client);
  if (it == by_client_.end()) return out;
  for (const std::string& id : it->second) out.emplace_back(DbOf(id), id.substr(2));
  return out;
}

}  // namespace tessera::engine
