// Every command Tessera registers describes itself exactly as redis-server 7.0.15 does:
// COMMAND INFO (arity, flags, key positions, ACL categories, tips, key specs) and COMMAND DOCS
// (summary, since, group, complexity, history, arguments, ...), compared over RESP3 so the reply
// types (sets, maps, status vs bulk strings) are compared too.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/server_process.h"

namespace tessera::integration {
namespace {

using protocol::RespValue;

// Commands that Redis 7.0 lacks on purpose, with the reason.
const std::map<std::string, std::string>& NotInRedis70() {
  static const auto* kNames = new std::map<std::string, std::string>{
      {"client|setinfo", "Redis 7.2 command that clients send on connect"},
      {"client|no-touch", "Redis 7.2 command"},
  };
  return *kNames;
}

class CommandInfoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(tessera_.Start({}, &error)) << error;
    ASSERT_TRUE(redis_.Start({}, &error)) << error;
    for (auto [server, client] : {std::pair<ServerProcess*, RawClient*>{&tessera_, &ours_},
                                  std::pair<ServerProcess*, RawClient*>{&redis_, &theirs_}}) {
      ASSERT_TRUE(client->Connect(server->port())) << client->last_error();
      ASSERT_EQ(client->Call({"HELLO", "3"}).type, RespValue::Type::kMap);
    }
  }

  ServerProcess tessera_;
  ServerProcess redis_{ReferenceServer()};
  RawClient ours_;
  RawClient theirs_;
};

// One COMMAND INFO entry without its subcommands (compared one by one instead: Tessera may
// implement a subset, in another order).
std::string WithoutSubcommands(const RespValue& entry) {
  if (entry.type != RespValue::Type::kArray || entry.elems.size() != 10) {
    return protocol::DebugString(entry);
  }
  std::string out;
  for (size_t i = 0; i < 9; ++i) out += protocol::DebugString(entry.elems[i]) + " | ";
  return out;
}

// One COMMAND DOCS value without its "subcommands" field (compared one by one instead).
std::string DocsWithoutSubcommands(const RespValue& doc) {
  std::string out;
  for (size_t i = 0; i + 1 < doc.elems.size(); i += 2) {
    if (doc.elems[i].str == "subcommands") continue;
    out += protocol::DebugString(doc.elems[i]) + " => " + protocol::DebugString(doc.elems[i + 1]) +
           " | ";
  }
  return out;
}

TEST_F(CommandInfoTest, EveryRegisteredCommandMatchesRedis) {
  if (tessera_.is_redis()) GTEST_SKIP() << "compares Tessera with Redis";
  RespValue names = ours_.Call({"COMMAND", "LIST"});
  ASSERT_EQ(names.type, RespValue::Type::kArray) << protocol::DebugString(names);
  ASSERT_FALSE(names.elems.empty());
  for (const RespValue& name_value : names.elems) {
    const std::string& name = name_value.str;
    SCOPED_TRACE(name);
    RespValue ours = ours_.Call({"COMMAND", "INFO", name});
    RespValue theirs = theirs_.Call({"COMMAND", "INFO", name});
    ASSERT_EQ(ours.elems.size(), 1u) << protocol::DebugString(ours);
    ASSERT_EQ(theirs.elems.size(), 1u) << protocol::DebugString(theirs);
    if (theirs.elems[0].type == RespValue::Type::kNull) {
      EXPECT_TRUE(NotInRedis70().count(name)) << "not a Redis 7.0 command";
      continue;
    }
    EXPECT_EQ(WithoutSubcommands(ours.elems[0]), WithoutSubcommands(theirs.elems[0]));

    RespValue our_docs = ours_.Call({"COMMAND", "DOCS", name});
    RespValue their_docs = theirs_.Call({"COMMAND", "DOCS", name});
    ASSERT_EQ(our_docs.elems.size(), 2u) << protocol::DebugString(our_docs);
    ASSERT_EQ(their_docs.elems.size(), 2u) << protocol::DebugString(their_docs);
    EXPECT_EQ(DocsWithoutSubcommands(our_docs.elems[1]),
              DocsWithoutSubcommands(their_docs.elems[1]));
  }
}

TEST_F(CommandInfoTest, GetKeysAgreesWithRedis) {
  if (tessera_.is_redis()) GTEST_SKIP() << "compares Tessera with Redis";
  const std::vector<std::vector<std::string>> cases = {
      {"get", "k"},
      {"set", "k", "v", "EX", "10"},
      {"mset", "a", "1", "b", "2"},
      {"mget", "a", "b", "c"},
      {"del", "a", "b"},
      {"rename", "a", "b"},
      {"copy", "a", "b", "REPLACE"},
      {"lcs", "a", "b"},
      {"object", "encoding", "k"},
      {"ping"},
      {"nosuchcommand", "x"},
      {"get", "a", "b"},
  };
  std::set<std::string> ours_names;
  for (const RespValue& n : ours_.Call({"COMMAND", "LIST"}).elems) ours_names.insert(n.str);
  for (const auto& args : cases) {
    if (args[0] != "nosuchcommand" && !ours_names.count(args[0])) continue;  // not there yet
    std::vector<std::string> cmd = {"COMMAND", "GETKEYSANDFLAGS"};
    cmd.insert(cmd.end(), args.begin(), args.end());
    SCOPED_TRACE(args[0]);
    EXPECT_EQ(protocol::DebugString(ours_.Call(cmd)), protocol::DebugString(theirs_.Call(cmd)));
  }
}

}  // namespace
}  // namespace tessera::integration
