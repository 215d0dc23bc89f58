#include "src/persistence/aof_writer.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tessera::persistence {
namespace {

void AppendSelect(std::string* out, int db) {
  const std::string n = std::to_string(db);
  out->append("*2\r\n$6\r\nSELECT\r\n$");
  out->append(std::to_string(n.size()));
  out->append("\r\n");
  out->append(n);
  out->append("\r\n");
}

}  // namespace

AofWriter::AofWriter(int fd, uint64_t file_size, AofWriterOptions options)
    : options_(std::move(options)),
      policy_(options_.policy),
      appended_lsn_(options_.start_lsn),
      fd_(fd),
      batch_lsn_(options_.start_lsn),
      last_sync_(std::chrono::steady_clock::now()),
      written_lsn_(options_.start_lsn),
      durable_lsn_(options_.start_lsn),
      file_size_(file_size) {
  syncer_ = std::thread([this] { RunSyncer(); });
  thread_ = std::thread([this] { Run(); });
}

AofWriter::~AofWriter() { Close(); }

void AofWriter::Close() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();  // the writer waits for the syncer's last fsync before closing its files
  {
    std::lock_guard<std::mutex> lk(mu_);
    syncer_stop_ = true;
  }
  sync_wake_.notify_one();
  syncer_.join();
}

uint64_t AofWriter::Append(int db, std::string_view resp) {
  std::lock_guard<std::mutex> lk(mu_);
  const size_t before = pending_.size();
  if (db >= 0 && db != stream_db_) AppendSelect(&pending_, db);
  stream_db_ = db;
  pending_.append(resp);
  appended_lsn_ += pending_.size() - before;
  // Only a sleeping writer needs the (syscall-costing) notify; a busy one takes everything
  // pending when it comes back for more.
  if (writer_waiting_) {
    writer_waiting_ = false;
    wake_.notify_one();
  }
  return appended_lsn_;
}

uint64_t AofWriter::SwitchTo(int new_fd, uint64_t new_file_size) {
  std::lock_guard<std::mutex> lk(mu_);
  switches_.push_back(Switch{appended_lsn_, new_fd, new_file_size});
  stream_db_ = -1;
  writer_waiting_ = false;
  wake_.notify_one();
  return appended_lsn_;
}

bool AofWriter::Flush() {
  std::unique_lock<std::mutex> lk(mu_);
  const uint64_t target = appended_lsn_;
  if (durable_lsn() >= target) return true;
  flush_target_ = std::max(flush_target_, target);
  const uint64_t failures = attempt_failures_;
  writer_waiting_ = false;
  wake_.notify_one();
  done_.wait(lk, [&] {
    return durable_lsn() >= target || attempt_failures_ != failures || !writer_alive_;
  });
  return durable_lsn() >= target;
}

void AofWriter::SetPolicy(FsyncPolicy policy) {
  policy_.store(policy, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lk(mu_);
  writer_waiting_ = false;
  wake_.notify_one();
}

std::string AofWriter::error() const {
  std::lock_guard<std::mutex> lk(mu_);
  return error_;
}

AofWriterStats AofWriter::stats() const {
  AofWriterStats s;
  {
    std::lock_guard<std::mutex> lk(mu_);
    s.appended_lsn = appended_lsn_;
  }
  s.written_lsn = written_lsn();
  s.durable_lsn = durable_lsn();
  s.current_file_size = file_size_.load(std::memory_order_relaxed);
  s.buffer_length = s.appended_lsn - std::min(s.appended_lsn, s.written_lsn);
  s.fsync_in_progress = fsync_in_progress_.load(std::memory_order_relaxed);
  s.writes = writes_.load(std::memory_order_relaxed);
  s.fsyncs = fsyncs_.load(std::memory_order_relaxed);
  s.write_errors = write_errors_.load(std::memory_order_relaxed);
  s.fsync_errors = fsync_errors_.load(std::memory_order_relaxed);
  s.last_write_ok = ok();
  return s;
}

ssize_t AofWriter::DoWrite(int fd, const char* p, size_t n) {
  return options_.write_fn ? options_.write_fn(fd, p, n) : ::write(fd, p, n);
}

int AofWriter::DoSync(int fd) {
  fsync_in_progress_.store(true, std::memory_order_relaxed);
  int r;
  do {
    r = options_.sync_fn ? options_.sync_fn(fd) : ::fdatasync(fd);
  } while (r != 0 && errno == EINTR);
  fsync_in_progress_.store(false, std::memory_order_relaxed);
  return r;
}

void AofWriter::PublishDurable(uint64_t lsn) {
  uint64_t cur = durable_lsn_.load(std::memory_order_relaxed);
  while (cur < lsn && !durable_lsn_.compare_exchange_weak(cur, lsn, std::memory_order_release,
                                                          std::memory_order_relaxed)) {
  }
}

void AofWriter::SetFailed(bool write, bool failed, std::string error) {
  (write ? write_failed_ : sync_failed_) = failed;
  if (failed) {
    error_ = std::move(error);
    ++attempt_failures_;
  } else if (!write_failed_ && !sync_failed_) {
    error_.clear();
  }
  ok_.store(!write_failed_ && !sync_failed_, std::memory_order_release);
  done_.notify_all();
}

void AofWriter::WaitSyncerIdle() {
  std::unique_lock<std::mutex> lk(mu_);
  done_.wait(lk, [&] { return !sync_inflight_; });
}

bool AofWriter::SyncInline() {
  WaitSyncerIdle();
  const uint64_t target = batch_lsn_ + batch_pos_;
  const int r = DoSync(fd_);
  const int err = errno;
  last_sync_ = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lk(mu_);
  if (r != 0) {
    fsync_errors_.fetch_add(1, std::memory_order_relaxed);
    SetFailed(/*write=*/false, true, std::string("fsync: ") + std::strerror(err));
    return false;
  }
  fsyncs_.fetch_add(1, std::memory_order_relaxed);
  // Recovered before it shows: whoever sees durable_lsn() reach its LSN also sees ok().
  SetFailed(/*write=*/false, false, "");
  PublishDurable(target);
  return true;
}

void AofWriter::RunSyncer() {
  std::unique_lock<std::mutex> lk(mu_);
  while (true) {
    sync_wake_.wait(lk, [&] { return sync_requested_ || syncer_stop_; });
    if (!sync_requested_) return;
    sync_requested_ = false;
    const int fd = sync_fd_;
    const uint64_t lsn = sync_lsn_;
    lk.unlock();
    const int r = DoSync(fd);
    const int err = errno;
    lk.lock();
    if (r != 0) {
      fsync_errors_.fetch_add(1, std::memory_order_relaxed);
      SetFailed(/*write=*/false, true, std::string("fsync: ") + std::strerror(err));
    } else {
      fsyncs_.fetch_add(1, std::memory_order_relaxed);
      SetFailed(/*write=*/false, false, "");
      PublishDurable(lsn);
    }
    sync_inflight_ = false;
    done_.notify_all();
    // The writer may be waiting to request the next sync or to close this file.
    writer_waiting_ = false;
    wake_.notify_one();
    if (r == 0 && options_.on_progress) {
      lk.unlock();
      options_.on_progress();
      lk.lock();
    }
  }
}

bool AofWriter::WriteBatch() {
  while (true) {
    const uint64_t pos_lsn = batch_lsn_ + batch_pos_;
    // Everything for the old file is written: make it durable and move on. The old file is
    // fsynced whatever the policy, because durable_lsn() only ever describes the current file
    // once earlier ones are complete.
    while (!batch_switches_.empty() && batch_switches_.front().lsn <= pos_lsn) {
      if (durable_lsn() < pos_lsn && !SyncInline()) return false;
      WaitSyncerIdle();  // it may still hold the old fd
      ::close(fd_);
      fd_ = batch_switches_.front().fd;
      file_size_.store(batch_switches_.front().file_size, std::memory_order_relaxed);
      batch_switches_.pop_front();
    }
    if (batch_pos_ == batch_.size()) return true;
    uint64_t end_lsn = batch_lsn_ + batch_.size();
    if (!batch_switches_.empty()) end_lsn = std::min(end_lsn, batch_switches_.front().lsn);
    const ssize_t n = DoWrite(fd_, batch_.data() + batch_pos_, end_lsn - pos_lsn);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      write_errors_.fetch_add(1, std::memory_order_relaxed);
      // write(2) returning 0 for a non-empty buffer is a short write with no errno.
      std::string error = n < 0 ? std::strerror(errno) : "short write";
      std::lock_guard<std::mutex> lk(mu_);
      SetFailed(/*write=*/true, true, std::move(error));
      return false;
    }
    // A short write is progress, not an error: the rest goes in the next call, right after it.
    batch_pos_ += static_cast<size_t>(n);
    writes_.fetch_add(1, std::memory_order_relaxed);
    file_size_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
    written_lsn_.store(batch_lsn_ + batch_pos_, std::memory_order_release);
  }
}

void AofWriter::Run() {
  using Clock = std::chrono::steady_clock;
  bool failed = false;  // the last attempt failed; retry after retry_interval
  Clock::time_point failed_at;
  std::unique_lock<std::mutex> lk(mu_);
  while (true) {
    const FsyncPolicy policy = policy_.load(std::memory_order_relaxed);
    const Clock::time_point now = Clock::now();
    const bool stopping = stop_;
    const bool has_bytes = !pending_.empty() || batch_pos_ < batch_.size() || !switches_.empty() ||
                           !batch_switches_.empty();
    const uint64_t written = batch_lsn_ + batch_pos_;
    const bool unsynced = durable_lsn() < written;
    const bool inline_sync =
        unsynced && (policy == FsyncPolicy::kAlways || flush_target_ > durable_lsn() || stopping);
    const bool everysec_pending = unsynced && policy == FsyncPolicy::kEverySec;
    const bool everysec_due =
        everysec_pending && !sync_inflight_ && now - last_sync_ >= options_.everysec_interval;
    if (!stopping) {
      if (failed && now - failed_at < options_.retry_interval) {
        writer_waiting_ = true;
        wake_.wait_until(lk, failed_at + options_.retry_interval);
        writer_waiting_ = false;
        continue;
      }
      if (!has_bytes && !inline_sync && !everysec_due) {
        writer_waiting_ = true;
        if (everysec_pending && !sync_inflight_) {
          wake_.wait_until(lk, last_sync_ + options_.everysec_interval);
        } else {
          wake_.wait(lk);  // Append, SwitchTo, Flush, SetPolicy, stop or the syncer wake us
        }
        writer_waiting_ = false;
        continue;
      }
    }
    if (everysec_due && !inline_sync) {
      // Hand the fsync to the syncer and keep writing meanwhile; it covers what is written now.
      sync_requested_ = true;
      sync_inflight_ = true;
      sync_fd_ = fd_;
      sync_lsn_ = written;
      last_sync_ = now;
      sync_wake_.notify_one();
    }

    // Take everything pending: this is the group.
    if (batch_pos_ == batch_.size()) {
      batch_lsn_ += batch_.size();
      batch_.clear();
      batch_pos_ = 0;
      batch_.swap(pending_);
    } else {
      batch_.append(pending_);
      pending_.clear();
    }
    for (const Switch& s : switches_) batch_switches_.push_back(s);
    switches_.clear();
    const uint64_t flush_target = flush_target_;
    lk.unlock();

    const uint64_t written_before = written_lsn();
    const uint64_t durable_before = durable_lsn();
    bool ok = WriteBatch();
    if (ok) {
      std::lock_guard<std::mutex> g(mu_);
      if (write_failed_) SetFailed(/*write=*/true, false, "");
    }
    if (ok && durable_lsn() < batch_lsn_ + batch_pos_) {
      const FsyncPolicy p = policy_.load(std::memory_order_relaxed);
      if (p == FsyncPolicy::kAlways || flush_target > durable_lsn() || stopping) {
        ok = SyncInline();
      }
    }
    if (ok) {
      failed = false;
    } else {
      failed = true;
      failed_at = Clock::now();
    }
    if ((written_lsn() != written_before || durable_lsn() != durable_before) &&
        options_.on_progress) {
      options_.on_progress();
    }

    lk.lock();
    done_.notify_all();
    if (stopping) break;
  }
  // Shutdown: whatever could not be written is lost, as with Redis when its final write fails.
  // The syncer may still be flushing fd_.
  done_.wait(lk, [&] { return !sync_inflight_; });
  ::close(fd_);
  for (const Switch& s : batch_switches_) ::close(s.fd);
  for (const Switch& s : switches_) ::close(s.fd);
  writer_alive_ = false;
  done_.notify_all();
}

}  // namespace tessera::persistence
