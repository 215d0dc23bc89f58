#include "src/net/client.h"

namespace tessera::net {

Client::Client(int loop_index, uint64_t id) : loop_index_(loop_index) { session_.id = id; }

Client::~Client() = default;

std::string* Client::SyncReplyBuffer() {
  if (slots_.empty()) {
    OnOutputReady();
    return &out_;
  }
  ReplySlot& slot = slots_.emplace_back();
  slot.done = true;
  return &slot.data;
}

ReplySlot* Client::ReserveReply(bool transient) {
  ReplySlot& slot = slots_.emplace_back();
  slot.transient = transient;
  if (transient) ++transient_pending_;
  return &slot;
}

void Client::CompleteReply(ReplySlot* slot) {
  slot->done = true;
  if (slot->transient) --transient_pending_;
  if (&slots_.front() != slot) {
    // Output held back for the transient slots may go now.
    if (transient_pending_ == 0 && !out_.empty()) OnOutputReady();
    return;
  }
  while (!slots_.empty() && slots_.front().done) {
    if (out_.empty()) {
      out_.swap(slots_.front().data);
    } else {
      out_.append(slots_.front().data);
    }
    slots_.pop_front();
  }
  OnOutputReady();
}

void Client::CompleteReply(ReplySlot* slot, std::string_view bytes) {
  if (&slots_.front() == slot) {
    out_.append(bytes);  // the slot completes empty, after what it would have carried
  } else {
    slot->data.assign(bytes);
  }
  CompleteReply(slot);
}

void Client::Unref() {
  if (--refs_ == 0) delete this;
}

void Client::Close() {
  if (closed_) return;
  closed_ = true;
  deferred_.clear();
  CloseTransport();
}

}  // namespace tessera::net
