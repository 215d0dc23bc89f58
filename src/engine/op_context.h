// What shard-side command code sees: the shard's tables for the client's db, the command's
// clock reading and the client's protocol version.
//
// Lives only for the duration of one op, on the thread that owns the shard. Everything reached
// through it belongs to that thread; nothing here may be kept past the op or handed to another
// thread. `now_ms` is read once per command (as Redis caches the time per command) so an op sees
// one consistent instant for every expiry check it makes.
#pragma once

#include <cstdint>

#include "protocol/reply_builder.h"
#include "src/engine/key_to_shard.h"

namespace tessera::storage {
class DbTable;
}

namespace tessera::engine {

class Shard;

class OpContext {
 public:
  OpContext(Shard& shard, int db, protocol::RespVersion resp, int64_t now_ms)
      : shard_(shard), db_(db), resp_(resp), now_ms_(now_ms) {}

  Shard& shard() { return shard_; }
  ShardId shard_id() const;
  uint32_t shard_count() const;
  // This shard's slice of the client's selected database, or of database `index`.
  storage::DbTable& db();
  storage::DbTable& db(int index);
  int db_index() const { return db_; }
  protocol::RespVersion resp() const { return resp_; }
  int64_t now_ms() const { return now_ms_; }

 private:
  Shard& shard_;
  int db_;
  protocol::RespVersion resp_;
  int64_t now_ms_;
};

}  // namespace tessera::engine
