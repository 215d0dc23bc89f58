// CLIENT and the session rules it shares with the other connection commands (HELLO SETNAME,
// RESET). Private to src/commands.
#pragma once

#include <string>
#include <string_view>

#include "src/engine/command_call.h"
#include "src/engine/command_registry.h"

namespace tessera::commands {

inline constexpr std::string_view kErrBadClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";

// Redis's validateClientName: printable ASCII without spaces ('!' .. '~').
bool ValidClientName(std::string_view name);

// Where a command that turns replies back on writes its reply. Redis sends the replies of
// CLIENT REPLY ON and RESET even while replies are off, because both clear the flag before
// replying; the engine decided at dispatch to discard this call's reply, so those two write
// straight to the client, in order, instead.
std::string* UnmutedReplyOut(engine::CommandCall& call, bool replies_were_off);

// CLIENT and its subcommands (called by RegisterConnectionCommands).
void RegisterClientCommand(engine::CommandRegistry& registry);

}  // namespace tessera::commands
