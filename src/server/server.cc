#include "src/server/server.h"

#include <signal.h>
#include <unistd.h>

#include <climits>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <vector>

#include "src/commands/auth_config.h"
#include "src/commands/register.h"
#include "src/pubsub/notify_flags.h"
#include "src/runtime/cpus.h"
#include "src/server/admin_cmds.h"
#include "src/server/log.h"
#include "storage/encoding_limits.h"

namespace tessera::server {
namespace {

// The id of the server's own client (CLIENT LIST does not show it: it has no connection).
constexpr uint64_t kSelfClientId = uint64_t{1} << 62;

std::string RandomRunId() {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(40, '0');
  for (char& c : id) c = kHex[gen() % 16];
  return id;
}

// "normal 0 0 0 pubsub 32mb 8mb 60" -> validated canonical text, applied to normal clients.
std::string ParseOutputLimits(std::string_view text, std::string* canonical,
                              net::NetOptions* apply_to) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty() || words.size() % 4 != 0)
    return "Wrong number of arguments in buffer limit configuration.";
  std::string out;
  for (size_t i = 0; i < words.size(); i += 4) {
    const std::string& cls = words[i];
    if (cls != "normal" && cls != "replica" && cls != "slave" && cls != "pubsub") {
      return "Invalid client class specified in buffer limit configuration.";
    }
    int64_t hard = 0, soft = 0, secs = 0;
    if (!ParseMemory(words[i + 1], &hard) || !ParseMemory(words[i + 2], &soft) ||
        !ParseMemory(words[i + 3], &secs) || hard < 0 || soft < 0 || secs < 0) {
      return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    }
    if (cls == "normal" && apply_to != nullptr) {
      apply_to->output_hard_limit.store(hard);
      apply_to->output_soft_limit.store(soft);
      apply_to->output_soft_seconds.store(secs);
    }
    if (cls == "pubsub" && apply_to != nullptr) {
      apply_to->pubsub_hard_limit.store(hard);
      apply_to->pubsub_soft_limit.store(soft);
      apply_to->pubsub_soft_seconds.store(secs);
    }
    if (!out.empty()) out += " ";
    out += (cls == "replica" ? "slave" : cls) + " " + std::to_string(hard) + " " +
           std::to_string(soft) + " " + std::to_string(secs);
  }
  *canonical = out;
  return "";
}

}  // namespace

Server::Server() : run_id_(RandomRunId()) { RegisterDirectives(); }

Server::~Server() {
  RequestShutdown();
  Wait();
}

void Server::RegisterDirectives() {
  Config& c = config_;
  c.AddInt("port", 6379, 0, 65535, &port_).immutable = true;
  // One loop per CPU this process may use (affinity mask, cgroup quota): src/runtime/cpus.h.
  c.AddInt("threads", runtime::UsableCpus(), 1, 1024, &threads_).immutable = true;
  c.AddBool("pin-threads", false, &pin_threads_).immutable = true;
  c.AddInt("tcp-backlog", 511, 0, INT_MAX, &tcp_backlog_).immutable = true;
  c.AddInt("databases", 16, 1, INT_MAX, &databases_).immutable = true;
  {
    Config::Param p;
    p.name = "bind";
    p.kind = Config::Kind::kSpecial;
    p.value = "* -::*";
    p.immutable = true;
    c.Add(std::move(p));
  }
  c.AddInt("timeout", 0, 0, INT_MAX, &net_options_.timeout_s);
  c.AddInt("tcp-keepalive", 300, 0, INT_MAX, &net_options_.tcp_keepalive_s);
  c.AddInt("maxclients", 10000, 1, 4294967295LL, &net_options_.maxclients);
  c.AddInt("hz", 10, 0, INT_MAX, &hz_);
  c.AddMemory("proto-max-bulk-len", 512LL * 1024 * 1024, 1024 * 1024, INT64_MAX,
              &net_options_.proto_max_bulk_len);
  c.AddMemory("client-query-buffer-limit", 1024LL * 1024 * 1024, 1024 * 1024, LONG_MAX,
              &net_options_.query_buffer_limit);
  {
    Config::Param p;
    p.name = "client-output-buffer-limit";
    p.kind = Config::Kind::kSpecial;
    net::NetOptions* net = &net_options_;
    p.parse = [](std::string_view text, std::string* canonical) {
      return ParseOutputLimits(text, canonical, nullptr);
    };
    p.apply = [net](const std::string& v) {
      std::string ignored;
      ParseOutputLimits(v, &ignored, net);
    };
    p.value = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60";
    c.Add(std::move(p));
  }
  {
    Config::Param& p = c.AddString("requirepass", "");
    net::NetOptions* net = &net_options_;
    p.apply = [net](const std::string& v) {
      commands::AuthConfig::SetRequirePass(v);
      net->auth_required.store(!v.empty());
    };
  }
  {
    Config::Param p;
    p.name = "save";
    p.kind = Config::Kind::kSpecial;
    p.value = "3600 1 300 100 60 10000";
    c.Add(std::move(p));
  }
  {
    Config::Param& p = c.AddEnum("loglevel", "notice", {"debug", "verbose", "notice", "warning"});
    p.apply = [](const std::string& v) { SetLogLevelByName(v); };
  }
  c.AddString("logfile", "").immutable = true;
  c.AddString("pidfile", "").immutable = true;
  c.AddString("dir", "");
  c.AddString("dbfilename", "dump.rdb");
  c.AddBool("daemonize", false).immutable = true;
  c.AddBool("protected-mode", true);
  c.AddEnum("supervised", "no", {"upstart", "systemd", "auto", "no"}).immutable = true;
  c.AddBool("always-show-logo", false).immutable = true;
  c.AddBool("set-proc-title", true).immutable = true;
  c.AddInt("io-threads", 1, 1, 128).immutable = true;
  // Turning the AOF on or off at runtime (Redis rewrites it from the dataset) is not supported
  // yet: set it in the config file (docs/differences.md).
  c.AddBool("appendonly", false).immutable = true;
  {
    Config::Param& p = c.AddEnum("appendfsync", "everysec", {"always", "everysec", "no"});
    p.apply = [this](const std::string& v) {
      if (aof_) aof_->SetPolicy(v);
    };
  }
  c.AddBool("aof-load-truncated", true);
  c.AddBool("aof-use-rdb-preamble", true);
  c.AddBool("aof-timestamp-enabled", false);
  c.AddBool("aof-rewrite-incremental-fsync", true);
  c.AddInt("auto-aof-rewrite-percentage", 100, 0, INT_MAX);
  c.AddMemory("auto-aof-rewrite-min-size", 64LL * 1024 * 1024, 0, LLONG_MAX);
  c.AddString("appendfilename", "appendonly.aof").immutable = true;
  c.AddString("appenddirname", "appendonlydir").immutable = true;
  {
    // The canonical text omits 'n' (as Redis 7.0 prints it), so apply cannot re-parse it: the
    // flags parsed from the text as given travel in parsed_notify_flags_: both hooks run under
    // the config lock, and an application always follows the validation of the same value with
    // no other validation of this directive in between. Applied to the shards once the engine
    // exists (Start).
    Config::Param p;
    p.name = "notify-keyspace-events";
    p.kind = Config::Kind::kSpecial;
    p.parse = [this](std::string_view text, std::string* canonical) -> std::string {
      std::optional<pubsub::NotifyFlags> flags = pubsub::ParseNotifyFlags(text);
      if (!flags) return std::string(pubsub::kErrBadNotifyFlags);
      *canonical = pubsub::NotifyFlagsToString(*flags);
      parsed_notify_flags_ = *flags;
      return "";
    };
    p.apply = [this](const std::string&) {
      notify_flags_ = parsed_notify_flags_;
      if (engine_) engine_->SetNotifyFlags(notify_flags_);
    };
    c.Add(std::move(p));
  }
  c.AddMemory("maxmemory", 0, 0, INT64_MAX);
  c.AddEnum("maxmemory-policy", "noeviction",
            {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
             "allkeys-lfu", "allkeys-random", "noeviction"});
  c.AddInt("maxmemory-samples", 5, 1, 64);
  storage::EncodingLimits& limits = storage::GlobalEncodingLimits();
  c.AddInt("hash-max-listpack-entries", 512, 0, LONG_MAX, &limits.hash_max_listpack_entries);
  c.AddMemory("hash-max-listpack-value", 64, 0, LONG_MAX, &limits.hash_max_listpack_value);
  c.AddInt("list-max-listpack-size", -2, INT_MIN, INT_MAX, &limits.list_max_listpack_size);
  c.AddInt("list-compress-depth", 0, 0, INT_MAX);
  c.AddInt("set-max-intset-entries", 512, 0, LONG_MAX, &limits.set_max_intset_entries);
  c.AddInt("zset-max-listpack-entries", 128, 0, LONG_MAX, &limits.zset_max_listpack_entries);
  c.AddMemory("zset-max-listpack-value", 64, 0, LONG_MAX, &limits.zset_max_listpack_value);
  c.AddAlias("hash-max-ziplist-entries", "hash-max-listpack-entries");
  c.AddAlias("hash-max-ziplist-value", "hash-max-listpack-value");
  c.AddAlias("list-max-ziplist-size", "list-max-listpack-size");
  c.AddAlias("zset-max-ziplist-entries", "zset-max-listpack-entries");
  c.AddAlias("zset-max-ziplist-value", "zset-max-listpack-value");
  c.AddBool("lazyfree-lazy-eviction", false);
  c.AddBool("lazyfree-lazy-expire", false);
  c.AddBool("lazyfree-lazy-server-del", false);
  c.AddBool("lazyfree-lazy-user-del", false);
  c.AddBool("lazyfree-lazy-user-flush", false);
  c.AddBool("activerehashing", true, &active_rehashing_);
  c.AddBool("stop-writes-on-bgsave-error", true);
  c.AddBool("rdbcompression", true);
  c.AddBool("rdbchecksum", true);
  c.AddInt("slowlog-log-slower-than", 10000, LLONG_MIN, LLONG_MAX);
  c.AddInt("slowlog-max-len", 128, 0, LONG_MAX);
  c.AddInt("latency-monitor-threshold", 0, 0, LLONG_MAX);
  c.AddInt("busy-reply-threshold", 5000, 0, LONG_MAX);
  c.AddAlias("lua-time-limit", "busy-reply-threshold");
}

bool Server::Configure(const std::vector<std::string>& argv, std::string* error) {
  size_t i = 0;
  if (!argv.empty() && argv[0].rfind("--", 0) != 0) {
    config_file_ = argv[0];
    std::ifstream in(config_file_);
    if (!in) {
      *error =
          "Fatal error, can't open config file '" + config_file_ + "': No such file or directory";
      return false;
    }
    std::stringstream text;
    text << in.rdbuf();
    if (!config_.LoadText(text.str(), error)) return false;
    i = 1;
  }
  std::vector<std::string> rest(argv.begin() + static_cast<long>(i), argv.end());
  if (!rest.empty() && !config_.LoadArgs(rest, error)) return false;
  if (config_.Value("daemonize") == "yes") {
    *error = "daemonize yes is not supported: run tessera-server under a service manager";
    return false;
  }
  if (!SetLogFile(config_.Value("logfile"))) {
    *error = "Can't open the log file: " + config_.Value("logfile");
    return false;
  }
  return true;
}

bool Server::Start(std::string* error) {
  start_time_ms_ = clock_.NowMs();
  signal(SIGPIPE, SIG_IGN);
  int threads = static_cast<int>(threads_.load());
  if (const int cpus = runtime::UsableCpus(); threads > cpus) {
    Log(LogLevel::kWarning,
        "threads " + std::to_string(threads) + " is more than the " + std::to_string(cpus) +
            " CPU(s) this process may use: loops will wait for each other's CPU, and most "
            "commands for a key on another loop's shard pay a hop. Leave threads unset to get "
            "one loop per usable CPU.");
  }
  commands::RegisterAll(registry_);
  RegisterAdminCommands();

  for (int i = 0; i < threads; ++i) loops_.push_back(std::make_unique<runtime::Loop>(i));
  std::vector<runtime::Loop*> loop_ptrs;
  for (auto& l : loops_) loop_ptrs.push_back(l.get());
  engine_ = std::make_unique<engine::Engine>(loop_ptrs, &registry_, &clock_,
                                             static_cast<int>(databases_.load()));
  std::vector<net::LoopNet*> net_ptrs;
  for (auto& l : loops_) {
    nets_.push_back(std::make_unique<net::LoopNet>(l.get(), &net_options_, engine_.get()));
    net_ptrs.push_back(nets_.back().get());
  }
  engine_->SetLoopNets(net_ptrs);
  snapshots_ = std::make_unique<SnapshotService>(*this);
  aof_ = std::make_unique<AofService>(*this);
  // With the AOF on, it is the dataset (Redis does not load the RDB dump then).
  if (!aof_->Prepare(error)) return false;
  if (!aof_->enabled() && !snapshots_->LoadAtStartup(error)) return false;
  for (auto& n : nets_) n->set_output_gate(aof_.get());
  engine_->Attach();
  engine_->SetNotifyFlags(notify_flags_);
  engine_->StartExpiryCycles(&hz_, &active_rehashing_);
  for (auto& n : nets_) n->Attach();

  listener_ = std::make_unique<net::Listener>(loops_[0].get(), net_ptrs, &net_options_);
  std::vector<std::string> binds;
  {
    std::istringstream in(config_.Value("bind"));
    for (std::string w; in >> w;) binds.push_back(w);
  }
  if (!listener_->Listen(binds, static_cast<int>(port_.load()),
                         static_cast<int>(tcp_backlog_.load()), error)) {
    return false;
  }
  std::string pidfile = config_.Value("pidfile");
  if (!pidfile.empty()) {
    std::ofstream(pidfile) << getpid() << "\n";
  }
  // The server's own clients live until loop 0 stops (Close frees them once nothing refers
  // to them).
  loops_[0]->AddStopHook([this] {
    if (self_client_ != nullptr) self_client_->Close();
    self_client_ = nullptr;
    aof_->OnLoopStop();
  });
  const std::vector<int> cpus = pin_threads_.load() ? runtime::AllowedCpus() : std::vector<int>{};
  for (int i = 0; i < threads; ++i) {
    loops_[i]->Start(cpus.empty() ? -1 : cpus[static_cast<size_t>(i) % cpus.size()]);
  }
  loops_[0]->Post([this] {
    self_client_ = new InternalClient(loops_[0].get(), kSelfClientId, engine_.get(), {});
  });
  snapshots_->StartCron([this] { self_client_->Run(protocol::CommandArgs{"BGSAVE"}); });
  loops_[0]->Post([this] { aof_->Replay(); });
  Log(LogLevel::kNotice, "Tessera started: port " + std::to_string(port_.load()) + ", " +
                             std::to_string(threads) + " threads (one shard each), pid " +
                             std::to_string(getpid()));
  Log(LogLevel::kNotice, "Ready to accept connections tcp");
  return true;
}

void Server::RequestShutdown() {
  if (shutting_down_.exchange(true)) return;
  // From the signal thread the server may be torn down as soon as the last loop ends: touch
  // nothing of it after the last Stop().
  std::vector<runtime::Loop*> loops;
  for (auto& l : loops_) loops.push_back(l.get());
  for (runtime::Loop* l : loops) l->Stop();
}

void Server::ShutdownFromSignal() {
  if (shutting_down_.load() || loops_.empty()) {
    RequestShutdown();
    return;
  }
  if (!HasSavePoints()) {
    RequestShutdown();
    return;
  }
  loops_[0]->Post([this] { self_client_->Run(protocol::CommandArgs{"SHUTDOWN"}); });
}

uint64_t Server::net_input_bytes() const {
  uint64_t total = 0;
  for (const auto& n : nets_) total += n->input_bytes();
  return total;
}

uint64_t Server::net_output_bytes() const {
  uint64_t total = 0;
  for (const auto& n : nets_) total += n->output_bytes();
  return total;
}

bool Server::HasSavePoints() {
  std::istringstream in(config_.Value("save"));
  int64_t secs, changes;
  return static_cast<bool>(in >> secs >> changes);
}

void Server::Wait() {
  for (auto& l : loops_) l->Join();
  if (!loops_.empty() && !config_.Value("pidfile").empty()) {
    unlink(config_.Value("pidfile").c_str());
  }
}

void Server::RegisterAdminCommands() {
  RegisterInfoCommand(registry_, *this);
  RegisterPersistenceCommands(registry_, *this);
  RegisterConfigCommand(registry_, *this);
  RegisterShutdownCommand(registry_, *this);
}

}  // namespace tessera::server
