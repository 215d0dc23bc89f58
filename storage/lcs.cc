#include "storage/lcs.h"

#include <cstddef>
#include <memory>
#include <new>

namespace tessera::storage {

LcsResult ComputeLcs(std::string_view a, std::string_view b, const LcsParams& params) {
  LcsResult result;
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    result.error = kErrLcsTooLong;
    return result;
  }
  const uint32_t alen = static_cast<uint32_t>(a.size());
  const uint32_t blen = static_cast<uint32_t>(b.size());
  const uint64_t cells = static_cast<uint64_t>(alen + 1) * (blen + 1);
  const uint64_t table_bytes = cells * sizeof(uint32_t);
  if (table_bytes / sizeof(uint32_t) != cells ||
      table_bytes > static_cast<uint64_t>(params.max_table_bytes)) {
    result.error = kErrLcsMemory;
    return result;
  }
  std::unique_ptr<uint32_t[]> table(new (std::nothrow) uint32_t[cells]);
  if (!table) {
    result.error = kErrLcsMemory;
    return result;
  }
  // lcs(i, j): LCS length of a[0..i) and b[0..j).
  auto lcs = [&table, blen](uint32_t i, uint32_t j) -> uint32_t& {
    return table[static_cast<size_t>(i) * (blen + 1) + j];
  };
  for (uint32_t i = 0; i <= alen; ++i) {
    for (uint32_t j = 0; j <= blen; ++j) {
      if (i == 0 || j == 0) {
        lcs(i, j) = 0;
      } else if (a[i - 1] == b[j - 1]) {
        lcs(i, j) = lcs(i - 1, j - 1) + 1;
      } else {
        const uint32_t up = lcs(i - 1, j);
        const uint32_t left = lcs(i, j - 1);
        lcs(i, j) = up > left ? up : left;
      }
    }
  }
  result.length = lcs(alen, blen);
  if (!params.want_string && !params.want_matches) return result;

  // Walk back from the end, building the subsequence right to left and cutting it into
  // contiguous ranges. A range is closed when the walk leaves it (a mismatch step or a match
  // that is not adjacent) or when it reaches the first byte of either string.
  const uint64_t min_len = params.min_match_len < 0 ? 0 : params.min_match_len;
  result.subsequence.assign(result.length, '\0');
  uint32_t idx = result.length;
  uint32_t i = alen;
  uint32_t j = blen;
  const uint32_t kNoRange = alen;  // a_start == alen means "no open range"
  uint32_t a_start = kNoRange, a_end = 0, b_start = 0, b_end = 0;
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      result.subsequence[idx - 1] = a[i - 1];
      if (a_start == kNoRange) {
        a_start = a_end = i - 1;
        b_start = b_end = j - 1;
      } else if (a_start == i && b_start == j) {
        --a_start;
        --b_start;
      } else {
        emit = true;
      }
      if (a_start == 0 || b_start == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      if (lcs(i - 1, j) > lcs(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (a_start != kNoRange) emit = true;
    }
    if (emit) {
      const uint32_t match_len = a_end - a_start + 1;
      if (params.want_matches && (min_len == 0 || match_len >= min_len)) {
        result.matches.push_back(LcsMatch{a_start, a_end, b_start, b_end, match_len});
      }
      a_start = kNoRange;
    }
  }
  if (!params.want_string) result.subsequence.clear();
  return result;
}

}  // namespace tessera::storage
