// Argument parsing shared by every command family, with Redis 7.0's exact acceptance rules and
// error texts. Clients match on these texts, so families use these helpers instead of retyping
// them.
//
// The *OrReply functions mirror Redis's get...FromObjectOrReply family: on failure they write
// the error reply and return false, so a handler can `if (!Int64OrReply(...)) return;`. An
// explicit `error` replaces the default text, as Redis's `msg` argument does (it is the whole
// error line, e.g. "ERR timeout is out of range").
//
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/command_args.h"
#include "protocol/reply_builder.h"
#include "storage/db_table.h"
#include "storage/errors.h"
#include "storage/numbers.h"
#include "storage/op_status.h"

namespace tessera::commands {

// Replies with the Redis error text of an error status (WRONGTYPE, not an integer, ...) and
// returns true; false, replying nothing, for the statuses that are not errors.
bool ReplyIfError(storage::OpStatus status, protocol::ReplyBuilder& reply);

inline constexpr std::string_view kErrSyntax = storage::kErrSyntax;
inline constexpr std::string_view kErrNotInteger = storage::kErrNotInteger;
inline constexpr std::string_view kErrNotFloat = storage::kErrNotFloat;
// getPositiveLongFromObjectOrReply: "positive" means >= 0 there.
inline constexpr std::string_view kErrNotPositive = "ERR value is out of range, must be positive";
inline constexpr std::string_view kErrNoSuchKey = storage::kErrNoSuchKey;

// ---- Numbers.

// Redis's string2ll: canonical decimal int64 only ("-0", "+1", "01", " 1" are rejected).
using storage::ParseInt64;
// Redis's string2ld (INCRBYFLOAT, HINCRBYFLOAT).
using storage::ParseLongDouble;
// Redis's string2d (getDoubleFromObject): strtod over the whole argument. Rejects empty input,
// leading whitespace, trailing bytes (including an embedded NUL), NaN, and overflow to +-inf or
// underflow to zero; accepts everything else strtod does ("1e3", " inf" no, "inf" yes, "0x10").
bool ParseDouble(std::string_view s, double* out);

// getLongLongFromObjectOrReply. Default error: "ERR value is not an integer or out of range".
bool Int64OrReply(std::string_view arg, protocol::ReplyBuilder& reply, int64_t* out,
                  std::string_view error = kErrNotInteger);
// getRangeLongFromObjectOrReply: an integer within [min, max]. Without `error`, a non-integer
// gets "ERR value is not an integer or out of range" and an out-of-range value gets
// "ERR value is out of range, value must between <min> and <max>" (sic: Redis's wording).
// With `error`, both failures reply `error`.
bool RangeOrReply(std::string_view arg, int64_t min, int64_t max, protocol::ReplyBuilder& reply,
                  int64_t* out, std::string_view error = {});
// getIntFromObjectOrReply: RangeOrReply over the int range.
bool IntOrReply(std::string_view arg, protocol::ReplyBuilder& reply, int* out,
                std::string_view error = {});
// getPositiveLongFromObjectOrReply: an integer >= 0; a negative one gets
// "ERR value is out of range, must be positive" (or `error`).
bool NonNegativeOrReply(std::string_view arg, protocol::ReplyBuilder& reply, int64_t* out,
                        std::string_view error = {});
// getDoubleFromObjectOrReply / getLongDoubleFromObjectOrReply. Default error:
// "ERR value is not a valid float".
bool DoubleOrReply(std::string_view arg, protocol::ReplyBuilder& reply, double* out,
                   std::string_view error = kErrNotFloat);
bool LongDoubleOrReply(std::string_view arg, protocol::ReplyBuilder& reply, long double* out,
                       std::string_view error = kErrNotFloat);

// "ERR value is out of range, value must between <min> and <max>".
std::string OutOfRangeError(int64_t min, int64_t max);

// ---- Words.

// ASCII case-insensitive equality, as strcasecmp on option names.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string AsciiLower(std::string_view s);
std::string AsciiUpper(std::string_view s);

// ---- Shared error texts built from the command.

// addReplyErrorArity: "ERR wrong number of arguments for '<fullname>' command", for commands
// that check their own argument count beyond the arity (e.g. PING with two arguments).
std::string WrongArgCountError(std::string_view fullname);
// addReplySubcommandSyntaxError, for commands that parse their own subcommands (DEBUG, OBJECT):
// "ERR unknown subcommand or wrong number of arguments for '<sub>'. Try <COMMAND> HELP."
// `sub` is cut to 128 bytes; `command` is upper-cased.
std::string SubcommandSyntaxError(std::string_view command, std::string_view sub);

// addReplyHelp: an array of status lines — "<COMMAND> <subcommand> [<arg> [value] [opt] ...].
// Subcommands are:", then `lines`, then "HELP" and "    Prints this help.". `command` is the
// name as the client typed it (upper-cased here).
void ReplyHelp(protocol::ReplyBuilder& reply, std::string_view command,
               std::initializer_list<std::string_view> lines);

// ---- The SCAN family (SCAN, HSCAN, SSCAN, ZSCAN).

// parseScanCursorOrReply: the cursor is read with strtoul, so "" is 0, a leading '+' or '-' is
// accepted ("-1" wraps to 2^64-1) and an embedded NUL ends it; leading whitespace, trailing
// bytes or a value past 2^64-1 get "ERR invalid cursor".
bool ScanCursorOrReply(std::string_view arg, protocol::ReplyBuilder& reply, uint64_t* out);

struct ScanOptions {
  int64_t count = 10;                         // COUNT
  std::optional<std::string_view> pattern;    // MATCH; views point into the command's args
  std::optional<std::string_view> type_name;  // TYPE (SCAN only)
};

// scanGenericCommand's option loop over args[first..]: COUNT <n> (an integer, else "ERR value
// is not an integer or out of range"; below 1 "ERR syntax error"), MATCH <pattern>, and
// TYPE <name> when `allow_type`. Anything else, or an option without its value, is
// "ERR syntax error". A repeated option overrides the earlier one.
bool ScanOptionsOrReply(const protocol::CommandArgs& args, size_t first, bool allow_type,
                        protocol::ReplyBuilder& reply, ScanOptions* out);

// The start of HSCAN and SSCAN: the cursor, then the options. Redis looks the key up before it
// parses the options, so when they are bad a missing key still answers an empty scan and a key
// of another type WRONGTYPE; the option error is only for a key of `type`. False after replying.
bool CollectionScanStartOrReply(storage::DbTable& db, const protocol::CommandArgs& args,
                                storage::ValueType type, int64_t now_ms,
                                protocol::ReplyBuilder& reply, uint64_t* cursor,
                                ScanOptions* options);

}  // namespace tessera::commands
