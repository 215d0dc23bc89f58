// Redis's string2ll() rules for the numbers inside protocol headers.
#pragma once

#include <cstdint>
#include <string_view>

namespace tessera::protocol {

// Accepts exactly what Redis's string2ll accepts: an optional '-', then "0" alone or a digit
// 1-9 followed by digits, at most 20 bytes, within int64. No '+', spaces or leading zeros,
// so "*01\r\n" and "$ 3\r\n" are protocol errors here as they are in Redis.
inline bool ParseStrictInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() >= 21) return false;
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++i == s.size()) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = static_cast<uint64_t>(s[i++] - '0');
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

}  // namespace tessera::protocol
