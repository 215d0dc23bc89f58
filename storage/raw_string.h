// The "raw" string encoding: one heap block holding length, capacity and the bytes, owned by
// exactly one entry. Single-threaded like its entry.
#pragma once

#include <cstddef>
#include <string_view>

namespace tessera::storage {

class RawString {
 public:
  // A block holding exactly `bytes` (no slack: most raw strings are never appended to).
  static RawString* Create(std::string_view bytes);
  static void Destroy(RawString* s);
  // Sets the length to `n`, zero-filling any growth, and returns the (possibly moved) block.
  // Growth is greedy like Redis's sds (double below 1 MiB, +1 MiB above) so a run of APPENDs
  // costs amortized O(1) per byte; `greedy` false allocates exactly (a fresh SETRANGE target).
  static RawString* Resize(RawString* s, size_t n, bool greedy = true);

  size_t size() const { return len_; }
  size_t capacity() const { return cap_; }
  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view view() const { return {data(), len_}; }
  // Bytes of the block, for MEMORY USAGE.
  size_t AllocatedSize() const { return sizeof(RawString) + cap_; }

 private:
  RawString() = default;
  size_t len_ = 0;
  size_t cap_ = 0;
};

}  // namespace tessera::storage
