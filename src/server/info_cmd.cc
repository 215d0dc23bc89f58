// INFO: sections and field names as Redis 7.0.15 prints them, because exporters and client
// libraries parse them. Per-shard figures are gathered by one fan-out and summed here.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "src/engine/command_call.h"
#include "src/engine/engine.h"
#include "src/engine/key_waiters.h"
#include "src/engine/op_context.h"
#include "src/engine/shard_stats.h"
#include "src/pubsub/broker.h"
#include "src/pubsub/subscription_registry.h"
#include "src/server/admin_cmds.h"
#include "src/server/memory_stats.h"
#include "src/server/server.h"
#include "src/server/snapshots.h"

namespace tessera::server {
namespace {

struct LoopInfo {
  engine::ShardStats shard;
  std::vector<engine::CommandStats> commands;
  // Channel and pattern names with subscribers on this loop (INFO stats counts distinct ones).
  std::vector<std::string> channels;
  std::vector<std::string> patterns;
};

const std::vector<std::string> kDefaultSections = {
    "server", "clients", "memory",     "persistence", "stats",   "replication",
    "cpu",    "modules", "errorstats", "cluster",     "keyspace"};
const std::vector<std::string> kAllSections = {
    "server", "clients", "memory",       "persistence", "stats",   "replication",
    "cpu",    "modules", "commandstats", "errorstats",  "cluster", "keyspace"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void Field(std::string& out, std::string_view name, const std::string& value) {
  out.append(name);
  out.push_back(':');
  out.append(value);
  out.append("\r\n");
}
void Field(std::string& out, std::string_view name, uint64_t value) {
  Field(out, name, std::to_string(value));
}

std::string Seconds(const timeval& tv) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(tv.tv_sec),
                static_cast<long>(tv.tv_usec));
  return buf;
}

std::string Render(Server& server, const std::set<std::string>& sections,
                   const std::vector<LoopInfo>& loops, int64_t now_ms) {
  engine::ShardStats total;
  std::map<std::string, engine::CommandStats> commands;
  const auto& specs = server.engine().registry().by_id();
  for (const LoopInfo& l : loops) {
    total.Add(l.shard);
    for (size_t id = 0; id < l.commands.size(); ++id) {
      const engine::CommandStats& s = l.commands[id];
      if (s.calls == 0 && s.rejected_calls == 0) continue;
      engine::CommandStats& t = commands[specs[id]->name];
      t.calls += s.calls;
      t.usec += s.usec;
      t.rejected_calls += s.rejected_calls;
      t.failed_calls += s.failed_calls;
    }
  }
  net::NetOptions& net = server.net_options();
  std::string out;
  auto section = [&](const char* name, const char* title) {
    if (!sections.count(name)) return false;
    if (!out.empty()) out.append("\r\n");
    out.append("# ");
    out.append(title);
    out.append("\r\n");
    return true;
  };
  int64_t uptime_s = (now_ms - server.start_time_ms()) / 1000;
  if (section("server", "Server")) {
    utsname u;
    uname(&u);
    Field(out, "redis_version", "7.0.15");
    Field(out, "redis_git_sha1", "00000000");
    Field(out, "redis_git_dirty", "0");
    Field(out, "redis_build_id", "0");
    Field(out, "redis_mode", "standalone");
    Field(out, "os", std::string(u.sysname) + " " + u.release + " " + u.machine);
    Field(out, "arch_bits", "64");
    Field(out, "monotonic_clock", "POSIX clock_gettime");
    Field(out, "multiplexing_api", "epoll");
    Field(out, "atomicvar_api", "c11-builtin");
    Field(out, "gcc_version",
          std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
              std::to_string(__GNUC_PATCHLEVEL__));
    Field(out, "process_id", static_cast<uint64_t>(getpid()));
    Field(out, "process_supervised", "no");
    Field(out, "run_id", server.run_id());
    Field(out, "tcp_port", server.config().Value("port"));
    Field(out, "server_time_usec", static_cast<uint64_t>(now_ms) * 1000);
    Field(out, "uptime_in_seconds", static_cast<uint64_t>(uptime_s));
    Field(out, "uptime_in_days", static_cast<uint64_t>(uptime_s / 86400));
    Field(out, "hz", server.config().Value("hz"));
    Field(out, "configured_hz", server.config().Value("hz"));
    Field(out, "lru_clock", static_cast<uint64_t>((now_ms / 1000) & ((1 << 24) - 1)));
    char exe[4096] = {0};
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    Field(out, "executable", n > 0 ? std::string(exe, static_cast<size_t>(n)) : "");
    Field(out, "config_file", server.config_file());
    Field(out, "io_threads_active", "0");
    Field(out, "tessera_version", "0.1.0");
    Field(out, "tessera_threads", static_cast<uint64_t>(server.threads()));
  }
  if (section("clients", "Clients")) {
    Field(out, "connected_clients", static_cast<uint64_t>(net.connected_clients.load()));
    Field(out, "cluster_connections", "0");
    Field(out, "maxclients", static_cast<uint64_t>(net.maxclients.load()));
    Field(out, "client_recent_max_input_buffer", "0");
    Field(out, "client_recent_max_output_buffer", "0");
    Field(out, "blocked_clients",
          static_cast<uint64_t>(engine::BlockedClientCount(server.engine())));
    Field(out, "tracking_clients", "0");
    Field(out, "clients_in_timeout_table", "0");
  }
  if (section("memory", "Memory")) {
    MemoryStats m = ReadMemoryStats();
    uint64_t maxmemory = static_cast<uint64_t>(server.config().IntValue("maxmemory"));
    Field(out, "used_memory", m.allocated);
    Field(out, "used_memory_human", BytesToHuman(m.allocated));
    Field(out, "used_memory_rss", m.rss);
    Field(out, "used_memory_rss_human", BytesToHuman(m.rss));
    Field(out, "used_memory_peak", m.allocated);
    Field(out, "used_memory_peak_human", BytesToHuman(m.allocated));
    Field(out, "used_memory_startup", "0");
    Field(out, "used_memory_dataset", m.allocated);
    Field(out, "allocator_allocated", m.allocated);
    Field(out, "allocator_active", m.active);
    Field(out, "allocator_resident", m.resident);
    Field(out, "total_system_memory", TotalSystemMemory());
    Field(out, "total_system_memory_human", BytesToHuman(TotalSystemMemory()));
    Field(out, "maxmemory", maxmemory);
    Field(out, "maxmemory_human", BytesToHuman(maxmemory));
    Field(out, "maxmemory_policy", server.config().Value("maxmemory-policy"));
    char ratio[32];
    std::snprintf(
        ratio, sizeof(ratio), "%.2f",
        m.allocated ? static_cast<double>(m.rss) / static_cast<double>(m.allocated) : 0.0);
    Field(out, "mem_fragmentation_ratio", ratio);
    Field(out, "mem_allocator", m.allocator);
    Field(out, "lazyfree_pending_objects", "0");
  }
  if (section("persistence", "Persistence")) {
    Field(out, "loading", server.engine().loading() ? "1" : "0");
    Field(out, "async_loading", "0");
    Field(out, "rdb_changes_since_last_save", total.writes);
    const SnapshotStatus snap = server.snapshots().status();
    Field(out, "rdb_bgsave_in_progress", snap.in_progress ? "1" : "0");
    Field(out, "rdb_last_save_time", static_cast<uint64_t>(snap.last_save_unix));
    Field(out, "rdb_last_bgsave_status", snap.last_ok ? "ok" : "err");
    Field(out, "rdb_last_bgsave_time_sec", std::to_string(snap.last_duration_s));
    Field(out, "rdb_current_bgsave_time_sec",
          std::to_string(snap.in_progress ? (now_ms - snap.current_start_ms) / 1000 : -1));
    // No fork, so no copy-on-write pages: what a snapshot holds is its shards' output buffers.
    Field(out, "rdb_last_cow_size", "0");
    Field(out, "rdb_saves", snap.saves);
    const AofStatus aof = server.aof().status();
    Field(out, "aof_enabled", aof.enabled ? "1" : "0");
    Field(out, "aof_rewrite_in_progress", aof.rewrite_in_progress ? "1" : "0");
    Field(out, "aof_rewrite_scheduled", aof.rewrite_scheduled ? "1" : "0");
    Field(out, "aof_last_rewrite_time_sec", std::to_string(aof.last_rewrite_time_s));
    Field(out, "aof_current_rewrite_time_sec", "-1");
    Field(out, "aof_last_bgrewrite_status", aof.last_rewrite_ok ? "ok" : "err");
    Field(out, "aof_rewrites", aof.rewrites);
    Field(out, "aof_last_write_status", aof.last_write_ok ? "ok" : "err");
    if (aof.enabled) {
      Field(out, "aof_current_size", aof.current_size);
      Field(out, "aof_buffer_length", aof.buffer_length);
      Field(out, "aof_pending_bio_fsync", aof.fsync_in_progress ? "1" : "0");
      // Writes are never postponed behind an fsync here (the writer thread waits, not them).
      Field(out, "aof_delayed_fsync", "0");
    }
  }
  if (section("stats", "Stats")) {
    uint64_t processed = 0;
    for (auto& [name, s] : commands) processed += s.calls;
    Field(out, "total_connections_received", net.total_connections_received.load());
    Field(out, "total_commands_processed", processed);
    Field(out, "instantaneous_ops_per_sec", "0");
    Field(out, "total_net_input_bytes", server.net_input_bytes());
    Field(out, "total_net_output_bytes", server.net_output_bytes());
    Field(out, "rejected_connections", net.rejected_connections.load());
    Field(out, "expired_keys", total.expired_keys);
    Field(out, "evicted_keys", "0");
    Field(out, "keyspace_hits", total.keyspace_hits);
    Field(out, "keyspace_misses", total.keyspace_misses);
    std::set<std::string> channels, patterns;
    for (const LoopInfo& l : loops) {
      channels.insert(l.channels.begin(), l.channels.end());
      patterns.insert(l.patterns.begin(), l.patterns.end());
    }
    Field(out, "pubsub_channels", static_cast<uint64_t>(channels.size()));
    Field(out, "pubsub_patterns", static_cast<uint64_t>(patterns.size()));
    Field(out, "total_error_replies", "0");
    Field(out, "tessera_borrowed_commands", total.borrowed_commands);
  }
  if (section("replication", "Replication")) {
    Field(out, "role", "master");
    Field(out, "connected_slaves", "0");
    Field(out, "master_failover_state", "no-failover");
    Field(out, "master_replid", server.run_id());
    Field(out, "master_replid2", std::string(40, '0'));
    Field(out, "master_repl_offset", "0");
    Field(out, "second_repl_offset", "-1");
    Field(out, "repl_backlog_active", "0");
    Field(out, "repl_backlog_size", "1048576");
    Field(out, "repl_backlog_first_byte_offset", "0");
    Field(out, "repl_backlog_histlen", "0");
  }
  if (section("cpu", "CPU")) {
    rusage self;
    getrusage(RUSAGE_SELF, &self);
    rusage children;
    getrusage(RUSAGE_CHILDREN, &children);
    Field(out, "used_cpu_sys", Seconds(self.ru_stime));
    Field(out, "used_cpu_user", Seconds(self.ru_utime));
    Field(out, "used_cpu_sys_children", Seconds(children.ru_stime));
    Field(out, "used_cpu_user_children", Seconds(children.ru_utime));
  }
  section("modules", "Modules");
  if (section("commandstats", "Commandstats")) {
    for (auto& [name, s] : commands) {
      std::string key = name;
      char buf[256];
      std::snprintf(buf, sizeof(buf),
                    "calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,failed_calls=%llu",
                    static_cast<unsigned long long>(s.calls),
                    static_cast<unsigned long long>(s.usec),
                    s.calls ? static_cast<double>(s.usec) / static_cast<double>(s.calls) : 0.0,
                    static_cast<unsigned long long>(s.rejected_calls),
                    static_cast<unsigned long long>(s.failed_calls));
      Field(out, "cmdstat_" + key, buf);
    }
  }
  section("errorstats", "Errorstats");
  if (section("cluster", "Cluster")) Field(out, "cluster_enabled", "0");
  if (section("keyspace", "Keyspace")) {
    for (size_t db = 0; db < total.dbs.size(); ++db) {
      const engine::DbStats& d = total.dbs[db];
      if (d.keys == 0) continue;
      uint64_t avg_ttl = d.expires_with_ttl ? d.ttl_sum_ms / d.expires_with_ttl : 0;
      Field(out, "db" + std::to_string(db),
            "keys=" + std::to_string(d.keys) + ",expires=" + std::to_string(d.expires) +
                ",avg_ttl=" + std::to_string(avg_ttl));
    }
  }
  return out;
}

void Info(Server& server, engine::CommandCall& call) {
  std::set<std::string> sections;
  if (call.args().size() == 1) {
    sections.insert(kDefaultSections.begin(), kDefaultSections.end());
  }
  for (size_t i = 1; i < call.args().size(); ++i) {
    std::string s = Lower(call.args()[i]);
    if (s == "all") {
      sections.insert(kAllSections.begin(), kAllSections.end());
    } else if (s == "everything") {
      sections.insert(kAllSections.begin(), kAllSections.end());
    } else if (s == "default") {
      sections.insert(kDefaultSections.begin(), kDefaultSections.end());
    } else {
      sections.insert(s);
    }
  }
  auto loops = std::make_shared<std::vector<LoopInfo>>(call.shard_count());
  engine::Engine* engine = &call.engine();
  call.RunOnAllShards(
      [loops, engine](engine::OpContext& ctx) {
        LoopInfo& mine = (*loops)[ctx.shard_id()];
        mine.shard = engine::CollectShardStats(ctx.shard(), ctx.now_ms());
        mine.commands = engine->local_command_stats();
        const pubsub::SubscriptionRegistry& subs = engine->pubsub().registry(ctx.shard_id());
        subs.ForEach(pubsub::Kind::kChannel,
                     [&mine](const std::string& name, size_t) { mine.channels.push_back(name); });
        subs.ForEach(pubsub::Kind::kPattern,
                     [&mine](const std::string& name, size_t) { mine.patterns.push_back(name); });
      },
      [loops, sections, &server](engine::CommandCall& c) {
        c.reply().Verbatim(Render(server, sections, *loops, c.now_ms()));
      });
}

}  // namespace

void RegisterInfoCommand(engine::CommandRegistry& registry, Server& server) {
  engine::CommandSpec spec;
  spec.name = "info";
  spec.arity = -1;
  spec.flags = "loading stale";
  spec.acl_categories = "@slow @dangerous";
  spec.tips = "nondeterministic_output request_policy:all_shards response_policy:special";
  spec.group = "server";
  spec.since = "1.0.0";
  spec.summary = "Get information and statistics about the server";
  spec.complexity = "O(1)";
  spec.on_coordinator = [&server](engine::CommandCall& call) { Info(server, call); };
  registry.Add(std::move(spec));
}

}  // namespace tessera::server
