#include "storage/hash_value.h"

#include <cstring>
#include <utility>

namespace tessera::storage {

// ---- HashValue.

std::unique_ptr<HashValue> HashValue::Create() { return std::make_unique<ListpackHashValue>(); }

std::vector<FieldValue> HashValue::Pairs() const {
  std::vector<FieldValue> out;
  out.reserve(size());
  ForEach([&out](std::string_view f, std::string_view v) { out.emplace_back(f, v); });
  return out;
}

std::unique_ptr<HashValue> HashValue::ToTable() const {
  auto table = std::make_unique<TableHashValue>(size());
  const HashLimits unused;
  ForEach([&](std::string_view f, std::string_view v) { table->Set(f, v, unused); });
  return table;
}

// ---- ListpackHashValue.

std::unique_ptr<StoredObject> ListpackHashValue::Clone() const {
  auto copy = std::make_unique<ListpackHashValue>();
  copy->lp_ = lp_;
  return copy;
}

size_t ListpackHashValue::MemoryUsage() const {
  const size_t lp_bytes = lp_.bytes();
  return AllocatorSizeClass(sizeof(*this)) + (lp_bytes == 0 ? 0 : AllocatorSizeClass(lp_bytes));
}

size_t ListpackHashValue::FindField(std::string_view field) const {
  return lp_.Find(field, 0, /*step=*/2);
}

bool ListpackHashValue::Get(std::string_view field, std::string* out) const {
  const size_t idx = FindField(field);
  if (idx == lp_.size()) return false;
  Listpack::Value v;
  lp_.Get(idx + 1, &v);
  out->assign(v.str);
  return true;
}

bool ListpackHashValue::Contains(std::string_view field) const {
  return FindField(field) != lp_.size();
}

HashValue::SetResult ListpackHashValue::Set(std::string_view field, std::string_view value,
                                            const HashLimits& limits) {
  if (field.size() > limits.max_listpack_value || value.size() > limits.max_listpack_value) {
    std::unique_ptr<HashValue> table = ToTable();
    SetResult r = table->Set(field, value, limits);
    return {r.created, std::move(table)};
  }
  const size_t idx = FindField(field);
  if (idx != lp_.size()) {
    lp_.Replace(idx + 1, value);
    return {false, nullptr};
  }
  lp_.PushBack(field);
  lp_.PushBack(value);
  SetResult r{true, nullptr};
  if (size() > limits.max_listpack_entries) r.replacement = ToTable();
  return r;
}

bool ListpackHashValue::Delete(std::string_view field) {
  const size_t idx = FindField(field);
  if (idx == lp_.size()) return false;
  lp_.Erase(idx, 2);
  return true;
}

FieldValue ListpackHashValue::RandomPair(Rng& rng) const {
  const size_t pair = rng() % size();
  Listpack::Value f;
  Listpack::Value v;
  Listpack::Cursor c = lp_.At(pair * 2);
  c.Read(&f);
  c.Next();
  c.Read(&v);
  return {std::string(f.str), std::string(v.str)};
}

uint64_t ListpackHashValue::Scan(uint64_t, size_t, std::vector<FieldValue>* out) const {
  ForEach([out](std::string_view f, std::string_view v) { out->emplace_back(f, v); });
  return 0;
}

// ---- TableHashValue.

TableHashValue::TableHashValue(size_t size_hint) {
  if (size_hint > 0) table_.Reserve(size_hint);
}

std::string_view TableHashValue::ValueOf(const unsigned char* block) {
  const unsigned char* p = MemberTable::Payload(block);
  size_t len;
  p += MemberTable::GetVarint(p, &len);
  return {reinterpret_cast<const char*>(p), len};
}

void TableHashValue::WriteValue(unsigned char* block, std::string_view value) {
  unsigned char* p = MemberTable::Payload(block);
  p += MemberTable::PutVarint(p, value.size());
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
}

std::unique_ptr<StoredObject> TableHashValue::Clone() const {
  auto copy = std::make_unique<TableHashValue>(size());
  const HashLimits unused;
  ForEach([&copy, &unused](std::string_view f, std::string_view v) { copy->Set(f, v, unused); });
  return copy;
}

size_t TableHashValue::MemoryUsage() const {
  return AllocatorSizeClass(sizeof(*this)) + table_.MemoryUsage();
}

bool TableHashValue::Get(std::string_view field, std::string* out) const {
  const unsigned char* block = table_.Find(field);
  if (block == nullptr) return false;
  out->assign(ValueOf(block));
  return true;
}

bool TableHashValue::Contains(std::string_view field) const {
  return table_.Find(field) != nullptr;
}

HashValue::SetResult TableHashValue::Set(std::string_view field, std::string_view value,
                                         const HashLimits&) {
  unsigned char* block = table_.Find(field);
  if (block == nullptr) {
    WriteValue(table_.Insert(field, PayloadSize(value.size())), value);
    return {true, nullptr};
  }
  const size_t old_payload = PayloadSize(ValueOf(block).size());
  const size_t payload = PayloadSize(value.size());
  if (payload != old_payload) block = table_.ResizePayload(block, old_payload, payload);
  WriteValue(block, value);
  return {false, nullptr};
}

bool TableHashValue::Delete(std::string_view field) {
  const unsigned char* block = table_.Find(field);
  if (block == nullptr) return false;
  return table_.Erase(field, PayloadSize(ValueOf(block).size()));
}

FieldValue TableHashValue::RandomPair(Rng& rng) const {
  const unsigned char* block = table_.Random(rng);
  return {std::string(MemberTable::Key(block)), std::string(ValueOf(block))};
}

uint64_t TableHashValue::Scan(uint64_t cursor, size_t count, std::vector<FieldValue>* out) const {
  // scanGenericCommand: stop at `count` pairs, after count*10 bucket steps, or at the end.
  size_t steps = count * 10;
  const size_t start = out->size();
  do {
    cursor = table_.ScanStep(cursor, [out](const unsigned char* b) {
      out->emplace_back(MemberTable::Key(b), ValueOf(b));
    });
  } while (cursor != 0 && steps-- > 0 && out->size() - start < count);
  return cursor;
}

}  // namespace tessera::storage
