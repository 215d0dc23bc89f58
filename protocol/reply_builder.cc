#include "protocol/reply_builder.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace tessera::protocol {
namespace {

// Longest header: type byte, "-9223372036854775808", CRLF.
constexpr size_t kMaxHeader = 1 + 20 + 2;

// Writes "<type><n>\r\n" into buf and returns its length.
size_t EncodeHeader(char* buf, char type, int64_t n) {
  buf[0] = type;
  char* end = std::to_chars(buf + 1, buf + kMaxHeader, n).ptr;
  end[0] = '\r';
  end[1] = '\n';
  return static_cast<size_t>(end + 2 - buf);
}

// One capacity check for a reply written in several appends, keeping geometric growth.
void EnsureRoom(std::string* out, size_t n) {
  size_t need = out->size() + n;
  if (need > out->capacity()) out->reserve(std::max(need, 2 * out->capacity()));
}

void AppendBulk(std::string* out, std::string_view s) {
  char head[kMaxHeader];
  size_t head_len = EncodeHeader(head, '$', static_cast<int64_t>(s.size()));
  EnsureRoom(out, head_len + s.size() + 2);
  out->append(head, head_len);
  out->append(s);
  out->append("\r\n", 2);
}

// Enough for "%.17g" of any double ("-2.2250738585072014e-308" is 24 bytes).
constexpr size_t kMaxDouble = 32;

size_t FormatDoubleTo(char* buf, double d) {
  if (std::isinf(d)) {
    std::memcpy(buf, d > 0 ? "inf" : "-inf", d > 0 ? 3 : 4);
    return d > 0 ? 3 : 4;
  }
  return static_cast<size_t>(std::snprintf(buf, kMaxDouble, "%.17g", d));
}

}  // namespace

std::string FormatDouble(double d) {
  char buf[kMaxDouble];
  return std::string(buf, FormatDoubleTo(buf, d));
}

void ReplyBuilder::Header(char type, int64_t n) {
  char head[kMaxHeader];
  out_->append(head, EncodeHeader(head, type, n));
}

void ReplyBuilder::SimpleString(std::string_view s) {
  EnsureRoom(out_, s.size() + 3);
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::Error(std::string_view message) {
  EnsureRoom(out_, message.size() + 3);
  out_->push_back('-');
  size_t start = out_->size();
  out_->append(message);
  // A CR or LF would end the error line early and desynchronise the client.
  for (size_t i = start; i < out_->size(); ++i) {
    char& c = (*out_)[i];
    if (c == '\r' || c == '\n') c = ' ';
  }
  out_->append("\r\n", 2);
}

void ReplyBuilder::Integer(int64_t v) { Header(':', v); }

void ReplyBuilder::Bulk(std::string_view s) { AppendBulk(out_, s); }

void ReplyBuilder::Null() {
  if (resp3()) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void ReplyBuilder::NullArray() {
  if (resp3()) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void ReplyBuilder::Array(size_t n) { Header('*', static_cast<int64_t>(n)); }

void ReplyBuilder::Map(size_t n) {
  if (resp3()) {
    Header('%', static_cast<int64_t>(n));
  } else {
    Header('*', static_cast<int64_t>(2 * n));
  }
}

void ReplyBuilder::Set(size_t n) { Header(resp3() ? '~' : '*', static_cast<int64_t>(n)); }

void ReplyBuilder::Push(size_t n) { Header(resp3() ? '>' : '*', static_cast<int64_t>(n)); }

void ReplyBuilder::Double(double d) {
  char text[kMaxDouble];
  std::string_view s(text, FormatDoubleTo(text, d));
  if (!resp3()) {
    AppendBulk(out_, s);
    return;
  }
  EnsureRoom(out_, s.size() + 3);
  out_->push_back(',');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::Bool(bool b) {
  if (resp3()) {
    out_->append(b ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->append(b ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyBuilder::Verbatim(std::string_view text, std::string_view format) {
  if (!resp3()) {
    AppendBulk(out_, text);
    return;
  }
  // Redis always sends exactly three format bytes, padding a short format with spaces.
  char prefix[4] = {' ', ' ', ' ', ':'};
  std::memcpy(prefix, format.data(), std::min<size_t>(format.size(), 3));
  char head[kMaxHeader];
  size_t head_len = EncodeHeader(head, '=', static_cast<int64_t>(text.size() + 4));
  EnsureRoom(out_, head_len + 4 + text.size() + 2);
  out_->append(head, head_len);
  out_->append(prefix, 4);
  out_->append(text);
  out_->append("\r\n", 2);
}

void ReplyBuilder::BigNumber(std::string_view digits) {
  if (!resp3()) {
    AppendBulk(out_, digits);
    return;
  }
  EnsureRoom(out_, digits.size() + 3);
  out_->push_back('(');
  out_->append(digits);
  out_->append("\r\n", 2);
}

}  // namespace tessera::protocol
