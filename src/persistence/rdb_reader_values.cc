// RdbReader: building values from records, with the encodings Redis 7.0's loader would choose
// under the current thresholds (see rdb_reader.h).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <unordered_set>
#include <utility>

#include "src/persistence/rdb_format.h"
#include "src/persistence/rdb_reader.h"
#include "src/persistence/redis_blobs.h"
#include "storage/hash_ops.h"
#include "storage/hash_value.h"
#include "storage/list_value.h"
#include "storage/set_ops.h"
#include "storage/set_value.h"
#include "storage/zset_value.h"

namespace tessera::persistence {
namespace {

// A listpack or ziplist score: an integer entry, or text that strtod reads completely.
bool ParsePackedScore(const PackedItem& item, double* score) {
  if (item.is_int) {
    *score = static_cast<double>(item.integer);
    return true;
  }
  if (item.str.empty() || item.str.size() > 127) return false;
  char buf[128];
  std::memcpy(buf, item.str.data(), item.str.size());
  buf[item.str.size()] = '\0';
  char* end = nullptr;
  *score = std::strtod(buf, &end);
  return end == buf + item.str.size() && !std::isnan(*score);
}

// Sorts into the skiplist's (score, member) order; false if a member appears twice.
bool SortScored(std::vector<storage::ScoredMember>* members) {
  std::sort(members->begin(), members->end(),
            [](const storage::ScoredMember& a, const storage::ScoredMember& b) {
              if (a.score != b.score) return a.score < b.score;
              return a.member < b.member;
            });
  std::unordered_set<std::string_view> seen;
  seen.reserve(members->size());
  for (const storage::ScoredMember& m : *members) {
    if (!seen.insert(m.member).second) return false;
  }
  return true;
}

// Limits that never force a conversion, for building a packed value that Redis's loader keeps
// packed whatever its value lengths.
constexpr storage::HashLimits kNoHashLimits{std::numeric_limits<size_t>::max(),
                                            std::numeric_limits<size_t>::max()};

// Size hints are capped: a count comes from the file and is only known to be plausible, and a
// table grows by itself anyway.
size_t SizeHint(uint64_t n) { return static_cast<size_t>(std::min<uint64_t>(n, 1 << 20)); }

}  // namespace

bool RdbReader::ReadValue(uint8_t type, RdbRecord* out, bool* empty) {
  switch (type) {
    case kRdbTypeString:
      out->type = storage::ValueType::kString;
      return ReadString(&out->string_value);
    case kRdbTypeList:
    case kRdbTypeListZiplist:
    case kRdbTypeListQuicklist:
    case kRdbTypeListQuicklist2:
      out->type = storage::ValueType::kList;
      if (!ReadList(type, out)) return false;
      break;
    case kRdbTypeSet:
      out->type = storage::ValueType::kSet;
      if (!ReadSet(out)) return false;
      break;
    case kRdbTypeSetIntset:
      out->type = storage::ValueType::kSet;
      if (!ReadIntSet(out)) return false;
      break;
    case kRdbTypeHash:
      out->type = storage::ValueType::kHash;
      if (!ReadHash(out)) return false;
      break;
    case kRdbTypeHashListpack:
    case kRdbTypeHashZiplist:
      out->type = storage::ValueType::kHash;
      if (!ReadPackedHash(type, out)) return false;
      break;
    case kRdbTypeZSet:
    case kRdbTypeZSet2:
      out->type = storage::ValueType::kZSet;
      if (!ReadZSet(type, out)) return false;
      break;
    case kRdbTypeZSetListpack:
    case kRdbTypeZSetZiplist:
      out->type = storage::ValueType::kZSet;
      if (!ReadPackedZSet(type, out)) return false;
      break;
    case kRdbTypeHashZipmap:
      return Fail("the zipmap hash encoding (Redis before 2.6) is not supported");
    case kRdbTypeStreamListpacks:
    case kRdbTypeStreamListpacks2:
      return Fail("streams are not supported");
    case kRdbTypeModulePre:
    case kRdbTypeModule2:
      return Fail("module values are not supported");
    default:
      return Fail("unknown type " + std::to_string(type));
  }
  *empty = out->object == nullptr;
  return true;
}

bool RdbReader::ReadPackedBlob(bool ziplist, std::string* blob, std::vector<PackedItem>* items) {
  if (!ReadString(blob)) return false;
  items->clear();
  std::string why;
  const bool ok =
      ziplist ? DecodeRedisZiplist(*blob, items, &why) : DecodeRedisListpack(*blob, items, &why);
  if (!ok) return Fail((ziplist ? "corrupt ziplist: " : "corrupt listpack: ") + why);
  return true;
}

bool RdbReader::ReadList(uint8_t type, RdbRecord* out) {
  auto list = std::make_unique<storage::ListValue>();
  std::string s;
  if (type == kRdbTypeList) {
    uint64_t n;
    if (!ReadCount(&n, 1)) return false;
    for (uint64_t i = 0; i < n; ++i) {
      if (!ReadString(&s)) return false;
      list->Push(s, storage::ListEnd::kTail);
    }
  } else {
    // ZIPLIST is one ziplist; QUICKLIST a count of ziplist nodes; QUICKLIST_2 a count of
    // (container, blob) nodes where a PLAIN container holds one element as is.
    uint64_t nodes = 1;
    if (type != kRdbTypeListZiplist && !ReadCount(&nodes, 1)) return false;
    std::vector<PackedItem> items;
    for (uint64_t i = 0; i < nodes; ++i) {
      uint64_t container = kQuicklistNodePacked;
      if (type == kRdbTypeListQuicklist2) {
        if (!ReadLen(&container)) return false;
        if (container != kQuicklistNodePacked && container != kQuicklistNodePlain) {
          return Fail("unknown quicklist node container " + std::to_string(container));
        }
      }
      if (container == kQuicklistNodePlain) {
        if (!ReadString(&s)) return false;
        list->Push(s, storage::ListEnd::kTail);
        continue;
      }
      if (!ReadPackedBlob(type != kRdbTypeListQuicklist2, &s, &items)) return false;
      // Redis 7.0 silently drops empty nodes.
      for (const PackedItem& item : items) {
        if (item.is_int) {
          list->Push(storage::Int64ToString(item.integer), storage::ListEnd::kTail);
        } else {
          list->Push(item.str, storage::ListEnd::kTail);
        }
      }
    }
  }
  if (!list->empty()) out->object = std::move(list);
  return true;
}

bool RdbReader::ReadSet(RdbRecord* out) {
  uint64_t n;
  if (!ReadCount(&n, 1)) return false;
  if (n == 0) return true;
  const size_t max_intset = storage::MaxIntsetEntries();
  std::unique_ptr<storage::SetValue> set = n > max_intset
                                               ? storage::SetValue::CreateTable(SizeHint(n))
                                               : storage::SetValue::CreateIntSet();
  std::string member;
  for (uint64_t i = 0; i < n; ++i) {
    if (!ReadString(&member)) return false;
    storage::SetValue::Mutation m = set->Add(member, max_intset);
    if (!m.changed) return Fail("duplicate set members detected");
    if (m.replacement != nullptr) set = std::move(m.replacement);
  }
  out->object = std::move(set);
  return true;
}

bool RdbReader::ReadIntSet(RdbRecord* out) {
  std::string blob;
  if (!ReadString(&blob)) return false;
  std::vector<int64_t> values;
  std::string why;
  if (!DecodeRedisIntSet(blob, &values, &why)) return Fail("corrupt intset: " + why);
  if (values.empty()) return true;
  const size_t max_intset = storage::MaxIntsetEntries();
  std::unique_ptr<storage::SetValue> set;
  if (values.size() > max_intset) {
    set = storage::SetValue::CreateTable(SizeHint(values.size()));
  } else {
    // Room for every element at the widest width, so no insertion reallocates.
    set = storage::IntSetValue::Create(storage::IntSet::BytesFor(values.size(), 8));
  }
  char buf[storage::kInt64BufSize];
  for (int64_t v : values) {
    storage::SetValue::Mutation m =
        set->Add(std::string_view(buf, storage::FormatInt64(v, buf)), max_intset);
    if (m.replacement != nullptr) set = std::move(m.replacement);
  }
  out->object = std::move(set);
  return true;
}

bool RdbReader::ReadHash(RdbRecord* out) {
  uint64_t n;
  if (!ReadCount(&n, 2)) return false;
  if (n == 0) return true;
  const storage::HashLimits limits = storage::CurrentHashLimits();
  std::unique_ptr<storage::HashValue> hash;
  if (n > limits.max_listpack_entries) {
    hash = std::make_unique<storage::TableHashValue>(SizeHint(n));
  } else {
    hash = storage::HashValue::Create();
  }
  std::string field;
  std::string value;
  for (uint64_t i = 0; i < n; ++i) {
    if (!ReadString(&field) || !ReadString(&value)) return false;
    storage::HashValue::SetResult r = hash->Set(field, value, limits);
    if (!r.created) return Fail("duplicate hash fields detected");
    if (r.replacement != nullptr) hash = std::move(r.replacement);
  }
  out->object = std::move(hash);
  return true;
}

bool RdbReader::ReadPackedHash(uint8_t type, RdbRecord* out) {
  std::string blob;
  std::vector<PackedItem> items;
  if (!ReadPackedBlob(type == kRdbTypeHashZiplist, &blob, &items)) return false;
  if (items.size() % 2 != 0) return Fail("hash listpack with an odd number of entries");
  if (items.empty()) return true;
  const storage::HashLimits limits = storage::CurrentHashLimits();
  const size_t pairs = items.size() / 2;
  std::unique_ptr<storage::HashValue> hash;
  storage::HashLimits build_limits = kNoHashLimits;
  if (pairs > limits.max_listpack_entries) {
    hash = std::make_unique<storage::TableHashValue>(SizeHint(pairs));
  } else {
    hash = storage::HashValue::Create();
  }
  std::string field;
  std::string value;
  for (size_t i = 0; i < items.size(); i += 2) {
    field = items[i].ToString();
    value = items[i + 1].ToString();
    storage::HashValue::SetResult r = hash->Set(field, value, build_limits);
    if (!r.created) return Fail("duplicate hash fields detected");
    if (r.replacement != nullptr) hash = std::move(r.replacement);
  }
  out->object = std::move(hash);
  return true;
}

bool RdbReader::ReadZSet(uint8_t type, RdbRecord* out) {
  uint64_t n;
  if (!ReadCount(&n, 2)) return false;
  if (n == 0) return true;
  std::vector<storage::ScoredMember> members;
  members.reserve(SizeHint(n));
  for (uint64_t i = 0; i < n; ++i) {
    storage::ScoredMember m;
    if (!ReadString(&m.member)) return false;
    if (!(type == kRdbTypeZSet2 ? ReadBinaryDouble(&m.score) : ReadTextDouble(&m.score))) {
      return false;
    }
    if (std::isnan(m.score)) return Fail("zset with NAN score detected");
    members.push_back(std::move(m));
  }
  if (!SortScored(&members)) return Fail("duplicate zset fields detected");
  // FromSorted packs the set when it is within both limits: Redis 7.0 converts a loaded
  // skiplist to a listpack under the same condition.
  out->object = storage::ZSetValue::FromSorted(members);
  return true;
}

bool RdbReader::ReadPackedZSet(uint8_t type, RdbRecord* out) {
  std::string blob;
  std::vector<PackedItem> items;
  if (!ReadPackedBlob(type == kRdbTypeZSetZiplist, &blob, &items)) return false;
  if (items.size() % 2 != 0) return Fail("zset listpack with an odd number of entries");
  if (items.empty()) return true;
  std::vector<storage::ScoredMember> members(items.size() / 2);
  for (size_t i = 0; i < members.size(); ++i) {
    members[i].member = items[2 * i].ToString();
    if (!ParsePackedScore(items[2 * i + 1], &members[i].score)) {
      return Fail("invalid score in zset listpack");
    }
  }
  if (!SortScored(&members)) return Fail("duplicate zset fields detected");
  out->object = storage::ZSetValue::FromSorted(members);
  return true;
}

}  // namespace tessera::persistence
