// The process: configuration, loops, engine, listener; startup and orderly shutdown.
//
// Start() and Wait() run on the main thread; RequestShutdown() may be called from any thread
// (SHUTDOWN, signals). Everything else is owned by the loops once they run.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "src/engine/command_registry.h"
#include "src/engine/engine.h"
#include "src/net/listener.h"
#include "src/net/loop_net.h"
#include "src/net/net_options.h"
#include "src/pubsub/notify_flags.h"
#include "src/runtime/clock.h"
#include "src/runtime/loop.h"
#include "src/server/aof_service.h"
#include "src/server/config.h"
#include "src/server/internal_client.h"
#include "src/server/snapshots.h"

namespace tessera::server {

class Server {
 public:
  Server();
  ~Server();

  // argv as given to main (without argv[0]): [config-file] [--directive value ...].
  bool Configure(const std::vector<std::string>& argv, std::string* error);
  bool Start(std::string* error);
  // Blocks until shutdown has completed.
  void Wait();
  // Any thread. Stops accepting, closes clients, stops the loops.
  void RequestShutdown();
  // Any thread (the signal waiter): SIGTERM/SIGINT. Runs SHUTDOWN as the server's own command,
  // so the dataset is saved first when save points are configured, as Redis does.
  void ShutdownFromSignal();
  // Whether "save" lists any save point.
  bool HasSavePoints();

  Config& config() { return config_; }
  net::NetOptions& net_options() { return net_options_; }
  // Bytes read from and written to clients, over every loop (INFO stats). Any thread.
  uint64_t net_input_bytes() const;
  uint64_t net_output_bytes() const;
  engine::Engine& engine() { return *engine_; }
  runtime::Clock& clock() { return clock_; }
  int64_t start_time_ms() const { return start_time_ms_; }
  const std::string& config_file() const { return config_file_; }
  const std::string& run_id() const { return run_id_; }
  int threads() const { return static_cast<int>(loops_.size()); }
  std::atomic<int64_t>& hz() { return hz_; }
  SnapshotService& snapshots() { return *snapshots_; }
  AofService& aof() { return *aof_; }

 private:
  void RegisterDirectives();
  void RegisterAdminCommands();

  Config config_;
  net::NetOptions net_options_;
  runtime::SystemClock clock_;
  engine::CommandRegistry registry_;
  std::vector<std::unique_ptr<runtime::Loop>> loops_;
  std::vector<std::unique_ptr<net::LoopNet>> nets_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<net::Listener> listener_;
  std::unique_ptr<SnapshotService> snapshots_;
  std::unique_ptr<AofService> aof_;
  // Loop 0's client for the server's own commands (save points, signals). Loop 0 only.
  InternalClient* self_client_ = nullptr;
  std::atomic<int64_t> port_{6379};
  std::atomic<int64_t> threads_{0};
  std::atomic<int64_t> tcp_backlog_{511};
  std::atomic<int64_t> databases_{16};
  std::atomic<int64_t> hz_{10};
  std::atomic<bool> pin_threads_{false};
  std::atomic<bool> active_rehashing_{true};
  std::atomic<bool> shutting_down_{false};
  // notify-keyspace-events as last validated / applied (config lock; see RegisterDirectives).
  pubsub::NotifyFlags parsed_notify_flags_;
  pubsub::NotifyFlags notify_flags_;
  std::string config_file_;
  std::string run_id_;
  int64_t start_time_ms_ = 0;
};

}  // namespace tessera::server
