// The list type: a quicklist — a sequence of listpack nodes, each bounded by
// list-max-listpack-size exactly as Redis 7.0's quicklist bounds its nodes.
//
// Redis 7.0 has one list encoding: OBJECT ENCODING answers "quicklist" for every list, however
// short (the "listpack" list encoding arrived in 7.2), and so do we. A short list is a single
// node, i.e. one listpack, which is what keeps small lists compact.
//
// Node rules (Redis 7.0 quicklist.c): a node accepts an element while
//  - fill < 0: the node's bytes after the insert stay within 4/8/16/32/64 KiB (fill -1..-5);
//  - fill >= 0: it holds fewer than `fill` elements and stays within 8 KiB (the safety limit).
// When the node at a push end is full a new node is started; an insert into a full middle node
// spills into a neighbour that has room, else splits the node. Nodes that become empty are
// removed. Changing the limit (CONFIG SET) affects later inserts only, as in Redis. LSET replaces
// in place even if that takes a node past the limit (as 7.0 does). Redis's "plain" nodes for
// elements of 1 GB and more are not modelled.
//
// Positions are 0-based from the head. Shard-thread only, like everything in storage/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/listpack.h"
#include "storage/value.h"

namespace tessera::storage {

enum class ListEnd : uint8_t { kHead, kTail };

class ListValue final : public StoredObject {
 public:
  // `fill` is list-max-listpack-size; the default reads the global limit at every insert.
  ListValue() = default;
  explicit ListValue(int64_t fill) : fixed_fill_(true), fill_(ClampFill(fill)) {}

  const char* EncodingName() const override { return "quicklist"; }
  std::unique_ptr<StoredObject> Clone() const override;
  size_t MemoryUsage() const override;

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  size_t node_count() const { return nodes_.size(); }
  // Entries in node `i` (for tests of the node rules).
  size_t node_size(size_t i) const { return nodes_[i].size(); }

  void Push(std::string_view v, ListEnd where);
  // Removes up to `count` elements from `where`, appending them to *out in pop order (from the
  // tail that is last-to-first).
  void Pop(ListEnd where, size_t count, std::vector<std::string>* out);
  // Element `index` (0 <= index < size()).
  std::string Get(size_t index) const;
  void Set(size_t index, std::string_view v);
  // Inserts before position `index` (index == size() appends).
  void Insert(size_t index, std::string_view v);
  // Removes `count` elements starting at `index` (clamped to the end).
  void Erase(size_t index, size_t count);
  // LREM: removes up to |count| elements equal to `v` (all when count == 0), from the head when
  // count >= 0, from the tail when negative. Returns how many were removed.
  size_t Remove(std::string_view v, int64_t count);

  // Sequential access in either direction.
  class Cursor {
   public:
    bool Valid() const { return index_ < list_->count_; }
    void Next();
    void Prev();
    size_t index() const { return index_; }
    void Read(Listpack::Value* out) const { pos_.Read(out); }
    std::string ReadString() const;
    bool Equals(std::string_view v) const { return pos_.Equals(v); }

   private:
    friend class ListValue;
    const ListValue* list_ = nullptr;
    size_t node_ = 0;
    Listpack::Cursor pos_;
    size_t index_ = 0;
  };
  // At element `index`; invalid if out of range.
  Cursor At(size_t index) const;

  // Redis's quicklistSetFill clamping: at most 32768, at least -5.
  static int ClampFill(int64_t fill);

 private:
  // The node holding element `index` and the element's position inside it.
  void Locate(size_t index, size_t* node, size_t* offset) const;
  int fill() const;
  bool AllowInsert(const Listpack& node, std::string_view v) const;
  bool AllowMerge(const Listpack& a, const Listpack& b) const;
  // Merges node i with node i+1 when the result respects the node rules.
  void TryMerge(size_t i);
  void DropIfEmpty(size_t node);

  std::vector<Listpack> nodes_;
  size_t count_ = 0;
  bool fixed_fill_ = false;
  int fill_ = -2;
};

}  // namespace tessera::storage
