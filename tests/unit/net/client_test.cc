#include "src/net/client.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace tessera::net {
namespace {

// A transport that only counts how often it was told output is ready.
class CountingClient final : public Client {
 public:
  CountingClient() : Client(0, 1) {}
  int ready_calls = 0;
  const std::string& output() const { return out_; }

 protected:
  void OnOutputReady() override { ++ready_calls; }
  void CloseTransport() override {}
};

TEST(ClientTest, RepliesLeaveInRequestOrder) {
  auto* c = new CountingClient;
  ReplySlot* first = c->ReserveReply(/*transient=*/true);
  c->SyncReplyBuffer()->append("second;");
  first->data = "first;";
  c->CompleteReply(first);
  EXPECT_EQ(c->output(), "first;second;");
  EXPECT_FALSE(c->has_pending_replies());
  c->Unref();
}

// Replies handed over as bytes (a hop batch's shared reply buffer): copied straight to the
// output when the slot is first, kept in the slot when an earlier one is still pending.
TEST(ClientTest, RepliesGivenAsBytesLeaveInRequestOrder) {
  auto* c = new CountingClient;
  c->SyncReplyBuffer()->append("a;");
  ReplySlot* b = c->ReserveReply(/*transient=*/true);
  ReplySlot* d = c->ReserveReply(/*transient=*/true);
  c->SyncReplyBuffer()->append("e;");
  std::string batch = "d;b;";
  c->CompleteReply(d, std::string_view(batch).substr(0, 2));
  EXPECT_EQ(c->output(), "a;");
  batch.assign("xxxx");  // the batch's buffer is reused: the slot kept its own copy
  c->CompleteReply(b, "b;");
  EXPECT_EQ(c->output(), "a;b;d;e;");
  EXPECT_FALSE(c->has_pending_replies());
  EXPECT_EQ(c->transient_pending(), 0u);
  c->Unref();
}

TEST(ClientTest, CountsTransientSlotsUntilTheyComplete) {
  auto* c = new CountingClient;
  ReplySlot* a = c->ReserveReply(/*transient=*/true);
  ReplySlot* b = c->ReserveReply(/*transient=*/false);
  ReplySlot* d = c->ReserveReply(/*transient=*/true);
  EXPECT_EQ(c->transient_pending(), 2u);
  c->CompleteReply(d);
  EXPECT_EQ(c->transient_pending(), 1u);
  c->CompleteReply(a);
  EXPECT_EQ(c->transient_pending(), 0u);
  EXPECT_EQ(c->output(), "");
  EXPECT_TRUE(c->has_pending_replies());  // b, then d behind it
  b->data = "b";
  c->CompleteReply(b);
  EXPECT_FALSE(c->has_pending_replies());
  c->Unref();
}

// Output that was held back while transient slots were pending must be announced again when
// the last of them completes, even if a slow (non-transient) slot is still ahead of it —
// otherwise it would sit unsent until that slow reply arrives.
TEST(ClientTest, HeldOutputIsAnnouncedWhenTheLastTransientSlotCompletes) {
  auto* c = new CountingClient;
  c->SyncReplyBuffer()->append("ready;");
  ReplySlot* slow = c->ReserveReply(/*transient=*/false);
  ReplySlot* hop = c->ReserveReply(/*transient=*/true);
  const int before = c->ready_calls;
  c->CompleteReply(hop);
  EXPECT_EQ(c->ready_calls, before + 1);
  EXPECT_EQ(c->output(), "ready;");
  c->CompleteReply(slow);
  c->Unref();
}

}  // namespace
}  // namespace tessera::net
