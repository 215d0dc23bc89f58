// MEMORY USAGE, MEMORY PURGE and MEMORY HELP.
//
// MEMORY USAGE reports what the key really holds: its entry block (key, header and any inline
// value) rounded to the allocator's size class, plus the value's own blocks as
// StoredObject::MemoryUsage() counts them. The figure is exact, so SAMPLES is accepted and
// checked as Redis does but not needed (Redis samples collections and extrapolates).
#include <cstdint>
#include <string_view>

#include "src/commands/arg_parse.h"
#include "src/commands/register.h"
#include "src/commands/spec_builder.h"
#include "src/engine/op_context.h"
#include "storage/db_table.h"
#include "storage/entry.h"
#include "storage/set_value.h"

// jemalloc's control interface. Weak: it resolves when the server binary links jemalloc and is
// null in builds that keep another allocator (sanitizers), where MEMORY PURGE has nothing to do.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace tessera::commands {
namespace {

using engine::OpContext;
using protocol::CommandArgs;
using protocol::ReplyBuilder;

void MemoryUsage(OpContext& ctx, const CommandArgs& args, ReplyBuilder& reply) {
  for (size_t j = 3; j < args.size(); ++j) {
    if (EqualsIgnoreCase(args[j], "samples") && j + 1 < args.size()) {
      int64_t samples;
      if (!Int64OrReply(args[j + 1], reply, &samples)) return;
      if (samples < 0) {
        reply.Error(kErrSyntax);
        return;
      }
      ++j;
    } else {
      reply.Error(kErrSyntax);
      return;
    }
  }
  // Redis reads the dict directly: no expiry check, no access-time update, no stats.
  const storage::Entry* e = ctx.db().FindRaw(args[2]);
  if (e == nullptr) {
    reply.Null();
    return;
  }
  const size_t block = e->BlockSize();
  reply.Integer(
      static_cast<int64_t>(e->MemoryUsage() - block + storage::AllocatorSizeClass(block)));
}

// Returns every arena's dirty pages to the system now rather than on jemalloc's decay schedule,
// as Redis's jemalloc_purge (4096 is MALLCTL_ARENAS_ALL). Arenas are shared by all threads and
// jemalloc locks them, so one call from any loop covers the whole process.
void MemoryPurge(OpContext&, const CommandArgs&, ReplyBuilder& reply) {
  if (mallctl != nullptr) mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
  reply.Ok();
}

void MemoryHelp(OpContext&, const CommandArgs& args, ReplyBuilder& reply) {
  ReplyHelp(reply, args[0],
            {
                "DOCTOR",
                "    Return memory problems reports.",
                "MALLOC-STATS",
                "    Return internal statistics report from the memory allocator.",
                "PURGE",
                "    Attempt to purge dirty pages for reclamation by the allocator.",
                "STATS",
                "    Return information about the memory usage of the server.",
                "USAGE <key> [SAMPLES <count>]",
                "    Return memory in bytes used by <key> and its value. Nested values are",
                "    sampled up to <count> times (default: 5, 0 means sample all).",
            });
}

}  // namespace

// Metadata: Redis 7.0.15's COMMAND INFO / COMMAND DOCS, verbatim. DOCTOR, MALLOC-STATS and
// STATS are not implemented yet.
void RegisterMemoryCommands(engine::CommandRegistry& registry) {
  registry.Add(SpecBuilder("memory", -2)
                   .Acl("@slow")
                   .Docs("server", "4.0.0", "A container for memory diagnostics commands",
                         "Depends on subcommand.")
                   .Sub(SpecBuilder("help", 2)
                            .Flags("loading stale")
                            .Acl("@slow")
                            .Docs("server", "4.0.0",
                                  "Show helpful text about the different subcommands", "O(1)")
                            .Shard(MemoryHelp)
                            .Build())
                   .Sub(SpecBuilder("purge", 2)
                            .Acl("@slow")
                            .Tips("request_policy:all_shards response_policy:all_succeeded")
                            .Docs("server", "4.0.0", "Ask the allocator to release memory",
                                  "Depends on how much memory is allocated, could be slow")
                            .Shard(MemoryPurge)
                            .Build())
                   .Sub(SpecBuilder("usage", -3)
                            .Flags("readonly")
                            .Acl("@read @slow")
                            .Keys(2, 2, 1)
                            .KeySpecs({RangeKeys("RO", 2, 0)})
                            .Docs("server", "4.0.0", "Estimate the memory usage of a key",
                                  "O(N) where N is the number of samples.")
                            .Shard(MemoryUsage)
                            .Build())
                   .Build());
}

}  // namespace tessera::commands
