// RdbReader on hand-built files (legacy record types, unsupported types, empty keys) and on
// corrupt files: every truncation and random byte flips must give kError, never a crash
// (this binary also runs under ASan+UBSan).
#include "src/persistence/rdb_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "src/persistence/crc64.h"
#include "src/persistence/rdb_format.h"
#include "src/persistence/rdb_writer.h"
#include "src/persistence/redis_blobs.h"
#include "tests/unit/persistence/rdb_test_util.h"

namespace tessera::persistence {
namespace {

using rdbtest::TempDir;

// "REDIS<version>" + body + EOF + CRC-64.
std::string MakeFile(const std::string& body, int version = 10) {
  char head[16];
  std::snprintf(head, sizeof(head), "REDIS%04d", version);
  std::string f = head + body;
  f.push_back(static_cast<char>(kRdbOpcodeEof));
  if (version >= 5) {
    const uint64_t crc = Crc64(0, f.data(), f.size());
    for (int i = 0; i < 8; ++i) f.push_back(static_cast<char>(crc >> (8 * i)));
  }
  return f;
}

void Key(uint8_t type, const std::string& key, std::string* out) {
  out->push_back(static_cast<char>(type));
  AppendRdbString(key, false, out);
}

// Reads every record, returning the final result; *records counts the records.
RdbReader::Result ReadAll(const std::string& path, std::string* error, size_t* records = nullptr) {
  std::unique_ptr<RdbReader> r = RdbReader::Open(path, error);
  if (r == nullptr) return RdbReader::Result::kError;
  RdbRecord rec;
  RdbReader::Result res;
  size_t n = 0;
  while ((res = r->Next(&rec)) == RdbReader::Result::kRecord) {
    ++n;
    // Building the value exercises what a loader does with it.
    rec.TakeValue();
  }
  if (records != nullptr) *records = n;
  *error = r->error();
  return res;
}

TEST(RdbReaderTest, LegacyRecordTypes) {
  std::string body;
  // Version 6: EXPIRETIME in seconds, the old LIST/SET/ZSET/HASH types and the ziplist ones.
  body.push_back(static_cast<char>(kRdbOpcodeSelectDb));
  AppendRdbLength(2, &body);
  body.push_back(static_cast<char>(kRdbOpcodeExpireTime));
  body.append("\x00\xf1\x53\x65", 4);  // 1700000000 little endian
  Key(kRdbTypeList, "list", &body);
  AppendRdbLength(3, &body);
  for (const char* s : {"a", "12", "c"}) AppendRdbString(s, false, &body);
  Key(kRdbTypeSet, "set", &body);
  AppendRdbLength(2, &body);
  for (const char* s : {"7", "8"}) AppendRdbString(s, false, &body);
  Key(kRdbTypeZSet, "zset", &body);
  AppendRdbLength(3, &body);
  AppendRdbString("x", false, &body);
  body.append(
      "\x03"
      "1.5",
      4);
  AppendRdbString("y", false, &body);
  body.push_back(static_cast<char>(kRdbScoreNegInf));
  AppendRdbString("z", false, &body);
  body.push_back(static_cast<char>(kRdbScorePosInf));
  Key(kRdbTypeHash, "hash", &body);
  AppendRdbLength(1, &body);
  AppendRdbString("f", false, &body);
  AppendRdbString("v", false, &body);
  // A ziplist "ab", 5, 1000 as list, and as a quicklist of two such nodes.
  const std::string zl(
      "\x15\x00\x00\x00\x10\x00\x00\x00\x03\x00"
      "\x00\x02"
      "ab"
      "\x04\xf6"
      "\x02\xc0\xe8\x03"
      "\xff",
      21);
  Key(kRdbTypeListZiplist, "zlist", &body);
  AppendRdbString(zl, false, &body);
  Key(kRdbTypeListQuicklist, "qlist", &body);
  AppendRdbLength(2, &body);
  AppendRdbString(zl, false, &body);
  AppendRdbString(zl, false, &body);
  // Ziplist hash and zset: pairs ("a","b") ("c","d") / ("m", 2) ("n", "1.5").
  const std::string zl_hash(
      "\x17\x00\x00\x00\x13\x00\x00\x00\x04\x00"
      "\x00\x01"
      "a"
      "\x03\x01"
      "b"
      "\x03\x01"
      "c"
      "\x03\x01"
      "d"
      "\xff",
      23);
  Key(kRdbTypeHashZiplist, "zhash", &body);
  AppendRdbString(zl_hash, false, &body);
  const std::string zl_zset(
      "\x18\x00\x00\x00\x12\x00\x00\x00\x04\x00"
      "\x00\x01"
      "m"
      "\x03\xf3"
      "\x02\x01"
      "n"
      "\x03\x03"
      "1.5"
      "\xff",
      24);
  Key(kRdbTypeZSetZiplist, "zzset", &body);
  AppendRdbString(zl_zset, false, &body);
  Key(kRdbTypeSetIntset, "iset", &body);
  AppendRdbString(EncodeRedisIntSet({-3, 9}, 4), false, &body);

  TempDir dir;
  const std::string path = dir.File("old.rdb");
  rdbtest::WriteWholeFile(path, MakeFile(body, 6));
  rdbtest::LoadedFile f = rdbtest::LoadFile(path);
  EXPECT_EQ(f.version, 6);
  const rdbtest::Snapshot got = f.Describe();
  const auto at = [&](const std::string& key) { return got.at({2, key}); };
  EXPECT_EQ(at("list"), "list quicklist 1700000000000 | 1:a 2:12 1:c");
  EXPECT_EQ(at("set"), "set intset -1 | 1:7 1:8");
  EXPECT_EQ(at("zset"), "zset listpack -1 | 1:y@-inf 1:x@1.5 1:z@inf");
  EXPECT_EQ(at("hash"), "hash listpack -1 | 1:f=1:v");
  EXPECT_EQ(at("zlist"), "list quicklist -1 | 2:ab 1:5 4:1000");
  EXPECT_EQ(at("qlist"), "list quicklist -1 | 2:ab 1:5 4:1000 2:ab 1:5 4:1000");
  EXPECT_EQ(at("zhash"), "hash listpack -1 | 1:a=1:b 1:c=1:d");
  EXPECT_EQ(at("zzset"), "zset listpack -1 | 1:n@1.5 1:m@2");
  EXPECT_EQ(at("iset"), "set intset -1 | 1:9 2:-3");
}

TEST(RdbReaderTest, EmptyCollectionsAreSkippedLikeRedis) {
  std::string body;
  Key(kRdbTypeSet, "empty-set", &body);
  AppendRdbLength(0, &body);
  Key(kRdbTypeListQuicklist2, "empty-list", &body);
  AppendRdbLength(1, &body);
  AppendRdbLength(kQuicklistNodePacked, &body);
  AppendRdbString(RedisListpackBuilder().Finish(), false, &body);
  Key(kRdbTypeString, "k", &body);
  AppendRdbString("v", false, &body);
  TempDir dir;
  rdbtest::WriteWholeFile(dir.File("e.rdb"), MakeFile(body));
  std::string error;
  auto r = RdbReader::Open(dir.File("e.rdb"), &error);
  ASSERT_NE(r, nullptr);
  RdbRecord rec;
  ASSERT_EQ(r->Next(&rec), RdbReader::Result::kRecord);
  EXPECT_EQ(rec.key, "k");
  EXPECT_EQ(r->Next(&rec), RdbReader::Result::kEnd);
  EXPECT_EQ(r->empty_keys_skipped(), 2u);
}

TEST(RdbReaderTest, UnsupportedAndInvalidInputNameTheProblem) {
  TempDir dir;
  const std::string path = dir.File("x.rdb");
  const auto error_for = [&](const std::string& file) {
    rdbtest::WriteWholeFile(path, file);
    std::string error;
    EXPECT_EQ(ReadAll(path, &error), RdbReader::Result::kError);
    return error;
  };
  std::string body;
  Key(kRdbTypeStreamListpacks2, "mystream", &body);
  std::string e = error_for(MakeFile(body));
  EXPECT_NE(e.find("streams are not supported"), std::string::npos) << e;
  EXPECT_NE(e.find("mystream"), std::string::npos) << e;
  EXPECT_EQ(e.rfind("Bad RDB format at offset ", 0), 0u) << e;

  EXPECT_NE(error_for(MakeFile(std::string(1, '\x15'))).find("unknown type 21"), std::string::npos);
  body.assign(1, static_cast<char>(kRdbOpcodeFunction2));
  AppendRdbString("#!lua name=x", false, &body);
  EXPECT_NE(error_for(MakeFile(body)).find("functions are not supported"), std::string::npos);
  body.assign(1, static_cast<char>(kRdbOpcodeModuleAux));
  EXPECT_NE(error_for(MakeFile(body)).find("module"), std::string::npos);

  // Duplicates and NaN scores.
  body.clear();
  Key(kRdbTypeSet, "s", &body);
  AppendRdbLength(2, &body);
  AppendRdbString("a", false, &body);
  AppendRdbString("a", false, &body);
  EXPECT_NE(error_for(MakeFile(body)).find("duplicate"), std::string::npos);
  body.clear();
  Key(kRdbTypeZSet2, "z", &body);
  AppendRdbLength(1, &body);
  AppendRdbString("a", false, &body);
  AppendRdbBinaryDouble(NAN, &body);
  EXPECT_NE(error_for(MakeFile(body)).find("NAN"), std::string::npos);

  // A checksum mismatch; a zero checksum is accepted.
  body.clear();
  Key(kRdbTypeString, "k", &body);
  AppendRdbString("v", false, &body);
  std::string file = MakeFile(body);
  file.back() ^= 1;
  EXPECT_NE(error_for(file).find("checksum"), std::string::npos);
  std::fill(file.end() - 8, file.end(), '\0');
  rdbtest::WriteWholeFile(path, file);
  std::string error;
  EXPECT_EQ(ReadAll(path, &error), RdbReader::Result::kEnd) << error;

  // Signature and version.
  rdbtest::WriteWholeFile(path, "REDIS0011");
  EXPECT_EQ(RdbReader::Open(path, &error), nullptr);
  EXPECT_EQ(error, "Can't handle RDB format version 11");
  rdbtest::WriteWholeFile(path, "RODIS0010");
  EXPECT_EQ(RdbReader::Open(path, &error), nullptr);
  EXPECT_NE(error.find("Wrong signature"), std::string::npos);
  EXPECT_EQ(RdbReader::Open(dir.File("missing.rdb"), &error), nullptr);
}

// A small file with every type, compressed strings and TTLs.
std::string SmallSampleFile(const TempDir& dir) {
  storage::DbTable t(0, nullptr);
  t.AddNew("int", storage::ValueInit::String("-123"));
  t.AddNew("str", storage::ValueInit::String(std::string(40, 'q') + "tail"), 1700000000000);
  auto list = std::make_unique<storage::ListValue>();
  for (const char* s : {"a", "100000", "ccc"}) list->Push(s, storage::ListEnd::kTail);
  t.AddNew("list", storage::ValueInit::Object(storage::ValueType::kList, std::move(list)));
  std::unique_ptr<storage::HashValue> h = storage::HashValue::Create();
  if (auto r = h->Set("f", "v", storage::HashLimits{}); r.replacement != nullptr) {
    h = std::move(r.replacement);
  }
  t.AddNew("hash", storage::ValueInit::Object(storage::ValueType::kHash, std::move(h)));
  std::unique_ptr<storage::SetValue> s = storage::SetValue::CreateIntSet();
  if (auto m = s->Add("5", 512); m.replacement != nullptr) s = std::move(m.replacement);
  t.AddNew("iset", storage::ValueInit::Object(storage::ValueType::kSet, std::move(s)));
  std::unique_ptr<storage::SetValue> ts = storage::SetValue::CreateTable();
  if (auto m = ts->Add("m", 512); m.replacement != nullptr) ts = std::move(m.replacement);
  t.AddNew("tset", storage::ValueInit::Object(storage::ValueType::kSet, std::move(ts)));
  auto z = std::make_unique<storage::ZSetValue>();
  z->Insert("a", 1.25);
  t.AddNew("zlp", storage::ValueInit::Object(storage::ValueType::kZSet, std::move(z)));
  auto zs = std::make_unique<storage::ZSetValue>();
  zs->Insert("b", -2);
  zs->ConvertToSkipList();
  t.AddNew("zsk", storage::ValueInit::Object(storage::ValueType::kZSet, std::move(zs)));
  std::string records;
  t.ForEach([&](const storage::Entry& e) { AppendRdbRecord(e, t.GetExpire(&e), true, &records); });
  std::string error;
  const std::string path = dir.File("small.rdb");
  auto w = RdbFileWriter::Create(path, RdbAux{}, &error);
  w->AppendRecords(0, records);
  EXPECT_TRUE(w->Commit(&error)) << error;
  return rdbtest::ReadWholeFile(path);
}

TEST(RdbReaderTest, EveryTruncationIsAnError) {
  TempDir dir;
  const std::string file = SmallSampleFile(dir);
  ASSERT_GT(file.size(), 100u);
  const std::string path = dir.File("cut.rdb");
  std::string error;
  size_t records = 0;
  rdbtest::WriteWholeFile(path, file);
  ASSERT_EQ(ReadAll(path, &error, &records), RdbReader::Result::kEnd) << error;
  EXPECT_EQ(records, 8u);
  for (size_t n = 0; n < file.size(); ++n) {
    rdbtest::WriteWholeFile(path, file.substr(0, n));
    EXPECT_EQ(ReadAll(path, &error), RdbReader::Result::kError) << "prefix " << n;
  }
}

TEST(RdbReaderTest, ByteFlipsAreCaughtOrHarmless) {
  TempDir dir;
  const std::string file = SmallSampleFile(dir);
  const std::string path = dir.File("flip.rdb");
  std::mt19937_64 rng(12345);
  std::string error;
  // With the checksum every flip is detected (at the latest at EOF).
  for (int i = 0; i < 2000; ++i) {
    std::string bad = file;
    bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    rdbtest::WriteWholeFile(path, bad);
    EXPECT_EQ(ReadAll(path, &error), RdbReader::Result::kError) << i;
  }
  // Without one (zero = not computed), the decoders alone face the damage: any outcome but a
  // crash or an out-of-bounds access is acceptable.
  std::string unchecked = file;
  std::fill(unchecked.end() - 8, unchecked.end(), '\0');
  int errors = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string bad = unchecked;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k) {
      bad[rng() % (bad.size() - 8)] ^= static_cast<char>(1 + rng() % 255);
    }
    rdbtest::WriteWholeFile(path, bad);
    if (ReadAll(path, &error) == RdbReader::Result::kError) ++errors;
  }
  EXPECT_GT(errors, 0);
}

}  // namespace
}  // namespace tessera::persistence
