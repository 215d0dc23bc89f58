#include "src/net/loop_net.h"

#include <unistd.h>

#include "src/net/connection.h"
#include "src/net/output_gate.h"
#include "src/runtime/clock.h"

namespace tessera::net {

LoopNet::LoopNet(runtime::Loop* loop, NetOptions* options, CommandSink* sink)
    : loop_(loop), options_(options), sink_(sink), read_buffer_(new char[kReadBufferSize]) {}

LoopNet::~LoopNet() = default;

void LoopNet::Attach() {
  loop_->AddIterationHook([this] { FlushDirty(); });
  loop_->AddStopHook([this] { CloseAll(); });
  uv_timer_init(loop_->uv(), &timeout_timer_);
  timeout_timer_.data = this;
  uv_timer_start(
      &timeout_timer_, [](uv_timer_t* t) { static_cast<LoopNet*>(t->data)->CheckTimeouts(); }, 1000,
      1000);
}

void LoopNet::Adopt(int fd) {
  uint64_t id = options_->next_client_id.fetch_add(1, std::memory_order_relaxed);
  auto* conn = new Connection(this, id);
  if (!conn->Open(fd)) {
    ::close(fd);
    options_->connected_clients.fetch_sub(1, std::memory_order_relaxed);
    conn->Close();
    return;
  }
  connections_.emplace(id, conn);
}

void LoopNet::Forget(Connection* conn) {
  if (connections_.erase(conn->session().id) > 0) {
    options_->connected_clients.fetch_sub(1, std::memory_order_relaxed);
  }
}

void LoopNet::FlushDirty() {
  // Held back until durable; the gate wakes the loop, and this hook runs again.
  if (gate_ != nullptr && !dirty_.empty() && !gate_->MayWrite(loop_->index())) return;
  // Flushing can make more connections dirty (a close completes replies elsewhere), so swap.
  while (!dirty_.empty()) {
    flushing_.swap(dirty_);
    for (Connection* conn : flushing_) {
      conn->Flush();
      conn->Unref();
    }
    flushing_.clear();
  }
}

void LoopNet::ForEachConnection(const std::function<void(Connection&)>& fn) {
  for (auto& [id, conn] : connections_) fn(*conn);
}

Connection* LoopNet::FindById(uint64_t id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second;
}

void LoopNet::CheckTimeouts() {
  int64_t timeout_s = options_->timeout_s.load(std::memory_order_relaxed);
  if (timeout_s <= 0) return;
  int64_t now = runtime::MonotonicMs();
  std::vector<Connection*> idle;
  for (auto& [id, conn] : connections_) {
    // A client waiting for a reply is not idle (Redis exempts blocked clients too), nor is a
    // subscriber waiting for messages (Redis exempts CLIENT_PUBSUB).
    if (!conn->has_pending_replies() && !conn->session().subscribed() &&
        now - conn->last_io_ms() > timeout_s * 1000) {
      idle.push_back(conn);
    }
  }
  for (Connection* conn : idle) conn->Close();
}

void LoopNet::CloseAll() {
  uv_timer_stop(&timeout_timer_);
  std::vector<Connection*> all;
  for (auto& [id, conn] : connections_) all.push_back(conn);
  for (Connection* conn : all) conn->Close();
}

}  // namespace tessera::net
