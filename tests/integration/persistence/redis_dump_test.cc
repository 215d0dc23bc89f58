// Loading dumps written by Debian's redis-server 7.0: fill every type and encoding, SAVE, read
// dump.rdb with RdbReader and compare every key, value, TTL and OBJECT ENCODING with what the
// server itself reports.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "src/persistence/rdb_writer.h"
#include "storage/encoding_limits.h"
#include "storage/score.h"
#include "tests/integration/server_process.h"
#include "tests/unit/persistence/rdb_test_util.h"

namespace tessera::persistence {
namespace {

using integration::Command;
using integration::ConnectHiredis;
using integration::RedisReplyPtr;
using integration::ServerProcess;
using rdbtest::Lp;
using rdbtest::Snapshot;

std::string Str(const redisReply* r) { return std::string(r->str, r->len); }

std::vector<std::string> Strings(const RedisReplyPtr& r) {
  std::vector<std::string> out;
  EXPECT_NE(r, nullptr);
  if (r == nullptr) return out;
  EXPECT_EQ(r->type, REDIS_REPLY_ARRAY);
  for (size_t i = 0; i < r->elements; ++i) out.push_back(Str(r->element[i]));
  return out;
}

std::string One(redisContext* c, const std::vector<std::string>& args) {
  RedisReplyPtr r = Command(c, args);
  EXPECT_NE(r, nullptr);
  if (r == nullptr) return "";
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  EXPECT_TRUE(r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) << args[0];
  return Str(r.get());
}

void Ok(redisContext* c, const std::vector<std::string>& args) {
  RedisReplyPtr r = Command(c, args);
  ASSERT_NE(r, nullptr);
  ASSERT_NE(r->type, REDIS_REPLY_ERROR) << args[0] << ": " << Str(r.get());
}

// Fills the current database with every type and encoding Redis 7.0 has.
void Fill(redisContext* c, const std::string& p) {
  Ok(c, {"SET", p + "s:int", "12345"});
  Ok(c, {"SET", p + "s:neg", "-42"});
  Ok(c, {"SET", p + "s:int64", "9223372036854775807"});
  Ok(c, {"SET", p + "s:int-like", "007"});
  Ok(c, {"SET", p + "s:embstr", "hello world"});
  Ok(c, {"SET", p + "s:empty", ""});
  Ok(c, {"SET", p + "s:binary", std::string("a\0b\r\n\xff", 6)});
  std::string compressible;
  while (compressible.size() < 2000) compressible += "compress me please ";
  Ok(c, {"SET", p + "s:compressible", compressible});
  std::string noisy;
  for (int i = 0; i < 300; ++i) noisy.push_back(static_cast<char>((i * 7919 + 13) % 251));
  Ok(c, {"SET", p + "s:noisy", noisy});
  Ok(c, {"SET", p + std::string(60, 'k'), "a key longer than twenty bytes"});
  Ok(c, {"SET", p + "s:ttl", "expiring", "PXAT", "4102444800123"});

  Ok(c, {"RPUSH", p + "l:small", "a", "1", "-7", "bb", "123456789012", ""});
  std::vector<std::string> push = {"RPUSH", p + "l:big"};
  for (int i = 0; i < 5000; ++i) {
    push.push_back(i % 3 == 0 ? std::to_string(i * 104729) : "element-" + std::to_string(i));
  }
  Ok(c, push);
  Ok(c, {"PEXPIREAT", p + "l:big", "4102444800999"});

  Ok(c, {"HSET", p + "h:small", "f1", "v1", "n", "42", "neg", "-5"});
  std::vector<std::string> hset = {"HSET", p + "h:big"};
  for (int i = 0; i < 1000; ++i) {
    hset.push_back("field" + std::to_string(i));
    hset.push_back(std::to_string(i * 3));
  }
  Ok(c, hset);
  Ok(c, {"HSET", p + "h:long-value", "f", std::string(100, 'v')});

  Ok(c, {"SADD", p + "set:intset", "1", "-5", "70000", "-2147483649", "9223372036854775807"});
  std::vector<std::string> sadd = {"SADD", p + "set:big-ints"};
  for (int i = 0; i < 1000; ++i) sadd.push_back(std::to_string(i * 11));
  Ok(c, sadd);
  Ok(c, {"SADD", p + "set:strings", "x", "y", "1", "zz"});
  Ok(c, {"PEXPIREAT", p + "set:strings", "4102444800000"});

  Ok(c, {"ZADD", p + "z:small", "1.5", "a", "-inf", "b", "inf", "c", "0", "d", "3", "e"});
  std::vector<std::string> zadd = {"ZADD", p + "z:big"};
  for (int i = 0; i < 300; ++i) {
    zadd.push_back(std::to_string(i * 0.25 - 10));
    zadd.push_back("m" + std::to_string(i));
  }
  zadd.insert(zadd.end(), {"-inf", "ninf", "inf", "pinf", "1e-300", "tiny"});
  Ok(c, zadd);
  Ok(c, {"ZADD", p + "z:long-member", "2", std::string(100, 'm')});
}

// What the server holds for every key of database `db`, in rdbtest::Describe's format.
void Expect(redisContext* c, int db, Snapshot* out) {
  Ok(c, {"SELECT", std::to_string(db)});
  for (const std::string& key : Strings(Command(c, {"KEYS", "*"}))) {
    const std::string type = One(c, {"TYPE", key});
    const std::string enc = One(c, {"OBJECT", "ENCODING", key});
    const std::string pttl = One(c, {"PEXPIRETIME", key});
    std::string d = type + " " + enc + " " + pttl + " |";
    std::vector<std::string> parts;
    if (type == "string") {
      d += " " + Lp(One(c, {"GET", key}));
    } else if (type == "list") {
      for (const std::string& s : Strings(Command(c, {"LRANGE", key, "0", "-1"}))) d += " " + Lp(s);
    } else if (type == "hash") {
      const std::vector<std::string> kv = Strings(Command(c, {"HGETALL", key}));
      for (size_t i = 0; i + 1 < kv.size(); i += 2)
        parts.push_back(Lp(kv[i]) + "=" + Lp(kv[i + 1]));
    } else if (type == "set") {
      for (const std::string& s : Strings(Command(c, {"SMEMBERS", key}))) parts.push_back(Lp(s));
    } else if (type == "zset") {
      const std::vector<std::string> ms =
          Strings(Command(c, {"ZRANGE", key, "0", "-1", "WITHSCORES"}));
      for (size_t i = 0; i + 1 < ms.size(); i += 2) {
        d +=
            " " + Lp(ms[i]) + "@" + storage::ScoreToString(std::strtod(ms[i + 1].c_str(), nullptr));
      }
    }
    std::sort(parts.begin(), parts.end());
    for (const std::string& s : parts) d += " " + s;
    (*out)[{db, key}] = d;
  }
}

// Loads the server's thresholds into Tessera's, so both choose encodings alike. (Redis 7.0's
// hash-max-listpack-entries default is 512, not 128.)
void MirrorLimits(redisContext* c) {
  auto get = [&](const std::string& name) {
    const std::vector<std::string> kv = Strings(Command(c, {"CONFIG", "GET", name}));
    EXPECT_EQ(kv.size(), 2u) << name;
    return kv.size() == 2 ? std::stoll(kv[1]) : 0;
  };
  storage::EncodingLimits& l = storage::GlobalEncodingLimits();
  l.list_max_listpack_size = get("list-max-listpack-size");
  l.hash_max_listpack_entries = get("hash-max-listpack-entries");
  l.hash_max_listpack_value = get("hash-max-listpack-value");
  l.set_max_intset_entries = get("set-max-intset-entries");
  l.zset_max_listpack_entries = get("zset-max-listpack-entries");
  l.zset_max_listpack_value = get("zset-max-listpack-value");
}

class RedisDumpTest : public ::testing::TestWithParam<bool> {};

TEST_P(RedisDumpTest, LoadsEveryTypeRedisWrites) {
  const bool compression = GetParam();
  rdbtest::TempDir dir;
  ServerProcess redis(integration::ReferenceServer());
  std::string error;
  ASSERT_TRUE(redis.Start(
      {"--dir", dir.path(), "--save", "", "--rdbcompression", compression ? "yes" : "no"}, &error))
      << error;
  integration::RedisContextPtr c = ConnectHiredis(redis.port());
  ASSERT_NE(c, nullptr);
  MirrorLimits(c.get());
  Fill(c.get(), "");
  Ok(c.get(), {"SELECT", "3"});
  Fill(c.get(), "db3:");
  Snapshot want;
  Expect(c.get(), 0, &want);
  Expect(c.get(), 3, &want);
  ASSERT_EQ(One(c.get(), {"SAVE"}), "OK");
  // The dump covers the encodings the test means to cover.
  EXPECT_EQ(want.at({0, "h:small"}).rfind("hash listpack", 0), 0u);
  EXPECT_EQ(want.at({0, "h:big"}).rfind("hash hashtable", 0), 0u);
  EXPECT_EQ(want.at({0, "set:intset"}).rfind("set intset", 0), 0u);
  EXPECT_EQ(want.at({0, "set:big-ints"}).rfind("set hashtable", 0), 0u);
  EXPECT_EQ(want.at({0, "z:small"}).rfind("zset listpack", 0), 0u);
  EXPECT_EQ(want.at({0, "z:big"}).rfind("zset skiplist", 0), 0u);
  EXPECT_EQ(want.at({0, "s:noisy"}).rfind("string raw", 0), 0u);

  if (compression) {
    // The long repetitive string went through LZF.
    const std::string dump = rdbtest::ReadWholeFile(dir.File("dump.rdb"));
    EXPECT_EQ(dump.find("compress me please compress me please"), std::string::npos);
  }
  rdbtest::LoadedFile got = rdbtest::LoadFile(dir.File("dump.rdb"));
  EXPECT_EQ(got.version, 10);
  EXPECT_EQ(got.aux["redis-ver"].rfind("7.", 0), 0u);
  const Snapshot have = got.Describe();
  EXPECT_EQ(have.size(), want.size());
  for (const auto& [key, desc] : want) {
    auto it = have.find(key);
    if (it == have.end()) {
      ADD_FAILURE() << "missing db " << key.first << " key " << key.second;
      continue;
    }
    EXPECT_EQ(it->second, desc) << "db " << key.first << " key " << key.second;
  }
  redis.Stop();
}

INSTANTIATE_TEST_SUITE_P(Compression, RedisDumpTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Compressed" : "Plain"; });

// The other direction: redis-server loads a file written by RdbFileWriter and holds exactly
// what we wrote, in the same encodings (its thresholds are set to ours).
TEST_P(RedisDumpTest, RedisLoadsOurFile) {
  const bool compression = GetParam();
  rdbtest::TempDir dir;
  std::vector<std::unique_ptr<storage::DbTable>> dbs;
  Snapshot want;
  std::string error;
  RdbAux aux;
  aux.ctime = 1700000000;
  auto w = RdbFileWriter::Create(dir.File("dump.rdb"), aux, &error);
  ASSERT_NE(w, nullptr) << error;
  for (int db : {0, 3}) {
    dbs.push_back(std::make_unique<storage::DbTable>(db, nullptr));
    storage::DbTable& t = *dbs.back();
    rdbtest::FillTable(t, /*big=*/db == 0);
    rdbtest::AddToSnapshot(db, t, &want);
  }
  // Two chunks per database written in turn, so each db has two SELECTDB opcodes.
  for (int half : {0, 1}) {
    for (const auto& t : dbs) {
      std::string records;
      int i = 0;
      t->ForEach([&](const storage::Entry& e) {
        if (i++ % 2 == half) AppendRdbRecord(e, t->GetExpire(&e), compression, &records);
      });
      ASSERT_TRUE(w->AppendRecords(t->db_index(), records));
    }
  }
  ASSERT_TRUE(w->Commit(&error)) << error;

  const storage::EncodingLimits& l = storage::GlobalEncodingLimits();
  ServerProcess redis(integration::ReferenceServer());
  ASSERT_TRUE(
      redis.Start({"--dir", dir.path(), "--dbfilename", "dump.rdb", "--save", "",
                   "--list-max-listpack-size", std::to_string(l.list_max_listpack_size),
                   "--hash-max-listpack-entries", std::to_string(l.hash_max_listpack_entries),
                   "--hash-max-listpack-value", std::to_string(l.hash_max_listpack_value),
                   "--set-max-intset-entries", std::to_string(l.set_max_intset_entries),
                   "--zset-max-listpack-entries", std::to_string(l.zset_max_listpack_entries),
                   "--zset-max-listpack-value", std::to_string(l.zset_max_listpack_value)},
                  &error))
      << error;
  integration::RedisContextPtr c = ConnectHiredis(redis.port());
  ASSERT_NE(c, nullptr);
  Snapshot have;
  Expect(c.get(), 0, &have);
  Expect(c.get(), 3, &have);
  EXPECT_GT(want.size(), 20u);
  EXPECT_EQ(have, want);
  redis.Stop();
}

}  // namespace
}  // namespace tessera::persistence
