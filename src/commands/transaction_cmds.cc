// MULTI, EXEC, DISCARD, WATCH, UNWATCH. The machinery is the engine's (src/engine/transaction.h);
// this file only describes the commands.
#include "src/commands/register.h"
#include "src/engine/transaction.h"

namespace tessera::commands {
namespace {

engine::CommandSpec TxSpec(const char* name, int arity, const char* flags, const char* acl,
                           const char* since, const char* summary, const char* complexity,
                           engine::CoordinatorFn fn) {
  engine::CommandSpec s;
  s.name = name;
  s.arity = arity;
  s.flags = flags;
  s.acl_categories = acl;
  s.group = "transactions";
  s.since = since;
  s.summary = summary;
  s.complexity = complexity;
  s.on_coordinator = std::move(fn);
  // They act on the client's transaction state; WATCH takes no locks (its keys are only
  // recorded on their shards), and none of them may be shipped to a shard.
  s.lock_scope = engine::LockScope::kNone;
  return s;
}

}  // namespace

void RegisterTransactionCommands(engine::CommandRegistry& registry) {
  registry.Add(TxSpec("multi", 1, "noscript loading stale fast allow_busy", "@fast @transaction",
                      "1.2.0", "Mark the start of a transaction block", "O(1)", engine::Multi));
  registry.Add(TxSpec("exec", 1, "noscript loading stale skip_slowlog", "@slow @transaction",
                      "1.2.0", "Execute all commands issued after MULTI",
                      "Depends on commands in the transaction", engine::Exec));
  registry.Add(TxSpec("discard", 1, "noscript loading stale fast allow_busy", "@fast @transaction",
                      "2.0.0", "Discard all commands issued after MULTI",
                      "O(N), when N is the number of queued commands", engine::Discard));
  engine::CommandSpec watch =
      TxSpec("watch", -2, "noscript loading stale fast allow_busy", "@fast @transaction", "2.2.0",
             "Watch the given keys to determine execution of the MULTI/EXEC block",
             "O(1) for every key.", engine::Watch);
  watch.first_key = 1;
  watch.last_key = -1;
  watch.key_step = 1;
  engine::KeySpec ks;
  ks.flags = "RO";
  ks.begin_index = 1;
  ks.last_key = -1;
  ks.key_step = 1;
  watch.key_specs.push_back(ks);
  registry.Add(std::move(watch));
  registry.Add(TxSpec("unwatch", 1, "noscript loading stale fast allow_busy", "@fast @transaction",
                      "2.2.0", "Forget about all watched keys", "O(1)", engine::Unwatch));
}

}  // namespace tessera::commands
