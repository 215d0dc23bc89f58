// Key -> hash slot -> shard, exactly as Redis Cluster places keys.
//
// slot = CRC16(hashtag(key)) & 16383, where hashtag(key) is the part between the first '{' and
// the next '}' when that part is non-empty, else the whole key. The slot is also the unit of
// cluster migration later. Pure functions; callable from any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace tessera::engine {

using ShardId = uint16_t;
inline constexpr int kSlotCount = 16384;

uint16_t Crc16(std::string_view data);
std::string_view HashTag(std::string_view key);
inline uint16_t KeySlot(std::string_view key) { return Crc16(HashTag(key)) & (kSlotCount - 1); }

// Slots are dealt to shards in contiguous ranges, so a shard owns slots
// [s * 16384 / n, (s + 1) * 16384 / n).
inline ShardId SlotToShard(uint16_t slot, uint32_t shard_count) {
  return static_cast<ShardId>((static_cast<uint32_t>(slot) * shard_count) / kSlotCount);
}
inline ShardId KeyToShard(std::string_view key, uint32_t shard_count) {
  if (shard_count == 1) return 0;  // --threads 1: no CRC over every key of every command
  return SlotToShard(KeySlot(key), shard_count);
}

}  // namespace tessera::engine
