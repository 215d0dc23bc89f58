#include "protocol/reply_builder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace tessera::protocol {
namespace {

// Builds one reply with `fill` in the given version and returns the bytes.
template <typename Fill>
std::string Encode(RespVersion version, Fill fill) {
  std::string out;
  ReplyBuilder rb(&out, version);
  fill(rb);
  return out;
}

constexpr RespVersion kV2 = RespVersion::kResp2;
constexpr RespVersion kV3 = RespVersion::kResp3;

TEST(ReplyBuilderTest, VersionAccessors) {
  std::string out;
  ReplyBuilder rb2(&out, kV2);
  ReplyBuilder rb3(&out, kV3);
  EXPECT_FALSE(rb2.resp3());
  EXPECT_TRUE(rb3.resp3());
  EXPECT_EQ(rb2.version(), kV2);
  EXPECT_EQ(rb3.out(), &out);
}

TEST(ReplyBuilderTest, SimpleStringAndOk) {
  for (RespVersion v : {kV2, kV3}) {
    EXPECT_EQ(Encode(v, [](ReplyBuilder& rb) { rb.SimpleString("PONG"); }), "+PONG\r\n");
    EXPECT_EQ(Encode(v, [](ReplyBuilder& rb) { rb.SimpleString(""); }), "+\r\n");
    EXPECT_EQ(Encode(v, [](ReplyBuilder& rb) { rb.Ok(); }), "+OK\r\n");
  }
}

TEST(ReplyBuilderTest, ErrorIsOneLine) {
  for (RespVersion v : {kV2, kV3}) {
    EXPECT_EQ(Encode(v, [](ReplyBuilder& rb) { rb.Error("ERR syntax error"); }),
              "-ERR syntax error\r\n");
    EXPECT_EQ(Encode(v, [](ReplyBuilder& rb) { rb.Error("ERR a\r\nb\nc\rd"); }),
              "-ERR a  b c d\r\n");
    EXPECT_EQ(Encode(v, [](ReplyBuilder& rb) { rb.Error("\r\n"); }), "-  \r\n");
  }
}

TEST(ReplyBuilderTest, Integers) {
  for (RespVersion v : {kV2, kV3}) {
    EXPECT_EQ(Encode(v, [](ReplyBuilder& rb) { rb.Integer(0); }), ":0\r\n");
    EXPECT_EQ(Encode(v, [](ReplyBuilder& rb) { rb.Integer(-1); }), ":-1\r\n");
    EXPECT_EQ(Encode(v, [](ReplyBuilder& rb) { rb.Integer(1234567890); }), ":1234567890\r\n");
    EXPECT_EQ(Encode(v, [](ReplyBuilder& rb) { rb.Integer(INT64_MAX); }),
              ":9223372036854775807\r\n");
    EXPECT_EQ(Encode(v, [](ReplyBuilder& rb) { rb.Integer(INT64_MIN); }),
              ":-9223372036854775808\r\n");
  }
}

TEST(ReplyBuilderTest, BulkIsBinarySafe) {
  for (RespVersion v : {kV2, kV3}) {
    EXPECT_EQ(Encode(v, [](ReplyBuilder& rb) { rb.Bulk("hello"); }), "$5\r\nhello\r\n");
    EXPECT_EQ(Encode(v, [](ReplyBuilder& rb) { rb.Bulk(""); }), "$0\r\n\r\n");
    EXPECT_EQ(Encode(v, [](ReplyBuilder& rb) { rb.Bulk(std::string_view("a\r\n\0", 4)); }),
              std::string("$4\r\na\r\n\0\r\n", 10));
  }
  std::string big(100000, 'x');
  EXPECT_EQ(Encode(kV2, [&](ReplyBuilder& rb) { rb.Bulk(big); }), "$100000\r\n" + big + "\r\n");
}

TEST(ReplyBuilderTest, NullsDependOnVersion) {
  EXPECT_EQ(Encode(kV2, [](ReplyBuilder& rb) { rb.Null(); }), "$-1\r\n");
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Null(); }), "_\r\n");
  EXPECT_EQ(Encode(kV2, [](ReplyBuilder& rb) { rb.NullArray(); }), "*-1\r\n");
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.NullArray(); }), "_\r\n");
}

TEST(ReplyBuilderTest, AggregateHeaders) {
  EXPECT_EQ(Encode(kV2, [](ReplyBuilder& rb) { rb.Array(0); }), "*0\r\n");
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Array(3); }), "*3\r\n");
  EXPECT_EQ(Encode(kV2, [](ReplyBuilder& rb) { rb.Map(2); }), "*4\r\n");
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Map(2); }), "%2\r\n");
  EXPECT_EQ(Encode(kV2, [](ReplyBuilder& rb) { rb.Set(5); }), "*5\r\n");
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Set(5); }), "~5\r\n");
  EXPECT_EQ(Encode(kV2, [](ReplyBuilder& rb) { rb.Push(3); }), "*3\r\n");
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Push(3); }), ">3\r\n");
}

TEST(ReplyBuilderTest, NestedReplyAppendsInOrder) {
  std::string out = "prefix";
  ReplyBuilder rb(&out, kV3);
  rb.Map(1);
  rb.Bulk("k");
  rb.Array(2);
  rb.Integer(1);
  rb.Null();
  EXPECT_EQ(out, "prefix%1\r\n$1\r\nk\r\n*2\r\n:1\r\n_\r\n");
}

TEST(ReplyBuilderTest, DoubleUsesPercent17g) {
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Double(1.5); }), ",1.5\r\n");
  EXPECT_EQ(Encode(kV2, [](ReplyBuilder& rb) { rb.Double(1.5); }), "$3\r\n1.5\r\n");
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Double(0.1); }), ",0.10000000000000001\r\n");
  EXPECT_EQ(Encode(kV2, [](ReplyBuilder& rb) { rb.Double(0.1); }),
            "$19\r\n0.10000000000000001\r\n");
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Double(3); }), ",3\r\n");
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Double(-0.0); }), ",-0\r\n");
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Double(1e300); }),
            ",1.0000000000000001e+300\r\n");
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Double(1e-5); }), ",1.0000000000000001e-05\r\n");
}

TEST(ReplyBuilderTest, DoubleInfinity) {
  double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(Encode(kV3, [&](ReplyBuilder& rb) { rb.Double(inf); }), ",inf\r\n");
  EXPECT_EQ(Encode(kV3, [&](ReplyBuilder& rb) { rb.Double(-inf); }), ",-inf\r\n");
  EXPECT_EQ(Encode(kV2, [&](ReplyBuilder& rb) { rb.Double(inf); }), "$3\r\ninf\r\n");
  EXPECT_EQ(Encode(kV2, [&](ReplyBuilder& rb) { rb.Double(-inf); }), "$4\r\n-inf\r\n");
}

TEST(ReplyBuilderTest, FormatDoubleMatchesRedis) {
  EXPECT_EQ(FormatDouble(2.5), "2.5");
  EXPECT_EQ(FormatDouble(10), "10");
  EXPECT_EQ(FormatDouble(1.1), "1.1000000000000001");
  EXPECT_EQ(FormatDouble(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(FormatDouble(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(FormatDouble(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(ReplyBuilderTest, Bool) {
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Bool(true); }), "#t\r\n");
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Bool(false); }), "#f\r\n");
  EXPECT_EQ(Encode(kV2, [](ReplyBuilder& rb) { rb.Bool(true); }), ":1\r\n");
  EXPECT_EQ(Encode(kV2, [](ReplyBuilder& rb) { rb.Bool(false); }), ":0\r\n");
}

TEST(ReplyBuilderTest, Verbatim) {
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Verbatim("hello"); }), "=9\r\ntxt:hello\r\n");
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Verbatim("# x\r\n", "mkd"); }),
            "=9\r\nmkd:# x\r\n\r\n");
  // Redis pads a short format with spaces and keeps three bytes of a long one.
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Verbatim("a", "md"); }), "=5\r\nmd :a\r\n");
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.Verbatim("a", "text"); }), "=5\r\ntex:a\r\n");
  EXPECT_EQ(Encode(kV2, [](ReplyBuilder& rb) { rb.Verbatim("hello"); }), "$5\r\nhello\r\n");
}

TEST(ReplyBuilderTest, BigNumber) {
  EXPECT_EQ(Encode(kV3, [](ReplyBuilder& rb) { rb.BigNumber("123456789012345678901234567890"); }),
            "(123456789012345678901234567890\r\n");
  EXPECT_EQ(Encode(kV2, [](ReplyBuilder& rb) { rb.BigNumber("-12345678901234567890"); }),
            "$21\r\n-12345678901234567890\r\n");
}

TEST(ReplyBuilderTest, RawIsCopiedVerbatim) {
  EXPECT_EQ(Encode(kV2, [](ReplyBuilder& rb) { rb.Raw("+QUEUED\r\n"); }), "+QUEUED\r\n");
}

}  // namespace
}  // namespace tessera::protocol
