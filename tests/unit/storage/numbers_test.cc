#include "storage/numbers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace tessera::storage {
namespace {

TEST(ParseInt64, AcceptsCanonicalIntegersOnly) {
  int64_t v = 7;
  EXPECT_TRUE(ParseInt64("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ParseInt64("-1", &v));
  EXPECT_EQ(v, -1);
  EXPECT_TRUE(ParseInt64("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(ParseInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);

  for (const char* bad :
       {"", "-", "-0", "00", "01", "+1", " 1", "1 ", "1a", "9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "1.0", "0x10", "123456789012345678901"}) {
    EXPECT_FALSE(ParseInt64(bad, &v)) << bad;
  }
}

TEST(FormatInt64, RoundTripsExtremes) {
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{42}, INT64_MAX, INT64_MIN}) {
    char buf[kInt64BufSize];
    std::string s(buf, FormatInt64(v, buf));
    int64_t back;
    ASSERT_TRUE(ParseInt64(s, &back)) << s;
    EXPECT_EQ(back, v);
    EXPECT_EQ(Int64Length(v), s.size());
  }
  EXPECT_EQ(Int64ToString(INT64_MIN), "-9223372036854775808");
}

TEST(ParseLongDouble, FollowsRedisString2ld) {
  long double v;
  EXPECT_TRUE(ParseLongDouble("10.5", &v));
  EXPECT_EQ(v, 10.5L);
  EXPECT_TRUE(ParseLongDouble("5.0e3", &v));
  EXPECT_EQ(v, 5000.0L);
  EXPECT_TRUE(ParseLongDouble("-0", &v));
  EXPECT_TRUE(ParseLongDouble("inf", &v));
  EXPECT_TRUE(std::isinf(v));
  for (const char* bad : {"", " 1", "1 ", "abc", "nan", "1e999999", "1.5x"}) {
    EXPECT_FALSE(ParseLongDouble(bad, &v)) << bad;
  }
  EXPECT_FALSE(ParseLongDouble(std::string_view("1\0", 2), &v));
  EXPECT_FALSE(ParseLongDouble(std::string(5 * 1024, '1'), &v));
}

TEST(FormatLongDoubleHuman, TrimsLikeRedis) {
  EXPECT_EQ(FormatLongDoubleHuman(10.5L), "10.5");
  EXPECT_EQ(FormatLongDoubleHuman(5200.0L), "5200");
  EXPECT_EQ(FormatLongDoubleHuman(0.0L), "0");
  EXPECT_EQ(FormatLongDoubleHuman(-0.0L), "0");
  EXPECT_EQ(FormatLongDoubleHuman(-1.25L), "-1.25");
  EXPECT_EQ(FormatLongDoubleHuman(10.5L + 0.1L), "10.6");
  EXPECT_EQ(FormatLongDoubleHuman(3.0e-18L), "0");
  EXPECT_EQ(FormatLongDoubleHuman(std::numeric_limits<long double>::infinity()), "inf");
  EXPECT_EQ(FormatLongDoubleHuman(1e20L), "100000000000000000000");
}

}  // namespace
}  // namespace tessera::storage
