// Every command family registers its specs here. One family per file (src/commands/*_cmds.cc).
#pragma once

#include "src/engine/command_registry.h"

namespace tessera::commands {

void RegisterConnectionCommands(engine::CommandRegistry& registry);
void RegisterServerCommands(engine::CommandRegistry& registry);
void RegisterCommandCommands(engine::CommandRegistry& registry);  // COMMAND and subcommands
void RegisterStringCommands(engine::CommandRegistry& registry);
void RegisterKeyCommands(engine::CommandRegistry& registry);
void RegisterListCommands(engine::CommandRegistry& registry);
void RegisterHashCommands(engine::CommandRegistry& registry);
void RegisterSetCommands(engine::CommandRegistry& registry);
void RegisterZSetCommands(engine::CommandRegistry& registry);
void RegisterSortCommands(engine::CommandRegistry& registry);  // SORT, SORT_RO
void RegisterMemoryCommands(engine::CommandRegistry& registry);
void RegisterTransactionCommands(engine::CommandRegistry& registry);
void RegisterPubSubCommands(engine::CommandRegistry& registry);

// All of the above, in a fixed order (COMMAND LIST reports registration order).
void RegisterAll(engine::CommandRegistry& registry);

}  // namespace tessera::commands
