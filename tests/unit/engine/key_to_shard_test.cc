#include "src/engine/key_to_shard.h"

#include <gtest/gtest.h>

#include <string>

namespace tessera::engine {
namespace {

// The CRC the way the Redis Cluster specification states it: bit by bit, polynomial 0x1021.
uint16_t BitwiseCrc16(std::string_view data) {
  uint16_t crc = 0;
  for (unsigned char c : data) {
    crc = static_cast<uint16_t>(crc ^ (c << 8));
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

TEST(KeyToShardTest, Crc16MatchesTheSpecification) {
  EXPECT_EQ(Crc16("123456789"), 0x31C3);  // the check value of CRC-16/XMODEM
  EXPECT_EQ(Crc16(""), 0);
  // Every length and byte value (odd lengths take the one-byte tail).
  std::string data;
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(Crc16(data), BitwiseCrc16(data)) << "length " << data.size();
    data.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  }
}

TEST(KeyToShardTest, SlotsAreRedisClusterSlots) {
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("bar"), 5061);
  EXPECT_EQ(KeySlot("hello"), 866);
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("{user1000}.followers"));
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("user1000"));
  EXPECT_EQ(KeySlot("{}foo"), Crc16("{}foo") & (kSlotCount - 1));  // empty tag: whole key
}

TEST(KeyToShardTest, ShardsOwnContiguousSlotRanges) {
  for (const char* key : {"foo", "bar", "hello", "{user1000}.following", "", "key:000000012345"}) {
    EXPECT_EQ(KeyToShard(key, 1), 0) << key;
    for (uint32_t n : {2u, 3u, 4u, 8u}) {
      EXPECT_EQ(KeyToShard(key, n), KeySlot(key) * n / kSlotCount) << key << " over " << n;
    }
  }
  EXPECT_EQ(SlotToShard(0, 4), 0);
  EXPECT_EQ(SlotToShard(4095, 4), 0);
  EXPECT_EQ(SlotToShard(4096, 4), 1);
  EXPECT_EQ(SlotToShard(16383, 4), 3);
}

}  // namespace
}  // namespace tessera::engine
