// An in-process Tessera for unit tests: the real engine and command table on N real loops
// (default 2, so cross-shard hops are always exercised) with a ManualClock, and clients that
// bypass TCP. The test thread blocks on each reply; loops run on their own threads.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp_reader.h"
#include "src/runtime/clock.h"

namespace tessera::engine {
class CommandRegistry;
class Engine;
}  // namespace tessera::engine

namespace tessera::testing {

class TestServer;

class TestClient {
 public:
  ~TestClient();
  // Sends one command and waits for its reply.
  protocol::RespValue Call(std::initializer_list<std::string_view> args);
  protocol::RespValue Call(const std::vector<std::string>& args);
  // Sends several commands as one pipeline (one delivery to the engine) and waits for all
  // replies; returns them in order.
  std::vector<protocol::RespValue> Pipeline(const std::vector<std::vector<std::string>>& cmds);
  // The exact reply bytes of one command (for RESP2/RESP3 encoding checks).
  std::string CallRaw(std::initializer_list<std::string_view> args);
  // Waits for `n` more frames that no command of this client waits for — the further replies of
  // a multi-reply command (SUBSCRIBE a b) and pub/sub messages; `raws` gets their bytes.
  std::vector<protocol::RespValue> NextFrames(size_t n, std::vector<std::string>* raws = nullptr);

 private:
  friend class TestServer;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class TestServer {
 public:
  using Registrar = std::function<void(engine::CommandRegistry&)>;
  // `registrar` fills the command table; by default every command family.
  explicit TestServer(int threads = 2, Registrar registrar = nullptr);
  ~TestServer();

  runtime::ManualClock& clock();
  int threads() const;
  // The engine, for settings a test needs (e.g. SetNotifyFlags; thread rules as documented).
  engine::Engine& engine();
  // A client living on loop `loop`.
  std::unique_ptr<TestClient> Connect(int loop = 0);

  // A key that hashes to shard `shard` (for cross-shard tests): "<prefix><n>" for the first
  // n that lands there.
  std::string KeyOnShard(int shard, std::string_view prefix = "key:") const;

 private:
  friend class TestClient;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::testing
