// Helpers shared by the RDB tests (unit and compat): temporary directories, a canonical text
// description of a stored value for comparisons, and loading a whole file into DbTables.
// Test-thread only.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "src/persistence/rdb_reader.h"
#include "storage/db_table.h"
#include "storage/hash_ops.h"
#include "storage/hash_value.h"
#include "storage/list_value.h"
#include "storage/score.h"
#include "storage/set_ops.h"
#include "storage/set_value.h"
#include "storage/zset_value.h"

namespace tessera::persistence::rdbtest {

// A directory under /tmp removed with its contents at destruction.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/tessera-rdb-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string Lp(std::string_view s) {
  return std::to_string(s.size()) + ":" + std::string(s);
}

// "type encoding ttl | contents" with unordered collections sorted, so two values compare
// equal exactly when a client could not tell them apart (plus the encoding and the deadline).
inline std::string Describe(const storage::Entry& e, int64_t expire_at_ms) {
  std::string out = std::string(storage::TypeName(e.type())) + " " + e.EncodingName() + " " +
                    std::to_string(expire_at_ms) + " |";
  std::vector<std::string> parts;
  switch (e.type()) {
    case storage::ValueType::kString:
      out += " " + Lp(e.StringCopy());
      return out;
    case storage::ValueType::kList: {
      const auto& l = static_cast<const storage::ListValue&>(*e.object());
      for (auto c = l.At(0); c.Valid(); c.Next()) out += " " + Lp(c.ReadString());
      return out;
    }
    case storage::ValueType::kHash:
      static_cast<const storage::HashValue&>(*e.object())
          .ForEach([&](std::string_view f, std::string_view v) {
            parts.push_back(Lp(f) + "=" + Lp(v));
          });
      break;
    case storage::ValueType::kSet:
      static_cast<const storage::SetValue&>(*e.object()).ForEach([&](std::string_view m) {
        parts.push_back(Lp(m));
      });
      break;
    case storage::ValueType::kZSet: {
      const auto& z = static_cast<const storage::ZSetValue&>(*e.object());
      for (auto it = z.Begin(); it.Valid(); it.Next()) {
        out += " " + Lp(it.member()) + "@" + storage::ScoreToString(it.score());
      }
      return out;
    }
    case storage::ValueType::kStream:
      break;
  }
  std::sort(parts.begin(), parts.end());
  for (const std::string& p : parts) out += " " + p;
  return out;
}

// (db, key) -> description.
using Snapshot = std::map<std::pair<int, std::string>, std::string>;

inline void AddToSnapshot(int db, const storage::DbTable& table, Snapshot* out) {
  table.ForEach([&](const storage::Entry& e) {
    (*out)[{db, std::string(e.key())}] = Describe(e, table.GetExpire(&e));
  });
}

// Reads a whole file into 16 tables. Fails the test on a reader error.
struct LoadedFile {
  std::vector<std::unique_ptr<storage::DbTable>> dbs;
  std::map<std::string, std::string> aux;
  int version = 0;
  size_t records = 0;

  Snapshot Describe() const {
    Snapshot s;
    for (size_t i = 0; i < dbs.size(); ++i) AddToSnapshot(static_cast<int>(i), *dbs[i], &s);
    return s;
  }
};

inline LoadedFile LoadFile(const std::string& path) {
  LoadedFile f;
  for (int i = 0; i < 16; ++i) f.dbs.push_back(std::make_unique<storage::DbTable>(i, nullptr));
  std::string error;
  std::unique_ptr<RdbReader> r = RdbReader::Open(path, &error);
  EXPECT_NE(r, nullptr) << error;
  if (r == nullptr) return f;
  RdbRecord rec;
  RdbReader::Result res;
  while ((res = r->Next(&rec)) == RdbReader::Result::kRecord) {
    EXPECT_GE(rec.db, 0);
    EXPECT_LT(rec.db, 16);
    if (rec.db < 0 || rec.db >= 16) break;
    storage::DbTable& t = *f.dbs[rec.db];
    EXPECT_EQ(t.FindRaw(rec.key), nullptr) << "duplicate key " << rec.key;
    t.AddNew(rec.key, rec.TakeValue(), rec.expire_at_ms);
    ++f.records;
  }
  EXPECT_EQ(res, RdbReader::Result::kEnd) << r->error();
  EXPECT_EQ(r->offset(), r->file_size());
  f.aux = r->aux();
  f.version = r->version();
  return f;
}

inline std::string ReadWholeFile(const std::string& path) {
  std::string out;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

inline void WriteWholeFile(const std::string& path, const std::string& bytes) {
  // A fresh file rather than a truncated one: ext4 flushes a file that was truncated and
  // rewritten when it is closed (auto_da_alloc), which made the corruption loops crawl.
  std::remove(path.c_str());
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  std::fclose(f);
}

// ---- Building values the way commands build them.

inline std::unique_ptr<storage::ListValue> MakeList(const std::vector<std::string>& items) {
  auto l = std::make_unique<storage::ListValue>();
  for (const std::string& s : items) l->Push(s, storage::ListEnd::kTail);
  return l;
}

inline std::unique_ptr<storage::HashValue> MakeHash(
    const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::unique_ptr<storage::HashValue> h = storage::HashValue::Create();
  for (const auto& [f, v] : pairs) {
    auto r = h->Set(f, v, storage::CurrentHashLimits());
    if (r.replacement != nullptr) h = std::move(r.replacement);
  }
  return h;
}

inline std::unique_ptr<storage::SetValue> MakeSet(const std::vector<std::string>& members) {
  std::unique_ptr<storage::SetValue> s = storage::SetValue::CreateFor(members.at(0));
  for (const std::string& m : members) {
    auto r = s->Add(m, storage::MaxIntsetEntries());
    if (r.replacement != nullptr) s = std::move(r.replacement);
  }
  return s;
}

inline std::unique_ptr<storage::ZSetValue> MakeZSet(
    const std::vector<storage::ScoredMember>& members) {
  auto z = storage::ZSetValue::Create(members.at(0).member.size());
  for (const auto& m : members) z->Insert(m.member, m.score);
  return z;
}

inline void AddObject(storage::DbTable& t, std::string_view key, storage::ValueType type,
                      std::unique_ptr<storage::StoredObject> obj,
                      int64_t expire = storage::kNoExpire) {
  t.AddNew(key, storage::ValueInit::Object(type, std::move(obj)), expire);
}

inline std::vector<std::string> Numbered(const std::string& prefix, int n, size_t pad = 0) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i) + std::string(pad, 'p'));
  return out;
}

// Every type in every encoding, some with TTLs. `big` adds the larger values.
inline void FillTable(storage::DbTable& t, bool big) {
  std::mt19937_64 rng(99);
  t.AddNew("s:int", storage::ValueInit::String("12345"));
  t.AddNew("s:int64", storage::ValueInit::String("-9223372036854775808"));
  t.AddNew("s:embstr", storage::ValueInit::String("hello world"));
  t.AddNew("s:empty", storage::ValueInit::String(""));
  std::string compressible;
  while (compressible.size() < 300) compressible += "abcdefgh";
  t.AddNew("s:raw-compressible", storage::ValueInit::String(compressible), 4102444800123);
  std::string random(200, '\0');
  for (char& c : random) c = static_cast<char>(rng());
  t.AddNew("s:raw-random", storage::ValueInit::String(random));
  t.AddNew(std::string(100, 'K'), storage::ValueInit::String("a long, compressible key"));

  AddObject(t, "l:small", storage::ValueType::kList,
            MakeList({"a", "1", "-7", "bb", "123456789012"}));
  AddObject(t, "h:listpack", storage::ValueType::kHash, MakeHash({{"f1", "v1"}, {"n", "42"}}),
            4102444801000);
  AddObject(t, "set:intset", storage::ValueType::kSet,
            MakeSet({"1", "-5", "1099511627776", "70000"}));
  AddObject(t, "set:table", storage::ValueType::kSet, MakeSet({"x", "y", "1", "zz"}));
  AddObject(t, "z:listpack", storage::ValueType::kZSet,
            MakeZSet({{"a", 1.5}, {"b", -INFINITY}, {"c", INFINITY}, {"d", 0}, {"e", 3}}));
  if (!big) return;

  std::vector<std::string> items;
  for (int i = 0; i < 3000; ++i) {
    items.push_back(i % 3 == 0 ? std::to_string(i * 7919)
                               : std::string(1 + rng() % 40, static_cast<char>('a' + i % 26)));
  }
  AddObject(t, "l:multi-node", storage::ValueType::kList, MakeList(items), 4102444802000);
  std::vector<std::pair<std::string, std::string>> pairs;
  // Past hash-max-listpack-entries (512 by default).
  for (int i = 0; i < 600; ++i) pairs.emplace_back("field" + std::to_string(i), std::to_string(i));
  AddObject(t, "h:table", storage::ValueType::kHash, MakeHash(pairs));
  AddObject(t, "h:long-value", storage::ValueType::kHash, MakeHash({{"f", std::string(100, 'v')}}));
  AddObject(t, "set:big-ints", storage::ValueType::kSet, MakeSet(Numbered("", 1000)));
  std::vector<storage::ScoredMember> zs;
  for (int i = 0; i < 300; ++i) zs.push_back({"m" + std::to_string(i), i * 0.25 - 10});
  zs.push_back({"ninf", -INFINITY});
  zs.push_back({"pinf", INFINITY});
  zs.push_back({"tiny", 1e-300});
  AddObject(t, "z:skiplist", storage::ValueType::kZSet, MakeZSet(zs));
  AddObject(t, "z:long-member", storage::ValueType::kZSet, MakeZSet({{std::string(100, 'm'), 2}}));
}

}  // namespace tessera::persistence::rdbtest
