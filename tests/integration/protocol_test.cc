// The request protocol as a client sees it on the wire: Redis's exact protocol error texts and
// the connection closed right after them, size limits, QUIT, and inline commands.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/server_process.h"

namespace tessera::integration {
namespace {

using protocol::RespValue;

// One server for the whole binary run: every test here opens its own connections, and a
// protocol error only ever closes the connection that sent it.
class ProtocolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess();
    std::string error;
    if (!server_->Start({}, &error)) start_error_ = new std::string(error);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }
  void SetUp() override { ASSERT_EQ(start_error_, nullptr) << *start_error_; }

  // Sends `bytes` on a fresh connection and returns everything received until the server
  // closes it (or "<still open>" appended if it does not close in time).
  static std::string SendAndCollectUntilClose(const std::string& bytes) {
    RawClient c;
    if (!c.Connect(server_->port())) return "<connect failed>";
    if (!c.SendRaw(bytes)) return "<send failed: " + c.last_error() + ">";
    std::string got;
    if (!c.WaitClosed(&got)) got += "<still open>";
    return got;
  }

  static ServerProcess* server_;
  static std::string* start_error_;
};
ServerProcess* ProtocolTest::server_ = nullptr;
std::string* ProtocolTest::start_error_ = nullptr;

struct ErrorCase {
  const char* name;
  std::string request;
  std::string reply;  // everything the server sends before closing
};

std::vector<ErrorCase> ErrorCases() {
  const std::string too_long_digits(70000, '1');
  return {
      {"InvalidMultibulkLength", "*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
      {"MultibulkLengthOverLimit", "*3000000000\r\n",
       "-ERR Protocol error: invalid multibulk length\r\n"},
      {"InvalidBulkLength", "*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
      {"NegativeBulkLength", "*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
      // One byte over the default proto-max-bulk-len (512 MB): refused from the header alone,
      // before any of the body is buffered.
      {"BulkLengthOverDefaultLimit", "*1\r\n$536870913\r\n",
       "-ERR Protocol error: invalid bulk length\r\n"},
      {"FourGigabyteBulk", "*2\r\n$3\r\nSET\r\n$4294967296\r\n",
       "-ERR Protocol error: invalid bulk length\r\n"},
      {"ExpectedDollar", "*1\r\nfoo\r\n", "-ERR Protocol error: expected '$', got 'f'\r\n"},
      {"ExpectedDollarForSecondArgument", "*2\r\n$4\r\nECHO\r\n:12\r\n",
       "-ERR Protocol error: expected '$', got ':'\r\n"},
      {"UnbalancedDoubleQuote", "SET k \"foo\r\n",
       "-ERR Protocol error: unbalanced quotes in request\r\n"},
      {"UnbalancedSingleQuote", "SET k 'foo\r\n",
       "-ERR Protocol error: unbalanced quotes in request\r\n"},
      {"ClosingQuoteNotFollowedBySpace", "SET k \"a\"b\r\n",
       "-ERR Protocol error: unbalanced quotes in request\r\n"},
      {"TooBigInlineRequest", std::string(70000, 'a'),
       "-ERR Protocol error: too big inline request\r\n"},
      {"TooBigMultibulkCountString", "*" + too_long_digits,
       "-ERR Protocol error: too big mbulk count string\r\n"},
      {"TooBigBulkCountString", "*1\r\n$" + too_long_digits,
       "-ERR Protocol error: too big bulk count string\r\n"},
      // Commands before the bad one in the same packet are still answered, in order.
      {"EarlierCommandsAnsweredFirst", "PING\r\n*1\r\n$4\r\nPING\r\n*x\r\n",
       "+PONG\r\n+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n"},
      // Nothing after the bad request is executed.
      {"LaterCommandsIgnored", "*1\r\nfoo\r\n*1\r\n$4\r\nPING\r\n",
       "-ERR Protocol error: expected '$', got 'f'\r\n"},
  };
}

class ProtocolErrorTest : public ProtocolTest, public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(ProtocolErrorTest, ExactErrorThenConnectionClosed) {
  const ErrorCase& c = GetParam();
  EXPECT_EQ(EscapeBytes(SendAndCollectUntilClose(c.request)), EscapeBytes(c.reply));
  // The server itself is unharmed.
  RawClient other;
  ASSERT_TRUE(other.Connect(server_->port()));
  EXPECT_EQ(other.Call({"PING"}).str, "PONG");
}

INSTANTIATE_TEST_SUITE_P(Parser, ProtocolErrorTest, ::testing::ValuesIn(ErrorCases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(ProtocolTest, QuitRepliesOkThenCloses) {
  EXPECT_EQ(EscapeBytes(SendAndCollectUntilClose("PING\r\nQUIT\r\nPING\r\n")),
            EscapeBytes("+PONG\r\n+OK\r\n"));
  EXPECT_EQ(EscapeBytes(SendAndCollectUntilClose(EncodeCommand({"QUIT"}))), "+OK\\r\\n");
}

TEST_F(ProtocolTest, InlineCommands) {
  RawClient c;
  ASSERT_TRUE(c.Connect(server_->port()));
  struct Step {
    std::string request;
    std::string reply;
  };
  const std::vector<Step> steps = {
      {"PING\r\n", "+PONG\r\n"},
      {"PING\n", "+PONG\r\n"},                // a bare LF ends an inline command too
      {"\r\n\n  \r\nPING\r\n", "+PONG\r\n"},  // empty lines get no reply at all
      {"ping hello\r\n", "$5\r\nhello\r\n"},
      {"  ECHO    spaced\t \r\n", "$6\r\nspaced\r\n"},
      {"SET inline:k \"a b\\x41\\n\\\"q\\\"\"\r\n", "+OK\r\n"},
      {"GET inline:k\r\n", "$8\r\na bA\n\"q\"\r\n"},
      {"SET inline:s 'it\\'s \"x\"'\r\n", "+OK\r\n"},
      {"GET inline:s\r\n", "$8\r\nit's \"x\"\r\n"},
      {"SET inline:e \"\"\r\n", "+OK\r\n"},
      {"STRLEN inline:e\r\n", ":0\r\n"},
      // Inline and multibulk mixed in one packet.
      {"INCR inline:n\r\n" + EncodeCommand({"INCR", "inline:n"}) + "INCR inline:n\r\n",
       ":1\r\n:2\r\n:3\r\n"},
      {"NOSUCHCMD a b\r\n",
       "-ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' \r\n"},
      {"get\r\n", "-ERR wrong number of arguments for 'get' command\r\n"},
  };
  for (const Step& s : steps) {
    ASSERT_TRUE(c.SendRaw(s.request));
    std::string got;
    std::string expected = s.reply;
    // A step may expect several replies; read until the expected byte count is reached.
    while (got.size() < expected.size()) {
      RespValue v;
      std::string raw;
      ASSERT_TRUE(c.Read(&v, &raw)) << EscapeBytes(s.request) << ": " << c.last_error();
      got += raw;
    }
    EXPECT_EQ(EscapeBytes(got), EscapeBytes(expected)) << "request " << EscapeBytes(s.request);
  }
}

// Before AUTH, Redis refuses multibulks of more than 10 arguments; AUTH lifts that for the
// commands after it, even those that arrived in the same packet (the server parses a pipeline
// ahead of running it, but never past a command that could change the limits).
TEST(ProtocolLimitsTest, AuthInOnePacketWithALongCommandLiftsTheLimitForIt) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({"--requirepass", "s3cret"}, &error)) << error;
  std::vector<std::string> mset = {"MSET"};
  for (int i = 0; i < 12; ++i) {
    mset.push_back(StrCat({"auth:k", std::to_string(i)}));
    mset.push_back(StrCat({"v", std::to_string(i)}));
  }
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  ASSERT_TRUE(c.SendRaw(EncodeCommand({"AUTH", "s3cret"}) + EncodeCommand(mset) +
                        EncodeCommand({"GET", "auth:k11"})));
  std::string got;
  for (int i = 0; i < 3; ++i) {
    RespValue v;
    std::string raw;
    ASSERT_TRUE(c.Read(&v, &raw)) << c.last_error() << " after " << EscapeBytes(got);
    got += raw;
  }
  EXPECT_EQ(EscapeBytes(got), EscapeBytes("+OK\r\n+OK\r\n$3\r\nv11\r\n"));

  // Without AUTH first, the same command is a protocol error.
  RawClient unauthenticated;
  ASSERT_TRUE(unauthenticated.Connect(server.port()));
  ASSERT_TRUE(unauthenticated.SendRaw(EncodeCommand(mset)));
  std::string rest;
  EXPECT_TRUE(unauthenticated.WaitClosed(&rest));
  EXPECT_EQ(EscapeBytes(rest),
            EscapeBytes("-ERR Protocol error: unauthenticated multibulk length\r\n"));
}

// A server started with a small proto-max-bulk-len accepts a bulk of exactly that size and
// refuses one byte more with the protocol error.
TEST(ProtocolLimitsTest, ProtoMaxBulkLen) {
  constexpr int kLimit = 1024 * 1024;  // the smallest value Redis accepts
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({"--proto-max-bulk-len", std::to_string(kLimit)}, &error)) << error;

  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  RespValue cfg = c.Call({"CONFIG", "GET", "proto-max-bulk-len"});
  ASSERT_EQ(cfg.elems.size(), 2u) << protocol::DebugString(cfg);
  EXPECT_EQ(cfg.elems[1].str, std::to_string(kLimit));

  EXPECT_EQ(c.Call({"SET", "big", std::string(kLimit, 'x')}).str, "OK");
  EXPECT_EQ(c.Call({"STRLEN", "big"}).integer, kLimit);

  ASSERT_TRUE(c.SendRaw("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + std::to_string(kLimit + 1) + "\r\n"));
  std::string got;
  EXPECT_TRUE(c.WaitClosed(&got));
  EXPECT_EQ(EscapeBytes(got), EscapeBytes("-ERR Protocol error: invalid bulk length\r\n"));
}

// A client whose unparsed request outgrows client-query-buffer-limit is disconnected (Redis
// sends no reply, it just closes), and the key it was writing is not created.
TEST(ProtocolLimitsTest, ClientQueryBufferLimit) {
  constexpr int kLimit = 1024 * 1024;
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({"--client-query-buffer-limit", std::to_string(kLimit)}, &error))
      << error;

  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  const std::string value(3 * kLimit, 'q');
  // The send may fail part-way once the server has closed the socket; that is expected.
  c.Send({"SET", "qbuf", value});
  std::string got;
  EXPECT_TRUE(c.WaitClosed(&got));
  EXPECT_EQ(got, "");

  RawClient other;
  ASSERT_TRUE(other.Connect(server.port()));
  EXPECT_EQ(other.Call({"EXISTS", "qbuf"}).integer, 0);
}

// The client past maxclients is told so and disconnected; the others keep working.
TEST(ProtocolLimitsTest, MaxClients) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({"--maxclients", "5"}, &error)) << error;
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<RawClient>());
    ASSERT_TRUE(clients.back()->Connect(server.port()));
    // A round trip makes sure the server has registered this client before the next one.
    ASSERT_EQ(clients.back()->Call({"PING"}).str, "PONG");
  }
  RawClient extra;
  ASSERT_TRUE(extra.Connect(server.port()));
  std::string got;
  EXPECT_TRUE(extra.WaitClosed(&got));
  EXPECT_EQ(EscapeBytes(got), EscapeBytes("-ERR max number of clients reached\r\n"));
  EXPECT_EQ(clients[0]->Call({"PING"}).str, "PONG");

  // A slot freed by a disconnect can be used again.
  clients.pop_back();
  RespValue pong;
  auto deadline = Clock::now() + DefaultTimeout();
  while (Clock::now() < deadline) {
    RawClient again;
    ASSERT_TRUE(again.Connect(server.port()));
    pong = again.Call({"PING"});
    if (pong.str == "PONG") break;
  }
  EXPECT_EQ(pong.str, "PONG");
}

// With `timeout 1` an idle client is disconnected (Redis checks from its cron, so within a few
// seconds); a client that keeps talking is not.
TEST(ProtocolLimitsTest, IdleTimeout) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({"--timeout", "1"}, &error)) << error;
  RawClient idle;
  ASSERT_TRUE(idle.Connect(server.port()));
  ASSERT_EQ(idle.Call({"PING"}).str, "PONG");
  std::string got;
  EXPECT_TRUE(idle.WaitClosed(&got));
  EXPECT_EQ(got, "");
}

// A client that sends requests but never reads the replies is disconnected once its pending
// output passes the hard limit of client-output-buffer-limit normal, instead of growing the
// server's memory without bound.
TEST(ProtocolLimitsTest, OutputBufferLimit) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({"--client-output-buffer-limit", "normal 1mb 0 0"}, &error)) << error;
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  const std::string value(100 * 1000, 'o');
  ASSERT_EQ(c.Call({"SET", "big", value}).str, "OK");

  // 50 MB of replies: far more than the socket buffers can hide.
  constexpr int kGets = 500;
  std::string requests;
  for (int i = 0; i < kGets; ++i) requests += EncodeCommand({"GET", "big"});
  ASSERT_TRUE(c.SendRaw(requests));
  int replies = 0;
  RespValue v;
  while (c.Read(&v)) ++replies;
  EXPECT_EQ(c.last_error(), "connection closed by the server");
  EXPECT_LT(replies, kGets);

  RawClient other;
  ASSERT_TRUE(other.Connect(server.port()));
  EXPECT_EQ(other.Call({"STRLEN", "big"}).integer, static_cast<int64_t>(value.size()));
}

}  // namespace
}  // namespace tessera::integration
