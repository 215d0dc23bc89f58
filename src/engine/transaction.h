// MULTI / EXEC / DISCARD / WATCH / UNWATCH.
//
// Queueing happens in Engine::Dispatch (a client in MULTI gets +QUEUED, and an error while
// queueing marks the transaction aborted). EXEC locks every key the queued commands touch —
// shard by shard in ascending order, like any multi-shard command — checks the client's
// watches on their shards under those locks, runs the commands in order (each on its shard,
// multi-shard ones through their own handlers), and replies with all results at once. Other
// clients never see a state between two commands of the transaction.
//
// WATCH state lives on the shards (WatchTable): a change to a watched key marks its watchers
// dirty in Engine::AfterOp on the shard's own thread, so the check at EXEC cannot race with it.
//
// Coordinator loop only (these are the handlers of the commands of the same names).
#pragma once

#include "src/engine/command_call.h"

namespace tessera::engine {

void Multi(CommandCall& call);
void Exec(CommandCall& call);
void Discard(CommandCall& call);
void Watch(CommandCall& call);
void Unwatch(CommandCall& call);

// Leaves MULTI and drops every WATCH of the client (RESET, disconnect). Watches are removed by
// fire-and-forget posts to their shards.
void ClearTransactionState(Engine& engine, net::ClientSession& session);

}  // namespace tessera::engine
