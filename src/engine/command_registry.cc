#include "src/engine/command_registry.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

namespace tessera::engine {
namespace {

// ASCII only, as tolower() in the C locale the server runs in.
char FoldCase(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = FoldCase(c);
  return out;
}

// Whether `name` folded to lower case equals `lower`, which is lower case already.
bool EqualsLowerCase(std::string_view lower, std::string_view name) {
  if (lower.size() != name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (lower[i] != FoldCase(name[i])) return false;
  }
  return true;
}

struct FlagName {
  std::string_view name;
  CommandFlag bit;
};
constexpr FlagName kFlagNames[] = {
    {"write", kCmdWrite},          {"readonly", kCmdReadOnly},
    {"denyoom", kCmdDenyOom},      {"admin", kCmdAdmin},
    {"pubsub", kCmdPubSub},        {"noscript", kCmdNoScript},
    {"blocking", kCmdBlocking},    {"loading", kCmdLoading},
    {"stale", kCmdStale},          {"fast", kCmdFast},
    {"no_auth", kCmdNoAuth},       {"no_multi", kCmdNoMulti},
    {"allow_busy", kCmdAllowBusy},
};

void Finalize(CommandSpec& spec) {
  spec.name = Lower(spec.name);
  spec.flag_bits = ParseCommandFlags(spec.flags);
  if (!spec.key_specs.empty() && spec.first_key == 0) spec.flag_bits |= kCmdMovableKeys;
  for (CommandSpec& sub : spec.subcommands) {
    if (sub.name.find('|') == std::string::npos) sub.name = spec.name + "|" + sub.name;
    Finalize(sub);
  }
}

// Bytes 'A'-'Z' of a word to lower case, all eight at once, leaving every other byte (including
// those >= 0x80) alone: the same as FoldCase on each byte.
uint64_t FoldCaseWord(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  uint64_t low7 = w & (0x7f * kOnes);
  uint64_t at_least_a = low7 + (0x80 - 'A') * kOnes;             // bit 7 set where low7 >= 'A'
  uint64_t above_z = low7 + (0x80 - 'Z' - 1) * kOnes;            // bit 7 set where low7 > 'Z'
  uint64_t upper = at_least_a & ~above_z & ~w & (0x80 * kOnes);  // and the byte is ASCII
  return w | (upper >> 2);                                       // 0x80 >> 2 is the case bit
}

uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

}  // namespace

// head and tail overlap for names shorter than 16 bytes, so together with the length they hold
// every byte of a name of up to 16 bytes, and equal keys mean equal names there.
inline CommandRegistry::NameKey CommandRegistry::MakeNameKey(std::string_view name) {
  const char* p = name.data();
  size_t n = name.size();
  NameKey key;
  key.len = n;
  if (n >= 8) {
    key.head = Load64(p);
    key.tail = Load64(p + n - 8);
  } else if (n >= 4) {
    key.head = Load32(p);
    key.tail = Load32(p + n - 4);
  } else if (n > 0) {
    key.head = static_cast<unsigned char>(p[0]) |
               static_cast<uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8 |
               static_cast<uint64_t>(static_cast<unsigned char>(p[n - 1])) << 16;
  }
  key.head = FoldCaseWord(key.head);
  key.tail = FoldCaseWord(key.tail);
  return key;
}

// Multiplicative hashing: the top bits of the product pick the slot.
inline size_t CommandRegistry::SlotOf(const NameKey& key) const {
  uint64_t h = (key.head ^ (key.tail * 0x9e3779b97f4a7c15ull) ^ key.len) * 0xff51afd7ed558ccdull;
  return static_cast<size_t>(h >> slot_shift_);
}

void CommandRegistry::IndexName(const CommandSpec* spec) {
  if ((named_ + 1) * 2 > name_slots_.size()) GrowNameIndex();
  NameKey key = MakeNameKey(spec->name);
  size_t mask = name_slots_.size() - 1;
  for (size_t i = SlotOf(key);; i = (i + 1) & mask) {
    NameSlot& slot = name_slots_[i];
    if (slot.spec == nullptr) {
      slot = {key, spec};
      ++named_;
      break;
    }
    if (slot.spec->name == spec->name) {
      slot.spec = spec;  // a later registration replaces an earlier one
      break;
    }
  }
  max_name_len_ = std::max(max_name_len_, spec->name.size());
}

void CommandRegistry::GrowNameIndex() {
  std::vector<NameSlot> old = std::move(name_slots_);
  size_t size = old.size() * 2;
  name_slots_.assign(size, NameSlot{});
  slot_shift_ = 64 - std::countr_zero(size);
  named_ = 0;
  for (const NameSlot& slot : old) {
    if (slot.spec != nullptr) IndexName(slot.spec);
  }
}

uint32_t ParseCommandFlags(std::string_view flags) {
  uint32_t bits = 0;
  size_t pos = 0;
  while (pos < flags.size()) {
    size_t end = flags.find(' ', pos);
    if (end == std::string_view::npos) end = flags.size();
    std::string_view word = flags.substr(pos, end - pos);
    for (const FlagName& f : kFlagNames) {
      if (f.name == word) bits |= f.bit;
    }
    pos = end + 1;
  }
  return bits;
}

void CommandRegistry::Add(CommandSpec spec) {
  Finalize(spec);
  auto owned = std::make_unique<CommandSpec>(std::move(spec));
  const CommandSpec* ptr = owned.get();
  // Ids are assigned once the spec has its final address (subcommands live inside it).
  owned->id = static_cast<uint32_t>(by_id_.size());
  by_id_.push_back(ptr);
  for (CommandSpec& sub : owned->subcommands) {
    sub.id = static_cast<uint32_t>(by_id_.size());
    by_id_.push_back(&sub);
  }
  IndexName(ptr);
  order_.push_back(ptr);
  specs_.push_back(std::move(owned));
}

const CommandSpec* CommandRegistry::Find(std::string_view name) const {
  // The length check keeps a huge first argument from being hashed at all.
  if (name.size() > max_name_len_) return nullptr;
  NameKey key = MakeNameKey(name);
  size_t mask = name_slots_.size() - 1;
  for (size_t i = SlotOf(key);; i = (i + 1) & mask) {
    const NameSlot& slot = name_slots_[i];
    if (slot.spec == nullptr) return nullptr;
    if (SameKey(slot.key, key) && (key.len <= 16 || EqualsLowerCase(slot.spec->name, name))) {
      return slot.spec;
    }
  }
}

// Subcommands are stored as "parent|sub", lower case.
const CommandSpec* CommandRegistry::FindSub(const CommandSpec& parent, std::string_view sub) const {
  size_t prefix = parent.name.size() + 1;
  for (const CommandSpec& s : parent.subcommands) {
    std::string_view name = s.name;
    if (name.size() == prefix + sub.size() && name.starts_with(parent.name) &&
        name[prefix - 1] == '|' && EqualsLowerCase(name.substr(prefix), sub)) {
      return &s;
    }
  }
  return nullptr;
}

}  // namespace tessera::engine
