// The parser's fast path (a multibulk complete in one call) against its general path (which is
// all that runs when bytes arrive one at a time): commands, errors and limits must agree at every
// boundary the fast path checks, and for every way the stream is cut.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/resp_parser.h"
#include "tests/unit/protocol/chunked_parse.h"

namespace tessera::protocol {
namespace {

using Status = RespParser::Status;

std::string Multibulk(const Command& c) {
  std::string s = "*" + std::to_string(c.size()) + "\r\n";
  for (const std::string& a : c) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return s;
}

Command Args(size_t n, const std::string& arg) { return Command(n, arg); }

// Parsed whole (fast path where it applies) and byte by byte (general path only); they must agree.
ParseOutcome Both(std::string_view in, const ParserLimits& limits = {}) {
  ParseOutcome whole = ParseWhole(in, limits);
  ParseOutcome bytes = ParseByteByByte(in, limits);
  EXPECT_EQ(whole, bytes) << "whole: " << Describe(whole) << "\nbytes: " << Describe(bytes);
  return whole;
}

TEST(RespParserFastPathTest, EveryCutOfAPipelineGivesTheSameCommands) {
  std::vector<Command> commands = {
      {"GET", "key:1"},
      {"SET", "k", std::string("v\r\n\0x", 5)},
      {"PING"},
      {"SET", "", ""},
      Args(64, "a"),  // the most the fast path takes
      Args(65, "b"),  // one more: the general path
      {"ECHO", std::string(300, 'z')},
  };
  std::string in;
  for (const Command& c : commands) in += Multibulk(c);
  in += "PING\r\n*0\r\n";
  commands.push_back({"PING"});
  ASSERT_EQ(Both(in).commands, commands);
  for (size_t cut = 1; cut < in.size(); ++cut) {
    ParseOutcome split = ParseCutAt(in, cut);
    ASSERT_EQ(split.commands, commands) << "cut at " << cut;
    EXPECT_EQ(split.error, "");
    EXPECT_FALSE(split.mid_command);
  }
}

TEST(RespParserFastPathTest, EveryThreeWayCutOfAShortPipeline) {
  std::string in = Multibulk({"GET", "k"}) + Multibulk({"SET", "k", "v"});
  std::vector<Command> want = {{"GET", "k"}, {"SET", "k", "v"}};
  for (size_t a = 1; a < in.size(); ++a) {
    for (size_t b = a + 1; b < in.size(); ++b) {
      std::vector<size_t> sizes = {a, b - a, in.size() - b};
      size_t next = 0;
      ParseOutcome split = ParseInChunks(in, {}, [&] { return sizes[next++]; });
      ASSERT_EQ(split.commands, want) << "cuts at " << a << ", " << b;
    }
  }
}

TEST(RespParserFastPathTest, LengthsAtAndPastTheLimits) {
  ParserLimits limits;
  limits.max_bulk_len = 3;
  limits.max_multibulk_len = 2;
  EXPECT_EQ(Both(Multibulk({"abc", "de"}), limits).commands, (std::vector<Command>{{"abc", "de"}}));
  EXPECT_EQ(Both(Multibulk({"abcd"}), limits).error, "ERR Protocol error: invalid bulk length");
  EXPECT_EQ(Both(Multibulk({"a", "b", "c"}), limits).error,
            "ERR Protocol error: invalid multibulk length");

  ParserLimits unauth;
  unauth.authenticated = false;
  EXPECT_EQ(Both(Multibulk(Args(10, "x")), unauth).commands.size(), 1u);
  EXPECT_EQ(Both(Multibulk(Args(11, "x")), unauth).error,
            "ERR Protocol error: unauthenticated multibulk length");
  EXPECT_EQ(Both(Multibulk({"AUTH", std::string(16384, 'p')}), unauth).commands.size(), 1u);
  EXPECT_EQ(Both(Multibulk({"AUTH", std::string(16385, 'p')}), unauth).error,
            "ERR Protocol error: unauthenticated bulk length");

  // Lengths beyond the fast path's nine digits, but within the limits: the general path waits.
  ParserLimits big;
  big.max_bulk_len = 4'000'000'000;
  ParseOutcome o = Both("*1\r\n$1000000000\r\nabc", big);
  EXPECT_EQ(o.error, "");
  EXPECT_TRUE(o.mid_command);
  o = Both("*1000000000\r\n$1\r\na\r\n");
  EXPECT_EQ(o.error, "");
  EXPECT_TRUE(o.mid_command);
  EXPECT_EQ(Both("*1\r\n$536870912\r\nabc").error, "");
  EXPECT_EQ(Both("*1\r\n$536870913\r\nabc").error, "ERR Protocol error: invalid bulk length");
}

// A header line is "too big" when it is longer than max_inline_len, type byte included, and the
// fast path must leave exactly those to the general path.
TEST(RespParserFastPathTest, HeaderLinesAtAndPastTheInlineLimit) {
  std::string body123(123, 'b');
  for (size_t max : {0, 1, 2, 3, 4, 5, 9, 10, 11}) {
    ParserLimits limits;
    limits.max_inline_len = max;
    SCOPED_TRACE("max_inline_len " + std::to_string(max));
    ParseOutcome o = Both(Multibulk({"x"}), limits);
    if (max >= 2) {
      EXPECT_EQ(o.commands, (std::vector<Command>{{"x"}}));
    } else {
      EXPECT_EQ(o.error, "ERR Protocol error: too big mbulk count string");
    }
    o = Both("*1\r\n$123\r\n" + body123 + "\r\n", limits);
    if (max >= 4) {
      EXPECT_EQ(o.commands, (std::vector<Command>{{body123}}));
    } else if (max >= 2) {
      EXPECT_EQ(o.error, "ERR Protocol error: too big bulk count string");
    }
    o = Both(Multibulk(Args(12, "y")), limits);
    if (max >= 3) {
      EXPECT_EQ(o.commands, (std::vector<Command>{Args(12, "y")}));
    } else {
      EXPECT_EQ(o.error, "ERR Protocol error: too big mbulk count string");
    }
  }
}

TEST(RespParserFastPathTest, MalformedCompleteCommandsGiveTheGeneralPathsErrors) {
  struct Case {
    std::string in;
    std::string error;
  };
  const Case cases[] = {
      {"*2\r\n$3\r\nGET\r\n$01\r\nk\r\n", "ERR Protocol error: invalid bulk length"},
      {"*2\r\n$3\r\nGET\r\n$-1\r\n\r\n", "ERR Protocol error: invalid bulk length"},
      {"*2\r\n$3\r\nGET\r\n$+1\r\nk\r\n", "ERR Protocol error: invalid bulk length"},
      {"*2\r\n$3\r\nGET\r\n$\r\nk\r\n", "ERR Protocol error: invalid bulk length"},
      {"*2\r\n$3\r\nGET\r\n$1 \r\nk\r\n", "ERR Protocol error: invalid bulk length"},
      {"*2\r\n$3\r\nGET\r\n:1\r\nk\r\n", "ERR Protocol error: expected '$', got ':'"},
      {"*2\r\n$3\r\nGET\r\n\r\nk\r\n", "ERR Protocol error: expected '$', got ' '"},
      {"*02\r\n$3\r\nGET\r\n$1\r\nk\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*2 \r\n$3\r\nGET\r\n$1\r\nk\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*-0\r\n$3\r\nGET\r\n", "ERR Protocol error: invalid multibulk length"},
      {std::string("*2\r\n$3\r\nGET\r\n$1") + '\0' + "\r\nk\r\n",
       "ERR Protocol error: invalid bulk length"},
  };
  for (const Case& c : cases) {
    ParseOutcome o = Both(c.in);
    EXPECT_EQ(o.error, c.error) << Describe(o);
    EXPECT_TRUE(o.commands.empty());
  }
}

TEST(RespParserFastPathTest, OddButValidFramingMatchesTheGeneralPath) {
  // Redis skips the byte after a header's '\r' and the two bytes after a body unseen.
  EXPECT_EQ(Both("*1\rX$3\rYfooAB").commands, (std::vector<Command>{{"foo"}}));
  EXPECT_EQ(Both("*2\r\n$3\r\nfooXY$0\r\n\r\n").commands, (std::vector<Command>{{"foo", ""}}));
  // Skipped multibulks before a command, and a command cut before its last byte.
  EXPECT_EQ(Both("*0\r\n*-1\r\n" + Multibulk({"PING"})).commands, (std::vector<Command>{{"PING"}}));
  ParseOutcome o = Both("*1\r\n$3\r\nfoo\r");
  EXPECT_TRUE(o.commands.empty());
  EXPECT_TRUE(o.mid_command);
  o = Both("*1\r\n$3\r\nfoo\r\n*1\r");
  EXPECT_EQ(o.commands, (std::vector<Command>{{"foo"}}));
  EXPECT_TRUE(o.mid_command);
}

// Every single-byte change of a small pipeline, under several limits: whichever path takes it,
// the outcome is the same. Most of these are bad lengths and broken framing.
TEST(RespParserFastPathTest, EveryByteMutationAgreesWithTheGeneralPath) {
  std::string base = Multibulk({"SET", "key", "value"}) + Multibulk({"GET", "key"});
  std::vector<ParserLimits> limits(5);
  limits[1].max_inline_len = 3;
  limits[2].max_bulk_len = 4;
  limits[3].max_multibulk_len = 2;
  limits[4].authenticated = false;
  limits[4].max_inline_len = 2;
  const std::string bytes = std::string("0129-+ $*\r\nx", 12) + std::string(1, '\0');
  for (const ParserLimits& l : limits) {
    for (size_t pos = 0; pos < base.size(); ++pos) {
      for (char b : bytes) {
        std::string in = base;
        in[pos] = b;
        ParseOutcome whole = ParseWhole(in, l);
        ParseOutcome split = ParseByteByByte(in, l);
        ASSERT_EQ(whole, split) << "byte " << static_cast<int>(b) << " at " << pos << ": "
                                << Describe(whole) << " vs " << Describe(split);
      }
    }
  }
}

TEST(RespParserFastPathTest, OutputIsUntouchedUnlessACommandIsReturned) {
  ParserLimits limits;
  RespParser parser(&limits);
  CommandArgs cmd{"OLD", "ARGS"};
  size_t used = 0;
  std::string partial = "*2\r\n$3\r\nGET\r\n$3\r\nke";
  ASSERT_EQ(parser.Parse(partial.data(), partial.size(), &used, &cmd), Status::kNeedMore);
  EXPECT_EQ(ToCommand(cmd), (Command{"OLD", "ARGS"}));
  std::string bad = "*1\r\n$x\r\n";
  RespParser other(&limits);
  ASSERT_EQ(other.Parse(bad.data(), bad.size(), &used, &cmd), Status::kError);
  EXPECT_EQ(ToCommand(cmd), (Command{"OLD", "ARGS"}));
  std::string whole = Multibulk({"GET", "k"});
  ASSERT_EQ(other.Parse(whole.data(), whole.size(), &used, &cmd), Status::kError);  // sticky
  RespParser fresh(&limits);
  ASSERT_EQ(fresh.Parse(whole.data(), whole.size(), &used, &cmd), Status::kCommand);
  EXPECT_EQ(used, whole.size());
  EXPECT_EQ(ToCommand(cmd), (Command{"GET", "k"}));
  EXPECT_EQ(fresh.buffered_bytes(), 0u);
  EXPECT_FALSE(fresh.mid_command());
}

}  // namespace
}  // namespace tessera::protocol
