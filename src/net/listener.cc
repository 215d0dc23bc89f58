#include "src/net/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tessera::net {

Listener::Listener(runtime::Loop* accept_loop, std::vector<LoopNet*> loops, NetOptions* options)
    : accept_loop_(accept_loop), loops_(std::move(loops)), options_(options) {}

Listener::~Listener() {
  for (int fd : fds_) ::close(fd);
  for (uv_poll_t* p : polls_) delete p;
}

bool Listener::Listen(const std::vector<std::string>& addresses, int port, int backlog,
                      std::string* error) {
  for (std::string addr : addresses) {
    bool optional = !addr.empty() && addr[0] == '-';
    if (optional) addr.erase(0, 1);
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (addr == "*") addr = "0.0.0.0";
    if (addr == "::*") addr = "::";
    if (inet_pton(AF_INET, addr.c_str(), &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr) == 1) {
      auto* in = reinterpret_cast<sockaddr_in*>(&ss);
      in->sin_family = AF_INET;
      in->sin_port = htons(static_cast<uint16_t>(port));
      len = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, addr.c_str(),
                         &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr) == 1) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(static_cast<uint16_t>(port));
      len = sizeof(sockaddr_in6);
    } else {
      if (optional) continue;
      *error = "Invalid bind address '" + addr + "'";
      return false;
    }
    int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      if (optional) continue;
      *error = std::string("socket: ") + std::strerror(errno);
      return false;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, backlog) != 0) {
      int err = errno;
      ::close(fd);
      if (optional) continue;
      *error = "Could not create server TCP listening socket " + addr + ":" + std::to_string(port) +
               ": " + std::strerror(err);
      return false;
    }
    fds_.push_back(fd);
    auto* poll = new uv_poll_t;
    uv_poll_init_socket(accept_loop_->uv(), poll, fd);
    poll->data = this;
    uv_poll_start(poll, UV_READABLE, &Listener::OnReadable);
    polls_.push_back(poll);
  }
  if (fds_.empty()) {
    *error = "Failed listening on port " + std::to_string(port) + ", aborting.";
    return false;
  }
  return true;
}

void Listener::OnReadable(uv_poll_t* handle, int status, int events) {
  if (status < 0) return;
  int fd = -1;
  uv_fileno(reinterpret_cast<uv_handle_t*>(handle), &fd);
  static_cast<Listener*>(handle->data)->AcceptAll(fd);
}

void Listener::AcceptAll(int listen_fd) {
  static constexpr char kMaxClients[] = "-ERR max number of clients reached\r\n";
  // Bounded per wakeup so a connection storm cannot starve the loop's own clients.
  for (int i = 0; i < 256; ++i) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    options_->total_connections_received.fetch_add(1, std::memory_order_relaxed);
    int64_t now = options_->connected_clients.fetch_add(1, std::memory_order_relaxed) + 1;
    if (now > options_->maxclients.load(std::memory_order_relaxed)) {
      options_->connected_clients.fetch_sub(1, std::memory_order_relaxed);
      options_->rejected_connections.fetch_add(1, std::memory_order_relaxed);
      ssize_t ignored = ::write(fd, kMaxClients, sizeof(kMaxClients) - 1);
      (void)ignored;
      ::close(fd);
      continue;
    }
    LoopNet* target = loops_[next_++ % loops_.size()];
    target->loop()->Post([target, fd] { target->Adopt(fd); });
  }
}

}  // namespace tessera::net
