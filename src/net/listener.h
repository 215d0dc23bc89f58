// Accepts TCP connections on the bind addresses and deals them to loops round-robin.
//
// Runs on one loop (loop 0). Debian's libuv 1.44 has no UV_TCP_REUSEPORT, so one acceptor
// hands sockets to the other loops through their inboxes. maxclients is enforced here: a client
// over the limit gets Redis's error and is closed.
#pragma once

#include <uv.h>

#include <string>
#include <vector>

#include "src/net/loop_net.h"

namespace tessera::net {

class Listener {
 public:
  // `loops[i]` receives every loops.size()-th connection.
  Listener(runtime::Loop* accept_loop, std::vector<LoopNet*> loops, NetOptions* options);
  ~Listener();

  // Binds and listens on every address (IPv4 or IPv6 literal). Before the loop starts.
  // Returns false with *error set if none could be bound, or if a non-optional one failed
  // (Redis's "-" prefix marks an optional address).
  bool Listen(const std::vector<std::string>& addresses, int port, int backlog, std::string* error);

 private:
  static void OnReadable(uv_poll_t* handle, int status, int events);
  void AcceptAll(int listen_fd);

  runtime::Loop* accept_loop_;
  std::vector<LoopNet*> loops_;
  NetOptions* options_;
  std::vector<int> fds_;
  std::vector<uv_poll_t*> polls_;
  size_t next_ = 0;
};

}  // namespace tessera::net
