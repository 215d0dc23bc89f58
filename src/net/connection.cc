#include "src/net/connection.h"

#include "src/net/loop_net.h"
#include "src/runtime/clock.h"

namespace tessera::net {

namespace {
// Up to this much ready output waits for the rest of its pipelined batch (see Flush). More than
// that goes out at once: the client can start on it, and holding it would cost memory.
constexpr size_t kHoldForBatchBytes = 16 * 1024;
}  // namespace

Connection::Connection(LoopNet* net, uint64_t id)
    : Client(net->loop()->index(), id), net_(net), parser_(&limits_) {
  handle_.data = this;
  write_req_.data = this;
}

bool Connection::Open(int fd) {
  uv_tcp_init(net_->loop()->uv(), &handle_);
  if (uv_tcp_open(&handle_, fd) != 0) return false;
  transport_open_ = true;
  uv_tcp_nodelay(&handle_, 1);
  int64_t keepalive = net_->options().tcp_keepalive_s.load(std::memory_order_relaxed);
  if (keepalive > 0) uv_tcp_keepalive(&handle_, 1, static_cast<unsigned>(keepalive));

  limits_.max_bulk_len = net_->options().proto_max_bulk_len.load(std::memory_order_relaxed);
  SetAuthenticated(!net_->options().auth_required.load(std::memory_order_relaxed));

  ClientSession& s = session();
  s.fd = fd;
  s.created_ms = runtime::MonotonicMs();
  s.last_interaction_ms = s.created_ms;
  last_io_ms_ = s.created_ms;
  auto format = [](const sockaddr_storage& ss) {
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss.ss_family == AF_INET) {
      auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
      uv_ip4_name(in, ip, sizeof(ip));
      port = ntohs(in->sin_port);
    } else if (ss.ss_family == AF_INET6) {
      auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
      uv_ip6_name(in6, ip, sizeof(ip));
      port = ntohs(in6->sin6_port);
    }
    return std::string(ip) + ":" + std::to_string(port);
  };
  sockaddr_storage ss{};
  int len = sizeof(ss);
  if (uv_tcp_getpeername(&handle_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    s.addr = format(ss);
  }
  len = sizeof(ss);
  if (uv_tcp_getsockname(&handle_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    s.laddr = format(ss);
  }
  uv_read_start(reinterpret_cast<uv_stream_t*>(&handle_), &Connection::OnAlloc,
                &Connection::OnRead);
  return true;
}

void Connection::SetAuthenticated(bool yes) {
  Client::SetAuthenticated(yes);
  limits_.authenticated = yes;
}

void Connection::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(handle->data);
  buf->base = self->net_->read_buffer();
  buf->len = LoopNet::kReadBufferSize;
}

void Connection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(stream->data);
  if (nread < 0) {
    self->Close();
    return;
  }
  if (nread == 0) return;
  self->net_->CountInput(static_cast<uint64_t>(nread));
  self->last_io_ms_ = runtime::MonotonicMs();
  // Keep the connection alive while its commands run: a command may close it.
  self->Ref();
  self->Consume(buf->base, static_cast<size_t>(nread));
  self->Unref();
}

void Connection::Consume(const char* data, size_t len) {
  using Status = protocol::RespParser::Status;
  std::vector<protocol::CommandArgs>& batch = net_->parse_batch();
  size_t offset = 0;
  while (offset < len && !closed_ && !session().close_after_reply) {
    // Parse ahead, then run: the sink gets to start loading the batch's keys before the first
    // command runs (Engine::Prefetch). Not before AUTH has succeeded: AUTH lifts the parser's
    // limits for the commands after it, which must be parsed after it runs.
    const size_t ahead = limits_.authenticated ? batch.size() : 1;
    size_t n = 0;
    Status status = Status::kNeedMore;
    while (n < ahead && offset < len) {
      size_t used = 0;
      status = parser_.Parse(data + offset, len - offset, &used, &batch[n]);
      offset += used;
      if (status != Status::kCommand) break;
      ++n;
    }
    if (n > 1) net_->sink().Prefetch(*this, batch.data(), n);
    for (size_t i = 0; i < n; ++i) {
      // A command that closes the connection or ends it (QUIT) drops the ones parsed after it,
      // as it drops the bytes after them.
      if (!closed_ && !session().close_after_reply) {
        session().last_interaction_ms = last_io_ms_;
        net_->sink().OnCommand(*this, std::move(batch[i]));
      }
      batch[i].Clear();
    }
    if (closed_ || session().close_after_reply) break;
    if (status == Status::kError) {
      std::string* out = SyncReplyBuffer();
      out->push_back('-');
      out->append(parser_.error());
      out->append("\r\n");
      session().close_after_reply = true;
      uv_read_stop(reinterpret_cast<uv_stream_t*>(&handle_));
      return;
    }
    if (status == Status::kNeedMore) break;  // everything consumed into the parser's state
  }
  int64_t limit = net_->options().query_buffer_limit.load(std::memory_order_relaxed);
  if (!closed_ && limit > 0 && static_cast<int64_t>(parser_.buffered_bytes()) > limit) {
    // Redis closes such a client without a reply (it only logs).
    Close();
  }
}

void Connection::OnOutputReady() {
  if (dirty_ || closed_) return;
  dirty_ = true;
  Ref();
  net_->MarkDirty(this);
}

bool Connection::OverOutputLimit(int64_t now_ms) {
  NetOptions& o = net_->options();
  int64_t used = static_cast<int64_t>(out_.size() + writing_.size());
  // A client with subscriptions is in Redis's pubsub class, with its own limits.
  bool pubsub = session().subscribed();
  int64_t hard =
      (pubsub ? o.pubsub_hard_limit : o.output_hard_limit).load(std::memory_order_relaxed);
  if (hard > 0 && used > hard) return true;
  int64_t soft =
      (pubsub ? o.pubsub_soft_limit : o.output_soft_limit).load(std::memory_order_relaxed);
  if (soft > 0 && used > soft) {
    if (soft_limit_since_ms_ == 0) soft_limit_since_ms_ = now_ms;
    int64_t secs = (pubsub ? o.pubsub_soft_seconds : o.output_soft_seconds).load();
    return now_ms - soft_limit_since_ms_ > secs * 1000;
  }
  soft_limit_since_ms_ = 0;
  return false;
}

void Connection::Flush() {
  dirty_ = false;
  if (closed_) return;
  if (OverOutputLimit(runtime::MonotonicMs())) {
    Close();
    return;
  }
  // Replies of a pipelined batch whose other commands are still on other shards, or held back
  // behind a multi-shard command: wait for them (CompleteReply and ResumeDeferred mark this
  // connection ready again) so the batch leaves in one write, as it would from Redis.
  if ((transient_pending() > 0 || deferred_pending_soon()) && out_.size() < kHoldForBatchBytes &&
      !session().close_after_reply) {
    return;
  }
  if (!write_in_flight_ && !out_.empty()) {
    uv_buf_t b = uv_buf_init(out_.data(), static_cast<unsigned>(out_.size()));
    int n = uv_try_write(reinterpret_cast<uv_stream_t*>(&handle_), &b, 1);
    size_t written = n > 0 ? static_cast<size_t>(n) : 0;
    if (n < 0 && n != UV_EAGAIN) {
      Close();
      return;
    }
    net_->CountOutput(written);
    if (written == out_.size()) {
      out_.clear();
    } else {
      writing_.assign(out_, written, std::string::npos);
      out_.clear();
      uv_buf_t rest = uv_buf_init(writing_.data(), static_cast<unsigned>(writing_.size()));
      write_in_flight_ = true;
      Ref();
      uv_write(&write_req_, reinterpret_cast<uv_stream_t*>(&handle_), &rest, 1,
               &Connection::OnWritten);
    }
  }
  if (session().close_after_reply && !write_in_flight_ && out_.empty() && !has_pending_replies()) {
    Close();
  }
}

void Connection::OnWritten(uv_write_t* req, int status) {
  auto* self = static_cast<Connection*>(req->data);
  self->write_in_flight_ = false;
  self->net_->CountOutput(self->writing_.size());
  self->writing_.clear();
  if (status < 0) {
    self->Close();
  } else if (!self->closed_ && (!self->out_.empty() || self->session().close_after_reply)) {
    self->OnOutputReady();
  }
  self->Unref();
}

void Connection::CloseTransport() {
  if (!transport_open_) {
    Unref();
    return;
  }
  transport_open_ = false;
  net_->Forget(this);
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), &Connection::OnClosed);
}

void Connection::OnClosed(uv_handle_t* handle) {
  auto* self = static_cast<Connection*>(handle->data);
  self->net_->sink().OnClientClosed(*self);
  self->Unref();  // the transport's reference
}

}  // namespace tessera::net
