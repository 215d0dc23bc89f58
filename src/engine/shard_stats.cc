#include "src/engine/shard_stats.h"

#include "src/engine/shard.h"
#include "storage/db_table.h"

namespace tessera::engine {

void ShardStats::Add(const ShardStats& other) {
  if (dbs.size() < other.dbs.size()) dbs.resize(other.dbs.size());
  for (size_t i = 0; i < other.dbs.size(); ++i) {
    dbs[i].keys += other.dbs[i].keys;
    dbs[i].expires += other.dbs[i].expires;
    dbs[i].ttl_sum_ms += other.dbs[i].ttl_sum_ms;
    dbs[i].expires_with_ttl += other.dbs[i].expires_with_ttl;
  }
  writes += other.writes;
  expired_keys += other.expired_keys;
  keyspace_hits += other.keyspace_hits;
  keyspace_misses += other.keyspace_misses;
  borrowed_commands += other.borrowed_commands;
}

ShardStats CollectShardStats(Shard& shard, int64_t now_ms) {
  ShardStats s;
  s.dbs.resize(static_cast<size_t>(shard.databases()));
  for (int i = 0; i < shard.databases(); ++i) {
    storage::DbTable& t = shard.db(i);
    DbStats& d = s.dbs[static_cast<size_t>(i)];
    d.keys = t.size();
    d.expires = t.expires_count();
    if (d.expires > 0) {
      d.ttl_sum_ms = static_cast<uint64_t>(t.AvgTtlMs(now_ms)) * d.expires;
      d.expires_with_ttl = d.expires;
    }
    s.expired_keys += t.stats().expired_keys;
    s.keyspace_hits += t.stats().keyspace_hits;
    s.keyspace_misses += t.stats().keyspace_misses;
  }
  s.writes = shard.dirty();
  s.borrowed_commands = shard.lent_commands();
  return s;
}

}  // namespace tessera::engine
