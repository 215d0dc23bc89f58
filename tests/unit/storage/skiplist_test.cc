#include "storage/skiplist.h"

#include <gtest/gtest.h>

#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tessera::storage {
namespace {

using Element = std::pair<double, std::string>;  // (score, member): the order Redis uses

std::vector<Element> Walk(const SkipList& list) {
  std::vector<Element> out;
  for (const SkipList::Node* n = list.first(); n != nullptr; n = n->next()) {
    out.emplace_back(n->score(), std::string(n->member()));
  }
  return out;
}

std::vector<Element> WalkBackwards(const SkipList& list) {
  std::vector<Element> out;
  for (const SkipList::Node* n = list.last(); n != nullptr; n = n->prev()) {
    out.emplace_back(n->score(), std::string(n->member()));
  }
  return out;
}

TEST(SkipListTest, OrdersByScoreThenMemberBytes) {
  SkipList list;
  list.Insert("b", 1);
  list.Insert("a", 2);
  list.Insert("a\xff", 1);
  list.Insert("", 1);
  list.Insert("ab", 1);
  list.Insert("neg", -1.5);
  // Bytes compare unsigned, so "a\xff" sorts after "ab" (0xff > 'b') and before "b".
  const std::vector<Element> want = {{-1.5, "neg"}, {1, ""},  {1, "ab"},
                                     {1, "a\xff"},  {1, "b"}, {2, "a"}};
  EXPECT_EQ(Walk(list), want);
}

TEST(SkipListTest, FindRankAndAtRank) {
  SkipList list;
  for (int i = 0; i < 200; ++i) list.Insert("m" + std::to_string(i), i / 2);
  ASSERT_EQ(list.size(), 200u);
  for (size_t r = 0; r < list.size(); ++r) {
    const SkipList::Node* n = list.AtRank(r);
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(list.Rank(n), r);
    EXPECT_EQ(list.Find(n->member()), n);
  }
  EXPECT_EQ(list.AtRank(200), nullptr);
  EXPECT_EQ(list.Find("nope"), nullptr);
  EXPECT_EQ(list.first()->member(), "m0");
  EXPECT_EQ(list.last()->member(), "m199");
}

TEST(SkipListTest, CountPrefixFindsRangeBounds) {
  SkipList list;
  for (int i = 0; i < 100; ++i) list.Insert("m" + std::to_string(i), i);
  EXPECT_EQ(list.CountPrefix([](const SkipList::Node& n) { return n.score() < 10; }), 10u);
  EXPECT_EQ(list.CountPrefix([](const SkipList::Node& n) { return n.score() <= 10; }), 11u);
  EXPECT_EQ(list.CountPrefix([](const SkipList::Node&) { return true; }), 100u);
  EXPECT_EQ(list.CountPrefix([](const SkipList::Node&) { return false; }), 0u);
}

TEST(SkipListTest, UpdateScoreMovesOnlyWhenOrderChanges) {
  SkipList list;
  list.Insert("a", 1);
  list.Insert("b", 2);
  list.Insert("c", 3);
  SkipList::Node* b = list.Find("b");
  EXPECT_EQ(list.UpdateScore(b, 2.5), b);
  EXPECT_EQ(Walk(list), (std::vector<Element>{{1, "a"}, {2.5, "b"}, {3, "c"}}));
  list.UpdateScore(b, 10);
  EXPECT_EQ(Walk(list), (std::vector<Element>{{1, "a"}, {3, "c"}, {10, "b"}}));
  EXPECT_EQ(WalkBackwards(list), (std::vector<Element>{{10, "b"}, {3, "c"}, {1, "a"}}));
  // Equal to a neighbour's score: the member decides, so it must be relinked.
  list.UpdateScore(list.Find("a"), 3);
  EXPECT_EQ(Walk(list), (std::vector<Element>{{3, "a"}, {3, "c"}, {10, "b"}}));
  list.UpdateScore(list.Find("c"), 3);
  list.UpdateScore(list.Find("b"), -1);
  EXPECT_EQ(Walk(list), (std::vector<Element>{{-1, "b"}, {3, "a"}, {3, "c"}}));
  EXPECT_EQ(list.Rank(list.Find("c")), 2u);
}

TEST(SkipListTest, EraseRanksClampsAndKeepsIndex) {
  SkipList list;
  for (int i = 0; i < 50; ++i) list.Insert("m" + std::to_string(i), i);
  EXPECT_EQ(list.EraseRanks(10, 19), 10u);
  EXPECT_EQ(list.size(), 40u);
  EXPECT_EQ(list.Find("m10"), nullptr);
  EXPECT_NE(list.Find("m20"), nullptr);
  EXPECT_EQ(list.AtRank(10)->member(), "m20");
  EXPECT_EQ(list.EraseRanks(35, 1000), 5u);
  EXPECT_EQ(list.last()->member(), "m44");
  EXPECT_EQ(list.EraseRanks(40, 50), 0u);
  EXPECT_EQ(list.EraseRanks(5, 4), 0u);
  EXPECT_EQ(list.EraseRanks(0, 100), 35u);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.first(), nullptr);
  EXPECT_EQ(list.last(), nullptr);
}

TEST(SkipListTest, IndexGrowsAndShrinks) {
  SkipList list;
  for (int i = 0; i < 1000; ++i) list.Insert("m" + std::to_string(i), i);
  EXPECT_GE(list.bucket_count(), 1000u);
  const size_t grown = list.MemoryUsage();
  for (int i = 0; i < 990; ++i) list.Erase(list.Find("m" + std::to_string(i)));
  EXPECT_LE(list.bucket_count(), 64u);
  EXPECT_LT(list.MemoryUsage(), grown / 10);
  for (int i = 990; i < 1000; ++i) EXPECT_NE(list.Find("m" + std::to_string(i)), nullptr);
}

TEST(SkipListTest, CopyIsDeep) {
  SkipList list;
  list.Insert("a", 1);
  list.Insert("b", 2);
  SkipList copy(list);
  list.Erase(list.Find("a"));
  EXPECT_EQ(Walk(copy), (std::vector<Element>{{1, "a"}, {2, "b"}}));
  EXPECT_EQ(Walk(list), (std::vector<Element>{{2, "b"}}));
}

// A scan returns every element present for the whole scan at least once, even when the index
// is resized between steps.
TEST(SkipListTest, ScanSurvivesResizes) {
  SkipList list;
  for (int i = 0; i < 100; ++i) list.Insert("keep" + std::to_string(i), i);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int step = 0;
  do {
    cursor = list.ScanStep(cursor,
                           [&](const SkipList::Node& n) { seen.insert(std::string(n.member())); });
    // Grow, then shrink, while the scan is under way.
    if (step == 3) {
      for (int i = 0; i < 2000; ++i) list.Insert("tmp" + std::to_string(i), i);
    }
    if (step == 40) {
      for (int i = 0; i < 2000; ++i) list.Erase(list.Find("tmp" + std::to_string(i)));
    }
    ++step;
  } while (cursor != 0);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.count("keep" + std::to_string(i))) << i;
}

// Random inserts, score updates and erases against a std::multimap model.
TEST(SkipListTest, RandomOpsMatchModel) {
  std::mt19937 rng(12345);
  SkipList list;
  std::map<std::string, double> scores;  // member -> score
  for (int op = 0; op < 20000; ++op) {
    const std::string member = "m" + std::to_string(rng() % 500);
    const double score = static_cast<double>(static_cast<int>(rng() % 50)) / 2;
    auto it = scores.find(member);
    switch (rng() % 4) {
      case 0:
      case 1:
        if (it == scores.end()) {
          list.Insert(member, score);
          scores[member] = score;
        } else {
          list.UpdateScore(list.Find(member), score);
          it->second = score;
        }
        break;
      case 2:
        if (it != scores.end()) {
          list.Erase(list.Find(member));
          scores.erase(it);
        }
        break;
      case 3: {
        if (scores.empty()) break;
        const size_t start = rng() % scores.size();
        const size_t end = start + rng() % 3;
        std::multimap<double, std::string> ordered;
        for (const auto& [m, s] : scores) ordered.emplace(s, m);
        std::vector<Element> flat(ordered.begin(), ordered.end());
        std::sort(flat.begin(), flat.end());
        size_t removed = 0;
        for (size_t r = start; r <= end && r < flat.size(); ++r, ++removed) {
          scores.erase(flat[r].second);
        }
        ASSERT_EQ(list.EraseRanks(start, end), removed);
        break;
      }
    }
    if (op % 500 == 0 || op == 19999) {
      std::vector<Element> model;
      for (const auto& [m, s] : scores) model.emplace_back(s, m);
      std::sort(model.begin(), model.end());
      ASSERT_EQ(Walk(list), model) << "after op " << op;
      std::vector<Element> reversed(model.rbegin(), model.rend());
      ASSERT_EQ(WalkBackwards(list), reversed);
      ASSERT_EQ(list.size(), model.size());
      for (size_t r = 0; r < model.size(); ++r) {
        const SkipList::Node* n = list.AtRank(r);
        ASSERT_EQ(n->member(), model[r].second);
        ASSERT_EQ(list.Rank(list.Find(model[r].second)), r);
      }
      const double cut = 12.5;
      const size_t below = static_cast<size_t>(std::count_if(
          model.begin(), model.end(), [&](const Element& e) { return e.first < cut; }));
      ASSERT_EQ(list.CountPrefix([&](const SkipList::Node& n) { return n.score() < cut; }), below);
    }
  }
}

}  // namespace
}  // namespace tessera::storage
