// CRC-64/Jones, the checksum at the end of an RDB file (and of DUMP payloads): reflected,
// polynomial 0xad93d23594c935a9, initial value 0, no final xor. The check value of "123456789"
// is 0xe9c6d914c4b8d9ca. Pure function over constant tables; any thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tessera::persistence {

// Extends `crc` (0 to start) over n bytes at p. Crc64(Crc64(0, a), b) == Crc64(0, a + b).
uint64_t Crc64(uint64_t crc, const void* p, size_t n);

}  // namespace tessera::persistence
