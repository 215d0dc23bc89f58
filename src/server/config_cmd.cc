// CONFIG GET/SET/RESETSTAT/REWRITE/HELP and SHUTDOWN.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "src/engine/command_call.h"
#include "src/engine/engine.h"
#include "src/runtime/loop.h"
#include "src/runtime/timer.h"
#include "src/server/admin_cmds.h"
#include "src/server/log.h"
#include "src/server/server.h"
#include "src/server/snapshots.h"

namespace tessera::server {
namespace {

engine::CommandSpec AdminSub(std::string name, int arity) {
  engine::CommandSpec s;
  s.name = std::move(name);
  s.arity = arity;
  s.flags = "admin noscript loading stale";
  s.acl_categories = "@admin @slow @dangerous";
  s.group = "server";
  return s;
}

void ConfigGet(Server& server, engine::CommandCall& call) {
  std::vector<std::string> patterns;
  for (size_t i = 2; i < call.args().size(); ++i) patterns.emplace_back(call.args()[i]);
  auto found = server.config().Get(patterns);
  call.reply().Map(found.size());
  for (auto& [name, value] : found) {
    call.reply().Bulk(name);
    call.reply().Bulk(value);
  }
}

void ConfigSet(Server& server, engine::CommandCall& call) {
  const auto& args = call.args();
  if (args.size() % 2 != 0) {
    call.reply().Error("ERR wrong number of arguments for 'config|set' command");
    return;
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 2; i + 1 < args.size(); i += 2) {
    pairs.emplace_back(std::string(args[i]), std::string(args[i + 1]));
  }
  std::string err = server.config().Set(pairs);
  if (err.empty()) {
    call.reply().Ok();
  } else {
    call.reply().Error(err);
  }
}

void ConfigResetStat(engine::CommandCall& call) {
  engine::Engine* engine = &call.engine();
  call.RunOnAllShards(
      [engine](engine::OpContext&) {
        for (auto& s : engine->local_command_stats()) s = engine::CommandStats{};
      },
      [](engine::CommandCall& c) { c.reply().Ok(); });
}

void ConfigHelp(engine::CommandCall& call) {
  static const char* kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
      "HELP",
      "    Print this help.",
  };
  call.reply().Array(std::size(kLines));
  for (const char* line : kLines) call.reply().SimpleString(line);
}

}  // namespace

void RegisterConfigCommand(engine::CommandRegistry& registry, Server& server) {
  engine::CommandSpec config;
  config.name = "config";
  config.arity = -2;
  config.acl_categories = "@slow";
  config.group = "server";
  config.since = "2.0.0";
  config.summary = "A container for server configuration commands";
  config.complexity = "Depends on subcommand.";

  engine::CommandSpec get = AdminSub("get", -3);
  get.since = "2.0.0";
  get.summary = "Get the values of configuration parameters";
  get.complexity = "O(N) when N is the number of configuration parameters provided";
  get.on_coordinator = [&server](engine::CommandCall& c) { ConfigGet(server, c); };

  engine::CommandSpec set = AdminSub("set", -4);
  set.since = "2.0.0";
  set.summary = "Set configuration parameters to the given values";
  set.complexity = "O(N) when N is the number of configuration parameters provided";
  set.tips = "request_policy:all_nodes response_policy:all_succeeded";
  set.on_coordinator = [&server](engine::CommandCall& c) { ConfigSet(server, c); };

  engine::CommandSpec resetstat = AdminSub("resetstat", 2);
  resetstat.since = "2.0.0";
  resetstat.summary = "Reset the stats returned by INFO";
  resetstat.complexity = "O(1)";
  resetstat.on_coordinator = ConfigResetStat;

  engine::CommandSpec rewrite = AdminSub("rewrite", 2);
  rewrite.since = "2.8.0";
  rewrite.summary = "Rewrite the configuration file with the in memory configuration";
  rewrite.complexity = "O(1)";
  rewrite.on_coordinator = [](engine::CommandCall& c) {
    // Rewriting redis.conf in place is not implemented; say so rather than pretend.
    c.reply().Error("ERR CONFIG REWRITE is not supported by Tessera yet");
  };

  engine::CommandSpec help;
  help.name = "help";
  help.arity = 2;
  help.flags = "loading stale";
  help.acl_categories = "@slow";
  help.group = "server";
  help.since = "5.0.0";
  help.summary = "Show helpful text about the different subcommands";
  help.complexity = "O(1)";
  help.on_coordinator = ConfigHelp;

  config.subcommands = {std::move(get), std::move(rewrite), std::move(set), std::move(resetstat),
                        std::move(help)};
  registry.Add(std::move(config));
}

namespace {

// Saves, then stops the server. A failed save keeps it running (unless FORCE), as in Redis.
void SaveAndShutdown(Server& server, engine::CommandCall& call, bool force) {
  Log(LogLevel::kNotice, "Saving the final RDB snapshot before exiting.");
  server.snapshots().Save(call, SnapshotService::Mode::kForeground,
                          [&server, force](engine::CommandCall& call, bool ok, const std::string&) {
                            if (!ok && !force) {
                              Log(LogLevel::kWarning, "Error trying to save the DB, can't exit.");
                              call.reply().Error("ERR Errors trying to SHUTDOWN. Check logs.");
                              return;
                            }
                            server.RequestShutdown();
                          });
}

// A background save is running: the call stays parked until it ends (polled every 10 ms), so
// the final snapshot still includes every write acknowledged before SHUTDOWN.
void AwaitBackgroundSave(Server& server, engine::CommandCall& call, bool force,
                         runtime::Timer* timer) {
  if (server.snapshots().status().in_progress) {
    timer->Arm(10,
               [&server, &call, force, timer] { AwaitBackgroundSave(server, call, force, timer); });
    return;
  }
  // Not from inside the timer's own callback.
  runtime::Loop::Current()->Post([timer] { delete timer; });
  call.Unpark(
      [&server, force](engine::CommandCall& call) { SaveAndShutdown(server, call, force); });
}

void ShutdownWithSave(Server& server, engine::CommandCall& call, bool force) {
  if (!server.snapshots().status().in_progress) {
    SaveAndShutdown(server, call, force);
    return;
  }
  call.Park();
  AwaitBackgroundSave(server, call, force, new runtime::Timer(runtime::Loop::Current()));
}

}  // namespace

void RegisterShutdownCommand(engine::CommandRegistry& registry, Server& server) {
  engine::CommandSpec spec;
  spec.name = "shutdown";
  spec.arity = -1;
  spec.flags = "admin noscript loading stale no_multi allow_busy";
  spec.acl_categories = "@admin @slow @dangerous";
  spec.group = "server";
  spec.since = "1.0.0";
  spec.summary = "Synchronously save the dataset to disk and then shut down the server";
  spec.complexity =
      "O(N) when saving, where N is the total number of keys in all databases "
      "when saving data, otherwise O(1)";
  spec.on_coordinator = [&server](engine::CommandCall& call) {
    bool nosave = false, save = false, force = false;
    for (size_t i = 1; i < call.args().size(); ++i) {
      std::string opt(call.args()[i]);
      for (char& ch : opt) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (opt == "nosave") {
        nosave = true;
      } else if (opt == "save") {
        save = true;
      } else if (opt == "force") {
        force = true;
      } else if (opt == "abort") {
        call.reply().Error("ERR No shutdown in progress.");
        return;
      } else if (opt != "now") {
        call.reply().Error("ERR syntax error");
        return;
      }
    }
    if (nosave && save) {
      call.reply().Error("ERR syntax error");
      return;
    }
    Log(LogLevel::kWarning, "User requested shutdown...");
    if (nosave || (!save && !server.HasSavePoints())) {
      // Like Redis, no reply: the connection simply closes when the server exits.
      server.RequestShutdown();
      return;
    }
    ShutdownWithSave(server, call, force);
  };
  registry.Add(std::move(spec));
}

}  // namespace tessera::server
