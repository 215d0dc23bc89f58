#include "protocol/resp_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/protocol/chunked_parse.h"

namespace tessera::protocol {
namespace {

using Status = RespParser::Status;

// Every case runs whole, byte by byte, and must agree, so each assertion below also checks
// split-independence for its input.
ParseOutcome Parse(std::string_view input, const ParserLimits& limits = {}) {
  ParseOutcome whole = ParseWhole(input, limits);
  ParseOutcome bytes = ParseByteByByte(input, limits);
  EXPECT_EQ(whole, bytes) << "whole: " << Describe(whole) << "\nbytes: " << Describe(bytes);
  return whole;
}

std::string ErrorOf(std::string_view input, const ParserLimits& limits = {}) {
  return Parse(input, limits).error;
}

TEST(RespParserTest, OneMultibulkCommand) {
  ParserLimits limits;
  RespParser parser(&limits);
  CommandArgs cmd;
  std::string in = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n";
  size_t used = 0;
  ASSERT_EQ(parser.Parse(in.data(), in.size(), &used, &cmd), Status::kCommand);
  EXPECT_EQ(used, in.size());
  EXPECT_EQ(ToCommand(cmd), (Command{"SET", "k", "hello"}));
  EXPECT_FALSE(parser.mid_command());
  EXPECT_EQ(parser.Parse(in.data(), 0, &used, &cmd), Status::kNeedMore);
  EXPECT_EQ(used, 0u);
}

TEST(RespParserTest, PipelinedCommandsComeOutOneAtATime) {
  ParserLimits limits;
  RespParser parser(&limits);
  CommandArgs cmd;
  std::string a = "*1\r\n$4\r\nPING\r\n";
  std::string b = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  std::string c = "ECHO hi\r\n";
  std::string in = a + b + c + "*1\r\n$3\r\nDE";
  size_t used = 0;
  size_t pos = 0;
  ASSERT_EQ(parser.Parse(in.data(), in.size(), &used, &cmd), Status::kCommand);
  EXPECT_EQ(used, a.size());
  EXPECT_EQ(ToCommand(cmd), (Command{"PING"}));
  pos += used;
  ASSERT_EQ(parser.Parse(in.data() + pos, in.size() - pos, &used, &cmd), Status::kCommand);
  EXPECT_EQ(used, b.size());
  EXPECT_EQ(ToCommand(cmd), (Command{"GET", "k"}));
  pos += used;
  ASSERT_EQ(parser.Parse(in.data() + pos, in.size() - pos, &used, &cmd), Status::kCommand);
  EXPECT_EQ(used, c.size());
  EXPECT_EQ(ToCommand(cmd), (Command{"ECHO", "hi"}));
  pos += used;
  ASSERT_EQ(parser.Parse(in.data() + pos, in.size() - pos, &used, &cmd), Status::kNeedMore);
  EXPECT_EQ(pos + used, in.size());
  EXPECT_TRUE(parser.mid_command());
  EXPECT_EQ(parser.buffered_bytes(), 2u);
  ASSERT_EQ(parser.Parse("L\r\n", 3, &used, &cmd), Status::kCommand);
  EXPECT_EQ(ToCommand(cmd), (Command{"DEL"}));
}

TEST(RespParserTest, EmptyAndBinaryArguments) {
  std::string in = "*3\r\n$0\r\n\r\n$4\r\na\r\nb\r\n$3\r\n";
  in += std::string("\0\0\0", 3) + "\r\n";
  ParseOutcome o = Parse(in);
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0], (Command{"", "a\r\nb", std::string(3, '\0')}));
  EXPECT_TRUE(o.error.empty());
}

TEST(RespParserTest, EmptyMultibulksAreSkipped) {
  ParseOutcome o = Parse("*0\r\n*-1\r\n*-10\r\n*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(o.commands, (std::vector<Command>{{"PING"}}));
  EXPECT_TRUE(o.error.empty());
  EXPECT_FALSE(o.mid_command);
}

TEST(RespParserTest, InlineCommands) {
  ParseOutcome o = Parse("PING\r\nSET a b\nGET  a \r\n");
  EXPECT_EQ(o.commands, (std::vector<Command>{{"PING"}, {"SET", "a", "b"}, {"GET", "a"}}));
}

TEST(RespParserTest, BlankInlineLinesAreSkipped) {
  ParseOutcome o = Parse("\r\n\n   \r\n\t\n*1\r\n$4\r\nPING\r\n\r\n");
  EXPECT_EQ(o.commands, (std::vector<Command>{{"PING"}}));
  EXPECT_FALSE(o.mid_command);
}

TEST(RespParserTest, InlineKeepsAStrayCarriageReturnAsABlank) {
  EXPECT_EQ(Parse("GET a\r\r\n").commands, (std::vector<Command>{{"GET", "a"}}));
}

TEST(RespParserTest, InlineWithQuotes) {
  ParseOutcome o = Parse("SET \"a b\" 'c d'\r\nECHO \"\\x41\\n\\t\\\\\"\r\n");
  EXPECT_EQ(o.commands, (std::vector<Command>{{"SET", "a b", "c d"}, {"ECHO", "A\n\t\\"}}));
}

TEST(RespParserTest, InlineNeedsAnEndOfLine) {
  ParseOutcome o = Parse("PING");
  EXPECT_TRUE(o.commands.empty());
  EXPECT_TRUE(o.mid_command);
}

TEST(RespParserTest, RedisSkipsTheByteAfterEveryHeaderCarriageReturn) {
  // Redis finds header ends by '\r' and skips the next byte unseen, and skips the two bytes
  // after a bulk body unseen. Clients never rely on it, but we keep the same framing.
  ParseOutcome o = Parse("*2\rX$3\rYfooAB$1\r\nx\r\n");
  EXPECT_EQ(o.commands, (std::vector<Command>{{"foo", "x"}}));
  EXPECT_TRUE(o.error.empty());
}

TEST(RespParserTest, NulBytesAreOrdinaryInHeadersAndEndInlineArguments) {
  EXPECT_EQ(ErrorOf(std::string("*1\0\r\n", 5)), "ERR Protocol error: invalid multibulk length");
  EXPECT_EQ(ErrorOf(std::string("*1\r\n$1\0\r\n", 9)), "ERR Protocol error: invalid bulk length");
  EXPECT_EQ(Parse(std::string("GET a\0b c\r\n", 12)).commands,
            (std::vector<Command>{{"GET", "a"}}));
}

TEST(RespParserTest, EmptyInputMidCommandIsFine) {
  ParserLimits limits;
  RespParser parser(&limits);
  CommandArgs cmd;
  size_t used = 1;
  for (std::string part : {"*1\r", "\n$3", "\r\nab", "c", "\r"}) {
    ASSERT_EQ(parser.Parse(part.data(), part.size(), &used, &cmd), Status::kNeedMore);
    ASSERT_EQ(parser.Parse(nullptr, 0, &used, &cmd), Status::kNeedMore);
    EXPECT_EQ(used, 0u);
    EXPECT_TRUE(parser.mid_command());
  }
  ASSERT_EQ(parser.Parse("\n", 1, &used, &cmd), Status::kCommand);
  EXPECT_EQ(ToCommand(cmd), (Command{"abc"}));
  std::string inl = "PI";
  ASSERT_EQ(parser.Parse(inl.data(), inl.size(), &used, &cmd), Status::kNeedMore);
  ASSERT_EQ(parser.Parse(nullptr, 0, &used, &cmd), Status::kNeedMore);
  ASSERT_EQ(parser.Parse("NG\n", 3, &used, &cmd), Status::kCommand);
  EXPECT_EQ(ToCommand(cmd), (Command{"PING"}));
}

TEST(RespParserTest, InvalidMultibulkLength) {
  const std::string kErr = "ERR Protocol error: invalid multibulk length";
  EXPECT_EQ(ErrorOf("*abc\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*01\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*+1\r\n"), kErr);
  EXPECT_EQ(ErrorOf("* 1\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*-0\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*3000000000\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*99999999999999999999\r\n"), kErr);
  ParserLimits limits;
  limits.max_multibulk_len = 5;
  EXPECT_EQ(ErrorOf("*6\r\n", limits), kErr);
  EXPECT_EQ(ErrorOf("*5\r\n", limits), "");
}

TEST(RespParserTest, InvalidBulkLength) {
  const std::string kErr = "ERR Protocol error: invalid bulk length";
  EXPECT_EQ(ErrorOf("*1\r\n$abc\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*1\r\n$-1\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*1\r\n$\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*1\r\n$01\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*1\r\n$536870913\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*1\r\n$4294967296\r\n"), kErr);
  ParserLimits limits;
  limits.max_bulk_len = 3;
  EXPECT_EQ(ErrorOf("*1\r\n$4\r\nabcd\r\n", limits), kErr);
  EXPECT_EQ(Parse("*1\r\n$3\r\nabc\r\n", limits).commands, (std::vector<Command>{{"abc"}}));
}

TEST(RespParserTest, ExpectedDollar) {
  // Redis's own test: the fourth header is "fooz".
  ParseOutcome o = Parse("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n");
  EXPECT_EQ(o.error, "ERR Protocol error: expected '$', got 'f'");
  EXPECT_TRUE(o.commands.empty());
  EXPECT_EQ(ErrorOf("*1\r\n:1\r\n"), "ERR Protocol error: expected '$', got ':'");
  // An empty header line: the '\r' is the byte in '$''s place, and CR/LF become spaces.
  EXPECT_EQ(ErrorOf("*1\r\n\r\n"), "ERR Protocol error: expected '$', got ' '");
  EXPECT_EQ(ErrorOf("*1\r\n\n$1\r\n"), "ERR Protocol error: expected '$', got ' '");
}

TEST(RespParserTest, ExpectedDollarWaitsForTheWholeHeaderLine) {
  ParseOutcome o = Parse("*1\r\nfoo");
  EXPECT_EQ(o.error, "");
  EXPECT_TRUE(o.mid_command);
  EXPECT_EQ(Parse("*1\r\nfoo\r").error, "");
}

TEST(RespParserTest, TooBigMultibulkCountString) {
  const std::string kErr = "ERR Protocol error: too big mbulk count string";
  EXPECT_EQ(ErrorOf("*" + std::string(70000, '1')), kErr);
  ParserLimits limits;
  limits.max_inline_len = 8;
  EXPECT_EQ(ErrorOf("*00000000", limits), kErr);  // 9 bytes and no end in sight
  EXPECT_EQ(ErrorOf("*00000000\r\n", limits), kErr);
  // Eight bytes is the limit: the line is read, then rejected as a number.
  EXPECT_EQ(ErrorOf("*0000000\r\n", limits), "ERR Protocol error: invalid multibulk length");
  EXPECT_EQ(ErrorOf("*0000000", limits), "");
}

TEST(RespParserTest, TooBigBulkCountString) {
  const std::string kErr = "ERR Protocol error: too big bulk count string";
  EXPECT_EQ(ErrorOf("*1\r\n$" + std::string(70000, '1')), kErr);
  ParserLimits limits;
  limits.max_inline_len = 8;
  EXPECT_EQ(ErrorOf("*1\r\n$00000000", limits), kErr);
  EXPECT_EQ(ErrorOf("*1\r\n$0000000", limits), "");
  EXPECT_EQ(Parse("*1\r\n$0000003\r\nabc\r\n", limits).error,
            "ERR Protocol error: invalid bulk length");
}

TEST(RespParserTest, TooBigInlineRequest) {
  const std::string kErr = "ERR Protocol error: too big inline request";
  EXPECT_EQ(ErrorOf(std::string(70000, 'a')), kErr);
  EXPECT_EQ(ErrorOf(std::string(65 * 1024, 'a') + "\r\n"), kErr);
  ParserLimits limits;
  limits.max_inline_len = 8;
  EXPECT_EQ(ErrorOf("PING PONG", limits), kErr);
  EXPECT_EQ(Parse("PING PON\nPING", limits).commands, (std::vector<Command>{{"PING", "PON"}}));
  // The '\r' before '\n' counts, as it does in Redis's buffer.
  EXPECT_EQ(ErrorOf("PING PON\r\n", limits), kErr);
}

TEST(RespParserTest, UnbalancedQuotes) {
  const std::string kErr = "ERR Protocol error: unbalanced quotes in request";
  EXPECT_EQ(ErrorOf("SET \"a b\r\n"), kErr);
  EXPECT_EQ(ErrorOf("SET 'a b\r\n"), kErr);
  EXPECT_EQ(ErrorOf("SET \"a\"b\r\n"), kErr);
  EXPECT_EQ(ErrorOf("SET 'a'b\r\n"), kErr);
  EXPECT_EQ(ErrorOf("ECHO \"a\\\"\r\n"), kErr);
}

TEST(RespParserTest, UnauthenticatedLimits) {
  ParserLimits limits;
  limits.authenticated = false;
  EXPECT_EQ(ErrorOf("*11\r\n", limits), "ERR Protocol error: unauthenticated multibulk length");
  EXPECT_EQ(ErrorOf("*10\r\n", limits), "");
  std::string bulk(16385, 'x');
  EXPECT_EQ(ErrorOf("*2\r\n$4\r\nAUTH\r\n$16385\r\n", limits),
            "ERR Protocol error: unauthenticated bulk length");
  bulk.pop_back();
  ParseOutcome ok = Parse("*2\r\n$4\r\nAUTH\r\n$16384\r\n" + bulk + "\r\n", limits);
  ASSERT_EQ(ok.commands.size(), 1u);
  EXPECT_EQ(ok.commands[0][1], bulk);
  // A malformed count is reported as malformed first, as in Redis.
  EXPECT_EQ(ErrorOf("*x\r\n", limits), "ERR Protocol error: invalid multibulk length");
  EXPECT_EQ(ErrorOf("*1\r\n$-5\r\n", limits), "ERR Protocol error: invalid bulk length");
  // Inline requests have no unauthenticated limit of their own.
  EXPECT_EQ(Parse("a b c d e f g h i j k l\r\n", limits).commands.size(), 1u);
}

TEST(RespParserTest, AuthenticationTakesEffectForTheNextCommand) {
  ParserLimits limits;
  limits.authenticated = false;
  RespParser parser(&limits);
  CommandArgs cmd;
  std::string in = "*2\r\n$4\r\nAUTH\r\n$1\r\np\r\n*11\r\n";
  size_t used = 0;
  ASSERT_EQ(parser.Parse(in.data(), in.size(), &used, &cmd), Status::kCommand);
  limits.authenticated = true;  // what the AUTH handler does
  size_t used2 = 0;
  EXPECT_EQ(parser.Parse(in.data() + used, in.size() - used, &used2, &cmd), Status::kNeedMore);
}

TEST(RespParserTest, CommandsBeforeAnErrorAreDelivered) {
  ParseOutcome o = Parse("PING\r\n*1\r\n$4\r\nPING\r\n*x\r\n*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(o.commands, (std::vector<Command>{{"PING"}, {"PING"}}));
  EXPECT_EQ(o.error, "ERR Protocol error: invalid multibulk length");
}

TEST(RespParserTest, ErrorIsStickyUntilReset) {
  ParserLimits limits;
  RespParser parser(&limits);
  CommandArgs cmd;
  size_t used = 0;
  std::string bad = "*x\r\n";
  ASSERT_EQ(parser.Parse(bad.data(), bad.size(), &used, &cmd), Status::kError);
  EXPECT_EQ(parser.error(), "ERR Protocol error: invalid multibulk length");
  std::string good = "PING\r\n";
  EXPECT_EQ(parser.Parse(good.data(), good.size(), &used, &cmd), Status::kError);
  EXPECT_EQ(used, 0u);
  parser.Reset();
  EXPECT_EQ(parser.error(), "");
  EXPECT_FALSE(parser.mid_command());
  ASSERT_EQ(parser.Parse(good.data(), good.size(), &used, &cmd), Status::kCommand);
  EXPECT_EQ(ToCommand(cmd), (Command{"PING"}));
}

TEST(RespParserTest, ResetDropsAPartialCommand) {
  ParserLimits limits;
  RespParser parser(&limits);
  CommandArgs cmd;
  size_t used = 0;
  std::string part = "*2\r\n$3\r\nGET\r\n$10\r\nabc";
  EXPECT_EQ(parser.Parse(part.data(), part.size(), &used, &cmd), Status::kNeedMore);
  EXPECT_TRUE(parser.mid_command());
  EXPECT_EQ(parser.buffered_bytes(), 6u);
  parser.Reset();
  EXPECT_EQ(parser.buffered_bytes(), 0u);
  std::string good = "*1\r\n$4\r\nPING\r\n";
  ASSERT_EQ(parser.Parse(good.data(), good.size(), &used, &cmd), Status::kCommand);
  EXPECT_EQ(ToCommand(cmd), (Command{"PING"}));
}

TEST(RespParserTest, BigBulkArrivingInPieces) {
  std::string value(10 * 1024 * 1024 + 7, '\0');
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>(i * 131 + 7);
  std::string in =
      "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  ParseOutcome pieces = ParseInChunks(in, {}, [] { return size_t{4096}; });
  ASSERT_EQ(pieces.commands.size(), 1u);
  EXPECT_TRUE(pieces.commands[0][2] == value);
  ParseOutcome whole = ParseWhole(in);
  EXPECT_TRUE(whole == pieces);
}

TEST(RespParserTest, BigBulkReportsItsBufferedBytes) {
  ParserLimits limits;
  RespParser parser(&limits);
  CommandArgs cmd;
  size_t used = 0;
  std::string head = "*1\r\n$100000000\r\n";
  ASSERT_EQ(parser.Parse(head.data(), head.size(), &used, &cmd), Status::kNeedMore);
  std::string chunk(1000, 'x');
  ASSERT_EQ(parser.Parse(chunk.data(), chunk.size(), &used, &cmd), Status::kNeedMore);
  // What the client sent, not what it announced, is what it costs.
  EXPECT_EQ(parser.buffered_bytes(), 1000u);
}

TEST(RespParserTest, ReusedOutputKeepsOnlyTheNewCommand) {
  ParserLimits limits;
  RespParser parser(&limits);
  CommandArgs cmd{"OLD", "STUFF", "HERE"};
  std::string in = "*1\r\n$4\r\nPING\r\nECHO x\r\n";
  size_t used = 0;
  ASSERT_EQ(parser.Parse(in.data(), in.size(), &used, &cmd), Status::kCommand);
  EXPECT_EQ(ToCommand(cmd), (Command{"PING"}));
  size_t used2 = 0;
  ASSERT_EQ(parser.Parse(in.data() + used, in.size() - used, &used2, &cmd), Status::kCommand);
  EXPECT_EQ(ToCommand(cmd), (Command{"ECHO", "x"}));
}

}  // namespace
}  // namespace tessera::protocol
