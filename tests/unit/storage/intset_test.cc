#include "storage/intset.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <vector>

namespace tessera::storage {
namespace {

// An intset in a buffer large enough for every test.
class IntSetTest : public ::testing::Test {
 protected:
  void SetUp() override { IntSet::Init(buf_.data()); }

  IntSet set() { return IntSet(buf_.data()); }
  // Inserts after checking the region would be large enough, as an owner must.
  bool Insert(int64_t v) {
    EXPECT_LE(set().BytesAfterInsert(v), buf_.size());
    return set().Insert(v);
  }
  std::vector<int64_t> Elements() {
    std::vector<int64_t> out;
    for (size_t i = 0; i < set().size(); ++i) out.push_back(set().Get(i));
    return out;
  }

  std::vector<unsigned char> buf_ = std::vector<unsigned char>(64 * 1024);
};

TEST_F(IntSetTest, EmptySetStartsNarrow) {
  EXPECT_EQ(set().size(), 0u);
  EXPECT_EQ(set().width(), 2);
  EXPECT_EQ(set().bytes(), IntSet::kHeaderBytes);
  EXPECT_FALSE(set().Contains(0));
  size_t pos = 99;
  EXPECT_FALSE(set().Find(5, &pos));
  EXPECT_EQ(pos, 0u);
}

TEST_F(IntSetTest, KeepsElementsSortedAndDistinct) {
  for (int64_t v : {5, -3, 100, 0, 5, -3, 7}) Insert(v);
  EXPECT_EQ(Elements(), (std::vector<int64_t>{-3, 0, 5, 7, 100}));
  EXPECT_FALSE(set().Insert(7));
  EXPECT_EQ(set().size(), 5u);
  size_t pos;
  EXPECT_TRUE(set().Find(7, &pos));
  EXPECT_EQ(pos, 3u);
  EXPECT_FALSE(set().Find(6, &pos));
  EXPECT_EQ(pos, 3u);
  EXPECT_FALSE(set().Find(1000, &pos));
  EXPECT_EQ(pos, 5u);
}

TEST_F(IntSetTest, BytesAfterInsertAccountsForDuplicatesAndUpgrades) {
  Insert(1);
  Insert(2);
  EXPECT_EQ(set().BytesAfterInsert(1), IntSet::kHeaderBytes + 2 * 2);
  EXPECT_EQ(set().BytesAfterInsert(3), IntSet::kHeaderBytes + 3 * 2);
  EXPECT_EQ(set().BytesAfterInsert(INT16_MAX + 1), IntSet::kHeaderBytes + 3 * 4);
  EXPECT_EQ(set().BytesAfterInsert(INT32_MIN - int64_t{1}), IntSet::kHeaderBytes + 3 * 8);
}

TEST_F(IntSetTest, UpgradesFrom16To32To64Bits) {
  Insert(INT16_MIN);
  Insert(INT16_MAX);
  Insert(0);
  EXPECT_EQ(set().width(), 2);
  // A value past int16 at the top end: every element re-encoded, the new one appended.
  Insert(INT16_MAX + 1);
  EXPECT_EQ(set().width(), 4);
  EXPECT_EQ(Elements(), (std::vector<int64_t>{INT16_MIN, 0, INT16_MAX, INT16_MAX + 1}));
  // Past int32 at the bottom end: prepended.
  Insert(INT32_MIN - int64_t{1});
  EXPECT_EQ(set().width(), 8);
  EXPECT_EQ(Elements(),
            (std::vector<int64_t>{INT32_MIN - int64_t{1}, INT16_MIN, 0, INT16_MAX, INT16_MAX + 1}));
  Insert(INT64_MAX);
  Insert(INT64_MIN);
  EXPECT_EQ(set().Get(0), INT64_MIN);
  EXPECT_EQ(set().Get(set().size() - 1), INT64_MAX);
  EXPECT_EQ(set().bytes(), IntSet::kHeaderBytes + 7 * 8);
}

TEST_F(IntSetTest, UpgradeStraightFrom16To64Bits) {
  Insert(-1);
  Insert(1);
  Insert(int64_t{1} << 40);
  EXPECT_EQ(set().width(), 8);
  EXPECT_EQ(Elements(), (std::vector<int64_t>{-1, 1, int64_t{1} << 40}));
}

TEST_F(IntSetTest, EraseKeepsTheWidth) {
  Insert(1);
  Insert(1 << 20);
  ASSERT_EQ(set().width(), 4);
  EXPECT_TRUE(set().Erase(1 << 20));
  EXPECT_FALSE(set().Erase(1 << 20));
  EXPECT_FALSE(set().Erase(int64_t{1} << 40));  // wider than any element: surely absent
  EXPECT_EQ(set().width(), 4);
  EXPECT_EQ(Elements(), (std::vector<int64_t>{1}));
  set().EraseAt(0);
  EXPECT_TRUE(set().empty());
}

TEST_F(IntSetTest, WidthFor) {
  EXPECT_EQ(IntSet::WidthFor(0), 2);
  EXPECT_EQ(IntSet::WidthFor(INT16_MIN), 2);
  EXPECT_EQ(IntSet::WidthFor(INT16_MAX + 1), 4);
  EXPECT_EQ(IntSet::WidthFor(INT16_MIN - 1), 4);
  EXPECT_EQ(IntSet::WidthFor(INT32_MAX), 4);
  EXPECT_EQ(IntSet::WidthFor(INT32_MAX + int64_t{1}), 8);
  EXPECT_EQ(IntSet::WidthFor(INT64_MIN), 8);
}

TEST_F(IntSetTest, CopyToReproducesTheSet) {
  for (int64_t v : {3, 1, 70000, -2}) Insert(v);
  std::vector<unsigned char> other(set().bytes());
  set().CopyTo(other.data());
  IntSet copy(other.data());
  EXPECT_EQ(copy.size(), 4u);
  EXPECT_EQ(copy.width(), 4);
  EXPECT_EQ(copy.Get(0), -2);
  EXPECT_EQ(copy.Get(3), 70000);
}

TEST_F(IntSetTest, MatchesAnOrderedSetUnderRandomOperations) {
  std::mt19937_64 rng(42);
  std::set<int64_t> model;
  const int64_t ranges[] = {100, 40000, int64_t{1} << 40};
  for (int i = 0; i < 3000; ++i) {
    const int64_t range = ranges[(i / 1000) % 3];
    const int64_t v = static_cast<int64_t>(rng() % (2 * range)) - range;
    if (rng() % 3 == 0) {
      EXPECT_EQ(set().Erase(v), model.erase(v) == 1);
    } else {
      EXPECT_EQ(Insert(v), model.insert(v).second);
    }
  }
  EXPECT_EQ(Elements(), std::vector<int64_t>(model.begin(), model.end()));
  for (int64_t v : model) EXPECT_TRUE(set().Contains(v));
}

}  // namespace
}  // namespace tessera::storage
