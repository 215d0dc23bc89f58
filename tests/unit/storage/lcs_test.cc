#include "storage/lcs.h"

#include <gtest/gtest.h>

#include <string>

namespace tessera::storage {
namespace {

bool Eq(const LcsMatch& m, uint32_t a0, uint32_t a1, uint32_t b0, uint32_t b1, uint32_t len) {
  return m.a_start == a0 && m.a_end == a1 && m.b_start == b0 && m.b_end == b1 && m.length == len;
}

// The examples of Redis's LCS documentation.
TEST(Lcs, StringAndLength) {
  LcsResult r = ComputeLcs("ohmytext", "mynewtext", LcsParams{});
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(r.subsequence, "mytext");
  EXPECT_EQ(r.length, 6u);
  LcsParams len_only;
  len_only.want_string = false;
  r = ComputeLcs("ohmytext", "mynewtext", len_only);
  EXPECT_EQ(r.length, 6u);
  EXPECT_TRUE(r.subsequence.empty());
}

TEST(Lcs, IdxMatchesInRedisOrder) {
  LcsParams idx;
  idx.want_string = false;
  idx.want_matches = true;
  LcsResult r = ComputeLcs("ohmytext", "mynewtext", idx);
  ASSERT_EQ(r.matches.size(), 2u);
  EXPECT_TRUE(Eq(r.matches[0], 4, 7, 5, 8, 4));
  EXPECT_TRUE(Eq(r.matches[1], 2, 3, 0, 1, 2));
  EXPECT_EQ(r.length, 6u);
  idx.min_match_len = 4;
  r = ComputeLcs("ohmytext", "mynewtext", idx);
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_TRUE(Eq(r.matches[0], 4, 7, 5, 8, 4));
  idx.min_match_len = -3;  // negative counts as 0
  EXPECT_EQ(ComputeLcs("ohmytext", "mynewtext", idx).matches.size(), 2u);
}

TEST(Lcs, EdgeCases) {
  EXPECT_EQ(ComputeLcs("", "abc", LcsParams{}).length, 0u);
  EXPECT_EQ(ComputeLcs("", "", LcsParams{}).subsequence, "");
  EXPECT_EQ(ComputeLcs("abc", "xyz", LcsParams{}).subsequence, "");
  LcsParams idx;
  idx.want_matches = true;
  // A match reaching index 0 of either string closes its range there.
  LcsResult r = ComputeLcs("abc", "abc", idx);
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_TRUE(Eq(r.matches[0], 0, 2, 0, 2, 3));
  r = ComputeLcs("xabc", "abc", idx);
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_TRUE(Eq(r.matches[0], 1, 3, 0, 2, 3));
  std::string bin_a("a\0b", 3);
  std::string bin_b("\0b", 2);
  EXPECT_EQ(ComputeLcs(bin_a, bin_b, LcsParams{}).subsequence, std::string("\0b", 2));
}

TEST(Lcs, RefusesTablesAboveTheLimit) {
  LcsParams small;
  small.max_table_bytes = 1000;
  LcsResult r = ComputeLcs(std::string(20, 'a'), std::string(20, 'a'), small);
  EXPECT_EQ(r.error,
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
  r = ComputeLcs(std::string(10, 'a'), std::string(10, 'a'), small);
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(r.length, 10u);
}

}  // namespace
}  // namespace tessera::storage
