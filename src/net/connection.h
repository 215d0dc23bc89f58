// A TCP client connection: reads and parses requests, hands commands to the sink, and writes
// replies coalesced — at most one write syscall per loop iteration (LoopNet flushes dirty
// connections from the loop's iteration hook).
//
// Loop-thread only. Freed when both the socket is closed and no hop holds a reference.
#pragma once

#include <uv.h>

#include <string>

#include "protocol/resp_parser.h"
#include "src/net/client.h"

namespace tessera::net {

class LoopNet;

class Connection final : public Client {
 public:
  Connection(LoopNet* net, uint64_t id);

  // Takes ownership of an accepted, non-blocking socket. False if libuv refuses it.
  bool Open(int fd);
  // Writes whatever output is buffered (called once per iteration for dirty connections).
  void Flush();

  void SetAuthenticated(bool yes) override;
  size_t query_buffer_bytes() const { return parser_.buffered_bytes(); }
  int64_t last_io_ms() const { return last_io_ms_; }

 private:
  void OnOutputReady() override;
  void CloseTransport() override;

  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWritten(uv_write_t* req, int status);
  static void OnClosed(uv_handle_t* handle);
  void Consume(const char* data, size_t len);
  bool OverOutputLimit(int64_t now_ms);

  LoopNet* net_;
  uv_tcp_t handle_;
  uv_write_t write_req_;
  protocol::ParserLimits limits_;
  protocol::RespParser parser_;
  std::string writing_;  // bytes handed to uv_write, kept alive until it completes
  bool write_in_flight_ = false;
  bool dirty_ = false;
  bool transport_open_ = false;
  int64_t last_io_ms_ = 0;
  int64_t soft_limit_since_ms_ = 0;

  friend class LoopNet;
};

}  // namespace tessera::net
