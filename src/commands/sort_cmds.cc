// SORT and SORT_RO over lists, sets and sorted sets, with Redis 7.0.15's options (BY incl.
// "nosort"-style constant patterns, GET incl. "#" and hash fields "->", LIMIT, ASC/DESC, ALPHA,
// STORE), reply shapes, errors and events ("sortstore" on the destination, "del" when an empty
// result replaces it).
//
// The command runs on the coordinator: one step reads the elements on the source key's shard,
// BY and GET patterns are then looked up on the shards owning the keys they name (one step per
// round, each shard answering for its own keys), the sort runs on the coordinator, and STORE
// writes the list with a last step. The keys BY and GET name are only known from the data, so
// the command locks whole shards (lock_scope kAllShards) to stay isolated like Redis's SORT.
//
// Redis quirks kept on purpose: a sorted set in the packed encoding is converted to "skiplist"
// by SORT (even SORT_RO, even when the sort then fails); a set sorted without sorting into a
// STORE is sorted ALPHA so that the stored order is deterministic; numeric sorting of a BY key
// that does not exist uses 0; ties are broken by the element's bytes.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/commands/arg_parse.h"
#include "src/commands/register.h"
#include "src/commands/spec_builder.h"
#include "src/engine/command_call.h"
#include "src/engine/op_context.h"
#include "storage/db_table.h"
#include "storage/hash_value.h"
#include "storage/list_value.h"
#include "storage/set_value.h"
#include "storage/zset_value.h"

namespace tessera::commands {
namespace {

using engine::CommandCall;
using engine::OpContext;
using engine::ShardId;
using protocol::CommandArgs;
using protocol::ReplyBuilder;

struct SortOptions {
  bool desc = false;
  bool alpha = false;
  int64_t limit_start = 0;
  int64_t limit_count = -1;
  std::optional<std::string_view> by;
  bool dontsort = false;  // BY a pattern without '*': keep the collection's order
  std::vector<std::string_view> gets;
  std::optional<std::string_view> store;
};

// The C-string prefix of an argument: what Redis's strchr/strstr see of it.
std::string_view CString(std::string_view s) { return s.substr(0, s.find('\0')); }

bool ParseSortOrReply(const CommandArgs& args, bool readonly, ReplyBuilder& reply,
                      SortOptions* out) {
  for (size_t j = 2; j < args.size(); ++j) {
    std::string_view opt = args[j];
    const size_t left = args.size() - j - 1;
    if (EqualsIgnoreCase(opt, "asc")) {
      out->desc = false;
    } else if (EqualsIgnoreCase(opt, "desc")) {
      out->desc = true;
    } else if (EqualsIgnoreCase(opt, "alpha")) {
      out->alpha = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      if (!Int64OrReply(args[j + 1], reply, &out->limit_start) ||
          !Int64OrReply(args[j + 2], reply, &out->limit_count)) {
        return false;
      }
      j += 2;
    } else if (!readonly && EqualsIgnoreCase(opt, "store") && left >= 1) {
      out->store = args[++j];
    } else if (EqualsIgnoreCase(opt, "by") && left >= 1) {
      out->by = args[++j];
      // A later BY replaces an earlier one, but "dontsort" sticks once set (Redis's flag).
      if (CString(*out->by).find('*') == std::string_view::npos) out->dontsort = true;
    } else if (EqualsIgnoreCase(opt, "get") && left >= 1) {
      out->gets.push_back(args[++j]);
    } else {
      reply.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

// SORT ... STORE dst: the source key and the last STORE's destination (Redis's sortGetKeys,
// which skips the arguments of LIMIT, GET and BY).
std::vector<uint32_t> SortKeys(const CommandArgs& args) {
  std::vector<uint32_t> keys = {1};
  std::optional<uint32_t> store;
  for (size_t i = 2; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (EqualsIgnoreCase(a, "limit")) {
      i += 2;
    } else if (EqualsIgnoreCase(a, "get") || EqualsIgnoreCase(a, "by")) {
      i += 1;
    } else if (EqualsIgnoreCase(a, "store") && i + 1 < args.size()) {
      store = static_cast<uint32_t>(i + 1);
    }
  }
  if (store) keys.push_back(*store);
  return keys;
}

// ---- Patterns: Redis's lookupKeyByPattern.

struct PatternKey {
  std::string key;
  std::optional<std::string> field;  // "->field": a hash field
};

bool IsHashPattern(std::string_view pattern) {
  return !pattern.empty() && pattern[0] == '#' && (pattern.size() == 1 || pattern[1] == '\0');
}

// The key (and hash field) `pattern` names for `element`; false when the pattern names none
// (no '*'), which reads as a missing value.
bool ExpandPattern(std::string_view pattern, std::string_view element, PatternKey* out) {
  const std::string_view c = CString(pattern);
  const size_t star = c.find('*');
  if (star == std::string_view::npos) return false;
  size_t field_len = 0;
  const size_t arrow = c.find("->", star + 1);
  if (arrow != std::string_view::npos && arrow + 2 < c.size()) {
    field_len = pattern.size() - arrow - 2;
    out->field = std::string(pattern.substr(arrow + 2, field_len));
  } else {
    out->field.reset();
  }
  const size_t postfix_len = pattern.size() - star - 1 - (field_len > 0 ? field_len + 2 : 0);
  out->key.assign(pattern.substr(0, star));
  out->key.append(element);
  out->key.append(pattern.substr(star + 1, postfix_len));
  return true;
}

// The value a pattern key stands for: a string's value, or a hash field's; nothing for a
// missing key, another type, or a missing field.
std::optional<std::string> ReadPatternKey(storage::DbTable& db, const PatternKey& pk,
                                          int64_t now_ms) {
  const storage::Entry* e = db.LookupRead(pk.key, now_ms);
  if (e == nullptr) return std::nullopt;
  if (pk.field) {
    if (e->type() != storage::ValueType::kHash) return std::nullopt;
    std::string value;
    if (!static_cast<const storage::HashValue*>(e->object())->Get(*pk.field, &value)) {
      return std::nullopt;
    }
    return value;
  }
  if (!e->is_string()) return std::nullopt;
  return e->StringCopy();
}

// A batch of pattern lookups, answered shard by shard: each shard fills the slots of the keys
// it owns.
struct Lookups {
  std::vector<PatternKey> keys;
  std::vector<std::optional<std::string>> values;
  std::map<std::pair<std::string, std::optional<std::string>>, size_t> index;

  // Slot of (key, field), added if new.
  size_t Add(PatternKey pk) {
    auto [it, inserted] = index.emplace(std::make_pair(pk.key, pk.field), keys.size());
    if (inserted) keys.push_back(std::move(pk));
    return it->second;
  }
};

void RunLookups(CommandCall& call, std::shared_ptr<Lookups> lookups,
                CommandCall::Continuation then) {
  lookups->values.assign(lookups->keys.size(), std::nullopt);
  std::vector<ShardId> shards;
  for (const PatternKey& pk : lookups->keys) {
    const ShardId s = call.ShardOf(pk.key);
    if (std::find(shards.begin(), shards.end(), s) == shards.end()) shards.push_back(s);
  }
  if (shards.empty()) {
    then(call);
    return;
  }
  call.RunOnShards(
      std::move(shards),
      [lookups](OpContext& ctx) {
        for (size_t i = 0; i < lookups->keys.size(); ++i) {
          const PatternKey& pk = lookups->keys[i];
          if (engine::KeyToShard(pk.key, ctx.shard_count()) != ctx.shard_id()) continue;
          lookups->values[i] = ReadPatternKey(ctx.db(), pk, ctx.now_ms());
        }
      },
      std::move(then));
}

// ---- The sort itself.

struct SortItem {
  std::string element;
  double score = 0;
  std::optional<std::string> cmp;  // ALPHA with BY: the BY value (none: sorts first)
};

struct SortState {
  SortOptions opt;
  bool wrong_type = false;
  bool is_set = false;
  std::vector<SortItem> items;
  int64_t start = 0;  // output range within items, inclusive
  int64_t end = -1;
  bool conversion_error = false;
  std::vector<std::vector<std::optional<std::string>>> gets;  // per output row, per GET
};

// Step on the source's shard: the elements in Redis's vector order and the output range.
void LoadSource(OpContext& ctx, std::string_view key, SortState* st) {
  storage::Entry* e = ctx.db().LookupRead(key, ctx.now_ms());
  const storage::ValueType type = e == nullptr ? storage::ValueType::kList : e->type();
  if (type != storage::ValueType::kList && type != storage::ValueType::kSet &&
      type != storage::ValueType::kZSet) {
    st->wrong_type = true;
    return;
  }
  SortOptions& opt = st->opt;
  st->is_set = type == storage::ValueType::kSet;
  if (opt.dontsort && st->is_set && opt.store) {
    opt.dontsort = false;
    opt.alpha = true;
    opt.by.reset();
  }
  auto* zset =
      type == storage::ValueType::kZSet ? static_cast<storage::ZSetValue*>(e->object()) : nullptr;
  if (zset != nullptr) zset->ConvertToSkipList();
  int64_t len = 0;
  if (e != nullptr) {
    if (type == storage::ValueType::kList) {
      len = static_cast<int64_t>(static_cast<const storage::ListValue*>(e->object())->size());
    } else if (st->is_set) {
      len = static_cast<int64_t>(static_cast<const storage::SetValue*>(e->object())->size());
    } else {
      len = static_cast<int64_t>(zset->size());
    }
  }
  int64_t start = opt.limit_start < 0 ? 0 : opt.limit_start;
  int64_t end = opt.limit_count < 0 ? len - 1 : start + opt.limit_count - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;
  auto add = [st](std::string_view element) {
    st->items.push_back(SortItem{std::string(element), 0, std::nullopt});
  };
  // Unsorted lists and sorted sets load only the LIMIT range, in (reversed, for DESC) order.
  if (e != nullptr && opt.dontsort && !st->is_set) {
    if (end >= start) {
      const size_t n = static_cast<size_t>(end - start + 1);
      const size_t first = static_cast<size_t>(opt.desc ? len - start - 1 : start);
      if (zset != nullptr) {
        storage::ZSetValue::Iterator it = zset->At(first);
        for (size_t i = 0; i < n && it.Valid(); ++i) {
          add(it.member());
          if (opt.desc) {
            it.Prev();
          } else {
            it.Next();
          }
        }
      } else {
        auto* list = static_cast<const storage::ListValue*>(e->object());
        storage::ListValue::Cursor c = list->At(first);
        for (size_t i = 0; i < n && c.Valid(); ++i) {
          add(c.ReadString());
          if (opt.desc) {
            c.Prev();
          } else {
            c.Next();
          }
        }
      }
      end -= start;
      start = 0;
    }
  } else if (e != nullptr) {
    if (type == storage::ValueType::kList) {
      auto* list = static_cast<const storage::ListValue*>(e->object());
      for (storage::ListValue::Cursor c = list->At(0); c.Valid(); c.Next()) add(c.ReadString());
    } else if (st->is_set) {
      static_cast<const storage::SetValue*>(e->object())->ForEach(add);
    } else {
      for (auto it = zset->Begin(); it.Valid(); it.Next()) add(it.member());
    }
  }
  st->start = start;
  st->end = end;
}

// strtod over the C string, as SORT reads numbers (leading spaces and "" are fine).
bool SortScore(std::string_view s, double* out) {
  const std::string text(CString(s));
  errno = 0;
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*out);
}

int CompareBytes(std::string_view a, std::string_view b) {
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// strcoll under the C.UTF-8 locale orders by code point, i.e. by bytes, up to the first NUL.
int CompareCollated(std::string_view a, std::string_view b) {
  return CompareBytes(CString(a), CString(b));
}

void SortItems(SortState* st) {
  const SortOptions& opt = st->opt;
  const bool by_pattern = opt.by.has_value();
  const bool store = opt.store.has_value();
  auto compare = [&](const SortItem& a, const SortItem& b) {
    int cmp;
    if (!opt.alpha) {
      cmp = a.score > b.score ? 1 : (a.score < b.score ? -1 : CompareBytes(a.element, b.element));
    } else if (by_pattern) {
      if (!a.cmp || !b.cmp) {
        cmp = a.cmp.has_value() == b.cmp.has_value() ? 0 : (a.cmp ? 1 : -1);
      } else {
        cmp = store ? CompareBytes(*a.cmp, *b.cmp) : CompareCollated(*a.cmp, *b.cmp);
      }
    } else {
      cmp = store ? CompareBytes(a.element, b.element) : CompareCollated(a.element, b.element);
    }
    return (opt.desc ? -cmp : cmp) < 0;
  };
  std::stable_sort(st->items.begin(), st->items.end(), compare);
}

void Finish(CommandCall& call, std::shared_ptr<SortState> st);

// After the BY values (if any) are known: scores, the sort, then the GET round.
void SortAndGet(CommandCall& call, std::shared_ptr<SortState> st,
                std::shared_ptr<Lookups> by_values, std::vector<size_t> by_slots) {
  const SortOptions& opt = st->opt;
  if (!opt.dontsort) {
    for (size_t i = 0; i < st->items.size(); ++i) {
      SortItem& item = st->items[i];
      const std::optional<std::string>* value = nullptr;
      std::optional<std::string> own;
      if (opt.by) {
        if (by_slots[i] == SIZE_MAX) continue;
        value = &by_values->values[by_slots[i]];
        if (!value->has_value()) continue;  // missing BY key: score 0, no cmp value
      } else {
        own = item.element;
        value = &own;
      }
      if (opt.alpha) {
        if (opt.by) item.cmp = **value;
      } else if (!SortScore(**value, &item.score)) {
        st->conversion_error = true;
      }
    }
    SortItems(st.get());
  }
  if (st->conversion_error) {
    call.reply().Error("ERR One or more scores can't be converted into double");
    return;
  }
  // GET values for the output rows.
  auto lookups = std::make_shared<Lookups>();
  auto slots = std::make_shared<std::vector<size_t>>();
  for (int64_t j = st->start; j <= st->end; ++j) {
    for (std::string_view pattern : opt.gets) {
      PatternKey pk;
      if (IsHashPattern(pattern) || !ExpandPattern(pattern, st->items[j].element, &pk)) {
        slots->push_back(SIZE_MAX);
      } else {
        slots->push_back(lookups->Add(std::move(pk)));
      }
    }
  }
  RunLookups(call, lookups, [st, lookups, slots](CommandCall& call) {
    size_t k = 0;
    for (int64_t j = st->start; j <= st->end; ++j) {
      std::vector<std::optional<std::string>> row;
      for (std::string_view pattern : st->opt.gets) {
        const size_t slot = (*slots)[k++];
        if (IsHashPattern(pattern)) {
          row.emplace_back(st->items[j].element);
        } else {
          row.push_back(slot == SIZE_MAX ? std::nullopt : lookups->values[slot]);
        }
      }
      st->gets.push_back(std::move(row));
    }
    Finish(call, st);
  });
}

// The reply, or the STORE step.
void Finish(CommandCall& call, std::shared_ptr<SortState> st) {
  const SortOptions& opt = st->opt;
  auto output = std::make_shared<std::vector<std::optional<std::string>>>();
  for (int64_t j = st->start; j <= st->end; ++j) {
    if (opt.gets.empty()) {
      output->emplace_back(st->items[j].element);
    } else {
      for (const std::optional<std::string>& v : st->gets[j - st->start]) output->push_back(v);
    }
  }
  if (!opt.store) {
    call.reply().Array(output->size());
    for (const std::optional<std::string>& v : *output) {
      if (v) {
        call.reply().Bulk(*v);
      } else {
        call.reply().Null();
      }
    }
    return;
  }
  const std::string dst(*opt.store);
  call.RunOnShard(
      call.ShardOf(dst),
      [output, dst](OpContext& ctx) {
        storage::DbTable& db = ctx.db();
        if (output->empty()) {
          if (storage::Entry* e = db.FindLive(dst, ctx.now_ms())) {
            db.Erase(e);
            db.Notify(storage::kEventGeneric, "del", dst);
          }
          return;
        }
        auto list = std::make_unique<storage::ListValue>();
        // A missing GET value is stored as an empty string.
        for (const std::optional<std::string>& v : *output) {
          list->Push(v ? std::string_view(*v) : std::string_view(), storage::ListEnd::kTail);
        }
        db.Upsert(dst, storage::ValueInit::Object(storage::ValueType::kList, std::move(list)),
                  /*keep_ttl=*/false, ctx.now_ms());
        db.Notify(storage::kEventList, "sortstore", dst);
      },
      [output](CommandCall& call) { call.reply().Integer(static_cast<int64_t>(output->size())); });
}

void SortGeneric(CommandCall& call, bool readonly) {
  auto st = std::make_shared<SortState>();
  if (!ParseSortOrReply(call.args(), readonly, call.reply(), &st->opt)) return;
  const CommandArgs* args = &call.args();
  call.RunOnShard(
      call.ShardOf((*args)[1]),
      [st, args](OpContext& ctx) { LoadSource(ctx, (*args)[1], st.get()); },
      [st](CommandCall& call) {
        if (st->wrong_type) {
          call.reply().Error(storage::kErrWrongType);
          return;
        }
        auto by_values = std::make_shared<Lookups>();
        std::vector<size_t> by_slots;
        // A BY pattern that survived parsing without setting dontsort contains a '*'.
        if (!st->opt.dontsort && st->opt.by) {
          for (const SortItem& item : st->items) {
            PatternKey pk;
            by_slots.push_back(ExpandPattern(*st->opt.by, item.element, &pk)
                                   ? by_values->Add(std::move(pk))
                                   : SIZE_MAX);
          }
        }
        RunLookups(call, by_values, [st, by_values, by_slots](CommandCall& call) {
          SortAndGet(call, st, by_values, by_slots);
        });
      });
}

void Sort(CommandCall& call) { SortGeneric(call, /*readonly=*/false); }
void SortRo(CommandCall& call) { SortGeneric(call, /*readonly=*/true); }

engine::CommandSpec ForSort(engine::CommandSpec spec, engine::KeysFn keys_fn) {
  spec.keys_fn = keys_fn;
  spec.lock_scope = engine::LockScope::kAllShards;
  return spec;
}

}  // namespace

// Metadata: Redis 7.0.15's COMMAND INFO / COMMAND DOCS, except the key specs Redis marks
// "unknown" (BY/GET keys, the STORE keyword), which CommandSpec cannot express yet.
void RegisterSortCommands(engine::CommandRegistry& registry) {
  constexpr std::string_view kComplexity =
      "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
      "number of returned elements. When the elements are not sorted, complexity is O(N).";
  // Redis's notes on the key specs it cannot locate, verbatim (COMMAND INFO shows them).
  static constexpr const char* kByGetNote =
      "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive "
      "from the content of the key we sort";
  static constexpr const char* kStoreNote =
      "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear "
      "anywhere in the argument array";
  registry.Add(ForSort(
      SpecBuilder("sort", -2)
          .Flags("write denyoom movablekeys")
          .Acl("@write @set @sortedset @list @slow @dangerous")
          .Keys(1, 1, 1)
          .KeySpecs({RangeKeys("RO access", 1, 0), UnknownKeys("RO access", kByGetNote),
                     UnknownKeys("OW update", kStoreNote)})
          .Docs("generic", "1.0.0", "Sort the elements in a list, set or sorted set", kComplexity)
          .Coordinator(Sort)
          .Build(),
      SortKeys));
  registry.Add(
      ForSort(SpecBuilder("sort_ro", -2)
                  .Flags("readonly movablekeys")
                  .Acl("@read @set @sortedset @list @slow @dangerous")
                  .Keys(1, 1, 1)
                  .KeySpecs({RangeKeys("RO access", 1, 0), UnknownKeys("RO access", kByGetNote)})
                  .Docs("generic", "7.0.0",
                        "Sort the elements in a list, set or sorted set. Read-only "
                        "variant of SORT.",
                        kComplexity)
                  .Coordinator(SortRo)
                  .Build(),
              nullptr));
}

}  // namespace tessera::commands
