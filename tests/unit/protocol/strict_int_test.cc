#include "protocol/strict_int.h"

#include <gtest/gtest.h>

namespace tessera::protocol {
namespace {

TEST(StrictIntTest, AcceptsCanonicalIntegers) {
  int64_t v = 42;
  EXPECT_TRUE(ParseStrictInt64("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ParseStrictInt64("7", &v));
  EXPECT_EQ(v, 7);
  EXPECT_TRUE(ParseStrictInt64("-15", &v));
  EXPECT_EQ(v, -15);
  EXPECT_TRUE(ParseStrictInt64("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(ParseStrictInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
}

TEST(StrictIntTest, RejectsWhatString2llRejects) {
  int64_t v = 0;
  for (const char* s : {"", "-", "+1", " 1", "1 ", "01", "-0", "00", "1a", "0x10", "1.0",
                        "9223372036854775808", "-9223372036854775809", "18446744073709551616",
                        "99999999999999999999", "000000000000000000001"}) {
    EXPECT_FALSE(ParseStrictInt64(s, &v)) << s;
  }
}

}  // namespace
}  // namespace tessera::protocol
