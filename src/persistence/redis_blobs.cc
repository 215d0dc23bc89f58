#include "src/persistence/redis_blobs.h"

#include "storage/numbers.h"

namespace tessera::persistence {
namespace {

constexpr unsigned char kListpackEnd = 0xFF;
constexpr size_t kListpackHeader = 6;
constexpr uint16_t kListpackUnknownCount = 65535;
constexpr size_t kZiplistHeader = 10;
constexpr uint16_t kZiplistUnknownCount = 65535;

uint64_t LoadLe(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void AppendLe(std::string* out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void StoreLe(char* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

int64_t SignExtend(uint64_t v, int bits) {
  if (bits == 64) return static_cast<int64_t>(v);
  const uint64_t sign = uint64_t{1} << (bits - 1);
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

bool Fail(std::string* error, std::string_view what, size_t offset) {
  if (error != nullptr) {
    *error = std::string(what);
    *error += " at blob offset ";
    *error += std::to_string(offset);
  }
  return false;
}

}  // namespace

std::string PackedItem::ToString() const {
  return is_int ? storage::Int64ToString(integer) : std::string(str);
}

// ---- Listpack.

RedisListpackBuilder::RedisListpackBuilder() { buf_.assign(kListpackHeader, '\0'); }

void RedisListpackBuilder::Append(std::string_view v) {
  int64_t n;
  if (storage::ParseInt64(v, &n)) {
    AppendInt(n);
  } else {
    AppendString(v);
  }
}

void RedisListpackBuilder::AppendString(std::string_view v) {
  const size_t start = buf_.size();
  const size_t len = v.size();
  if (len < 64) {
    buf_.push_back(static_cast<char>(0x80 | len));
  } else if (len < 4096) {
    buf_.push_back(static_cast<char>(0xE0 | (len >> 8)));
    buf_.push_back(static_cast<char>(len & 0xff));
  } else {
    buf_.push_back(static_cast<char>(0xF0));
    AppendLe(&buf_, len, 4);
  }
  buf_.append(v);
  AppendBacklen(buf_.size() - start);
  ++count_;
}

void RedisListpackBuilder::AppendInt(int64_t v) {
  const size_t start = buf_.size();
  const auto uv = static_cast<uint64_t>(v);
  if (v >= 0 && v <= 127) {
    buf_.push_back(static_cast<char>(v));
  } else if (v >= -4096 && v <= 4095) {
    const uint64_t u = uv & 0x1FFF;
    buf_.push_back(static_cast<char>(0xC0 | (u >> 8)));
    buf_.push_back(static_cast<char>(u & 0xff));
  } else if (v >= -32768 && v <= 32767) {
    buf_.push_back(static_cast<char>(0xF1));
    AppendLe(&buf_, uv, 2);
  } else if (v >= -8388608 && v <= 8388607) {
    buf_.push_back(static_cast<char>(0xF2));
    AppendLe(&buf_, uv, 3);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    buf_.push_back(static_cast<char>(0xF3));
    AppendLe(&buf_, uv, 4);
  } else {
    buf_.push_back(static_cast<char>(0xF4));
    AppendLe(&buf_, uv, 8);
  }
  AppendBacklen(buf_.size() - start);
  ++count_;
}

void RedisListpackBuilder::AppendBacklen(size_t len) {
  // The byte nearest the entry holds the highest bits; all later ones carry bit 7, so a reader
  // walking backwards from the last byte knows where the back-length starts.
  const size_t n = BacklenSize(len);
  for (size_t i = n; i-- > 0;) {
    unsigned char b = static_cast<unsigned char>((len >> (7 * i)) & 127);
    if (i != n - 1) b |= 128;
    buf_.push_back(static_cast<char>(b));
  }
}

std::string RedisListpackBuilder::Finish() {
  buf_.push_back(static_cast<char>(kListpackEnd));
  StoreLe(buf_.data(), buf_.size(), 4);
  const uint64_t count = count_ < kListpackUnknownCount ? count_ : kListpackUnknownCount;
  StoreLe(buf_.data() + 4, count, 2);
  std::string out = std::move(buf_);
  buf_.assign(kListpackHeader, '\0');
  count_ = 0;
  return out;
}

bool DecodeRedisListpack(std::string_view blob, std::vector<PackedItem>* out, std::string* error) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  const size_t size = blob.size();
  if (size < kListpackHeader + 1) return Fail(error, "listpack shorter than its header", 0);
  if (LoadLe(p, 4) != size) return Fail(error, "listpack total bytes mismatch", 0);
  if (p[size - 1] != kListpackEnd) return Fail(error, "listpack without terminator", size - 1);
  const uint64_t header_count = LoadLe(p + 4, 2);
  const size_t end = size - 1;  // the terminator
  size_t pos = kListpackHeader;
  uint64_t count = 0;
  while (pos < end) {
    const unsigned char enc = p[pos];
    const size_t avail = end - pos;
    PackedItem item;
    size_t head = 0;  // encoding bytes, including integer data
    size_t data = 0;  // string bytes
    auto need = [&](size_t n) { return n <= avail; };
    if (enc < 0x80) {
      item.is_int = true;
      item.integer = enc;
      head = 1;
    } else if ((enc & 0xC0) == 0x80) {
      head = 1;
      data = enc & 0x3F;
    } else if ((enc & 0xE0) == 0xC0) {
      if (!need(2)) return Fail(error, "listpack entry past the end", pos);
      item.is_int = true;
      item.integer = SignExtend((uint64_t{enc & 0x1Fu} << 8) | p[pos + 1], 13);
      head = 2;
    } else if ((enc & 0xF0) == 0xE0) {
      if (!need(2)) return Fail(error, "listpack entry past the end", pos);
      head = 2;
      data = (size_t{enc & 0x0Fu} << 8) | p[pos + 1];
    } else if (enc == 0xF0) {
      if (!need(5)) return Fail(error, "listpack entry past the end", pos);
      head = 5;
      data = LoadLe(p + pos + 1, 4);
    } else if (enc >= 0xF1 && enc <= 0xF4) {
      static constexpr int kWidths[] = {2, 3, 4, 8};
      const int w = kWidths[enc - 0xF1];
      if (!need(1 + w)) return Fail(error, "listpack entry past the end", pos);
      item.is_int = true;
      item.integer = SignExtend(LoadLe(p + pos + 1, w), 8 * w);
      head = 1 + w;
    } else {
      return Fail(error, "invalid listpack entry encoding", pos);
    }
    if (data > avail - head) return Fail(error, "listpack entry past the end", pos);
    const size_t entry_len = head + data;
    const size_t backlen_size = BacklenSize(entry_len);
    if (backlen_size > avail - entry_len) return Fail(error, "listpack entry past the end", pos);
    // The back-length must read back (from its last byte, backwards) as this entry's length.
    const unsigned char* last = p + pos + entry_len + backlen_size - 1;
    uint64_t back = 0;
    for (size_t i = 0; i < backlen_size; ++i) {
      const unsigned char b = last[-static_cast<ptrdiff_t>(i)];
      const bool more = (b & 128) != 0;
      if (more != (i + 1 < backlen_size)) return Fail(error, "listpack bad back-length", pos);
      back |= uint64_t{b & 127u} << (7 * i);
    }
    if (back != entry_len) return Fail(error, "listpack back-length mismatch", pos);
    if (!item.is_int) item.str = blob.substr(pos + head, data);
    out->push_back(item);
    ++count;
    pos += entry_len + backlen_size;
  }
  if (header_count != kListpackUnknownCount && header_count != count) {
    return Fail(error, "listpack element count mismatch", 4);
  }
  return true;
}

// ---- Intset.

std::string EncodeRedisIntSet(const std::vector<int64_t>& values, int min_width) {
  int width = min_width == 4 || min_width == 8 ? min_width : 2;
  for (int64_t v : values) {
    if (v < INT32_MIN || v > INT32_MAX) {
      width = 8;
      break;
    }
    if (v < INT16_MIN || v > INT16_MAX) width = width < 4 ? 4 : width;
  }
  std::string out;
  out.reserve(8 + values.size() * width);
  AppendLe(&out, static_cast<uint64_t>(width), 4);
  AppendLe(&out, values.size(), 4);
  for (int64_t v : values) AppendLe(&out, static_cast<uint64_t>(v), width);
  return out;
}

bool DecodeRedisIntSet(std::string_view blob, std::vector<int64_t>* out, std::string* error) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  if (blob.size() < 8) return Fail(error, "intset shorter than its header", 0);
  const uint64_t width = LoadLe(p, 4);
  if (width != 2 && width != 4 && width != 8) return Fail(error, "intset bad encoding", 0);
  const uint64_t n = LoadLe(p + 4, 4);
  if (8 + n * width != blob.size()) return Fail(error, "intset length mismatch", 4);
  out->reserve(out->size() + n);
  for (uint64_t i = 0; i < n; ++i) {
    const int64_t v =
        SignExtend(LoadLe(p + 8 + i * width, static_cast<int>(width)), static_cast<int>(8 * width));
    if (i > 0 && v <= out->back()) return Fail(error, "intset not sorted", 8 + i * width);
    out->push_back(v);
  }
  return true;
}

// ---- Ziplist.

bool DecodeRedisZiplist(std::string_view blob, std::vector<PackedItem>* out, std::string* error) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  const size_t size = blob.size();
  if (size < kZiplistHeader + 1) return Fail(error, "ziplist shorter than its header", 0);
  if (LoadLe(p, 4) != size) return Fail(error, "ziplist total bytes mismatch", 0);
  if (LoadLe(p + 4, 4) >= size) return Fail(error, "ziplist bad tail offset", 4);
  if (p[size - 1] != 0xFF) return Fail(error, "ziplist without terminator", size - 1);
  const uint64_t header_count = LoadLe(p + 8, 2);
  const size_t end = size - 1;
  size_t pos = kZiplistHeader;
  size_t prev_size = 0;
  uint64_t count = 0;
  while (pos < end) {
    const size_t start = pos;
    // prevlen: the previous entry's size, in 1 byte or 0xFE + 4 bytes.
    size_t prevlen;
    if (p[pos] < 254) {
      prevlen = p[pos];
      pos += 1;
    } else if (p[pos] == 254) {
      if (end - pos < 5) return Fail(error, "ziplist entry past the end", start);
      prevlen = LoadLe(p + pos + 1, 4);
      pos += 5;
    } else {
      return Fail(error, "ziplist bad prevlen", start);
    }
    if (prevlen != prev_size) return Fail(error, "ziplist prevlen mismatch", start);
    if (pos >= end) return Fail(error, "ziplist entry past the end", start);
    const unsigned char enc = p[pos];
    const size_t avail = end - pos;
    PackedItem item;
    size_t head = 0;
    size_t data = 0;
    switch (enc >> 6) {
      case 0:
        head = 1;
        data = enc & 0x3F;
        break;
      case 1:
        if (avail < 2) return Fail(error, "ziplist entry past the end", start);
        head = 2;
        data = (size_t{enc & 0x3Fu} << 8) | p[pos + 1];
        break;
      case 2:
        if (avail < 5) return Fail(error, "ziplist entry past the end", start);
        head = 5;
        // The 32-bit string length is big endian, unlike everything else in a ziplist.
        data = (size_t{p[pos + 1]} << 24) | (size_t{p[pos + 2]} << 16) | (size_t{p[pos + 3]} << 8) |
               p[pos + 4];
        break;
      default: {
        int w = 0;
        item.is_int = true;
        if (enc == 0xC0) {
          w = 2;
        } else if (enc == 0xD0) {
          w = 4;
        } else if (enc == 0xE0) {
          w = 8;
        } else if (enc == 0xF0) {
          w = 3;
        } else if (enc == 0xFE) {
          w = 1;
        } else if (enc >= 0xF1 && enc <= 0xFD) {
          item.integer = (enc & 0x0F) - 1;
        } else {
          return Fail(error, "invalid ziplist entry encoding", start);
        }
        if (static_cast<size_t>(1 + w) > avail) {
          return Fail(error, "ziplist entry past the end", start);
        }
        if (w > 0) item.integer = SignExtend(LoadLe(p + pos + 1, w), 8 * w);
        head = 1 + w;
      }
    }
    if (data > avail - head) return Fail(error, "ziplist entry past the end", start);
    if (!item.is_int) item.str = blob.substr(pos + head, data);
    pos += head + data;
    prev_size = pos - start;
    out->push_back(item);
    ++count;
  }
  if (header_count != kZiplistUnknownCount && header_count != count) {
    return Fail(error, "ziplist element count mismatch", 8);
  }
  return true;
}

}  // namespace tessera::persistence
