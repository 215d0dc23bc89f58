#include "storage/key_hash.h"

#include <cstring>
#include <random>

namespace tessera::storage {
namespace {

constexpr uint64_t kK0 = 0x9e3779b97f4a7c15ULL;
constexpr uint64_t kK1 = 0xc2b2ae3d27d4eb4fULL;
constexpr uint64_t kK2 = 0x165667b19e3779f9ULL;

// 64x64 -> 128 multiply folded to 64 bits: every input bit reaches every output bit.
inline uint64_t Fold(uint64_t a, uint64_t b) {
  unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
}

inline uint64_t Load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// Up to 7 trailing bytes, packed little-endian into one word.
inline uint64_t LoadTail(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  std::memcpy(&v, p, n);
  return v;
}

}  // namespace

uint64_t HashKey(std::string_view key, uint64_t seed) {
  const auto* p = reinterpret_cast<const unsigned char*>(key.data());
  size_t n = key.size();
  // Both multiplicands carry the secret seed, so an outsider cannot feed a word that zeroes
  // a product and erases the state.
  const uint64_t s1 = seed ^ kK1;
  const uint64_t s2 = (seed * kK0) ^ kK2;
  uint64_t h = seed ^ (n * kK0);
  while (n >= 16) {
    h = Fold(Load64(p) ^ s1, Load64(p + 8) ^ h);
    p += 16;
    n -= 16;
  }
  if (n >= 8) {
    h = Fold(Load64(p) ^ s1, h ^ s2);
    p += 8;
    n -= 8;
  }
  h = Fold(LoadTail(p, n) ^ s2, h ^ kK0);
  // Final avalanche so the low bits (the bucket index) depend on every input bit.
  h ^= h >> 31;
  h *= kK1;
  h ^= h >> 29;
  return h;
}

uint64_t RandomHashSeed() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

}  // namespace tessera::storage
