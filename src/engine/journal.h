// Where the engine sends what changed, as Redis commands: the append-only file today, the
// change feed and replication later (docs/aof.md).
//
// Every write leaves one record, appended at the moment the change becomes visible and before
// any later change to the same keys can run, so the journal's order is an order in which the
// changes can be replayed:
//  - a one-shard op appends on its shard's thread, right after the op (Engine::RunOp);
//  - a multi-shard command or a MULTI/EXEC block appends one record while it still holds its
//    locks (CoordinatedCall, ExecRun), so replay applies it whole;
//  - keys removed by expiry append DEL (Engine::AfterOp), before the op that found them expired.
// Records are deterministic: relative TTLs become absolute, random pops name what they took,
// blocking commands become their non-blocking forms (src/engine/propagation.h).
//
// Thread: Append is called from every loop thread and must be thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace tessera::engine {

class Journal {
 public:
  virtual ~Journal() = default;
  // `resp`: one or more complete RESP commands for database `db`; db < 0 when the record
  // selects its own databases (a MULTI/EXEC block).
  virtual void Append(int db, std::string_view resp) = 0;
  // Empty while records reach the disk; else why not (Redis then refuses writes with -MISCONF
  // rather than acknowledge what it cannot persist). Any thread.
  virtual std::string WriteError() const = 0;
};

}  // namespace tessera::engine
