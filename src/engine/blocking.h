// Clients blocked on keys (BLPOP, BZPOPMIN, BLMOVE, ...), one registry per shard.
//
// Shard-thread only. The engine feeds it every change recorded on its shard (Engine::AfterOp);
// it decides which blocked clients a change can serve, in the order they blocked.
// The implementation lives with the blocking commands; this is the engine's hook.
#pragma once

#include <cstdint>
#include <vector>

#include "storage/change_event.h"

namespace tessera::engine {

class Shard;

class BlockingRegistry {
 public:
  virtual ~BlockingRegistry() = default;
  // Whether any client waits on this shard (AfterOp skips the call otherwise).
  virtual bool empty() const = 0;
  // Event classes the registry needs recorded (e.g. list and zset events) while non-empty.
  virtual uint16_t wanted_events() const = 0;
  // Called after every op with the changes it recorded, on the shard's thread.
  virtual void OnChanges(Shard& shard, const std::vector<storage::ChangeEvent>& events,
                         int64_t now_ms) = 0;
};

}  // namespace tessera::engine
