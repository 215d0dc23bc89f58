// Engine routing, hops, ordering, fan-out and barriers, driven through commands defined here
// so the machinery is tested apart from any command family.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "src/engine/command_call.h"
#include "src/engine/command_registry.h"
#include "src/engine/key_to_shard.h"
#include "src/engine/op_context.h"
#include "src/engine/shard.h"
#include "storage/db_table.h"
#include "tests/unit/harness/test_server.h"

namespace tessera::engine {
namespace {

using protocol::RespValue;

void TSet(OpContext& ctx, const protocol::CommandArgs& args, protocol::ReplyBuilder& reply) {
  ctx.db().Upsert(args[1], storage::ValueInit::String(args[2]), false, ctx.now_ms());
  if (args.size() == 4) {
    storage::Entry* e = ctx.db().FindLive(args[1], ctx.now_ms());
    ctx.db().SetExpire(e, ctx.now_ms() + std::stoll(std::string(args[3])));
  }
  reply.Ok();
}

void TGet(OpContext& ctx, const protocol::CommandArgs& args, protocol::ReplyBuilder& reply) {
  storage::Entry* e = ctx.db().FindLive(args[1], ctx.now_ms());
  if (e == nullptr) {
    reply.Null();
  } else {
    reply.Bulk(e->StringCopy());
  }
}

void TLent(OpContext& ctx, const protocol::CommandArgs&, protocol::ReplyBuilder& reply) {
  reply.Integer(static_cast<int64_t>(ctx.shard().lent_commands()));
}

void TWhere(OpContext& ctx, const protocol::CommandArgs&, protocol::ReplyBuilder& reply) {
  reply.Integer(ctx.shard_id());
}

// Fan-out read of many keys, merged back into argument order.
void TMGet(CommandCall& call) {
  auto by_shard = std::make_shared<std::vector<std::vector<uint32_t>>>(call.KeyPositionsByShard());
  auto values = std::make_shared<std::vector<std::unique_ptr<std::string>>>(call.args().size());
  std::vector<ShardId> shards;
  for (ShardId s = 0; s < by_shard->size(); ++s) {
    if (!(*by_shard)[s].empty()) shards.push_back(s);
  }
  const protocol::CommandArgs* args = &call.args();
  call.RunOnShards(
      shards,
      [by_shard, values, args](OpContext& ctx) {
        for (uint32_t pos : (*by_shard)[ctx.shard_id()]) {
          storage::Entry* e = ctx.db().FindLive((*args)[pos], ctx.now_ms());
          if (e) (*values)[pos] = std::make_unique<std::string>(e->StringCopy());
        }
      },
      [values](CommandCall& c) {
        c.reply().Array(values->size() - 1);
        for (size_t i = 1; i < values->size(); ++i) {
          if ((*values)[i]) {
            c.reply().Bulk(*(*values)[i]);
          } else {
            c.reply().Null();
          }
        }
      });
}

void TDbSize(CommandCall& call) {
  auto sizes = std::make_shared<std::vector<size_t>>(call.shard_count());
  call.RunOnAllShards([sizes](OpContext& ctx) { (*sizes)[ctx.shard_id()] = ctx.db().size(); },
                      [sizes](CommandCall& c) {
                        size_t total = 0;
                        for (size_t s : *sizes) total += s;
                        c.reply().Integer(static_cast<int64_t>(total));
                      });
}

// Two dependent steps (take from src's shard, then put on dst's shard): later pipelined
// commands must not overtake the second step.
void TMove(CommandCall& call) {
  auto taken = std::make_shared<storage::DetachedEntry>();
  std::string src(call.args()[1]);
  std::string dst(call.args()[2]);
  call.RunOnShard(
      call.ShardOf(src),
      [taken, src](OpContext& ctx) {
        storage::Entry* e = ctx.db().FindLive(src, ctx.now_ms());
        if (e) *taken = ctx.db().Extract(e);
      },
      [taken, dst](CommandCall& c) {
        if (!*taken) {
          c.reply().Integer(0);
          return;
        }
        c.RunOnShard(
            c.ShardOf(dst),
            [taken, dst](OpContext& ctx) {
              ctx.db().EraseKey(dst);
              ctx.db().InsertAs(std::move(*taken), dst);
            },
            [](CommandCall& c2) { c2.reply().Integer(1); });
      });
}

// Fan-out write of key/value pairs, one step per shard.
void TMSet(CommandCall& call) {
  auto by_shard = std::make_shared<std::vector<std::vector<uint32_t>>>(call.KeyPositionsByShard());
  std::vector<ShardId> shards;
  for (ShardId s = 0; s < by_shard->size(); ++s) {
    if (!(*by_shard)[s].empty()) shards.push_back(s);
  }
  const protocol::CommandArgs* args = &call.args();
  call.RunOnShards(
      shards,
      [by_shard, args](OpContext& ctx) {
        for (uint32_t pos : (*by_shard)[ctx.shard_id()]) {
          ctx.db().Upsert((*args)[pos], storage::ValueInit::String((*args)[pos + 1]), false,
                          ctx.now_ms());
        }
      },
      [](CommandCall& c) { c.reply().Ok(); });
}

void RegisterTestCommands(CommandRegistry& r) {
  auto add = [&r](std::string name, int arity, int first, int last, ShardFn on_shard,
                  CoordinatorFn coord) {
    CommandSpec s;
    s.name = std::move(name);
    s.arity = arity;
    s.first_key = first;
    s.last_key = last;
    s.key_step = first > 0 ? 1 : 0;
    s.on_shard = on_shard;
    s.on_coordinator = std::move(coord);
    r.Add(std::move(s));
  };
  add("tset", -3, 1, 1, TSet, nullptr);
  add("tget", 2, 1, 1, TGet, nullptr);
  add("twhere", 2, 1, 1, TWhere, nullptr);
  add("tlent", 1, 0, 0, TLent, nullptr);  // keyless: runs on the client's own shard
  add("tmget", -2, 1, -1, nullptr, TMGet);
  add("tdbsize", 1, 0, 0, nullptr, TDbSize);
  add("tmove", 3, 1, 2, nullptr, TMove);
  add("tmset", -3, 1, -1, nullptr, TMSet);
  // The same fan-outs with their steps run in the hops that grant the locks.
  add("tmset-at-lock", -3, 1, -1, nullptr, TMSet);
  add("tmget-at-lock", -2, 1, -1, nullptr, TMGet);
  // Key steps of 2 and the write flag are what the lock plan reads.
  for (const CommandSpec* spec : r.all()) {
    auto* s = const_cast<CommandSpec*>(spec);
    if (s->name == "tmset" || s->name == "tmset-at-lock") {
      s->key_step = 2;
      s->flag_bits |= kCmdWrite;
    }
    if (s->name.ends_with("-at-lock")) s->steps_at_lock = true;
    if (s->name == "tset" || s->name == "tmove") s->flag_bits |= kCmdWrite;
  }
}

class EngineTest : public ::testing::Test {
 protected:
  testing::TestServer server_{2, RegisterTestCommands};
};

TEST_F(EngineTest, KeysRunOnTheShardTheirSlotMapsTo) {
  auto client = server_.Connect(0);
  for (int i = 0; i < 50; ++i) {
    std::string key = "k" + std::to_string(i);
    RespValue v = client->Call({"twhere", key});
    EXPECT_EQ(v.integer, KeyToShard(key, 2)) << key;
  }
  // Hash tags co-locate keys.
  EXPECT_EQ(client->Call({"twhere", "{user:42}:cart"}).integer,
            client->Call({"twhere", "{user:42}:profile"}).integer);
}

TEST_F(EngineTest, PipelineAcrossShardsKeepsRequestOrder) {
  auto client = server_.Connect(1);
  std::vector<std::vector<std::string>> cmds;
  for (int i = 0; i < 2000; ++i) {
    std::string key = "key" + std::to_string(i % 97);
    cmds.push_back({"tset", key, std::to_string(i)});
    cmds.push_back({"tget", key});
  }
  std::vector<RespValue> replies = client->Pipeline(cmds);
  ASSERT_EQ(replies.size(), cmds.size());
  for (size_t i = 0; i < cmds.size(); i += 2) {
    EXPECT_EQ(replies[i].str, "OK");
    EXPECT_EQ(replies[i + 1].str, cmds[i][2]) << "reply " << i + 1;
  }
}

TEST_F(EngineTest, FanOutMergesInArgumentOrder) {
  auto client = server_.Connect(0);
  std::string a = server_.KeyOnShard(0, "a");
  std::string b = server_.KeyOnShard(1, "b");
  client->Call({"tset", a, "va"});
  client->Call({"tset", b, "vb"});
  RespValue v = client->Call({"tmget", b, "missing", a, b});
  ASSERT_EQ(v.elems.size(), 4u);
  EXPECT_EQ(v.elems[0].str, "vb");
  EXPECT_EQ(v.elems[1].type, RespValue::Type::kNull);
  EXPECT_EQ(v.elems[2].str, "va");
  EXPECT_EQ(v.elems[3].str, "vb");
  EXPECT_EQ(client->Call({"tdbsize"}).integer, 2);
}

TEST_F(EngineTest, LaterCommandsWaitForAMultiStepCommand) {
  auto client = server_.Connect(0);
  std::string src = server_.KeyOnShard(0, "src");
  std::string dst = server_.KeyOnShard(1, "dst");
  for (int round = 0; round < 50; ++round) {
    std::string value = "v" + std::to_string(round);
    std::vector<RespValue> r =
        client->Pipeline({{"tset", src, value}, {"tmove", src, dst}, {"tget", dst}, {"tget", src}});
    ASSERT_EQ(r[1].integer, 1);
    EXPECT_EQ(r[2].str, value) << "round " << round;
    EXPECT_EQ(r[3].type, RespValue::Type::kNull);
  }
}

TEST_F(EngineTest, ExpiredKeysVanishLazilyAndActively) {
  auto client = server_.Connect(0);
  std::string lazy = server_.KeyOnShard(1, "lazy");
  client->Call({"tset", lazy, "v", "1000"});
  for (int i = 0; i < 20; ++i) client->Call({"tset", "active" + std::to_string(i), "v", "500"});
  client->Call({"tset", "forever", "v"});
  EXPECT_EQ(client->Call({"tget", lazy}).str, "v");
  server_.clock().AdvanceMs(1001);
  EXPECT_EQ(client->Call({"tget", lazy}).type, RespValue::Type::kNull);
  // The active cycle runs every 100 ms of real time and reads the manual clock: poll for it.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int64_t size = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    size = client->Call({"tdbsize"}).integer;
    if (size == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(size, 1);
}

// Fan-out writes (`mset`) racing fan-out reads (`mget`) and plain reads of the same keys.
void ExpectCrossShardWritesNeverSeenHalfDone(testing::TestServer& server, const std::string& mset,
                                             const std::string& mget) {
  std::vector<std::string> keys;
  for (int s = 0; s < 2; ++s) {
    for (int i = 0; i < 4; ++i)
      keys.push_back(server.KeyOnShard(s, "acct" + std::to_string(i) + ":"));
  }
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto client = server.Connect(0);
    for (int round = 0; round < 400; ++round) {
      std::vector<std::string> cmd = {mset};
      for (const std::string& k : keys) {
        cmd.push_back(k);
        cmd.push_back(std::to_string(round));
      }
      client->Call(cmd);
    }
    stop = true;
  });
  // Plain single-key writes on the same keys interleave with the transactions.
  std::thread plain([&] {
    auto client = server.Connect(1);
    while (!stop) client->Call({"tget", keys[0]});
  });
  auto reader = server.Connect(1);
  int checked = 0;
  while (!stop) {
    std::vector<std::string> cmd = {mget};
    cmd.insert(cmd.end(), keys.begin(), keys.end());
    RespValue v = reader->Call(cmd);
    ASSERT_EQ(v.elems.size(), keys.size());
    for (const RespValue& e : v.elems) {
      ASSERT_EQ(e.str, v.elems[0].str) << "an MGET saw half of an MSET";
    }
    ++checked;
  }
  writer.join();
  plain.join();
  EXPECT_GT(checked, 0);
}

TEST_F(EngineTest, CrossShardWritesAreNeverSeenHalfDone) {
  ExpectCrossShardWritesNeverSeenHalfDone(server_, "tmset", "tmget");
}

// Steps that run as each shard grants its locks (CommandSpec::steps_at_lock): a shard's part is
// written before the next shard is locked, and must still never be seen alone.
TEST_F(EngineTest, StepsRunAtLockAreNeverSeenHalfDone) {
  ExpectCrossShardWritesNeverSeenHalfDone(server_, "tmset-at-lock", "tmget-at-lock");
  ExpectCrossShardWritesNeverSeenHalfDone(server_, "tmset-at-lock", "tmget");
  ExpectCrossShardWritesNeverSeenHalfDone(server_, "tmset", "tmget-at-lock");
}

TEST_F(EngineTest, StepsRunAtLockKeepPipelineOrder) {
  auto client = server_.Connect(1);
  std::string a = server_.KeyOnShard(0, "a");
  std::string b = server_.KeyOnShard(1, "b");
  for (int round = 0; round < 50; ++round) {
    const std::string v = std::to_string(round);
    std::vector<RespValue> r = client->Pipeline({{"tset", a, "old"},
                                                 {"tmset-at-lock", a, v, b, v},
                                                 {"tget", a},
                                                 {"tmget-at-lock", b, a},
                                                 {"tset", b, "new"},
                                                 {"tmget-at-lock", a, b}});
    ASSERT_EQ(r.size(), 6u);
    EXPECT_EQ(r[1].str, "OK");
    EXPECT_EQ(r[2].str, v);
    ASSERT_EQ(r[3].elems.size(), 2u);
    EXPECT_EQ(r[3].elems[0].str, v);
    EXPECT_EQ(r[3].elems[1].str, v);
    ASSERT_EQ(r[5].elems.size(), 2u);
    EXPECT_EQ(r[5].elems[0].str, v);
    EXPECT_EQ(r[5].elems[1].str, "new");
  }
}

// A pipelined steps-at-lock call may start while an earlier one of its client still runs, if it
// locks exactly the same shards (Engine::JoinsBarrier); one locking other shards must wait. Two
// clients contend on shared keys so that lock requests queue, and each checks that its own
// writes and reads happen in its pipeline order.
// A command for an idle shard runs on the client's own loop, borrowing the shard's (no hop):
// sequential reads of another shard's key from an otherwise idle server get borrowed. Not every
// one: a read arriving while shard 1's loop is still finishing its previous iteration hops.
TEST_F(EngineTest, CommandsForAnIdleShardBorrowIt) {
  auto client = server_.Connect(0);
  auto owner = server_.Connect(1);
  const std::string key = server_.KeyOnShard(1);
  EXPECT_EQ(client->Call({"tset", key, "v"}).str, "OK");
  const int64_t before = owner->Call({"tlent"}).integer;
  int64_t lent = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (lent < 20 && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 50; ++i) ASSERT_EQ(client->Call({"tget", key}).str, "v");
    lent = owner->Call({"tlent"}).integer - before;
  }
  EXPECT_GE(lent, 20);
}

// A borrowable command must not overtake an earlier command of its client still on its way to
// the same shard: here a one-shard fan-out (shipped there by hop, never borrowed) followed by a
// read that could borrow the idle shard.
TEST_F(EngineTest, ABorrowedCommandWaitsForItsClientsEarlierHop) {
  auto client = server_.Connect(0);
  const std::string key = server_.KeyOnShard(1);
  for (int round = 0; round < 200; ++round) {
    const std::string value = std::to_string(round);
    std::vector<RespValue> r = client->Pipeline({{"tmset", key, value}, {"tget", key}});
    ASSERT_EQ(r.size(), 2u);
    ASSERT_EQ(r[1].str, value) << "round " << round;
  }
}

TEST(EngineJoinTest, OverlappingStepsAtLockCallsKeepPipelineOrder) {
  testing::TestServer server{3, RegisterTestCommands};
  std::vector<std::string> hot;
  for (int s = 0; s < 3; ++s) hot.push_back(server.KeyOnShard(s, "hot"));
  auto run = [&](int loop) {
    auto client = server.Connect(loop);
    const std::string tag = "c" + std::to_string(loop);
    std::vector<std::string> x;
    for (int s = 0; s < 3; ++s) x.push_back(server.KeyOnShard(s, tag + "x"));
    for (int round = 0; round < 200; ++round) {
      const std::string v1 = std::to_string(round) + "a";
      const std::string v2 = std::to_string(round) + "b";
      const std::string v3 = std::to_string(round) + "c";
      std::vector<RespValue> r = client->Pipeline({
          {"tmset-at-lock", x[0], v1, x[1], v1, hot[0], tag, hot[1], tag},  // shards 0, 1
          {"tmget-at-lock", x[0], x[1]},                                    // joins: 0, 1
          {"tmset-at-lock", x[1], v2, x[2], v2, hot[2], tag},               // 1, 2: waits
          {"tmget-at-lock", x[0], x[1], x[2]},                              // 0, 1, 2
          {"tmset-at-lock", x[0], v3, x[1], v3, hot[1], tag},               // 0, 1
          {"tmset-at-lock", x[1], v1, x[0], v1},                            // joins
          {"tmget-at-lock", x[1], x[0]},                                    // joins
          {"tget", x[1]},
      });
      ASSERT_EQ(r.size(), 8u);
      ASSERT_EQ(r[1].elems.size(), 2u);
      EXPECT_EQ(r[1].elems[0].str, v1) << "round " << round;
      EXPECT_EQ(r[1].elems[1].str, v1) << "round " << round;
      ASSERT_EQ(r[3].elems.size(), 3u);
      EXPECT_EQ(r[3].elems[0].str, v1) << "round " << round;
      EXPECT_EQ(r[3].elems[1].str, v2) << "round " << round;
      EXPECT_EQ(r[3].elems[2].str, v2) << "round " << round;
      ASSERT_EQ(r[6].elems.size(), 2u);
      EXPECT_EQ(r[6].elems[0].str, v1) << "round " << round;
      EXPECT_EQ(r[6].elems[1].str, v1) << "round " << round;
      EXPECT_EQ(r[7].str, v1) << "round " << round;
    }
  };
  std::thread other([&] { run(1); });
  std::thread third([&] { run(2); });
  run(0);
  other.join();
  third.join();
}

}  // namespace
}  // namespace tessera::engine
