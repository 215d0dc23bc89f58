// HELLO switches a connection between RESP2 and RESP3; the protocol is per connection and
// changes the encoding of the same replies (nulls, maps).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/integration/server_process.h"

namespace tessera::integration {
namespace {

using protocol::RespValue;
using Type = RespValue::Type;

class Resp3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(server_.Start({}, &error)) << error;
    ASSERT_TRUE(client_.Connect(server_.port())) << client_.last_error();
  }

  // Sends a command and returns the exact reply bytes, escaped for readable failures.
  std::string Raw(const std::vector<std::string>& args) {
    std::string raw;
    RespValue v = client_.Call(args, &raw);
    if (v.is_error() && v.str.rfind("HARNESS:", 0) == 0) return v.str;
    return EscapeBytes(raw);
  }

  ServerProcess server_;
  RawClient client_;
};

// HELLO's reply as a map from field name to value.
std::map<std::string, RespValue> Fields(const RespValue& hello) {
  std::map<std::string, RespValue> out;
  for (size_t i = 0; i + 1 < hello.elems.size(); i += 2)
    out[hello.elems[i].str] = hello.elems[i + 1];
  return out;
}

TEST_F(Resp3Test, Hello3RepliesWithMapAndSwitchesProtocol) {
  RespValue hello = client_.Call({"HELLO", "3"});
  ASSERT_EQ(hello.type, Type::kMap) << protocol::DebugString(hello);
  auto f = Fields(hello);
  for (const char* name : {"server", "version", "proto", "id", "mode", "role", "modules"}) {
    EXPECT_TRUE(f.count(name)) << "HELLO reply lacks " << name;
  }
  EXPECT_EQ(f["proto"].type, Type::kInteger);
  EXPECT_EQ(f["proto"].integer, 3);
  EXPECT_EQ(f["id"].type, Type::kInteger);
  EXPECT_EQ(f["mode"].str, "standalone");
  EXPECT_EQ(f["role"].str, "master");
  EXPECT_EQ(f["modules"].type, Type::kArray);

  // Same commands, RESP3 encodings.
  EXPECT_EQ(Raw({"GET", "missing"}), "_\\r\\n");
  EXPECT_EQ(Raw({"SET", "k", "v"}), "+OK\\r\\n");
  EXPECT_EQ(Raw({"GET", "k"}), "$1\\r\\nv\\r\\n");
  EXPECT_EQ(Raw({"MGET", "k", "missing"}), "*2\\r\\n$1\\r\\nv\\r\\n_\\r\\n");
  EXPECT_EQ(Raw({"SET", "k", "w", "NX", "GET"}), "$1\\r\\nv\\r\\n");
  EXPECT_EQ(Raw({"SET", "k2", "w", "XX"}), "_\\r\\n");
  EXPECT_EQ(Raw({"CONFIG", "GET", "databases"}), "%1\\r\\n$9\\r\\ndatabases\\r\\n$2\\r\\n16\\r\\n");
  EXPECT_EQ(Raw({"INCRBYFLOAT", "f", "1.5"}), "$3\\r\\n1.5\\r\\n");

  // The connection's CLIENT ID is the id HELLO reported.
  RespValue id = client_.Call({"CLIENT", "ID"});
  EXPECT_EQ(id.integer, f["id"].integer);

  // Back to RESP2: a flat array reply, and RESP2 nulls again.
  RespValue hello2 = client_.Call({"HELLO", "2"});
  ASSERT_EQ(hello2.type, Type::kArray) << protocol::DebugString(hello2);
  EXPECT_EQ(hello2.elems.size(), 14u);
  EXPECT_EQ(Fields(hello2)["proto"].integer, 2);
  EXPECT_EQ(Raw({"GET", "missing"}), "$-1\\r\\n");
  EXPECT_EQ(Raw({"MGET", "missing"}), "*1\\r\\n$-1\\r\\n");
  EXPECT_EQ(Raw({"CONFIG", "GET", "databases"}), "*2\\r\\n$9\\r\\ndatabases\\r\\n$2\\r\\n16\\r\\n");
}

TEST_F(Resp3Test, ProtocolIsPerConnection) {
  ASSERT_EQ(client_.Call({"HELLO", "3"}).type, Type::kMap);
  RawClient resp2;
  ASSERT_TRUE(resp2.Connect(server_.port()));
  std::string raw;
  resp2.Call({"GET", "missing"}, &raw);
  EXPECT_EQ(EscapeBytes(raw), "$-1\\r\\n");
  EXPECT_EQ(Raw({"GET", "missing"}), "_\\r\\n");

  // hiredis 0.14 speaks only RESP2 and must keep working next to RESP3 clients.
  RedisContextPtr h = ConnectHiredis(server_.port());
  ASSERT_TRUE(h);
  RedisReplyPtr r = Command(h.get(), {"GET", "missing"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, REDIS_REPLY_NIL);
}

TEST_F(Resp3Test, HelloOptionsAndErrors) {
  EXPECT_EQ(Raw({"HELLO", "4"}), "-NOPROTO unsupported protocol version\\r\\n");
  EXPECT_EQ(Raw({"HELLO", "1"}), "-NOPROTO unsupported protocol version\\r\\n");
  EXPECT_EQ(Raw({"HELLO", "x"}), "-ERR Protocol version is not an integer or out of range\\r\\n");
  // A failed HELLO leaves the protocol as it was.
  EXPECT_EQ(Raw({"GET", "missing"}), "$-1\\r\\n");

  // HELLO without a version reports the current protocol without changing it.
  RespValue same = client_.Call({"HELLO"});
  ASSERT_EQ(same.type, Type::kArray) << protocol::DebugString(same);
  EXPECT_EQ(Fields(same)["proto"].integer, 2);

  RespValue named = client_.Call({"HELLO", "3", "SETNAME", "resp3-client"});
  ASSERT_EQ(named.type, Type::kMap) << protocol::DebugString(named);
  EXPECT_EQ(Raw({"CLIENT", "GETNAME"}), "$12\\r\\nresp3-client\\r\\n");

  EXPECT_EQ(Raw({"HELLO", "3", "BOGUS"}), "-ERR Syntax error in HELLO option 'BOGUS'\\r\\n");
}

TEST(Resp3AuthTest, HelloAuthWithRequirepass) {
  ServerProcess secured;
  std::string error;
  ASSERT_TRUE(secured.Start({"--requirepass", "s3cret"}, &error)) << error;
  RawClient c;
  ASSERT_TRUE(c.Connect(secured.port()));
  std::string raw;
  c.Call({"GET", "k"}, &raw);
  EXPECT_EQ(EscapeBytes(raw), "-NOAUTH Authentication required.\\r\\n");
  RespValue bad = c.Call({"HELLO", "3", "AUTH", "default", "wrong"});
  EXPECT_EQ(bad.str, "WRONGPASS invalid username-password pair or user is disabled.");
  RespValue ok = c.Call({"HELLO", "3", "AUTH", "default", "s3cret"});
  ASSERT_EQ(ok.type, Type::kMap) << protocol::DebugString(ok);
  c.Call({"GET", "k"}, &raw);
  EXPECT_EQ(EscapeBytes(raw), "_\\r\\n");
}

}  // namespace
}  // namespace tessera::integration
