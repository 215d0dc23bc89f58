// Pub/sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB.
//
// Subscriptions are connection state: they change on the client's own loop, in the client's
// session and that loop's registry (pubsub::Broker), with no locks and no hops. PUBLISH and
// SPUBLISH run one step on each loop that may have receivers and answer the sum of the
// receivers counted there; PUBSUB's introspection asks every loop and merges. docs/pubsub.md
// has the whole design.
//
// SSUBSCRIBE, SUNSUBSCRIBE and SPUBLISH carry Redis's "not_key" key specs (for COMMAND INFO),
// but a shard channel is not a key here: NoKeys keeps the engine from routing or locking by it.
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "src/commands/arg_parse.h"
#include "src/commands/register.h"
#include "src/commands/spec_builder.h"
#include "src/engine/command_call.h"
#include "src/engine/engine.h"
#include "src/engine/op_context.h"
#include "src/pubsub/broker.h"
#include "src/pubsub/message.h"
#include "storage/glob.h"

namespace tessera::commands {
namespace {

using engine::CommandCall;
using engine::OpContext;
using pubsub::Kind;

// Redis's reply counts: SUBSCRIBE/PSUBSCRIBE and their opposites report channels + patterns,
// the shard-channel commands only shard channels.
int64_t SubscriptionCount(const net::ClientSession& s, Kind kind) {
  if (kind == Kind::kShardChannel) return static_cast<int64_t>(s.pubsub_shard_channels.size());
  return static_cast<int64_t>(s.pubsub_channels.size() + s.pubsub_patterns.size());
}

void SubscribeTo(CommandCall& call, Kind kind, std::string_view reply_kind) {
  pubsub::Broker& broker = call.engine().pubsub();
  net::Client& client = call.client();
  const protocol::CommandArgs& args = call.args();
  for (size_t i = 1; i < args.size(); ++i) {
    broker.Subscribe(client, kind, args[i]);
    pubsub::ReplySubscription(call.reply(), reply_kind, args[i],
                              SubscriptionCount(client.session(), kind));
  }
}

// Without arguments: everything of `kind` (patterns in subscription order, channels in set
// order, as Redis's dicts give no order either), or one nil confirmation when there is nothing.
void UnsubscribeFrom(CommandCall& call, Kind kind, std::string_view reply_kind) {
  pubsub::Broker& broker = call.engine().pubsub();
  net::Client& client = call.client();
  net::ClientSession& s = client.session();
  const protocol::CommandArgs& args = call.args();
  std::vector<std::string> names;
  if (args.size() > 1) {
    for (size_t i = 1; i < args.size(); ++i) names.emplace_back(args[i]);
  } else if (kind == Kind::kPattern) {
    names = s.pubsub_patterns;
  } else {
    const auto& set = kind == Kind::kChannel ? s.pubsub_channels : s.pubsub_shard_channels;
    names.assign(set.begin(), set.end());
  }
  if (names.empty()) {
    pubsub::ReplySubscription(call.reply(), reply_kind, std::nullopt, SubscriptionCount(s, kind));
    return;
  }
  for (const std::string& name : names) {
    broker.Unsubscribe(client, kind, name);
    pubsub::ReplySubscription(call.reply(), reply_kind, name, SubscriptionCount(s, kind));
  }
}

void Subscribe(CommandCall& call) { SubscribeTo(call, Kind::kChannel, "subscribe"); }
void PSubscribe(CommandCall& call) { SubscribeTo(call, Kind::kPattern, "psubscribe"); }
void SSubscribe(CommandCall& call) { SubscribeTo(call, Kind::kShardChannel, "ssubscribe"); }
void Unsubscribe(CommandCall& call) { UnsubscribeFrom(call, Kind::kChannel, "unsubscribe"); }
void PUnsubscribe(CommandCall& call) { UnsubscribeFrom(call, Kind::kPattern, "punsubscribe"); }
void SUnsubscribe(CommandCall& call) { UnsubscribeFrom(call, Kind::kShardChannel, "sunsubscribe"); }

// One step per loop that may have receivers; each counts its own and queues the message there.
// A publisher's next command waits for this one (the call is a barrier while steps run), so
// one publisher's messages reach every loop in order.
void PublishOn(CommandCall& call, bool shard) {
  pubsub::Broker* broker = &call.engine().pubsub();
  std::vector<engine::ShardId> loops;
  for (int i = 0; i < broker->loop_count(); ++i) {
    if (broker->MayReceive(i, shard)) loops.push_back(static_cast<engine::ShardId>(i));
  }
  if (loops.empty()) {
    call.reply().Integer(0);
    return;
  }
  auto counts = std::make_shared<std::vector<int64_t>>(broker->loop_count(), 0);
  const protocol::CommandArgs* args = &call.args();
  call.RunOnShards(
      std::move(loops),
      [broker, counts, args, shard](OpContext& ctx) {
        int loop = static_cast<int>(ctx.shard_id());
        (*counts)[loop] =
            static_cast<int64_t>(broker->Publish(loop, shard, (*args)[1], (*args)[2]));
      },
      [counts](CommandCall& call) {
        int64_t total = 0;
        for (int64_t n : *counts) total += n;
        call.reply().Integer(total);
      });
}

void Publish(CommandCall& call) { PublishOn(call, false); }
void SPublish(CommandCall& call) { PublishOn(call, true); }

// ---- PUBSUB: every loop reports what its own clients subscribe to; the coordinator merges.

// CHANNELS / SHARDCHANNELS [pattern]: distinct names over all loops.
void ListNames(CommandCall& call, Kind kind) {
  const protocol::CommandArgs& args = call.args();
  if (args.size() > 3) {
    call.reply().Error(SubcommandSyntaxError(args[0], args[1]));
    return;
  }
  pubsub::Broker* broker = &call.engine().pubsub();
  auto per_loop = std::make_shared<std::vector<std::vector<std::string>>>(broker->loop_count());
  std::optional<std::string> pattern;
  if (args.size() == 3) pattern.emplace(args[2]);
  call.RunOnAllShards(
      [broker, per_loop, pattern, kind](OpContext& ctx) {
        int loop = static_cast<int>(ctx.shard_id());
        broker->registry(loop).ForEach(kind, [&](const std::string& name, size_t) {
          if (!pattern || storage::GlobMatch(*pattern, name)) (*per_loop)[loop].push_back(name);
        });
      },
      [per_loop](CommandCall& call) {
        std::set<std::string> names;
        for (auto& loop_names : *per_loop) names.insert(loop_names.begin(), loop_names.end());
        call.reply().Array(names.size());
        for (const std::string& name : names) call.reply().Bulk(name);
      });
}

// NUMSUB / SHARDNUMSUB [name ...]: subscribers summed over loops (patterns not counted).
void CountSubscribers(CommandCall& call, Kind kind) {
  pubsub::Broker* broker = &call.engine().pubsub();
  const protocol::CommandArgs* args = &call.args();
  size_t n = args->size() - 2;
  auto per_loop = std::make_shared<std::vector<std::vector<int64_t>>>(broker->loop_count(),
                                                                      std::vector<int64_t>(n, 0));
  call.RunOnAllShards(
      [broker, per_loop, args, kind, n](OpContext& ctx) {
        int loop = static_cast<int>(ctx.shard_id());
        for (size_t i = 0; i < n; ++i) {
          (*per_loop)[loop][i] =
              static_cast<int64_t>(broker->registry(loop).Subscribers(kind, (*args)[i + 2]));
        }
      },
      [per_loop, n](CommandCall& call) {
        // An array even in RESP3, as Redis replies.
        call.reply().Array(n * 2);
        for (size_t i = 0; i < n; ++i) {
          int64_t total = 0;
          for (auto& counts : *per_loop) total += counts[i];
          call.reply().Bulk(call.args()[i + 2]);
          call.reply().Integer(total);
        }
      });
}

void PubSubChannels(CommandCall& call) { ListNames(call, Kind::kChannel); }
void PubSubShardChannels(CommandCall& call) { ListNames(call, Kind::kShardChannel); }
void PubSubNumSub(CommandCall& call) { CountSubscribers(call, Kind::kChannel); }
void PubSubShardNumSub(CommandCall& call) { CountSubscribers(call, Kind::kShardChannel); }

// NUMPAT: distinct patterns over all loops (Redis counts its pattern dict's keys).
void PubSubNumPat(CommandCall& call) {
  pubsub::Broker* broker = &call.engine().pubsub();
  auto per_loop = std::make_shared<std::vector<std::vector<std::string>>>(broker->loop_count());
  call.RunOnAllShards(
      [broker, per_loop](OpContext& ctx) {
        int loop = static_cast<int>(ctx.shard_id());
        broker->registry(loop).ForEach(Kind::kPattern, [&](const std::string& name, size_t) {
          (*per_loop)[loop].push_back(name);
        });
      },
      [per_loop](CommandCall& call) {
        std::set<std::string> names;
        for (auto& loop_names : *per_loop) names.insert(loop_names.begin(), loop_names.end());
        call.reply().Integer(static_cast<int64_t>(names.size()));
      });
}

void PubSubHelp(CommandCall& call) {
  ReplyHelp(call.reply(), call.args()[0],
            {
                "CHANNELS [<pattern>]",
                "    Return the currently active channels matching a <pattern> (default: '*').",
                "NUMPAT",
                "    Return number of subscriptions to patterns.",
                "NUMSUB [<channel> ...]",
                "    Return the number of subscribers for the specified channels, excluding",
                "    pattern subscriptions(default: no channels).",
                "SHARDCHANNELS [<pattern>]",
                "    Return the currently active shard level channels matching a <pattern> "
                "(default: '*').",
                "SHARDNUMSUB [<shardchannel> ...]",
                "    Return the number of subscribers for the specified shard level channel(s)",
            });
}

std::vector<uint32_t> NoKeys(const protocol::CommandArgs&) { return {}; }

// Connection-state commands: run on the client's loop, lock nothing.
engine::CommandSpec Unlocked(engine::CommandSpec spec) {
  spec.lock_scope = engine::LockScope::kNone;
  return spec;
}

// Redis 7.0.15's key metadata for shard channels: the legacy (1, last, 1) triple and a
// "not_key" range spec from argument 1 (`spec_last` is relative to it).
engine::CommandSpec ShardChannelSpec(SpecBuilder builder, int last, int spec_last) {
  engine::CommandSpec spec =
      Unlocked(builder.Keys(1, last, 1).KeySpecs({RangeKeys("not_key", 1, spec_last)}).Build());
  spec.keys_fn = NoKeys;
  return spec;
}

}  // namespace

// Metadata: Redis 7.0.15's COMMAND INFO / COMMAND DOCS.
void RegisterPubSubCommands(engine::CommandRegistry& registry) {
  constexpr std::string_view kSubFlags = "pubsub noscript loading stale";
  constexpr std::string_view kSlowAcl = "@pubsub @slow";
  registry.Add(
      Unlocked(SpecBuilder("subscribe", -2)
                   .Flags(kSubFlags)
                   .Acl(kSlowAcl)
                   .Docs("pubsub", "2.0.0", "Listen for messages published to the given channels",
                         "O(N) where N is the number of channels to subscribe to.")
                   .Coordinator(Subscribe)
                   .Build()));
  registry.Add(Unlocked(
      SpecBuilder("unsubscribe", -1)
          .Flags(kSubFlags)
          .Acl(kSlowAcl)
          .Docs("pubsub", "2.0.0", "Stop listening for messages posted to the given channels",
                "O(N) where N is the number of clients already subscribed to a channel.")
          .Coordinator(Unsubscribe)
          .Build()));
  registry.Add(Unlocked(
      SpecBuilder("psubscribe", -2)
          .Flags(kSubFlags)
          .Acl(kSlowAcl)
          .Docs("pubsub", "2.0.0",
                "Listen for messages published to channels matching the given patterns",
                "O(N) where N is the number of patterns the client is already subscribed to.")
          .Coordinator(PSubscribe)
          .Build()));
  registry.Add(Unlocked(
      SpecBuilder("punsubscribe", -1)
          .Flags(kSubFlags)
          .Acl(kSlowAcl)
          .Docs("pubsub", "2.0.0",
                "Stop listening for messages posted to channels matching the given patterns",
                "O(N+M) where N is the number of patterns the client is already subscribed and "
                "M is the number of total patterns subscribed in the system (by any client).")
          .Coordinator(PUnsubscribe)
          .Build()));
  registry.Add(Unlocked(
      SpecBuilder("publish", 3)
          .Flags("pubsub loading stale fast")
          .Acl("@pubsub @fast")
          .Docs("pubsub", "2.0.0", "Post a message to a channel",
                "O(N+M) where N is the number of clients subscribed to the receiving channel and "
                "M is the total number of subscribed patterns (by any client).")
          .Coordinator(Publish)
          .Build()));
  registry.Add(ShardChannelSpec(
      SpecBuilder("ssubscribe", -2)
          .Flags(kSubFlags)
          .Acl(kSlowAcl)
          .Docs("pubsub", "7.0.0", "Listen for messages published to the given shard channels",
                "O(N) where N is the number of shard channels to subscribe to.")
          .Coordinator(SSubscribe),
      -1, -1));
  registry.Add(ShardChannelSpec(
      SpecBuilder("sunsubscribe", -1)
          .Flags(kSubFlags)
          .Acl(kSlowAcl)
          .Docs("pubsub", "7.0.0", "Stop listening for messages posted to the given shard channels",
                "O(N) where N is the number of clients already subscribed to a shard channel.")
          .Coordinator(SUnsubscribe),
      -1, -1));
  registry.Add(ShardChannelSpec(
      SpecBuilder("spublish", 3)
          .Flags("pubsub loading stale fast")
          .Acl("@pubsub @fast")
          .Docs("pubsub", "7.0.0", "Post a message to a shard channel",
                "O(N) where N is the number of clients subscribed to the receiving shard channel.")
          .Coordinator(SPublish),
      1, 0));

  constexpr std::string_view kIntrospectFlags = "pubsub loading stale";
  auto sub = [&](std::string_view name, int arity, std::string_view since, std::string_view summary,
                 std::string_view complexity, void (*fn)(CommandCall&)) {
    return Unlocked(SpecBuilder(name, arity)
                        .Flags(kIntrospectFlags)
                        .Acl(kSlowAcl)
                        .Docs("pubsub", since, summary, complexity)
                        .Coordinator(fn)
                        .Build());
  };
  // Subcommands in the order redis-server 7.0.15's COMMAND INFO lists them.
  registry.Add(
      SpecBuilder("pubsub", -2)
          .Acl("@slow")
          .Docs("pubsub", "2.8.0", "A container for Pub/Sub commands", "Depends on subcommand.")
          .Sub(Unlocked(SpecBuilder("help", 2)
                            .Flags("loading stale")
                            .Acl("@slow")
                            .Docs("pubsub", "6.2.0",
                                  "Show helpful text about the different subcommands", "O(1)")
                            .Coordinator(PubSubHelp)
                            .Build()))
          .Sub(sub("numpat", 2, "2.8.0", "Get the count of unique patterns pattern subscriptions",
                   "O(1)", PubSubNumPat))
          .Sub(sub("numsub", -2, "2.8.0", "Get the count of subscribers for channels",
                   "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
                   PubSubNumSub))
          .Sub(sub("channels", -2, "2.8.0", "List active channels",
                   "O(N) where N is the number of active channels, and assuming constant time "
                   "pattern matching (relatively short channels and patterns)",
                   PubSubChannels))
          .Sub(sub("shardnumsub", -2, "7.0.0", "Get the count of subscribers for shard channels",
                   "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested "
                   "shard channels",
                   PubSubShardNumSub))
          .Sub(sub("shardchannels", -2, "7.0.0", "List active shard channels",
                   "O(N) where N is the number of active shard channels, and assuming constant "
                   "time pattern matching (relatively short shard channels).",
                   PubSubShardChannels))
          .Build());
}

}  // namespace tessera::commands
