#include "storage/numbers.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace tessera::storage {

bool ParseInt64(std::string_view s, int64_t* out) {
  // 20 chars is the longest canonical form ("-9223372036854775808"); Redis rejects >= 21.
  if (s.empty() || s.size() >= kInt64BufSize) return false;
  if (s.size() == 1 && s[0] == '0') {
    if (out) *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (i == s.size()) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  constexpr uint64_t kMaxPositive = static_cast<uint64_t>(INT64_MAX);
  if (negative) {
    if (v > kMaxPositive + 1) return false;
    // Negating in unsigned space avoids the INT64_MIN overflow.
    if (out) *out = static_cast<int64_t>(~v + 1);
  } else {
    if (v > kMaxPositive) return false;
    if (out) *out = static_cast<int64_t>(v);
  }
  return true;
}

size_t FormatInt64(int64_t v, char* buf) {
  uint64_t u = v < 0 ? ~static_cast<uint64_t>(v) + 1 : static_cast<uint64_t>(v);
  char tmp[kInt64BufSize];
  size_t n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  size_t len = 0;
  if (v < 0) buf[len++] = '-';
  while (n > 0) buf[len++] = tmp[--n];
  return len;
}

std::string Int64ToString(int64_t v) {
  char buf[kInt64BufSize];
  return std::string(buf, FormatInt64(v, buf));
}

size_t Int64Length(int64_t v) {
  char buf[kInt64BufSize];
  return FormatInt64(v, buf);
}

namespace {
// Redis's MAX_LONG_DOUBLE_CHARS: bounds both parsing input and formatting output.
constexpr size_t kMaxLongDoubleChars = 5 * 1024;
}  // namespace

bool ParseLongDouble(std::string_view s, long double* out) {
  if (s.empty() || s.size() >= kMaxLongDoubleChars) return false;
  char buf[kMaxLongDoubleChars];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  long double value = std::strtold(buf, &end);
  if (std::isspace(static_cast<unsigned char>(buf[0])) || end != buf + s.size()) return false;
  if (errno == ERANGE &&
      (value == HUGE_VALL || value == -HUGE_VALL || std::fpclassify(value) == FP_ZERO)) {
    return false;
  }
  if (std::isnan(value)) return false;
  if (out) *out = value;
  return true;
}

std::string FormatLongDoubleHuman(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[kMaxLongDoubleChars];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (n < 0 || static_cast<size_t>(n) + 1 > sizeof(buf)) return std::string();
  size_t len = static_cast<size_t>(n);
  if (std::memchr(buf, '.', len) != nullptr) {
    while (buf[len - 1] == '0') --len;
    if (buf[len - 1] == '.') --len;
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') return "0";
  return std::string(buf, len);
}

}  // namespace tessera::storage
