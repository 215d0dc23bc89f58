// AofWriter: concurrent appends land in LSN order with the right SELECTs, group commit shares
// fsyncs, durable/written LSNs and the progress callback, rotation, and write errors (a full
// disk simulated through the write seam) that keep every byte and recover.
#include "src/persistence/aof_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "src/persistence/aof_reader.h"
#include "tests/unit/persistence/aof_test_util.h"

namespace tessera::persistence {
namespace {

using aoftest::ReadFile;
using aoftest::TempDir;
using aoftest::WriteFile;

namespace fs = std::filesystem;
using std::chrono::milliseconds;

int OpenAppend(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

// Polls `cond` until it holds or a generous deadline passes (no fixed sleeps).
template <typename Cond>
bool WaitFor(Cond cond, milliseconds deadline = milliseconds(10'000)) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::yield();
  }
  return true;
}

std::string Set(const std::string& key, const std::string& value) {
  std::string out;
  AppendRespCommand(&out, {"SET", key, value});
  return out;
}

struct Parsed {
  std::vector<std::vector<std::string>> commands;
  std::vector<uint64_t> ends;  // file offset after each command
};

Parsed ParseFile(const std::string& path) {
  Parsed p;
  AofReader reader;
  EXPECT_TRUE(reader.Open(path, "test.aof")) << reader.error();
  std::vector<std::string> args;
  AofReader::Result r;
  while ((r = reader.Next(&args)) == AofReader::Result::kCommand) {
    p.commands.push_back(args);
    p.ends.push_back(reader.offset());
  }
  EXPECT_EQ(r, AofReader::Result::kEnd) << reader.error();
  return p;
}

// Counts fdatasync calls per fd; optionally slow, to model a disk whose flush takes time.
struct SyncCounter {
  std::atomic<int> calls{0};
  std::mutex mu;
  std::vector<int> fds;
  int delay_us = 0;
  std::function<int(int)> Fn() {
    return [this](int fd) {
      if (delay_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
      {
        std::lock_guard<std::mutex> lk(mu);
        fds.push_back(fd);
      }
      calls.fetch_add(1);
      return ::fdatasync(fd);
    };
  }
  int CallsFor(int fd) {
    std::lock_guard<std::mutex> lk(mu);
    return static_cast<int>(std::count(fds.begin(), fds.end(), fd));
  }
};

TEST(AofWriter, ConcurrentAppendsLandInLsnOrderWithSelects) {
  TempDir tmp;
  const std::string path = tmp.path + "/a.aof";
  SyncCounter syncs;
  std::atomic<int> progress_calls{0};
  AofWriterOptions opt;
  opt.policy = FsyncPolicy::kAlways;
  opt.sync_fn = syncs.Fn();
  opt.on_progress = [&] { progress_calls.fetch_add(1); };
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  struct Rec {
    uint64_t lsn;
    int db;
    std::string value;
  };
  std::vector<std::vector<Rec>> recs(kThreads);
  uint64_t last_lsn = 0;
  {
    AofWriter writer(OpenAppend(path), 0, opt);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const int db = (t + i / 7) % 3;  // dbs change now and then, per thread
          std::string value = std::to_string(t) + ":" + std::to_string(i);
          uint64_t lsn = writer.Append(db, Set("k" + std::to_string(t), value));
          recs[t].push_back({lsn, db, std::move(value)});
        }
      });
    }
    for (auto& th : threads) th.join();
    for (const auto& v : recs) last_lsn = std::max(last_lsn, v.back().lsn);
    ASSERT_TRUE(WaitFor([&] { return writer.durable_lsn() == last_lsn; }));
    EXPECT_EQ(writer.written_lsn(), last_lsn);
    EXPECT_GT(progress_calls.load(), 0);
    EXPECT_TRUE(writer.ok());
    AofWriterStats s = writer.stats();
    EXPECT_EQ(s.appended_lsn, last_lsn);
    EXPECT_EQ(s.buffer_length, 0u);
    EXPECT_EQ(s.current_file_size, last_lsn);
    EXPECT_EQ(s.fsyncs, static_cast<uint64_t>(syncs.calls.load()));
  }
  // Each thread's LSNs grow, and the file, replayed, holds exactly the records in LSN order,
  // each in the db it was appended for, each ending at its LSN.
  std::vector<Rec> all;
  for (const auto& v : recs) {
    for (size_t i = 1; i < v.size(); ++i) ASSERT_LT(v[i - 1].lsn, v[i].lsn);
    all.insert(all.end(), v.begin(), v.end());
  }
  std::sort(all.begin(), all.end(), [](const Rec& a, const Rec& b) { return a.lsn < b.lsn; });
  Parsed parsed = ParseFile(path);
  EXPECT_EQ(fs::file_size(path), last_lsn);
  int db = 0;
  size_t next = 0;
  for (size_t i = 0; i < parsed.commands.size(); ++i) {
    const auto& cmd = parsed.commands[i];
    if (cmd[0] == "SELECT") {
      ASSERT_EQ(cmd.size(), 2u);
      db = std::stoi(cmd[1]);
      continue;
    }
    ASSERT_LT(next, all.size());
    ASSERT_EQ(cmd.size(), 3u);
    EXPECT_EQ(cmd[2], all[next].value);
    EXPECT_EQ(db, all[next].db) << all[next].value;
    EXPECT_EQ(parsed.ends[i], all[next].lsn);
    ++next;
  }
  EXPECT_EQ(next, all.size());
}

// Clients that each wait for their write to be durable before sending the next (what the engine
// does under appendfsync always) share fsyncs: far fewer fsyncs than appends.
TEST(AofWriter, GroupCommitSharesFsyncs) {
  TempDir tmp;
  SyncCounter syncs;
  syncs.delay_us = 300;  // a disk flush takes time; appends pile up meanwhile
  std::mutex mu;
  std::condition_variable cv;
  AofWriterOptions opt;
  opt.policy = FsyncPolicy::kAlways;
  opt.sync_fn = syncs.Fn();
  opt.on_progress = [&] {
    std::lock_guard<std::mutex> lk(mu);
    cv.notify_all();
  };
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  AofWriter writer(OpenAppend(tmp.path + "/a.aof"), 0, opt);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        uint64_t lsn = writer.Append(0, Set("k" + std::to_string(t), std::to_string(i)));
        std::unique_lock<std::mutex> lk(mu);
        ASSERT_TRUE(
            cv.wait_for(lk, std::chrono::seconds(10), [&] { return writer.durable_lsn() >= lsn; }));
      }
    });
  }
  for (auto& th : threads) th.join();
  const int appends = kThreads * kPerThread;
  EXPECT_LT(syncs.calls.load(), appends / 2) << "fsyncs: " << syncs.calls.load();
  EXPECT_GT(syncs.calls.load(), 0);
}

TEST(AofWriter, RotationSplitsAtTheSwitch) {
  TempDir tmp;
  const std::string p1 = tmp.path + "/1.aof";
  const std::string p2 = tmp.path + "/2.aof";
  SyncCounter syncs;
  AofWriterOptions opt;
  opt.policy = FsyncPolicy::kNo;  // the old file is fsynced at the switch even so
  opt.sync_fn = syncs.Fn();
  const int fd1 = OpenAppend(p1);
  const int fd2 = OpenAppend(p2);
  std::string expect1, expect2;
  {
    AofWriter writer(fd1, 0, opt);
    for (int i = 0; i < 50; ++i) writer.Append(2, Set("a", std::to_string(i)));
    const uint64_t at = writer.SwitchTo(fd2, 0);
    for (int i = 0; i < 50; ++i) writer.Append(2, Set("b", std::to_string(i)));
    ASSERT_TRUE(writer.Flush());
    EXPECT_EQ(writer.durable_lsn(), writer.stats().appended_lsn);
    EXPECT_EQ(fs::file_size(p1), at);
    EXPECT_EQ(writer.stats().current_file_size, fs::file_size(p2));
    EXPECT_GE(syncs.CallsFor(fd1), 1);
  }
  AppendRespCommand(&expect1, {"SELECT", "2"});
  AppendRespCommand(&expect2, {"SELECT", "2"});  // the new file is replayed from db 0
  for (int i = 0; i < 50; ++i) expect1 += Set("a", std::to_string(i));
  for (int i = 0; i < 50; ++i) expect2 += Set("b", std::to_string(i));
  EXPECT_EQ(ReadFile(p1), expect1);
  EXPECT_EQ(ReadFile(p2), expect2);
}

TEST(AofWriter, SwitchWithNothingPendingStillRotates) {
  TempDir tmp;
  const int fd1 = OpenAppend(tmp.path + "/1.aof");
  const int fd2 = OpenAppend(tmp.path + "/2.aof");
  AofWriterOptions opt;
  opt.policy = FsyncPolicy::kAlways;
  AofWriter writer(fd1, 0, opt);
  const uint64_t lsn = writer.Append(0, Set("x", "1"));
  ASSERT_TRUE(writer.Flush());
  EXPECT_EQ(writer.SwitchTo(fd2, 0), lsn);
  writer.Append(-1, Set("y", "2"));
  ASSERT_TRUE(writer.Flush());
  EXPECT_EQ(ReadFile(tmp.path + "/2.aof"), Set("y", "2"));
}

// A full disk: writes fail with ENOSPC, then succeed again. Nothing is lost or doubled, ok()
// and error() follow, durable_lsn() does not move while failing, Flush() reports the failure.
TEST(AofWriter, WriteErrorsKeepBytesAndRecover) {
  TempDir tmp;
  const std::string path = tmp.path + "/a.aof";
  std::atomic<bool> full{true};
  std::atomic<int> failed_writes{0};
  AofWriterOptions opt;
  opt.policy = FsyncPolicy::kAlways;
  opt.retry_interval = milliseconds(1);
  opt.write_fn = [&](int fd, const void* buf, size_t n) -> ssize_t {
    if (full.load()) {
      failed_writes.fetch_add(1);
      errno = ENOSPC;
      return -1;
    }
    return ::write(fd, buf, std::min<size_t>(n, 5));  // and short writes throughout
  };
  std::string expect;
  AofWriter writer(OpenAppend(path), 0, opt);
  uint64_t lsn = 0;
  for (int i = 0; i < 20; ++i) {
    lsn = writer.Append(-1, Set("k", std::to_string(i)));
    expect += Set("k", std::to_string(i));
  }
  ASSERT_TRUE(WaitFor([&] { return !writer.ok(); }));
  EXPECT_EQ(writer.error(), "No space left on device");
  EXPECT_FALSE(writer.stats().last_write_ok);
  EXPECT_FALSE(writer.Flush());
  ASSERT_TRUE(WaitFor([&] { return failed_writes.load() >= 3; }));  // it keeps retrying
  EXPECT_EQ(writer.durable_lsn(), 0u);
  EXPECT_EQ(writer.written_lsn(), 0u);
  EXPECT_GE(writer.stats().write_errors, 3u);

  full.store(false);
  ASSERT_TRUE(WaitFor([&] { return writer.durable_lsn() == lsn; }));
  EXPECT_TRUE(writer.ok());
  EXPECT_EQ(writer.error(), "");
  EXPECT_TRUE(writer.Flush());
  EXPECT_EQ(ReadFile(path), expect);
  EXPECT_GT(writer.stats().writes, 20u);  // 5-byte writes
}

TEST(AofWriter, FsyncErrorsAreReportedAndDurableStays) {
  TempDir tmp;
  std::atomic<bool> fail{true};
  AofWriterOptions opt;
  opt.policy = FsyncPolicy::kAlways;
  opt.retry_interval = milliseconds(1);
  opt.sync_fn = [&](int fd) {
    if (fail.load()) {
      errno = EIO;
      return -1;
    }
    return ::fdatasync(fd);
  };
  AofWriter writer(OpenAppend(tmp.path + "/a.aof"), 0, opt);
  const uint64_t lsn = writer.Append(0, Set("k", "v"));
  ASSERT_TRUE(WaitFor([&] { return !writer.ok(); }));
  EXPECT_EQ(writer.error(), "fsync: Input/output error");
  EXPECT_EQ(writer.written_lsn(), lsn);
  EXPECT_EQ(writer.durable_lsn(), 0u);
  EXPECT_GE(writer.stats().fsync_errors, 1u);
  fail.store(false);
  ASSERT_TRUE(WaitFor([&] { return writer.durable_lsn() == lsn; }));
  EXPECT_TRUE(writer.ok());
}

TEST(AofWriter, EverySecWritesPromptlyAndSyncsOnATimer) {
  TempDir tmp;
  SyncCounter syncs;
  AofWriterOptions opt;
  opt.policy = FsyncPolicy::kEverySec;
  opt.everysec_interval = milliseconds(20);
  opt.sync_fn = syncs.Fn();
  AofWriter writer(OpenAppend(tmp.path + "/a.aof"), 0, opt);
  const uint64_t lsn = writer.Append(0, Set("k", "v"));
  ASSERT_TRUE(WaitFor([&] { return writer.written_lsn() == lsn; }));
  EXPECT_EQ(writer.ack_lsn(), lsn);  // replies go out after write(2) under everysec
  ASSERT_TRUE(WaitFor([&] { return writer.durable_lsn() == lsn; }));
  EXPECT_GE(syncs.calls.load(), 1);
}

// Under everysec the fsync runs on the syncer thread: a disk flush that hangs does not hold up
// writes (so replies released at written_lsn() keep flowing), only durable_lsn().
TEST(AofWriter, EverySecFsyncDoesNotBlockWrites) {
  TempDir tmp;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> entered{0};
  AofWriterOptions opt;
  opt.policy = FsyncPolicy::kEverySec;
  opt.everysec_interval = milliseconds(1);
  opt.sync_fn = [&](int fd) {
    entered.fetch_add(1);
    std::unique_lock<std::mutex> lk(mu);
    cv.wait_for(lk, std::chrono::seconds(10), [&] { return release; });
    return ::fdatasync(fd);
  };
  AofWriter writer(OpenAppend(tmp.path + "/a.aof"), 0, opt);
  const uint64_t first = writer.Append(0, Set("k", "1"));
  ASSERT_TRUE(WaitFor([&] { return entered.load() == 1; }));  // the syncer is stuck
  EXPECT_TRUE(writer.stats().fsync_in_progress);
  uint64_t lsn = 0;
  for (int i = 0; i < 100; ++i) lsn = writer.Append(0, Set("k", std::to_string(i)));
  ASSERT_TRUE(WaitFor([&] { return writer.written_lsn() == lsn; }));
  EXPECT_LT(writer.durable_lsn(), first);
  EXPECT_EQ(entered.load(), 1);  // one fsync at a time
  {
    std::lock_guard<std::mutex> lk(mu);
    release = true;
  }
  cv.notify_all();
  ASSERT_TRUE(WaitFor([&] { return writer.durable_lsn() == lsn; }));
  EXPECT_TRUE(writer.ok());
}

TEST(AofWriter, NoPolicyNeverSyncsButFlushDoes) {
  TempDir tmp;
  SyncCounter syncs;
  AofWriterOptions opt;
  opt.policy = FsyncPolicy::kNo;
  opt.sync_fn = syncs.Fn();
  AofWriter writer(OpenAppend(tmp.path + "/a.aof"), 0, opt);
  uint64_t lsn = 0;
  for (int i = 0; i < 100; ++i) lsn = writer.Append(0, Set("k", std::to_string(i)));
  ASSERT_TRUE(WaitFor([&] { return writer.written_lsn() == lsn; }));
  EXPECT_EQ(syncs.calls.load(), 0);
  EXPECT_EQ(writer.durable_lsn(), 0u);
  ASSERT_TRUE(writer.Flush());
  EXPECT_EQ(writer.durable_lsn(), lsn);
  EXPECT_EQ(syncs.calls.load(), 1);

  // CONFIG SET appendfsync always takes effect for the next batch.
  writer.SetPolicy(FsyncPolicy::kAlways);
  lsn = writer.Append(0, Set("k", "x"));
  ASSERT_TRUE(WaitFor([&] { return writer.durable_lsn() == lsn; }));
  EXPECT_EQ(writer.ack_lsn(), lsn);
}

TEST(AofWriter, StartLsnAndExistingFileSize) {
  TempDir tmp;
  AofWriterOptions opt;
  opt.policy = FsyncPolicy::kAlways;
  opt.start_lsn = 1000;
  AofWriter writer(OpenAppend(tmp.path + "/a.aof"), 77, opt);
  const std::string rec = Set("k", "v");
  EXPECT_EQ(writer.Append(-1, rec), 1000 + rec.size());
  ASSERT_TRUE(writer.Flush());
  EXPECT_EQ(writer.stats().current_file_size, 77 + rec.size());
}

TEST(AofWriter, DestructorWritesWhatIsPending) {
  TempDir tmp;
  const std::string path = tmp.path + "/a.aof";
  std::string expect;
  {
    AofWriterOptions opt;
    opt.policy = FsyncPolicy::kNo;
    AofWriter writer(OpenAppend(path), 0, opt);
    for (int i = 0; i < 1000; ++i) {
      writer.Append(5, Set("k", std::to_string(i)));
      if (i == 0) AppendRespCommand(&expect, {"SELECT", "5"});
      expect += Set("k", std::to_string(i));
    }
  }
  EXPECT_EQ(ReadFile(path), expect);
}

}  // namespace
}  // namespace tessera::persistence
