#include "storage/raw_string.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace tessera::storage {
namespace {

RawString* AllocateBlock(size_t cap) {
  void* mem = std::malloc(sizeof(RawString) + cap);
  if (mem == nullptr) throw std::bad_alloc();
  return static_cast<RawString*>(mem);
}

constexpr size_t kGreedyLimit = 1024 * 1024;

}  // namespace

RawString* RawString::Create(std::string_view bytes) {
  RawString* s = new (AllocateBlock(bytes.size())) RawString();
  s->len_ = bytes.size();
  s->cap_ = bytes.size();
  if (!bytes.empty()) std::memcpy(s->data(), bytes.data(), bytes.size());
  return s;
}

void RawString::Destroy(RawString* s) {
  if (s == nullptr) return;
  s->~RawString();
  std::free(s);
}

RawString* RawString::Resize(RawString* s, size_t n, bool greedy) {
  if (n > s->cap_) {
    size_t cap = !greedy ? n : n < kGreedyLimit ? n * 2 : n + kGreedyLimit;
    void* mem = std::realloc(s, sizeof(RawString) + cap);
    if (mem == nullptr) throw std::bad_alloc();
    s = static_cast<RawString*>(mem);
    s->cap_ = cap;
  }
  if (n > s->len_) std::memset(s->data() + s->len_, 0, n - s->len_);
  s->len_ = n;
  return s;
}

}  // namespace tessera::storage
