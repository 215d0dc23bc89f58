// Any split of the byte stream must give the same commands and the same error: a large mixed
// stream with known contents is parsed whole, byte by byte and in random chunks.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "protocol/resp_parser.h"
#include "tests/unit/protocol/chunked_parse.h"

namespace tessera::protocol {
namespace {

std::string Multibulk(const Command& c) {
  std::string s = "*" + std::to_string(c.size()) + "\r\n";
  for (const std::string& a : c) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return s;
}

// A stream of commands of every shape, with the commands it must parse into.
struct Stream {
  std::string bytes;
  std::vector<Command> commands;
};

Stream MixedStream(uint32_t seed, int n) {
  std::mt19937 rng(seed);
  auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<uint32_t>(k)); };
  auto binary = [&](size_t len) {
    std::string s(len, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  };
  Stream st;
  for (int i = 0; i < n; ++i) {
    switch (pick(8)) {
      case 0:
      case 1: {  // small multibulk, the common case
        Command c{"SET", "key:" + std::to_string(i), binary(static_cast<size_t>(pick(40)))};
        st.bytes += Multibulk(c);
        st.commands.push_back(c);
        break;
      }
      case 2: {  // many arguments, some empty, some holding CRLF
        Command c{"MSET"};
        int args = 1 + pick(30);
        for (int j = 0; j < args; ++j) c.push_back(pick(3) == 0 ? "" : "a\r\nb" + binary(3));
        st.bytes += Multibulk(c);
        st.commands.push_back(c);
        break;
      }
      case 3: {  // a big argument
        Command c{"SET", "big", binary(static_cast<size_t>(20000 + pick(150000)))};
        st.bytes += Multibulk(c);
        st.commands.push_back(c);
        break;
      }
      case 4: {  // inline with quoting
        static const char* const kLines[][2] = {
            {"PING\r\n", "PING"},
            {"SET \"a b\" 'c d'\r\n", "SET|a b|c d"},
            {"ECHO \"\\x41\\x7a\\n\"\n", "ECHO|Az\n"},
            {"ECHO 'it\\'s'  \t x\r\n", "ECHO|it's|x"},
            {"  GET   k  \r\n", "GET|k"},
        };
        int k = pick(5);
        st.bytes += kLines[k][0];
        Command c;
        std::string want = kLines[k][1];
        size_t start = 0;
        for (size_t bar; (bar = want.find('|', start)) != std::string::npos; start = bar + 1) {
          c.push_back(want.substr(start, bar - start));
        }
        c.push_back(want.substr(start));
        st.commands.push_back(c);
        break;
      }
      case 5:  // things Redis skips
        st.bytes += pick(2) == 0 ? "\r\n" : (pick(2) == 0 ? "*0\r\n" : "*-1\r\n");
        break;
      default: {  // GET, the hot path
        Command c{"GET", "k" + std::to_string(pick(1000))};
        st.bytes += Multibulk(c);
        st.commands.push_back(c);
        break;
      }
    }
  }
  return st;
}

ParseOutcome ParseRandomChunks(std::string_view in, uint32_t seed, size_t max_chunk,
                               const ParserLimits& limits = {}) {
  std::mt19937 rng(seed);
  return ParseInChunks(in, limits, [&] { return 1 + rng() % max_chunk; });
}

TEST(RespParserSplitTest, MixedStreamParsesToItsCommandsHoweverSplit) {
  Stream st = MixedStream(1, 400);
  ParseOutcome whole = ParseWhole(st.bytes);
  ASSERT_EQ(whole.commands.size(), st.commands.size());
  EXPECT_TRUE(whole.commands == st.commands);
  EXPECT_EQ(whole.error, "");
  EXPECT_FALSE(whole.mid_command);

  ParseOutcome bytes = ParseByteByByte(st.bytes);
  EXPECT_TRUE(bytes == whole) << Describe(bytes).substr(0, 2000);
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    for (size_t max_chunk : {3, 17, 1000, 70000}) {
      ParseOutcome chunks = ParseRandomChunks(st.bytes, seed, max_chunk);
      EXPECT_TRUE(chunks == whole) << "seed " << seed << " max_chunk " << max_chunk;
    }
  }
}

TEST(RespParserSplitTest, EveryTwoWaySplitOfASmallStream) {
  std::string in =
      "*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n\r\n*0\r\nSET \"a\\nb\" c\n*1\r\n$0\r\n\r\n";
  ParseOutcome whole = ParseWhole(in);
  ASSERT_EQ(whole.commands.size(), 4u);
  for (size_t cut = 1; cut < in.size(); ++cut) {
    ParseOutcome split = ParseCutAt(in, cut);
    EXPECT_TRUE(split == whole) << "cut at " << cut << ": " << Describe(split);
  }
}

TEST(RespParserSplitTest, StreamsEndingInAnErrorGiveTheSameErrorHoweverSplit) {
  ParserLimits limits;
  limits.max_inline_len = 32;
  limits.max_bulk_len = 100;
  limits.max_multibulk_len = 50;
  limits.authenticated = false;
  const std::string tails[] = {
      "*abc\r\n",
      "*1\r\n$-3\r\n",
      "*1\r\n$101\r\n",
      "*51\r\n",
      "*11\r\n",
      "*2\r\n$3\r\nGET\r\nX\r\n",
      "*1\r\n\r\n",
      "*" + std::string(40, '1'),
      "*1\r\n$" + std::string(40, '1'),
      std::string(40, 'x'),
      "SET \"unterminated\r\n",
  };
  for (const std::string& tail : tails) {
    std::string in = "PING\r\n*1\r\n$4\r\nPING\r\n" + tail + "*1\r\n$4\r\nPING\r\n";
    ParseOutcome whole = ParseWhole(in, limits);
    EXPECT_EQ(whole.commands.size(), 2u) << tail;
    EXPECT_NE(whole.error, "") << tail;
    EXPECT_TRUE(ParseByteByByte(in, limits) == whole) << tail;
    for (uint32_t seed = 1; seed <= 10; ++seed) {
      EXPECT_TRUE(ParseRandomChunks(in, seed, 7, limits) == whole) << tail;
    }
  }
}

TEST(RespParserSplitTest, SmallLimitsStillSplitIndependent) {
  ParserLimits limits;
  limits.max_inline_len = 6;
  limits.authenticated = false;
  Stream st = MixedStream(7, 60);
  ParseOutcome whole = ParseWhole(st.bytes, limits);
  EXPECT_NE(whole.error, "");  // the stream has lines and bulks beyond these limits
  EXPECT_TRUE(ParseByteByByte(st.bytes, limits) == whole);
  for (uint32_t seed = 1; seed <= 10; ++seed) {
    EXPECT_TRUE(ParseRandomChunks(st.bytes, seed, 50, limits) == whole);
  }
}

}  // namespace
}  // namespace tessera::protocol
