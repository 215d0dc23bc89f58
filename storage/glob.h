// Redis-exact glob matching (stringmatchlen): used by KEYS, SCAN MATCH, and pub/sub patterns.
//
//   *        any run of bytes, including none
//   ?        exactly one byte
//   [abc]    one of the listed bytes; [^abc] none of them; [a-z] a range (ends may be given in
//            either order); \x inside a class is a literal x
//   \x       literal x
//
// Quirks kept on purpose because clients see them: an unterminated '[' class runs to the end of
// the pattern; a range whose end is ']' swallows that ']' ("[a-]" is the range ']'..'a' and the
// class continues); an empty string never matches, not even "*" (KEYS/SCAN special-case a lone
// "*" before calling this); with nocase, ASCII letters fold but an escaped byte inside a class
// still compares exactly. Bytes compare as signed chars in ranges, as Redis does on x86-64.
//
// A pattern with more than 1000 separate stars matches nothing (stack guard).
// Runs in polynomial time: after a '*' fails to place the rest of the pattern anywhere, earlier
// stars stop trying longer matches (Redis's fix for exponential patterns like "a*a*a*a*b").
// Pure function; any thread.
#pragma once

#include <string_view>

namespace tessera::storage {

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

}  // namespace tessera::storage
