#include "protocol/inline_args.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tessera::protocol {
namespace {

// Splits and returns the arguments, or {"<unbalanced>"} when Redis would refuse the line.
std::vector<std::string> Split(std::string_view line) {
  CommandArgs args;
  if (!SplitInlineArgs(line, &args)) return {"<unbalanced>"};
  std::vector<std::string> v;
  for (size_t i = 0; i < args.size(); ++i) v.emplace_back(args[i]);
  return v;
}

using V = std::vector<std::string>;

TEST(InlineArgsTest, BlanksSeparate) {
  EXPECT_EQ(Split("SET a b"), (V{"SET", "a", "b"}));
  EXPECT_EQ(Split("  SET\t\ta  b  "), (V{"SET", "a", "b"}));
  EXPECT_EQ(Split(""), V{});
  EXPECT_EQ(Split(" \t\r\v\f "), V{});
}

TEST(InlineArgsTest, VerticalTabAndFormFeedOnlySeparateBeforeAToken) {
  // sdssplitargs skips isspace() blanks but ends an unquoted token only at ' ', \t, \r, \n.
  EXPECT_EQ(Split("\va\vb"), (V{"a\vb"}));
  EXPECT_EQ(Split("a\fb c"), (V{"a\fb", "c"}));
}

TEST(InlineArgsTest, DoubleQuotesAndEscapes) {
  EXPECT_EQ(Split("\"a b\""), (V{"a b"}));
  EXPECT_EQ(Split("\"\""), (V{""}));
  EXPECT_EQ(Split("\"\\n\\r\\t\\b\\a\\\\\\\"\\q\""), (V{"\n\r\t\b\a\\\"q"}));
  EXPECT_EQ(Split("\"\\x41\\x62\\xff\\x00z\""), (V{std::string("Ab\xff\0z", 5)}));
  // Not two hex digits: the backslash escapes the 'x'.
  EXPECT_EQ(Split("\"\\x4g\""), (V{"x4g"}));
  EXPECT_EQ(Split("\"\\x4\""), (V{"x4"}));
}

TEST(InlineArgsTest, SingleQuotesTakeOnlyEscapedQuote) {
  EXPECT_EQ(Split("'a b'"), (V{"a b"}));
  EXPECT_EQ(Split("'it\\'s'"), (V{"it's"}));
  EXPECT_EQ(Split("'a\\nb'"), (V{"a\\nb"}));
  EXPECT_EQ(Split("'a\"b'"), (V{"a\"b"}));
}

TEST(InlineArgsTest, QuotesMayStartMidToken) {
  EXPECT_EQ(Split("ab\"c d\""), (V{"abc d"}));
  EXPECT_EQ(Split("ab'c d' e"), (V{"abc d", "e"}));
}

TEST(InlineArgsTest, ClosingQuoteMustBeFollowedByABlankOrTheEnd) {
  EXPECT_EQ(Split("\"a\"b"), (V{"<unbalanced>"}));
  EXPECT_EQ(Split("'a'b"), (V{"<unbalanced>"}));
  EXPECT_EQ(Split("\"a\"\tb"), (V{"a", "b"}));
  EXPECT_EQ(Split("\"a\"\vb"), (V{"a", "b"}));
}

TEST(InlineArgsTest, UnterminatedQuotes) {
  EXPECT_EQ(Split("\"abc"), (V{"<unbalanced>"}));
  EXPECT_EQ(Split("'abc"), (V{"<unbalanced>"}));
  EXPECT_EQ(Split("\"abc\\"), (V{"<unbalanced>"}));
  EXPECT_EQ(Split("\"abc\\\""), (V{"<unbalanced>"}));
  EXPECT_EQ(Split("'abc\\'"), (V{"<unbalanced>"}));
}

TEST(InlineArgsTest, NulEndsTheLineAsInACString) {
  EXPECT_EQ(Split(std::string_view("GET a\0b c", 9)), (V{"GET", "a"}));
  EXPECT_EQ(Split(std::string_view("\"a\0\"", 4)), (V{"<unbalanced>"}));
}

TEST(InlineArgsTest, HighBytesAreOrdinary) {
  EXPECT_EQ(Split("\xc3\xa9t\xc3\xa9 \x80"), (V{"\xc3\xa9t\xc3\xa9", "\x80"}));
}

}  // namespace
}  // namespace tessera::protocol
