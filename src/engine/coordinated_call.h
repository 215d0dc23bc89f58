// The engine's CommandCall: tracks a coordinator command's outstanding shard steps and writes
// its reply, in order, when the last continuation returns.
#pragma once

#include <memory>
#include <string>

#include "src/engine/command_call.h"
#include "src/net/client.h"

namespace tessera::engine {

class CoordinatedCall final : public CommandCall {
 public:
  CoordinatedCall(Engine* engine, const CommandSpec* spec, protocol::CommandArgs args,
                  net::Client* client, int64_t now_ms, bool discard);
  ~CoordinatedCall() override;

  void RunOnShards(std::vector<ShardId> shards, ShardStep step, Continuation then) override;

  // Runs the handler; afterwards the call either finished or waits for steps.
  void Start();
  // A step finished on `shard` (called on the coordinator's loop).
  void StepDone();
  const ShardStep& step() const { return step_; }
  net::Client& client() override { return *client_; }

 private:
  void MaybeFinish();

  net::Client* client_;
  net::ReplySlot* slot_ = nullptr;  // reserved once the call goes asynchronous
  std::string reply_buf_;
  ShardStep step_;
  Continuation then_;
  size_t pending_ = 0;
  int depth_ = 0;  // > 0 while the handler or a continuation is on the stack
  bool discard_;
};

}  // namespace tessera::engine
