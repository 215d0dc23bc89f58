// Byte layout (all multi-byte integers little endian):
//
//   0  uint32 total bytes   header + entries + terminator
//   4  uint32 entry count
//   8  entries...
//      0xFF terminator
//
// Each entry is Redis's listpack entry, byte for byte: <encoding+data><backlen>.
//   0xxxxxxx                      7-bit unsigned integer
//   10xxxxxx <data>               string of up to 63 bytes
//   110xxxxx yyyyyyyy             13-bit signed integer
//   1110xxxx yyyyyyyy <data>      string of up to 4095 bytes
//   0xF0 <uint32 len> <data>      longer string
//   0xF1/0xF2/0xF3/0xF4 <n bytes> 16/24/32/64-bit signed integer
// backlen is the length of <encoding+data> in 1-5 bytes, 7 bits per byte, written so that it
// reads backwards from the entry's last byte (the byte nearest the entry's start holds the
// highest bits; every other byte has bit 7 set). Only the header differs from Redis's (which has
// a uint16 count), so an RDB writer emits a Redis listpack by swapping the 8-byte header for
// Redis's 6-byte one.
//
// An empty listpack owns no memory (data_ == nullptr).
#include "storage/listpack.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "storage/numbers.h"

namespace tessera::storage {
namespace {

constexpr size_t kHeaderSize = 8;
constexpr unsigned char kEnd = 0xFF;

constexpr unsigned char k7BitUint = 0x00;
constexpr unsigned char k6BitStr = 0x80;
constexpr unsigned char k13BitInt = 0xC0;
constexpr unsigned char k12BitStr = 0xE0;
constexpr unsigned char k32BitStr = 0xF0;
constexpr unsigned char k16BitInt = 0xF1;
constexpr unsigned char k24BitInt = 0xF2;
constexpr unsigned char k32BitInt = 0xF3;
constexpr unsigned char k64BitInt = 0xF4;

uint32_t Load32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

void Store32(unsigned char* p, uint32_t v) {
  p[0] = static_cast<unsigned char>(v);
  p[1] = static_cast<unsigned char>(v >> 8);
  p[2] = static_cast<unsigned char>(v >> 16);
  p[3] = static_cast<unsigned char>(v >> 24);
}

uint64_t LoadUnsigned(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

// Sign-extends the low `bits` bits of `v`.
int64_t SignExtend(uint64_t v, int bits) {
  if (bits == 64) return static_cast<int64_t>(v);
  uint64_t sign = uint64_t{1} << (bits - 1);
  v &= (uint64_t{1} << bits) - 1;
  return static_cast<int64_t>((v ^ sign) - sign);
}

size_t BacklenSize(size_t len) {
  if (len <= 127) return 1;
  if (len < 16383) return 2;
  if (len < 2097151) return 3;
  if (len < 268435455) return 4;
  return 5;
}

void WriteBacklen(unsigned char* p, size_t len) {
  size_t n = BacklenSize(len);
  // p[n-1] holds the lowest 7 bits; every byte but p[0] carries the continuation bit.
  for (size_t i = n; i-- > 0;) {
    unsigned char b = static_cast<unsigned char>(len & 127);
    if (i != 0) b |= 128;
    p[i] = b;
    len >>= 7;
  }
}

// Reads the backlen that ends at `last` (the byte just before the next entry).
size_t ReadBacklen(const unsigned char* last, size_t* backlen_bytes) {
  uint64_t v = 0;
  unsigned shift = 0;
  size_t n = 0;
  while (true) {
    v |= static_cast<uint64_t>(last[0] & 127) << shift;
    ++n;
    if ((last[0] & 128) == 0) break;
    shift += 7;
    --last;
  }
  *backlen_bytes = n;
  return static_cast<size_t>(v);
}

// How one value is encoded: an integer (when `v` is canonical) or a string.
struct Encoded {
  bool is_int = false;
  int64_t integer = 0;
  size_t head = 0;  // encoding bytes including integer data, excluding string data
  size_t data = 0;  // string bytes
  size_t total() const { return head + data + BacklenSize(head + data); }
};

Encoded Classify(std::string_view v) {
  Encoded e;
  int64_t n;
  if (ParseInt64(v, &n)) {
    e.is_int = true;
    e.integer = n;
    if (n >= 0 && n <= 127) {
      e.head = 1;
    } else if (n >= -4096 && n <= 4095) {
      e.head = 2;
    } else if (n >= -32768 && n <= 32767) {
      e.head = 3;
    } else if (n >= -8388608 && n <= 8388607) {
      e.head = 4;
    } else if (n >= -2147483648LL && n <= 2147483647LL) {
      e.head = 5;
    } else {
      e.head = 9;
    }
    return e;
  }
  e.data = v.size();
  e.head = v.size() < 64 ? 1 : v.size() < 4096 ? 2 : 5;
  return e;
}

// Writes the entry for `v` (classified as `e`) at `p`; e.total() bytes.
void WriteEntry(unsigned char* p, std::string_view v, const Encoded& e) {
  if (e.is_int) {
    uint64_t u = static_cast<uint64_t>(e.integer);
    switch (e.head) {
      case 1:
        p[0] = static_cast<unsigned char>(u) | k7BitUint;
        break;
      case 2:
        p[0] = static_cast<unsigned char>(((u >> 8) & 0x1F) | k13BitInt);
        p[1] = static_cast<unsigned char>(u);
        break;
      default: {
        const unsigned char tag = e.head == 3   ? k16BitInt
                                  : e.head == 4 ? k24BitInt
                                  : e.head == 5 ? k32BitInt
                                                : k64BitInt;
        p[0] = tag;
        for (size_t i = 1; i < e.head; ++i) p[i] = static_cast<unsigned char>(u >> (8 * (i - 1)));
      }
    }
  } else {
    size_t len = v.size();
    if (e.head == 1) {
      p[0] = static_cast<unsigned char>(len | k6BitStr);
    } else if (e.head == 2) {
      p[0] = static_cast<unsigned char>((len >> 8) | k12BitStr);
      p[1] = static_cast<unsigned char>(len);
    } else {
      p[0] = k32BitStr;
      Store32(p + 1, static_cast<uint32_t>(len));
    }
    if (len > 0) std::memcpy(p + e.head, v.data(), len);
  }
  WriteBacklen(p + e.head + e.data, e.head + e.data);
}

// Decodes the entry at `p`: integer or string (view into the buffer); returns the length of
// <encoding+data> (the entry's full size adds its backlen).
size_t DecodeEntry(const unsigned char* p, bool* is_int, int64_t* integer, std::string_view* str) {
  unsigned char b = p[0];
  *is_int = true;
  if ((b & 0x80) == 0) {
    *integer = b;
    return 1;
  }
  if ((b & 0xC0) == k6BitStr) {
    size_t len = b & 0x3F;
    *is_int = false;
    *str = std::string_view(reinterpret_cast<const char*>(p + 1), len);
    return 1 + len;
  }
  if ((b & 0xE0) == k13BitInt) {
    *integer = SignExtend((static_cast<uint64_t>(b & 0x1F) << 8) | p[1], 13);
    return 2;
  }
  if ((b & 0xF0) == k12BitStr) {
    size_t len = (static_cast<size_t>(b & 0x0F) << 8) | p[1];
    *is_int = false;
    *str = std::string_view(reinterpret_cast<const char*>(p + 2), len);
    return 2 + len;
  }
  switch (b) {
    case k16BitInt:
      *integer = SignExtend(LoadUnsigned(p + 1, 2), 16);
      return 3;
    case k24BitInt:
      *integer = SignExtend(LoadUnsigned(p + 1, 3), 24);
      return 4;
    case k32BitInt:
      *integer = SignExtend(LoadUnsigned(p + 1, 4), 32);
      return 5;
    case k64BitInt:
      *integer = SignExtend(LoadUnsigned(p + 1, 8), 64);
      return 9;
    default: {  // k32BitStr
      size_t len = Load32(p + 1);
      *is_int = false;
      *str = std::string_view(reinterpret_cast<const char*>(p + 5), len);
      return 5 + len;
    }
  }
}

// Full size of the entry at `p` (encoding, data and backlen).
size_t EntrySize(const unsigned char* p) {
  bool is_int;
  int64_t integer;
  std::string_view str;
  size_t len = DecodeEntry(p, &is_int, &integer, &str);
  return len + BacklenSize(len);
}

// Size of the entry that ends just before `end`.
size_t PrevEntrySize(const unsigned char* end) {
  size_t backlen_bytes;
  size_t len = ReadBacklen(end - 1, &backlen_bytes);
  return len + backlen_bytes;
}

void ReadAt(const unsigned char* p, Listpack::Value* out) {
  int64_t integer = 0;
  std::string_view str;
  DecodeEntry(p, &out->is_int, &integer, &str);
  if (out->is_int) {
    out->integer = integer;
    out->str = std::string_view(out->buf, FormatInt64(integer, out->buf));
  } else {
    out->integer = 0;
    out->str = str;
  }
}

unsigned char* AllocateBytes(size_t n) {
  void* p = std::malloc(n);
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<unsigned char*>(p);
}

}  // namespace

Listpack::Listpack() : data_(nullptr) {}

Listpack::~Listpack() { std::free(data_); }

Listpack::Listpack(const Listpack& other) : data_(nullptr) {
  if (other.data_ != nullptr) {
    size_t n = other.bytes();
    data_ = AllocateBytes(n);
    std::memcpy(data_, other.data_, n);
  }
}

Listpack& Listpack::operator=(const Listpack& other) {
  if (this != &other) {
    Listpack copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Listpack::Listpack(Listpack&& other) noexcept : data_(other.data_) { other.data_ = nullptr; }

Listpack& Listpack::operator=(Listpack&& other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = other.data_;
    other.data_ = nullptr;
  }
  return *this;
}

size_t Listpack::size() const { return data_ == nullptr ? 0 : Load32(data_ + 4); }

size_t Listpack::bytes() const { return data_ == nullptr ? 0 : Load32(data_); }

size_t Listpack::EncodedSize(std::string_view v) { return Classify(v).total(); }

size_t Listpack::OffsetOf(size_t index) const {
  size_t n = size();
  if (index >= n) return bytes() - 1;  // the terminator
  if (index <= n / 2) {
    size_t off = kHeaderSize;
    for (size_t i = 0; i < index; ++i) off += EntrySize(data_ + off);
    return off;
  }
  size_t off = bytes() - 1;
  for (size_t i = n; i > index; --i) off -= PrevEntrySize(data_ + off);
  return off;
}

unsigned char* Listpack::Splice(size_t offset, size_t remove_bytes, size_t insert_bytes) {
  if (data_ == nullptr) {
    // Only an insertion reaches an empty listpack: build the header and terminator first.
    data_ = AllocateBytes(kHeaderSize + 1);
    Store32(data_, kHeaderSize + 1);
    Store32(data_ + 4, 0);
    data_[kHeaderSize] = kEnd;
    offset = kHeaderSize;
  }
  size_t old_total = bytes();
  size_t new_total = old_total - remove_bytes + insert_bytes;
  size_t tail = old_total - offset - remove_bytes;
  if (new_total > old_total) {
    void* p = std::realloc(data_, new_total);
    if (p == nullptr) throw std::bad_alloc();
    data_ = static_cast<unsigned char*>(p);
  }
  std::memmove(data_ + offset + insert_bytes, data_ + offset + remove_bytes, tail);
  if (new_total < old_total) {
    void* p = std::realloc(data_, new_total);
    if (p != nullptr) data_ = static_cast<unsigned char*>(p);
  }
  Store32(data_, static_cast<uint32_t>(new_total));
  return data_ + offset;
}

void Listpack::SetCount(size_t n) {
  if (n == 0) {
    std::free(data_);
    data_ = nullptr;
    return;
  }
  Store32(data_ + 4, static_cast<uint32_t>(n));
}

void Listpack::PushBack(std::string_view v) { Insert(size(), v); }

void Listpack::PushFront(std::string_view v) { Insert(0, v); }

void Listpack::Insert(size_t index, std::string_view v) {
  Encoded e = Classify(v);
  size_t n = size();
  size_t offset = data_ == nullptr ? kHeaderSize : OffsetOf(index);
  unsigned char* p = Splice(offset, 0, e.total());
  WriteEntry(p, v, e);
  SetCount(n + 1);
}

void Listpack::Replace(size_t index, std::string_view v) {
  Encoded e = Classify(v);
  size_t offset = OffsetOf(index);
  size_t old_size = EntrySize(data_ + offset);
  unsigned char* p = Splice(offset, old_size, e.total());
  WriteEntry(p, v, e);
}

void Listpack::Erase(size_t index, size_t count) {
  size_t n = size();
  if (index >= n || count == 0) return;
  if (count > n - index) count = n - index;
  if (count == n) {
    Clear();
    return;
  }
  size_t start = OffsetOf(index);
  size_t end = start;
  for (size_t i = 0; i < count; ++i) end += EntrySize(data_ + end);
  Splice(start, end - start, 0);
  SetCount(n - count);
}

void Listpack::Clear() {
  std::free(data_);
  data_ = nullptr;
}

Listpack Listpack::SplitOff(size_t index) {
  Listpack tail;
  size_t n = size();
  if (index >= n) return tail;
  if (index == 0) {
    std::swap(tail.data_, data_);
    return tail;
  }
  size_t offset = OffsetOf(index);
  size_t moved = bytes() - 1 - offset;
  tail.data_ = AllocateBytes(kHeaderSize + moved + 1);
  std::memcpy(tail.data_ + kHeaderSize, data_ + offset, moved);
  tail.data_[kHeaderSize + moved] = kEnd;
  Store32(tail.data_, static_cast<uint32_t>(kHeaderSize + moved + 1));
  Store32(tail.data_ + 4, static_cast<uint32_t>(n - index));
  Splice(offset, moved, 0);
  SetCount(index);
  return tail;
}

void Listpack::Append(const Listpack& other) {
  if (other.empty()) return;
  if (empty()) {
    *this = other;
    return;
  }
  size_t n = size();
  size_t moved = other.bytes() - kHeaderSize - 1;
  unsigned char* p = Splice(bytes() - 1, 0, moved);
  std::memcpy(p, other.data_ + kHeaderSize, moved);
  SetCount(n + other.size());
}

std::string Listpack::ToRedisBlob() const {
  const size_t entries = data_ == nullptr ? 0 : bytes() - kHeaderSize - 1;
  std::string out(6 + entries + 1, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  Store32(p, static_cast<uint32_t>(out.size()));
  const size_t n = size();
  const uint16_t count = n < 65535 ? static_cast<uint16_t>(n) : 65535;
  p[4] = static_cast<unsigned char>(count);
  p[5] = static_cast<unsigned char>(count >> 8);
  if (entries > 0) std::memcpy(p + 6, data_ + kHeaderSize, entries);
  p[6 + entries] = kEnd;
  return out;
}

void Listpack::Get(size_t index, Value* out) const { ReadAt(data_ + OffsetOf(index), out); }

size_t Listpack::Find(std::string_view v, size_t from, size_t step) const {
  size_t n = size();
  if (from >= n) return n;
  if (step == 0) step = 1;
  // A canonical integer is always stored as an integer and anything else as a string, so one
  // comparison kind per search is enough.
  int64_t want_int = 0;
  const bool want_is_int = ParseInt64(v, &want_int);
  size_t off = OffsetOf(from);
  for (size_t i = from; i < n;) {
    bool is_int;
    int64_t integer = 0;
    std::string_view str;
    size_t len = DecodeEntry(data_ + off, &is_int, &integer, &str);
    if (is_int == want_is_int && (is_int ? integer == want_int : str == v)) return i;
    off += len + BacklenSize(len);
    ++i;
    for (size_t s = 1; s < step && i < n; ++s, ++i) off += EntrySize(data_ + off);
  }
  return n;
}

bool Listpack::Cursor::Valid() const { return lp_ != nullptr && index_ < lp_->size(); }

void Listpack::Cursor::Next() {
  offset_ += EntrySize(lp_->data_ + offset_);
  ++index_;
}

void Listpack::Cursor::Prev() {
  if (index_ == 0) {
    index_ = static_cast<size_t>(-1);  // before the head: invalid
    return;
  }
  offset_ -= PrevEntrySize(lp_->data_ + offset_);
  --index_;
}

size_t Listpack::Cursor::index() const { return index_; }

void Listpack::Cursor::Read(Value* out) const { ReadAt(lp_->data_ + offset_, out); }

bool Listpack::Cursor::Equals(std::string_view v) const {
  bool is_int;
  int64_t integer = 0;
  std::string_view str;
  DecodeEntry(lp_->data_ + offset_, &is_int, &integer, &str);
  if (!is_int) return str == v;
  int64_t want;
  return ParseInt64(v, &want) && want == integer;
}

Listpack::Cursor Listpack::Begin() const { return At(0); }

Listpack::Cursor Listpack::Last() const {
  size_t n = size();
  return At(n == 0 ? 0 : n - 1);
}

Listpack::Cursor Listpack::At(size_t index) const {
  Cursor c;
  c.lp_ = this;
  c.index_ = index;
  // Past the end the cursor sits on the terminator, so Prev() reaches the last entry.
  c.offset_ = data_ == nullptr ? 0 : OffsetOf(index);
  return c;
}

}  // namespace tessera::storage
