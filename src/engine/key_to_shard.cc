#include "src/engine/key_to_shard.h"

#include <array>

namespace tessera::engine {
namespace {

// CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, no reflection — the variant Redis
// Cluster specifies. The table is computed at compile time from the polynomial.
constexpr std::array<uint16_t, 256> MakeCrc16Table() {
  std::array<uint16_t, 256> table{};
  for (int i = 0; i < 256; ++i) {
    uint16_t crc = static_cast<uint16_t>(i << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
    table[i] = crc;
  }
  return table;
}

constexpr std::array<uint16_t, 256> kCrc16Table = MakeCrc16Table();

// Two bytes per step. One byte's step is crc' = (crc << 8) ^ T[(crc >> 8) ^ b]; applying it
// twice and using T's linearity (T[a ^ b] = T[a] ^ T[b]) gives
// crc'' = T2[(crc >> 8) ^ b0] ^ T[(crc & 0xff) ^ b1], with T2[x] = (T[x] << 8) ^ T[T[x] >> 8]
// (16-bit). The two lookups are independent, which halves the dependency chain per byte.
constexpr std::array<uint16_t, 256> MakeCrc16Table2() {
  std::array<uint16_t, 256> table{};
  for (int i = 0; i < 256; ++i) {
    const uint16_t t = kCrc16Table[i];
    table[i] = static_cast<uint16_t>((t << 8) ^ kCrc16Table[t >> 8]);
  }
  return table;
}

constexpr std::array<uint16_t, 256> kCrc16Table2 = MakeCrc16Table2();

}  // namespace

uint16_t Crc16(std::string_view data) {
  uint16_t crc = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  for (; n >= 2; n -= 2, p += 2) {
    crc = static_cast<uint16_t>(kCrc16Table2[(crc >> 8) ^ p[0]] ^ kCrc16Table[(crc & 0xff) ^ p[1]]);
  }
  if (n == 1) crc = static_cast<uint16_t>((crc << 8) ^ kCrc16Table[(crc >> 8) ^ p[0]]);
  return crc;
}

std::string_view HashTag(std::string_view key) {
  size_t open = key.find('{');
  if (open == std::string_view::npos) return key;
  size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

}  // namespace tessera::engine
