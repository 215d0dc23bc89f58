#include "src/server/aof_service.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "src/engine/engine.h"
#include "src/server/internal_client.h"
#include "src/server/log.h"
#include "src/server/server.h"
#include "src/server/snapshots.h"

namespace tessera::server {

namespace {

// Commands in flight from the replaying client at a time: enough to keep every shard busy
// (commands to other shards travel as batched hops), few enough to bound the reply buffer.
constexpr size_t kReplayWindow = 512;
// The id of the replaying client (like the server's own client, never listed).
constexpr uint64_t kReplayClientId = (uint64_t{1} << 62) + 1;

persistence::FsyncPolicy PolicyOf(const std::string& name) {
  if (name == "always") return persistence::FsyncPolicy::kAlways;
  if (name == "no") return persistence::FsyncPolicy::kNo;
  return persistence::FsyncPolicy::kEverySec;
}

[[noreturn]] void Fatal(const std::string& message) {
  Log(LogLevel::kWarning, message);
  std::exit(1);
}

}  // namespace

struct AofService::ReplayState {
  InternalClient* client = nullptr;
  size_t file = 0;  // index in to_replay_
  std::unique_ptr<persistence::AofReader> reader;
  protocol::RespReader replies;
  size_t in_flight = 0;
  bool reading_done = false;  // every file has been read
  uint64_t commands = 0;
  int64_t start_ms = 0;
};

AofService::AofService(Server& server) : server_(server) {}

AofService::~AofService() {
  if (writer_owner_ == nullptr) return;
  writer_owner_->Flush();
  // Closing still reports progress from the writer's thread; nobody waits any more.
  closing_.store(true, std::memory_order_release);
  // Drains and fsyncs what is pending and joins its threads. Only then may the pointer be
  // cleared: OnProgress reads it from the writer's thread until the join.
  writer_owner_->Close();
  writer_.store(nullptr, std::memory_order_release);
  writer_owner_.reset();
}

bool AofService::Prepare(std::string* error) {
  Config& config = server_.config();
  if (config.Value("appendonly") != "yes") return true;
  std::string dir = config.Value("dir");
  if (dir.empty()) dir = ".";
  dir_ = persistence::AofDir::Open(dir, config.Value("appenddirname"),
                                   config.Value("appendfilename"), error);
  if (dir_ == nullptr) return false;
  if (dir_->upgraded()) {
    Log(LogLevel::kNotice, "Successfully migrated an old-style AOF into the AOF directory");
  }
  for (persistence::AofLoadFile& f : dir_->FilesToLoad()) {
    persistence::AofReader probe;
    if (!probe.Open(f.path, f.name)) {
      *error = probe.error();
      return false;
    }
    if (f.type == persistence::AofFileType::kBase && probe.rdb_preamble()) {
      // An RDB base goes straight into the shards, before the loops run.
      Log(LogLevel::kNotice, "Loading RDB base file on AOF loading...");
      if (!LoadRdbIntoShards(server_.engine(), server_.clock(), f.path, error)) return false;
      Log(LogLevel::kNotice, "DB loaded from base file " + f.name);
      continue;
    }
    to_replay_.push_back(std::move(f));
  }
  waiting_ = std::make_unique<std::atomic<bool>[]>(server_.engine().shard_count());
  // Until the writer is open (FinishReplay, on loop 0 once the loops run) a write could not be
  // recorded: clients wait with -LOADING, even when there is nothing to replay.
  server_.engine().set_loading(true);
  return true;
}

void AofService::Replay() {
  if (!enabled()) return;
  replay_ = std::make_unique<ReplayState>();
  replay_->start_ms = server_.clock().NowMs();
  if (to_replay_.empty()) {
    FinishReplay();
    return;
  }
  engine::Engine& engine = server_.engine();
  replay_->client =
      new InternalClient(&engine.loop(0), kReplayClientId, &engine, [this](std::string& out) {
        // Count whole replies; errors are ignored, as Redis's loader ignores them.
        replay_->replies.Feed(out);
        protocol::RespValue v;
        while (replay_->replies.Next(&v) == protocol::RespReader::Status::kValue) {
          --replay_->in_flight;
        }
        PumpReplay();
      });
  PumpReplay();
}

void AofService::PumpReplay() {
  ReplayState& st = *replay_;
  while (!st.reading_done && st.in_flight < kReplayWindow) {
    if (st.reader == nullptr) {
      if (st.file == to_replay_.size()) {
        st.reading_done = true;
        break;
      }
      const persistence::AofLoadFile& f = to_replay_[st.file];
      st.reader = std::make_unique<persistence::AofReader>();
      if (!st.reader->Open(f.path, f.name)) Fatal(st.reader->error());
      // Every file is replayed from db 0.
      ++st.in_flight;
      st.client->Run(protocol::CommandArgs{"SELECT", "0"});
    }
    protocol::CommandArgs args;
    persistence::AofReader::Result r = st.reader->Next(&args);
    if (r == persistence::AofReader::Result::kCommand) {
      if (server_.engine().registry().Find(args[0]) == nullptr) {
        Fatal("Unknown command '" + std::string(args[0]) + "' reading the append only file " +
              to_replay_[st.file].name);
      }
      ++st.in_flight;
      ++st.commands;
      st.client->Run(std::move(args));
      continue;
    }
    const persistence::AofLoadFile& f = to_replay_[st.file];
    if (r == persistence::AofReader::Result::kError) {
      Fatal(
          st.reader->error() +
          ". Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>");
    }
    if (r == persistence::AofReader::Result::kTruncated) {
      const bool last = st.file + 1 == to_replay_.size();
      if (!last || server_.config().Value("aof-load-truncated") != "yes") {
        Fatal("Unexpected end of file reading the append only file " + f.name +
              ". You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix "
              "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
              "configuration option to yes and restart the server.");
      }
      Log(LogLevel::kWarning,
          "!!! Warning: short read while loading the AOF file " + f.name + "!!!");
      std::string error;
      if (!persistence::TruncateTo(f.path, st.reader->valid_offset(), &error)) {
        Fatal("Error truncating the AOF file " + f.name + ": " + error);
      }
      Log(LogLevel::kWarning, "AOF " + f.name +
                                  " loaded anyway because aof-load-truncated is "
                                  "enabled (truncated to " +
                                  std::to_string(st.reader->valid_offset()) + " bytes)");
      if (st.client->session().in_multi) {
        // The torn transaction never ran: drop what was queued.
        ++st.in_flight;
        st.client->Run(protocol::CommandArgs{"DISCARD"});
      }
    }
    st.reader.reset();
    ++st.file;
  }
  if (st.reading_done && st.in_flight == 0) {
    // Posted: this may run inside the client's output callback.
    server_.engine().loop(0).Post([this] { FinishReplay(); });
  }
}

void AofService::FinishReplay() {
  if (replay_ == nullptr || writer() != nullptr) return;
  std::lock_guard<std::mutex> lock(dir_mu_);
  std::string error;
  uint64_t size = 0;
  const int fd = dir_->OpenLastIncr(&size, &error);
  if (fd < 0) Fatal("Can't open the append-only file: " + error);
  persistence::AofWriterOptions options;
  options.policy = PolicyOf(server_.config().Value("appendfsync"));
  options.on_progress = [this] { OnProgress(); };
  writer_owner_ = std::make_unique<persistence::AofWriter>(fd, size, std::move(options));
  writer_.store(writer_owner_.get(), std::memory_order_release);
  engine::Engine& engine = server_.engine();
  // Recording starts before clients are let in, so no acknowledged write goes unrecorded.
  engine.SetJournal(this);
  engine.set_loading(false);
  if (!to_replay_.empty()) {
    const double secs = static_cast<double>(server_.clock().NowMs() - replay_->start_ms) / 1000;
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.3f", secs);
    Log(LogLevel::kNotice, "DB loaded from append only file: " + std::string(buf) + " seconds (" +
                               std::to_string(replay_->commands) + " commands)");
  }
  if (replay_->client != nullptr) replay_->client->Close();
  replay_->client = nullptr;
  const persistence::AofDiskSizes sizes = dir_->DiskSizes();
  base_file_size_ = sizes.base;
  rewrite_base_size_ = sizes.total;
  cron_client_ = new InternalClient(&engine.loop(0), kReplayClientId + 1, &engine, {});
  cron_ = std::make_unique<runtime::Timer>(&engine.loop(0));
  cron_->Arm(1000, [this] { CronTick(); });
}

void AofService::CronTick() {
  cron_->Arm(1000, [this] { CronTick(); });
  if (rewrite_in_progress_ || server_.snapshots().status().in_progress) return;
  if (rewrite_scheduled_.exchange(false)) {
    cron_client_->Run(protocol::CommandArgs{"BGREWRITEAOF"});
    return;
  }
  const int64_t percentage = server_.config().IntValue("auto-aof-rewrite-percentage");
  const uint64_t min_size =
      static_cast<uint64_t>(server_.config().IntValue("auto-aof-rewrite-min-size"));
  const uint64_t size = base_file_size_ + writer()->stats().current_file_size;
  if (percentage <= 0 || size < min_size) return;
  const uint64_t base = std::max<uint64_t>(rewrite_base_size_, 1);
  const uint64_t growth = size > base ? (size - base) * 100 / base : 0;
  if (growth < static_cast<uint64_t>(percentage)) return;
  Log(LogLevel::kNotice,
      "Starting automatic rewriting of AOF on " + std::to_string(growth) + "% growth");
  cron_client_->Run(protocol::CommandArgs{"BGREWRITEAOF"});
}

void AofService::Append(int db, std::string_view resp) {
  const uint64_t lsn = writer()->Append(db, resp);
  uint64_t seen = appended_lsn_.load(std::memory_order_relaxed);
  while (seen < lsn && !appended_lsn_.compare_exchange_weak(seen, lsn, std::memory_order_release,
                                                            std::memory_order_relaxed)) {
  }
}

std::string AofService::WriteError() const {
  const persistence::AofWriter* w = writer();
  if (w == nullptr || w->ok()) return {};
  return w->error();
}

bool AofService::MayWrite(int loop_index) {
  const persistence::AofWriter* w = writer();
  if (w == nullptr) return true;
  const uint64_t need = appended_lsn_.load(std::memory_order_acquire);
  if (w->ack_lsn() >= need) return true;
  waiting_[loop_index].store(true, std::memory_order_seq_cst);
  // Re-check after announcing the wait: progress made in between must not be missed.
  return w->ack_lsn() >= need;
}

void AofService::OnProgress() {
  if (closing_.load(std::memory_order_acquire)) return;
  engine::Engine& engine = server_.engine();
  if (writer()->policy() == persistence::FsyncPolicy::kAlways &&
      writer()->stats().fsync_errors > 0) {
    // After a failed fsync the kernel may have dropped the dirty pages: a retry that succeeds
    // proves nothing. Redis exits here rather than acknowledge writes that may be lost.
    Fatal("Can't persist AOF for fsync error when the AOF fsync policy is 'always': " +
          writer()->error() + ". Exiting...");
  }
  for (uint32_t i = 0; i < engine.shard_count(); ++i) {
    if (waiting_[i].exchange(false, std::memory_order_seq_cst)) {
      engine.loop(i).Post([] {});  // the wakeup runs LoopNet's flush hook again
    }
  }
}

void AofService::OnLoopStop() {
  if (cron_client_ != nullptr) cron_client_->Close();
  cron_client_ = nullptr;
  if (replay_ != nullptr && replay_->client != nullptr) replay_->client->Close();
  if (replay_ != nullptr) replay_->client = nullptr;
}

void AofService::SetPolicy(const std::string& name) {
  if (writer() != nullptr) writer()->SetPolicy(PolicyOf(name));
}

void AofService::Flush() {
  if (writer() != nullptr) writer()->Flush();
}

void AofService::Rewrite(engine::CommandCall& call) {
  if (!enabled() || writer() == nullptr) {
    call.reply().Error(
        "ERR Background append only file rewriting is only supported when "
        "appendonly is on");
    return;
  }
  if (rewrite_in_progress_) {
    call.reply().Error("ERR Background append only file rewriting already in progress");
    return;
  }
  if (server_.snapshots().status().in_progress) {
    if (server_.snapshots().rewriting_aof()) {
      call.reply().Error("ERR Background append only file rewriting already in progress");
    } else {
      // As Redis: the rewrite starts when the save is over (CronTick).
      rewrite_scheduled_ = true;
      call.reply().SimpleString("Background append only file rewriting scheduled");
    }
    return;
  }
  persistence::AofDir::RewriteStart start;
  std::string error;
  bool begun;
  {
    std::lock_guard<std::mutex> lock(dir_mu_);
    begun = dir_->BeginRewrite(&start, &error);
  }
  if (!begun) {
    call.reply().Error("ERR " + error);
    return;
  }
  rewrite_in_progress_ = true;
  const int64_t started_ms = server_.clock().NowMs();
  Log(LogLevel::kNotice, "Background append only file rewriting started");
  SnapshotService::Target target;
  target.path = start.temp_base_path;
  target.rdb_dump = false;
  const int incr_fd = start.incr_fd;
  // At the cut every record so far is in the old incr files and in the snapshot; from here on
  // records go to the new incr file only.
  target.at_cut = [this, incr_fd] { writer()->SwitchTo(incr_fd); };
  target.after_commit = [this, started_ms](bool ok) {
    std::lock_guard<std::mutex> lock(dir_mu_);
    std::string error;
    if (ok && !dir_->CommitRewrite(/*base_is_rdb=*/true, &error)) ok = false;
    if (!ok) {
      if (dir_->rewrite_in_progress()) dir_->AbortRewrite();
      Log(LogLevel::kWarning, "Background AOF rewrite failed: " + error);
    } else {
      Log(LogLevel::kNotice, "Background AOF rewrite finished successfully");
      ++rewrites_;
      base_file_size_ = dir_->DiskSizes().base;
      rewrite_base_size_ = base_file_size_ + writer()->stats().current_file_size;
    }
    last_rewrite_ok_ = ok;
    last_rewrite_time_s_ = (server_.clock().NowMs() - started_ms + 500) / 1000;
    rewrite_in_progress_ = false;
  };
  server_.snapshots().Save(
      call, SnapshotService::Mode::kBackground, std::move(target),
      [this](engine::CommandCall& call, bool ok, const std::string& error) {
        if (!ok) {
          if (dir_->rewrite_in_progress()) dir_->AbortRewrite();
          rewrite_in_progress_ = false;
          call.reply().Error(error);
          return;
        }
        call.reply().SimpleString("Background append only file rewriting started");
      });
}

AofStatus AofService::status() const {
  AofStatus st;
  st.enabled = enabled();
  st.rewrite_in_progress = rewrite_in_progress_.load();
  st.rewrite_scheduled = rewrite_scheduled_.load();
  st.last_rewrite_ok = last_rewrite_ok_.load();
  st.last_rewrite_time_s = last_rewrite_time_s_.load();
  st.rewrites = rewrites_.load();
  if (writer() != nullptr) {
    persistence::AofWriterStats ws = writer()->stats();
    st.last_write_ok = ws.last_write_ok;
    st.buffer_length = ws.buffer_length;
    st.fsync_in_progress = ws.fsync_in_progress;
    st.current_size = ws.current_file_size;
  }
  return st;
}

}  // namespace tessera::server
