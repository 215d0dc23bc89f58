// Network limits, shared by every loop and changeable at runtime (CONFIG SET), hence atomics.
// Readers take relaxed loads: a new limit applies from the next check, as in Redis.
#pragma once

#include <atomic>
#include <cstdint>

namespace tessera::net {

struct NetOptions {
  std::atomic<int64_t> maxclients{10000};
  std::atomic<int64_t> timeout_s{0};  // idle clients closed after this; 0 = never
  std::atomic<int64_t> tcp_keepalive_s{300};
  std::atomic<int64_t> query_buffer_limit{1024LL * 1024 * 1024};  // client-query-buffer-limit
  std::atomic<int64_t> proto_max_bulk_len{512LL * 1024 * 1024};
  // client-output-buffer-limit normal <hard> <soft> <soft-seconds>; 0 = no limit.
  std::atomic<int64_t> output_hard_limit{0};
  std::atomic<int64_t> output_soft_limit{0};
  std::atomic<int64_t> output_soft_seconds{0};
  // client-output-buffer-limit pubsub: clients with any subscription (ClientSession::subscribed).
  std::atomic<int64_t> pubsub_hard_limit{32LL * 1024 * 1024};
  std::atomic<int64_t> pubsub_soft_limit{8LL * 1024 * 1024};
  std::atomic<int64_t> pubsub_soft_seconds{60};
  std::atomic<bool> auth_required{false};  // requirepass is set

  std::atomic<int64_t> connected_clients{0};
  std::atomic<uint64_t> next_client_id{1};
  std::atomic<uint64_t> total_connections_received{0};
  std::atomic<uint64_t> rejected_connections{0};
  // Bytes read and written are counted per loop (LoopNet::input_bytes), not here: every loop
  // would write this cache line on every read and write, and it holds the limits they all read.
};

}  // namespace tessera::net
