#include "storage/set_value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace tessera::storage {
namespace {

// A set owned by the test, replaced as mutations ask (what set_ops does inside a table).
struct OwnedSet {
  std::unique_ptr<SetValue> v;
  int replacements = 0;

  bool Add(std::string_view m, size_t max_intset = 512) { return Take(v->Add(m, max_intset)); }
  bool Remove(std::string_view m) { return Take(v->Remove(m)); }
  bool Take(SetValue::Mutation m) {
    if (m.replacement != nullptr) {
      v = std::move(m.replacement);
      ++replacements;
    }
    return m.changed;
  }
  std::string encoding() const { return v->EncodingName(); }
  std::vector<std::string> Sorted() const {
    std::vector<std::string> out = v->Members();
    std::sort(out.begin(), out.end());
    return out;
  }
};

OwnedSet IntSetWith(std::initializer_list<int64_t> values) {
  OwnedSet s{SetValue::CreateIntSet()};
  for (int64_t v : values) s.Add(std::to_string(v));
  return s;
}

OwnedSet TableWith(std::initializer_list<const char*> members) {
  OwnedSet s{SetValue::CreateTable()};
  for (const char* m : members) s.Add(m);
  s.replacements = 0;
  return s;
}

// One set of each encoding holding `a`, `b` and `c` (as integers in the intset).
std::vector<OwnedSet> OneOfEach() {
  std::vector<OwnedSet> out;
  out.push_back(IntSetWith({1, 2, 3}));
  out.push_back(TableWith({"a", "b", "c"}));
  return out;
}

TEST(AllocatorSizeClassTest, FollowsJemallocClasses) {
  EXPECT_EQ(AllocatorSizeClass(1), 8u);
  EXPECT_EQ(AllocatorSizeClass(8), 8u);
  EXPECT_EQ(AllocatorSizeClass(9), 16u);
  EXPECT_EQ(AllocatorSizeClass(33), 48u);
  EXPECT_EQ(AllocatorSizeClass(128), 128u);
  EXPECT_EQ(AllocatorSizeClass(129), 160u);
  EXPECT_EQ(AllocatorSizeClass(257), 320u);
  EXPECT_EQ(AllocatorSizeClass(4097), 5120u);
}

TEST(SetValueTest, InitialEncodingFollowsTheFirstMember) {
  EXPECT_STREQ(SetValue::CreateFor("12")->EncodingName(), "intset");
  EXPECT_STREQ(SetValue::CreateFor("-7")->EncodingName(), "intset");
  // Only canonical integers count, as Redis's string2ll.
  EXPECT_STREQ(SetValue::CreateFor("012")->EncodingName(), "hashtable");
  EXPECT_STREQ(SetValue::CreateFor("1.0")->EncodingName(), "hashtable");
  EXPECT_STREQ(SetValue::CreateFor("a")->EncodingName(), "hashtable");
  EXPECT_STREQ(SetValue::CreateFor("")->EncodingName(), "hashtable");
}

TEST(SetValueTest, IntSetIsOneBlockAtItsSizeClass) {
  OwnedSet s = IntSetWith({1, 2, 3, 4, 5});
  auto* ints = static_cast<IntSetValue*>(s.v.get());
  // vtable pointer + 4-byte header + five int16s = 22 bytes -> the 32-byte class.
  EXPECT_EQ(ints->MemoryUsage(), 32u);
  EXPECT_EQ(ints->ints().width(), 2);
  for (int i = 0; i < 100; ++i) s.Add(std::to_string(1000 + i));
  EXPECT_EQ(s.v->MemoryUsage(), AllocatorSizeClass(8 + 4 + 105 * 2));
}

TEST(SetValueTest, IntSetGrowsByReplacementOnlyAcrossSizeClasses) {
  OwnedSet s{SetValue::CreateIntSet()};
  // 8 + 4 + 2n bytes: the 16-byte class holds 2 int16 members, the 32-byte class 10.
  s.Add("1");
  s.Add("2");
  EXPECT_EQ(s.replacements, 0);
  EXPECT_EQ(s.v->MemoryUsage(), 16u);
  for (int i = 3; i <= 10; ++i) s.Add(std::to_string(i));
  EXPECT_EQ(s.replacements, 1);  // one move, into the 32-byte class
  EXPECT_EQ(s.v->MemoryUsage(), 32u);
  EXPECT_FALSE(s.Add("5"));  // present: no change, no replacement
  EXPECT_EQ(s.replacements, 1);
  // Shrinking back below the class boundary moves into a smaller block.
  for (int i = 10; i >= 3; --i) EXPECT_TRUE(s.Remove(std::to_string(i)));
  EXPECT_EQ(s.replacements, 2);
  EXPECT_EQ(s.v->MemoryUsage(), 16u);
  EXPECT_EQ(s.Sorted(), (std::vector<std::string>{"1", "2"}));
}

TEST(SetValueTest, IntSetUpgradesWidthThroughAdd) {
  OwnedSet s = IntSetWith({1, -1});
  s.Add("40000");
  EXPECT_EQ(static_cast<IntSetValue*>(s.v.get())->ints().width(), 4);
  s.Add("-9223372036854775808");
  EXPECT_EQ(static_cast<IntSetValue*>(s.v.get())->ints().width(), 8);
  EXPECT_EQ(s.encoding(), "intset");
  EXPECT_EQ(s.v->Members(), (std::vector<std::string>{"-9223372036854775808", "-1", "1", "40000"}));
  EXPECT_TRUE(s.v->Contains("40000"));
  EXPECT_FALSE(s.v->Contains("040000"));
}

TEST(SetValueTest, NonIntegerMemberConvertsToHashtable) {
  OwnedSet s = IntSetWith({3, 1, 2});
  EXPECT_TRUE(s.Add("x"));
  EXPECT_EQ(s.encoding(), "hashtable");
  EXPECT_EQ(s.Sorted(), (std::vector<std::string>{"1", "2", "3", "x"}));
  // Never converts back, even when only integers remain.
  EXPECT_TRUE(s.Remove("x"));
  EXPECT_EQ(s.encoding(), "hashtable");
  EXPECT_TRUE(s.v->Contains("2"));
}

TEST(SetValueTest, ConvertsPastMaxIntsetEntries) {
  OwnedSet s{SetValue::CreateIntSet()};
  for (int i = 0; i < 4; ++i) s.Add(std::to_string(i), 4);
  EXPECT_EQ(s.encoding(), "intset");  // exactly at the limit
  EXPECT_FALSE(s.Add("3", 4));
  EXPECT_EQ(s.encoding(), "intset");
  EXPECT_TRUE(s.Add("4", 4));
  EXPECT_EQ(s.encoding(), "hashtable");
  EXPECT_EQ(s.v->size(), 5u);
  // A limit of 0 converts on the first member.
  OwnedSet z{SetValue::CreateIntSet()};
  z.Add("1", 0);
  EXPECT_EQ(z.encoding(), "hashtable");
}

TEST(SetValueTest, TableHoldsBinaryMembersOfAnyLength) {
  OwnedSet s{SetValue::CreateTable()};
  const std::string binary("a\0b\r\n", 5);
  const std::string long200(200, 'x');    // two-byte varint length
  const std::string long20k(20000, 'y');  // three-byte varint length
  for (const std::string& m : {std::string(), binary, long200, long20k}) EXPECT_TRUE(s.Add(m));
  EXPECT_FALSE(s.Add(binary));
  EXPECT_EQ(s.v->size(), 4u);
  EXPECT_TRUE(s.v->Contains(""));
  EXPECT_TRUE(s.v->Contains(long20k));
  EXPECT_FALSE(s.v->Contains(std::string("a\0c\r\n", 5)));
  EXPECT_EQ(s.Sorted(), (std::vector<std::string>{"", binary, long200, long20k}));
  EXPECT_TRUE(s.Remove(long200));
  EXPECT_FALSE(s.Remove(long200));
  EXPECT_EQ(s.v->size(), 3u);
  EXPECT_EQ(s.replacements, 0);  // a table never needs replacing
}

TEST(SetValueTest, TableGrowsAndShrinks) {
  OwnedSet s{SetValue::CreateTable()};
  for (int i = 0; i < 1000; ++i) s.Add("m" + std::to_string(i));
  const auto& table = static_cast<TableSetValue*>(s.v.get())->table();
  EXPECT_EQ(table.bucket_count(), 1024u);
  const size_t big = s.v->MemoryUsage();
  for (int i = 0; i < 990; ++i) ASSERT_TRUE(s.Remove("m" + std::to_string(i)));
  EXPECT_LE(table.bucket_count(), 16u);
  EXPECT_LT(s.v->MemoryUsage(), big / 20);
  for (int i = 990; i < 1000; ++i) EXPECT_TRUE(s.v->Contains("m" + std::to_string(i)));
}

TEST(SetValueTest, TableMemoryUsageCountsBucketsAndBlocks) {
  OwnedSet s{SetValue::CreateTable()};
  const size_t empty = s.v->MemoryUsage();
  s.Add("abcdefghij");  // next pointer + 1 length byte + 10 bytes = 19 -> 32
  EXPECT_EQ(s.v->MemoryUsage(), empty + 32 + 32);  // first 4-bucket array (32 bytes) + block
  s.Remove("abcdefghij");
  EXPECT_EQ(s.v->MemoryUsage(), empty + 32);
}

TEST(SetValueTest, ScanReturnsEveryMemberAcrossResizes) {
  OwnedSet s{SetValue::CreateTable()};
  for (int i = 0; i < 500; ++i) s.Add("k" + std::to_string(i));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    std::vector<std::string> batch;
    cursor = s.v->Scan(cursor, 10, &batch);
    seen.insert(batch.begin(), batch.end());
    // Grow the table mid-scan, then shrink it: members present throughout must still come back.
    if (++calls == 5) {
      for (int i = 500; i < 3000; ++i) s.Add("k" + std::to_string(i));
    }
    if (calls == 20) {
      for (int i = 500; i < 3000; ++i) s.Remove("k" + std::to_string(i));
    }
  } while (cursor != 0);
  for (int i = 0; i < 500; ++i) EXPECT_TRUE(seen.count("k" + std::to_string(i))) << i;
}

TEST(SetValueTest, IntSetScanReturnsEverythingAtOnce) {
  OwnedSet s = IntSetWith({5, 3, 9});
  std::vector<std::string> out;
  EXPECT_EQ(s.v->Scan(0, 1, &out), 0u);
  EXPECT_EQ(out, (std::vector<std::string>{"3", "5", "9"}));
}

TEST(SetValueTest, RandomMemberIsAMember) {
  Rng rng(7);
  for (OwnedSet& s : OneOfEach()) {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
      std::string m = s.v->RandomMember(rng);
      EXPECT_TRUE(s.v->Contains(m)) << m;
      seen.insert(m);
    }
    EXPECT_EQ(seen.size(), 3u);  // every member comes up eventually
  }
}

TEST(SetValueTest, CloneIsDeep) {
  for (OwnedSet& s : OneOfEach()) {
    std::unique_ptr<StoredObject> copy = s.v->Clone();
    auto* set_copy = static_cast<SetValue*>(copy.get());
    EXPECT_STREQ(copy->EncodingName(), s.v->EncodingName());
    EXPECT_EQ(copy->MemoryUsage(), s.v->MemoryUsage());
    s.Add("new-member-2");
    EXPECT_FALSE(set_copy->Contains("new-member-2"));
    EXPECT_EQ(set_copy->size() + 1, s.v->size());
  }
}

}  // namespace
}  // namespace tessera::storage
