// Blocking list commands over real sockets: a client that disconnects while blocked is
// forgotten (it takes nothing pushed later), and a blocked BLMOVE moves once data arrives. The
// order of service, timeouts and CLIENT UNBLOCK are unit-tested (tests/unit/engine/
// key_waiters_test.cc), where the harness can tell when a call is parked. Passes against
// redis-server too (TESSERA_TEST_SERVER=/usr/bin/redis-server).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/server_process.h"

namespace tessera::integration {
namespace {

using protocol::RespValue;

class ListBlockingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(server_.Start({}, &error)) << error;
    ASSERT_TRUE(admin_.Connect(server_.port())) << admin_.last_error();
  }

  std::unique_ptr<RawClient> Connect() {
    auto c = std::make_unique<RawClient>();
    EXPECT_TRUE(c->Connect(server_.port())) << c->last_error();
    return c;
  }

  // Polls CLIENT LIST until `pred(text)` holds; fails after the harness timeout.
  template <typename Pred>
  void WaitForClientList(Pred pred, const char* what) {
    auto deadline = Clock::now() + DefaultTimeout();
    while (true) {
      RespValue v = admin_.Call({"CLIENT", "LIST"});
      if (pred(v.str)) return;
      ASSERT_LT(Clock::now(), deadline) << "timed out waiting for " << what << "\n" << v.str;
    }
  }

  // Waits until client `id` shows in CLIENT LIST with its blocking command `cmd` as last
  // command (it has been dispatched; Tessera parks it or sees the close either way).
  void WaitDispatched(int64_t id, const std::string& cmd) {
    std::string needle = "id=" + std::to_string(id) + " ";
    WaitForClientList(
        [&](const std::string& text) {
          size_t at = text.find(needle);
          if (at == std::string::npos) return false;
          size_t end = text.find('\n', at);
          return text.substr(at, end - at).find("cmd=" + cmd) != std::string::npos;
        },
        "the blocking command");
  }

  ServerProcess server_;
  RawClient admin_;
};

TEST_F(ListBlockingTest, DisconnectedBlockedClientTakesNothing) {
  auto blocked = Connect();
  int64_t id = blocked->Call({"CLIENT", "ID"}).integer;
  ASSERT_TRUE(blocked->Send({"BLPOP", "queue", "other", "0"}));
  WaitDispatched(id, "blpop");
  blocked->Close();
  std::string needle = "id=" + std::to_string(id) + " ";
  WaitForClientList([&](const std::string& text) { return text.find(needle) == std::string::npos; },
                    "the disconnect");
  // One more pass over every loop: the engine's disconnect handling, which follows the socket's
  // close on the client's loop, has run by then.
  admin_.Call({"CLIENT", "LIST"});
  EXPECT_EQ(admin_.Call({"RPUSH", "queue", "kept"}).integer, 1);
  EXPECT_EQ(admin_.Call({"LLEN", "queue"}).integer, 1);
  EXPECT_EQ(admin_.Call({"RPUSH", "other", "kept"}).integer, 1);
  EXPECT_EQ(admin_.Call({"LLEN", "other"}).integer, 1);
}

TEST_F(ListBlockingTest, BlmoveWaitsThenMoves) {
  auto blocked = Connect();
  int64_t id = blocked->Call({"CLIENT", "ID"}).integer;
  ASSERT_TRUE(blocked->Send({"BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"}));
  WaitDispatched(id, "blmove");
  EXPECT_EQ(admin_.Call({"RPUSH", "src", "a", "b"}).integer, 2);
  RespValue v;
  ASSERT_TRUE(blocked->Read(&v)) << blocked->last_error();
  EXPECT_EQ(v.str, "b");
  EXPECT_EQ(admin_.Call({"LRANGE", "dst", "0", "-1"}).elems.size(), 1u);
  EXPECT_EQ(admin_.Call({"LLEN", "src"}).integer, 1);
}

// Replies ahead of a blocking command leave at once, even with more commands pipelined behind
// it: Tessera holds a small output back while a pipelined batch is still running elsewhere, but
// never behind a command that waits for data (Redis, too, answers the SET before blocking).
TEST_F(ListBlockingTest, RepliesBeforeABlockedCommandLeaveWhileItWaits) {
  auto c = Connect();
  ASSERT_TRUE(c->SendRaw(EncodeCommand({"SET", "k", "v"}) + EncodeCommand({"BLPOP", "blist", "0"}) +
                         EncodeCommand({"GET", "k"})));
  RespValue v;
  ASSERT_TRUE(c->Read(&v)) << "the SET's reply waited for the BLPOP: " << c->last_error();
  EXPECT_EQ(v.str, "OK");
  EXPECT_EQ(admin_.Call({"RPUSH", "blist", "x"}).integer, 1);
  ASSERT_TRUE(c->Read(&v)) << c->last_error();
  ASSERT_EQ(v.elems.size(), 2u);
  EXPECT_EQ(v.elems[1].str, "x");
  ASSERT_TRUE(c->Read(&v)) << c->last_error();
  EXPECT_EQ(v.str, "v");
}

// INFO clients counts blocked clients while they wait, and stops counting them once served.
TEST_F(ListBlockingTest, InfoCountsBlockedClients) {
  auto blocked_count = [&] {
    std::string info = admin_.Call({"INFO", "clients"}).str;
    size_t at = info.find("blocked_clients:");
    return at == std::string::npos ? -1 : std::stoll(info.substr(at + 16));
  };
  EXPECT_EQ(blocked_count(), 0);
  auto blocked = Connect();
  ASSERT_TRUE(blocked->Send({"BLPOP", "info-queue", "0"}));
  auto deadline = Clock::now() + DefaultTimeout();
  while (blocked_count() != 1) ASSERT_LT(Clock::now(), deadline) << "never counted as blocked";
  EXPECT_EQ(admin_.Call({"RPUSH", "info-queue", "x"}).integer, 1);
  RespValue v;
  ASSERT_TRUE(blocked->Read(&v)) << blocked->last_error();
  deadline = Clock::now() + DefaultTimeout();
  while (blocked_count() != 0) ASSERT_LT(Clock::now(), deadline) << "still counted after serve";
}

}  // namespace
}  // namespace tessera::integration
