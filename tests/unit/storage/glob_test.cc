#include "storage/glob.h"

#include <gtest/gtest.h>

#include <string>

namespace tessera::storage {
namespace {

TEST(Glob, Basics) {
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_TRUE(GlobMatch("h?llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h?llo", "hllo"));
  EXPECT_TRUE(GlobMatch("h*llo", "hllo"));
  EXPECT_TRUE(GlobMatch("h*llo", "heeeello"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hello"));
  EXPECT_FALSE(GlobMatch("h[ae]llo", "hillo"));
  EXPECT_TRUE(GlobMatch("h[^e]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_FALSE(GlobMatch("h[a-b]llo", "hcllo"));
  EXPECT_TRUE(GlobMatch("user:*:name", "user:42:name"));
  EXPECT_FALSE(GlobMatch("user:*:name", "user:42:age"));
  EXPECT_TRUE(GlobMatch("a**b", "ab"));
  EXPECT_TRUE(GlobMatch("*b*", "abc"));
  EXPECT_FALSE(GlobMatch("abc", "abcd"));
  EXPECT_FALSE(GlobMatch("abcd", "abc"));
}

TEST(Glob, EmptyStringNeverMatches) {
  // stringmatchlen's loop never runs for an empty string; KEYS special-cases "*" instead.
  EXPECT_FALSE(GlobMatch("*", ""));
  EXPECT_FALSE(GlobMatch("", "a"));
  EXPECT_TRUE(GlobMatch("", ""));
}

TEST(Glob, Escapes) {
  EXPECT_TRUE(GlobMatch("a\\*b", "a*b"));
  EXPECT_FALSE(GlobMatch("a\\*b", "axb"));
  EXPECT_TRUE(GlobMatch("a\\?", "a?"));
  EXPECT_FALSE(GlobMatch("a\\?", "ab"));
  // A trailing backslash is a literal backslash.
  EXPECT_TRUE(GlobMatch("a\\", "a\\"));
  EXPECT_TRUE(GlobMatch("[\\]]", "]"));
  EXPECT_TRUE(GlobMatch("[\\-]", "-"));
  EXPECT_FALSE(GlobMatch("[\\-]", "\\"));
}

TEST(Glob, RangesAndClassQuirks) {
  // Reversed range ends are swapped.
  EXPECT_TRUE(GlobMatch("[z-a]", "m"));
  // Unterminated class: the rest of the pattern is the class.
  EXPECT_TRUE(GlobMatch("[abc", "b"));
  EXPECT_FALSE(GlobMatch("[abc", "d"));
  EXPECT_FALSE(GlobMatch("[", "a"));
  EXPECT_TRUE(GlobMatch("[^", "a"));
  // "[a-]" is the range ']'..'a' and the class then runs to the end of the pattern.
  EXPECT_TRUE(GlobMatch("[a-]", "^"));
  EXPECT_TRUE(GlobMatch("[a-]", "a"));
  EXPECT_FALSE(GlobMatch("[a-]", "-"));
  EXPECT_FALSE(GlobMatch("[a-]x", "ax"));  // the 'x' was swallowed into the class
  // "[]" closes at once: an empty class, which matches nothing.
  EXPECT_FALSE(GlobMatch("[]a]", "a"));
  EXPECT_FALSE(GlobMatch("[]", "a"));
  EXPECT_TRUE(GlobMatch("[^]", "a"));
}

TEST(Glob, NoCase) {
  EXPECT_TRUE(GlobMatch("HeLLo", "hello", true));
  EXPECT_FALSE(GlobMatch("HeLLo", "hello", false));
  EXPECT_TRUE(GlobMatch("[A-C]x", "bX", true));
  EXPECT_TRUE(GlobMatch("[abc]", "B", true));
  EXPECT_TRUE(GlobMatch("h?L*", "HELLO", true));
  // Escaped bytes in a class compare exactly even with nocase.
  EXPECT_FALSE(GlobMatch("[\\A]", "a", true));
  EXPECT_TRUE(GlobMatch("[A]", "a", true));
  // Nocase folds high bytes the way glibc's tolower does (c + 256), which moves range ends:
  // '[z-\x80]' becomes 122..128 and no longer contains ']'.
  EXPECT_FALSE(GlobMatch("[z-\x80]", "]", true));
  EXPECT_TRUE(GlobMatch("[z-\x80]", "]", false));
}

TEST(Glob, BinarySafe) {
  std::string key("a\0b", 3);
  EXPECT_TRUE(GlobMatch("a?b", key));
  EXPECT_TRUE(GlobMatch(std::string_view("a\0*", 3), key));
  EXPECT_FALSE(GlobMatch("a", key));
  // High bytes compare as signed chars inside ranges, like Redis on x86-64.
  EXPECT_TRUE(GlobMatch("[\x80-\xff]", "\x90"));
  EXPECT_FALSE(GlobMatch("[a-z]", "\xe9"));
}

TEST(Glob, PathologicalPatternsFinishQuickly) {
  // Exponential without the "stop trying longer matches" cut.
  std::string s(200, 'a');
  std::string p;
  for (int i = 0; i < 30; ++i) p += "a*";
  p += "b";
  EXPECT_FALSE(GlobMatch(p, s));
  // Thousands of separate stars: bounded recursion, no stack overflow.
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "*a";
  EXPECT_FALSE(GlobMatch(many, std::string(6000, 'a')));
}

}  // namespace
}  // namespace tessera::storage
