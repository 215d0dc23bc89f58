// Placeholder until the family lands (issue 3): registers nothing.
#include "src/commands/register.h"

namespace tessera::commands {

void RegisterSortCommands(engine::CommandRegistry&) {}

}  // namespace tessera::commands
