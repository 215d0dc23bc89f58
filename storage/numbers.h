// Number <-> string conversions with Redis's exact rules. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tessera::storage {

// Enough for "-9223372036854775808" plus a terminator.
inline constexpr size_t kInt64BufSize = 21;

// Redis's string2ll: the whole string must be a canonical decimal int64 — no sign other than a
// leading '-', no leading zeros ("0" itself is fine, "-0" is not), no spaces, at most 20 chars.
// Because it is strict, a value that parses prints back to the same bytes, which is what makes
// the "int" encoding lossless.
bool ParseInt64(std::string_view s, int64_t* out);

// Writes the decimal form of `v` into `buf` (at least kInt64BufSize bytes, not terminated) and
// returns its length.
size_t FormatInt64(int64_t v, char* buf);
std::string Int64ToString(int64_t v);
// Number of characters FormatInt64 writes.
size_t Int64Length(int64_t v);

// Redis's string2ld: strtold over the whole string; rejects empty input, leading whitespace,
// trailing garbage, NaN, over/underflow to +-HUGE_VAL or zero, and inputs of 5 KiB or more.
// Accepts what strtold accepts otherwise ("1e3", "0x1p4", "inf").
bool ParseLongDouble(std::string_view s, long double* out);

// Redis's ld2string in LD_STR_HUMAN mode, used for INCRBYFLOAT results: "%.17Lf", then
// trailing zeros (and a trailing '.') removed, "-0" becomes "0", infinities are "inf"/"-inf".
std::string FormatLongDoubleHuman(long double v);

}  // namespace tessera::storage
