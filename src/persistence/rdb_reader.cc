#include "src/persistence/rdb_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "src/persistence/crc64.h"
#include "src/persistence/lzf.h"
#include "src/persistence/rdb_format.h"
#include "storage/numbers.h"

namespace tessera::persistence {

storage::ValueInit RdbRecord::TakeValue() {
  if (type == storage::ValueType::kString) return storage::ValueInit::String(string_value);
  return storage::ValueInit::Object(type, std::move(object));
}

std::unique_ptr<RdbReader> RdbReader::Open(const std::string& path, std::string* error) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "Can't open RDB file " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *error = "Can't stat RDB file " + path + ": " + std::strerror(errno);
    close(fd);
    return nullptr;
  }
  std::unique_ptr<RdbReader> r(new RdbReader(fd, static_cast<uint64_t>(st.st_size)));
  char sig[9];
  if (!r->ReadBytes(sig, sizeof(sig)) || std::memcmp(sig, kRdbMagic.data(), 5) != 0) {
    *error = "Wrong signature trying to load DB from file " + path;
    return nullptr;
  }
  int version = 0;
  for (int i = 5; i < 9; ++i) {
    if (sig[i] < '0' || sig[i] > '9') {
      *error = "Wrong signature trying to load DB from file " + path;
      return nullptr;
    }
    version = version * 10 + (sig[i] - '0');
  }
  if (version < 1 || version > kRdbVersion) {
    *error = "Can't handle RDB format version " + std::to_string(version);
    return nullptr;
  }
  r->version_ = version;
  return r;
}

RdbReader::RdbReader(int fd, uint64_t file_size)
    : fd_(fd),
      file_size_(file_size),
      // Small files get a small buffer; Fill() never needs more than 8 bytes at once.
      buf_(static_cast<size_t>(std::clamp<uint64_t>(file_size, 64, kBufferSize))) {}

RdbReader::~RdbReader() { close(fd_); }

bool RdbReader::Fail(const std::string& what) {
  if (!failed_) {
    failed_ = true;
    error_ = "Bad RDB format at offset " + std::to_string(offset()) + ": " + what;
    if (!context_.empty()) error_ += " (" + context_ + ")";
  }
  return false;
}

// ---- Input.

bool RdbReader::Fill(size_t n) {
  if (end_ - pos_ >= n) return true;
  // Fold the consumed bytes into the checksum before they leave the buffer.
  crc_ = Crc64(crc_, buf_.data() + crc_pos_, pos_ - crc_pos_);
  std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
  base_ += pos_;
  end_ -= pos_;
  pos_ = 0;
  crc_pos_ = 0;
  while (end_ < n) {
    const ssize_t got = read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    end_ += static_cast<size_t>(got);
  }
  return true;
}

bool RdbReader::ReadBytes(void* dst, size_t n) {
  auto* out = static_cast<char*>(dst);
  while (n > 0) {
    if (pos_ == end_ && !Fill(1)) return false;
    const size_t take = std::min(n, end_ - pos_);
    std::memcpy(out, buf_.data() + pos_, take);
    pos_ += take;
    out += take;
    n -= take;
  }
  return true;
}

bool RdbReader::ReadByte(uint8_t* b) {
  if (!Fill(1)) return false;
  *b = static_cast<uint8_t>(buf_[pos_++]);
  return true;
}

bool RdbReader::ReadLe(int n, uint64_t* v) {
  if (!Fill(static_cast<size_t>(n))) return false;
  uint64_t x = 0;
  for (int i = n - 1; i >= 0; --i) x = (x << 8) | static_cast<uint8_t>(buf_[pos_ + i]);
  pos_ += static_cast<size_t>(n);
  *v = x;
  return true;
}

bool RdbReader::ReadLength(uint64_t* len, bool* encoded) {
  uint8_t b;
  if (!ReadByte(&b)) return Truncated();
  *encoded = false;
  switch (b >> 6) {
    case kRdbLen6Bit:
      *len = b & 0x3F;
      return true;
    case kRdbLen14Bit: {
      uint8_t lo;
      if (!ReadByte(&lo)) return Truncated();
      *len = (uint64_t{b & 0x3Fu} << 8) | lo;
      return true;
    }
    case kRdbEncVal:
      *encoded = true;
      *len = b & 0x3F;
      return true;
    default:
      break;
  }
  int n;
  if (b == kRdbLen32Bit) {
    n = 4;
  } else if (b == kRdbLen64Bit) {
    n = 8;
  } else {
    return Fail("unknown length encoding " + std::to_string(b));
  }
  if (!Fill(static_cast<size_t>(n))) return Truncated();
  uint64_t v = 0;  // big endian, unlike the rest of the format
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(buf_[pos_ + i]);
  pos_ += static_cast<size_t>(n);
  *len = v;
  return true;
}

bool RdbReader::ReadLen(uint64_t* len) {
  bool encoded;
  if (!ReadLength(len, &encoded)) return false;
  if (encoded) return Fail("unexpected string encoding where a length was expected");
  return true;
}

bool RdbReader::ReadCount(uint64_t* n, uint64_t min_bytes) {
  if (!ReadLen(n)) return false;
  if (*n > Remaining() / (min_bytes == 0 ? 1 : min_bytes)) {
    return Fail("length " + std::to_string(*n) + " exceeds the rest of the file");
  }
  return true;
}

bool RdbReader::ReadString(std::string* out) {
  uint64_t len;
  bool encoded;
  if (!ReadLength(&len, &encoded)) return false;
  if (!encoded) {
    if (len > Remaining()) return Truncated();
    out->resize(len);
    if (!ReadBytes(out->data(), len)) return Truncated();
    return true;
  }
  switch (len) {
    case kRdbEncInt8:
    case kRdbEncInt16:
    case kRdbEncInt32: {
      const int width = len == kRdbEncInt8 ? 1 : len == kRdbEncInt16 ? 2 : 4;
      uint64_t raw;
      if (!ReadLe(width, &raw)) return Truncated();
      const int bits = 8 * width;
      const uint64_t sign = uint64_t{1} << (bits - 1);
      const auto v = static_cast<int64_t>((raw ^ sign) - sign);
      *out = storage::Int64ToString(v);
      return true;
    }
    case kRdbEncLzf: {
      uint64_t clen;
      uint64_t ulen;
      if (!ReadLen(&clen) || !ReadLen(&ulen)) return false;
      if (clen > Remaining()) return Truncated();
      // A back reference is at most 3 bytes for 264 output bytes, so nothing valid expands
      // more than that; the bound keeps a corrupt length from allocating gigabytes.
      if (ulen == 0 || ulen / 88 > clen) return Fail("invalid LZF lengths");
      std::string packed(clen, '\0');
      if (!ReadBytes(packed.data(), clen)) return Truncated();
      out->resize(ulen);
      if (!LzfDecompress(packed.data(), clen, out->data(), ulen)) {
        return Fail("invalid LZF compressed string");
      }
      return true;
    }
    default:
      return Fail("unknown RDB string encoding type " + std::to_string(len));
  }
}

bool RdbReader::ReadBinaryDouble(double* v) {
  uint64_t bits;
  if (!ReadLe(8, &bits)) return Truncated();
  std::memcpy(v, &bits, sizeof(*v));
  return true;
}

bool RdbReader::ReadTextDouble(double* v) {
  uint8_t len;
  if (!ReadByte(&len)) return Truncated();
  switch (len) {
    case kRdbScoreNaN:
      *v = NAN;
      return true;
    case kRdbScorePosInf:
      *v = INFINITY;
      return true;
    case kRdbScoreNegInf:
      *v = -INFINITY;
      return true;
    default:
      break;
  }
  char buf[256];
  if (!ReadBytes(buf, len)) return Truncated();
  buf[len] = '\0';
  char* end = nullptr;
  *v = std::strtod(buf, &end);
  if (len == 0 || end != buf + len) return Fail("invalid double value");
  return true;
}

bool RdbReader::ReadChecksum() {
  if (version_ < 5) return true;  // checksums arrived with version 5
  crc_ = Crc64(crc_, buf_.data() + crc_pos_, pos_ - crc_pos_);
  crc_pos_ = pos_;
  const uint64_t expected = crc_;
  uint64_t stored;
  if (!ReadLe(8, &stored)) return Truncated();
  crc_pos_ = pos_;  // the checksum itself is not part of the checksum
  if (stored != 0 && stored != expected) {
    char msg[96];
    std::snprintf(msg, sizeof(msg), "wrong RDB checksum expected: (%llx) got (%llx)",
                  static_cast<unsigned long long>(stored),
                  static_cast<unsigned long long>(expected));
    return Fail(msg);
  }
  return true;
}

// ---- Records.

RdbReader::Result RdbReader::Next(RdbRecord* out) {
  if (failed_) return Result::kError;
  if (done_) return Result::kEnd;
  int64_t expire_at_ms = storage::kNoExpire;
  context_.clear();
  while (true) {
    uint8_t type;
    if (!ReadByte(&type)) {
      Truncated();
      return Result::kError;
    }
    uint64_t a;
    uint64_t b;
    switch (type) {
      case kRdbOpcodeExpireTimeMs:
        if (!ReadLe(8, &a)) {
          Truncated();
          return Result::kError;
        }
        expire_at_ms = static_cast<int64_t>(a);
        continue;
      case kRdbOpcodeExpireTime:
        if (!ReadLe(4, &a)) {
          Truncated();
          return Result::kError;
        }
        expire_at_ms = static_cast<int64_t>(static_cast<int32_t>(a)) * 1000;
        continue;
      case kRdbOpcodeIdle:
        if (!ReadLen(&a)) return Result::kError;
        continue;
      case kRdbOpcodeFreq: {
        uint8_t freq;
        if (!ReadByte(&freq)) {
          Truncated();
          return Result::kError;
        }
        continue;
      }
      case kRdbOpcodeSelectDb:
        if (!ReadLen(&a)) return Result::kError;
        if (a > INT_MAX) {
          Fail("invalid database number " + std::to_string(a));
          return Result::kError;
        }
        db_ = static_cast<int>(a);
        continue;
      case kRdbOpcodeResizeDb:
        if (!ReadLen(&a) || !ReadLen(&b)) return Result::kError;
        continue;
      case kRdbOpcodeAux: {
        std::string key;
        std::string value;
        if (!ReadString(&key) || !ReadString(&value)) return Result::kError;
        aux_[std::move(key)] = std::move(value);
        continue;
      }
      case kRdbOpcodeModuleAux:
        Fail("module auxiliary data is not supported (no modules are loaded)");
        return Result::kError;
      case kRdbOpcodeFunction:
      case kRdbOpcodeFunction2:
        Fail("functions are not supported (FUNCTION opcode " + std::to_string(type) + ")");
        return Result::kError;
      case kRdbOpcodeEof:
        if (!ReadChecksum()) return Result::kError;
        done_ = true;
        return Result::kEnd;
      default:
        break;
    }
    // A key record.
    if (!IsRdbObjectType(type)) {
      Fail("unknown type " + std::to_string(type));
      return Result::kError;
    }
    out->db = db_;
    out->expire_at_ms = expire_at_ms;
    out->object.reset();
    out->string_value.clear();
    if (!ReadString(&out->key)) return Result::kError;
    context_ = "key '" + out->key.substr(0, 128) + "', type " + std::to_string(type);
    bool empty = false;
    if (!ReadValue(type, out, &empty)) return Result::kError;
    context_.clear();
    if (empty) {
      ++empty_keys_skipped_;
      expire_at_ms = storage::kNoExpire;
      continue;
    }
    return Result::kRecord;
  }
}

}  // namespace tessera::persistence
