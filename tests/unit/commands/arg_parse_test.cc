// The shared argument parsers accept exactly what Redis 7.0 accepts and fail with its texts.
#include "src/commands/arg_parse.h"

#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <string>

namespace tessera::commands {
namespace {

using protocol::ReplyBuilder;
using protocol::RespVersion;

TEST(ArgParseTest, ParseDoubleFollowsStrtodOverTheWholeArgument) {
  double d = 0;
  EXPECT_TRUE(ParseDouble("1.5", &d));
  EXPECT_EQ(d, 1.5);
  EXPECT_TRUE(ParseDouble("-0", &d));
  EXPECT_TRUE(ParseDouble("1e3", &d));
  EXPECT_EQ(d, 1000);
  EXPECT_TRUE(ParseDouble("0x10", &d));  // strtod reads hex
  EXPECT_EQ(d, 16);
  EXPECT_TRUE(ParseDouble("inf", &d));
  EXPECT_TRUE(std::isinf(d));
  EXPECT_TRUE(ParseDouble("-Infinity", &d));
  EXPECT_TRUE(ParseDouble("4e-320", &d));  // denormal: ERANGE but not zero, kept
  EXPECT_GT(d, 0);
  EXPECT_TRUE(ParseDouble(".5", &d));
  EXPECT_EQ(d, 0.5);

  EXPECT_FALSE(ParseDouble("", &d));
  EXPECT_FALSE(ParseDouble(" 1", &d));
  EXPECT_FALSE(ParseDouble("1 ", &d));
  EXPECT_FALSE(ParseDouble("1x", &d));
  EXPECT_FALSE(ParseDouble("nan", &d));
  EXPECT_FALSE(ParseDouble("1e400", &d));   // overflow
  EXPECT_FALSE(ParseDouble("1e-400", &d));  // underflow to zero
  EXPECT_FALSE(ParseDouble(std::string_view("1\0", 2), &d));
  EXPECT_TRUE(ParseDouble(std::string(100, '1'), &d));  // longer than the stack buffer
  EXPECT_FALSE(ParseDouble(std::string(100, '1') + "z", &d));
}

TEST(ArgParseTest, IntegerHelpersReplyRedisErrors) {
  std::string out;
  ReplyBuilder reply(&out, RespVersion::kResp2);
  int64_t v = 0;
  EXPECT_TRUE(Int64OrReply("-9223372036854775808", reply, &v));
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_FALSE(Int64OrReply("9223372036854775808", reply, &v));
  EXPECT_FALSE(Int64OrReply("+1", reply, &v));
  EXPECT_EQ(out,
            "-ERR value is not an integer or out of range\r\n"
            "-ERR value is not an integer or out of range\r\n");
  out.clear();
  EXPECT_FALSE(Int64OrReply("x", reply, &v, "ERR Invalid client ID"));
  EXPECT_EQ(out, "-ERR Invalid client ID\r\n");

  out.clear();
  EXPECT_TRUE(RangeOrReply("5", 0, 5, reply, &v));
  EXPECT_EQ(v, 5);
  EXPECT_FALSE(RangeOrReply("6", 0, 5, reply, &v));
  EXPECT_FALSE(RangeOrReply("a", 0, 5, reply, &v));
  EXPECT_FALSE(RangeOrReply("6", 0, 5, reply, &v, "ERR custom"));
  EXPECT_FALSE(RangeOrReply("a", 0, 5, reply, &v, "ERR custom"));
  EXPECT_EQ(out,
            "-ERR value is out of range, value must between 0 and 5\r\n"
            "-ERR value is not an integer or out of range\r\n"
            "-ERR custom\r\n-ERR custom\r\n");

  out.clear();
  int i = 0;
  EXPECT_TRUE(IntOrReply("-2147483648", reply, &i));
  EXPECT_EQ(i, INT_MIN);
  EXPECT_FALSE(IntOrReply("2147483648", reply, &i));
  EXPECT_EQ(out, "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");

  out.clear();
  EXPECT_TRUE(NonNegativeOrReply("0", reply, &v));
  EXPECT_FALSE(NonNegativeOrReply("-1", reply, &v));
  EXPECT_FALSE(NonNegativeOrReply("1.0", reply, &v));
  EXPECT_EQ(out,
            "-ERR value is out of range, must be positive\r\n"
            "-ERR value is not an integer or out of range\r\n");
}

TEST(ArgParseTest, FloatHelpersReplyRedisErrors) {
  std::string out;
  ReplyBuilder reply(&out, RespVersion::kResp3);
  double d = 0;
  long double ld = 0;
  EXPECT_TRUE(DoubleOrReply("2.5", reply, &d));
  EXPECT_TRUE(LongDoubleOrReply("2.5", reply, &ld));
  EXPECT_FALSE(DoubleOrReply("abc", reply, &d));
  EXPECT_FALSE(LongDoubleOrReply("", reply, &ld));
  EXPECT_FALSE(DoubleOrReply("abc", reply, &d, "ERR timeout is not a float or out of range"));
  EXPECT_EQ(out,
            "-ERR value is not a valid float\r\n-ERR value is not a valid float\r\n"
            "-ERR timeout is not a float or out of range\r\n");
}

TEST(ArgParseTest, WordsAndSharedErrors) {
  EXPECT_TRUE(EqualsIgnoreCase("FilterBy", "filterby"));
  EXPECT_FALSE(EqualsIgnoreCase("filter", "filterby"));
  EXPECT_FALSE(EqualsIgnoreCase("\xc9", "\xe9"));  // ASCII folding only
  EXPECT_EQ(AsciiUpper("client|list"), "CLIENT|LIST");
  EXPECT_EQ(AsciiLower("GetEx"), "getex");
  EXPECT_EQ(WrongArgCountError("client|id"),
            "ERR wrong number of arguments for 'client|id' command");
  EXPECT_EQ(SubcommandSyntaxError("debug", "Foo"),
            "ERR unknown subcommand or wrong number of arguments for 'Foo'. Try DEBUG HELP.");
  EXPECT_EQ(SubcommandSyntaxError("object", std::string(200, 'x')),
            "ERR unknown subcommand or wrong number of arguments for '" + std::string(128, 'x') +
                "'. Try OBJECT HELP.");
}

TEST(ArgParseTest, HelpReplyFraming) {
  std::string out;
  ReplyBuilder reply(&out, RespVersion::kResp2);
  ReplyHelp(reply, "object", {"ENCODING <key>", "    Return the kind of internal representation."});
  EXPECT_EQ(out,
            "*5\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
            "+ENCODING <key>\r\n+    Return the kind of internal representation.\r\n+HELP\r\n"
            "+    Prints this help.\r\n");
}

}  // namespace
}  // namespace tessera::commands
