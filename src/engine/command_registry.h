// The table of commands. Filled at startup by each family's Register function, frozen before
// the loops start, then read concurrently by every loop without locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/engine/command_spec.h"

namespace tessera::engine {

class CommandRegistry {
 public:
  // Registers a command (with its subcommands). Computes flag bits. Names are lower-cased.
  void Add(CommandSpec spec);
  // Case-insensitive lookup of a top-level command; nullptr if unknown.
  const CommandSpec* Find(std::string_view name) const;
  // Case-insensitive lookup of a subcommand of `parent`; nullptr if unknown.
  const CommandSpec* FindSub(const CommandSpec& parent, std::string_view sub) const;
  // All top-level commands, in registration order.
  const std::vector<const CommandSpec*>& all() const { return order_; }
  // Every command and subcommand, indexed by CommandSpec::id.
  const std::vector<const CommandSpec*>& by_id() const { return by_id_; }

 private:
  std::vector<std::unique_ptr<CommandSpec>> specs_;
  std::vector<const CommandSpec*> order_;
  std::vector<const CommandSpec*> by_id_;
  // A name folded to ASCII lower case and packed into two words (first and last bytes, see
  // MakeNameKey): it hashes and compares in a few word operations instead of a loop per byte.
  // For names of at most 16 bytes equal keys mean equal names; longer ones compare in full.
  struct NameKey {
    uint64_t head = 0;
    uint64_t tail = 0;
    size_t len = 0;
  };
  static NameKey MakeNameKey(std::string_view name);
  static bool SameKey(const NameKey& a, const NameKey& b) {
    return a.head == b.head && a.tail == b.tail && a.len == b.len;
  }
  // Top-level commands by name, open addressing with linear probing, at most half full so a probe
  // ends within a slot or two. Find makes no lower-cased copy of the name.
  struct NameSlot {
    NameKey key;
    const CommandSpec* spec = nullptr;  // nullptr: empty
  };
  size_t SlotOf(const NameKey& key) const;
  // Puts `spec` in its slot, replacing a command of the same name.
  void IndexName(const CommandSpec* spec);
  void GrowNameIndex();
  static constexpr int kInitialSlotBits = 6;
  std::vector<NameSlot> name_slots_ = std::vector<NameSlot>(size_t{1} << kInitialSlotBits);
  int slot_shift_ = 64 - kInitialSlotBits;  // 64 - log2(name_slots_.size())
  size_t named_ = 0;                        // occupied slots
  size_t max_name_len_ = 0;                 // longer names cannot match, whatever their bytes
};

// Parses a space-separated Redis flag list into CommandFlag bits.
uint32_t ParseCommandFlags(std::string_view flags);

}  // namespace tessera::engine
