#include "src/server/memory_stats.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#ifdef TESSERA_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace tessera::server {
namespace {

uint64_t ReadRss() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

MemoryStats ReadMemoryStats() {
  MemoryStats s;
  s.rss = ReadRss();
#ifdef TESSERA_HAVE_JEMALLOC
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);
  size_t v = 0;
  len = sizeof(v);
  if (mallctl("stats.allocated", &v, &len, nullptr, 0) == 0) s.allocated = v;
  if (mallctl("stats.active", &v, &len, nullptr, 0) == 0) s.active = v;
  if (mallctl("stats.resident", &v, &len, nullptr, 0) == 0) s.resident = v;
  const char* version = nullptr;
  len = sizeof(version);
  if (mallctl("version", &version, &len, nullptr, 0) == 0 && version != nullptr) {
    std::string full(version);
    s.allocator = "jemalloc-" + full.substr(0, full.find('-'));
  } else {
    s.allocator = "jemalloc";
  }
#else
  struct mallinfo2 mi = mallinfo2();
  s.allocated = mi.uordblks + mi.hblkhd;
  s.active = s.allocated;
  s.resident = s.rss;
  s.allocator = "libc";
#endif
  return s;
}

uint64_t TotalSystemMemory() {
  return static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
         static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

std::string BytesToHuman(uint64_t n) {
  char buf[64];
  double d = static_cast<double>(n);
  if (n < 1024) {
    std::snprintf(buf, sizeof(buf), "%lluB", static_cast<unsigned long long>(n));
  } else if (n < 1024ULL * 1024) {
    std::snprintf(buf, sizeof(buf), "%.2fK", d / 1024);
  } else if (n < 1024ULL * 1024 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.2fM", d / (1024 * 1024));
  } else if (n < 1024ULL * 1024 * 1024 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.2fG", d / (1024.0 * 1024 * 1024));
  } else {
    std::snprintf(buf, sizeof(buf), "%.2fT", d / (1024.0 * 1024 * 1024 * 1024));
  }
  return buf;
}

}  // namespace tessera::server
