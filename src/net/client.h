// A client as the engine sees it: a session, an ordered reply stream, and a lifetime that
// outlasts in-flight hops. Connection (TCP) is the real implementation; tests drive the engine
// through an in-process implementation.
//
// Thread rules: a Client belongs to its loop's thread. Hops carry Client* and ReplySlot* to
// other threads only as opaque tokens; they are dereferenced again only back on this thread.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "protocol/command_args.h"
#include "src/net/client_session.h"

namespace tessera::net {

// A reply that is not ready yet (its command is running on another shard). Replies leave the
// client in request order: a ready reply waits behind earlier pending slots.
struct ReplySlot {
  std::string data;
  bool done = false;
  bool transient = false;  // see Client::ReserveReply
};

class Client {
 public:
  Client(int loop_index, uint64_t id);
  virtual ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  int loop_index() const { return loop_index_; }
  ClientSession& session() { return session_; }

  // Where a reply that is ready now goes: the output buffer if nothing is pending before it,
  // else a new completed slot at the tail.
  std::string* SyncReplyBuffer();
  // Reserves the next reply position for a reply computed elsewhere. `transient`: the reply is
  // coming back within a loop iteration or two (a command hopped to another shard), not after
  // an unbounded wait (locks, blocking commands); see transient_pending().
  ReplySlot* ReserveReply(bool transient = false);
  // Marks `slot` done (its data filled) and moves every leading done slot to the output.
  void CompleteReply(ReplySlot* slot);
  // The same with the reply's bytes given here rather than in slot->data: copied straight into
  // the output when nothing is pending before the slot.
  void CompleteReply(ReplySlot* slot, std::string_view bytes);
  bool has_pending_replies() const { return !slots_.empty(); }
  // Transient slots not completed yet. While there are some, a transport may hold back a small
  // output so that a pipelined batch whose commands ran on several shards leaves in one write;
  // the output is marked ready again when the count drops to zero.
  size_t transient_pending() const { return transient_pending_; }

  // In-flight work (hops, coordinator calls) holds a reference; a closed client is destroyed
  // when the last one is released.
  void Ref() { ++refs_; }
  void Unref();

  bool closed() const { return closed_; }
  // Closes the transport now; the object lives on until Unref'd to zero.
  void Close();

  // Commands parsed but held back while an earlier multi-step command is still running.
  std::deque<protocol::CommandArgs>& deferred() { return deferred_; }
  // The deferred commands have all been dispatched: output a transport held back for them may
  // go now.
  void DeferredDrained() {
    if (!out_.empty()) OnOutputReady();
  }
  // Whether a multi-shard command is running that holds back this client's later commands.
  bool barrier() const { return barrier_calls_ > 0; }
  // A multi-shard command started holding the barrier. `join_shards`: a bit per shard the
  // command locks, when a later command locking exactly the same shards may start before it
  // ends (Engine::JoinsBarrier); 0 when nothing may. While some run, only such joiners start.
  void BeginBarrierCall(uint64_t join_shards) {
    barrier_join_shards_ = barrier_calls_ == 0 ? join_shards : barrier_join_shards_;
    ++barrier_calls_;
  }
  // One ended; returns true when none is left (the barrier is lifted).
  bool EndBarrierCall() {
    if (--barrier_calls_ > 0) return false;
    barrier_join_shards_ = 0;
    barrier_parked_ = false;
    return true;
  }
  uint64_t barrier_join_shards() const { return barrier_join_shards_; }
  // The command holding the barrier now waits for an unbounded time (a blocked client): output
  // held back for the deferred commands goes now, as Redis sends the replies before a BLPOP.
  void BarrierParked() {
    barrier_parked_ = true;
    if (!out_.empty()) OnOutputReady();
  }
  // Whether a transport may hold a small output for the deferred commands (see Connection::Flush).
  bool deferred_pending_soon() const { return !deferred_.empty() && !barrier_parked_; }

  // AUTH/HELLO AUTH results; also lifts the parser's pre-auth limits.
  virtual void SetAuthenticated(bool yes) { session_.authenticated = yes; }

  // Bytes waiting to be written (the output buffer), for client-output-buffer-limit and INFO.
  size_t output_bytes() const { return out_.size(); }

 protected:
  // Output produced since the last flush. Transports take it in FlushOutput().
  std::string out_;
  // Called when out_ gained bytes; transports schedule one flush per loop iteration.
  virtual void OnOutputReady() = 0;
  virtual void CloseTransport() = 0;
  bool closed_ = false;

 private:
  int loop_index_;
  int refs_ = 1;  // the transport's own reference
  ClientSession session_;
  std::deque<ReplySlot> slots_;  // deque: slot addresses stay valid while others come and go
  size_t transient_pending_ = 0;
  std::deque<protocol::CommandArgs> deferred_;
  uint32_t barrier_calls_ = 0;
  uint64_t barrier_join_shards_ = 0;
  bool barrier_parked_ = false;
};

}  // namespace tessera::net
