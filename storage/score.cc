#include "storage/score.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "storage/numbers.h"

namespace tessera::storage {
namespace {

// One bound of a score range: strtod over the C string Redis would see, which ends at the
// first NUL byte. Success needs strtod to consume everything up to that point; an empty string
// is therefore 0, as in Redis.
bool ParseScoreBound(std::string_view s, double* value, bool* exclusive) {
  *exclusive = !s.empty() && s[0] == '(';
  if (*exclusive) s.remove_prefix(1);
  const size_t nul = s.find('\0');
  if (nul != std::string_view::npos) s = s.substr(0, nul);
  char small[64];
  std::string big;
  const char* text;
  if (s.size() < sizeof(small)) {
    std::memcpy(small, s.data(), s.size());
    small[s.size()] = '\0';
    text = small;
  } else {
    big.assign(s);
    text = big.c_str();
  }
  char* end = nullptr;
  *value = std::strtod(text, &end);
  return *end == '\0' && !std::isnan(*value);
}

// zslParseLexRangeItem. "+" and "-" are compared as C strings there, so "+\0junk" is "+".
bool ParseLexBound(std::string_view s, LexBound* out) {
  if (s.empty()) return false;
  switch (s[0]) {
    case '+':
    case '-':
      if (s.size() > 1 && s[1] != '\0') return false;
      out->kind = s[0] == '+' ? LexBound::Kind::kPlusInf : LexBound::Kind::kMinusInf;
      out->exclusive = true;
      out->value.clear();
      return true;
    case '(':
    case '[':
      out->kind = LexBound::Kind::kValue;
      out->exclusive = s[0] == '(';
      out->value.assign(s.substr(1));
      return true;
    default:
      return false;
  }
}

// sdscmplex: "-" sorts before every string and "+" after; the two infinities equal themselves.
int CompareLex(const LexBound& a, std::string_view b_value, LexBound::Kind b_kind) {
  if (a.kind == b_kind && a.kind != LexBound::Kind::kValue) return 0;
  if (a.kind == LexBound::Kind::kMinusInf || b_kind == LexBound::Kind::kPlusInf) return -1;
  if (a.kind == LexBound::Kind::kPlusInf || b_kind == LexBound::Kind::kMinusInf) return 1;
  return std::string_view(a.value).compare(b_value);
}

}  // namespace

bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* out) {
  return ParseScoreBound(min, &out->min, &out->min_exclusive) &&
         ParseScoreBound(max, &out->max, &out->max_exclusive);
}

bool LexRange::AboveMin(std::string_view member) const {
  int cmp = CompareLex(min, member, LexBound::Kind::kValue);
  return min.exclusive ? cmp < 0 : cmp <= 0;
}

bool LexRange::BelowMax(std::string_view member) const {
  int cmp = CompareLex(max, member, LexBound::Kind::kValue);
  return max.exclusive ? cmp > 0 : cmp >= 0;
}

bool LexRange::Empty() const {
  int cmp = CompareLex(min, max.value, max.kind);
  return cmp > 0 || (cmp == 0 && (min.exclusive || max.exclusive));
}

bool ParseLexRange(std::string_view min, std::string_view max, LexRange* out) {
  return ParseLexBound(min, &out->min) && ParseLexBound(max, &out->max);
}

size_t FormatScore(double score, char* buf) {
  if (std::isinf(score)) {
    std::memcpy(buf, score > 0 ? "inf" : "-inf", score > 0 ? 3 : 4);
    return score > 0 ? 3 : 4;
  }
  if (score == 0) {
    const bool negative = std::signbit(score);
    std::memcpy(buf, negative ? "-0" : "0", negative ? 2 : 1);
    return negative ? 2 : 1;
  }
  // Integral values whose int64 round trip is exact print as integers (Redis's fast path; the
  // text is the same as "%.17g" gives, and the packed encoding then stores a real integer).
  constexpr double kMin = -4503599627370495.0;
  constexpr double kMax = 4503599627370496.0;
  if (score > kMin && score < kMax && score == static_cast<double>(static_cast<int64_t>(score))) {
    return FormatInt64(static_cast<int64_t>(score), buf);
  }
  return static_cast<size_t>(std::snprintf(buf, kScoreBufSize, "%.17g", score));
}

size_t FormatPackedScore(double score, char* buf) {
  constexpr double kLimit = static_cast<double>(INT64_MAX / 2);
  if (score >= -kLimit && score <= kLimit) {
    const auto integral = static_cast<int64_t>(score);
    if (static_cast<double>(integral) == score) return FormatInt64(integral, buf);
  }
  return FormatScore(score, buf);
}

std::string ScoreToString(double score) {
  char buf[kScoreBufSize];
  return std::string(buf, FormatScore(score, buf));
}

double ParseStoredScore(std::string_view text) {
  char buf[kScoreBufSize + 1];
  const size_t n = text.size() < kScoreBufSize ? text.size() : kScoreBufSize;
  std::memcpy(buf, text.data(), n);
  buf[n] = '\0';
  return std::strtod(buf, nullptr);
}

}  // namespace tessera::storage
