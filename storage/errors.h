// Redis error texts that storage operations can lead to, byte for byte as Redis 7.0 sends them
// (without the leading '-' of the RESP error frame; the reply builder adds it). Clients match on
// these strings, so the command layer must use these constants rather than retyping them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tessera::storage {

inline constexpr std::string_view kErrWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kErrNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kErrNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kErrIncrOverflow = "ERR increment or decrement would overflow";
// DECRBY with LLONG_MIN: the command layer checks this before negating the argument.
inline constexpr std::string_view kErrDecrOverflow = "ERR decrement would overflow";
inline constexpr std::string_view kErrNanOrInfinity = "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kErrStringTooLong =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kErrOffsetOutOfRange = "ERR offset is out of range";
inline constexpr std::string_view kErrNoSuchKey = "ERR no such key";
inline constexpr std::string_view kErrSameObject =
    "ERR source and destination objects are the same";
inline constexpr std::string_view kErrSyntax = "ERR syntax error";
inline constexpr std::string_view kErrExpireNxAndOthers =
    "ERR NX and XX, GT or LT options at the same time are not compatible";
inline constexpr std::string_view kErrExpireGtAndLt =
    "ERR GT and LT options at the same time are not compatible";
inline constexpr std::string_view kErrLcsNotString =
    "ERR The specified keys must contain string values";
inline constexpr std::string_view kErrLcsLenAndIdx =
    "ERR If you want both the length and indexes, please just use IDX.";
inline constexpr std::string_view kErrLcsTooLong = "ERR String too long for LCS";
inline constexpr std::string_view kErrLcsMemory =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";

// "ERR invalid expire time in '<command>' command"; `command` is the lower-case full name.
inline std::string InvalidExpireTimeError(std::string_view command) {
  std::string out = "ERR invalid expire time in '";
  out.append(command);
  out.append("' command");
  return out;
}

// proto-max-bulk-len's default; string-growing ops take the configured limit as an argument.
inline constexpr int64_t kDefaultProtoMaxBulkLen = 512LL * 1024 * 1024;

}  // namespace tessera::storage
