// Process memory figures for INFO memory and MEMORY commands: from jemalloc when it is the
// allocator (release builds), from glibc's mallinfo2 otherwise (sanitizer builds). Any thread.
#pragma once

#include <cstdint>
#include <string>

namespace tessera::server {

struct MemoryStats {
  uint64_t allocated = 0;  // bytes handed out to the program (used_memory)
  uint64_t active = 0;     // bytes in active pages
  uint64_t resident = 0;   // allocator's resident bytes
  uint64_t rss = 0;        // process resident set size
  std::string allocator;   // "jemalloc-5.3.0" or "libc"
};

MemoryStats ReadMemoryStats();
uint64_t TotalSystemMemory();
// Redis's bytesToHuman: "1.50M", "512B", ...
std::string BytesToHuman(uint64_t bytes);

}  // namespace tessera::server
