// notify-keyspace-events parsing and its canonical text, checked against redis-server 7.0.15's
// CONFIG SET / CONFIG GET.
#include "src/pubsub/notify_flags.h"

#include <gtest/gtest.h>

#include "storage/change_event.h"

namespace tessera::pubsub {
namespace {

using namespace storage;  // NOLINT: event class names

std::string Canonical(std::string_view text) {
  std::optional<NotifyFlags> f = ParseNotifyFlags(text);
  return f ? NotifyFlagsToString(*f) : "<invalid>";
}

TEST(NotifyFlags, CanonicalTextAsRedisShowsIt) {
  EXPECT_EQ(Canonical(""), "");
  EXPECT_EQ(Canonical("KEA"), "AKE");
  EXPECT_EQ(Canonical("AKE"), "AKE");
  EXPECT_EQ(Canonical("g$lshzxet"), "g$lshzxet");  // no 'd', so not "A"
  EXPECT_EQ(Canonical("g$lshzxetd"), "A");
  EXPECT_EQ(Canonical("Kx"), "xK");
  EXPECT_EQ(Canonical("EKd"), "dKE");
  // Redis 7.0 never prints 'n' (but honours it).
  EXPECT_EQ(Canonical("nmKEA"), "AKEm");
  EXPECT_EQ(Canonical("En"), "E");
  EXPECT_EQ(Canonical("zhsl$gKKK"), "g$lshzK");
}

TEST(NotifyFlags, RejectsUnknownLetters) {
  EXPECT_FALSE(ParseNotifyFlags("Q"));
  EXPECT_FALSE(ParseNotifyFlags("KEa"));
  EXPECT_FALSE(ParseNotifyFlags("K E"));
  EXPECT_EQ(kErrBadNotifyFlags, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
}

TEST(NotifyFlags, ClassesAndChannelKinds) {
  NotifyFlags all = *ParseNotifyFlags("AKE");
  EXPECT_TRUE(all.keyspace && all.keyevent && all.module);
  // "A" is every data class but neither key misses nor new keys.
  EXPECT_EQ(all.classes, kEventGeneric | kEventString | kEventList | kEventSet | kEventHash |
                             kEventZSet | kEventExpired | kEventEvicted | kEventStream);
  NotifyFlags extra = *ParseNotifyFlags("Kmn");
  EXPECT_EQ(extra.classes, kEventKeyMiss | kEventNew);
  EXPECT_FALSE(extra.keyevent);
}

TEST(NotifyFlags, ShardMaskNeedsAChannelKind) {
  // Classes without K or E publish nothing, so the shards need keep nothing for them.
  EXPECT_EQ(ParseNotifyFlags("A")->ShardMask(), 0);
  EXPECT_EQ(ParseNotifyFlags("KE")->ShardMask(), 0);
  EXPECT_EQ(ParseNotifyFlags("Egx")->ShardMask(), kEventGeneric | kEventExpired);
  EXPECT_EQ(ParseNotifyFlags("K$")->ShardMask(), kEventString);
  // The db-reset marker FLUSHDB/SWAPDB record for WATCH is never a notification class.
  EXPECT_EQ(ParseNotifyFlags("AKEmn")->ShardMask() & kEventDbReset, 0);
}

}  // namespace
}  // namespace tessera::pubsub
