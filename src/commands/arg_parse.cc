#include "src/commands/arg_parse.h"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "storage/errors.h"

namespace tessera::commands {

bool ReplyIfError(storage::OpStatus status, protocol::ReplyBuilder& reply) {
  std::string_view text = storage::ErrorText(status);
  if (text.empty()) return false;
  reply.Error(text);
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  // strtod needs a terminated string; short arguments (the common case) stay on the stack.
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
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text, &end);
  // An embedded NUL stops strtod early, so it fails the length check, as in Redis.
  if (static_cast<size_t>(end - text) != s.size()) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) {
    return false;
  }
  if (std::isnan(v)) return false;
  *out = v;
  return true;
}

bool Int64OrReply(std::string_view arg, protocol::ReplyBuilder& reply, int64_t* out,
                  std::string_view error) {
  if (ParseInt64(arg, out)) return true;
  reply.Error(error);
  return false;
}

std::string OutOfRangeError(int64_t min, int64_t max) {
  return "ERR value is out of range, value must between " + std::to_string(min) + " and " +
         std::to_string(max);
}

bool RangeOrReply(std::string_view arg, int64_t min, int64_t max, protocol::ReplyBuilder& reply,
                  int64_t* out, std::string_view error) {
  int64_t v;
  if (!ParseInt64(arg, &v)) {
    reply.Error(error.empty() ? kErrNotInteger : error);
    return false;
  }
  if (v < min || v > max) {
    if (error.empty()) {
      reply.Error(OutOfRangeError(min, max));
    } else {
      reply.Error(error);
    }
    return false;
  }
  *out = v;
  return true;
}

bool IntOrReply(std::string_view arg, protocol::ReplyBuilder& reply, int* out,
                std::string_view error) {
  int64_t v;
  if (!RangeOrReply(arg, INT_MIN, INT_MAX, reply, &v, error)) return false;
  *out = static_cast<int>(v);
  return true;
}

bool NonNegativeOrReply(std::string_view arg, protocol::ReplyBuilder& reply, int64_t* out,
                        std::string_view error) {
  int64_t v;
  if (!ParseInt64(arg, &v)) {
    reply.Error(error.empty() ? kErrNotInteger : error);
    return false;
  }
  if (v < 0) {
    reply.Error(error.empty() ? kErrNotPositive : error);
    return false;
  }
  *out = v;
  return true;
}

bool DoubleOrReply(std::string_view arg, protocol::ReplyBuilder& reply, double* out,
                   std::string_view error) {
  if (ParseDouble(arg, out)) return true;
  reply.Error(error);
  return false;
}

bool LongDoubleOrReply(std::string_view arg, protocol::ReplyBuilder& reply, long double* out,
                       std::string_view error) {
  if (ParseLongDouble(arg, out)) return true;
  reply.Error(error);
  return false;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string AsciiUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string WrongArgCountError(std::string_view fullname) {
  std::string out = "ERR wrong number of arguments for '";
  out.append(fullname);
  out.append("' command");
  return out;
}

std::string SubcommandSyntaxError(std::string_view command, std::string_view sub) {
  std::string out = "ERR unknown subcommand or wrong number of arguments for '";
  out.append(sub.substr(0, 128));
  out.append("'. Try ");
  out.append(AsciiUpper(command));
  out.append(" HELP.");
  return out;
}

void ReplyHelp(protocol::ReplyBuilder& reply, std::string_view command,
               std::initializer_list<std::string_view> lines) {
  reply.Array(lines.size() + 3);
  reply.SimpleString(AsciiUpper(command) +
                     " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (std::string_view line : lines) reply.SimpleString(line);
  reply.SimpleString("HELP");
  reply.SimpleString("    Prints this help.");
}

bool ScanCursorOrReply(std::string_view arg, protocol::ReplyBuilder& reply, uint64_t* out) {
  // strtoul needs a terminated string; an embedded NUL ends it there, as in Redis.
  const std::string text(arg);
  if (!text.empty() && std::isspace(static_cast<unsigned char>(text[0]))) {
    reply.Error("ERR invalid cursor");
    return false;
  }
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) {
    reply.Error("ERR invalid cursor");
    return false;
  }
  *out = v;
  return true;
}

bool ScanOptionsOrReply(const protocol::CommandArgs& args, size_t first, bool allow_type,
                        protocol::ReplyBuilder& reply, ScanOptions* out) {
  for (size_t i = first; i < args.size(); i += 2) {
    const bool has_value = i + 1 < args.size();
    if (has_value && EqualsIgnoreCase(args[i], "count")) {
      if (!Int64OrReply(args[i + 1], reply, &out->count)) return false;
      if (out->count < 1) {
        reply.Error(kErrSyntax);
        return false;
      }
    } else if (has_value && EqualsIgnoreCase(args[i], "match")) {
      out->pattern = args[i + 1];
    } else if (has_value && allow_type && EqualsIgnoreCase(args[i], "type")) {
      out->type_name = args[i + 1];
    } else {
      reply.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

bool CollectionScanStartOrReply(storage::DbTable& db, const protocol::CommandArgs& args,
                                storage::ValueType type, int64_t now_ms,
                                protocol::ReplyBuilder& reply, uint64_t* cursor,
                                ScanOptions* options) {
  if (!ScanCursorOrReply(args[2], reply, cursor)) return false;
  std::string option_error;
  protocol::ReplyBuilder option_reply(&option_error, reply.version());
  if (ScanOptionsOrReply(args, 3, /*allow_type=*/false, option_reply, options)) return true;
  storage::Entry* e = db.LookupRead(args[1], now_ms);
  if (e == nullptr) {
    reply.Array(2);
    reply.Bulk("0");
    reply.Array(0);
  } else if (e->type() != type) {
    reply.Error(storage::kErrWrongType);
  } else {
    reply.Raw(option_error);
  }
  return false;
}

}  // namespace tessera::commands
