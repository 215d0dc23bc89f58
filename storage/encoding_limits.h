// Thresholds at which small collections leave their packed encodings, with Redis's names and
// defaults. Process-wide and changeable at runtime (CONFIG SET), so the fields are atomics that
// ops read with relaxed loads; a new value applies to the next conversion decision, as in Redis.
#pragma once

#include <atomic>
#include <cstdint>

namespace tessera::storage {

struct EncodingLimits {
  // Positive: max entries per packed list node; negative: max node bytes (-1 4K ... -5 64K).
  std::atomic<int64_t> list_max_listpack_size{-2};
  std::atomic<int64_t> hash_max_listpack_entries{512};
  std::atomic<int64_t> hash_max_listpack_value{64};
  std::atomic<int64_t> set_max_intset_entries{512};
  std::atomic<int64_t> zset_max_listpack_entries{128};
  std::atomic<int64_t> zset_max_listpack_value{64};
};

EncodingLimits& GlobalEncodingLimits();

}  // namespace tessera::storage
