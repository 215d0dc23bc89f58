#include "storage/skiplist.h"

#include <cstring>
#include <new>

#include "storage/key_hash.h"

namespace tessera::storage {
namespace {

constexpr size_t kMinBuckets = 4;

// Levels with p = 1/4: each extra level needs the next two random bits to be zero.
int RandomLevel() {
  thread_local uint64_t state = RandomHashSeed() | 1;
  // xorshift64*: cheap, and the quality is far beyond what level drawing needs.
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  uint64_t bits = state * 0x2545F4914F6CDD1DULL;
  int level = 1;
  while ((bits & 3) == 0 && level < SkipList::kMaxLevel) {
    ++level;
    bits >>= 2;
  }
  return level;
}

uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

}  // namespace

SkipList::Node* SkipList::NewNode(int height, std::string_view member, double score) {
  void* block = ::operator new(Node::BlockSize(height, member.size()));
  Node* n = new (block) Node;
  n->score_ = score;
  n->member_len_ = static_cast<uint32_t>(member.size());
  n->height_ = static_cast<uint8_t>(height);
  for (int i = 0; i < height; ++i) n->levels()[i] = Node::Level{nullptr, 0};
  if (!member.empty()) std::memcpy(n->member_data(), member.data(), member.size());
  return n;
}

void SkipList::FreeNode(Node* node) {
  node->~Node();
  ::operator delete(node);
}

uint64_t SkipList::NextCursor(uint64_t cursor, uint64_t mask) {
  // Increment the bits above the mask's complement from the most significant end.
  cursor |= ~mask;
  cursor = ReverseBits(cursor);
  ++cursor;
  return ReverseBits(cursor);
}

bool SkipList::Before(const Node& n, double score, std::string_view member) {
  return n.score_ < score || (n.score_ == score && n.member() < member);
}

SkipList::SkipList() : header_(NewNode(kMaxLevel, {}, 0)), seed_(RandomHashSeed()) {}

SkipList::SkipList(const SkipList& other) : SkipList() {
  for (const Node* n = other.first(); n != nullptr; n = n->next()) Insert(n->member(), n->score());
}

SkipList::~SkipList() {
  Node* n = first();
  while (n != nullptr) {
    Node* next = n->next();
    FreeNode(n);
    n = next;
  }
  FreeNode(header_);
}

size_t SkipList::MemoryUsage() const {
  return sizeof(*this) + Node::BlockSize(kMaxLevel, 0) + node_bytes_ +
         buckets_.capacity() * sizeof(Node*);
}

// ---- Hash index.

size_t SkipList::BucketOf(std::string_view member) const {
  return HashKey(member, seed_) & (buckets_.size() - 1);
}

SkipList::Node* SkipList::Find(std::string_view member) const {
  if (buckets_.empty()) return nullptr;
  for (Node* n = buckets_[BucketOf(member)]; n != nullptr; n = n->hash_next_) {
    if (n->member() == member) return n;
  }
  return nullptr;
}

void SkipList::Rehash(size_t buckets) {
  std::vector<Node*> old;
  old.swap(buckets_);
  buckets_.assign(buckets, nullptr);
  for (Node* head : old) {
    while (head != nullptr) {
      Node* next = head->hash_next_;
      Node*& slot = buckets_[BucketOf(head->member())];
      head->hash_next_ = slot;
      slot = head;
      head = next;
    }
  }
}

void SkipList::IndexAdd(Node* node) {
  if (buckets_.empty()) {
    buckets_.assign(kMinBuckets, nullptr);
  } else if (size_ > buckets_.size()) {
    Rehash(buckets_.size() * 2);
  }
  Node*& slot = buckets_[BucketOf(node->member())];
  node->hash_next_ = slot;
  slot = node;
}

void SkipList::IndexRemove(Node* node) {
  Node** link = &buckets_[BucketOf(node->member())];
  while (*link != node) link = &(*link)->hash_next_;
  *link = node->hash_next_;
  node->hash_next_ = nullptr;
  // Shrink below 1/8 full, to the smallest power of two holding every element.
  if (buckets_.size() > kMinBuckets && size_ * 8 < buckets_.size()) {
    size_t n = kMinBuckets;
    while (n < size_) n *= 2;
    Rehash(n);
  }
}

// ---- Order.

void SkipList::Link(Node* x) {
  Node* update[kMaxLevel];
  size_t rank[kMaxLevel];
  Node* p = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    while (p->levels()[i].forward != nullptr &&
           Before(*p->levels()[i].forward, x->score_, x->member())) {
      rank[i] += p->levels()[i].span;
      p = p->levels()[i].forward;
    }
    update[i] = p;
  }
  const int height = x->height_;
  if (height > level_) {
    for (int i = level_; i < height; ++i) {
      rank[i] = 0;
      update[i] = header_;
      header_->levels()[i].span = size_;
    }
    level_ = height;
  }
  for (int i = 0; i < height; ++i) {
    Node::Level& before = update[i]->levels()[i];
    x->levels()[i].forward = before.forward;
    before.forward = x;
    // `before` used to skip before.span elements; x now sits rank[0] - rank[i] + 1 after it.
    x->levels()[i].span = before.span - (rank[0] - rank[i]);
    before.span = rank[0] - rank[i] + 1;
  }
  for (int i = height; i < level_; ++i) ++update[i]->levels()[i].span;
  x->backward_ = update[0] == header_ ? nullptr : update[0];
  if (x->levels()[0].forward != nullptr) {
    x->levels()[0].forward->backward_ = x;
  } else {
    tail_ = x;
  }
  ++size_;
}

void SkipList::FindUpdate(const Node* x, Node** update) const {
  Node* p = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (p->levels()[i].forward != nullptr &&
           Before(*p->levels()[i].forward, x->score_, x->member())) {
      p = p->levels()[i].forward;
    }
    update[i] = p;
  }
}

void SkipList::Unlink(Node* x, Node** update) {
  for (int i = 0; i < level_; ++i) {
    Node::Level& before = update[i]->levels()[i];
    if (before.forward == x) {
      before.span += x->levels()[i].span - 1;
      before.forward = x->levels()[i].forward;
    } else {
      --before.span;
    }
  }
  if (x->levels()[0].forward != nullptr) {
    x->levels()[0].forward->backward_ = x->backward_;
  } else {
    tail_ = x->backward_;
  }
  while (level_ > 1 && header_->levels()[level_ - 1].forward == nullptr) --level_;
  --size_;
}

SkipList::Node* SkipList::Insert(std::string_view member, double score) {
  const int height = RandomLevel();
  Node* x = NewNode(height, member, score);
  node_bytes_ += Node::BlockSize(height, member.size());
  Link(x);
  IndexAdd(x);
  return x;
}

SkipList::Node* SkipList::UpdateScore(Node* node, double score) {
  const Node* prev = node->backward_;
  const Node* next = node->levels()[0].forward;
  // Still strictly between its neighbours' scores: the order cannot change.
  if ((prev == nullptr || prev->score_ < score) && (next == nullptr || next->score_ > score)) {
    node->score_ = score;
    return node;
  }
  Node* update[kMaxLevel];
  FindUpdate(node, update);
  Unlink(node, update);
  node->score_ = score;
  for (int i = 0; i < node->height_; ++i) node->levels()[i] = Node::Level{nullptr, 0};
  Link(node);
  return node;
}

void SkipList::Erase(Node* node) {
  Node* update[kMaxLevel];
  FindUpdate(node, update);
  Unlink(node, update);
  IndexRemove(node);
  node_bytes_ -= Node::BlockSize(node->height_, node->member_len_);
  FreeNode(node);
}

size_t SkipList::EraseRanks(size_t start, size_t end) {
  if (start >= size_ || start > end) return 0;
  Node* update[kMaxLevel];
  Node* p = header_;
  size_t traversed = 0;  // 1-based rank of p
  for (int i = level_ - 1; i >= 0; --i) {
    while (p->levels()[i].forward != nullptr && traversed + p->levels()[i].span < start + 1) {
      traversed += p->levels()[i].span;
      p = p->levels()[i].forward;
    }
    update[i] = p;
  }
  size_t removed = 0;
  Node* x = p->levels()[0].forward;
  for (size_t rank = start; x != nullptr && rank <= end; ++rank) {
    Node* next = x->levels()[0].forward;
    Unlink(x, update);
    IndexRemove(x);
    node_bytes_ -= Node::BlockSize(x->height_, x->member_len_);
    FreeNode(x);
    ++removed;
    x = next;
  }
  return removed;
}

size_t SkipList::Rank(const Node* node) const {
  const Node* p = header_;
  size_t rank = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    while (p->levels()[i].forward != nullptr &&
           (p->levels()[i].forward == node ||
            Before(*p->levels()[i].forward, node->score_, node->member()))) {
      rank += p->levels()[i].span;
      p = p->levels()[i].forward;
    }
    if (p == node) return rank - 1;
  }
  return size_;  // not reached for a linked node
}

SkipList::Node* SkipList::AtRank(size_t rank) const {
  if (rank >= size_) return nullptr;
  const size_t target = rank + 1;
  Node* p = header_;
  size_t traversed = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    while (p->levels()[i].forward != nullptr && traversed + p->levels()[i].span <= target) {
      traversed += p->levels()[i].span;
      p = p->levels()[i].forward;
    }
    if (traversed == target) return p;
  }
  return nullptr;
}

}  // namespace tessera::storage
