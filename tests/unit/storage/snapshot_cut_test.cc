// The copy-before-write contract of SnapshotCut: a snapshot sees every entry exactly once, in
// the state it had when the snapshot started, however the table changes meanwhile.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "storage/db_table.h"
#include "storage/key_ops.h"
#include "storage/set_ops.h"
#include "storage/string_ops.h"

namespace tessera::storage {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

// Keeps what a snapshot would write: key -> value (strings only, plus a set's size).
class RecordingObserver final : public SnapshotObserver {
 public:
  void BeforeChange(const DbTable& table, const Entry& e) override {
    std::string value;
    if (e.is_string()) {
      value = e.StringCopy();
    } else {
      value = "<" + std::string(TypeName(e.type())) + ">";
    }
    auto [it, inserted] = saved.emplace(std::string(e.key()), value);
    if (!inserted) duplicates.push_back(std::string(e.key()));
    (void)table;
  }
  std::map<std::string, std::string> saved;
  std::vector<std::string> duplicates;
};

class SnapshotCutTest : public ::testing::Test {
 protected:
  SnapshotCutTest() { db_.set_snapshot_cut(&cut_); }

  void Start() {
    cut_.saved_mark = !cut_.saved_mark;
    cut_.observer = &observer_;
  }
  // The snapshot's own pass: SCAN-order visit of whatever is still unsaved.
  void ScanAll() {
    uint64_t cursor = 0;
    do {
      std::vector<Entry*> batch;
      cursor = db_.Scan(cursor, 16, &batch);
      for (Entry* e : batch) db_.SnapshotEntry(e);
    } while (cursor != 0);
    cut_.observer = nullptr;
  }
  std::map<std::string, std::string> Contents() {
    std::map<std::string, std::string> out;
    db_.ForEach([&out](const Entry& e) {
      out.emplace(std::string(e.key()),
                  e.is_string() ? e.StringCopy() : "<" + std::string(TypeName(e.type())) + ">");
    });
    return out;
  }

  SnapshotCut cut_;
  RecordingObserver observer_;
  DbTable db_{0, nullptr};
};

TEST_F(SnapshotCutTest, UnchangedTableIsSavedOnceByTheScan) {
  for (int i = 0; i < 1000; ++i) db_.AddNew("k" + std::to_string(i), ValueInit::String("v"));
  const auto before = Contents();
  Start();
  ScanAll();
  EXPECT_EQ(observer_.saved, before);
  EXPECT_TRUE(observer_.duplicates.empty());
}

TEST_F(SnapshotCutTest, ChangesDuringTheSnapshotDoNotLeakIntoIt) {
  for (int i = 0; i < 2000; ++i) {
    db_.AddNew("k" + std::to_string(i), ValueInit::String("old" + std::to_string(i)));
  }
  const auto before = Contents();
  Start();
  std::mt19937 rng(7);
  // Interleave a partial scan with every kind of change, including growth that rehashes.
  uint64_t cursor = 0;
  for (int round = 0; round < 200; ++round) {
    std::vector<Entry*> batch;
    if (round % 2 == 0) {
      cursor = db_.Scan(cursor, 8, &batch);
      for (Entry* e : batch) db_.SnapshotEntry(e);
    }
    const std::string k = "k" + std::to_string(rng() % 2000);
    switch (rng() % 7) {
      case 0:
        OpSet(db_, k, "new", SetParams{}, kNow);
        break;
      case 1:
        OpDel(db_, k, kNow);
        break;
      case 2:
        OpRename(db_, k, "renamed" + std::to_string(round), false, kNow);
        break;
      case 3:
        OpExpire(db_, k, kNow + 1000, 0, kNow);
        break;
      case 4:
        OpAppend(db_, k, "+", kNow);
        break;
      case 5:
        db_.AddNew("fresh" + std::to_string(round), ValueInit::String("x"));
        break;
      case 6: {
        std::vector<std::string_view> members = {"a", "b"};
        OpSAdd(db_, "set" + std::to_string(round), members, kNow);
        break;
      }
    }
  }
  // The rest of the pass.
  do {
    std::vector<Entry*> batch;
    cursor = db_.Scan(cursor, 16, &batch);
    for (Entry* e : batch) db_.SnapshotEntry(e);
  } while (cursor != 0);
  cut_.observer = nullptr;
  EXPECT_EQ(observer_.saved, before);
  EXPECT_TRUE(observer_.duplicates.empty());
}

TEST_F(SnapshotCutTest, FlushAndSwapHandTheWholeTableOverFirst) {
  for (int i = 0; i < 100; ++i) db_.AddNew("k" + std::to_string(i), ValueInit::String("v"));
  const auto before = Contents();
  Start();
  OpFlush(db_);
  EXPECT_EQ(observer_.saved, before);
  ScanAll();
  EXPECT_EQ(observer_.saved.size(), before.size());
}

TEST_F(SnapshotCutTest, SecondSnapshotSeesEverythingAgain) {
  for (int i = 0; i < 300; ++i) db_.AddNew("k" + std::to_string(i), ValueInit::String("v"));
  Start();
  ScanAll();
  // Keys added between snapshots carry the "saved" mark of the finished one; the flip at the
  // next start must make them (and everything else) unsaved again.
  for (int i = 0; i < 50; ++i) db_.AddNew("later" + std::to_string(i), ValueInit::String("w"));
  const auto before = Contents();
  observer_.saved.clear();
  Start();
  ScanAll();
  EXPECT_EQ(observer_.saved, before);
  EXPECT_TRUE(observer_.duplicates.empty());
}

TEST_F(SnapshotCutTest, NoObserverNoCallbacks) {
  db_.AddNew("a", ValueInit::String("1"));
  OpSet(db_, "a", "2", SetParams{}, kNow);
  OpDel(db_, "a", kNow);
  EXPECT_TRUE(observer_.saved.empty());
}

}  // namespace
}  // namespace tessera::storage
