#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "src/persistence/crc64.h"
#include "src/persistence/lzf.h"

namespace tessera::persistence {
namespace {

TEST(Crc64Test, CheckValue) {
  EXPECT_EQ(Crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
  EXPECT_EQ(Crc64(0, "", 0), 0u);
}

TEST(Crc64Test, IncrementalEqualsWhole) {
  std::mt19937_64 rng(7);
  std::string data(10000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  const uint64_t whole = Crc64(0, data.data(), data.size());
  // Every split point around the 8-byte slicing boundaries, and uneven pieces.
  for (size_t cut : {0, 1, 3, 7, 8, 9, 15, 16, 17, 4999, 9999, 10000}) {
    const uint64_t a = Crc64(0, data.data(), cut);
    EXPECT_EQ(Crc64(a, data.data() + cut, data.size() - cut), whole) << cut;
  }
  uint64_t crc = 0;
  for (size_t i = 0; i < data.size(); i += 13) {
    crc = Crc64(crc, data.data() + i, std::min<size_t>(13, data.size() - i));
  }
  EXPECT_EQ(crc, whole);
}

std::string Compress(const std::string& in, size_t cap) {
  std::string out(cap, '\0');
  const size_t n = LzfCompress(in.data(), in.size(), out.data(), out.size());
  out.resize(n);
  return out;
}

std::string Decompress(const std::string& in, size_t n, bool* ok) {
  std::string out(n, '\0');
  *ok = LzfDecompress(in.data(), in.size(), out.data(), n);
  return out;
}

TEST(LzfTest, KnownVectors) {
  bool ok;
  // Derived from the format: a 1-byte literal "a" (control 0), then a back reference with
  // len code 7 + 0 extra (9 bytes) at distance 1 (offset byte 0): ten 'a's.
  EXPECT_EQ(Decompress(std::string("\x00"
                                   "a"
                                   "\xe0\x00\x00",
                                   5),
                       10, &ok),
            std::string(10, 'a'));
  EXPECT_TRUE(ok);
  // What redis-server 7.0 wrote for SET b <38 x 'a'>: "aa", a 34-byte reference (7 + 25 + 2)
  // at distance 1, then "aa".
  const std::string redis(
      "\x01"
      "aa"
      "\xe0\x19\x00"
      "\x01"
      "aa",
      9);
  EXPECT_EQ(Decompress(redis, 38, &ok), std::string(38, 'a'));
  EXPECT_TRUE(ok);
  // A literal run with a short reference: "abcabcabc" = literal "abc" + 6 bytes from 3 back.
  EXPECT_EQ(Decompress(std::string("\x02"
                                   "abc"
                                   "\x80\x02",
                                   6),
                       9, &ok),
            "abcabcabc");
  EXPECT_TRUE(ok);
}

TEST(LzfTest, RejectsMalformed) {
  bool ok;
  // Reference before the start of the output.
  Decompress(std::string("\x00"
                         "a"
                         "\xe0\x00\x05",
                         5),
             10, &ok);
  EXPECT_FALSE(ok);
  // Literal past the end of the input.
  Decompress(std::string("\x05"
                         "ab",
                         3),
             6, &ok);
  EXPECT_FALSE(ok);
  // Output longer or shorter than announced.
  Decompress(std::string("\x00"
                         "a"
                         "\xe0\x00\x00",
                         5),
             9, &ok);
  EXPECT_FALSE(ok);
  Decompress(std::string("\x00"
                         "a"
                         "\xe0\x00\x00",
                         5),
             11, &ok);
  EXPECT_FALSE(ok);
  // Truncated reference.
  Decompress(std::string("\x00"
                         "a"
                         "\xe0",
                         3),
             10, &ok);
  EXPECT_FALSE(ok);
}

TEST(LzfTest, RoundTripVariedData) {
  std::mt19937_64 rng(42);
  std::vector<std::string> inputs = {
      "x",
      std::string(21, 'a'),
      std::string(100000, 'z'),
      "hello hello hello hello hello world world world world",
  };
  for (int i = 0; i < 200; ++i) {
    const size_t n = rng() % 20000 + 1;
    const int alphabet = 1 + static_cast<int>(rng() % 255);
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>('A' + rng() % alphabet);
    inputs.push_back(std::move(s));
  }
  // Text with long-distance repeats (beyond the 8 KiB window too).
  std::string text;
  while (text.size() < 50000) text += "key:" + std::to_string(rng() % 1000) + " value ";
  inputs.push_back(text);

  for (const std::string& in : inputs) {
    // With plenty of room, compression never fails; the result must decompress exactly.
    const std::string packed = Compress(in, in.size() + in.size() / 16 + 64);
    ASSERT_GT(packed.size(), 0u);
    bool ok;
    EXPECT_EQ(Decompress(packed, in.size(), &ok), in);
    EXPECT_TRUE(ok);
    // A capacity smaller than the compressed size reports failure instead of overflowing.
    if (packed.size() > 1) {
      EXPECT_EQ(Compress(in, packed.size() - 1).size(), 0u);
    }
  }
  // Repetitive data shrinks to about 3 bytes per 264-byte reference.
  EXPECT_LT(Compress(std::string(100000, 'z'), 100000).size(), 1200u);
}

TEST(LzfTest, RandomInputNeverOverflows) {
  std::mt19937_64 rng(3);
  std::string out(4096, '\0');
  for (int i = 0; i < 2000; ++i) {
    std::string in(rng() % 64, '\0');
    for (char& c : in) c = static_cast<char>(rng());
    LzfDecompress(in.data(), in.size(), out.data(), rng() % out.size());
  }
}

}  // namespace
}  // namespace tessera::persistence
