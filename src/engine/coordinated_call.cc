#include "src/engine/coordinated_call.h"

#include <algorithm>

#include "src/engine/engine.h"
#include "src/engine/journal.h"
#include "src/engine/op_context.h"
#include "src/engine/propagation.h"

namespace tessera::engine {

CoordinatedCall::CoordinatedCall(Engine* engine, const CommandSpec* spec,
                                 protocol::CommandArgs args, net::Client* client, int64_t now_ms,
                                 bool discard)
    : CommandCall(engine, spec, std::move(args), &client->session(), now_ms, &reply_buf_),
      client_(client),
      discard_(discard) {
  client_->Ref();
}

CoordinatedCall::~CoordinatedCall() { client_->Unref(); }

std::vector<std::pair<ShardId, LockSet>> CoordinatedCall::BuildLockPlan() const {
  std::vector<std::pair<ShardId, LockSet>> plan;
  if (spec_->lock_scope == LockScope::kNone) return plan;
  LockMode mode = spec_->Has(kCmdWrite) ? LockMode::kExclusive : LockMode::kShared;
  if (spec_->lock_scope == LockScope::kAllShards) {
    for (uint32_t s = 0; s < shard_count(); ++s) {
      LockSet set;
      set.shard_wide = true;
      set.shard_mode = mode;
      plan.emplace_back(static_cast<ShardId>(s), std::move(set));
    }
    return plan;
  }
  const std::vector<std::vector<uint32_t>>& by_shard = KeyPositionsByShard();
  for (uint32_t s = 0; s < by_shard.size(); ++s) {
    if (by_shard[s].empty()) continue;
    LockSet set;
    for (uint32_t pos : by_shard[s]) set.Add(db(), args_[pos], mode);
    plan.emplace_back(static_cast<ShardId>(s), std::move(set));
  }
  return plan;
}

void CoordinatedCall::Begin() {
  plan_ = BuildLockPlan();
  if (plan_.empty()) {
    Start();
    return;
  }
  if (spec_->steps_at_lock && CaptureSteps()) return;
  // Waiting for locks is asynchronous: hold this reply's place and the client's later commands.
  // A call whose steps run at lock is over when its last lock is granted, and lock waits are
  // bounded (no lock is held across a block), so its reply is transient.
  slot_ = client_->ReserveReply(/*transient=*/steps_at_lock_);
  client_->BeginBarrierCall(JoinShards());
  AcquireNext();
}

uint64_t CoordinatedCall::JoinShards() const {
  // Only a call that is over when its locks are granted: it issues nothing after, so a later
  // call of the client that locks the same shards after it, in the same order, cannot overtake.
  if (!captured_ || !steps_at_lock_ || plan_.size() < 2) return 0;
  uint64_t shards = 0;
  for (const auto& [shard, set] : plan_) {
    if (shard >= 64 || set.shard_wide) return 0;
    shards |= uint64_t{1} << shard;
  }
  return shards;
}

bool CoordinatedCall::CaptureSteps() {
  started_ = true;
  capturing_ = true;
  ++depth_;
  spec_->on_coordinator(*this);
  --depth_;
  capturing_ = false;
  if (captured_) return false;
  // Replied without a step (an argument error): nothing to lock.
  plan_.clear();
  MaybeFinish();
  return true;
}

void CoordinatedCall::FinishCapturedStep() {
  captured_ = false;
  if (steps_at_lock_) {
    ++pending_;  // every shard ran the step when it granted its lock
    StepDone();
    return;
  }
  // A step on a shard without locks of the call (not what steps_at_lock promises): run it now.
  ShardStep step = std::move(step_);
  Continuation then = std::move(then_);
  ++depth_;
  RunOnShards(std::move(step_shards_), std::move(step), std::move(then));
  --depth_;
  MaybeFinish();
}

void CoordinatedCall::AcquireNext() {
  if (acquired_ == plan_.size()) {
    if (!started_) {
      Start();
    } else if (captured_) {
      FinishCapturedStep();
    } else {
      then_ = std::move(after_lock_);
      after_lock_ = nullptr;
      StepDone();
    }
    return;
  }
  const auto& [shard, set] = plan_[acquired_];
  const bool run_step =
      captured_ && steps_at_lock_ &&
      std::find(step_shards_.begin(), step_shards_.end(), shard) != step_shards_.end();
  engine_->RequestLock(shard, this, set, run_step);
}

void CoordinatedCall::LockGranted() {
  ++acquired_;
  AcquireNext();
}

void CoordinatedCall::Lock(std::vector<std::pair<ShardId, LockSet>> plan, Continuation then) {
  // Locks already held were taken in ascending shard order; the new ones must not go below
  // them, or two calls could wait for each other. Calls use Lock() only when they hold none.
  ++pending_;
  after_lock_ = std::move(then);
  for (auto& entry : plan) plan_.push_back(std::move(entry));
  AcquireNext();
}

void CoordinatedCall::Start() {
  started_ = true;
  ++depth_;
  spec_->on_coordinator(*this);
  --depth_;
  if (pending_ > 0 && slot_ == nullptr) {
    // Going asynchronous: hold this reply's place, and hold back the client's later commands
    // until this one ends, because a continuation may still issue steps that later commands
    // must not overtake.
    slot_ = client_->ReserveReply();
    client_->BeginBarrierCall(0);
  }
  MaybeFinish();
}

void CoordinatedCall::RunOnShards(std::vector<ShardId> shards, ShardStep step, Continuation then) {
  if (capturing_) {
    step_ = std::move(step);
    then_ = std::move(then);
    captured_ = true;
    steps_at_lock_ = std::all_of(shards.begin(), shards.end(), [this](ShardId s) {
      return std::any_of(plan_.begin(), plan_.end(), [s](const auto& p) { return p.first == s; });
    });
    step_shards_ = std::move(shards);
    return;
  }
  step_ = std::move(step);
  then_ = std::move(then);
  pending_ = shards.size();
  bool local = false;
  ShardId here = static_cast<ShardId>(client_->loop_index());
  for (ShardId s : shards) {
    if (s == here) {
      local = true;
    } else {
      engine_->EnqueueStep(s, this);
    }
  }
  if (local) {
    Shard& shard = engine_->shard(here);
    OpContext ctx(shard, db(), resp(), engine_->clock().NowMs());
    step_(ctx);
    engine_->AfterOp(shard);
    StepDone();
  } else if (shards.empty()) {
    ++pending_;
    StepDone();
  }
}

void CoordinatedCall::Park() {
  parked_ = true;
  client_->BarrierParked();
  ++pending_;
  ShardId origin = static_cast<ShardId>(client_->loop_index());
  std::vector<std::pair<ShardId, LockSet>> plan = std::move(plan_);
  plan_.clear();
  acquired_ = 0;  // a later Lock() acquires from scratch; nothing is held any more
  for (auto& [shard, set] : plan) engine_->ReleaseLock(origin, shard, std::move(set));
}

void CoordinatedCall::Unpark(Continuation then) {
  then_ = std::move(then);
  StepDone();
}

void CoordinatedCall::StepDone() {
  if (--pending_ > 0) return;
  Continuation then = std::move(then_);
  then_ = nullptr;
  ++depth_;
  then(*this);
  --depth_;
  MaybeFinish();
}

void CoordinatedCall::MaybeFinish() {
  if (depth_ > 0 || pending_ > 0) return;
  // Journal the command while its locks are still held, so no later change to its keys can be
  // recorded before it. A parked (blocking) command was journaled where it was served.
  if (!parked_ && spec_->Has(kCmdWrite)) {
    if (Journal* journal = engine_->journal()) {
      std::string record = CoordinatorRecord(*spec_, args_, reply_buf_);
      if (!record.empty()) journal->Append(db(), record);
    }
  }
  if (discard_) reply_buf_.clear();
  bool was_async = slot_ != nullptr;
  if (was_async) {
    slot_->data = std::move(reply_buf_);
    client_->CompleteReply(slot_);
  } else if (!reply_buf_.empty()) {
    client_->SyncReplyBuffer()->append(reply_buf_);
  }
  net::Client* client = client_;
  Engine* engine = engine_;
  std::vector<std::pair<ShardId, LockSet>> plan = std::move(plan_);
  client->Ref();
  delete this;
  ShardId origin = static_cast<ShardId>(client->loop_index());
  for (auto& [shard, set] : plan) engine->ReleaseLock(origin, shard, std::move(set));
  if (was_async) engine->CallFinished(*client);
  client->Unref();
}

}  // namespace tessera::engine
