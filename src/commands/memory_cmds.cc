// Placeholder until the family lands (issue 3): registers nothing.
#include "src/commands/register.h"

namespace tessera::commands {

void RegisterMemoryCommands(engine::CommandRegistry&) {}

}  // namespace tessera::commands
