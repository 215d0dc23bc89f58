#include "storage/glob.h"

#include <utility>

namespace tessera::storage {
namespace {

// Redis calls tolower() on (signed) chars. glibc's C-locale tolower maps ASCII capitals down,
// leaves -1 (EOF) alone and maps other negative values to c + 256 — which matters for nocase
// ranges over high bytes, so it is reproduced here exactly.
int FoldLikeTolower(int c) {
  if (c >= 'A' && c <= 'Z') return c + ('a' - 'A');
  if (c < 0 && c != -1) return c + 256;
  return c;
}

// The matcher walks (pattern, plen) and (str, slen) like Redis's C code, which relies on the
// pattern being NUL-terminated: reads one past the end see '\0'. PatAt reproduces that.
class Matcher {
 public:
  Matcher(const char* pattern_end, bool nocase) : pattern_end_(pattern_end), nocase_(nocase) {}

  bool Match(const char* p, long plen, const char* s, long slen, int depth = 0) {
    // Each non-adjacent '*' recurses once; a hostile pattern of thousands of stars must not
    // exhaust the stack (later Redis releases cap this the same way).
    if (depth > kMaxStarDepth) return false;
    while (plen > 0 && slen > 0) {
      switch (PatAt(p, 0)) {
        case '*': {
          while (plen > 0 && PatAt(p, 1) == '*') {
            ++p;
            --plen;
          }
          if (plen == 1) return true;
          while (slen > 0) {
            if (Match(p + 1, plen - 1, s, slen, depth + 1)) return true;
            if (give_up_longer_) return false;
            ++s;
            --slen;
          }
          // The rest of the pattern matches at no position of the remaining string, so no
          // earlier star can help by consuming more: tell them to stop.
          give_up_longer_ = true;
          return false;
        }
        case '?':
          ++s;
          --slen;
          break;
        case '[': {
          ++p;
          --plen;
          bool negate = PatAt(p, 0) == '^';
          if (negate) {
            ++p;
            --plen;
          }
          bool matched = false;
          const int c = static_cast<signed char>(s[0]);
          while (true) {
            if (PatAt(p, 0) == '\\' && plen >= 2) {
              ++p;
              --plen;
              if (PatAt(p, 0) == s[0]) matched = true;
            } else if (PatAt(p, 0) == ']') {
              break;
            } else if (plen == 0) {
              // Unterminated class: step back so the shared advance below ends the pattern.
              --p;
              ++plen;
              break;
            } else if (plen >= 3 && PatAt(p, 1) == '-') {
              int lo = static_cast<signed char>(PatAt(p, 0));
              int hi = static_cast<signed char>(PatAt(p, 2));
              if (lo > hi) std::swap(lo, hi);
              int cc = c;
              if (nocase_) {
                lo = FoldLikeTolower(lo);
                hi = FoldLikeTolower(hi);
                cc = FoldLikeTolower(cc);
              }
              p += 2;
              plen -= 2;
              if (cc >= lo && cc <= hi) matched = true;
            } else if (nocase_) {
              if (FoldLikeTolower(static_cast<signed char>(PatAt(p, 0))) == FoldLikeTolower(c))
                matched = true;
            } else if (PatAt(p, 0) == s[0]) {
              matched = true;
            }
            ++p;
            --plen;
          }
          if (negate) matched = !matched;
          if (!matched) return false;
          ++s;
          --slen;
          break;
        }
        case '\\':
          if (plen >= 2) {
            ++p;
            --plen;
          }
          [[fallthrough]];
        default:
          if (nocase_) {
            if (FoldLikeTolower(static_cast<signed char>(PatAt(p, 0))) !=
                FoldLikeTolower(static_cast<signed char>(s[0]))) {
              return false;
            }
          } else if (PatAt(p, 0) != s[0]) {
            return false;
          }
          ++s;
          --slen;
          break;
      }
      ++p;
      --plen;
      if (slen == 0) {
        while (plen > 0 && PatAt(p, 0) == '*') {
          ++p;
          --plen;
        }
        break;
      }
    }
    return plen == 0 && slen == 0;
  }

 private:
  static constexpr int kMaxStarDepth = 1000;

  char PatAt(const char* p, long offset) const {
    const char* q = p + offset;
    return q < pattern_end_ ? *q : '\0';
  }

  const char* pattern_end_;
  bool nocase_;
  bool give_up_longer_ = false;
};

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  Matcher m(pattern.data() + pattern.size(), nocase);
  return m.Match(pattern.data(), static_cast<long>(pattern.size()), str.data(),
                 static_cast<long>(str.size()));
}

}  // namespace tessera::storage
