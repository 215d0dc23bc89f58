#include "src/persistence/lzf.h"

#include <cstdint>
#include <cstring>

namespace tessera::persistence {
namespace {

constexpr size_t kMaxLiteral = 32;
constexpr size_t kMaxOffset = 8192;
constexpr size_t kMinMatch = 3;
constexpr size_t kMaxMatch = 264;  // 2 + 7 + 255
constexpr int kMaxHashBits = 13;

uint32_t Hash3(const unsigned char* p, int bits) {
  const uint32_t v = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
  return (v * 2654435761u) >> (32 - bits);
}

}  // namespace

size_t LzfCompress(const void* in_data, size_t n, void* out_data, size_t out_cap) {
  const auto* in = static_cast<const unsigned char*>(in_data);
  auto* out = static_cast<unsigned char*>(out_data);
  if (n == 0) return 0;

  // The table maps a hash of 3 bytes to 1 + the last position they were seen at (0 = never).
  // It is sized to the input so that compressing a short string does not clear 32 KiB.
  int bits = 4;
  while (bits < kMaxHashBits && (size_t{1} << bits) < n) ++bits;
  uint32_t table[size_t{1} << kMaxHashBits];
  std::memset(table, 0, sizeof(uint32_t) << bits);

  size_t ip = 0;
  size_t op = 0;
  // Every literal run has its control byte reserved at lit_pos before its bytes are copied.
  size_t lit_pos = 0;
  size_t lit = 0;
  if (op >= out_cap) return 0;
  lit_pos = op++;

  while (ip + kMinMatch <= n) {
    const uint32_t h = Hash3(in + ip, bits);
    const size_t ref = table[h];
    table[h] = static_cast<uint32_t>(ip + 1);
    if (ref != 0 && ip - (ref - 1) <= kMaxOffset &&
        std::memcmp(in + ref - 1, in + ip, kMinMatch) == 0) {
      const size_t from = ref - 1;
      const size_t off = ip - from - 1;
      const size_t max_len = n - ip < kMaxMatch ? n - ip : kMaxMatch;
      size_t len = kMinMatch;
      while (len < max_len && in[from + len] == in[ip + len]) ++len;
      // Close the pending literal run (or take back its unused control byte).
      if (lit > 0) {
        out[lit_pos] = static_cast<unsigned char>(lit - 1);
      } else {
        --op;
      }
      const size_t code = len - 2;
      if (op + 3 + 1 > out_cap) return 0;  // the reference plus the next control byte
      if (code < 7) {
        out[op++] = static_cast<unsigned char>((code << 5) | (off >> 8));
      } else {
        out[op++] = static_cast<unsigned char>((7 << 5) | (off >> 8));
        out[op++] = static_cast<unsigned char>(code - 7);
      }
      out[op++] = static_cast<unsigned char>(off & 0xff);
      // Index the positions inside the match too, so later data can refer to them.
      for (size_t i = ip + 1; i < ip + len && i + kMinMatch <= n; ++i) {
        table[Hash3(in + i, bits)] = static_cast<uint32_t>(i + 1);
      }
      ip += len;
      lit = 0;
      lit_pos = op++;
      continue;
    }
    if (op >= out_cap) return 0;
    out[op++] = in[ip++];
    if (++lit == kMaxLiteral) {
      out[lit_pos] = static_cast<unsigned char>(lit - 1);
      lit = 0;
      if (op >= out_cap) return 0;
      lit_pos = op++;
    }
  }
  while (ip < n) {
    if (op >= out_cap) return 0;
    out[op++] = in[ip++];
    if (++lit == kMaxLiteral) {
      out[lit_pos] = static_cast<unsigned char>(lit - 1);
      lit = 0;
      if (op >= out_cap) return 0;
      lit_pos = op++;
    }
  }
  if (lit > 0) {
    out[lit_pos] = static_cast<unsigned char>(lit - 1);
  } else {
    --op;
  }
  return op;
}

bool LzfDecompress(const void* in_data, size_t in_len, void* out_data, size_t out_len) {
  const auto* in = static_cast<const unsigned char*>(in_data);
  auto* out = static_cast<unsigned char*>(out_data);
  size_t ip = 0;
  size_t op = 0;
  while (ip < in_len) {
    const size_t ctrl = in[ip++];
    if (ctrl < kMaxLiteral) {
      const size_t len = ctrl + 1;
      if (len > in_len - ip || len > out_len - op) return false;
      std::memcpy(out + op, in + ip, len);
      ip += len;
      op += len;
      continue;
    }
    size_t len = ctrl >> 5;
    if (len == 7) {
      if (ip >= in_len) return false;
      len += in[ip++];
    }
    len += 2;
    if (ip >= in_len) return false;
    const size_t back = ((ctrl & 31) << 8 | in[ip++]) + 1;
    if (back > op || len > out_len - op) return false;
    // Byte by byte: the source may overlap the bytes being written.
    const size_t from = op - back;
    for (size_t i = 0; i < len; ++i) out[op + i] = out[from + i];
    op += len;
  }
  return op == out_len;
}

}  // namespace tessera::persistence
