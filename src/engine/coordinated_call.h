// The engine's CommandCall: tracks a coordinator command's outstanding shard steps and writes
// its reply, in order, when the last continuation returns.
#pragma once

#include <memory>
#include <string>

#include "src/engine/command_call.h"
#include "src/engine/lock_table.h"
#include "src/net/client.h"

namespace tessera::engine {

class CoordinatedCall final : public CommandCall {
 public:
  CoordinatedCall(Engine* engine, const CommandSpec* spec, protocol::CommandArgs args,
                  net::Client* client, int64_t now_ms, bool discard);
  ~CoordinatedCall() override;

  void RunOnShards(std::vector<ShardId> shards, ShardStep step, Continuation then) override;
  void Park() override;
  void Unpark(Continuation then) override;
  void Lock(std::vector<std::pair<ShardId, LockSet>> plan, Continuation then) override;

  // Locks what the command needs (shard by shard, in ascending shard order, so two
  // transactions can never wait for each other in a cycle), then runs the handler.
  void Begin();
  // The lock requested on the next shard of the plan was granted (on the coordinator's loop).
  void LockGranted();
  // A step finished on `shard` (called on the coordinator's loop).
  void StepDone();
  const ShardStep& step() const { return step_; }
  net::Client& client() override { return *client_; }

 private:
  std::vector<std::pair<ShardId, LockSet>> BuildLockPlan() const;
  // CommandSpec::steps_at_lock: runs the handler before locking, keeping the step it issues to
  // run in the lock hops. True if the call is already over (the handler replied without steps).
  bool CaptureSteps();
  // The shards a later call of the client may lock while this one runs (a bit each; see
  // net::Client::BeginBarrierCall), or 0.
  uint64_t JoinShards() const;
  void AcquireNext();
  // All locks are held: finish a captured step (done already, in the lock hops, or run now).
  void FinishCapturedStep();
  // Runs the handler; afterwards the call either finished or waits for steps.
  void Start();
  void MaybeFinish();

  net::Client* client_;
  net::ReplySlot* slot_ = nullptr;  // reserved once the call goes asynchronous
  std::string reply_buf_;
  ShardStep step_;
  Continuation then_;
  size_t pending_ = 0;
  std::vector<std::pair<ShardId, LockSet>> plan_;  // what this call locks, by shard
  size_t acquired_ = 0;
  bool started_ = false;
  bool capturing_ = false;      // CaptureSteps is running the handler
  bool captured_ = false;       // a step was captured and has not finished
  bool steps_at_lock_ = false;  // the captured step runs in the lock hops (its shards locked)
  std::vector<ShardId> step_shards_;
  bool parked_ = false;      // blocked at some point: journaled where it was served
  Continuation after_lock_;  // Lock()'s continuation while its acquisition runs
  int depth_ = 0;            // > 0 while the handler or a continuation is on the stack
  bool discard_;
};

}  // namespace tessera::engine
