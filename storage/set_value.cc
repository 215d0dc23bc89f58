#include "storage/set_value.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "storage/key_hash.h"

namespace tessera::storage {
namespace {

// One seed for every member table of the process: keeps the tables 8 bytes smaller than a
// per-table seed would, and is still unpredictable from outside.
uint64_t TableSeed() {
  static const uint64_t seed = RandomHashSeed();
  return seed;
}

uint64_t Reverse64(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

int CeilLog2(size_t n) {
  int log2 = 0;
  while ((size_t{1} << log2) < n) ++log2;
  return log2;
}

constexpr int kMinLog2 = 2;  // 4 buckets, as Redis's DICT_HT_INITIAL_SIZE

}  // namespace

size_t AllocatorSizeClass(size_t n) {
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) & ~size_t{15};
  // (2^k, 2^(k+1)] is split into four classes of 2^(k-2) bytes each.
  const int k = 63 - __builtin_clzll(static_cast<unsigned long long>(n - 1));
  const size_t step = (size_t{1} << k) >> 2;
  return (n + step - 1) & ~(step - 1);
}

// ---- MemberTable.

MemberTable::~MemberTable() { FreeAll(); }

MemberTable::MemberTable(MemberTable&& other) noexcept
    : buckets_(std::exchange(other.buckets_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      block_bytes_(std::exchange(other.block_bytes_, 0)),
      log2_(std::exchange(other.log2_, 0)) {}

MemberTable& MemberTable::operator=(MemberTable&& other) noexcept {
  if (this != &other) {
    FreeAll();
    buckets_ = std::exchange(other.buckets_, nullptr);
    size_ = std::exchange(other.size_, 0);
    block_bytes_ = std::exchange(other.block_bytes_, 0);
    log2_ = std::exchange(other.log2_, 0);
  }
  return *this;
}

void MemberTable::FreeAll() {
  const size_t n = bucket_count();
  for (size_t i = 0; i < n; ++i) {
    unsigned char* b = buckets_[i];
    while (b != nullptr) {
      unsigned char* next = Next(b);
      std::free(b);
      b = next;
    }
  }
  std::free(buckets_);
  buckets_ = nullptr;
  size_ = 0;
  block_bytes_ = 0;
  log2_ = 0;
}

size_t MemberTable::MemoryUsage() const {
  const size_t buckets = bucket_count();
  return (buckets == 0 ? 0 : AllocatorSizeClass(buckets * sizeof(unsigned char*))) + block_bytes_;
}

// Lengths are LEB128: one byte below 128, two below 16384.
size_t MemberTable::VarintSize(size_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

size_t MemberTable::PutVarint(unsigned char* p, size_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = static_cast<unsigned char>(v | 0x80);
    v >>= 7;
  }
  p[n++] = static_cast<unsigned char>(v);
  return n;
}

size_t MemberTable::GetVarint(const unsigned char* p, size_t* v) {
  size_t out = 0;
  size_t n = 0;
  int shift = 0;
  for (;;) {
    const unsigned char b = p[n++];
    out |= static_cast<size_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) break;
    shift += 7;
  }
  *v = out;
  return n;
}

size_t MemberTable::BlockSize(size_t key_len, size_t payload_len) {
  return sizeof(unsigned char*) + VarintSize(key_len) + key_len + payload_len;
}

std::string_view MemberTable::Key(const unsigned char* block) {
  size_t len;
  const unsigned char* p = block + sizeof(unsigned char*);
  p += GetVarint(p, &len);
  return {reinterpret_cast<const char*>(p), len};
}

const unsigned char* MemberTable::Payload(const unsigned char* block) {
  std::string_view key = Key(block);
  return reinterpret_cast<const unsigned char*>(key.data()) + key.size();
}

unsigned char* MemberTable::Payload(unsigned char* block) {
  return const_cast<unsigned char*>(Payload(static_cast<const unsigned char*>(block)));
}

unsigned char* MemberTable::Next(const unsigned char* block) {
  unsigned char* next;
  std::memcpy(&next, block, sizeof(next));
  return next;
}

void MemberTable::SetNext(unsigned char* block, unsigned char* next) {
  std::memcpy(block, &next, sizeof(next));
}

uint64_t MemberTable::NextCursor(uint64_t cursor, uint64_t mask) {
  // Redis's dictScan: increment the bits under the mask starting from the most significant.
  cursor |= ~mask;
  cursor = Reverse64(cursor);
  ++cursor;
  return Reverse64(cursor);
}

size_t MemberTable::BucketOf(std::string_view key) const {
  return HashKey(key, TableSeed()) & (bucket_count() - 1);
}

const unsigned char* MemberTable::Find(std::string_view key) const {
  if (buckets_ == nullptr) return nullptr;
  for (const unsigned char* b = buckets_[BucketOf(key)]; b != nullptr; b = Next(b)) {
    if (Key(b) == key) return b;
  }
  return nullptr;
}

unsigned char* MemberTable::Find(std::string_view key) {
  return const_cast<unsigned char*>(static_cast<const MemberTable*>(this)->Find(key));
}

void MemberTable::Rehash(int log2) {
  const size_t n = size_t{1} << log2;
  auto** fresh = static_cast<unsigned char**>(std::calloc(n, sizeof(unsigned char*)));
  if (fresh == nullptr) throw std::bad_alloc();
  const size_t old_n = bucket_count();
  unsigned char** old = buckets_;
  buckets_ = fresh;
  log2_ = log2;
  for (size_t i = 0; i < old_n; ++i) {
    unsigned char* b = old[i];
    while (b != nullptr) {
      unsigned char* next = Next(b);
      const size_t idx = BucketOf(Key(b));
      SetNext(b, buckets_[idx]);
      buckets_[idx] = b;
      b = next;
    }
  }
  std::free(old);
}

void MemberTable::Reserve(size_t n) {
  const int want = std::max(kMinLog2, CeilLog2(n));
  if (buckets_ == nullptr || want > log2_) Rehash(want);
}

unsigned char* MemberTable::Insert(std::string_view key, size_t payload_len) {
  if (buckets_ == nullptr) {
    Rehash(kMinLog2);
  } else if (size_ >= bucket_count()) {
    Rehash(log2_ + 1);
  }
  const size_t bytes = BlockSize(key.size(), payload_len);
  auto* block = static_cast<unsigned char*>(std::malloc(bytes));
  if (block == nullptr) throw std::bad_alloc();
  unsigned char* p = block + sizeof(unsigned char*);
  p += PutVarint(p, key.size());
  if (!key.empty()) std::memcpy(p, key.data(), key.size());
  const size_t idx = BucketOf(key);
  SetNext(block, buckets_[idx]);
  buckets_[idx] = block;
  ++size_;
  block_bytes_ += AllocatorSizeClass(bytes);
  return block;
}

unsigned char* MemberTable::ResizePayload(unsigned char* block, size_t old_payload_len,
                                          size_t payload_len) {
  const size_t key_len = Key(block).size();
  const size_t idx = BucketOf(Key(block));
  unsigned char* prev = nullptr;
  for (unsigned char* b = buckets_[idx]; b != block; b = Next(b)) prev = b;
  const size_t old_bytes = BlockSize(key_len, old_payload_len);
  const size_t bytes = BlockSize(key_len, payload_len);
  auto* moved = static_cast<unsigned char*>(std::realloc(block, bytes));
  if (moved == nullptr) throw std::bad_alloc();
  if (prev == nullptr) {
    buckets_[idx] = moved;
  } else {
    SetNext(prev, moved);
  }
  block_bytes_ = block_bytes_ - AllocatorSizeClass(old_bytes) + AllocatorSizeClass(bytes);
  return moved;
}

bool MemberTable::Erase(std::string_view key, size_t payload_len) {
  if (buckets_ == nullptr) return false;
  const size_t idx = BucketOf(key);
  unsigned char* prev = nullptr;
  unsigned char* block = buckets_[idx];
  while (block != nullptr && Key(block) != key) {
    prev = block;
    block = Next(block);
  }
  if (block == nullptr) return false;
  if (prev == nullptr) {
    buckets_[idx] = Next(block);
  } else {
    SetNext(prev, Next(block));
  }
  block_bytes_ -= AllocatorSizeClass(BlockSize(key.size(), payload_len));
  std::free(block);
  --size_;
  // Redis shrinks a dict under 10% full to the smallest power of two that holds it.
  if (log2_ > kMinLog2 && size_ * 10 < bucket_count()) {
    Rehash(std::max(kMinLog2, CeilLog2(size_)));
  }
  return true;
}

const unsigned char* MemberTable::Random(Rng& rng) const {
  assert(size_ > 0);
  const uint64_t mask = bucket_count() - 1;
  const unsigned char* chain;
  do {
    chain = buckets_[rng() & mask];
  } while (chain == nullptr);
  size_t len = 0;
  for (const unsigned char* b = chain; b != nullptr; b = Next(b)) ++len;
  size_t pick = rng() % len;
  while (pick-- > 0) chain = Next(chain);
  return chain;
}

// ---- SetValue.

std::unique_ptr<SetValue> SetValue::CreateFor(std::string_view first_member) {
  int64_t v;
  if (ParseInt64(first_member, &v)) return CreateIntSet();
  return CreateTable();
}

std::unique_ptr<SetValue> SetValue::CreateIntSet() { return IntSetValue::Create(); }

std::unique_ptr<SetValue> SetValue::CreateTable(size_t size_hint) {
  return std::make_unique<TableSetValue>(size_hint);
}

std::vector<std::string> SetValue::Members() const {
  std::vector<std::string> out;
  out.reserve(size());
  ForEach([&out](std::string_view m) { out.emplace_back(m); });
  return out;
}

// ---- IntSetValue.

std::unique_ptr<IntSetValue> IntSetValue::Allocate(size_t region_bytes) {
  const size_t bytes = AllocatorSizeClass(sizeof(IntSetValue) + region_bytes);
  void* mem = std::malloc(bytes);
  if (mem == nullptr) throw std::bad_alloc();
  return std::unique_ptr<IntSetValue>(new (mem) IntSetValue());
}

void IntSetValue::operator delete(void* p) { std::free(p); }

std::unique_ptr<IntSetValue> IntSetValue::Create(size_t region_bytes) {
  std::unique_ptr<IntSetValue> v = Allocate(region_bytes);
  IntSet::Init(v->region());
  return v;
}

size_t IntSetValue::AllocatedBytes() const {
  return AllocatorSizeClass(sizeof(IntSetValue) + ints().bytes());
}

std::unique_ptr<IntSetValue> IntSetValue::CopyWithRoom(size_t region_bytes) const {
  std::unique_ptr<IntSetValue> copy = Allocate(std::max(region_bytes, ints().bytes()));
  ints().CopyTo(copy->region());
  return copy;
}

std::unique_ptr<StoredObject> IntSetValue::Clone() const { return CopyWithRoom(ints().bytes()); }

StoredObject* IntSetValue::CopyInto(void* dst) const {
  auto* copy = new (dst) IntSetValue();
  ints().CopyTo(copy->region());
  return copy;
}

std::unique_ptr<SetValue> IntSetValue::ToTable() const {
  auto table = std::make_unique<TableSetValue>(size() + 1);
  ForEach([&table](std::string_view m) { table->Add(m, 0); });
  return table;
}

bool IntSetValue::Contains(std::string_view member) const {
  int64_t v;
  return ParseInt64(member, &v) && ints().Contains(v);
}

SetValue::Mutation IntSetValue::Add(std::string_view member, size_t max_intset_entries) {
  int64_t v;
  if (!ParseInt64(member, &v)) {
    std::unique_ptr<SetValue> table = ToTable();
    table->Add(member, max_intset_entries);
    return {true, std::move(table)};
  }
  const IntSet current = ints();
  const size_t needed = current.BytesAfterInsert(v);
  if (needed == current.bytes()) return {};  // already a member
  Mutation m{true, nullptr};
  IntSetValue* target = this;
  if (AllocatorSizeClass(sizeof(IntSetValue) + needed) != AllocatedBytes()) {
    std::unique_ptr<IntSetValue> bigger = CopyWithRoom(needed);
    target = bigger.get();
    m.replacement = std::move(bigger);
  }
  IntSet(target->region()).Insert(v);
  // Redis converts once the intset holds more than set-max-intset-entries (capped at 2^30).
  const size_t limit = std::min(max_intset_entries, IntSet::kMaxSize - 1);
  if (target->size() > limit) m.replacement = target->ToTable();
  return m;
}

SetValue::Mutation IntSetValue::Remove(std::string_view member) {
  int64_t v;
  if (!ParseInt64(member, &v)) return {};
  const size_t allocated = AllocatedBytes();
  IntSet current(region());
  if (!current.Erase(v)) return {};
  Mutation m{true, nullptr};
  // Keep the block at the size class of its contents (the invariant AllocatedBytes() relies
  // on): shrink into a new block when the contents dropped to a smaller class.
  if (AllocatorSizeClass(sizeof(IntSetValue) + current.bytes()) != allocated) {
    m.replacement = CopyWithRoom(current.bytes());
  }
  return m;
}

std::string IntSetValue::RandomMember(Rng& rng) const {
  const IntSet s = ints();
  assert(!s.empty());
  return Int64ToString(s.Get(rng() % s.size()));
}

uint64_t IntSetValue::Scan(uint64_t, size_t, std::vector<std::string>* out) const {
  ForEach([out](std::string_view m) { out->emplace_back(m); });
  return 0;
}

// ---- TableSetValue.

TableSetValue::TableSetValue(size_t size_hint) {
  if (size_hint > 0) table_.Reserve(size_hint);
}

std::unique_ptr<StoredObject> TableSetValue::Clone() const {
  auto copy = std::make_unique<TableSetValue>(size());
  table_.ForEach([&copy](const unsigned char* b) { copy->table_.Insert(MemberTable::Key(b), 0); });
  return copy;
}

size_t TableSetValue::MemoryUsage() const {
  return AllocatorSizeClass(sizeof(TableSetValue)) + table_.MemoryUsage();
}

bool TableSetValue::Contains(std::string_view member) const {
  return table_.Find(member) != nullptr;
}

SetValue::Mutation TableSetValue::Add(std::string_view member, size_t) {
  if (table_.Find(member) != nullptr) return {};
  table_.Insert(member, 0);
  return {true, nullptr};
}

SetValue::Mutation TableSetValue::Remove(std::string_view member) {
  return {table_.Erase(member, 0), nullptr};
}

std::string TableSetValue::RandomMember(Rng& rng) const {
  return std::string(MemberTable::Key(table_.Random(rng)));
}

uint64_t TableSetValue::Scan(uint64_t cursor, size_t count, std::vector<std::string>* out) const {
  // scanGenericCommand: stop at `count` members, after count*10 bucket steps, or at the end.
  size_t steps = count * 10;
  const size_t start = out->size();
  do {
    cursor = table_.ScanStep(
        cursor, [out](const unsigned char* b) { out->emplace_back(MemberTable::Key(b)); });
  } while (cursor != 0 && steps-- > 0 && out->size() - start < count);
  return cursor;
}

}  // namespace tessera::storage
