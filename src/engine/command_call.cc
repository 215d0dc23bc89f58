#include "src/engine/command_call.h"

#include "src/engine/engine.h"

namespace tessera::engine {

uint32_t CommandCall::shard_count() const { return engine_->shard_count(); }

ShardId CommandCall::local_shard() const { return engine_->LocalShard(); }

ShardId CommandCall::ShardOf(std::string_view key) const {
  return KeyToShard(key, engine_->shard_count());
}

std::vector<uint32_t> CommandCall::KeyPositions() const {
  return engine::KeyPositions(*spec_, args_);
}

std::vector<uint32_t> KeyPositions(const CommandSpec& s, const protocol::CommandArgs& args) {
  if (s.keys_fn != nullptr) return s.keys_fn(args);
  std::vector<uint32_t> out;
  ForEachKeyPosition(s, args, [&out](uint32_t pos) { out.push_back(pos); });
  return out;
}

const std::vector<std::vector<uint32_t>>& CommandCall::KeyPositionsByShard() const {
  if (!by_shard_known_) {
    by_shard_.assign(shard_count(), {});
    for (uint32_t pos : KeyPositions()) by_shard_[ShardOf(args_[pos])].push_back(pos);
    by_shard_known_ = true;
  }
  return by_shard_;
}

void CommandCall::RunOnAllShards(ShardStep step, Continuation then) {
  std::vector<ShardId> all(shard_count());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = static_cast<ShardId>(i);
  RunOnShards(std::move(all), std::move(step), std::move(then));
}

}  // namespace tessera::engine
