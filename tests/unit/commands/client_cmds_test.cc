// CLIENT subcommands against the in-process server (two loops). Connections closed by CLIENT
// KILL and replies switched off by CLIENT REPLY need sockets: see
// tests/integration/connection_cmds_test.cc.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/unit/commands/client_info.h"
#include "tests/unit/harness/test_server.h"

namespace tessera::commands {
namespace {

using protocol::RespValue;
using testing::TestClient;
using testing::TestServer;
using Type = RespValue::Type;

class ClientCmdsTest : public ::testing::Test {
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

TEST_F(ClientCmdsTest, ClientIdsAreDistinct) {
  RespValue a = c0_->Call({"CLIENT", "ID"});
  RespValue b = c1_->Call({"CLIENT", "ID"});
  ASSERT_EQ(a.type, Type::kInteger);
  ASSERT_EQ(b.type, Type::kInteger);
  EXPECT_NE(a.integer, b.integer);
  EXPECT_EQ(c0_->Call({"CLIENT", "ID", "x"}).str,
            "ERR wrong number of arguments for 'client|id' command");
}

TEST_F(ClientCmdsTest, ClientSetNameAndGetName) {
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "GETNAME"}), "$-1\r\n");
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "SETNAME", "worker-1"}), "+OK\r\n");
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "GETNAME"}), "$8\r\nworker-1\r\n");
  for (const char* bad : {"a b", "a\nb", "caf\xc3\xa9"}) {
    EXPECT_EQ(c0_->Call({"CLIENT", "SETNAME", bad}).str,
              "ERR Client names cannot contain spaces, newlines or special characters.");
  }
  EXPECT_EQ(c0_->Call({"CLIENT", "GETNAME"}).str, "worker-1");
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "SETNAME", ""}), "+OK\r\n");  // clears the name
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "GETNAME"}), "$-1\r\n");
}

TEST_F(ClientCmdsTest, ClientSetInfo) {
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "SETINFO", "LIB-NAME", "redis-py"}), "+OK\r\n");
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "SETINFO", "lib-ver", "5.0.1"}), "+OK\r\n");
  EXPECT_EQ(c0_->Call({"CLIENT", "SETINFO", "lib-foo", "x"}).str,
            "ERR Unrecognized option 'lib-foo'");
  EXPECT_EQ(c0_->Call({"CLIENT", "SETINFO", "lib-name", "a b"}).str,
            "ERR lib-name cannot contain spaces, newlines or special characters.");
  EXPECT_EQ(c0_->Call({"CLIENT", "SETINFO", "lib-name"}).str,
            "ERR wrong number of arguments for 'client|setinfo' command");
}

TEST_F(ClientCmdsTest, ClientInfoHasRedisFieldsInOrder) {
  ASSERT_EQ(c1_->Call({"CLIENT", "SETNAME", "me"}).str, "OK");
  ASSERT_EQ(c1_->Call({"SELECT", "2"}).str, "OK");
  int64_t id = c1_->Call({"CLIENT", "ID"}).integer;
  InfoLine info = ClientInfo(*c1_);
  EXPECT_EQ(info.names,
            (std::vector<std::string>{
                "id",        "addr",     "laddr",     "fd",   "name", "age",   "idle",
                "flags",     "db",       "sub",       "psub", "ssub", "multi", "qbuf",
                "qbuf-free", "argv-mem", "multi-mem", "rbs",  "rbp",  "obl",   "oll",
                "omem",      "tot-mem",  "events",    "cmd",  "user", "redir", "resp"}));
  EXPECT_EQ(info.fields["id"], std::to_string(id));
  EXPECT_EQ(info.fields["name"], "me");
  EXPECT_EQ(info.fields["db"], "2");
  EXPECT_EQ(info.fields["flags"], "N");
  EXPECT_EQ(info.fields["multi"], "-1");
  EXPECT_EQ(info.fields["cmd"], "client|info");
  EXPECT_EQ(info.fields["user"], "default");
  EXPECT_EQ(info.fields["redir"], "-1");
  EXPECT_EQ(info.fields["resp"], "2");
}

TEST_F(ClientCmdsTest, ClientInfoIsVerbatimInResp3) {
  ASSERT_EQ(c0_->Call({"HELLO", "3"}).type, Type::kMap);
  std::string raw = c0_->CallRaw({"CLIENT", "INFO"});
  EXPECT_EQ(raw.substr(0, 1), "=");
  EXPECT_NE(raw.find("\r\ntxt:id="), std::string::npos) << raw;
  EXPECT_NE(raw.find(" resp=3\n\r\n"), std::string::npos) << raw;
}

TEST_F(ClientCmdsTest, ClientListFilters) {
  std::string id = std::to_string(c1_->Call({"CLIENT", "ID"}).integer);
  RespValue all = c1_->Call({"CLIENT", "LIST"});
  ASSERT_EQ(all.type, Type::kBulk) << protocol::DebugString(all);
  std::vector<std::string> lines = Lines(all.str);
  ASSERT_FALSE(lines.empty());
  bool found = false;
  for (const std::string& line : lines) {
    InfoLine info = ParseInfoLine(line);
    if (info.fields["id"] == id) {
      found = true;
      EXPECT_EQ(info.fields["cmd"], "client|list");
    }
  }
  EXPECT_TRUE(found) << all.str;

  EXPECT_EQ(Lines(c1_->Call({"CLIENT", "LIST", "TYPE", "normal"}).str).size(), lines.size());
  EXPECT_EQ(c1_->CallRaw({"CLIENT", "LIST", "TYPE", "pubsub"}), "$0\r\n\r\n");
  EXPECT_EQ(c1_->CallRaw({"CLIENT", "LIST", "TYPE", "replica"}), "$0\r\n\r\n");
  EXPECT_EQ(c1_->Call({"CLIENT", "LIST", "TYPE", "foo"}).str, "ERR Unknown client type 'foo'");
  EXPECT_EQ(c1_->Call({"CLIENT", "LIST", "ID", "abc"}).str, "ERR Invalid client ID");
  EXPECT_EQ(c1_->CallRaw({"CLIENT", "LIST", "ID", "999999"}), "$0\r\n\r\n");
  // Listed in argument order, repeats included.
  std::vector<std::string> twice = Lines(c1_->Call({"CLIENT", "LIST", "ID", id, "999999", id}).str);
  ASSERT_EQ(twice.size(), 2u);
  EXPECT_EQ(ParseInfoLine(twice[0]).fields["id"], id);
  EXPECT_EQ(ParseInfoLine(twice[1]).fields["id"], id);
  EXPECT_EQ(c1_->Call({"CLIENT", "LIST", "foo"}).str, "ERR syntax error");
  EXPECT_EQ(c1_->Call({"CLIENT", "LIST", "ID"}).str, "ERR syntax error");
  EXPECT_EQ(c1_->Call({"CLIENT", "LIST", "TYPE", "normal", "x"}).str, "ERR syntax error");
}

TEST_F(ClientCmdsTest, ClientKillArguments) {
  std::string id = std::to_string(c0_->Call({"CLIENT", "ID"}).integer);
  EXPECT_EQ(c0_->Call({"CLIENT", "KILL", "ID", "0"}).str, "ERR client-id should be greater than 0");
  EXPECT_EQ(c0_->Call({"CLIENT", "KILL", "ID", "abc"}).str,
            "ERR client-id should be greater than 0");
  EXPECT_EQ(c0_->Call({"CLIENT", "KILL", "TYPE", "bogus"}).str, "ERR Unknown client type 'bogus'");
  EXPECT_EQ(c0_->Call({"CLIENT", "KILL", "USER", "nobody"}).str, "ERR No such user 'nobody'");
  EXPECT_EQ(c0_->Call({"CLIENT", "KILL", "SKIPME", "maybe"}).str, "ERR syntax error");
  EXPECT_EQ(c0_->Call({"CLIENT", "KILL", "ID", "1", "foo"}).str, "ERR syntax error");
  EXPECT_EQ(c0_->Call({"CLIENT", "KILL", "1.2.3.4:5"}).str, "ERR No such client");
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "KILL", "ID", "999999"}), ":0\r\n");
  // SKIPME defaults to yes in the filter form.
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "KILL", "ID", id}), ":0\r\n");
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "KILL", "TYPE", "pubsub", "SKIPME", "no"}), ":0\r\n");
  EXPECT_EQ(ClientInfo(*c0_).fields["flags"], "N");
}

TEST_F(ClientCmdsTest, ClientKillSelfClosesAfterReply) {
  std::string id = std::to_string(c1_->Call({"CLIENT", "ID"}).integer);
  EXPECT_EQ(c1_->CallRaw({"CLIENT", "KILL", "ID", id, "SKIPME", "no"}), ":1\r\n");
  // The in-process client has no socket to close; the session carries the close flag ('c').
  EXPECT_EQ(ClientInfo(*c1_).fields["flags"], "c");
}

// CLIENT REPLY OFF/SKIP leave commands without replies, which this harness cannot wait for:
// tests/integration/connection_cmds_test.cc covers them over TCP.
TEST_F(ClientCmdsTest, ClientReplyArguments) {
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "REPLY", "ON"}), "+OK\r\n");
  EXPECT_EQ(c0_->Call({"CLIENT", "REPLY", "maybe"}).str, "ERR syntax error");
  EXPECT_EQ(c0_->Call({"CLIENT", "REPLY"}).str,
            "ERR wrong number of arguments for 'client|reply' command");
}

TEST_F(ClientCmdsTest, ClientNoEvictAndNoTouch) {
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "NO-EVICT", "ON"}), "+OK\r\n");
  EXPECT_EQ(ClientInfo(*c0_).fields["flags"], "e");
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "NO-TOUCH", "on"}), "+OK\r\n");
  EXPECT_EQ(ClientInfo(*c0_).fields["flags"], "eT");
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "NO-EVICT", "off"}), "+OK\r\n");
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "NO-TOUCH", "OFF"}), "+OK\r\n");
  EXPECT_EQ(ClientInfo(*c0_).fields["flags"], "N");
  EXPECT_EQ(c0_->Call({"CLIENT", "NO-EVICT", "maybe"}).str, "ERR syntax error");
  EXPECT_EQ(c0_->Call({"CLIENT", "NO-TOUCH", "1"}).str, "ERR syntax error");
}

TEST_F(ClientCmdsTest, TrackingIsOff) {
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "GETREDIR"}), ":-1\r\n");
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "TRACKINGINFO"}),
            "*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n"
            "*0\r\n");
  ASSERT_EQ(c0_->Call({"HELLO", "3"}).type, Type::kMap);
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "TRACKINGINFO"}),
            "%3\r\n$5\r\nflags\r\n~1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n"
            "*0\r\n");
  EXPECT_EQ(c0_->Call({"CLIENT", "CACHING", "yes"}).str,
            "ERR CLIENT CACHING can be called only when the client is in tracking mode with "
            "OPTIN or OPTOUT mode enabled");
}

TEST_F(ClientCmdsTest, ClientUnblock) {
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "UNBLOCK", "5"}), ":0\r\n");
  EXPECT_EQ(c0_->CallRaw({"CLIENT", "UNBLOCK", "5", "ERROR"}), ":0\r\n");
  EXPECT_EQ(c0_->Call({"CLIENT", "UNBLOCK", "abc"}).str,
            "ERR value is not an integer or out of range");
  EXPECT_EQ(c0_->Call({"CLIENT", "UNBLOCK", "5", "foo"}).str,
            "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
}

TEST_F(ClientCmdsTest, ClientHelpAndUnknownSubcommands) {
  RespValue help = c0_->Call({"client", "help"});
  ASSERT_EQ(help.type, Type::kArray);
  ASSERT_GE(help.elems.size(), 3u);
  EXPECT_EQ(help.elems[0].type, Type::kSimpleString);
  EXPECT_EQ(help.elems[0].str, "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_EQ(help.elems[help.elems.size() - 2].str, "HELP");
  EXPECT_EQ(help.elems.back().str, "    Prints this help.");
  EXPECT_EQ(c0_->Call({"CLIENT", "foo"}).str, "ERR unknown subcommand 'foo'. Try CLIENT HELP.");
  EXPECT_EQ(c0_->Call({"CLIENT"}).str, "ERR wrong number of arguments for 'client' command");
}

}  // namespace
}  // namespace tessera::commands
