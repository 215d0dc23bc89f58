// The table of commands. Filled at startup by each family's Register function, frozen before
// the loops start, then read concurrently by every loop without locks.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
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
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, const CommandSpec*, NameHash, std::equal_to<>> by_name_;
};

// Parses a space-separated Redis flag list into CommandFlag bits.
uint32_t ParseCommandFlags(std::string_view flags);

}  // namespace tessera::engine
