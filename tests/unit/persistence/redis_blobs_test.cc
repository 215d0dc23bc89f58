#include "src/persistence/redis_blobs.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "storage/listpack.h"
#include "storage/numbers.h"

namespace tessera::persistence {
namespace {

std::vector<std::string> Texts(const std::vector<PackedItem>& items) {
  std::vector<std::string> out;
  for (const PackedItem& i : items) out.push_back(i.ToString());
  return out;
}

// Integers at every listpack width boundary and strings at every length-encoding and
// back-length boundary.
std::vector<std::string> BoundaryValues() {
  std::vector<std::string> v;
  const int64_t ints[] = {0,
                          1,
                          127,
                          128,
                          -1,
                          -4096,
                          4095,
                          4096,
                          -4097,
                          32767,
                          32768,
                          -32768,
                          -32769,
                          8388607,
                          8388608,
                          -8388608,
                          -8388609,
                          std::numeric_limits<int32_t>::max(),
                          int64_t{std::numeric_limits<int32_t>::max()} + 1,
                          std::numeric_limits<int32_t>::min(),
                          int64_t{std::numeric_limits<int32_t>::min()} - 1,
                          std::numeric_limits<int64_t>::max(),
                          std::numeric_limits<int64_t>::min()};
  for (int64_t i : ints) v.push_back(storage::Int64ToString(i));
  for (size_t len : {0, 1, 63, 64, 125, 126, 127, 128, 4095, 4096, 16380, 16383, 70000}) {
    v.push_back(std::string(len, 'x'));
  }
  v.push_back("007");  // not canonical: a string
  v.push_back("-0");   // not canonical: a string
  v.push_back("1.5");
  v.push_back("9223372036854775808");  // out of int64 range: a string
  return v;
}

TEST(RedisListpackTest, RoundTripAtEveryBoundary) {
  const std::vector<std::string> values = BoundaryValues();
  RedisListpackBuilder b;
  for (const std::string& s : values) b.Append(s);
  EXPECT_EQ(b.count(), values.size());
  const std::string blob = b.Finish();
  std::vector<PackedItem> items;
  std::string error;
  ASSERT_TRUE(DecodeRedisListpack(blob, &items, &error)) << error;
  EXPECT_EQ(Texts(items), values);
  // Canonical integers come back as integers, everything else as strings.
  EXPECT_TRUE(items[0].is_int);
  EXPECT_FALSE(items[values.size() - 4].is_int);  // "007"

  // Storage's listpack writes the same entries, so its Redis blob is byte-identical.
  storage::Listpack lp;
  for (const std::string& s : values) lp.PushBack(s);
  EXPECT_EQ(lp.ToRedisBlob(), blob);
}

TEST(RedisListpackTest, KnownBytes) {
  RedisListpackBuilder b;
  b.AppendInt(-1);
  b.AppendString("ab");
  const std::string blob = b.Finish();
  // 6-byte header, 13-bit int (C0|1F, FF, backlen 2), str6 (82 'a' 'b', backlen 3), FF.
  EXPECT_EQ(blob, std::string("\x0e\x00\x00\x00\x02\x00"
                              "\xdf\xff\x02"
                              "\x82"
                              "ab"
                              "\x03"
                              "\xff",
                              14));
  EXPECT_EQ(RedisListpackBuilder().Finish(), std::string("\x07\x00\x00\x00\x00\x00\xff", 7));
}

TEST(RedisListpackTest, UnknownCountIsCounted) {
  RedisListpackBuilder b;
  for (int i = 0; i < 70000; ++i) b.AppendInt(i % 100);
  const std::string blob = b.Finish();
  EXPECT_EQ(static_cast<unsigned char>(blob[4]), 0xff);
  EXPECT_EQ(static_cast<unsigned char>(blob[5]), 0xff);
  std::vector<PackedItem> items;
  std::string error;
  ASSERT_TRUE(DecodeRedisListpack(blob, &items, &error)) << error;
  EXPECT_EQ(items.size(), 70000u);
}

TEST(RedisListpackTest, RejectsCorruption) {
  RedisListpackBuilder b;
  for (const std::string& s : BoundaryValues()) {
    if (s.size() < 200) b.Append(s);
  }
  const std::string blob = b.Finish();
  std::vector<PackedItem> items;
  std::string error;
  // Every truncation fails (the total-bytes header no longer matches).
  for (size_t n = 0; n < blob.size(); ++n) {
    items.clear();
    EXPECT_FALSE(DecodeRedisListpack(blob.substr(0, n), &items, &error)) << n;
  }
  // A wrong count header.
  std::string bad = blob;
  bad[4] = static_cast<char>(bad[4] + 1);
  EXPECT_FALSE(DecodeRedisListpack(bad, &items, &error));
  // Random flips never crash (ASan checks the bounds). Flips inside string bytes are not
  // detectable, so only structural damage is expected to be caught.
  std::mt19937_64 rng(1);
  int caught = 0;
  for (int i = 0; i < 5000; ++i) {
    bad = blob;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k) {
      bad[rng() % bad.size()] ^= static_cast<char>(1 << (rng() % 8));
    }
    items.clear();
    if (!DecodeRedisListpack(bad, &items, &error)) ++caught;
  }
  EXPECT_GT(caught, 0);
}

TEST(RedisIntSetTest, RoundTripAtEveryWidth) {
  const std::vector<std::vector<int64_t>> sets = {
      {},
      {-32768, 0, 32767},
      {-32769, 5, 32768},
      {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()},
      {std::numeric_limits<int64_t>::min(), -1, std::numeric_limits<int64_t>::max()},
      {int64_t{std::numeric_limits<int32_t>::max()} + 1},
  };
  const size_t widths[] = {2, 2, 4, 4, 8, 8};
  for (size_t i = 0; i < sets.size(); ++i) {
    const std::string blob = EncodeRedisIntSet(sets[i]);
    EXPECT_EQ(static_cast<size_t>(blob[0]), widths[i]);
    EXPECT_EQ(blob.size(), 8 + sets[i].size() * widths[i]);
    std::vector<int64_t> back;
    std::string error;
    ASSERT_TRUE(DecodeRedisIntSet(blob, &back, &error)) << error;
    EXPECT_EQ(back, sets[i]);
  }
  // A minimum width is honoured (Redis never narrows an intset in memory).
  EXPECT_EQ(EncodeRedisIntSet({1, 2}, 8).size(), 8u + 16u);
  EXPECT_EQ(EncodeRedisIntSet({1, 2}), std::string("\x02\x00\x00\x00\x02\x00\x00\x00"
                                                   "\x01\x00\x02\x00",
                                                   12));
}

TEST(RedisIntSetTest, RejectsCorruption) {
  std::vector<int64_t> out;
  std::string error;
  EXPECT_FALSE(DecodeRedisIntSet("", &out, &error));
  EXPECT_FALSE(DecodeRedisIntSet(std::string("\x03\x00\x00\x00\x00\x00\x00\x00", 8), &out, &error));
  // Length says 2, one element present.
  EXPECT_FALSE(
      DecodeRedisIntSet(std::string("\x02\x00\x00\x00\x02\x00\x00\x00\x01\x00", 10), &out, &error));
  // Not ascending / duplicates.
  EXPECT_FALSE(DecodeRedisIntSet(
      std::string("\x02\x00\x00\x00\x02\x00\x00\x00\x02\x00\x01\x00", 12), &out, &error));
  EXPECT_FALSE(DecodeRedisIntSet(
      std::string("\x02\x00\x00\x00\x02\x00\x00\x00\x01\x00\x01\x00", 12), &out, &error));
  // A huge length on a tiny blob.
  EXPECT_FALSE(DecodeRedisIntSet(std::string("\x08\x00\x00\x00\xff\xff\xff\xff", 8), &out, &error));
}

TEST(RedisZiplistTest, DecodesHandBuiltZiplist) {
  // zlbytes 21, zltail 16, zllen 3; "ab" (str6), 5 (4-bit immediate F6), 1000 (int16 C0), end.
  const std::string zl(
      "\x15\x00\x00\x00\x10\x00\x00\x00\x03\x00"
      "\x00\x02"
      "ab"
      "\x04\xf6"
      "\x02\xc0\xe8\x03"
      "\xff",
      21);
  std::vector<PackedItem> items;
  std::string error;
  ASSERT_TRUE(DecodeRedisZiplist(zl, &items, &error)) << error;
  EXPECT_EQ(Texts(items), (std::vector<std::string>{"ab", "5", "1000"}));
  for (size_t n = 0; n < zl.size(); ++n) {
    items.clear();
    EXPECT_FALSE(DecodeRedisZiplist(zl.substr(0, n), &items, &error)) << n;
  }
  std::string bad = zl;
  bad[14] = '\x05';  // prevlen of the second entry no longer matches the first's size
  items.clear();
  EXPECT_FALSE(DecodeRedisZiplist(bad, &items, &error));
}

}  // namespace
}  // namespace tessera::persistence
