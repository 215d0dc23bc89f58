// SAVE, BGSAVE and LASTSAVE: the snapshot commands (the work is in snapshots.cc).
#include <string>

#include "src/commands/arg_parse.h"
#include "src/engine/command_call.h"
#include "src/engine/command_registry.h"
#include "src/server/admin_cmds.h"
#include "src/server/server.h"
#include "src/server/snapshots.h"

namespace tessera::server {

namespace {

engine::CommandSpec AdminSpec(const char* name, int arity, const char* summary) {
  engine::CommandSpec spec;
  spec.name = name;
  spec.arity = arity;
  spec.flags = "admin noscript no_async_loading";
  spec.acl_categories = "@admin @slow @dangerous";
  spec.group = "server";
  spec.summary = summary;
  spec.complexity = "O(N) where N is the total number of keys in all databases";
  // The snapshot takes its own shared lock on every shard (SnapshotService::Save).
  spec.lock_scope = engine::LockScope::kNone;
  return spec;
}

}  // namespace

void RegisterPersistenceCommands(engine::CommandRegistry& registry, Server& server) {
  engine::CommandSpec save = AdminSpec("save", 1, "Synchronously save the dataset to disk");
  save.flags = "admin noscript no_async_loading no_multi";
  save.since = "1.0.0";
  save.on_coordinator = [&server](engine::CommandCall& call) {
    server.snapshots().Save(call, SnapshotService::Mode::kForeground,
                            [](engine::CommandCall& call, bool ok, const std::string& error) {
                              if (ok) {
                                call.reply().Ok();
                              } else if (error.rfind("ERR Background", 0) == 0) {
                                call.reply().Error(error);
                              } else {
                                call.reply().Error("ERR");  // Redis replies shared.err
                              }
                            });
  };
  registry.Add(std::move(save));

  engine::CommandSpec bgsave = AdminSpec("bgsave", -1, "Asynchronously save the dataset to disk");
  bgsave.since = "1.0.0";
  bgsave.complexity = "O(1)";
  bgsave.on_coordinator = [&server](engine::CommandCall& call) {
    if (call.args().size() > 2 ||
        (call.args().size() == 2 && !commands::EqualsIgnoreCase(call.args()[1], "schedule"))) {
      call.reply().Error("ERR syntax error");
      return;
    }
    if (server.snapshots().rewriting_aof()) {
      if (call.args().size() == 2) {
        server.snapshots().ScheduleBgsave();
        call.reply().SimpleString("Background saving scheduled");
      } else {
        call.reply().Error(
            "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
            "SCHEDULE in order to schedule a BGSAVE whenever possible.");
      }
      return;
    }
    server.snapshots().Save(call, SnapshotService::Mode::kBackground,
                            [](engine::CommandCall& call, bool ok, const std::string& error) {
                              if (ok) {
                                call.reply().SimpleString("Background saving started");
                              } else {
                                call.reply().Error(error);
                              }
                            });
  };
  registry.Add(std::move(bgsave));

  engine::CommandSpec rewrite =
      AdminSpec("bgrewriteaof", 1, "Asynchronously rewrite the append-only file");
  rewrite.since = "1.0.0";
  rewrite.complexity = "O(1)";
  rewrite.on_coordinator = [&server](engine::CommandCall& call) { server.aof().Rewrite(call); };
  registry.Add(std::move(rewrite));

  engine::CommandSpec lastsave =
      AdminSpec("lastsave", 1, "Get the UNIX time stamp of the last successful save to disk");
  lastsave.flags = "loading stale fast";
  lastsave.acl_categories = "@admin @fast @dangerous";
  lastsave.tips = "nondeterministic_output";
  lastsave.since = "1.0.0";
  lastsave.complexity = "O(1)";
  lastsave.on_coordinator = [&server](engine::CommandCall& call) {
    call.reply().Integer(server.snapshots().status().last_save_unix);
  };
  registry.Add(std::move(lastsave));
}

}  // namespace tessera::server
