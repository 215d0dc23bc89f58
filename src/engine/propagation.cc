#include "src/engine/propagation.h"

#include <cctype>
#include <cstdint>

#include "protocol/reply_builder.h"
#include "protocol/resp_reader.h"
#include "src/engine/op_context.h"
#include "storage/db_table.h"
#include "storage/entry.h"
#include "storage/hash_value.h"

namespace tessera::engine {

namespace {

bool Is(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != lower[i]) return false;
  }
  return true;
}

std::string Command(const std::vector<std::string_view>& args) {
  std::string out;
  AppendCommand(&out, args);
  return out;
}

// The reply, decoded; null if it is not one complete value.
bool DecodeReply(std::string_view reply, protocol::RespValue* value) {
  protocol::RespReader reader;
  reader.Feed(reply);
  return reader.Next(value) == protocol::RespReader::Status::kValue;
}

// After the op: the key's deadline as a PEXPIREAT/PERSIST/DEL record.
std::string ExpiryRecord(std::string_view key, OpContext& ctx) {
  storage::DbTable& db = ctx.db();
  const storage::Entry* e = db.FindRaw(key);
  if (e == nullptr) return Command({"DEL", key});
  const int64_t at = db.GetExpire(e);
  if (at == storage::kNoExpire) return Command({"PERSIST", key});
  const std::string ms = std::to_string(at);
  return Command({"PEXPIREAT", key, ms});
}

// SET with EX/PX/EXAT (or SETEX/PSETEX): the same SET with the deadline it produced.
std::string SetRecord(const protocol::CommandArgs& args, OpContext& ctx, bool setex) {
  const std::string_view key = args[1];
  const storage::Entry* e = ctx.db().FindRaw(key);
  const int64_t at = e == nullptr ? storage::kNoExpire : ctx.db().GetExpire(e);
  std::vector<std::string_view> out = {"SET", key, setex ? args[3] : args[2]};
  if (!setex) {
    for (size_t i = 3; i < args.size(); ++i) {
      if (Is(args[i], "ex") || Is(args[i], "px") || Is(args[i], "exat") || Is(args[i], "pxat")) {
        ++i;  // the relative (or absolute) time is replaced below
        continue;
      }
      out.push_back(args[i]);
    }
  }
  const std::string ms = std::to_string(at);
  if (at != storage::kNoExpire) {
    out.push_back("PXAT");
    out.push_back(ms);
  }
  return Command(out);
}

bool HasRelativeOrAbsoluteTtl(const protocol::CommandArgs& args, size_t from) {
  for (size_t i = from; i < args.size(); ++i) {
    if (Is(args[i], "ex") || Is(args[i], "px") || Is(args[i], "exat") || Is(args[i], "pxat") ||
        Is(args[i], "persist"))
      return true;
  }
  return false;
}

}  // namespace

// A command is an array of bulk strings, which is what ReplyBuilder writes in RESP2.
void AppendCommand(std::string* out, const std::vector<std::string_view>& args) {
  protocol::ReplyBuilder resp(out, protocol::RespVersion::kResp2);
  resp.Array(args.size());
  for (std::string_view a : args) resp.Bulk(a);
}

void AppendCommand(std::string* out, const protocol::CommandArgs& args) {
  protocol::ReplyBuilder resp(out, protocol::RespVersion::kResp2);
  resp.Array(args.size());
  for (size_t i = 0; i < args.size(); ++i) resp.Bulk(args[i]);
}

std::string ShardRecord(const CommandSpec& spec, const protocol::CommandArgs& args, OpContext& ctx,
                        std::string_view reply) {
  const std::string& name = spec.name;
  if (name == "set") {
    if (HasRelativeOrAbsoluteTtl(args, 3)) return SetRecord(args, ctx, false);
  } else if (name == "setex" || name == "psetex") {
    return SetRecord(args, ctx, true);
  } else if (name == "expire" || name == "pexpire" || name == "expireat" || name == "pexpireat" ||
             name == "getex") {
    return ExpiryRecord(args[1], ctx);
  } else if (name == "incrbyfloat") {
    const storage::Entry* e = ctx.db().FindRaw(args[1]);
    if (e == nullptr) return {};
    const std::string value = e->StringCopy();
    return Command({"SET", args[1], value, "KEEPTTL"});
  } else if (name == "hincrbyfloat") {
    const storage::Entry* e = ctx.db().FindRaw(args[1]);
    std::string value;
    if (e == nullptr || e->type() != storage::ValueType::kHash ||
        !static_cast<const storage::HashValue*>(e->object())->Get(args[2], &value))
      return {};
    return Command({"HSET", args[1], args[2], value});
  } else if (name == "spop") {
    protocol::RespValue v;
    if (!DecodeReply(reply, &v)) return {};
    std::vector<std::string_view> out = {"SREM", args[1]};
    if (v.type == protocol::RespValue::Type::kBulk) {
      out.push_back(v.str);
    } else {
      for (const protocol::RespValue& m : v.elems) out.push_back(m.str);
    }
    if (out.size() == 2) return {};
    return Command(out);
  }
  std::string out;
  AppendCommand(&out, args);
  return out;
}

std::string CoordinatorRecord(const CommandSpec& spec, const protocol::CommandArgs& args,
                              std::string_view reply) {
  if (!spec.Has(kCmdWrite) || reply.empty() || reply[0] == '-') return {};
  if (!spec.Has(kCmdBlocking)) {
    std::string out;
    AppendCommand(&out, args);
    return out;
  }
  // A blocking command answered without blocking (or inside EXEC): its non-blocking form, for
  // the key the reply names.
  protocol::RespValue v;
  if (!DecodeReply(reply, &v) || v.type == protocol::RespValue::Type::kNull) return {};
  const std::string& name = spec.name;
  if (name == "blpop" || name == "brpop") {
    if (v.elems.size() != 2) return {};
    return Command({name == "blpop" ? "LPOP" : "RPOP", v.elems[0].str});
  }
  if (name == "bzpopmin" || name == "bzpopmax") {
    if (v.elems.empty()) return {};
    return Command({name == "bzpopmin" ? "ZPOPMIN" : "ZPOPMAX", v.elems[0].str});
  }
  if (name == "brpoplpush") return Command({"RPOPLPUSH", args[1], args[2]});
  if (name == "blmove") return Command({"LMOVE", args[1], args[2], args[3], args[4]});
  if (name == "blmpop" || name == "bzmpop") {
    // BLMPOP timeout numkeys key... LEFT|RIGHT [COUNT n]: the direction follows the keys.
    if (v.elems.size() != 2) return {};
    int64_t numkeys = 0;
    try {
      numkeys = std::stoll(std::string(args[2]));
    } catch (...) {
      return {};
    }
    const size_t where = 3 + static_cast<size_t>(numkeys);
    if (where >= args.size()) return {};
    const std::string count = std::to_string(v.elems[1].elems.size());
    return Command(
        {name == "blmpop" ? "LMPOP" : "ZMPOP", "1", v.elems[0].str, args[where], "COUNT", count});
  }
  return {};
}

}  // namespace tessera::engine
