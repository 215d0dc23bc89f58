// The three pieces together, the way the engine uses them: writes go through AofWriter into the
// directory's incr files, rewrites rotate files and install bases, and at every point between
// steps a restart (a fresh AofDir::Open + replay with AofReader, as after kill -9) rebuilds
// exactly the dataset that was acknowledged.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "src/persistence/aof_dir.h"
#include "src/persistence/aof_reader.h"
#include "src/persistence/aof_writer.h"
#include "tests/unit/persistence/aof_test_util.h"

namespace tessera::persistence {
namespace {

using aoftest::ReadFile;
using aoftest::TempDir;
using aoftest::WriteFile;

namespace fs = std::filesystem;
using Dataset = std::map<int, std::map<std::string, std::string>>;

// Replays one RESP file into `data`, each file starting in db 0 as Redis loads them.
void Replay(const AofLoadFile& file, Dataset* data) {
  AofReader reader;
  ASSERT_TRUE(reader.Open(file.path, file.name)) << reader.error();
  ASSERT_FALSE(reader.rdb_preamble());
  int db = 0;
  std::vector<std::string> args;
  AofReader::Result r;
  while ((r = reader.Next(&args)) == AofReader::Result::kCommand) {
    if (args[0] == "SELECT") {
      db = std::stoi(args[1]);
    } else if (args[0] == "SET") {
      (*data)[db][args[1]] = args[2];
    } else if (args[0] == "DEL") {
      (*data)[db].erase(args[1]);
    }
  }
  ASSERT_EQ(r, AofReader::Result::kEnd) << reader.error();
}

// A restart after a crash at this moment: a copy of the files as they are now (the live process
// keeps its own), opened and replayed from scratch.
Dataset Restart(const std::string& live_dir) {
  TempDir copy;
  fs::copy(live_dir, copy.path, fs::copy_options::recursive);
  std::string error;
  auto d = AofDir::Open(copy.path, "appendonlydir", "appendonly.aof", &error);
  EXPECT_NE(d, nullptr) << error;
  Dataset data;
  if (d == nullptr) return data;
  for (const AofLoadFile& f : d->FilesToLoad()) Replay(f, &data);
  for (auto it = data.begin(); it != data.end();) {
    it = it->second.empty() ? data.erase(it) : std::next(it);
  }
  return data;
}

std::string Cmd(std::initializer_list<std::string_view> args) {
  std::string out;
  AppendRespCommand(&out, args);
  return out;
}

class Engine {
 public:
  explicit Engine(AofWriter* writer) : writer_(writer) {}
  void Set(int db, const std::string& k, const std::string& v) {
    data_[db][k] = v;
    writer_->Append(db, Cmd({"SET", k, v}));
  }
  void Del(int db, const std::string& k) {
    data_[db].erase(k);
    if (data_[db].empty()) data_.erase(db);
    writer_->Append(db, Cmd({"DEL", k}));
  }
  // The base a rewrite writes: the dataset at the switch, as commands.
  std::string Snapshot() const {
    std::string out;
    for (const auto& [db, keys] : data_) {
      out += Cmd({"SELECT", std::to_string(db)});
      for (const auto& [k, v] : keys) out += Cmd({"SET", k, v});
    }
    return out;
  }
  const Dataset& data() const { return data_; }

 private:
  AofWriter* writer_;
  Dataset data_;
};

TEST(AofRecovery, EveryStepOfTwoRewritesRestartsToTheAcknowledgedData) {
  TempDir tmp;
  std::string error;
  auto dir = AofDir::Open(tmp.path, "appendonlydir", "appendonly.aof", &error);
  ASSERT_NE(dir, nullptr) << error;
  int fd = dir->StartIncr(&error);
  ASSERT_GE(fd, 0) << error;
  AofWriterOptions opt;
  opt.policy = FsyncPolicy::kAlways;
  AofWriter writer(fd, 0, opt);
  Engine engine(&writer);
  auto check = [&](const char* step) {
    ASSERT_TRUE(writer.Flush()) << step;  // "acknowledged"
    EXPECT_EQ(Restart(tmp.path), engine.data()) << step;
  };

  for (int i = 0; i < 50; ++i)
    engine.Set(i % 3, "k" + std::to_string(i % 10), "v" + std::to_string(i));
  engine.Del(0, "k0");
  check("before any rewrite");

  for (int round = 0; round < 2; ++round) {
    AofDir::RewriteStart rw;
    ASSERT_TRUE(dir->BeginRewrite(&rw, &error)) << error;
    check("after BeginRewrite");
    // The switch and the snapshot happen at the same point of the write stream.
    writer.SwitchTo(rw.incr_fd, 0);
    const std::string base = engine.Snapshot();
    for (int i = 0; i < 20; ++i)
      engine.Set(round, "r" + std::to_string(i), "x" + std::to_string(round));
    engine.Del(1, "k1");
    check("during the rewrite, base not committed");
    { std::ofstream(rw.temp_base_path, std::ios::binary) << base; }
    check("temp base written");
    ASSERT_TRUE(dir->CommitRewrite(/*base_is_rdb=*/false, &error)) << error;
    check("after CommitRewrite");
    engine.Set(7, "after", std::to_string(round));
    check("writes after the commit");
  }

  // An aborted rewrite loses nothing either.
  AofDir::RewriteStart rw;
  ASSERT_TRUE(dir->BeginRewrite(&rw, &error)) << error;
  writer.SwitchTo(rw.incr_fd, 0);
  engine.Set(0, "during-abort", "1");
  dir->AbortRewrite();
  check("after AbortRewrite");
  EXPECT_EQ(dir->manifest().incrs.size(), 2u);
}

}  // namespace
}  // namespace tessera::persistence
