#include "storage/list_value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "storage/encoding_limits.h"

namespace tessera::storage {
namespace {

using Strings = std::vector<std::string>;

Strings Contents(const ListValue& l) {
  Strings out;
  for (ListValue::Cursor c = l.At(0); c.Valid(); c.Next()) out.push_back(c.ReadString());
  return out;
}

Strings ContentsBackward(const ListValue& l) {
  Strings out;
  if (l.empty()) return out;
  for (ListValue::Cursor c = l.At(l.size() - 1); c.Valid(); c.Prev()) {
    out.insert(out.begin(), c.ReadString());
  }
  return out;
}

std::vector<size_t> NodeSizes(const ListValue& l) {
  std::vector<size_t> out;
  for (size_t i = 0; i < l.node_count(); ++i) out.push_back(l.node_size(i));
  return out;
}

void ExpectList(const ListValue& l, const Strings& want) {
  EXPECT_EQ(l.size(), want.size());
  EXPECT_EQ(Contents(l), want);
  EXPECT_EQ(ContentsBackward(l), want);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(l.Get(i), want[i]);
  size_t total = 0;
  for (size_t n : NodeSizes(l)) {
    EXPECT_GT(n, 0u) << "no empty nodes";
    total += n;
  }
  EXPECT_EQ(total, want.size());
}

TEST(ListValueTest, AlwaysQuicklistAsInRedis70) {
  ListValue l;
  EXPECT_STREQ(l.EncodingName(), "quicklist");
  l.Push("a", ListEnd::kTail);
  EXPECT_STREQ(l.EncodingName(), "quicklist");
  EXPECT_EQ(l.node_count(), 1u);  // a short list is one listpack
}

TEST(ListValueTest, PushPopBothEnds) {
  ListValue l(-2);
  l.Push("b", ListEnd::kTail);
  l.Push("a", ListEnd::kHead);
  l.Push("3", ListEnd::kTail);
  l.Push("-7", ListEnd::kHead);
  ExpectList(l, {"-7", "a", "b", "3"});
  Strings out;
  l.Pop(ListEnd::kTail, 2, &out);
  EXPECT_EQ(out, (Strings{"3", "b"}));
  out.clear();
  l.Pop(ListEnd::kHead, 1, &out);
  EXPECT_EQ(out, (Strings{"-7"}));
  out.clear();
  l.Pop(ListEnd::kHead, 10, &out);  // more than there is
  EXPECT_EQ(out, (Strings{"a"}));
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.node_count(), 0u);
  out.clear();
  l.Pop(ListEnd::kTail, 1, &out);
  EXPECT_TRUE(out.empty());
}

// Positive fill: at most `fill` elements per node.
TEST(ListValueTest, CountFillSplitsNodesAtTheLimit) {
  ListValue l(3);
  for (const char* v : {"1", "2", "3"}) l.Push(v, ListEnd::kTail);
  EXPECT_EQ(NodeSizes(l), (std::vector<size_t>{3}));
  l.Push("4", ListEnd::kTail);
  EXPECT_EQ(NodeSizes(l), (std::vector<size_t>{3, 1}));
  for (const char* v : {"5", "6", "7"}) l.Push(v, ListEnd::kTail);
  EXPECT_EQ(NodeSizes(l), (std::vector<size_t>{3, 3, 1}));
  l.Push("0", ListEnd::kHead);
  EXPECT_EQ(NodeSizes(l), (std::vector<size_t>{1, 3, 3, 1}));
  // Redis 7.0 (DEBUG OBJECT ql_nodes) also has 4 nodes after this insert into a full middle
  // node: split, then the small front half merges with its neighbour.
  l.Insert(2, "x");
  EXPECT_EQ(l.node_count(), 4u);
  ExpectList(l, {"0", "1", "x", "2", "3", "4", "5", "6", "7"});
}

// Negative fill: node bytes bounded (-2 = 8 KiB). With 100-byte elements Redis 7.0 puts 79 in
// a node: 158 elements make 2 nodes, 159 make 3 (checked with DEBUG OBJECT).
TEST(ListValueTest, ByteFillMatchesRedisNodeCapacity) {
  const std::string v(100, 'x');
  ListValue l(-2);
  for (int i = 0; i < 158; ++i) l.Push(v, ListEnd::kTail);
  EXPECT_EQ(NodeSizes(l), (std::vector<size_t>{79, 79}));
  l.Push(v, ListEnd::kTail);
  EXPECT_EQ(l.node_count(), 3u);

  ListValue small(-1);  // 4 KiB: 39 per node
  for (int i = 0; i < 40; ++i) small.Push(v, ListEnd::kHead);
  EXPECT_EQ(NodeSizes(small), (std::vector<size_t>{1, 39}));
}

// A count fill is still bounded by the 8 KiB safety limit: 8 elements of 1000 bytes.
TEST(ListValueTest, CountFillRespectsTheSafetyLimit) {
  const std::string v(1000, 'y');
  ListValue l(100);
  for (int i = 0; i < 20; ++i) l.Push(v, ListEnd::kTail);
  EXPECT_EQ(NodeSizes(l), (std::vector<size_t>{8, 8, 4}));
  ListValue five(5);
  for (int i = 0; i < 10; ++i) five.Push(v, ListEnd::kTail);
  EXPECT_EQ(NodeSizes(five), (std::vector<size_t>{5, 5}));
}

TEST(ListValueTest, FillIsClampedAndReadFromTheGlobalLimit) {
  EXPECT_EQ(ListValue::ClampFill(-100), -5);
  EXPECT_EQ(ListValue::ClampFill(1 << 20), 1 << 15);
  EXPECT_EQ(ListValue::ClampFill(0), 0);
  std::atomic<int64_t>& limit = GlobalEncodingLimits().list_max_listpack_size;
  const int64_t saved = limit.load();
  limit.store(2);
  ListValue l;
  for (const char* v : {"a", "b", "c", "d", "e"}) l.Push(v, ListEnd::kTail);
  EXPECT_EQ(NodeSizes(l), (std::vector<size_t>{2, 2, 1}));
  // A new limit applies to later inserts only.
  limit.store(4);
  l.Push("f", ListEnd::kTail);
  l.Push("g", ListEnd::kTail);
  EXPECT_EQ(NodeSizes(l), (std::vector<size_t>{2, 2, 3}));
  limit.store(0);  // one element per node
  ListValue single;
  for (const char* v : {"a", "b", "c"}) single.Push(v, ListEnd::kTail);
  EXPECT_EQ(NodeSizes(single), (std::vector<size_t>{1, 1, 1}));
  limit.store(saved);
}

TEST(ListValueTest, InsertEverywhere) {
  ListValue l(2);
  Strings model;
  for (int i = 0; i < 6; ++i) {
    l.Push(std::to_string(i), ListEnd::kTail);
    model.push_back(std::to_string(i));
  }
  // Head, tail, node boundaries and node middles of full nodes.
  for (size_t at : {0u, 7u, 2u, 3u, 5u, 1u, 4u, 11u}) {
    std::string v = "i" + std::to_string(at);
    l.Insert(at, v);
    model.insert(model.begin() + static_cast<ptrdiff_t>(std::min(at, model.size())), v);
    ExpectList(l, model);
  }
  for (size_t n : NodeSizes(l)) EXPECT_LE(n, 2u);
}

TEST(ListValueTest, SetReplacesInPlace) {
  ListValue l(-2);
  for (const char* v : {"a", "1", "c"}) l.Push(v, ListEnd::kTail);
  l.Set(0, "100");
  l.Set(1, std::string(5000, 'z'));
  l.Set(2, "");
  ExpectList(l, {"100", std::string(5000, 'z'), ""});
}

TEST(ListValueTest, EraseRangesAcrossNodes) {
  ListValue l(3);
  Strings model;
  for (int i = 0; i < 12; ++i) {
    l.Push(std::to_string(i), ListEnd::kTail);
    model.push_back(std::to_string(i));
  }
  l.Erase(2, 5);  // a node tail, a whole node, a node head
  model.erase(model.begin() + 2, model.begin() + 7);
  ExpectList(l, model);
  l.Erase(5, 100);
  model.resize(5);
  ExpectList(l, model);
  l.Erase(9, 1);  // out of range
  ExpectList(l, model);
  l.Erase(0, 5);
  ExpectList(l, {});
  EXPECT_EQ(l.node_count(), 0u);
}

TEST(ListValueTest, RemoveFromHeadTailOrAll) {
  auto make = [] {
    ListValue l(2);
    for (const char* v : {"a", "x", "b", "x", "x", "c", "x", "12", "x"}) l.Push(v, ListEnd::kTail);
    return l;
  };
  ListValue head = make();
  EXPECT_EQ(head.Remove("x", 2), 2u);
  ExpectList(head, {"a", "b", "x", "c", "x", "12", "x"});
  ListValue tail = make();
  EXPECT_EQ(tail.Remove("x", -3), 3u);
  ExpectList(tail, {"a", "x", "b", "x", "c", "12"});
  ListValue all = make();
  EXPECT_EQ(all.Remove("x", 0), 5u);
  ExpectList(all, {"a", "b", "c", "12"});
  EXPECT_EQ(all.Remove("12", 0), 1u);
  EXPECT_EQ(all.Remove("012", 0), 0u);  // not the integer 12
  EXPECT_EQ(all.Remove("none", -1), 0u);
  ExpectList(all, {"a", "b", "c"});
  ListValue huge = make();
  EXPECT_EQ(huge.Remove("x", INT64_MIN), 5u);  // |INT64_MIN| is "no practical limit"
  ExpectList(huge, {"a", "b", "c", "12"});
}

TEST(ListValueTest, CloneIsDeepAndMemoryGrows) {
  ListValue l(-2);
  size_t empty_usage = l.MemoryUsage();
  for (int i = 0; i < 100; ++i) l.Push("element" + std::to_string(i), ListEnd::kTail);
  EXPECT_GT(l.MemoryUsage(), empty_usage + 100 * 9);
  std::unique_ptr<StoredObject> copy = l.Clone();
  auto* c = static_cast<ListValue*>(copy.get());
  l.Set(0, "changed");
  EXPECT_EQ(c->Get(0), "element0");
  EXPECT_EQ(c->size(), 100u);
}

// Random operations against a deque model, with a small fill so nodes split and vanish often.
TEST(ListValueTest, RandomOperationsMatchAModel) {
  std::mt19937 rng(7);
  for (int fill : {1, 3, -1}) {
    SCOPED_TRACE(fill);
    ListValue l(fill);
    std::deque<std::string> model;
    auto value = [&rng] {
      return rng() % 2 ? std::to_string(rng() % 20) : std::string(rng() % 300, 'a' + rng() % 3);
    };
    for (int step = 0; step < 2000; ++step) {
      switch (rng() % 7) {
        case 0: {
          std::string v = value();
          l.Push(v, ListEnd::kHead);
          model.push_front(v);
          break;
        }
        case 1: {
          std::string v = value();
          l.Push(v, ListEnd::kTail);
          model.push_back(v);
          break;
        }
        case 2: {
          size_t n = rng() % 4;
          Strings out;
          bool head = rng() % 2;
          l.Pop(head ? ListEnd::kHead : ListEnd::kTail, n, &out);
          Strings want;
          for (size_t i = 0; i < n && !model.empty(); ++i) {
            want.push_back(head ? model.front() : model.back());
            head ? model.pop_front() : model.pop_back();
          }
          ASSERT_EQ(out, want);
          break;
        }
        case 3: {
          size_t at = rng() % (model.size() + 1);
          std::string v = value();
          l.Insert(at, v);
          model.insert(model.begin() + static_cast<ptrdiff_t>(at), v);
          break;
        }
        case 4:
          if (!model.empty()) {
            size_t at = rng() % model.size();
            size_t n = rng() % 5;
            l.Erase(at, n);
            model.erase(model.begin() + static_cast<ptrdiff_t>(at),
                        model.begin() + static_cast<ptrdiff_t>(std::min(model.size(), at + n)));
          }
          break;
        case 5: {
          std::string v = std::to_string(rng() % 20);
          int64_t count = static_cast<int64_t>(rng() % 5) - 2;
          size_t removed = l.Remove(v, count);
          size_t want = 0;
          size_t limit = count == 0 ? SIZE_MAX : static_cast<size_t>(std::abs(count));
          if (count >= 0) {
            for (auto it = model.begin(); it != model.end() && want < limit;) {
              if (*it == v) {
                it = model.erase(it);
                ++want;
              } else {
                ++it;
              }
            }
          } else {
            for (size_t i = model.size(); i-- > 0 && want < limit;) {
              if (model[i] == v) {
                model.erase(model.begin() + static_cast<ptrdiff_t>(i));
                ++want;
              }
            }
          }
          ASSERT_EQ(removed, want);
          break;
        }
        default:
          if (!model.empty()) {
            size_t at = rng() % model.size();
            std::string v = value();
            l.Set(at, v);
            model[at] = v;
          }
      }
      if (step % 50 == 0) ExpectList(l, Strings(model.begin(), model.end()));
    }
    ExpectList(l, Strings(model.begin(), model.end()));
  }
}

}  // namespace
}  // namespace tessera::storage
