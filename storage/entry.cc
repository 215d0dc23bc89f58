#include "storage/entry.h"

#include <cassert>
#include <cstdlib>
#include <new>
#include <utility>

namespace tessera::storage {

size_t Entry::LayoutSize(size_t key_len, Encoding enc, size_t emb_len, bool expire_slot) {
  size_t n = kHeaderSize;
  if (expire_slot) n += 4;
  if (key_len >= kLongKeyMarker) n += 4;
  if (enc == Encoding::kEmbStr) return n + key_len + emb_len;
  if (enc == Encoding::kObject && emb_len != 0)
    return ((n + 7) & ~size_t{7}) + emb_len * 8 + key_len;
  return n + 8 + key_len;
}

size_t Entry::EmbLenFor(const ValueInit& init) {
  switch (init.encoding_) {
    case Encoding::kEmbStr:
      return init.bytes_.size();
    case Encoding::kObject: {
      const size_t room = init.object_->InlineSize();
      assert(room % 8 == 0);
      return room <= kMaxInlineObject ? room / 8 : 0;
    }
    case Encoding::kInt:
    case Encoding::kRaw:
      break;
  }
  return 0;
}

void Entry::StoreValue(ValueInit&& init) {
  switch (init.encoding_) {
    case Encoding::kInt:
      set_payload(static_cast<uint64_t>(init.int_value_));
      break;
    case Encoding::kEmbStr:
      if (emb_len_ != 0) std::memcpy(block() + EmbOffset(), init.bytes_.data(), emb_len_);
      break;
    case Encoding::kRaw:
      set_payload(reinterpret_cast<uintptr_t>(RawString::Create(init.bytes_)));
      break;
    case Encoding::kObject:
      if (emb_len_ != 0) {
        // The inline copy replaces the heap object.
        init.object_->CopyInto(block() + ObjectOffset());
        init.object_.reset();
      } else {
        set_payload(reinterpret_cast<uintptr_t>(init.object_.release()));
      }
      break;
  }
}

Entry* Entry::Allocate(std::string_view key, ValueType type, Encoding enc, size_t emb_len,
                       bool expire_slot) {
  assert(enc != Encoding::kEmbStr || emb_len <= kEmbStrMaxLen);
  assert(emb_len == 0 || enc == Encoding::kEmbStr || enc == Encoding::kObject);
  assert(emb_len <= 255);
  size_t size = LayoutSize(key.size(), enc, emb_len, expire_slot);
  void* mem = std::malloc(size);
  if (mem == nullptr) throw std::bad_alloc();
  Entry* e = new (mem) Entry();
  e->meta_ = static_cast<uint8_t>(static_cast<uint8_t>(type) |
                                  (static_cast<uint8_t>(enc) << kEncodingShift));
  if (expire_slot) e->meta_ |= kHasExpireBit;
  if (key.size() >= kLongKeyMarker) {
    e->meta_ |= kLongKeyBit;
    e->key_len8_ = kLongKeyMarker;
    uint32_t len = static_cast<uint32_t>(key.size());
    std::memcpy(e->block() + e->KeyLenOffset(), &len, sizeof(len));
  } else {
    e->key_len8_ = static_cast<uint8_t>(key.size());
  }
  e->emb_len_ = static_cast<uint8_t>(emb_len);
  if (expire_slot) e->set_expire_slot(0);
  if (!key.empty()) std::memcpy(e->block() + e->KeyOffset(), key.data(), key.size());
  return e;
}

Entry* Entry::Create(std::string_view key, ValueInit&& init, bool expire_slot) {
  Entry* e = Allocate(key, init.type_, init.encoding_, EmbLenFor(init), expire_slot);
  e->StoreValue(std::move(init));
  return e;
}

void Entry::FreeValue() {
  switch (encoding()) {
    case Encoding::kRaw:
      RawString::Destroy(raw_block());
      break;
    case Encoding::kObject:
      if (inline_object()) {
        object()->~StoredObject();
      } else {
        delete object();
      }
      break;
    case Encoding::kInt:
    case Encoding::kEmbStr:
      break;
  }
}

void Entry::Destroy(Entry* e) {
  if (e == nullptr) return;
  e->FreeValue();
  e->~Entry();
  std::free(e);
}

Entry* Entry::Rebuild(Entry* e, std::string_view key, bool expire_slot) {
  Entry* n = Allocate(key, e->type(), e->encoding(), e->emb_len_, expire_slot);
  n->access_time_ = e->access_time_;
  n->lfu_ = e->lfu_;
  n->set_snapshot_mark(e->snapshot_mark());
  if (e->encoding() == Encoding::kEmbStr) {
    if (e->emb_len_ != 0)
      std::memcpy(n->block() + n->EmbOffset(), e->block() + e->EmbOffset(), e->emb_len_);
  } else if (e->inline_object()) {
    // Inline objects are trivially relocatable (StoredObject::InlineSize); the old copy is not
    // destroyed, its bytes now belong to the new block.
    std::memcpy(n->block() + n->ObjectOffset(), e->block() + e->ObjectOffset(),
                size_t{e->emb_len_} * 8);
  } else {
    n->set_payload(e->payload());  // ownership of a raw block / object moves with the bits
  }
  e->~Entry();
  std::free(e);
  return n;
}

Entry* Entry::ReplaceValue(Entry* e, ValueInit&& init) {
  Encoding enc = init.encoding_;
  size_t emb_len = EmbLenFor(init);
  // The same emb_len byte and the same kind of value area (embstr bytes, 8-byte payload or
  // inline object room) mean the same block size and key position.
  bool same_shape =
      (enc == Encoding::kEmbStr) == (e->encoding() == Encoding::kEmbStr) && emb_len == e->emb_len_;
  if (!same_shape) {
    Entry* n = Create(e->key(), std::move(init), e->has_expire());
    n->access_time_ = e->access_time_;
    n->set_snapshot_mark(e->snapshot_mark());
    if (e->has_expire()) n->set_expire_slot(e->expire_slot());
    Destroy(e);
    return n;
  }
  // Same block size and payload position: overwrite in place.
  e->FreeValue();
  e->meta_ = static_cast<uint8_t>((e->meta_ & ~(kTypeMask | (kEncodingMask << kEncodingShift))) |
                                  static_cast<uint8_t>(init.type_) |
                                  (static_cast<uint8_t>(enc) << kEncodingShift));
  e->StoreValue(std::move(init));
  return e;
}

Entry* Entry::Clone(const Entry& e, std::string_view key, bool expire_slot) {
  if (e.encoding() == Encoding::kObject) {
    // The clone decides for itself whether it fits inline (a copy may be tighter).
    Entry* n = Create(key, ValueInit::Object(e.type(), e.object()->Clone()), expire_slot);
    n->access_time_ = e.access_time_;
    return n;
  }
  Entry* n = Allocate(key, e.type(), e.encoding(), e.emb_len_, expire_slot);
  n->access_time_ = e.access_time_;
  switch (e.encoding()) {
    case Encoding::kInt:
      n->set_payload(e.payload());
      break;
    case Encoding::kEmbStr:
      if (e.emb_len_ != 0) {
        std::memcpy(n->block() + n->EmbOffset(), e.block() + e.EmbOffset(), e.emb_len_);
      }
      break;
    case Encoding::kRaw:
      n->set_payload(reinterpret_cast<uintptr_t>(RawString::Create(e.raw_block()->view())));
      break;
    case Encoding::kObject:
      break;
  }
  return n;
}

size_t Entry::key_size() const {
  if (!long_key()) return key_len8_;
  uint32_t len;
  std::memcpy(&len, block() + KeyLenOffset(), sizeof(len));
  return len;
}

uint32_t Entry::expire_slot() const {
  assert(has_expire());
  uint32_t slot;
  std::memcpy(&slot, block() + kHeaderSize, sizeof(slot));
  return slot;
}

void Entry::set_expire_slot(uint32_t slot) {
  assert(has_expire());
  std::memcpy(block() + kHeaderSize, &slot, sizeof(slot));
}

RawString* Entry::raw_block() const {
  assert(encoding() == Encoding::kRaw);
  return reinterpret_cast<RawString*>(static_cast<uintptr_t>(payload()));
}

const RawString* Entry::raw() const { return raw_block(); }

char* Entry::ResizeRawString(size_t n, bool greedy) {
  RawString* s = RawString::Resize(raw_block(), n, greedy);
  set_payload(reinterpret_cast<uintptr_t>(s));
  return s->data();
}

StoredObject* Entry::object() const {
  assert(encoding() == Encoding::kObject);
  if (emb_len_ != 0) {
    return std::launder(
        reinterpret_cast<StoredObject*>(const_cast<char*>(block()) + ObjectOffset()));
  }
  return reinterpret_cast<StoredObject*>(static_cast<uintptr_t>(payload()));
}

int64_t Entry::int_value() const {
  assert(encoding() == Encoding::kInt);
  return static_cast<int64_t>(payload());
}

void Entry::set_int_value(int64_t v) {
  assert(encoding() == Encoding::kInt);
  set_payload(static_cast<uint64_t>(v));
}

std::string_view Entry::StringView(char (&buf)[kInt64BufSize]) const {
  assert(is_string());
  switch (encoding()) {
    case Encoding::kInt:
      return {buf, FormatInt64(int_value(), buf)};
    case Encoding::kEmbStr:
      return {block() + EmbOffset(), emb_len_};
    case Encoding::kRaw:
      return raw_block()->view();
    case Encoding::kObject:
      break;
  }
  return {};
}

size_t Entry::StringLength() const {
  if (encoding() == Encoding::kInt) return Int64Length(int_value());
  char buf[kInt64BufSize];
  return StringView(buf).size();
}

std::string Entry::StringCopy() const {
  char buf[kInt64BufSize];
  return std::string(StringView(buf));
}

void Entry::AppendStringTo(std::string* out) const {
  char buf[kInt64BufSize];
  out->append(StringView(buf));
}

const char* Entry::EncodingName() const {
  switch (encoding()) {
    case Encoding::kInt:
      return "int";
    case Encoding::kEmbStr:
      return "embstr";
    case Encoding::kRaw:
      return "raw";
    case Encoding::kObject:
      return object()->EncodingName();
  }
  return "unknown";
}

size_t Entry::BlockSize() const {
  return LayoutSize(key_size(), encoding(), emb_len_, has_expire());
}

size_t Entry::MemoryUsage() const {
  size_t n = BlockSize();
  if (encoding() == Encoding::kRaw) n += raw_block()->AllocatedSize();
  if (encoding() == Encoding::kObject && !inline_object()) n += object()->MemoryUsage();
  return n;
}

}  // namespace tessera::storage
