#include "storage/zset_value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "storage/encoding_limits.h"

namespace tessera::storage {
namespace {

// Restores the process-wide limits a test changes.
class ZSetValueTest : public ::testing::Test {
 protected:
  void TearDown() override {
    GlobalEncodingLimits().zset_max_listpack_entries = 128;
    GlobalEncodingLimits().zset_max_listpack_value = 64;
  }
  static void SetLimits(int64_t entries, int64_t value) {
    GlobalEncodingLimits().zset_max_listpack_entries = entries;
    GlobalEncodingLimits().zset_max_listpack_value = value;
  }
  static std::string Dump(const ZSetValue& z) {
    std::string out;
    for (ZSetValue::Iterator it = z.Begin(); it.Valid(); it.Next()) {
      out += std::string(it.member()) + "=" + std::to_string(it.score()) + " ";
    }
    return out;
  }
  static std::string DumpBackwards(const ZSetValue& z) {
    std::string out;
    for (ZSetValue::Iterator it = z.Last(); it.Valid(); it.Prev()) {
      out += std::string(it.member()) + "=" + std::to_string(it.score()) + " ";
    }
    return out;
  }
};

// The same behaviour in both encodings.
class ZSetBothEncodingsTest : public ZSetValueTest, public ::testing::WithParamInterface<bool> {
 protected:
  std::unique_ptr<ZSetValue> Make() {
    auto z = ZSetValue::Create(1);
    if (GetParam()) z->ConvertToSkipList();
    return z;
  }
};

TEST_P(ZSetBothEncodingsTest, InsertScoreRankErase) {
  auto z = Make();
  z->Insert("c", 3);
  z->Insert("a", 1);
  z->Insert("b", 1);
  z->Insert("123", -2);  // packed as a listpack integer
  z->Insert("big", 1e300);
  EXPECT_EQ(z->size(), 5u);
  EXPECT_EQ(Dump(*z),
            "123=-2.000000 a=1.000000 b=1.000000 c=3.000000 big=" + std::to_string(1e300) + " ");
  double s;
  ASSERT_TRUE(z->Score("123", &s));
  EXPECT_EQ(s, -2);
  ASSERT_TRUE(z->Score("big", &s));
  EXPECT_EQ(s, 1e300);
  EXPECT_FALSE(z->Score("zz", &s));
  size_t rank;
  ASSERT_TRUE(z->Rank("b", &rank));
  EXPECT_EQ(rank, 2u);
  EXPECT_FALSE(z->Rank("zz", &rank));
  z->Update("a", 5);
  EXPECT_EQ(Dump(*z),
            "123=-2.000000 b=1.000000 c=3.000000 a=5.000000 big=" + std::to_string(1e300) + " ");
  EXPECT_TRUE(z->Erase("c"));
  EXPECT_FALSE(z->Erase("c"));
  EXPECT_EQ(z->EraseRanks(0, 1), 2u);
  EXPECT_EQ(Dump(*z), "a=5.000000 big=" + std::to_string(1e300) + " ");
  EXPECT_EQ(DumpBackwards(*z), "big=" + std::to_string(1e300) + " a=5.000000 ");
}

TEST_P(ZSetBothEncodingsTest, SpecialScoresRoundTrip) {
  auto z = Make();
  const double inf = std::numeric_limits<double>::infinity();
  z->Insert("pinf", inf);
  z->Insert("ninf", -inf);
  z->Insert("negzero", -0.0);
  z->Insert("tenth", 0.1);
  z->Insert("huge", 4503599627370496.0);
  double s;
  ASSERT_TRUE(z->Score("pinf", &s));
  EXPECT_EQ(s, inf);
  ASSERT_TRUE(z->Score("ninf", &s));
  EXPECT_EQ(s, -inf);
  ASSERT_TRUE(z->Score("negzero", &s));
  // Redis packs integral scores as integers, so -0 comes back as 0 from a listpack only.
  EXPECT_EQ(s, 0);
  EXPECT_EQ(std::signbit(s), !z->packed());
  ASSERT_TRUE(z->Score("tenth", &s));
  EXPECT_EQ(s, 0.1);
  ASSERT_TRUE(z->Score("huge", &s));
  EXPECT_EQ(s, 4503599627370496.0);
  EXPECT_EQ(z->Begin().member(), "ninf");
  EXPECT_EQ(z->Last().member(), "pinf");
}

TEST_P(ZSetBothEncodingsTest, CountPrefixAndAt) {
  auto z = Make();
  for (int i = 0; i < 20; ++i) z->Insert("m" + std::to_string(100 + i), i);
  EXPECT_EQ(z->CountPrefix([](double score, std::string_view) { return score < 5; }), 5u);
  EXPECT_EQ(z->CountPrefix([](double, std::string_view m) { return m < "m110"; }), 10u);
  EXPECT_EQ(z->At(7).member(), "m107");
  EXPECT_FALSE(z->At(20).Valid());
  ZSetValue::Iterator it = z->At(0);
  it.Prev();
  EXPECT_FALSE(it.Valid());
}

TEST_P(ZSetBothEncodingsTest, CloneIsDeep) {
  auto z = Make();
  z->Insert("a", 1);
  std::unique_ptr<StoredObject> copy = z->Clone();
  z->Insert("b", 2);
  auto* c = static_cast<ZSetValue*>(copy.get());
  EXPECT_EQ(c->size(), 1u);
  EXPECT_STREQ(c->EncodingName(), z->EncodingName());
  EXPECT_GT(c->MemoryUsage(), 0u);
}

TEST_P(ZSetBothEncodingsTest, ScanReturnsEverything) {
  auto z = Make();
  for (int i = 0; i < 100; ++i) z->Insert("m" + std::to_string(i), i);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    std::vector<ScoredMember> out;
    cursor = z->Scan(cursor, 10, &out);
    for (const ScoredMember& m : out) {
      EXPECT_EQ(m.score, std::stod(m.member.substr(1)));
      seen.insert(m.member);
    }
    ++calls;
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 100u);
  if (z->packed()) {
    EXPECT_EQ(calls, 1);
  }
}

INSTANTIATE_TEST_SUITE_P(Encodings, ZSetBothEncodingsTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "SkipList" : "Listpack"; });

TEST_F(ZSetValueTest, ConvertsExactlyPastEntriesLimit) {
  SetLimits(4, 64);
  auto z = ZSetValue::Create(1);
  for (int i = 0; i < 4; ++i) z->Insert("m" + std::to_string(i), i);
  EXPECT_STREQ(z->EncodingName(), "listpack");
  z->Insert("m4", 4);
  EXPECT_STREQ(z->EncodingName(), "skiplist");
  EXPECT_EQ(z->size(), 5u);
  // Never back, even when it shrinks.
  z->EraseRanks(0, 3);
  EXPECT_STREQ(z->EncodingName(), "skiplist");
}

TEST_F(ZSetValueTest, ConvertsExactlyPastValueLimit) {
  SetLimits(128, 5);
  auto z = ZSetValue::Create(5);
  z->Insert("12345", 1);
  EXPECT_STREQ(z->EncodingName(), "listpack");
  z->Insert("123456", 2);
  EXPECT_STREQ(z->EncodingName(), "skiplist");
  EXPECT_EQ(Dump(*z), "12345=1.000000 123456=2.000000 ");
}

TEST_F(ZSetValueTest, CreatePicksEncodingLikeRedis) {
  SetLimits(128, 5);
  EXPECT_STREQ(ZSetValue::Create(5)->EncodingName(), "listpack");
  EXPECT_STREQ(ZSetValue::Create(6)->EncodingName(), "skiplist");
  SetLimits(0, 64);
  EXPECT_STREQ(ZSetValue::Create(1)->EncodingName(), "skiplist");
}

TEST_F(ZSetValueTest, StoredResultsPackWhenTheyFit) {
  SetLimits(3, 4);
  std::vector<ScoredMember> three = {{"a", 1}, {"b", 2}, {"c", 3}};
  EXPECT_STREQ(ZSetValue::FromSorted(three)->EncodingName(), "listpack");
  std::vector<ScoredMember> four = {{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}};
  EXPECT_STREQ(ZSetValue::FromSorted(four)->EncodingName(), "skiplist");
  std::vector<ScoredMember> long_member = {{"abcde", 1}};
  EXPECT_STREQ(ZSetValue::FromSorted(long_member)->EncodingName(), "skiplist");

  auto z = ZSetValue::FromSorted(four);
  z->Erase("d");
  z->ConvertToPackedIfFits();
  EXPECT_STREQ(z->EncodingName(), "listpack");
  EXPECT_EQ(Dump(*z), "a=1.000000 b=2.000000 c=3.000000 ");
}

}  // namespace
}  // namespace tessera::storage
