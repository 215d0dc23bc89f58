#include "src/persistence/shard_snapshot.h"

#include <utility>

namespace tessera::persistence {

ShardSnapshot::ShardSnapshot(std::vector<storage::DbTable*> tables, storage::SnapshotCut* cut,
                             RdbFileWriter* file, bool compress)
    : tables_(std::move(tables)),
      cut_(cut),
      file_(file),
      compress_(compress),
      buffers_(tables_.size()) {}

ShardSnapshot::~ShardSnapshot() {
  // A pass must not stop half-way (see Abandon); the owner drives it to the end. If the process
  // is going away anyway, at least detach so the tables never call a dead observer.
  if (started_ && !done_ && cut_->observer == this) cut_->observer = nullptr;
}

void ShardSnapshot::Start() {
  cut_->saved_mark = !cut_->saved_mark;
  cut_->observer = this;
  started_ = true;
}

bool ShardSnapshot::Step(size_t max_entries) {
  if (done_) return true;
  waiting_for_disk_ = file_ != nullptr && file_->queued_bytes() > kMaxQueuedBytes;
  if (waiting_for_disk_) return false;
  size_t visited = 0;
  while (db_ < tables_.size() && visited < max_entries) {
    storage::DbTable& table = *tables_[db_];
    batch_.clear();
    cursor_ = table.Scan(cursor_, 64, &batch_);
    // SnapshotEntry may serialize (this observer) but never changes the table, so the batch's
    // pointers stay valid through the loop.
    for (storage::Entry* e : batch_) table.SnapshotEntry(e);
    visited += batch_.size() + 1;
    if (cursor_ == 0) {
      Flush(db_, /*force=*/true);
      ++db_;
    }
  }
  if (db_ < tables_.size()) return false;
  cut_->observer = nullptr;
  for (size_t db = 0; db < buffers_.size(); ++db) Flush(db, /*force=*/true);
  done_ = true;
  return true;
}

void ShardSnapshot::Abandon() {
  file_ = nullptr;
  for (std::string& b : buffers_) std::string().swap(b);
}

void ShardSnapshot::BeforeChange(const storage::DbTable& table, const storage::Entry& e) {
  if (file_ == nullptr || failed_) return;
  const size_t db = static_cast<size_t>(table.db_index());
  if (AppendRdbRecord(e, table.GetExpire(&e), compress_, &buffers_[db])) ++keys_saved_;
  Flush(db, /*force=*/false);
}

void ShardSnapshot::Flush(size_t db, bool force) {
  std::string& buf = buffers_[db];
  if (buf.empty() || (!force && buf.size() < kFlushBytes)) return;
  if (file_ != nullptr && !failed_ && !file_->AppendRecords(static_cast<int>(db), buf)) {
    failed_ = true;
  }
  buf.clear();
}

}  // namespace tessera::persistence
