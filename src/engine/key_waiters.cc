#include "src/engine/key_waiters.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <utility>

#include "src/engine/engine.h"
#include "src/engine/journal.h"
#include "src/engine/lock_table.h"
#include "src/engine/propagation.h"
#include "src/engine/shard.h"
#include "src/runtime/clock.h"
#include "src/runtime/timer.h"
#include "storage/numbers.h"

namespace tessera::engine {
namespace {

constexpr std::string_view kErrUnblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

}  // namespace

int64_t BlockedClientCount(Engine& engine) {
  int64_t total = 0;
  for (uint32_t i = 0; i < engine.shard_count(); ++i) {
    total += engine.blocked_clients(static_cast<ShardId>(i)).count();
  }
  return total;
}

// ---- Waiter.

Waiter::Waiter(Engine* engine, ShardId origin, uint64_t client_id, int db,
               std::vector<std::string> keys)
    : engine_(engine), origin_(origin), client_id_(client_id), db_(db) {
  for (std::string& k : keys) {
    if (std::find(keys_.begin(), keys_.end(), k) == keys_.end()) keys_.push_back(std::move(k));
  }
}

std::vector<ShardId> Waiter::Shards() const {
  std::vector<ShardId> shards;
  for (const std::string& k : keys_) shards.push_back(KeyToShard(k, engine_->shard_count()));
  std::sort(shards.begin(), shards.end());
  shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
  return shards;
}

void Waiter::Journal(const std::vector<std::string_view>& command) const {
  engine::Journal* journal = engine_->journal();
  if (journal == nullptr) return;
  std::string record;
  AppendCommand(&record, command);
  journal->Append(db_, record);
}

void Waiter::Deliver(CommandCall::Continuation finish) {
  Engine* engine = engine_;
  ShardId origin = origin_;
  // Claimed, so nothing else will finish the call: the entry is still parked on its loop. Always
  // posted, even to this very loop: we are inside another command's AfterOp here.
  engine->loop(origin).Post(
      [engine, origin, self = shared_from_this(), finish = std::move(finish)]() mutable {
        engine->blocked_clients(origin).Complete(self, std::move(finish));
      });
}

// ---- KeyWaiters.

KeyWaiters& KeyWaiters::Of(Shard& shard) {
  if (shard.blocking() == nullptr) shard.set_blocking(std::make_unique<KeyWaiters>());
  auto* waiters = dynamic_cast<KeyWaiters*>(shard.blocking());
  if (waiters == nullptr) {
    std::fprintf(stderr, "BUG: shard %u has a BlockingRegistry that is not KeyWaiters\n",
                 shard.id());
    std::abort();
  }
  return *waiters;
}

std::string KeyWaiters::Id(int db, std::string_view key) {
  std::string id;
  id.reserve(key.size() + 2);
  id.push_back(static_cast<char>(db & 0xff));
  id.push_back(static_cast<char>((db >> 8) & 0xff));
  id.append(key);
  return id;
}

uint16_t KeyWaiters::wanted_events() const {
  // "new" marks every key creation (push to a missing key, RENAME/MOVE/COPY onto it); the type
  // classes cover pushes onto keys that exist (e.g. made non-empty by SWAPDB).
  // kEventDbReset: SWAPDB can put data under every waited-on key of a db at once.
  return storage::kEventNew | storage::kEventList | storage::kEventZSet | storage::kEventDbReset;
}

void KeyWaiters::Add(Shard& shard, const std::shared_ptr<Waiter>& waiter) {
  const bool was_empty = queues_.empty();
  for (const std::string& key : waiter->keys()) {
    if (KeyToShard(key, shard.shard_count()) != shard.id()) continue;
    queues_[Id(waiter->db(), key)].push_back(waiter);
  }
  if (was_empty) shard.UpdateKeepMask();
}

void KeyWaiters::Remove(Shard& shard, const Waiter* waiter) {
  for (const std::string& key : waiter->keys()) {
    auto it = queues_.find(Id(waiter->db(), key));
    if (it == queues_.end()) continue;
    auto& q = it->second;
    q.erase(
        std::remove_if(q.begin(), q.end(),
                       [waiter](const std::shared_ptr<Waiter>& w) { return w.get() == waiter; }),
        q.end());
    if (q.empty()) {
      deferred_.erase(it->first);
      queues_.erase(it);
    }
  }
  if (queues_.empty()) shard.UpdateKeepMask();
}

size_t KeyWaiters::WaitingOn(int db, std::string_view key) const {
  auto it = queues_.find(Id(db, key));
  return it == queues_.end() ? 0 : it->second.size();
}

void KeyWaiters::OnChanges(Shard& shard, const std::vector<storage::ChangeEvent>& events,
                           int64_t now_ms) {
  size_t next = 0;
  while (true) {
    // `events` grows while we serve: read it by index and never hold a reference into it
    // across ServeKey.
    for (; next < events.size() && !queues_.empty(); ++next) {
      if (events[next].cls == storage::kEventKeyMiss) continue;
      if (events[next].cls == storage::kEventDbReset) {
        // SWAPDB (or FLUSHDB): any key of the db may have gained data; serve as Redis's
        // scanDatabaseForReadyKeys does. Serving only finds what is really there.
        const int db = events[next].db;
        std::vector<std::string> ids;
        for (const auto& [id, queue] : queues_) {
          if ((static_cast<unsigned char>(id[0]) | (static_cast<unsigned char>(id[1]) << 8)) == db)
            ids.push_back(id);
        }
        for (const std::string& id : ids) {
          if (queues_.count(id) == 0) continue;
          if (!shard.locks().CanAccess(db, std::string_view(id).substr(2), LockMode::kExclusive)) {
            deferred_.insert(id);
            continue;
          }
          ServeKey(shard, id, now_ms);
        }
        continue;
      }
      std::string id = Id(events[next].db, events[next].key);
      if (queues_.count(id) == 0) continue;
      if (!shard.locks().CanAccess(events[next].db, events[next].key, LockMode::kExclusive)) {
        deferred_.insert(std::move(id));
        continue;
      }
      ServeKey(shard, id, now_ms);
    }
    next = events.size();
    // Keys that gained data under a transaction's locks, now released.
    std::vector<std::string> ready;
    for (const std::string& id : deferred_) {
      int db = static_cast<unsigned char>(id[0]) | (static_cast<unsigned char>(id[1]) << 8);
      if (shard.locks().CanAccess(db, std::string_view(id).substr(2), LockMode::kExclusive)) {
        ready.push_back(id);
      }
    }
    for (const std::string& id : ready) {
      deferred_.erase(id);
      if (queues_.count(id) != 0) ServeKey(shard, id, now_ms);
    }
    if (next == events.size()) break;  // serving recorded nothing new
  }
  if (queues_.empty()) {
    deferred_.clear();
    shard.UpdateKeepMask();
  }
}

void KeyWaiters::ServeKey(Shard& shard, const std::string& id, int64_t now_ms) {
  const std::string key = id.substr(2);
  while (true) {
    auto it = queues_.find(id);
    if (it == queues_.end()) return;
    if (it->second.empty()) {
      queues_.erase(it);
      return;
    }
    std::shared_ptr<Waiter> w = it->second.front();
    ServeOutcome outcome = w->claimed() ? ServeOutcome::kGone : w->Serve(shard, key, now_ms);
    if (outcome == ServeOutcome::kNotReady) return;
    // Serve records events but never touches the queues, so the front is still `w`.
    it = queues_.find(id);
    it->second.pop_front();
  }
}

// ---- BlockedClients.

BlockedClients::BlockedClients(Engine* engine, ShardId loop) : engine_(engine), loop_(loop) {}

// Calls still parked at shutdown are abandoned with their loop.
BlockedClients::~BlockedClients() = default;

void BlockedClients::Park(CommandCall& call, std::shared_ptr<Waiter> waiter, int64_t timeout_ms,
                          CommandCall::Continuation on_timeout) {
  if (call.client().closed()) {
    // Gone while the command was trying: nobody can have claimed the waiter yet (its keys are
    // still locked by this call), so end here instead of waiting for a disconnect already past.
    waiter->TryClaim();
    ForgetOnShards(waiter);
    on_timeout(call);
    return;
  }
  int64_t deadline = 0;
  if (timeout_ms > 0) {
    int64_t now = runtime::MonotonicMs();
    // Past the int64 range the deadline never comes (Redis's overflowed deadline never fires).
    if (timeout_ms <= std::numeric_limits<int64_t>::max() - now) deadline = now + timeout_ms;
  }
  const uint64_t id = waiter->client_id();
  blocked_[id] = Blocked{&call, std::move(waiter), deadline, std::move(on_timeout)};
  count_.fetch_add(1, std::memory_order_relaxed);
  if (deadline != 0) {
    deadlines_.emplace(deadline, id);
    ArmTimer();
  }
  // Releases the call's locks: from here on, pushes to the keys can reach the waiter.
  call.Park();
}

void BlockedClients::Complete(const std::shared_ptr<Waiter>& waiter,
                              CommandCall::Continuation finish) {
  auto it = blocked_.find(waiter->client_id());
  if (it == blocked_.end() || it->second.waiter != waiter) {
    std::fprintf(stderr, "BUG: a served waiter has no parked call on loop %u\n", loop_);
    std::abort();
  }
  Finish(waiter->client_id(), std::move(finish));
}

void BlockedClients::Finish(uint64_t id, CommandCall::Continuation then) {
  auto it = blocked_.find(id);
  Blocked b = std::move(it->second);
  blocked_.erase(it);
  count_.fetch_sub(1, std::memory_order_relaxed);
  if (b.deadline != 0) {
    auto [first, last] = deadlines_.equal_range(b.deadline);
    for (auto d = first; d != last; ++d) {
      if (d->second == id) {
        deadlines_.erase(d);
        break;
      }
    }
  }
  ForgetOnShards(b.waiter);
  b.call->Unpark(std::move(then));
}

void BlockedClients::ForgetOnShards(const std::shared_ptr<Waiter>& waiter) {
  // The waiter may still sit in queues on other keys or shards; drop it there now rather than
  // when met, so queues of keys that never get data do not grow.
  Engine* engine = engine_;
  for (ShardId s : waiter->Shards()) {
    if (s == loop_) {
      KeyWaiters::Of(engine->shard(s)).Remove(engine->shard(s), waiter.get());
    } else {
      engine->loop(s).Post([engine, s, waiter] {
        KeyWaiters::Of(engine->shard(s)).Remove(engine->shard(s), waiter.get());
      });
    }
  }
}

void BlockedClients::OnClientClosed(uint64_t client_id) {
  auto it = blocked_.find(client_id);
  if (it == blocked_.end() || !it->second.waiter->TryClaim()) return;
  // The reply is dropped with the client; the call still needs one to end.
  Finish(client_id, [](CommandCall& call) { call.reply().NullArray(); });
}

bool BlockedClients::Unblock(uint64_t client_id, bool with_error) {
  auto it = blocked_.find(client_id);
  if (it == blocked_.end() || !it->second.waiter->TryClaim()) return false;
  CommandCall::Continuation reply;
  if (with_error) {
    reply = [](CommandCall& call) { call.reply().Error(kErrUnblocked); };
  } else {
    reply = std::move(it->second.on_timeout);
  }
  // Claimed now, finished from the loop's queue: we run inside CLIENT UNBLOCK's step, and the
  // unblocked call's end may dispatch that client's next commands.
  engine_->loop(loop_).Post([this, client_id, reply = std::move(reply)]() mutable {
    Finish(client_id, std::move(reply));
  });
  return true;
}

void BlockedClients::ArmTimer() {
  if (deadlines_.empty()) {
    if (timer_) timer_->Cancel();
    return;
  }
  if (!timer_) timer_ = std::make_unique<runtime::Timer>(&engine_->loop(loop_));
  int64_t delay = deadlines_.begin()->first - runtime::MonotonicMs();
  timer_->Arm(static_cast<uint64_t>(std::max<int64_t>(delay, 0)), [this] { OnTimer(); });
}

void BlockedClients::OnTimer() {
  const int64_t now = runtime::MonotonicMs();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    uint64_t id = deadlines_.begin()->second;
    auto it = blocked_.find(id);
    if (it->second.waiter->TryClaim()) {
      CommandCall::Continuation on_timeout = std::move(it->second.on_timeout);
      Finish(id, std::move(on_timeout));  // removes the deadline
    } else {
      // A shard claimed it just now; its result is on the way and will finish the call.
      deadlines_.erase(deadlines_.begin());
      it->second.deadline = 0;
    }
  }
  ArmTimer();
}

// ---- Helpers for blocking commands.

bool BlockTimeoutOrReply(std::string_view arg, protocol::ReplyBuilder& reply, int64_t* timeout_ms) {
  long double seconds;
  if (!storage::ParseLongDouble(arg, &seconds)) {
    reply.Error("ERR timeout is not a float or out of range");
    return false;
  }
  long double ms = std::ceil(seconds * 1000.0L);
  // Redis converts with a plain cast; out of range that yields LLONG_MIN on every platform we
  // run on, which then reads as negative.
  if (!(ms < 9223372036854775808.0L) || ms < -9223372036854775808.0L || ms < 0) {
    reply.Error("ERR timeout is negative");
    return false;
  }
  *timeout_ms = static_cast<int64_t>(ms);
  return true;
}

bool MayBlock(CommandCall& call) { return !call.session().in_exec; }

}  // namespace tessera::engine
