// The network side of one loop: its connections, the shared read buffer, the list of
// connections with output to flush this iteration, and idle-timeout checks.
//
// Loop-thread only, except Adopt() which is reached through Loop::Post.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "protocol/command_args.h"
#include "src/net/command_sink.h"
#include "src/net/net_options.h"
#include "src/runtime/loop.h"

namespace tessera::net {

class Connection;
class OutputGate;

class LoopNet {
 public:
  LoopNet(runtime::Loop* loop, NetOptions* options, CommandSink* sink);
  ~LoopNet();

  // Wires the iteration and stop hooks into the loop. Call before the loop starts.
  void Attach();
  // On the loop thread: adopt an accepted socket.
  void Adopt(int fd);

  runtime::Loop* loop() { return loop_; }
  NetOptions& options() { return *options_; }
  CommandSink& sink() { return *sink_; }
  char* read_buffer() { return read_buffer_.get(); }
  static constexpr size_t kReadBufferSize = 64 * 1024;
  // Where Connection::Consume parses a read's commands ahead of running them (at most
  // kParseAhead at a time), so the sink can prefetch what they touch. Shared by the loop's
  // connections: Consume runs one read to the end and is never re-entered.
  static constexpr size_t kParseAhead = 16;
  std::vector<protocol::CommandArgs>& parse_batch() { return parse_batch_; }

  void MarkDirty(Connection* conn) { dirty_.push_back(conn); }
  // Consulted before pending output is written (see output_gate.h). Set before the loop starts.
  void set_output_gate(OutputGate* gate) { gate_ = gate; }
  void Forget(Connection* conn);

  void ForEachConnection(const std::function<void(Connection&)>& fn);

  // Bytes read from and written to this loop's clients (INFO total_net_input_bytes and
  // total_net_output_bytes are their sums over the loops). Loop thread writes; any thread reads.
  void CountInput(uint64_t n) { Add(input_bytes_, n); }
  void CountOutput(uint64_t n) { Add(output_bytes_, n); }
  uint64_t input_bytes() const { return input_bytes_.load(std::memory_order_relaxed); }
  uint64_t output_bytes() const { return output_bytes_.load(std::memory_order_relaxed); }
  Connection* FindById(uint64_t id);

 private:
  void FlushDirty();
  void CheckTimeouts();
  void CloseAll();
  // One writer: a plain load and store, no locked read-modify-write.
  static void Add(std::atomic<uint64_t>& counter, uint64_t n) {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  runtime::Loop* loop_;
  NetOptions* options_;
  CommandSink* sink_;
  std::unique_ptr<char[]> read_buffer_;
  std::vector<protocol::CommandArgs> parse_batch_ = std::vector<protocol::CommandArgs>(kParseAhead);
  OutputGate* gate_ = nullptr;
  std::vector<Connection*> dirty_;
  std::vector<Connection*> flushing_;
  std::unordered_map<uint64_t, Connection*> connections_;
  uv_timer_t timeout_timer_;
  // On a cache line of their own: written on every read and write, read by INFO elsewhere.
  alignas(64) std::atomic<uint64_t> input_bytes_{0};
  std::atomic<uint64_t> output_bytes_{0};
};

}  // namespace tessera::net
