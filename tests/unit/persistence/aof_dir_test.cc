// The AOF directory: which files and manifest each step of start / rewrite / commit / abort
// leaves, and that Open() after a crash at any step finds every file that holds writes.
#include "src/persistence/aof_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "tests/unit/persistence/aof_test_util.h"

namespace tessera::persistence {
namespace {

using aoftest::ReadFile;
using aoftest::TempDir;
using aoftest::WriteFile;

namespace fs = std::filesystem;

void WriteFd(int fd, const std::string& data) {
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
}

std::set<std::string> Listing(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

std::vector<std::string> LoadNames(const AofDir& d) {
  std::vector<std::string> names;
  for (const AofLoadFile& f : d.FilesToLoad()) names.push_back(f.name);
  return names;
}

class AofDirTest : public ::testing::Test {
 protected:
  std::unique_ptr<AofDir> Open() {
    std::string error;
    auto d = AofDir::Open(tmp_.path, "appendonlydir", "appendonly.aof", &error);
    EXPECT_NE(d, nullptr) << error;
    return d;
  }
  std::string Manifest() { return ReadFile(aof_dir() + "/appendonly.aof.manifest"); }
  std::string aof_dir() const { return tmp_.path + "/appendonlydir"; }

  TempDir tmp_;
};

TEST_F(AofDirTest, FreshDirectoryThenFirstIncr) {
  auto d = Open();
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(fs::is_directory(aof_dir()));
  EXPECT_TRUE(d->FilesToLoad().empty());
  EXPECT_TRUE(Listing(aof_dir()).empty());

  std::string error;
  int fd = d->StartIncr(&error);
  ASSERT_GE(fd, 0) << error;
  WriteFd(fd, "*1\r\n$4\r\nPING\r\n");
  ::close(fd);
  EXPECT_EQ(Manifest(), "file appendonly.aof.1.incr.aof seq 1 type i\n");
  EXPECT_EQ(Listing(aof_dir()),
            (std::set<std::string>{"appendonly.aof.1.incr.aof", "appendonly.aof.manifest"}));

  // A restart sees the same files and appends to the last incr.
  d = Open();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(LoadNames(*d), std::vector<std::string>{"appendonly.aof.1.incr.aof"});
  uint64_t size = 0;
  fd = d->OpenLastIncr(&size, &error);
  ASSERT_GE(fd, 0) << error;
  EXPECT_EQ(size, 14u);
  WriteFd(fd, "*1\r\n$4\r\nPING\r\n");
  ::close(fd);
  EXPECT_EQ(fs::file_size(aof_dir() + "/appendonly.aof.1.incr.aof"), 28u);
}

TEST_F(AofDirTest, RewriteCommitSequence) {
  auto d = Open();
  std::string error;
  int fd1 = d->StartIncr(&error);
  ASSERT_GE(fd1, 0) << error;
  WriteFd(fd1, "one");

  AofDir::RewriteStart rw;
  ASSERT_TRUE(d->BeginRewrite(&rw, &error)) << error;
  ASSERT_GE(rw.incr_fd, 0);
  EXPECT_TRUE(d->rewrite_in_progress());
  // During the rewrite both incrs are listed: a crash now loads every write.
  EXPECT_EQ(Manifest(),
            "file appendonly.aof.1.incr.aof seq 1 type i\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
  AofDir::RewriteStart again;
  EXPECT_FALSE(d->BeginRewrite(&again, &error));
  EXPECT_EQ(error, "Background append only file rewriting already in progress");
  WriteFd(rw.incr_fd, "two");
  WriteFile(rw.temp_base_path, "REDIS-base-1");

  ASSERT_TRUE(d->CommitRewrite(/*base_is_rdb=*/true, &error)) << error;
  EXPECT_FALSE(d->rewrite_in_progress());
  EXPECT_EQ(Manifest(),
            "file appendonly.aof.1.base.rdb seq 1 type b\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
  EXPECT_EQ(Listing(aof_dir()),
            (std::set<std::string>{"appendonly.aof.1.base.rdb", "appendonly.aof.2.incr.aof",
                                   "appendonly.aof.manifest"}));
  EXPECT_EQ(ReadFile(aof_dir() + "/appendonly.aof.1.base.rdb"), "REDIS-base-1");
  ::close(fd1);

  // Second rewrite, RESP base this time: base 2, incr 3, the rest deleted.
  ASSERT_TRUE(d->BeginRewrite(&rw, &error)) << error;
  WriteFile(rw.temp_base_path, "*1\r\n$4\r\nPING\r\n");
  ASSERT_TRUE(d->CommitRewrite(/*base_is_rdb=*/false, &error)) << error;
  ::close(rw.incr_fd);
  EXPECT_EQ(Manifest(),
            "file appendonly.aof.2.base.aof seq 2 type b\n"
            "file appendonly.aof.3.incr.aof seq 3 type i\n");
  EXPECT_EQ(Listing(aof_dir()),
            (std::set<std::string>{"appendonly.aof.2.base.aof", "appendonly.aof.3.incr.aof",
                                   "appendonly.aof.manifest"}));

  d = Open();
  ASSERT_NE(d, nullptr);
  auto files = d->FilesToLoad();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].type, AofFileType::kBase);
  EXPECT_FALSE(files[0].rdb_by_name);
  EXPECT_EQ(files[0].path, aof_dir() + "/appendonly.aof.2.base.aof");
  EXPECT_EQ(files[1].type, AofFileType::kIncr);
  EXPECT_EQ(files[1].name, "appendonly.aof.3.incr.aof");
  AofDiskSizes sizes = d->DiskSizes();
  EXPECT_EQ(sizes.base, 14u);
  EXPECT_EQ(sizes.total, 14u);
}

TEST_F(AofDirTest, AbortKeepsTheNewIncrListed) {
  auto d = Open();
  std::string error;
  int fd1 = d->StartIncr(&error);
  ASSERT_GE(fd1, 0);
  ::close(fd1);
  AofDir::RewriteStart rw;
  ASSERT_TRUE(d->BeginRewrite(&rw, &error)) << error;
  ::close(rw.incr_fd);
  WriteFile(rw.temp_base_path, "partial");
  d->AbortRewrite();
  EXPECT_FALSE(d->rewrite_in_progress());
  EXPECT_FALSE(fs::exists(rw.temp_base_path));
  EXPECT_EQ(Manifest(),
            "file appendonly.aof.1.incr.aof seq 1 type i\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
  EXPECT_FALSE(d->CommitRewrite(true, &error));

  // The next rewrite folds both older incrs into history and deletes them.
  ASSERT_TRUE(d->BeginRewrite(&rw, &error)) << error;
  ::close(rw.incr_fd);
  WriteFile(rw.temp_base_path, "base");
  ASSERT_TRUE(d->CommitRewrite(false, &error)) << error;
  EXPECT_EQ(Manifest(),
            "file appendonly.aof.1.base.aof seq 1 type b\n"
            "file appendonly.aof.3.incr.aof seq 3 type i\n");
  EXPECT_EQ(Listing(aof_dir()),
            (std::set<std::string>{"appendonly.aof.1.base.aof", "appendonly.aof.3.incr.aof",
                                   "appendonly.aof.manifest"}));
}

TEST_F(AofDirTest, CommitFailsCleanlyWhenTheBaseWasNeverWritten) {
  auto d = Open();
  std::string error;
  AofDir::RewriteStart rw;
  ASSERT_TRUE(d->BeginRewrite(&rw, &error)) << error;
  ::close(rw.incr_fd);
  const std::string before = Manifest();
  EXPECT_FALSE(d->CommitRewrite(true, &error));
  EXPECT_EQ(Manifest(), before);
  EXPECT_FALSE(d->manifest().base.has_value());
}

// Crash after step 4 (manifest with history persisted, history not yet deleted), plus leftover
// temp files: Open deletes exactly those and rewrites the manifest without history.
TEST_F(AofDirTest, OpenFinishesAnInterruptedCommit) {
  fs::create_directory(aof_dir());
  WriteFile(aof_dir() + "/appendonly.aof.manifest",
            "file appendonly.aof.2.base.rdb seq 2 type b\n"
            "file appendonly.aof.1.base.rdb seq 1 type h\n"
            "file appendonly.aof.1.incr.aof seq 1 type h\n"
            "file appendonly.aof.9.incr.aof seq 9 type h\n"  // already deleted
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
  for (const char* name :
       {"appendonly.aof.2.base.rdb", "appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof",
        "appendonly.aof.2.incr.aof", "temp-rewriteaof-appendonly.aof",
        "temp-appendonly.aof.manifest", "unrelated.txt"}) {
    WriteFile(aof_dir() + "/" + name, "x");
  }
  auto d = Open();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(Manifest(),
            "file appendonly.aof.2.base.rdb seq 2 type b\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
  EXPECT_EQ(Listing(aof_dir()),
            (std::set<std::string>{"appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof",
                                   "appendonly.aof.manifest", "unrelated.txt"}));
  EXPECT_EQ(LoadNames(*d),
            (std::vector<std::string>{"appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof"}));
  EXPECT_TRUE(d->FilesToLoad()[0].rdb_by_name);
}

// Crash after BeginRewrite step 1: an orphan incr the manifest does not name. It is reused
// (emptied) by the next StartIncr, and the manifest still lists what holds the writes.
TEST_F(AofDirTest, OrphanIncrIsReused) {
  {
    auto d = Open();
    std::string error;
    int fd = d->StartIncr(&error);
    WriteFd(fd, "kept");
    ::close(fd);
  }
  WriteFile(aof_dir() + "/appendonly.aof.2.incr.aof", "never acknowledged");
  auto d = Open();
  EXPECT_EQ(LoadNames(*d), std::vector<std::string>{"appendonly.aof.1.incr.aof"});
  std::string error;
  int fd = d->StartIncr(&error);
  ASSERT_GE(fd, 0) << error;
  ::close(fd);
  EXPECT_EQ(fs::file_size(aof_dir() + "/appendonly.aof.2.incr.aof"), 0u);
  EXPECT_EQ(ReadFile(aof_dir() + "/appendonly.aof.1.incr.aof"), "kept");
}

TEST_F(AofDirTest, MissingListedFileIsAnError) {
  fs::create_directory(aof_dir());
  WriteFile(aof_dir() + "/appendonly.aof.manifest",
            "file appendonly.aof.1.base.rdb seq 1 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type i\n");
  WriteFile(aof_dir() + "/appendonly.aof.1.incr.aof", "");
  std::string error;
  EXPECT_EQ(AofDir::Open(tmp_.path, "appendonlydir", "appendonly.aof", &error), nullptr);
  EXPECT_EQ(error,
            "Unable to obtain the AOF file appendonly.aof.1.base.rdb length. stat: No such file "
            "or directory");

  WriteFile(aof_dir() + "/appendonly.aof.manifest", "file x seq 1 type q\n");
  EXPECT_EQ(AofDir::Open(tmp_.path, "appendonlydir", "appendonly.aof", &error), nullptr);
  EXPECT_EQ(error,
            "Reading the manifest file, at line 1\n>>> 'file x seq 1 type q'\n"
            "Unknown AOF file type");
}

TEST_F(AofDirTest, UpgradesAPre7SingleFileAof) {
  WriteFile(tmp_.path + "/appendonly.aof", "*1\r\n$4\r\nPING\r\n");
  auto d = Open();
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->upgraded());
  EXPECT_FALSE(fs::exists(tmp_.path + "/appendonly.aof"));
  EXPECT_EQ(Manifest(), "file appendonly.aof seq 1 type b\n");
  EXPECT_EQ(LoadNames(*d), std::vector<std::string>{"appendonly.aof"});
  EXPECT_EQ(ReadFile(aof_dir() + "/appendonly.aof"), "*1\r\n$4\r\nPING\r\n");
  // The next files number on from it.
  std::string error;
  int fd = d->StartIncr(&error);
  ASSERT_GE(fd, 0) << error;
  ::close(fd);
  EXPECT_EQ(Manifest(),
            "file appendonly.aof seq 1 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type i\n");
}

// Crash between the upgrade's manifest write and its rename: finished on the next Open.
TEST_F(AofDirTest, FinishesAnInterruptedUpgrade) {
  fs::create_directory(aof_dir());
  WriteFile(aof_dir() + "/appendonly.aof.manifest", "file appendonly.aof seq 1 type b\n");
  WriteFile(tmp_.path + "/appendonly.aof", "old");
  auto d = Open();
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->upgraded());
  EXPECT_EQ(ReadFile(aof_dir() + "/appendonly.aof"), "old");
  EXPECT_FALSE(fs::exists(tmp_.path + "/appendonly.aof"));
}

TEST_F(AofDirTest, TruncateTo) {
  const std::string path = tmp_.path + "/f";
  WriteFile(path, "0123456789");
  std::string error;
  ASSERT_TRUE(TruncateTo(path, 4, &error)) << error;
  EXPECT_EQ(ReadFile(path), "0123");
  EXPECT_FALSE(TruncateTo(tmp_.path + "/missing", 0, &error));
}

}  // namespace
}  // namespace tessera::persistence
