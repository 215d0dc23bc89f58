// Interoperability: a directory produced by AofDir + AofWriter (manifest, RESP base, incr files
// with SELECT / SET / MULTI / EXEC records) is accepted by Debian's redis-check-aof 7.0 at each
// stage of a rewrite, and loaded by redis-server 7.0 with the expected data.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

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

constexpr const char* kCheckAof = "/usr/bin/redis-check-aof";
constexpr const char* kRedisServer = "/usr/bin/redis-server";
constexpr const char* kRedisCli = "/usr/bin/redis-cli";

struct ShellResult {
  int status = -1;
  std::string output;
};

ShellResult Shell(const std::string& cmd) {
  ShellResult r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string Cmd(std::initializer_list<std::string_view> args) {
  std::string out;
  AppendRespCommand(&out, args);
  return out;
}

ShellResult CheckAof(const AofDir& dir) {
  return Shell(std::string(kCheckAof) + " " + dir.manifest_path());
}

TEST(AofRedisCheck, RedisCheckAofAcceptsOurDirectory) {
  ASSERT_TRUE(fs::exists(kCheckAof))
      << kCheckAof << " is missing: tools/deps.sh installs redis-tools";
  TempDir tmp;
  std::string error;
  auto dir = AofDir::Open(tmp.path, "appendonlydir", "appendonly.aof", &error);
  ASSERT_NE(dir, nullptr) << error;
  int fd = dir->StartIncr(&error);
  ASSERT_GE(fd, 0) << error;

  AofWriterOptions opt;
  opt.policy = FsyncPolicy::kAlways;
  AofWriter writer(fd, 0, opt);
  writer.Append(0, Cmd({"SET", "a", "1"}));
  writer.Append(3, Cmd({"SET", "x", "y"}));
  writer.Append(0, Cmd({"MULTI"}) + Cmd({"SET", "q", "1"}) + Cmd({"INCR", "q"}) + Cmd({"EXEC"}));
  ASSERT_TRUE(writer.Flush());
  ShellResult r = CheckAof(*dir);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("All AOF files and manifest are valid"), std::string::npos) << r.output;

  // Rewrite: the base is a RESP AOF (no RDB writer is needed for this check).
  AofDir::RewriteStart rw;
  ASSERT_TRUE(dir->BeginRewrite(&rw, &error)) << error;
  {
    std::ofstream base(rw.temp_base_path, std::ios::binary);
    base << Cmd({"SELECT", "0"}) << Cmd({"SET", "a", "1"}) << Cmd({"SET", "q", "2"})
         << Cmd({"SELECT", "3"}) << Cmd({"SET", "x", "y"});
  }
  writer.SwitchTo(rw.incr_fd, 0);
  writer.Append(3, Cmd({"SET", "during", "rewrite"}));
  ASSERT_TRUE(writer.Flush());
  r = CheckAof(*dir);  // two incrs, no base yet
  EXPECT_EQ(r.status, 0) << r.output;

  ASSERT_TRUE(dir->CommitRewrite(/*base_is_rdb=*/false, &error)) << error;
  writer.Append(0, Cmd({"MULTI"}) + Cmd({"INCR", "q"}) + Cmd({"EXEC"}));
  writer.Append(5, Cmd({"SET", "in5", "v"}));
  ASSERT_TRUE(writer.Flush());
  r = CheckAof(*dir);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("BASE AOF appendonly.aof.1.base.aof is valid"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("All AOF files and manifest are valid"), std::string::npos) << r.output;

  // Control: the checker does reject a broken incr, so the passes above mean something.
  const std::string incr = dir->path() + "/" + dir->manifest().incrs.back().name;
  const std::string saved = incr + ".saved";
  fs::copy_file(incr, saved);
  { std::ofstream(incr, std::ios::binary | std::ios::app) << "garbage\r\n"; }
  r = CheckAof(*dir);
  EXPECT_NE(r.status, 0) << r.output;
  fs::rename(saved, incr);
}

// redis-server itself loads the directory and sees the data, including the db switches.
TEST(AofRedisCheck, RedisServerLoadsOurDirectory) {
  if (!fs::exists(kRedisServer) || !fs::exists(kRedisCli)) GTEST_SKIP() << "no redis-server";
  TempDir tmp;
  std::string error;
  {
    auto dir = AofDir::Open(tmp.path, "appendonlydir", "appendonly.aof", &error);
    ASSERT_NE(dir, nullptr) << error;
    int fd = dir->StartIncr(&error);
    ASSERT_GE(fd, 0) << error;
    AofWriter writer(fd, 0, AofWriterOptions{});
    writer.Append(0, Cmd({"SET", "old", "gone-after-rewrite?"}));
    AofDir::RewriteStart rw;
    ASSERT_TRUE(dir->BeginRewrite(&rw, &error)) << error;
    {
      std::ofstream base(rw.temp_base_path, std::ios::binary);
      base << Cmd({"SELECT", "0"}) << Cmd({"SET", "old", "from-base"});
    }
    writer.SwitchTo(rw.incr_fd, 0);
    writer.Append(2, Cmd({"SET", "k2", "in-db-2"}));
    writer.Append(
        0, Cmd({"MULTI"}) + Cmd({"SET", "n", "10"}) + Cmd({"INCRBY", "n", "5"}) + Cmd({"EXEC"}));
    ASSERT_TRUE(dir->CommitRewrite(false, &error)) << error;
    ASSERT_TRUE(writer.Flush());
  }
  const std::string sock = tmp.path + "/redis.sock";
  const std::string server = std::string(kRedisServer) + " --port 0 --unixsocket " + sock +
                             " --dir " + tmp.path + " --appendonly yes --save '' --daemonize yes" +
                             " --logfile " + tmp.path + "/redis.log --pidfile " + tmp.path +
                             "/redis.pid";
  ASSERT_EQ(Shell(server).status, 0);
  const std::string cli = std::string(kRedisCli) + " -s " + sock;
  // Stops the daemon however the test ends.
  struct Stopper {
    std::string cli;
    ~Stopper() { Shell(cli + " shutdown nosave"); }
  } stopper{cli};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Shell(cli + " ping").output != "PONG\n") {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "redis-server did not start";
    std::this_thread::yield();
  }
  EXPECT_EQ(Shell(cli + " get old").output, "from-base\n");
  EXPECT_EQ(Shell(cli + " -n 2 get k2").output, "in-db-2\n");
  EXPECT_EQ(Shell(cli + " get n").output, "15\n");
  EXPECT_EQ(Shell(cli + " dbsize").output, "2\n");
  std::ifstream log(tmp.path + "/redis.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("DB loaded from append only file"), std::string::npos) << text;
}

}  // namespace
}  // namespace tessera::persistence
