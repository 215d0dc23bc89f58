// Figures one shard reports for INFO (keyspace, stats, persistence), summed across shards by
// the coordinator. Collected on the shard's own thread.
#pragma once

#include <cstdint>
#include <vector>

namespace tessera::engine {

class Shard;

struct DbStats {
  uint64_t keys = 0;
  uint64_t expires = 0;
  uint64_t ttl_sum_ms = 0;        // sum of remaining TTLs, for avg_ttl
  uint64_t expires_with_ttl = 0;  // keys counted in ttl_sum_ms
};

struct ShardStats {
  std::vector<DbStats> dbs;
  uint64_t writes = 0;  // changes since the last save (rdb_changes_since_last_save)
  uint64_t expired_keys = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t borrowed_commands = 0;  // run by another loop while this shard's was parked

  void Add(const ShardStats& other);
};

ShardStats CollectShardStats(Shard& shard, int64_t now_ms);

}  // namespace tessera::engine
