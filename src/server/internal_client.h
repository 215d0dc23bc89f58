// A client with no connection, through which the server runs commands on its own behalf
// (BGSAVE from a save point, SHUTDOWN from a signal, replaying the append-only file). Commands go
// through the engine exactly as a user's would, with the same locking and ordering.
//
// Thread: lives on one loop and is used only on that loop's thread. Heap-allocated and
// reference-counted like every Client: call Close() instead of deleting it.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "protocol/command_args.h"
#include "src/net/client.h"
#include "src/net/command_sink.h"
#include "src/runtime/loop.h"

namespace tessera::server {

class InternalClient final : public net::Client {
 public:
  // `on_output` receives reply bytes as they become ready (in request order), possibly several
  // replies at once; may be empty to discard them.
  InternalClient(runtime::Loop* loop, uint64_t id, net::CommandSink* sink,
                 std::function<void(std::string&)> on_output)
      : Client(loop->index(), id), loop_(loop), sink_(sink), on_output_(std::move(on_output)) {
    session().authenticated = true;
    session().internal = true;
  }

  void Run(protocol::CommandArgs args) { sink_->OnCommand(*this, std::move(args)); }

 private:
  void OnOutputReady() override {
    // Called just before the reply is written: collect it after the current task.
    if (collect_pending_ || closed()) return;
    collect_pending_ = true;
    Ref();
    loop_->Post([this] {
      collect_pending_ = false;
      // Taken out first: on_output_ may run more commands (the AOF replay does), whose replies
      // land in out_ and post the next collection; clearing out_ afterwards would drop them.
      std::string out;
      out.swap(out_);
      if (!out.empty() && on_output_ && !closed()) on_output_(out);
      Unref();
    });
  }
  void CloseTransport() override { Unref(); }

  runtime::Loop* loop_;
  net::CommandSink* sink_;
  std::function<void(std::string&)> on_output_;
  bool collect_pending_ = false;
};

}  // namespace tessera::server
