#include "src/engine/command_registry.h"

#include <algorithm>
#include <cctype>

namespace tessera::engine {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
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

}  // namespace

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
  by_name_[ptr->name] = ptr;
  order_.push_back(ptr);
  specs_.push_back(std::move(owned));
}

const CommandSpec* CommandRegistry::Find(std::string_view name) const {
  char buf[64] = {};  // zeroed: GCC 12 cannot see the loop below fills what is read
  if (name.size() >= sizeof(buf)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) {
    buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  auto it = by_name_.find(std::string_view(buf, name.size()));
  return it == by_name_.end() ? nullptr : it->second;
}

const CommandSpec* CommandRegistry::FindSub(const CommandSpec& parent, std::string_view sub) const {
  std::string full = parent.name + "|" + Lower(sub);
  for (const CommandSpec& s : parent.subcommands) {
    if (s.name == full) return &s;
  }
  return nullptr;
}

}  // namespace tessera::engine
