// COMMAND and its subcommands: the exact shapes Redis 7.0.15 sends (bytes taken from
// redis-server), and consistency of everything the families register.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/harness/test_server.h"

namespace tessera::commands {
namespace {

using protocol::RespValue;
using testing::TestClient;
using testing::TestServer;
using Type = RespValue::Type;

std::vector<std::string> Strings(const RespValue& v) {
  std::vector<std::string> out;
  for (const RespValue& e : v.elems) out.push_back(e.str);
  return out;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

class CommandCmdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c0_ = server_.Connect(0);
    c1_ = server_.Connect(1);
  }

  TestServer server_;
  std::unique_ptr<TestClient> c0_;
  std::unique_ptr<TestClient> c1_;
};

TEST_F(CommandCmdsTest, InfoOfAKeylessCommandMatchesRedisBytes) {
  EXPECT_EQ(c0_->CallRaw({"COMMAND", "INFO", "ping"}),
            "*1\r\n*10\r\n$4\r\nping\r\n:-1\r\n*1\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n"
            "+@connection\r\n*2\r\n$25\r\nrequest_policy:all_shards\r\n$29\r\n"
            "response_policy:all_succeeded\r\n*0\r\n*0\r\n");
  ASSERT_EQ(c0_->Call({"HELLO", "3"}).type, Type::kMap);
  EXPECT_EQ(c0_->CallRaw({"COMMAND", "INFO", "PING"}),
            "*1\r\n*10\r\n$4\r\nping\r\n:-1\r\n~1\r\n+fast\r\n:0\r\n:0\r\n:0\r\n~2\r\n+@fast\r\n"
            "+@connection\r\n~2\r\n$25\r\nrequest_policy:all_shards\r\n$29\r\n"
            "response_policy:all_succeeded\r\n~0\r\n~0\r\n");
}

TEST_F(CommandCmdsTest, InfoOfAKeyedCommandMatchesRedisBytes) {
  EXPECT_EQ(c1_->CallRaw({"COMMAND", "INFO", "get"}),
            "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n"
            "+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n"
            "+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n"
            "*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n"
            "$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n"
            ":0\r\n*0\r\n");
  ASSERT_EQ(c1_->Call({"HELLO", "3"}).type, Type::kMap);
  EXPECT_EQ(c1_->CallRaw({"COMMAND", "INFO", "get"}),
            "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n"
            "+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n"
            "+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n"
            "%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n"
            "$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n"
            ":0\r\n~0\r\n");
}

TEST_F(CommandCmdsTest, InfoLooksUpSubcommandsAndAnswersNilForUnknown) {
  EXPECT_EQ(c0_->CallRaw({"COMMAND", "INFO", "nosuch", "|list", "client|list|x"}),
            "*3\r\n$-1\r\n$-1\r\n$-1\r\n");
  EXPECT_EQ(c0_->CallRaw({"COMMAND", "INFO", "CLIENT|ID"}),
            "*1\r\n*10\r\n$9\r\nclient|id\r\n:2\r\n*3\r\n+noscript\r\n+loading\r\n+stale\r\n"
            ":0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n");
  RespValue client = c0_->Call({"COMMAND", "INFO", "client"});
  ASSERT_EQ(client.elems.size(), 1u);
  const RespValue& entry = client.elems[0];
  ASSERT_EQ(entry.elems.size(), 10u);
  EXPECT_EQ(entry.elems[0].str, "client");
  EXPECT_EQ(entry.elems[1].integer, -2);
  EXPECT_TRUE(entry.elems[2].elems.empty());  // a container has no flags
  std::set<std::string> subs;
  for (const RespValue& sub : entry.elems[9].elems) subs.insert(sub.elems[0].str);
  for (const char* name : {"client|id", "client|list", "client|kill", "client|setname",
                           "client|getname", "client|reply", "client|info", "client|help"}) {
    EXPECT_TRUE(subs.count(name)) << name;
  }
}

TEST_F(CommandCmdsTest, CommandCountListAndAllInfoAgree) {
  RespValue count = c0_->Call({"COMMAND", "COUNT"});
  ASSERT_EQ(count.type, Type::kInteger);
  RespValue all = c0_->Call({"COMMAND"});
  ASSERT_EQ(all.type, Type::kArray);
  EXPECT_EQ(static_cast<int64_t>(all.elems.size()), count.integer);
  EXPECT_EQ(c0_->Call({"COMMAND", "INFO"}).elems.size(), all.elems.size());

  std::vector<std::string> list = Strings(c0_->Call({"COMMAND", "LIST"}));
  size_t top_level = 0;
  for (const RespValue& info : all.elems) {
    ASSERT_EQ(info.elems.size(), 10u);
    EXPECT_TRUE(Contains(list, info.elems[0].str)) << info.elems[0].str;
    for (const RespValue& sub : info.elems[9].elems) {
      EXPECT_TRUE(Contains(list, sub.elems[0].str)) << sub.elems[0].str;
    }
    ++top_level;
  }
  size_t with_bar = std::count_if(list.begin(), list.end(), [](const std::string& n) {
    return n.find('|') != std::string::npos;
  });
  EXPECT_EQ(list.size() - with_bar, top_level);
  for (const char* name : {"ping", "client", "client|list", "command", "command|docs", "dbsize",
                           "debug", "get", "set"}) {
    EXPECT_TRUE(Contains(list, name)) << name;
  }
}

TEST_F(CommandCmdsTest, EveryCommandHasCompleteMetadata) {
  RespValue docs = c0_->Call({"COMMAND", "DOCS"});
  ASSERT_EQ(docs.type, Type::kArray);  // RESP2: a flat map
  RespValue all = c0_->Call({"COMMAND"});
  EXPECT_EQ(docs.elems.size(), 2 * all.elems.size());
  for (size_t i = 0; i + 1 < docs.elems.size(); i += 2) {
    std::vector<std::string> fields;
    const RespValue& doc = docs.elems[i + 1];
    for (size_t j = 0; j < doc.elems.size(); j += 2) fields.push_back(doc.elems[j].str);
    for (const char* f : {"summary", "since", "group", "complexity"}) {
      EXPECT_TRUE(Contains(fields, f)) << docs.elems[i].str << " lacks " << f;
    }
  }
  for (const RespValue& info : all.elems) {
    const std::string& name = info.elems[0].str;
    EXPECT_NE(info.elems[1].integer, 0) << name << ": arity 0";
    EXPECT_FALSE(info.elems[6].elems.empty()) << name << ": no ACL categories";
  }
}

TEST_F(CommandCmdsTest, DocsShapes) {
  EXPECT_EQ(c0_->CallRaw({"COMMAND", "DOCS", "echo", "nosuch"}),
            "*2\r\n$4\r\necho\r\n*10\r\n$7\r\nsummary\r\n$21\r\nEcho the given string\r\n"
            "$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\n"
            "complexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*4\r\n$4\r\nname\r\n"
            "$7\r\nmessage\r\n$4\r\ntype\r\n$6\r\nstring\r\n");
  EXPECT_EQ(c0_->CallRaw({"COMMAND", "DOCS", "nosuch"}), "*0\r\n");
  // doc_flags: a set of status strings.
  EXPECT_EQ(c0_->CallRaw({"COMMAND", "DOCS", "debug"}),
            "*2\r\n$5\r\ndebug\r\n*10\r\n$7\r\nsummary\r\n$34\r\n"
            "A container for debugging commands\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n"
            "$6\r\nserver\r\n$10\r\ncomplexity\r\n$22\r\nDepends on subcommand.\r\n$9\r\n"
            "doc_flags\r\n*1\r\n+syscmd\r\n");
  ASSERT_EQ(c0_->Call({"HELLO", "3"}).type, Type::kMap);
  EXPECT_EQ(c0_->CallRaw({"COMMAND", "DOCS", "ECHO"}),
            "%1\r\n$4\r\necho\r\n%5\r\n$7\r\nsummary\r\n$21\r\nEcho the given string\r\n"
            "$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\n"
            "complexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n%2\r\n$4\r\nname\r\n"
            "$7\r\nmessage\r\n$4\r\ntype\r\n$6\r\nstring\r\n");
  RespValue client = c0_->Call({"COMMAND", "DOCS", "client", "client|id"});
  ASSERT_EQ(client.type, Type::kMap);
  ASSERT_EQ(client.elems.size(), 4u);
  EXPECT_EQ(client.elems[0].str, "client");
  EXPECT_EQ(client.elems[2].str, "client|id");
  const RespValue& doc = client.elems[1];
  ASSERT_GE(doc.elems.size(), 2u);
  EXPECT_EQ(doc.elems[doc.elems.size() - 2].str, "subcommands");
  EXPECT_EQ(doc.elems.back().type, Type::kMap);
}

TEST_F(CommandCmdsTest, ListFilters) {
  std::vector<std::string> cl =
      Strings(c0_->Call({"COMMAND", "LIST", "FILTERBY", "PATTERN", "CLIENT*"}));
  EXPECT_TRUE(Contains(cl, "client"));
  EXPECT_TRUE(Contains(cl, "client|list"));
  for (const std::string& name : cl) EXPECT_EQ(name.rfind("client", 0), 0u) << name;
  std::vector<std::string> conn =
      Strings(c0_->Call({"COMMAND", "LIST", "filterby", "aclcat", "CONNECTION"}));
  EXPECT_TRUE(Contains(conn, "ping"));
  EXPECT_TRUE(Contains(conn, "client|id"));
  EXPECT_FALSE(Contains(conn, "client"));  // the container is only @slow
  EXPECT_FALSE(Contains(conn, "get"));
  EXPECT_EQ(c0_->CallRaw({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "@connection"}), "*0\r\n");
  EXPECT_EQ(c0_->CallRaw({"COMMAND", "LIST", "FILTERBY", "MODULE", "x"}), "*0\r\n");
  EXPECT_EQ(c0_->Call({"COMMAND", "LIST", "FILTERBY", "foo", "x"}).str, "ERR syntax error");
  EXPECT_EQ(c0_->Call({"COMMAND", "LIST", "FILTERBY", "PATTERN"}).str, "ERR syntax error");
  EXPECT_EQ(c0_->Call({"COMMAND", "LIST", "foo"}).str, "ERR syntax error");
}

TEST_F(CommandCmdsTest, GetKeys) {
  EXPECT_EQ(c0_->CallRaw({"COMMAND", "GETKEYS", "GET", "A"}), "*1\r\n$1\r\nA\r\n");
  EXPECT_EQ(Strings(c0_->Call({"COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"})),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Strings(c1_->Call({"COMMAND", "GETKEYS", "del", "x", "y", "z"})),
            (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(Strings(c1_->Call({"COMMAND", "GETKEYS", "object", "encoding", "k"})),
            (std::vector<std::string>{"k"}));
  EXPECT_EQ(c0_->Call({"COMMAND", "GETKEYS", "nosuch", "a"}).str, "ERR Invalid command specified");
  EXPECT_EQ(c0_->Call({"COMMAND", "GETKEYS", "client", "foo"}).str,
            "ERR Invalid command specified");
  EXPECT_EQ(c0_->Call({"COMMAND", "GETKEYS", "ping", "x"}).str,
            "ERR The command has no key arguments");
  EXPECT_EQ(c0_->Call({"COMMAND", "GETKEYS", "client", "list"}).str,
            "ERR The command has no key arguments");
  EXPECT_EQ(c0_->Call({"COMMAND", "GETKEYS", "get", "a", "b"}).str,
            "ERR Invalid number of arguments specified for command");
  EXPECT_EQ(c0_->Call({"COMMAND", "GETKEYS", "get"}).str,
            "ERR wrong number of arguments for 'command|getkeys' command");
}

TEST_F(CommandCmdsTest, GetKeysAndFlags) {
  EXPECT_EQ(c0_->CallRaw({"COMMAND", "GETKEYSANDFLAGS", "set", "a", "b"}),
            "*1\r\n*2\r\n$1\r\na\r\n*2\r\n+OW\r\n+update\r\n");
  ASSERT_EQ(c0_->Call({"HELLO", "3"}).type, Type::kMap);
  EXPECT_EQ(c0_->CallRaw({"COMMAND", "GETKEYSANDFLAGS", "set", "a", "b"}),
            "*1\r\n*2\r\n$1\r\na\r\n~2\r\n+OW\r\n+update\r\n");
}

TEST_F(CommandCmdsTest, HelpAndUnknownSubcommand) {
  RespValue help = c0_->Call({"command", "help"});
  ASSERT_EQ(help.type, Type::kArray);
  ASSERT_EQ(help.elems.size(), 21u);
  EXPECT_EQ(help.elems[0].str, "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_EQ(help.elems[1].str, "(no subcommand)");
  EXPECT_EQ(help.elems[19].str, "HELP");
  EXPECT_EQ(c0_->Call({"COMMAND", "foo"}).str, "ERR unknown subcommand 'foo'. Try COMMAND HELP.");
  EXPECT_EQ(c0_->Call({"COMMAND", "COUNT", "x"}).str,
            "ERR wrong number of arguments for 'command|count' command");
}

}  // namespace
}  // namespace tessera::commands
