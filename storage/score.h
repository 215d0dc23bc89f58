// Sorted-set scores and ranges with Redis 7.0's exact parsing and formatting rules.
//
// Score ranges (ZRANGEBYSCORE, ZCOUNT, ZREMRANGEBYSCORE, ...) are read the way Redis's
// zslParseRange reads them: strtod over the C string, so leading whitespace, "inf", "+inf",
// "-inf", hex floats and out-of-range values (which become +-inf) are accepted, an embedded NUL
// ends the number, and NaN is rejected. A leading '(' makes the bound exclusive.
// Lexical ranges (ZRANGEBYLEX, ZLEXCOUNT, ...) follow zslParseLexRangeItem: "-" and "+" are the
// open ends, "[x" is inclusive, "(x" exclusive, anything else is an error.
//
// Pure functions and plain values; any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tessera::storage {

inline constexpr std::string_view kErrMinMaxNotFloat = "ERR min or max is not a float";
inline constexpr std::string_view kErrMinMaxNotString =
    "ERR min or max not valid string range item";
inline constexpr std::string_view kErrScoreNaN = "ERR resulting score is not a number (NaN)";

// Redis's zrangespec.
struct ScoreRange {
  double min = 0;
  double max = 0;
  bool min_exclusive = false;
  bool max_exclusive = false;

  bool AboveMin(double score) const { return min_exclusive ? score > min : score >= min; }
  bool BelowMax(double score) const { return max_exclusive ? score < max : score <= max; }
  bool Contains(double score) const { return AboveMin(score) && BelowMax(score); }
  // True when no score can be inside (min > max, or a single point with an open end).
  bool Empty() const { return min > max || (min == max && (min_exclusive || max_exclusive)); }
};

// False for "ERR min or max is not a float".
bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* out);

// One end of a lexical range.
struct LexBound {
  enum class Kind : unsigned char { kMinusInf, kPlusInf, kValue };
  Kind kind = Kind::kValue;
  bool exclusive = false;
  std::string value;  // kValue
};

// Redis's zlexrangespec.
struct LexRange {
  LexBound min;
  LexBound max;

  bool AboveMin(std::string_view member) const;
  bool BelowMax(std::string_view member) const;
  bool Contains(std::string_view member) const { return AboveMin(member) && BelowMax(member); }
  // True when no member can be inside (min after max, or the same point with an open end).
  bool Empty() const;
};

// False for "ERR min or max not valid string range item".
bool ParseLexRange(std::string_view min, std::string_view max, LexRange* out);

// Enough for any score FormatScore writes ("%.17g" needs at most 24 characters).
inline constexpr size_t kScoreBufSize = 32;

// Redis's d2string: how a score is kept as text (in the packed encoding) and shown by ZSCAN:
// "inf"/"-inf", "0"/"-0", integers within +-2^52 in plain decimal, everything else "%.17g".
// Writes into `buf` (kScoreBufSize bytes, not terminated) and returns the length.
size_t FormatScore(double score, char* buf);
std::string ScoreToString(double score);

// How the packed ("listpack") encoding keeps a score, which ZSCAN shows for packed sets:
// integral values within +-(2^63-1)/2 as integers (Redis's double2ll, so -0 becomes "0" and
// 1e18 "1000000000000000000"), everything else as FormatScore writes it.
size_t FormatPackedScore(double score, char* buf);

// Reads a score written by FormatScore (strtod over the whole text).
double ParseStoredScore(std::string_view text);

}  // namespace tessera::storage
