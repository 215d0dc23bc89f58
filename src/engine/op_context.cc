#include "src/engine/op_context.h"

#include "src/engine/shard.h"

namespace tessera::engine {

ShardId OpContext::shard_id() const { return shard_.id(); }
uint32_t OpContext::shard_count() const { return shard_.shard_count(); }
storage::DbTable& OpContext::db() { return shard_.db(db_); }
storage::DbTable& OpContext::db(int index) { return shard_.db(index); }

}  // namespace tessera::engine
