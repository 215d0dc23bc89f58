// Helpers for integration tests that drive a server through hiredis and check files it writes:
// commands that must succeed (failing the test with the command and reply otherwise), reply
// decoding, polling with a deadline, and whole-file reads and writes.
//
// Same thread rules as server_process.h: a context stays on one thread.
#pragma once

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.h"

namespace tessera::integration {

// A bulk or status reply's bytes.
std::string Str(const redisReply* r);
// A reply as one line of text, for failure messages.
std::string Describe(const redisReply* r);
// Arguments as one line of text (long ones cut), for failure messages.
std::string Joined(const std::vector<std::string>& args);

// Runs a command that must not fail; the reply, or null after a test failure.
RedisReplyPtr Must(redisContext* c, const std::vector<std::string>& args);
// A status, bulk or integer reply as text; "(nil)" for a nil reply.
std::string MustText(redisContext* c, const std::vector<std::string>& args);
// An integer reply (INT64_MIN after a test failure).
int64_t MustInt(redisContext* c, const std::vector<std::string>& args);
// An array reply's elements as text (integers in decimal).
std::vector<std::string> Strings(const redisReply* r);
std::vector<std::string> MustStrings(redisContext* c, const std::vector<std::string>& args);

// Wall-clock milliseconds since the epoch (what PXAT and PEXPIRETIME use).
int64_t NowUnixMs();

// Polls `done` until it holds or the deadline passes; true when it held.
template <typename Pred>
bool PollUntil(Pred done, milliseconds timeout = DefaultTimeout()) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(10));  // polling interval
  }
  return done();
}

// A fresh directory /tmp/tessera-<tag>-XXXXXX, removed with everything in it.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path);
// Replaces the file's contents; fails the test if it cannot.
void WriteFile(const std::string& path, const std::string& bytes);

}  // namespace tessera::integration
