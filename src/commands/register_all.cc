#include "src/commands/register.h"

namespace tessera::commands {

void RegisterAll(engine::CommandRegistry& registry) {
  RegisterConnectionCommands(registry);
  RegisterServerCommands(registry);
  RegisterCommandCommands(registry);
  RegisterStringCommands(registry);
  RegisterKeyCommands(registry);
  RegisterListCommands(registry);
  RegisterHashCommands(registry);
  RegisterSetCommands(registry);
  RegisterZSetCommands(registry);
  RegisterSortCommands(registry);
  RegisterMemoryCommands(registry);
  RegisterTransactionCommands(registry);
  RegisterPubSubCommands(registry);
}

}  // namespace tessera::commands
