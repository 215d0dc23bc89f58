// Commands that need the whole server (its config, start time, process): INFO, CONFIG, SHUTDOWN,
// SAVE/BGSAVE.
// They live here, above the engine, and bind the Server into their handlers at registration.
#pragma once

#include "src/engine/command_registry.h"

namespace tessera::server {

class Server;

void RegisterInfoCommand(engine::CommandRegistry& registry, Server& server);
void RegisterConfigCommand(engine::CommandRegistry& registry, Server& server);
void RegisterShutdownCommand(engine::CommandRegistry& registry, Server& server);
// SAVE, BGSAVE, LASTSAVE.
void RegisterPersistenceCommands(engine::CommandRegistry& registry, Server& server);

}  // namespace tessera::server
