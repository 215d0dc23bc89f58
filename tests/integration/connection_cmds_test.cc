// Connection commands that need real sockets: replies switched off, connections closed by QUIT
// and CLIENT KILL, and CLIENT LIST over connections spread across every loop. Passes against
// redis-server too (TESSERA_TEST_SERVER=/usr/bin/redis-server).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/server_process.h"

namespace tessera::integration {
namespace {

using protocol::RespValue;

std::string Encode(const std::vector<std::vector<std::string>>& cmds) {
  std::string out;
  for (const auto& c : cmds) out += EncodeCommand(c);
  return out;
}

// id -> that client's CLIENT LIST fields.
std::map<std::string, std::map<std::string, std::string>> ParseClientList(const std::string& text) {
  std::map<std::string, std::map<std::string, std::string>> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::map<std::string, std::string> fields;
    std::string line = text.substr(pos, end - pos);
    size_t p = 0;
    while (p < line.size()) {
      size_t e = line.find(' ', p);
      if (e == std::string::npos) e = line.size();
      std::string word = line.substr(p, e - p);
      size_t eq = word.find('=');
      if (eq != std::string::npos) fields[word.substr(0, eq)] = word.substr(eq + 1);
      p = e + 1;
    }
    out[fields["id"]] = fields;
    pos = end + 1;
  }
  return out;
}

class ConnectionCmdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(server_.Start({}, &error)) << error;
  }

  std::unique_ptr<RawClient> Connect() {
    auto c = std::make_unique<RawClient>();
    EXPECT_TRUE(c->Connect(server_.port())) << c->last_error();
    return c;
  }

  // Sends `cmds` as one write and reads exactly `replies` replies.
  std::vector<std::string> Exchange(RawClient& c, const std::vector<std::vector<std::string>>& cmds,
                                    size_t replies) {
    std::vector<std::string> out;
    EXPECT_TRUE(c.SendRaw(Encode(cmds)));
    for (size_t i = 0; i < replies; ++i) {
      RespValue v;
      std::string raw;
      if (!c.Read(&v, &raw)) {
        ADD_FAILURE() << "reply " << i << ": " << c.last_error();
        break;
      }
      out.push_back(raw);
    }
    return out;
  }

  ServerProcess server_;
};

TEST_F(ConnectionCmdsTest, ClientReplyOffSkipOn) {
  auto c = Connect();
  // OFF: nothing until ON, whose own +OK is sent. A trailing PING proves nothing else came.
  EXPECT_EQ(Exchange(*c,
                     {{"CLIENT", "REPLY", "OFF"},
                      {"PING", "a"},
                      {"SET", "k", "v"},
                      {"CLIENT", "REPLY", "ON"},
                      {"PING", "b"}},
                     2),
            (std::vector<std::string>{"+OK\r\n", "$1\r\nb\r\n"}));
  // SKIP: drops exactly the next reply, and sends none itself.
  EXPECT_EQ(Exchange(*c, {{"CLIENT", "REPLY", "SKIP"}, {"PING", "a"}, {"PING", "b"}}, 1),
            (std::vector<std::string>{"$1\r\nb\r\n"}));
  // SKIP while OFF stays OFF; errors are muted too.
  EXPECT_EQ(Exchange(*c,
                     {{"CLIENT", "REPLY", "OFF"},
                      {"CLIENT", "REPLY", "SKIP"},
                      {"PING", "a"},
                      {"NOSUCHCOMMAND"},
                      {"PING", "b"},
                      {"CLIENT", "REPLY", "ON"},
                      {"PING", "c"}},
                     2),
            (std::vector<std::string>{"+OK\r\n", "$1\r\nc\r\n"}));
}

TEST_F(ConnectionCmdsTest, ResetTurnsRepliesBackOn) {
  auto c = Connect();
  EXPECT_EQ(Exchange(*c, {{"CLIENT", "REPLY", "OFF"}, {"PING"}, {"RESET"}, {"PING"}}, 2),
            (std::vector<std::string>{"+RESET\r\n", "+PONG\r\n"}));
}

TEST_F(ConnectionCmdsTest, QuitRepliesThenCloses) {
  auto c = Connect();
  // Commands pipelined after QUIT are not run.
  EXPECT_EQ(Exchange(*c, {{"QUIT"}, {"PING"}}, 1), (std::vector<std::string>{"+OK\r\n"}));
  std::string rest;
  EXPECT_TRUE(c->WaitClosed(&rest));
  EXPECT_EQ(rest, "");
}

TEST_F(ConnectionCmdsTest, ClientListShowsConnectionsOfEveryLoop) {
  // With several loops, consecutive connections land on different ones.
  std::vector<std::unique_ptr<RawClient>> clients;
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    clients.push_back(Connect());
    RespValue id = clients.back()->Call({"CLIENT", "ID"});
    ASSERT_EQ(id.type, RespValue::Type::kInteger);
    ids.push_back(std::to_string(id.integer));
    ASSERT_EQ(clients.back()->Call({"CLIENT", "SETNAME", "c" + std::to_string(i)}).str, "OK");
  }
  RespValue list = clients[2]->Call({"CLIENT", "LIST"});
  ASSERT_EQ(list.type, RespValue::Type::kBulk) << protocol::DebugString(list);
  auto by_id = ParseClientList(list.str);
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(by_id.count(ids[i])) << "client " << ids[i] << " missing from\n" << list.str;
    EXPECT_EQ(by_id[ids[i]]["name"], "c" + std::to_string(i));
    EXPECT_EQ(by_id[ids[i]]["cmd"], i == 2 ? "client|list" : "client|setname");
    EXPECT_FALSE(by_id[ids[i]]["addr"].empty());
    EXPECT_FALSE(by_id[ids[i]]["laddr"].empty());
  }
  RespValue some = clients[0]->Call({"CLIENT", "LIST", "ID", ids[5], ids[1]});
  auto two = ParseClientList(some.str);
  EXPECT_EQ(two.size(), 2u);
  EXPECT_EQ(some.str.substr(0, 3 + ids[5].size()), "id=" + ids[5]);
}

TEST_F(ConnectionCmdsTest, ClientKillClosesConnectionsOnOtherLoops) {
  std::vector<std::unique_ptr<RawClient>> clients;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(Connect());
    ids.push_back(std::to_string(clients.back()->Call({"CLIENT", "ID"}).integer));
  }
  // By id, filter form: the count.
  EXPECT_EQ(clients[0]->Call({"CLIENT", "KILL", "ID", ids[1]}).integer, 1);
  EXPECT_TRUE(clients[1]->WaitClosed());
  // By address, old form: +OK.
  auto list = ParseClientList(clients[0]->Call({"CLIENT", "LIST"}).str);
  std::string addr = list[ids[2]]["addr"];
  ASSERT_FALSE(addr.empty());
  EXPECT_EQ(clients[0]->Call({"CLIENT", "KILL", addr}).str, "OK");
  EXPECT_TRUE(clients[2]->WaitClosed());
  EXPECT_EQ(clients[0]->Call({"CLIENT", "KILL", addr}).str, "ERR No such client");
  // Everyone but the caller.
  EXPECT_EQ(clients[0]->Call({"CLIENT", "KILL", "TYPE", "normal"}).integer, 2);
  EXPECT_TRUE(clients[3]->WaitClosed());
  EXPECT_TRUE(clients[4]->WaitClosed());
  EXPECT_EQ(clients[0]->Call({"PING"}).str, "PONG");
  // The caller itself, once the reply is out.
  EXPECT_EQ(clients[0]->Call({"CLIENT", "KILL", "ID", ids[0], "SKIPME", "no"}).integer, 1);
  EXPECT_TRUE(clients[0]->WaitClosed());
}

TEST_F(ConnectionCmdsTest, ClientKillByLocalAddress) {
  auto a = Connect();
  auto b = Connect();
  std::string id_a = std::to_string(a->Call({"CLIENT", "ID"}).integer);
  auto list = ParseClientList(a->Call({"CLIENT", "LIST"}).str);
  std::string laddr = list[id_a]["laddr"];
  ASSERT_FALSE(laddr.empty());
  EXPECT_EQ(a->Call({"CLIENT", "KILL", "LADDR", laddr}).integer, 1);
  EXPECT_TRUE(b->WaitClosed());
  EXPECT_EQ(a->Call({"CLIENT", "KILL", "LADDR", "1.2.3.4:1"}).integer, 0);
}

}  // namespace
}  // namespace tessera::integration
