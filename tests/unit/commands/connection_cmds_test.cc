// Connection commands against the in-process server (two loops): replies and error texts are
// Redis 7.0.15's, byte for byte where clients parse them.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "src/commands/auth_config.h"
#include "tests/unit/commands/client_info.h"
#include "tests/unit/harness/test_server.h"

namespace tessera::commands {
namespace {

using protocol::RespValue;
using testing::TestClient;
using testing::TestServer;
using Type = RespValue::Type;

// Sets requirepass for one test and clears it afterwards (the setting is process-wide).
class ScopedRequirePass {
 public:
  explicit ScopedRequirePass(std::string_view password) { AuthConfig::SetRequirePass(password); }
  ~ScopedRequirePass() { AuthConfig::SetRequirePass(""); }
};

class ConnectionCmdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c0_ = server_.Connect(0);
    c1_ = server_.Connect(1);
  }

  InfoLine ClientInfo(TestClient& c) {
    RespValue v = c.Call({"CLIENT", "INFO"});
    EXPECT_FALSE(v.is_error()) << v.str;
    EXPECT_EQ(v.str.back(), '\n');
    return ParseInfoLine(v.str.substr(0, v.str.size() - 1));
  }

  TestServer server_;
  std::unique_ptr<TestClient> c0_;
  std::unique_ptr<TestClient> c1_;
};

TEST_F(ConnectionCmdsTest, PingAndEcho) {
  EXPECT_EQ(c0_->CallRaw({"PING"}), "+PONG\r\n");
  EXPECT_EQ(c1_->CallRaw({"ping", "hello"}), "$5\r\nhello\r\n");
  EXPECT_EQ(c0_->CallRaw({"PING", "a", "b"}),
            "-ERR wrong number of arguments for 'ping' command\r\n");
  EXPECT_EQ(c0_->CallRaw({"ECHO", ""}), "$0\r\n\r\n");
  EXPECT_EQ(c1_->CallRaw({"ECHO", "x y"}), "$3\r\nx y\r\n");
  EXPECT_EQ(c0_->CallRaw({"ECHO"}), "-ERR wrong number of arguments for 'echo' command\r\n");
}

TEST_F(ConnectionCmdsTest, SelectValidatesIndex) {
  EXPECT_EQ(c0_->CallRaw({"SELECT", "15"}), "+OK\r\n");
  EXPECT_EQ(ClientInfo(*c0_).fields["db"], "15");
  EXPECT_EQ(c0_->Call({"SELECT", "16"}).str, "ERR DB index is out of range");
  EXPECT_EQ(c0_->Call({"SELECT", "-1"}).str, "ERR DB index is out of range");
  EXPECT_EQ(c0_->Call({"SELECT", "abc"}).str, "ERR value is not an integer or out of range");
  EXPECT_EQ(c0_->Call({"SELECT", "01"}).str, "ERR value is not an integer or out of range");
  EXPECT_EQ(c0_->Call({"SELECT", "4294967296"}).str,
            "ERR value is out of range, value must between -2147483648 and 2147483647");
  EXPECT_EQ(ClientInfo(*c0_).fields["db"], "15");
}

TEST_F(ConnectionCmdsTest, SelectedDbIsPerConnectionAndReachesOtherShards) {
  std::string k0 = server_.KeyOnShard(0);
  std::string k1 = server_.KeyOnShard(1);
  ASSERT_EQ(c0_->Call({"SELECT", "3"}).str, "OK");
  ASSERT_EQ(c0_->Call({"SET", k0, "a"}).str, "OK");
  ASSERT_EQ(c0_->Call({"SET", k1, "b"}).str, "OK");
  EXPECT_EQ(c0_->Call({"GET", k1}).str, "b");
  EXPECT_EQ(c1_->Call({"GET", k1}).type, Type::kNull);  // c1 is still on db 0
  ASSERT_EQ(c1_->Call({"SELECT", "3"}).str, "OK");
  EXPECT_EQ(c1_->Call({"GET", k0}).str, "a");
}

TEST_F(ConnectionCmdsTest, AuthWithoutRequirePass) {
  EXPECT_EQ(c0_->Call({"AUTH", "x"}).str,
            "ERR AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?");
  // The default user is "nopass": any password is accepted in the two-argument form.
  EXPECT_EQ(c0_->CallRaw({"AUTH", "default", "anything"}), "+OK\r\n");
  EXPECT_EQ(c0_->Call({"AUTH", "someone", "x"}).str,
            "WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(c0_->Call({"AUTH", "a", "b", "c"}).str, "ERR syntax error");
  EXPECT_EQ(c0_->Call({"AUTH"}).str, "ERR wrong number of arguments for 'auth' command");
}

TEST_F(ConnectionCmdsTest, AuthWithRequirePass) {
  ScopedRequirePass pass("s3cret");
  // Connections authenticated before requirepass was set stay so; RESET logs them out.
  EXPECT_EQ(c0_->CallRaw({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(c0_->Call({"PING"}).str, "NOAUTH Authentication required.");
  EXPECT_EQ(c0_->Call({"AUTH", "wrong"}).str,
            "WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(c0_->Call({"AUTH", "other", "s3cret"}).str,
            "WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(c0_->Call({"PING"}).str, "NOAUTH Authentication required.");
  EXPECT_EQ(c0_->CallRaw({"AUTH", "s3cret"}), "+OK\r\n");
  EXPECT_EQ(c0_->CallRaw({"PING"}), "+PONG\r\n");
  // A failed AUTH does not log an authenticated connection out.
  EXPECT_TRUE(c0_->Call({"AUTH", "nope"}).is_error());
  EXPECT_EQ(c0_->CallRaw({"PING"}), "+PONG\r\n");

  EXPECT_EQ(c1_->CallRaw({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(c1_->CallRaw({"AUTH", "default", "s3cret"}), "+OK\r\n");
  EXPECT_EQ(c1_->CallRaw({"PING"}), "+PONG\r\n");
}

TEST_F(ConnectionCmdsTest, HelloRequiresAuthenticationOrAuthOption) {
  ScopedRequirePass pass("pw");
  ASSERT_EQ(c0_->Call({"RESET"}).str, "RESET");
  EXPECT_EQ(c0_->Call({"HELLO", "3"}).str,
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
            "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
            "the RESP protocol version at the same time");
  EXPECT_EQ(c0_->Call({"HELLO", "3", "AUTH", "default", "bad"}).str,
            "WRONGPASS invalid username-password pair or user is disabled.");
  RespValue hello = c0_->Call({"HELLO", "3", "AUTH", "default", "pw", "SETNAME", "app"});
  ASSERT_EQ(hello.type, Type::kMap) << protocol::DebugString(hello);
  EXPECT_EQ(c0_->CallRaw({"PING"}), "+PONG\r\n");
  EXPECT_EQ(c0_->Call({"CLIENT", "GETNAME"}).str, "app");
}

TEST_F(ConnectionCmdsTest, HelloRepliesInTheNewProtocol) {
  int64_t id = c0_->Call({"CLIENT", "ID"}).integer;
  std::string id_text = std::to_string(id);
  std::string fields_tail =
      "$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
      "$7\r\nmodules\r\n*0\r\n";
  EXPECT_EQ(c0_->CallRaw({"HELLO", "3"}),
            "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n"
            ":3\r\n$2\r\nid\r\n:" +
                id_text + "\r\n" + fields_tail);
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "GETNAME"}), "_\r\n");  // RESP3 null from now on
  // No version: report, keep the protocol.
  EXPECT_EQ(c0_->CallRaw({"HELLO"}).substr(0, 4), "%7\r\n");
  EXPECT_EQ(c0_->CallRaw({"HELLO", "2"}),
            "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n"
            ":2\r\n$2\r\nid\r\n:" +
                id_text + "\r\n" + fields_tail);
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "GETNAME"}), "$-1\r\n");
}

TEST_F(ConnectionCmdsTest, HelloErrors) {
  EXPECT_EQ(c0_->CallRaw({"HELLO", "4"}), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(c0_->CallRaw({"HELLO", "1"}), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(c0_->Call({"HELLO", "abc"}).str,
            "ERR Protocol version is not an integer or out of range");
  EXPECT_EQ(c0_->Call({"HELLO", "3", "foo"}).str, "ERR Syntax error in HELLO option 'foo'");
  EXPECT_EQ(c0_->Call({"HELLO", "3", "AUTH", "default"}).str,
            "ERR Syntax error in HELLO option 'AUTH'");
  EXPECT_EQ(c0_->Call({"HELLO", "3", "SETNAME", "a b"}).str,
            "ERR Client names cannot contain spaces, newlines or special characters.");
  // A failed HELLO keeps the protocol; options before the failing one took effect (7.0).
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "GETNAME"}), "$-1\r\n");
  EXPECT_EQ(c0_->Call({"HELLO", "3", "SETNAME", "first", "BADOPT"}).str,
            "ERR Syntax error in HELLO option 'BADOPT'");
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "GETNAME"}), "$5\r\nfirst\r\n");
  EXPECT_EQ(c0_->Call({"HELLO", "2", "SETNAME", "second", "AUTH", "nobody", "x"}).str,
            "WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "GETNAME"}), "$6\r\nsecond\r\n");
}

TEST_F(ConnectionCmdsTest, ResetRestoresDefaults) {
  ASSERT_EQ(c0_->Call({"SELECT", "5"}).str, "OK");
  ASSERT_EQ(c0_->Call({"CLIENT", "SETNAME", "n"}).str, "OK");
  ASSERT_EQ(c0_->Call({"CLIENT", "NO-EVICT", "on"}).str, "OK");
  ASSERT_EQ(c0_->Call({"HELLO", "3"}).type, Type::kMap);
  EXPECT_EQ(c0_->CallRaw({"RESET"}), "+RESET\r\n");
  InfoLine info = ClientInfo(*c0_);
  EXPECT_EQ(info.fields["db"], "0");
  EXPECT_EQ(info.fields["name"], "");
  EXPECT_EQ(info.fields["flags"], "N");
  EXPECT_EQ(info.fields["resp"], "2");
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "GETNAME"}), "$-1\r\n");
}

TEST_F(ConnectionCmdsTest, QuitRepliesOkAndMarksClose) {
  EXPECT_EQ(c0_->CallRaw({"QUIT"}), "+OK\r\n");
  EXPECT_EQ(ClientInfo(*c0_).fields["flags"], "c");
}

}  // namespace
}  // namespace tessera::commands
