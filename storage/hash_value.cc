#include "storage/hash_value.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace tessera::storage {

// ---- HashValue.

std::unique_ptr<HashValue> HashValue::Create() { return ListpackHashValue::Create(); }

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

std::unique_ptr<ListpackHashValue> ListpackHashValue::Allocate(size_t data_bytes) {
  void* mem = std::malloc(RoomFor(data_bytes));
  if (mem == nullptr) throw std::bad_alloc();
  return std::unique_ptr<ListpackHashValue>(new (mem) ListpackHashValue());
}

void ListpackHashValue::operator delete(void* p) { std::free(p); }

std::unique_ptr<ListpackHashValue> ListpackHashValue::Create(size_t data_bytes) {
  return Allocate(data_bytes);
}

std::unique_ptr<StoredObject> ListpackHashValue::Clone() const {
  std::unique_ptr<ListpackHashValue> copy = Allocate(used_);
  if (used_ != 0) std::memcpy(copy->data(), data(), used_);
  copy->used_ = used_;
  copy->count_ = count_;
  return copy;
}

StoredObject* ListpackHashValue::CopyInto(void* dst) const {
  auto* copy = new (dst) ListpackHashValue();
  if (used_ != 0) std::memcpy(copy->data(), data(), used_);
  copy->used_ = used_;
  copy->count_ = count_;
  return copy;
}

Listpack ListpackHashValue::listpack() const {
  Listpack lp;
  ForEachPair([&lp](std::string_view f, std::string_view v) {
    lp.PushBack(f);
    lp.PushBack(v);
  });
  return lp;
}

std::string_view ListpackHashValue::ReadElement(const unsigned char** p) {
  size_t len;
  *p += MemberTable::GetVarint(*p, &len);
  const std::string_view v(reinterpret_cast<const char*>(*p), len);
  *p += len;
  return v;
}

unsigned char* ListpackHashValue::WriteElement(unsigned char* p, std::string_view v) {
  p += MemberTable::PutVarint(p, v.size());
  if (!v.empty()) std::memcpy(p, v.data(), v.size());
  return p + v.size();
}

size_t ListpackHashValue::FindField(std::string_view field) const {
  const unsigned char* const begin = data();
  const unsigned char* const end = begin + used_;
  const unsigned char* p = begin;
  while (p != end) {
    const unsigned char* at = p;
    if (ReadElement(&p) == field) return static_cast<size_t>(at - begin);
    ReadElement(&p);
  }
  return used_;
}

unsigned char* ListpackHashValue::Splice(size_t at, size_t remove, size_t insert,
                                         std::unique_ptr<ListpackHashValue>* replacement) {
  const size_t used = used_ - remove + insert;
  const size_t tail = used_ - at - remove;
  ListpackHashValue* target = this;
  if (RoomFor(used) > Room()) {
    std::unique_ptr<ListpackHashValue> bigger = Allocate(used);
    if (at != 0) std::memcpy(bigger->data(), data(), at);
    if (tail != 0) std::memcpy(bigger->data() + at + insert, data() + at + remove, tail);
    bigger->count_ = count_;
    target = bigger.get();
    *replacement = std::move(bigger);
  } else if (tail != 0 && insert != remove) {
    std::memmove(data() + at + insert, data() + at + remove, tail);
  }
  target->used_ = static_cast<uint32_t>(used);
  return target->data() + at;
}

bool ListpackHashValue::Get(std::string_view field, std::string* out) const {
  const size_t at = FindField(field);
  if (at == used_) return false;
  const unsigned char* p = data() + at;
  ReadElement(&p);
  out->assign(ReadElement(&p));
  return true;
}

bool ListpackHashValue::Contains(std::string_view field) const { return FindField(field) != used_; }

HashValue::SetResult ListpackHashValue::Set(std::string_view field, std::string_view value,
                                            const HashLimits& limits) {
  auto to_table = [&]() -> SetResult {
    std::unique_ptr<HashValue> table = ToTable();
    SetResult r = table->Set(field, value, limits);
    return {r.created, std::move(table)};
  };
  if (field.size() > limits.max_listpack_value || value.size() > limits.max_listpack_value) {
    return to_table();
  }
  std::unique_ptr<ListpackHashValue> bigger;
  const size_t at = FindField(field);
  if (at != used_) {
    const unsigned char* p = data() + at;
    ReadElement(&p);
    const size_t value_at = static_cast<size_t>(p - data());
    const size_t old_size = ElementSize(ReadElement(&p).size());
    const size_t new_size = ElementSize(value.size());
    if (used_ - old_size + new_size > kMaxDataBytes) return to_table();
    WriteElement(Splice(value_at, old_size, new_size, &bigger), value);
    return {false, std::move(bigger)};
  }
  const size_t add = ElementSize(field.size()) + ElementSize(value.size());
  // Redis converts once the listpack holds more than hash-max-listpack-entries pairs.
  if (count_ + 1 > limits.max_listpack_entries || used_ + add > kMaxDataBytes) return to_table();
  WriteElement(WriteElement(Splice(used_, 0, add, &bigger), field), value);
  ++(bigger != nullptr ? bigger.get() : this)->count_;
  return {true, std::move(bigger)};
}

bool ListpackHashValue::Delete(std::string_view field) {
  const size_t at = FindField(field);
  if (at == used_) return false;
  const unsigned char* p = data() + at;
  ReadElement(&p);
  ReadElement(&p);
  const size_t n = static_cast<size_t>(p - (data() + at));
  std::unique_ptr<ListpackHashValue> unused;
  Splice(at, n, 0, &unused);  // shrinking always fits
  --count_;
  return true;
}

FieldValue ListpackHashValue::RandomPair(Rng& rng) const {
  size_t pair = rng() % count_;
  const unsigned char* p = data();
  while (pair-- > 0) {
    ReadElement(&p);
    ReadElement(&p);
  }
  const std::string_view f = ReadElement(&p);
  const std::string_view v = ReadElement(&p);
  return {std::string(f), std::string(v)};
}

uint64_t ListpackHashValue::Scan(uint64_t, size_t, std::vector<FieldValue>* out) const {
  ForEachPair([out](std::string_view f, std::string_view v) { out->emplace_back(f, v); });
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
