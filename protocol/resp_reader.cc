#include "protocol/resp_reader.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "protocol/strict_int.h"

namespace tessera::protocol {
namespace {

// Deep enough for any reply a server sends; shallow enough that hostile input cannot exhaust
// the stack through recursion.
constexpr int kMaxDepth = 512;
// Consumed bytes are dropped from the front of the buffer once they dominate it.
constexpr size_t kCompactThreshold = 64 * 1024;

enum class Parsed { kValue, kNeedMore, kError };

// Parses one value from buf[*pos, end) without touching *pos unless a whole value was read.
// Returns kNeedMore when the value is incomplete, so a later call re-parses it from its start.
class ValueParser {
 public:
  ValueParser(const std::string& buf, std::string* error) : buf_(buf), error_(error) {}

  Parsed Parse(size_t* pos, RespValue* v, int depth) {
    if (depth > kMaxDepth) return Error("Protocol error: nesting too deep");
    size_t p = *pos;
    std::string_view line;
    Parsed r = Line(&p, &line);
    if (r != Parsed::kValue) return r;
    char type = line[0];
    std::string_view rest = line.substr(1);
    switch (type) {
      case '+':
        v->type = RespValue::Type::kSimpleString;
        v->str.assign(rest);
        break;
      case '-':
        v->type = RespValue::Type::kError;
        v->str.assign(rest);
        break;
      case ':':
        v->type = RespValue::Type::kInteger;
        if (!ParseStrictInt64(rest, &v->integer)) return Error("Protocol error: bad integer");
        break;
      case ',':
        v->type = RespValue::Type::kDouble;
        v->str.assign(rest);
        break;
      case '(':
        v->type = RespValue::Type::kBigNumber;
        v->str.assign(rest);
        break;
      case '_':
        if (!rest.empty()) return Error("Protocol error: bad null");
        v->type = RespValue::Type::kNull;
        break;
      case '#':
        if (rest != "t" && rest != "f") return Error("Protocol error: bad boolean");
        v->type = RespValue::Type::kBool;
        v->integer = rest == "t" ? 1 : 0;
        break;
      case '$':
      case '=':
      case '!': {
        int64_t n = 0;
        if (!ParseStrictInt64(rest, &n) || n < -1) return Error("Protocol error: bad length");
        if (n == -1) {
          if (type != '$') return Error("Protocol error: bad length");
          v->type = RespValue::Type::kNull;
          break;
        }
        std::string_view body;
        r = Body(&p, static_cast<size_t>(n), &body);
        if (r != Parsed::kValue) return r;
        if (type == '$') {
          v->type = RespValue::Type::kBulk;
        } else if (type == '!') {
          v->type = RespValue::Type::kError;
        } else {
          if (body.size() < 4 || body[3] != ':') return Error("Protocol error: bad verbatim");
          v->type = RespValue::Type::kVerbatim;
          body.remove_prefix(4);
        }
        v->str.assign(body);
        break;
      }
      case '*':
      case '%':
      case '~':
      case '>':
      case '|': {
        int64_t n = 0;
        if (!ParseStrictInt64(rest, &n) || n < -1) return Error("Protocol error: bad length");
        if (n == -1) {
          if (type != '*') return Error("Protocol error: bad length");
          v->type = RespValue::Type::kNull;
          break;
        }
        uint64_t count = static_cast<uint64_t>(n) * (type == '%' || type == '|' ? 2 : 1);
        if (type == '|') {
          // Attributes annotate the value that follows; this reader drops them.
          for (uint64_t i = 0; i < count; ++i) {
            RespValue ignored;
            r = Parse(&p, &ignored, depth + 1);
            if (r != Parsed::kValue) return r;
          }
          r = Parse(&p, v, depth + 1);
          if (r != Parsed::kValue) return r;
          break;
        }
        v->type = type == '*'   ? RespValue::Type::kArray
                  : type == '%' ? RespValue::Type::kMap
                  : type == '~' ? RespValue::Type::kSet
                                : RespValue::Type::kPush;
        // Every element takes at least 3 bytes, which bounds what a bogus count can reserve.
        v->elems.reserve(std::min<uint64_t>(count, (buf_.size() - p) / 3));
        for (uint64_t i = 0; i < count; ++i) {
          v->elems.emplace_back();
          r = Parse(&p, &v->elems.back(), depth + 1);
          if (r != Parsed::kValue) return r;
        }
        break;
      }
      default: {
        std::string message = "Protocol error: unexpected type byte '";
        message += type;
        message += '\'';
        return Error(message);
      }
    }
    *pos = p;
    return Parsed::kValue;
  }

 private:
  // A non-empty line ending in CRLF, without the CRLF.
  Parsed Line(size_t* pos, std::string_view* line) {
    size_t p = *pos;
    if (p >= buf_.size()) return Parsed::kNeedMore;
    const char* start = buf_.data() + p;
    const char* cr = static_cast<const char*>(std::memchr(start, '\r', buf_.size() - p));
    if (cr == nullptr || cr + 1 == buf_.data() + buf_.size()) return Parsed::kNeedMore;
    if (cr[1] != '\n') return Error("Protocol error: CR not followed by LF");
    if (cr == start) return Error("Protocol error: empty line");
    *line = std::string_view(start, static_cast<size_t>(cr - start));
    *pos = p + line->size() + 2;
    return Parsed::kValue;
  }

  Parsed Body(size_t* pos, size_t n, std::string_view* body) {
    size_t p = *pos;
    if (buf_.size() - p < n || buf_.size() - p - n < 2) return Parsed::kNeedMore;
    if (buf_[p + n] != '\r' || buf_[p + n + 1] != '\n') {
      return Error("Protocol error: bulk not followed by CRLF");
    }
    *body = std::string_view(buf_.data() + p, n);
    *pos = p + n + 2;
    return Parsed::kValue;
  }

  Parsed Error(std::string message) {
    *error_ = std::move(message);
    return Parsed::kError;
  }

  const std::string& buf_;
  std::string* error_;
};

void AppendDebug(const RespValue& v, std::string* out) {
  using Type = RespValue::Type;
  switch (v.type) {
    case Type::kSimpleString:
      out->append(v.str);
      break;
    case Type::kError:
      out->append("(error) ").append(v.str);
      break;
    case Type::kInteger:
      out->append("(integer) ").append(std::to_string(v.integer));
      break;
    case Type::kBulk:
    case Type::kVerbatim:
      AppendQuotedRepr(v.str, out);
      break;
    case Type::kNull:
      out->append("(nil)");
      break;
    case Type::kDouble:
      out->append("(double) ").append(v.str);
      break;
    case Type::kBool:
      out->append(v.integer ? "(true)" : "(false)");
      break;
    case Type::kBigNumber:
      out->append("(big number) ").append(v.str);
      break;
    case Type::kArray:
    case Type::kSet:
    case Type::kPush: {
      const char* open = v.type == Type::kArray ? "[" : v.type == Type::kSet ? "~[" : ">[";
      out->append(open);
      for (size_t i = 0; i < v.elems.size(); ++i) {
        if (i > 0) out->append(", ");
        AppendDebug(v.elems[i], out);
      }
      out->push_back(']');
      break;
    }
    case Type::kMap:
      out->push_back('{');
      for (size_t i = 0; i < v.elems.size(); ++i) {
        if (i > 0) out->append(i % 2 == 1 ? " => " : ", ");
        AppendDebug(v.elems[i], out);
      }
      out->push_back('}');
      break;
  }
}

}  // namespace

RespReader::Status RespReader::Next(RespValue* value, std::string* raw) {
  if (!error_.empty()) return Status::kError;
  size_t pos = pos_;
  RespValue v;
  Parsed r = ValueParser(buf_, &error_).Parse(&pos, &v, 0);
  if (r == Parsed::kNeedMore) return Status::kNeedMore;
  if (r == Parsed::kError) return Status::kError;
  if (raw != nullptr) raw->assign(buf_, pos_, pos - pos_);
  *value = std::move(v);
  pos_ = pos;
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ >= kCompactThreshold && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return Status::kValue;
}

void AppendQuotedRepr(std::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '"':
        out->append("\\\"");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\a':
        out->append("\\a");
        break;
      case '\b':
        out->append("\\b");
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out->push_back(static_cast<char>(c));
        } else {
          char hex[5];
          std::snprintf(hex, sizeof(hex), "\\x%02x", c);
          out->append(hex, 4);
        }
    }
  }
  out->push_back('"');
}

std::string DebugString(const RespValue& value) {
  std::string out;
  AppendDebug(value, &out);
  return out;
}

}  // namespace tessera::protocol
