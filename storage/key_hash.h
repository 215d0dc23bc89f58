// The key hash used by KeyTable. Seeded per table so that bucket placement cannot be predicted
// from outside (hash flooding); pure function, any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace tessera::storage {

uint64_t HashKey(std::string_view key, uint64_t seed);

// A fresh random seed for a new table.
uint64_t RandomHashSeed();

}  // namespace tessera::storage
