// A stand-in collection value for command tests that need a key of another type (WRONGTYPE
// paths, TYPE, SCAN TYPE, COPY of a collection) before the collection families exist.
//
// FakeValuesRegistrar() registers every family plus "test.mkobj <key> <list|hash|set|zset>",
// which stores an empty fake collection of that type under <key> (dropping any TTL).
#pragma once

#include <cstring>
#include <memory>
#include <string_view>

#include "src/commands/register.h"
#include "src/engine/command_registry.h"
#include "src/engine/op_context.h"
#include "storage/db_table.h"
#include "storage/value.h"

namespace tessera::commands::fake {

class FakeObject final : public storage::StoredObject {
 public:
  const char* EncodingName() const override { return "listpack"; }
  std::unique_ptr<storage::StoredObject> Clone() const override {
    return std::make_unique<FakeObject>();
  }
  size_t MemoryUsage() const override { return sizeof(*this); }
};

inline void MakeFakeObject(engine::OpContext& ctx, const protocol::CommandArgs& args,
                           protocol::ReplyBuilder& reply) {
  storage::ValueType type = storage::ValueType::kHash;
  if (args[2] == "list") type = storage::ValueType::kList;
  if (args[2] == "set") type = storage::ValueType::kSet;
  if (args[2] == "zset") type = storage::ValueType::kZSet;
  ctx.db().Upsert(args[1], storage::ValueInit::Object(type, std::make_unique<FakeObject>()),
                  /*keep_ttl=*/false, ctx.now_ms());
  reply.Ok();
}

inline void FakeValuesRegistrar(engine::CommandRegistry& registry) {
  RegisterAll(registry);
  engine::CommandSpec spec;
  spec.name = "test.mkobj";
  spec.arity = 3;
  spec.flags = "write";
  spec.first_key = 1;
  spec.last_key = 1;
  spec.key_step = 1;
  spec.on_shard = MakeFakeObject;
  registry.Add(std::move(spec));
}

}  // namespace tessera::commands::fake
