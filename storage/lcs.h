// The LCS command's core: longest common subsequence of two strings by Redis's dynamic
// programming table, with its exact backtracking so LEN, IDX, MINMATCHLEN and WITHMATCHLEN
// report the same ranges, in the same order, as Redis 7.0. The command layer fetches the two
// values (a missing key is ""; a non-string is kErrLcsNotString) and encodes the reply.
// Pure function; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/errors.h"

namespace tessera::storage {

struct LcsMatch {
  // Inclusive byte ranges in the first and second string, and the range length.
  uint32_t a_start;
  uint32_t a_end;
  uint32_t b_start;
  uint32_t b_end;
  uint32_t length;
};

struct LcsParams {
  bool want_string = true;    // false for LEN alone
  bool want_matches = false;  // IDX
  int64_t min_match_len = 0;  // MINMATCHLEN (negative counts as 0)
  // The DP table needs (len(a)+1)*(len(b)+1)*4 bytes; Redis refuses above proto-max-bulk-len.
  int64_t max_table_bytes = kDefaultProtoMaxBulkLen;
};

struct LcsResult {
  std::string_view error;  // empty on success, else a Redis error text
  uint32_t length = 0;
  std::string subsequence;  // when want_string
  // When want_matches: ranges from the end of the strings backwards, as Redis emits them.
  std::vector<LcsMatch> matches;
};

LcsResult ComputeLcs(std::string_view a, std::string_view b, const LcsParams& params);

}  // namespace tessera::storage
