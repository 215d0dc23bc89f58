// RdbFileWriter -> RdbReader round trips of every type and encoding, loader encoding decisions,
// legacy record types, and redis-check-rdb's verdict on our files.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <functional>
#include <random>
#include <thread>

#include "src/persistence/crc64.h"
#include "src/persistence/rdb_format.h"
#include "src/persistence/rdb_writer.h"
#include "src/persistence/redis_blobs.h"
#include "storage/encoding_limits.h"
#include "storage/hash_ops.h"
#include "storage/set_ops.h"
#include "tests/unit/persistence/rdb_test_util.h"

namespace tessera::persistence {
namespace {

using rdbtest::AddObject;
using rdbtest::FillTable;
using rdbtest::LoadFile;
using rdbtest::MakeHash;
using rdbtest::MakeList;
using rdbtest::MakeSet;
using rdbtest::MakeZSet;
using rdbtest::Snapshot;
using rdbtest::TempDir;
using storage::DbTable;
using storage::ValueInit;
using storage::ValueType;

// The records of every other key, starting with key `half` (0 or 1).
std::string Records(const DbTable& t, bool compress, int half) {
  std::string out;
  int i = 0;
  t.ForEach([&](const storage::Entry& e) {
    if (i++ % 2 == half) {
      EXPECT_TRUE(AppendRdbRecord(e, t.GetExpire(&e), compress, &out));
    }
  });
  return out;
}

RdbAux TestAux() {
  RdbAux aux;
  aux.ctime = 1700000000;
  aux.used_mem = 123456789012;
  return aux;
}

// Writes dbs 0, 3 and 15 (filled) to `path`, each in two chunks written in turn (0, 3, 15, 0,
// 3, 15), so every database has two SELECTDB opcodes, as shards appending in parallel produce.
Snapshot WriteSample(const std::string& path, bool compress, bool big) {
  std::vector<std::unique_ptr<DbTable>> dbs;
  Snapshot want;
  std::string error;
  auto w = RdbFileWriter::Create(path, TestAux(), &error);
  EXPECT_NE(w, nullptr) << error;
  for (int db : {0, 3, 15}) {
    dbs.push_back(std::make_unique<DbTable>(db, nullptr));
    FillTable(*dbs.back(), big && db != 15);
    rdbtest::AddToSnapshot(db, *dbs.back(), &want);
  }
  for (int half : {0, 1}) {
    for (const auto& t : dbs)
      EXPECT_TRUE(w->AppendRecords(t->db_index(), Records(*t, compress, half)));
  }
  EXPECT_TRUE(w->Commit(&error)) << error;
  return want;
}

TEST(RdbRoundTripTest, EveryTypeAndEncoding) {
  for (bool compress : {false, true}) {
    TempDir dir;
    const std::string path = dir.File("dump.rdb");
    const Snapshot want = WriteSample(path, compress, /*big=*/true);
    rdbtest::LoadedFile got = LoadFile(path);
    EXPECT_EQ(got.Describe(), want);
    EXPECT_EQ(got.version, 10);
    EXPECT_EQ(got.aux["redis-ver"], "7.0.15");
    EXPECT_EQ(got.aux["redis-bits"], "64");
    EXPECT_EQ(got.aux["ctime"], "1700000000");
    EXPECT_EQ(got.aux["used-mem"], "123456789012");
    EXPECT_EQ(got.aux["aof-base"], "0");

    // The sample really covers the encodings it claims to.
    const auto enc = [&](const std::string& key) {
      return std::string(got.dbs[0]->FindRaw(key)->EncodingName());
    };
    EXPECT_EQ(enc("s:int"), "int");
    EXPECT_EQ(enc("s:embstr"), "embstr");
    EXPECT_EQ(enc("s:raw-random"), "raw");
    EXPECT_EQ(enc("h:listpack"), "listpack");
    EXPECT_EQ(enc("h:table"), "hashtable");
    EXPECT_EQ(enc("h:long-value"), "hashtable");
    EXPECT_EQ(enc("set:intset"), "intset");
    EXPECT_EQ(enc("set:table"), "hashtable");
    EXPECT_EQ(enc("set:big-ints"), "hashtable");
    EXPECT_EQ(enc("z:listpack"), "listpack");
    EXPECT_EQ(enc("z:skiplist"), "skiplist");
    EXPECT_EQ(enc("z:long-member"), "skiplist");
    const auto* list =
        static_cast<const storage::ListValue*>(got.dbs[0]->FindRaw("l:multi-node")->object());
    EXPECT_GT(list->node_count(), 2u);
    // Compression shrinks the file; no compression keeps strings verbatim.
    const std::string bytes = rdbtest::ReadWholeFile(path);
    EXPECT_EQ(bytes.find(std::string(64, 'K')) == std::string::npos, compress);
  }
}

TEST(RdbRoundTripTest, ChunksFromTwoThreadsInterleave) {
  TempDir dir;
  const std::string path = dir.File("dump.rdb");
  std::vector<std::unique_ptr<DbTable>> shards;
  Snapshot want;
  for (int s = 0; s < 2; ++s) {
    // Two shards with slices of the same two databases.
    for (int db : {0, 1}) {
      shards.push_back(std::make_unique<DbTable>(db, nullptr));
      DbTable& t = *shards.back();
      for (int i = 0; i < 500; ++i) {
        const std::string key = "shard" + std::to_string(s) + ":k" + std::to_string(i);
        t.AddNew(key, ValueInit::String("v" + std::to_string(i * (db + 1))),
                 i % 5 == 0 ? 1700000000000 + i : storage::kNoExpire);
      }
      rdbtest::AddToSnapshot(db, t, &want);
    }
  }
  std::string error;
  auto w = RdbFileWriter::Create(path, TestAux(), &error);
  ASSERT_NE(w, nullptr) << error;
  auto run = [&](int s) {
    for (int round = 0; round < 50; ++round) {
      for (int db : {0, 1}) {
        // Records of every 50th key starting at `round`, as one chunk.
        const DbTable& t = *shards[s * 2 + db];
        std::string chunk;
        int i = 0;
        t.ForEach([&](const storage::Entry& e) {
          if (i++ % 50 == round) AppendRdbRecord(e, t.GetExpire(&e), true, &chunk);
        });
        EXPECT_TRUE(w->AppendRecords(db, chunk));
      }
    }
  };
  std::thread a(run, 0);
  std::thread b(run, 1);
  a.join();
  b.join();
  // Written by the file's thread, or still queued for it.
  EXPECT_GT(w->bytes_written() + w->queued_bytes(), 10000u);
  ASSERT_TRUE(w->Commit(&error)) << error;
  EXPECT_EQ(w->queued_bytes(), 0u);
  EXPECT_EQ(LoadFile(path).Describe(), want);
}

TEST(RdbRoundTripTest, AbortRemovesTheTemporaryFile) {
  TempDir dir;
  std::string error;
  auto w = RdbFileWriter::Create(dir.File("dump.rdb"), TestAux(), &error);
  ASSERT_NE(w, nullptr);
  const std::string temp = w->temp_path();
  EXPECT_EQ(access(temp.c_str(), F_OK), 0);
  EXPECT_EQ(temp.rfind(dir.path() + "/temp-", 0), 0u);
  w.reset();
  EXPECT_NE(access(temp.c_str(), F_OK), 0);
  EXPECT_NE(access(dir.File("dump.rdb").c_str(), F_OK), 0);
  EXPECT_EQ(RdbFileWriter::Create("/nonexistent-dir/dump.rdb", TestAux(), &error), nullptr);
  EXPECT_NE(error.find("/nonexistent-dir/temp-"), std::string::npos) << error;
}

TEST(RdbRoundTripTest, WriteErrorsAreStickyAndRemoveTheFile) {
  TempDir dir;
  std::string error;
  auto w = RdbFileWriter::Create(dir.File("dump.rdb"), TestAux(), &error);
  ASSERT_NE(w, nullptr) << error;
  // A file size limit makes write() fail with EFBIG (SIGXFSZ ignored) without filling a disk.
  struct rlimit old_limit;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct rlimit limit = old_limit;
  limit.rlim_cur = 4096;
  auto* old_handler = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  // Appends only queue: the write error surfaces at Commit, and the writer refuses from then on.
  w->AppendRecords(0, std::string(10000, 'x'));
  w->AppendRecords(0, "x");
  const bool commit_ok = w->Commit(&error);
  setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_FALSE(commit_ok);
  EXPECT_FALSE(w->AppendRecords(0, "x"));
  EXPECT_NE(w->error().find("Write error"), std::string::npos) << w->error();
  EXPECT_NE(access(w->temp_path().c_str(), F_OK), 0);
  EXPECT_NE(access(dir.File("dump.rdb").c_str(), F_OK), 0);
}

TEST(RdbRoundTripTest, RedisCheckRdbAcceptsOurFile) {
  const char* tool = "/usr/bin/redis-check-rdb";
  ASSERT_EQ(access(tool, X_OK), 0) << tool << " is missing: run tools/deps.sh (redis-tools)";
  for (bool compress : {false, true}) {
    TempDir dir;
    const std::string path = dir.File("dump.rdb");
    WriteSample(path, compress, /*big=*/true);
    const std::string cmd = std::string(tool) + " " + path + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string output;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) output.append(buf, n);
    const int status = pclose(p);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
    EXPECT_NE(output.find("RDB looks OK"), std::string::npos) << output;
    EXPECT_NE(output.find("Checksum OK"), std::string::npos) << output;
  }
}

// ---- Loader encoding decisions (Redis 7.0's rdbLoadObject, checked against redis-server).

class LimitsGuard {
 public:
  LimitsGuard() {
    auto& l = storage::GlobalEncodingLimits();
    saved_ = {l.hash_max_listpack_entries.load(), l.hash_max_listpack_value.load(),
              l.set_max_intset_entries.load(), l.zset_max_listpack_entries.load(),
              l.zset_max_listpack_value.load()};
  }
  ~LimitsGuard() {
    auto& l = storage::GlobalEncodingLimits();
    l.hash_max_listpack_entries = saved_[0];
    l.hash_max_listpack_value = saved_[1];
    l.set_max_intset_entries = saved_[2];
    l.zset_max_listpack_entries = saved_[3];
    l.zset_max_listpack_value = saved_[4];
  }

 private:
  std::vector<int64_t> saved_;
};

std::string EncodingAfterReload(DbTable& src, const std::string& key,
                                const std::function<void()>& before_load) {
  TempDir dir;
  std::string error;
  auto w = RdbFileWriter::Create(dir.File("d.rdb"), TestAux(), &error);
  std::string rec;
  AppendRdbRecord(*src.FindRaw(key), storage::kNoExpire, false, &rec);
  w->AppendRecords(0, rec);
  EXPECT_TRUE(w->Commit(&error));
  before_load();
  rdbtest::LoadedFile f = LoadFile(dir.File("d.rdb"));
  const storage::Entry* e = f.dbs[0]->FindRaw(key);
  return e == nullptr ? "missing" : e->EncodingName();
}

TEST(RdbLoadEncodingTest, FollowsCurrentLimitsLikeRedis) {
  LimitsGuard guard;
  auto& l = storage::GlobalEncodingLimits();
  DbTable t(0, nullptr);
  AddObject(t, "h", ValueType::kHash, MakeHash({{"a", "1"}, {"b", "2"}, {"c", "0123456789"}}));
  AddObject(t, "s", ValueType::kSet, MakeSet({"1", "2", "3", "4"}));
  AddObject(t, "z", ValueType::kZSet, MakeZSet({{"a", 1}, {"b", 2}, {"c", 3}}));

  // HASH_LISTPACK: more entries than the limit -> hashtable; a long value alone does not
  // convert (redis-server 7.0.15 keeps it a listpack too).
  EXPECT_EQ(EncodingAfterReload(t, "h", [&] { l.hash_max_listpack_entries = 2; }), "hashtable");
  l.hash_max_listpack_entries = 128;
  EXPECT_EQ(EncodingAfterReload(t, "h", [&] { l.hash_max_listpack_value = 4; }), "listpack");
  l.hash_max_listpack_value = 64;
  // SET_INTSET past set-max-intset-entries -> hashtable.
  EXPECT_EQ(EncodingAfterReload(t, "s", [&] { l.set_max_intset_entries = 3; }), "hashtable");
  l.set_max_intset_entries = 512;
  // ZSET_LISTPACK past zset-max-listpack-entries -> skiplist.
  EXPECT_EQ(EncodingAfterReload(t, "z", [&] { l.zset_max_listpack_entries = 2; }), "skiplist");
  l.zset_max_listpack_entries = 128;

  // Records written from the unpacked encodings come back packed when they fit.
  DbTable big(0, nullptr);
  l.hash_max_listpack_entries = 1;
  l.set_max_intset_entries = 1;
  l.zset_max_listpack_entries = 1;
  AddObject(big, "h", ValueType::kHash, MakeHash({{"a", "1"}, {"b", "2"}}));
  AddObject(big, "s", ValueType::kSet, MakeSet({"1", "2"}));
  AddObject(big, "z", ValueType::kZSet, MakeZSet({{"a", 1}, {"b", 2}}));
  ASSERT_STREQ(big.FindRaw("h")->EncodingName(), "hashtable");
  ASSERT_STREQ(big.FindRaw("s")->EncodingName(), "hashtable");
  ASSERT_STREQ(big.FindRaw("z")->EncodingName(), "skiplist");
  const auto defaults = [&] {
    l.hash_max_listpack_entries = 128;
    l.set_max_intset_entries = 512;
    l.zset_max_listpack_entries = 128;
  };
  EXPECT_EQ(EncodingAfterReload(big, "h", defaults), "listpack");
  EXPECT_EQ(EncodingAfterReload(big, "s", defaults), "intset");
  EXPECT_EQ(EncodingAfterReload(big, "z", defaults), "listpack");
}

}  // namespace
}  // namespace tessera::persistence
