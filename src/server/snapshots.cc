#include "src/server/snapshots.h"

#include <sys/stat.h>

#include <cstdio>
#include <sstream>
#include <utility>

#include "src/engine/engine.h"
#include "src/engine/key_to_shard.h"
#include "src/engine/op_context.h"
#include "src/engine/shard.h"
#include "src/persistence/rdb_reader.h"
#include "src/server/log.h"
#include "src/server/memory_stats.h"
#include "src/server/server.h"
#include "storage/db_table.h"

namespace tessera::server {

namespace {

// Entries serialized per slice of a background pass (slices run a millisecond apart): a slice
// takes about a tenth of a millisecond, so commands wait at most that long behind it and the
// pass uses a small share of the loop; a pass covers about 250k entries per second per shard.
// (1,000 per slice doubled p99 latency under back-to-back BGSAVEs: tools/bench/bgsave_bench.sh.)
constexpr size_t kSliceEntries = 250;
// Redis's CONFIG_BGSAVE_RETRY_DELAY: after a failed background save, save points wait this long.
constexpr int64_t kRetryDelayMs = 5000;

std::vector<std::pair<int64_t, int64_t>> ParseSavePoints(const std::string& text) {
  std::vector<std::pair<int64_t, int64_t>> points;
  std::istringstream in(text);
  int64_t secs, changes;
  while (in >> secs >> changes) points.emplace_back(secs, changes);
  return points;
}

std::vector<storage::DbTable*> TablesOf(engine::Shard& shard) {
  std::vector<storage::DbTable*> tables;
  for (int db = 0; db < shard.databases(); ++db) tables.push_back(&shard.db(db));
  return tables;
}

std::string FormatMb(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", bytes / (1024.0 * 1024.0));
  return buf;
}

}  // namespace

struct SnapshotService::ShardJob {
  std::unique_ptr<persistence::ShardSnapshot> pass;
  std::unique_ptr<runtime::Timer> next_slice;  // paces the pass (RunSlice)
  uint64_t dirty_at_start = 0;
  bool ok = true;
};

SnapshotService::SnapshotService(Server& server) : server_(server) {
  status_.last_save_unix = server.clock().NowMs() / 1000;
}

SnapshotService::~SnapshotService() {
  if (committer_.joinable()) committer_.join();
}

std::string SnapshotService::RdbPath() const {
  std::string dir = server_.config().Value("dir");
  std::string name = server_.config().Value("dbfilename");
  if (dir.empty() || dir == ".") return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

SnapshotStatus SnapshotService::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

uint64_t SnapshotService::Dirty() const {
  engine::Engine& engine = server_.engine();
  uint64_t total = 0;
  // Shard::dirty() is an atomic read, safe from any thread.
  for (uint32_t s = 0; s < engine.shard_count(); ++s) total += engine.shard(s).dirty();
  return total;
}

bool SnapshotService::LoadAtStartup(std::string* error) {
  const std::string path = RdbPath();
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return true;  // nothing saved yet
  return LoadRdbIntoShards(server_.engine(), server_.clock(), path, error);
}

bool LoadRdbIntoShards(engine::Engine& engine, runtime::Clock& clock, const std::string& path,
                       std::string* error) {
  std::string open_error;
  std::unique_ptr<persistence::RdbReader> reader = persistence::RdbReader::Open(path, &open_error);
  if (reader == nullptr) {
    *error = "Fatal error loading the DB: " + open_error + ". Exiting.";
    return false;
  }
  const int64_t start_ms = clock.NowMs();
  int64_t next_log_ms = start_ms + 1000;
  uint64_t loaded = 0, expired = 0;
  persistence::RdbRecord rec;
  while (true) {
    persistence::RdbReader::Result r = reader->Next(&rec);
    if (r == persistence::RdbReader::Result::kEnd) break;
    if (r == persistence::RdbReader::Result::kError) {
      *error = "Short read or OOM loading DB. Unrecoverable error, aborting now. (" +
               reader->error() + ")";
      return false;
    }
    if (rec.db < 0 || rec.db >= engine.databases()) {
      *error = "FATAL: Data file was created with a Redis server configured to handle more than " +
               std::to_string(engine.databases()) + " databases. Exiting";
      return false;
    }
    // As a Redis master does: keys already expired are not loaded.
    if (rec.expire_at_ms != storage::kNoExpire && rec.expire_at_ms < start_ms) {
      ++expired;
      continue;
    }
    // Before the loops start the main thread owns every shard (thread start orders these
    // writes before the loops' first reads).
    storage::DbTable& table =
        engine.shard(engine::KeyToShard(rec.key, engine.shard_count())).db(rec.db);
    if (table.FindRaw(rec.key) != nullptr) {
      *error = "RDB has duplicated key '" + rec.key + "' in DB " + std::to_string(rec.db);
      return false;
    }
    table.AddNew(rec.key, rec.TakeValue(), rec.expire_at_ms);
    ++loaded;
    if ((loaded & 1023) == 0 && clock.NowMs() >= next_log_ms) {
      const int64_t now = clock.NowMs();
      const double secs = static_cast<double>(now - start_ms) / 1000.0;
      Log(LogLevel::kNotice,
          "Loading RDB: " + std::to_string(loaded) + " keys, " +
              std::to_string(reader->offset() * 100 / std::max<uint64_t>(reader->file_size(), 1)) +
              "% of " + FormatMb(static_cast<double>(reader->file_size())) + " MB, " +
              FormatMb(static_cast<double>(reader->offset()) / secs) + " MB/s");
      next_log_ms = now + 1000;
    }
  }
  // Loading is not a change: nothing to save until something is written.
  for (uint32_t s = 0; s < engine.shard_count(); ++s) {
    engine::Shard& shard = engine.shard(s);
    shard.changes().TakeOpDirty();
    shard.changes().Clear();
  }
  const int64_t elapsed_ms = clock.NowMs() - start_ms;
  Log(LogLevel::kNotice, "Done loading RDB, keys loaded: " + std::to_string(loaded) +
                             ", keys expired: " + std::to_string(expired) + ".");
  char secs[32];
  std::snprintf(secs, sizeof(secs), "%.3f", static_cast<double>(elapsed_ms) / 1000.0);
  Log(LogLevel::kNotice, std::string("DB loaded from disk: ") + secs + " seconds");
  return true;
}

bool SnapshotService::rewriting_aof() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_.in_progress && !target_.rdb_dump;
}

void SnapshotService::Save(engine::CommandCall& call, Mode mode, Done done) {
  Target target;
  target.path = RdbPath();
  Save(call, mode, std::move(target), std::move(done));
}

void SnapshotService::Settle(bool ok, int64_t now_ms) {
  std::function<void(bool)> after;
  bool rdb;
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_.in_progress = false;
    rdb = target_.rdb_dump;
    if (rdb) {
      status_.last_ok = ok;
      status_.last_duration_s = (now_ms - status_.current_start_ms + 500) / 1000;
      if (ok) {
        status_.last_save_unix = now_ms / 1000;
        ++status_.saves;
      }
    }
    after = std::move(target_.after_commit);
    target_ = Target();
  }
  if (after) after(ok);
}

void SnapshotService::Save(engine::CommandCall& call, Mode mode, Target target, Done done) {
  engine::Engine& engine = call.engine();
  const int64_t now_ms = engine.clock().NowMs();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (status_.in_progress) {
      done(call, false, "ERR Background save already in progress");
      return;
    }
    status_.in_progress = true;
    status_.current_start_ms = now_ms;
    target_ = std::move(target);
  }
  persistence::RdbAux aux;
  aux.ctime = now_ms / 1000;
  aux.used_mem = static_cast<int64_t>(ReadMemoryStats().allocated);
  aux.aof_base = !target_.rdb_dump;
  std::string error;
  file_ = persistence::RdbFileWriter::Create(target_.path, aux, &error);
  if (file_ == nullptr) {
    Settle(false, now_ms);
    Log(LogLevel::kWarning, "Failed opening the temp RDB file: " + error);
    done(call, false, "ERR " + error);
    return;
  }
  if (mode == Mode::kBackground && target_.rdb_dump) {
    Log(LogLevel::kNotice, "Background saving started");
  }
  if (jobs_.empty()) {
    for (uint32_t s = 0; s < engine.shard_count(); ++s)
      jobs_.push_back(std::make_unique<ShardJob>());
  }
  shards_running_ = static_cast<int>(engine.shard_count());
  const bool compress = server_.config().Value("rdbcompression") != "no";
  // A shared lock on every shard: no multi-shard write is half-applied while the passes start.
  std::vector<std::pair<engine::ShardId, engine::LockSet>> plan;
  for (uint32_t s = 0; s < engine.shard_count(); ++s) {
    engine::LockSet set;
    set.shard_wide = true;
    set.shard_mode = engine::LockMode::kShared;
    plan.emplace_back(static_cast<engine::ShardId>(s), std::move(set));
  }
  call.Lock(std::move(plan), [this, mode, compress, done](engine::CommandCall& call) {
    call.RunOnAllShards(
        [this, mode, compress](engine::OpContext& ctx) {
          engine::Shard& shard = ctx.shard();
          ShardJob& job = *jobs_[shard.id()];
          job.pass = std::make_unique<persistence::ShardSnapshot>(
              TablesOf(shard), &shard.snapshot_cut(), file_.get(), compress);
          job.dirty_at_start = shard.total_dirty();
          job.pass->Start();
          if (mode == Mode::kForeground) {
            while (!job.pass->Step(1 << 16)) {
            }
            job.ok = job.pass->ok();
            job.pass.reset();
            return;
          }
          // Each slice is its own task: the loop serves I/O and other work between slices.
          // (A zero-delay uv timer re-armed from its own callback would run again at once,
          // within the same timer phase, and never yield.)
          runtime::Loop::Current()->Post([this, id = shard.id()] { RunSlice(id); });
        },
        [this, mode, done](engine::CommandCall& call) {
          // Every shard has its pass running and every lock is still held: the cut.
          if (target_.at_cut) target_.at_cut();
          if (mode == Mode::kBackground) {
            done(call, true, "");
            return;
          }
          bool ok = true;
          for (auto& job : jobs_) ok = ok && job->ok;
          std::string error;
          if (!ok) {
            error = file_->error();
            file_->Abort();
          } else if (!file_->Commit(&error)) {
            ok = false;
          }
          file_.reset();
          const bool rdb = target_.rdb_dump;
          Settle(ok, call.engine().clock().NowMs());
          if (!ok) {
            Log(LogLevel::kWarning, "Error saving DB on disk: " + error);
            done(call, false, "ERR " + error);
            return;
          }
          if (!rdb) {
            done(call, true, "");
            return;
          }
          Log(LogLevel::kNotice, "DB saved on disk");
          call.RunOnAllShards(
              [this](engine::OpContext& ctx) {
                ctx.shard().MarkSaved(jobs_[ctx.shard().id()]->dirty_at_start);
              },
              [done](engine::CommandCall& call) { done(call, true, ""); });
        });
  });
}

void SnapshotService::RunSlice(engine::ShardId id) {
  ShardJob& job = *jobs_[id];
  if (!job.pass->Step(kSliceEntries)) {
    // The next slice a millisecond later: the pass takes at most about half of the loop's time
    // (a slice is well under a millisecond), so requests keep their latency while a save runs;
    // also the wait while the file's queue is full.
    if (job.next_slice == nullptr) {
      job.next_slice = std::make_unique<runtime::Timer>(runtime::Loop::Current());
    }
    job.next_slice->Arm(1, [this, id] { RunSlice(id); });
    return;
  }
  job.ok = job.pass->ok();
  job.pass.reset();
  engine::Engine& engine = server_.engine();
  engine.loop(0).Post([this] { ShardFinished(); });
  (void)engine;
}

void SnapshotService::ShardFinished() {
  if (--shards_running_ > 0) return;
  bool ok = true;
  for (auto& job : jobs_) ok = ok && job->ok;
  if (committer_.joinable()) committer_.join();
  // fsync can take long: off the loop.
  persistence::RdbFileWriter* file = file_.get();
  committer_ = std::thread([this, file, ok] {
    std::string error;
    bool committed = ok;
    if (!ok) {
      error = file->error();
      file->Abort();
    } else if (!file->Commit(&error)) {
      committed = false;
    }
    server_.engine().loop(0).Post([this, committed, error] { Finished(committed, error); });
  });
}

void SnapshotService::Finished(bool ok, const std::string& error) {
  if (committer_.joinable()) committer_.join();
  file_.reset();
  engine::Engine& engine = server_.engine();
  bool rdb;
  {
    std::lock_guard<std::mutex> lock(mu_);
    rdb = target_.rdb_dump;
  }
  Settle(ok, engine.clock().NowMs());
  if (!rdb) return;
  last_ok_for_retry_ = ok;
  if (!ok) {
    Log(LogLevel::kWarning, "Background saving error: " + error);
    return;
  }
  Log(LogLevel::kNotice, "Background saving terminated with success");
  for (uint32_t s = 0; s < engine.shard_count(); ++s) {
    const uint64_t at = jobs_[s]->dirty_at_start;
    engine.loop(s).Post([&engine, s, at] { engine.shard(s).MarkSaved(at); });
  }
}

void SnapshotService::StartCron(std::function<void()> trigger) {
  trigger_ = std::move(trigger);
  server_.engine().loop(0).Post([this] {
    cron_ = std::make_unique<runtime::Timer>(runtime::Loop::Current());
    cron_->Arm(1000, [this] { CronTick(); });
  });
}

void SnapshotService::CronTick() {
  cron_->Arm(1000, [this] { CronTick(); });
  const SnapshotStatus st = status();
  // Not while the AOF is being replayed: Redis does not save a half-loaded dataset either.
  if (st.in_progress || server_.engine().loading()) return;
  const int64_t now_ms = server_.engine().clock().NowMs();
  if (bgsave_scheduled_.exchange(false)) {
    trigger_();
    return;
  }
  if (!last_ok_for_retry_ && now_ms - last_attempt_ms_ < kRetryDelayMs) return;
  const uint64_t dirty = Dirty();
  for (const auto& [secs, changes] : ParseSavePoints(server_.config().Value("save"))) {
    if (dirty >= static_cast<uint64_t>(changes) && now_ms / 1000 - st.last_save_unix >= secs) {
      Log(LogLevel::kNotice,
          std::to_string(changes) + " changes in " + std::to_string(secs) + " seconds. Saving...");
      last_attempt_ms_ = now_ms;
      trigger_();
      return;
    }
  }
}

}  // namespace tessera::server
