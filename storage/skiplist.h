// The "skiplist" encoding of a sorted set: a skiplist ordered by (score, member) with spans,
// so rank queries and range-by-rank are O(log n), plus a hash index from member to node.
//
// The skiplist is Pugh's, as Redis uses it: levels drawn with p = 1/4 (at most 32), a backward
// link on level 0 for reverse walks, and per-level spans (elements skipped by a forward link)
// from which ranks are summed. Members are unique; equal scores are ordered by member bytes
// (memcmp order, shorter first on a common prefix), exactly as Redis orders them.
//
// Memory: each element is one block — a 32-byte header, 16 bytes per level (1.33 on average)
// and the member bytes — linked into the hash index through the node itself (no separate
// dictionary entry or string object as in Redis). The index is a power-of-two bucket array kept
// at load factor <= 1; it is resized in one pass when it grows or shrinks (an O(n) step, which
// only very large sets notice).
//
// ZSCAN walks the hash index with Redis's reverse-binary cursor, so an element present for the
// whole scan is returned at least once however the index is resized between calls.
//
// Node pointers stay valid until their element is erased (UpdateScore keeps the node).
// Owning shard thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tessera::storage {

class SkipList {
 public:
  static constexpr int kMaxLevel = 32;

  class Node {
   public:
    double score() const { return score_; }
    std::string_view member() const { return {member_data(), member_len_}; }
    // Neighbours in (score, member) order; nullptr past the ends.
    Node* next() const { return levels()[0].forward; }
    Node* prev() const { return backward_; }

   private:
    friend class SkipList;
    struct Level {
      Node* forward;
      size_t span;  // elements from this node to `forward` on this level (0 at the end)
    };
    Level* levels() { return reinterpret_cast<Level*>(this + 1); }
    const Level* levels() const { return reinterpret_cast<const Level*>(this + 1); }
    char* member_data() { return reinterpret_cast<char*>(levels() + height_); }
    const char* member_data() const { return reinterpret_cast<const char*>(levels() + height_); }
    static size_t BlockSize(int height, size_t member_len) {
      return sizeof(Node) + sizeof(Level) * height + member_len;
    }

    double score_ = 0;
    Node* backward_ = nullptr;
    Node* hash_next_ = nullptr;
    uint32_t member_len_ = 0;
    uint8_t height_ = 0;
  };

  SkipList();
  ~SkipList();
  SkipList(const SkipList& other);
  SkipList& operator=(const SkipList&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Heap bytes: nodes, the header and the hash index.
  size_t MemoryUsage() const;

  // The node of `member`, or nullptr.
  Node* Find(std::string_view member) const;
  // Adds `member`, which must not be present. Returns its node.
  Node* Insert(std::string_view member, double score);
  // Moves `node` to `score`, relinking it where the order requires. Returns `node`.
  Node* UpdateScore(Node* node, double score);
  // Removes and frees `node`.
  void Erase(Node* node);
  // Removes the elements at ranks [start, end] (0-based, inclusive, end clamped to the last).
  // Returns how many were removed.
  size_t EraseRanks(size_t start, size_t end);

  // 0-based rank of `node` in ascending order.
  size_t Rank(const Node* node) const;
  // The node at 0-based `rank`, nullptr if rank >= size().
  Node* AtRank(size_t rank) const;
  Node* first() const { return header_->levels()[0].forward; }
  Node* last() const { return tail_; }

  // The number of leading elements (in ascending order) for which before(const Node&) holds.
  // `before` must hold on a prefix of the order and not after it (e.g. "score < min"). O(log n).
  template <typename Before>
  size_t CountPrefix(Before&& before) const {
    const Node* x = header_;
    size_t count = 0;
    for (int i = level_ - 1; i >= 0; --i) {
      while (x->levels()[i].forward != nullptr && before(*x->levels()[i].forward)) {
        count += x->levels()[i].span;
        x = x->levels()[i].forward;
      }
    }
    return count;
  }

  // One step of ZSCAN over the hash index: calls fn(const Node&) for the nodes of the cursor's
  // bucket and returns the next cursor (0 when the scan is complete).
  template <typename Fn>
  uint64_t ScanStep(uint64_t cursor, Fn&& fn) const {
    if (buckets_.empty()) return 0;
    const uint64_t mask = buckets_.size() - 1;
    for (const Node* n = buckets_[cursor & mask]; n != nullptr; n = n->hash_next_) fn(*n);
    return NextCursor(cursor, mask);
  }
  size_t bucket_count() const { return buckets_.size(); }

 private:
  static Node* NewNode(int height, std::string_view member, double score);
  static void FreeNode(Node* node);
  static uint64_t NextCursor(uint64_t cursor, uint64_t mask);
  // Whether `n` sorts before (score, member).
  static bool Before(const Node& n, double score, std::string_view member);

  // Links an allocated, unlinked node at its place in the order.
  void Link(Node* x);
  // Unlinks `x` from the levels; update[i] is the last node before x on level i.
  void Unlink(Node* x, Node** update);
  // Fills update[] for `x`'s position (x must be linked).
  void FindUpdate(const Node* x, Node** update) const;

  size_t BucketOf(std::string_view member) const;
  void IndexAdd(Node* node);
  void IndexRemove(Node* node);
  void Rehash(size_t buckets);

  Node* header_;
  Node* tail_ = nullptr;
  size_t size_ = 0;
  int level_ = 1;
  size_t node_bytes_ = 0;  // sum of the element blocks, for MemoryUsage
  std::vector<Node*> buckets_;
  uint64_t seed_;
};

}  // namespace tessera::storage
