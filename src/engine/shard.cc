#include "src/engine/shard.h"

#include <utility>

#include "storage/db_table.h"

namespace tessera::engine {

Shard::Shard(ShardId id, uint32_t shard_count, int databases)
    : id_(id), shard_count_(shard_count), snapshot_cut_(std::make_unique<storage::SnapshotCut>()) {
  for (int i = 0; i < databases; ++i) {
    dbs_.push_back(std::make_unique<storage::DbTable>(i, &changes_));
    dbs_.back()->set_snapshot_cut(snapshot_cut_.get());
  }
}

Shard::~Shard() = default;

void Shard::SwapDbs(int a, int b) { dbs_[a]->SwapContents(*dbs_[b]); }

bool Shard::ActiveRehash(std::chrono::microseconds budget) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  for (auto& db : dbs_) {
    if (!db->key_table().rehashing()) continue;
    while (db->RehashStep(100) && std::chrono::steady_clock::now() < deadline) {
    }
    return true;  // one database per call, as Redis's databasesCron
  }
  return false;
}

void Shard::UpdateKeepMask() {
  uint16_t mask = notify_mask_ | journal_mask_;
  if (!watches_.empty()) mask = 0xffff;
  if (blocking_ && !blocking_->empty()) mask |= blocking_->wanted_events();
  changes_.set_keep_mask(mask);
}

}  // namespace tessera::engine
