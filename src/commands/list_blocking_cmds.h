// Handlers of the list commands that pop from one of several lists or move between lists, and
// of their blocking forms (list_blocking_cmds.cc); registered by RegisterListCommands
// (list_cmds.cc). Coordinator commands: they run on the client's loop under their key locks.
#pragma once

#include <cstdint>
#include <vector>

#include "protocol/command_args.h"
#include "src/engine/command_call.h"

namespace tessera::commands {

void LMove(engine::CommandCall& call);
void RPopLPush(engine::CommandCall& call);
void LMPop(engine::CommandCall& call);
void BLPop(engine::CommandCall& call);
void BRPop(engine::CommandCall& call);
void BLMove(engine::CommandCall& call);
void BRPopLPush(engine::CommandCall& call);
void BLMPop(engine::CommandCall& call);

// Key positions of LMPOP / BLMPOP (numkeys at 1 / 2); none when numkeys is not a valid count of
// the arguments that follow it, as Redis's getkeys does.
std::vector<uint32_t> LMPopKeys(const protocol::CommandArgs& args);
std::vector<uint32_t> BLMPopKeys(const protocol::CommandArgs& args);

}  // namespace tessera::commands
