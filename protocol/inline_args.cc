#include "protocol/inline_args.h"

#include <cstring>
#include <string>

namespace tessera::protocol {
namespace {

// isspace() in the C locale, which is what sdssplitargs uses to skip blanks.
bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

char Unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

}  // namespace

bool SplitInlineArgs(std::string_view line, CommandArgs* out) {
  if (const void* nul = std::memchr(line.data(), '\0', line.size())) {
    line = line.substr(0, static_cast<size_t>(static_cast<const char*>(nul) - line.data()));
  }
  const char* p = line.data();
  const char* const end = p + line.size();
  // Reads like the C string sdssplitargs walks: '\0' at and past the end.
  auto at = [end](const char* q) { return q < end ? *q : '\0'; };
  std::string token;
  for (;;) {
    while (p < end && IsSpace(*p)) ++p;
    if (p == end) return true;
    token.clear();
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    while (!done) {
      char c = at(p);
      if (in_double) {
        if (c == '\\' && at(p + 1) == 'x' && IsHexDigit(at(p + 2)) && IsHexDigit(at(p + 3))) {
          token.push_back(static_cast<char>(HexValue(p[2]) * 16 + HexValue(p[3])));
          p += 3;
        } else if (c == '\\' && at(p + 1) != '\0') {
          ++p;
          token.push_back(Unescape(*p));
        } else if (c == '"') {
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          token.push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(p + 1) == '\'') {
          ++p;
          token.push_back('\'');
        } else if (c == '\'') {
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          token.push_back(c);
        }
      } else {
        // Unlike the blank skipping above, only these end an unquoted token (not \v or \f).
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            token.push_back(c);
            break;
        }
      }
      if (p < end) ++p;
    }
    out->Append(token);
  }
}

}  // namespace tessera::protocol
