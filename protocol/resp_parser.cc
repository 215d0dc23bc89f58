#include "protocol/resp_parser.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "protocol/inline_args.h"
#include "protocol/strict_int.h"

namespace tessera::protocol {
namespace {

// Before AUTH, Redis caps requests so an unauthenticated client cannot make it allocate much.
constexpr int64_t kUnauthMaxMultibulk = 10;
constexpr int64_t kUnauthMaxBulk = 16384;
// Redis allocates argv for at most this many arguments up front, whatever the count says.
constexpr int64_t kMaxEagerArgs = 1024;
// Bytes reserved up front for a bulk whose body has not arrived yet; beyond this the argument
// grows as bytes arrive, so announcing 512 MB and sending nothing costs nothing.
constexpr int64_t kMaxEagerBulkReserve = 1 << 20;

constexpr char kTooBigInline[] = "ERR Protocol error: too big inline request";
constexpr char kTooBigMultibulk[] = "ERR Protocol error: too big mbulk count string";
constexpr char kTooBigBulk[] = "ERR Protocol error: too big bulk count string";
constexpr char kUnbalancedQuotes[] = "ERR Protocol error: unbalanced quotes in request";
constexpr char kInvalidMultibulk[] = "ERR Protocol error: invalid multibulk length";
constexpr char kInvalidBulk[] = "ERR Protocol error: invalid bulk length";
constexpr char kUnauthMultibulk[] = "ERR Protocol error: unauthenticated multibulk length";
constexpr char kUnauthBulk[] = "ERR Protocol error: unauthenticated bulk length";

// The fast path keeps the argument spans on the stack (1 KiB); longer commands take the general
// path. 64 covers MSET/MGET/DEL of a few dozen keys.
constexpr size_t kMaxFastArgs = 64;
// Nine digits cannot overflow and cover every default limit (proto-max-bulk-len is 9 digits).
constexpr size_t kMaxFastDigits = 9;

// Trivial, unlike std::string_view, so an array of them costs nothing to set up.
struct BulkSpan {
  const char* data;
  size_t len;
};

// Digits a header may have for the general path to read it rather than call it too big: the line,
// type byte included, must fit in max_inline_len (see ReadHeaderLine).
size_t FastHeaderDigits(size_t max_inline_len) {
  if (max_inline_len == 0) return 0;
  return std::min(kMaxFastDigits, max_inline_len - 1);
}

// Reads the rest of a header line from s: a number ParseStrictInt64 accepts, not negative, of
// at most max_digits digits, then '\r' and one more byte, skipped unseen as ReadHeaderLine does.
// Returns the position after the line, or nullptr for any other line or one not all in [s, end).
const char* ReadFastHeaderNumber(const char* s, const char* end, size_t max_digits, int64_t* n) {
  size_t avail = static_cast<size_t>(end - s);
  size_t limit = std::min(avail, max_digits);
  size_t digits = 0;
  int64_t v = 0;
  while (digits < limit && s[digits] >= '0' && s[digits] <= '9') {
    v = v * 10 + (s[digits] - '0');
    ++digits;
  }
  if (digits == 0 || (s[0] == '0' && digits > 1)) return nullptr;  // "" and leading zeros
  if (digits + 2 > avail || s[digits] != '\r') return nullptr;
  *n = v;
  return s + digits + 2;
}

}  // namespace

// Every check mirrors one the general path makes, with a count, length or line it would accept
// outright; on anything else this returns false before touching *out, so that path sees the
// command from its first byte and gives its usual result or error.
bool RespParser::ParseWholeMultibulk(const char** p, const char* end, CommandArgs* out) const {
  const ParserLimits& limits = *limits_;
  size_t max_digits = FastHeaderDigits(limits.max_inline_len);
  int64_t argc = 0;
  const char* s = ReadFastHeaderNumber(*p + 1, end, max_digits, &argc);
  if (s == nullptr || argc == 0 || argc > static_cast<int64_t>(kMaxFastArgs) ||
      argc > limits.max_multibulk_len || (!limits.authenticated && argc > kUnauthMaxMultibulk)) {
    return false;
  }
  int64_t max_bulk =
      limits.authenticated ? limits.max_bulk_len : std::min(limits.max_bulk_len, kUnauthMaxBulk);
  BulkSpan spans[kMaxFastArgs];
  size_t total = 0;
  for (int64_t i = 0; i < argc; ++i) {
    int64_t n = 0;
    if (s == end || *s != '$') return false;
    s = ReadFastHeaderNumber(s + 1, end, max_digits, &n);
    if (s == nullptr || n > max_bulk || end - s < n + 2) return false;
    spans[i] = {s, static_cast<size_t>(n)};
    total += static_cast<size_t>(n);
    s += n + 2;  // the two bytes after a body are skipped unseen, as Redis does
  }
  out->Clear();
  out->Reserve(static_cast<size_t>(argc), total);
  for (int64_t i = 0; i < argc; ++i) out->Append(std::string_view(spans[i].data, spans[i].len));
  *p = s;
  return true;
}

// Header lines end at the first '\r'; the byte after it is skipped unseen, as Redis does.
// The "too big" limit applies to the line's length (type byte included) rather than to whatever
// happens to be buffered, so the outcome does not depend on how the stream was split.
RespParser::LineResult RespParser::ReadHeaderLine(const char** p, const char* end,
                                                  const char* too_big, std::string_view* line) {
  const char* s = *p;
  if (!line_.empty() && line_.back() == '\r') {
    if (s == end) return LineResult::kNeedMore;
    *p = s + 1;
    line_.pop_back();
    *line = line_;
    return LineResult::kLine;
  }
  size_t avail = static_cast<size_t>(end - s);
  if (avail == 0) return LineResult::kNeedMore;  // data may be null
  size_t have = line_.size();                    // <= max_inline_len by the check below
  size_t room = limits_->max_inline_len + 1 - have;
  const char* cr = static_cast<const char*>(std::memchr(s, '\r', std::min(avail, room)));
  if (cr == nullptr) {
    if (avail >= room) {
      Fail(too_big);
      return LineResult::kError;
    }
    line_.append(s, avail);
    *p = end;
    return LineResult::kNeedMore;
  }
  if (cr + 1 == end) {
    line_.append(s, static_cast<size_t>(cr + 1 - s));
    *p = end;
    return LineResult::kNeedMore;
  }
  *p = cr + 2;
  if (have == 0) {
    *line = std::string_view(s, static_cast<size_t>(cr - s));
  } else {
    line_.append(s, static_cast<size_t>(cr - s));
    *line = line_;
  }
  return LineResult::kLine;
}

// Inline lines end at '\n', with one '\r' before it dropped.
RespParser::LineResult RespParser::ReadInlineLine(const char** p, const char* end,
                                                  std::string_view* line) {
  const char* s = *p;
  size_t avail = static_cast<size_t>(end - s);
  if (avail == 0) return LineResult::kNeedMore;  // data may be null
  size_t have = line_.size();                    // <= max_inline_len by the check below
  size_t room = limits_->max_inline_len + 1 - have;
  const char* nl = static_cast<const char*>(std::memchr(s, '\n', std::min(avail, room)));
  if (nl == nullptr) {
    if (avail >= room) {
      Fail(kTooBigInline);
      return LineResult::kError;
    }
    line_.append(s, avail);
    *p = end;
    return LineResult::kNeedMore;
  }
  *p = nl + 1;
  if (have == 0) {
    *line = std::string_view(s, static_cast<size_t>(nl - s));
  } else {
    line_.append(s, static_cast<size_t>(nl - s));
    *line = line_;
  }
  if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
  return LineResult::kLine;
}

bool RespParser::StartBulk(std::string_view header, const char** p, const char* end) {
  // An empty header line means the '\r' itself stood where '$' belongs.
  char type = header.empty() ? '\r' : header[0];
  if (type != '$') {
    // Redis formats the byte with %c and then maps CR/LF in error replies to spaces.
    if (type == '\r' || type == '\n') type = ' ';
    std::string message = "ERR Protocol error: expected '$', got '";
    message += type;
    message += '\'';
    Fail(std::move(message));
    return false;
  }
  int64_t n = 0;
  if (!ParseStrictInt64(header.substr(1), &n) || n < 0 || n > limits_->max_bulk_len) {
    Fail(kInvalidBulk);
    return false;
  }
  if (n > kUnauthMaxBulk && !limits_->authenticated) {
    Fail(kUnauthBulk);
    return false;
  }
  line_.clear();
  if (end - *p >= n + 2) {
    partial_.Append(std::string_view(*p, static_cast<size_t>(n)));
    *p += n + 2;
    --args_left_;
    return true;
  }
  partial_.OpenArg();
  partial_.Reserve(0, partial_.bytes() + static_cast<size_t>(std::min(n, kMaxEagerBulkReserve)));
  bulk_left_ = n;
  state_ = State::kBulkBody;
  return true;
}

RespParser::Status RespParser::Fail(std::string message) {
  error_ = std::move(message);
  state_ = State::kError;
  line_.clear();
  partial_.Clear();
  return Status::kError;
}

RespParser::Status RespParser::Parse(const char* data, size_t len, size_t* consumed,
                                     CommandArgs* out) {
  if (state_ == State::kIdle && len > 0 && *data == '*') {
    const char* p = data;
    if (ParseWholeMultibulk(&p, data + len, out)) {
      *consumed = static_cast<size_t>(p - data);
      return Status::kCommand;
    }
  }
  return ParseIncremental(data, len, consumed, out);
}

RespParser::Status RespParser::ParseIncremental(const char* data, size_t len, size_t* consumed,
                                                CommandArgs* out) {
  const char* p = data;
  const char* const end = data + len;
  Status status = Status::kNeedMore;
  for (;;) {
    switch (state_) {
      case State::kError:
        status = Status::kError;
        break;

      case State::kIdle:
        if (p == end) break;
        state_ = *p == '*' ? State::kMultibulkCount : State::kInline;
        continue;

      case State::kInline: {
        std::string_view line;
        LineResult r = ReadInlineLine(&p, end, &line);
        if (r == LineResult::kNeedMore) break;
        if (r == LineResult::kError) {
          status = Status::kError;
          break;
        }
        bool balanced = SplitInlineArgs(line, &partial_);
        line_.clear();
        if (!balanced) {
          status = Fail(kUnbalancedQuotes);
          break;
        }
        state_ = State::kIdle;
        if (partial_.empty()) continue;  // blank line
        status = Status::kCommand;
        break;
      }

      case State::kMultibulkCount: {
        std::string_view line;
        LineResult r = ReadHeaderLine(&p, end, kTooBigMultibulk, &line);
        if (r == LineResult::kNeedMore) break;
        if (r == LineResult::kError) {
          status = Status::kError;
          break;
        }
        int64_t n = 0;
        if (!ParseStrictInt64(line.substr(1), &n) || n > limits_->max_multibulk_len) {
          status = Fail(kInvalidMultibulk);
          break;
        }
        if (n > kUnauthMaxMultibulk && !limits_->authenticated) {
          status = Fail(kUnauthMultibulk);
          break;
        }
        line_.clear();
        if (n <= 0) {
          state_ = State::kIdle;  // "*0" and "*-1" are no commands at all
          continue;
        }
        args_left_ = n;
        partial_.Reserve(static_cast<size_t>(std::min(n, kMaxEagerArgs)), 0);
        state_ = State::kBulkHeader;
        continue;
      }

      case State::kBulkHeader: {
        std::string_view line;
        LineResult r = ReadHeaderLine(&p, end, kTooBigBulk, &line);
        if (r == LineResult::kNeedMore) break;
        if (r == LineResult::kError || !StartBulk(line, &p, end)) {
          status = Status::kError;
          break;
        }
        if (args_left_ == 0) {
          state_ = State::kIdle;
          status = Status::kCommand;
          break;
        }
        continue;
      }

      case State::kBulkBody: {
        size_t take = static_cast<size_t>(std::min<int64_t>(bulk_left_, end - p));
        if (take > 0) {  // p may be null when there is no input
          partial_.AppendToLastArg(std::string_view(p, take));
          p += take;
        }
        bulk_left_ -= static_cast<int64_t>(take);
        if (bulk_left_ > 0) break;
        state_ = State::kBulkCrlf;
        crlf_left_ = 2;
        continue;
      }

      case State::kBulkCrlf: {
        // Redis skips the two bytes after a bulk without checking they are CRLF.
        int take = static_cast<int>(std::min<ptrdiff_t>(crlf_left_, end - p));
        p += take;
        crlf_left_ -= take;
        if (crlf_left_ > 0) break;
        if (--args_left_ == 0) {
          state_ = State::kIdle;
          status = Status::kCommand;
          break;
        }
        state_ = State::kBulkHeader;
        continue;
      }
    }
    break;
  }
  if (status == Status::kCommand) {
    // Swapping hands the caller the command and recycles the caller's old buffers.
    swap(*out, partial_);
    partial_.Clear();
  }
  *consumed = static_cast<size_t>(p - data);
  return status;
}

size_t RespParser::buffered_bytes() const { return line_.size() + partial_.bytes(); }

void RespParser::Reset() {
  state_ = State::kIdle;
  line_.clear();
  args_left_ = 0;
  bulk_left_ = 0;
  crlf_left_ = 0;
  partial_.Clear();
  error_.clear();
}

}  // namespace tessera::protocol
