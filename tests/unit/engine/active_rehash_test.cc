// Redis's activerehashing: a key table left half-migrated by a burst of inserts is finished by
// the shard's cron tick, without further commands.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "src/commands/register.h"
#include "src/engine/command_registry.h"
#include "src/engine/op_context.h"
#include "storage/db_table.h"
#include "tests/unit/harness/test_server.h"

namespace tessera::engine {
namespace {

// Whether the client's database on its own shard is being rehashed. Keyless: it touches no key,
// so it moves no bucket itself.
void Register(CommandRegistry& r) {
  commands::RegisterAll(r);
  CommandSpec s;
  s.name = "trehashing";
  s.arity = 1;
  s.on_shard = [](OpContext& ctx, const protocol::CommandArgs&, protocol::ReplyBuilder& reply) {
    reply.Integer(ctx.db().key_table().rehashing() ? 1 : 0);
  };
  r.Add(std::move(s));
}

TEST(ActiveRehashTest, AHalfMigratedTableIsFinishedWithoutCommands) {
  testing::TestServer server{1, Register};
  auto client = server.Connect(0);
  // Insert until a growth is left in progress (each insert moves one bucket; a doubling needs
  // about as many inserts as the table held).
  int keys = 0;
  while (client->Call({"trehashing"}).integer == 0) {
    ASSERT_LT(keys, 500'000) << "no insert batch ever ended mid-rehash";
    std::vector<std::vector<std::string>> batch;
    for (int i = 0; i < 1000; ++i, ++keys)
      batch.push_back({"SET", "k" + std::to_string(keys), "v"});
    client->Pipeline(batch);
  }
  // No more commands that touch keys: only the cron tick (hz 10) can finish it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int64_t rehashing = 1;
  while (rehashing != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling interval
    rehashing = client->Call({"trehashing"}).integer;
  }
  EXPECT_EQ(rehashing, 0) << "after " << keys << " inserts, the rehash never finished";
  EXPECT_EQ(client->Call({"DBSIZE"}).integer, keys);
  EXPECT_EQ(client->Call({"GET", "k0"}).str, "v");
  EXPECT_EQ(client->Call({"GET", "k" + std::to_string(keys - 1)}).str, "v");
}

}  // namespace
}  // namespace tessera::engine
