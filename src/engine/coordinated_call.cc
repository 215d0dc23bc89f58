#include "src/engine/coordinated_call.h"

#include "src/engine/engine.h"
#include "src/engine/op_context.h"

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

void CoordinatedCall::Start() {
  ++depth_;
  spec_->on_coordinator(*this);
  --depth_;
  if (pending_ > 0 && slot_ == nullptr) {
    // Going asynchronous: hold this reply's place, and hold back the client's later commands
    // until this one ends, because a continuation may still issue steps that later commands
    // must not overtake.
    slot_ = client_->ReserveReply();
    client_->set_barrier(true);
  }
  MaybeFinish();
}

void CoordinatedCall::RunOnShards(std::vector<ShardId> shards, ShardStep step,
                                  Continuation then) {
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
  client->Ref();
  delete this;
  if (was_async) engine->CallFinished(*client);
  client->Unref();
}

}  // namespace tessera::engine
