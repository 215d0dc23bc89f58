// A sorted set value: members with double scores, ordered by (score, member).
//
// Two encodings, with Redis 7.0's names, thresholds and conversion points (OBJECT ENCODING):
//  - "listpack": one Listpack of member, score, member, score, ... in order. Scores are kept as
//    text in Redis's d2string form (integers become listpack integers). Every operation is a
//    linear walk, which is what small sets want.
//  - "skiplist": a SkipList (ordered, with ranks) plus its member index.
// A set starts packed unless zset-max-listpack-entries is 0 or its first member is longer than
// zset-max-listpack-value, and converts (for good) when an insert would pass either limit. Only
// results built by ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE return to the packed form when they fit
// (ConvertToPackedIfFits), as in Redis. Limits are read at each decision, so CONFIG SET applies
// to the next one.
//
// Ranks are 0-based in ascending order. Views returned by iterators stay valid until the next
// iterator step or mutation. Owning shard thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/listpack.h"
#include "storage/numbers.h"
#include "storage/skiplist.h"
#include "storage/value.h"

namespace tessera::storage {

// A member and its score, copied out of a set (results that outlive the value, cross-shard
// transfers).
struct ScoredMember {
  std::string member;
  double score = 0;
};

class ZSetValue final : public StoredObject {
 public:
  // Walks the set in order, forwards or backwards, in either encoding.
  class Iterator {
   public:
    bool Valid() const { return packed_ ? lp_cursor_.Valid() : node_ != nullptr; }
    void Next();
    void Prev();
    std::string_view member() const;
    double score() const { return packed_ ? score_ : node_->score(); }

   private:
    friend class ZSetValue;
    void Load();  // packed: reads the pair at lp_cursor_

    bool packed_ = true;
    Listpack::Cursor lp_cursor_;  // on the member entry of the current pair
    const SkipList::Node* node_ = nullptr;
    double score_ = 0;
    bool member_is_int_ = false;
    std::string_view member_str_;  // into the listpack, unless the member is an integer
    char member_buf_[kInt64BufSize];
    size_t member_int_len_ = 0;
  };

  // An empty set in the encoding Redis picks for a new key whose first member has
  // `first_member_len` bytes.
  static std::unique_ptr<ZSetValue> Create(size_t first_member_len);
  // A set holding `members` (ascending and unique), packed when it is within both limits: the
  // encoding Redis ends up with for a stored result (ZRANGESTORE, ZUNIONSTORE, ...).
  static std::unique_ptr<ZSetValue> FromSorted(const std::vector<ScoredMember>& members);

  ZSetValue();  // packed
  ZSetValue(const ZSetValue& other);
  ZSetValue& operator=(const ZSetValue&) = delete;
  ~ZSetValue() override;

  const char* EncodingName() const override { return packed() ? "listpack" : "skiplist"; }
  std::unique_ptr<StoredObject> Clone() const override;
  size_t MemoryUsage() const override;

  bool packed() const { return skiplist_ == nullptr; }
  size_t size() const { return packed() ? lp_.size() / 2 : skiplist_->size(); }
  bool empty() const { return size() == 0; }

  // The member's score; false if absent.
  bool Score(std::string_view member, double* score) const;
  // The member's 0-based ascending rank; false if absent.
  bool Rank(std::string_view member, size_t* rank) const;

  // Adds a member that is not present, converting to "skiplist" first when the packed form
  // would pass a limit.
  void Insert(std::string_view member, double score);
  // Changes a present member's score (no conversion: the size does not change).
  void Update(std::string_view member, double score);
  // Removes a member; false if absent.
  bool Erase(std::string_view member);
  // Removes ranks [start, end] (end clamped). Returns how many were removed.
  size_t EraseRanks(size_t start, size_t end);

  // Positioned at `rank` (invalid if rank >= size()).
  Iterator At(size_t rank) const;
  Iterator Begin() const { return At(0); }
  Iterator Last() const { return empty() ? At(0) : At(size() - 1); }

  // Number of leading elements for which before(score, member) holds; `before` must hold on a
  // prefix of the order only (e.g. "score < min"). O(log n) for "skiplist", O(n) packed.
  template <typename Before>
  size_t CountPrefix(Before&& before) const {
    if (!packed()) {
      return skiplist_->CountPrefix(
          [&before](const SkipList::Node& n) { return before(n.score(), n.member()); });
    }
    size_t count = 0;
    for (Iterator it = Begin(); it.Valid() && before(it.score(), it.member()); it.Next()) ++count;
    return count;
  }

  // One ZSCAN call: appends member/score pairs to *out and returns the next cursor. A packed
  // set is returned whole with cursor 0, whatever the cursor; otherwise the hash index is
  // walked until `count` elements are collected or count*10 buckets were visited.
  uint64_t Scan(uint64_t cursor, size_t count, std::vector<ScoredMember>* out) const;

  // Every element, in order.
  std::vector<ScoredMember> ToVector() const;

  void ConvertToSkipList();
  // Back to "listpack" if the set is within both limits (Redis's
  // zsetConvertToListpackIfNeeded, applied to ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE results).
  void ConvertToPackedIfFits();

  // The encodings, for persistence and tests.
  const Listpack* listpack() const { return packed() ? &lp_ : nullptr; }
  const SkipList* skiplist() const { return skiplist_.get(); }

 private:
  // Packed helpers. Pair positions are entry indexes of the member (even numbers).
  size_t PackedFind(std::string_view member) const;  // lp_.size() if absent
  double PackedScoreAt(size_t member_index) const;
  void PackedInsert(std::string_view member, double score);

  Listpack lp_;                         // used while packed
  std::unique_ptr<SkipList> skiplist_;  // set once converted
};

}  // namespace tessera::storage
