// COMMAND and its subcommands: the registry described in Redis 7.0's shapes.
//
// Clients depend on these replies: redis-cli reads COMMAND DOCS at startup for its hints,
// cluster-aware clients read COMMAND INFO key positions, and redis-py's and ioredis's key
// extraction use COMMAND GETKEYS. Every reply is built straight from the CommandSpecs, so the
// metadata the families register is exactly what clients see.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "src/commands/arg_parse.h"
#include "src/commands/command_docs.h"
#include "src/commands/register.h"
#include "src/commands/spec_builder.h"
#include "src/engine/command_call.h"
#include "src/engine/engine.h"
#include "storage/glob.h"

namespace tessera::commands {
namespace {

using engine::CommandCall;
using engine::CommandRegistry;
using engine::CommandSpec;
using engine::KeySpec;
using protocol::ReplyBuilder;

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    if (end > pos) out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

bool HasWord(std::string_view text, std::string_view word) {
  for (std::string_view w : Words(text)) {
    if (w == word) return true;
  }
  return false;
}

// Redis's lookupCommandBySds: "name" or "container|sub", case-insensitive.
const CommandSpec* LookupByFullName(const CommandRegistry& registry, std::string_view name) {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return registry.Find(name);
  std::string_view sub = name.substr(bar + 1);
  if (sub.find('|') != std::string_view::npos) return nullptr;
  const CommandSpec* parent = registry.Find(name.substr(0, bar));
  if (parent == nullptr || parent->subcommands.empty()) return nullptr;
  return registry.FindSub(*parent, sub);
}

// ---- COMMAND INFO.

bool SimpleKeySpec(const KeySpec& ks) {
  return ks.begin == KeySpec::Begin::kIndex && ks.find == KeySpec::Find::kRange;
}

// Redis sets movablekeys when key positions depend on the arguments: a getkeys procedure or a
// key spec other than index + range. Families may also write "movablekeys" in `flags` (for
// commands whose Redis key specs Tessera cannot express, e.g. SORT's "unknown" ones).
bool MovableKeys(const CommandSpec& spec) {
  if (spec.Has(engine::kCmdMovableKeys) || HasWord(spec.flags, "movablekeys")) return true;
  return std::any_of(spec.key_specs.begin(), spec.key_specs.end(),
                     [](const KeySpec& ks) { return !SimpleKeySpec(ks); });
}

// The order addReplyFlagsForCommand lists flags in; COMMAND INFO keeps it whatever order a
// spec's text uses. Words not in the table follow in the spec's order.
constexpr std::string_view kFlagOrder[] = {
    "write",
    "readonly",
    "denyoom",
    "module",
    "admin",
    "pubsub",
    "noscript",
    "blocking",
    "loading",
    "stale",
    "skip_monitor",
    "skip_slowlog",
    "asking",
    "fast",
    "no_auth",
    "no_mandatory_keys",
    "no_async_loading",
    "no_multi",
    "movablekeys",
    "allow_busy",
};

std::vector<std::string_view> InfoFlags(const CommandSpec& spec) {
  std::vector<std::string_view> words = Words(spec.flags);
  if (MovableKeys(spec) && !HasWord(spec.flags, "movablekeys")) words.push_back("movablekeys");
  std::vector<std::string_view> out;
  for (std::string_view f : kFlagOrder) {
    if (std::find(words.begin(), words.end(), f) != words.end()) out.push_back(f);
  }
  for (std::string_view w : words) {
    if (std::find(std::begin(kFlagOrder), std::end(kFlagOrder), w) == std::end(kFlagOrder)) {
      out.push_back(w);
    }
  }
  return out;
}

void StatusSet(ReplyBuilder& reply, const std::vector<std::string_view>& items) {
  reply.Set(items.size());
  for (std::string_view s : items) reply.SimpleString(s);
}

void ReplyKeySpec(ReplyBuilder& reply, const KeySpec& ks) {
  std::string_view notes = ks.notes;
  reply.Map(notes.empty() ? 3 : 4);
  if (!notes.empty()) {
    reply.Bulk("notes");
    reply.Bulk(notes);
  }
  reply.Bulk("flags");
  StatusSet(reply, Words(ks.flags));

  reply.Bulk("begin_search");
  reply.Map(2);
  reply.Bulk("type");
  if (ks.begin == KeySpec::Begin::kUnknown) {
    reply.Bulk("unknown");
    reply.Bulk("spec");
    reply.Map(0);
  } else if (ks.begin == KeySpec::Begin::kIndex) {
    reply.Bulk("index");
    reply.Bulk("spec");
    reply.Map(1);
    reply.Bulk("index");
    reply.Integer(ks.begin_index);
  } else {
    reply.Bulk("keyword");
    reply.Bulk("spec");
    reply.Map(2);
    reply.Bulk("keyword");
    reply.Bulk(ks.begin_keyword);
    reply.Bulk("startfrom");
    reply.Integer(ks.begin_keyword_start);
  }

  reply.Bulk("find_keys");
  reply.Map(2);
  reply.Bulk("type");
  if (ks.find == KeySpec::Find::kUnknown) {
    reply.Bulk("unknown");
    reply.Bulk("spec");
    reply.Map(0);
  } else if (ks.find == KeySpec::Find::kRange) {
    reply.Bulk("range");
    reply.Bulk("spec");
    reply.Map(3);
    reply.Bulk("lastkey");
    reply.Integer(ks.last_key);
    reply.Bulk("keystep");
    reply.Integer(ks.key_step);
    reply.Bulk("limit");
    reply.Integer(ks.limit);
  } else {
    reply.Bulk("keynum");
    reply.Bulk("spec");
    reply.Map(3);
    reply.Bulk("keynumidx");
    reply.Integer(ks.keynum_index);
    reply.Bulk("firstkey");
    reply.Integer(ks.first_key);
    reply.Bulk("keystep");
    reply.Integer(ks.key_step);
  }
}

// addReplyCommandInfo: [name, arity, flags, first, last, step, acl categories, tips, key specs,
// subcommands]. Flags and categories are sets of status strings, tips and key specs sets, and
// subcommands an array (an empty set when there are none), as Redis 7.0 encodes them.
void ReplyCommandInfo(ReplyBuilder& reply, const CommandSpec* spec) {
  if (spec == nullptr) {
    reply.Null();
    return;
  }
  reply.Array(10);
  reply.Bulk(spec->name);
  reply.Integer(spec->arity);
  StatusSet(reply, InfoFlags(*spec));
  reply.Integer(spec->first_key);
  reply.Integer(spec->last_key);
  reply.Integer(spec->key_step);
  StatusSet(reply, Words(spec->acl_categories));
  std::vector<std::string_view> tips = Words(spec->tips);
  reply.Set(tips.size());
  for (std::string_view t : tips) reply.Bulk(t);
  reply.Set(spec->key_specs.size());
  for (const KeySpec& ks : spec->key_specs) ReplyKeySpec(reply, ks);
  if (spec->subcommands.empty()) {
    reply.Set(0);
  } else {
    reply.Array(spec->subcommands.size());
    for (const CommandSpec& sub : spec->subcommands) ReplyCommandInfo(reply, &sub);
  }
}

void ReplyAllInfo(CommandCall& call) {
  const auto& all = call.engine().registry().all();
  call.reply().Array(all.size());
  for (const CommandSpec* spec : all) ReplyCommandInfo(call.reply(), spec);
}

// ---- COMMAND DOCS.

// addReplyCommandDocs: summary, since, group (always), complexity, then what command_docs.h
// keeps (doc_flags, deprecated_since, replaced_by, history, arguments), then subcommands (a map).
// Fields a command lacks are omitted, as Redis omits them.
void ReplyCommandDocs(ReplyBuilder& reply, const CommandSpec& spec) {
  size_t n = 1 + !spec.summary.empty() + !spec.since.empty() + !spec.complexity.empty() +
             DocsExtraFieldCount(spec.name) + !spec.subcommands.empty();
  reply.Map(n);
  if (!spec.summary.empty()) {
    reply.Bulk("summary");
    reply.Bulk(spec.summary);
  }
  if (!spec.since.empty()) {
    reply.Bulk("since");
    reply.Bulk(spec.since);
  }
  reply.Bulk("group");
  reply.Bulk(spec.group);
  if (!spec.complexity.empty()) {
    reply.Bulk("complexity");
    reply.Bulk(spec.complexity);
  }
  ReplyDocsExtraFields(reply, spec.name);
  if (!spec.subcommands.empty()) {
    reply.Bulk("subcommands");
    reply.Map(spec.subcommands.size());
    for (const CommandSpec& sub : spec.subcommands) {
      reply.Bulk(sub.name);
      ReplyCommandDocs(reply, sub);
    }
  }
}

// ---- COMMAND GETKEYS.

struct KeyRef {
  size_t pos;
  const KeySpec* spec;  // null for keys found through the legacy (first, last, step)
};

bool CommandHasKeys(const CommandSpec& spec) {
  if (spec.key_specs.empty()) return spec.first_key > 0;
  return std::any_of(spec.key_specs.begin(), spec.key_specs.end(),
                     [](const KeySpec& ks) { return !HasWord(ks.flags, "not_key"); });
}

// Redis's getKeysUsingKeySpecs without GET_KEYSPEC_RETURN_PARTIAL: one spec that does not fit
// the arguments (keyword missing is fine; a bad count or out-of-range position is not)
// invalidates the whole extraction. Returns false then.
bool KeysFromSpecs(const CommandSpec& spec, const std::vector<std::string_view>& argv,
                   std::vector<KeyRef>* out) {
  const int argc = static_cast<int>(argv.size());
  for (const KeySpec& ks : spec.key_specs) {
    if (HasWord(ks.flags, "not_key")) continue;
    int first = 0;
    if (ks.begin == KeySpec::Begin::kIndex) {
      first = ks.begin_index;
    } else {
      int start =
          ks.begin_keyword_start > 0 ? ks.begin_keyword_start : argc + ks.begin_keyword_start;
      int end = ks.begin_keyword_start > 0 ? argc - 1 : 1;
      for (int i = start; i != end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (EqualsIgnoreCase(argv[static_cast<size_t>(i)], ks.begin_keyword)) {
          first = i + 1;
          break;
        }
      }
      if (first == 0) continue;  // keyword absent: this spec has no keys here
    }
    int last;
    if (ks.find == KeySpec::Find::kRange) {
      if (ks.last_key >= 0) {
        last = first + ks.last_key;
      } else if (ks.limit == 0) {
        last = argc + ks.last_key;
      } else {
        last = first + ((argc - first) / ks.limit + ks.last_key);
      }
    } else {
      if (first + ks.keynum_index >= argc) return false;
      int64_t numkeys;
      if (!ParseInt64(argv[static_cast<size_t>(first + ks.keynum_index)], &numkeys) ||
          numkeys < 0 || numkeys > argc) {
        return false;
      }
      first += ks.first_key;
      last = first + static_cast<int>(numkeys) - 1;
    }
    if (last >= argc || last < first || first >= argc) return false;
    int step = ks.key_step > 0 ? ks.key_step : 1;
    for (int i = first; i <= last; i += step) out->push_back({static_cast<size_t>(i), &ks});
    if (HasWord(ks.flags, "incomplete")) return false;
  }
  return true;
}

// Keys of a command registered with only the legacy (first, last, step).
bool KeysFromRange(const CommandSpec& spec, const std::vector<std::string_view>& argv,
                   std::vector<KeyRef>* out) {
  int argc = static_cast<int>(argv.size());
  int last = spec.last_key < 0 ? argc + spec.last_key : spec.last_key;
  int step = spec.key_step > 0 ? spec.key_step : 1;
  if (spec.first_key >= argc || last >= argc || last < spec.first_key) return false;
  for (int i = spec.first_key; i <= last; i += step) {
    out->push_back({static_cast<size_t>(i), nullptr});
  }
  return true;
}

// The flags of a key whose spec says "variable_flags": Redis computes them in the command's
// getkeys procedure from the arguments. SET and BITFIELD are the core commands with such specs.
std::vector<std::string_view> VariableKeyFlags(const CommandSpec& spec,
                                               const std::vector<std::string_view>& argv) {
  if (spec.name == "set") {
    // setGetKeys: with GET the old value is read, without it the value is overwritten.
    for (size_t i = 3; i < argv.size(); ++i) {
      if (EqualsIgnoreCase(argv[i], "get")) return {"RW", "access", "update"};
    }
    return {"OW", "update"};
  }
  if (spec.name == "bitfield") {
    // bitfieldGetKeys: read-only while every operation is GET (or OVERFLOW).
    for (size_t i = 2; i < argv.size(); ++i) {
      size_t rest = argv.size() - i - 1;
      if (EqualsIgnoreCase(argv[i], "get") && rest >= 2) {
        i += 2;
      } else if (EqualsIgnoreCase(argv[i], "overflow") && rest >= 1) {
        i += 1;
      } else {
        return {"RW", "access", "update"};
      }
    }
    return {"RO", "access"};
  }
  return {};
}

std::vector<std::string_view> KeyFlags(const CommandSpec& spec,
                                       const std::vector<std::string_view>& argv,
                                       const KeySpec* ks) {
  if (ks == nullptr) return {};
  if (HasWord(ks->flags, "variable_flags")) {
    std::vector<std::string_view> flags = VariableKeyFlags(spec, argv);
    if (!flags.empty()) return flags;
  }
  return Words(ks->flags);
}

void GetKeys(CommandCall& call, bool with_flags) {
  const CommandRegistry& registry = call.engine().registry();
  ReplyBuilder& reply = call.reply();
  std::vector<std::string_view> argv;
  for (size_t i = 2; i < call.args().size(); ++i) argv.push_back(call.args()[i]);

  // Redis's lookupCommand: the container when it is named alone, else its subcommand.
  const CommandSpec* spec = registry.Find(argv[0]);
  if (spec != nullptr && !spec->subcommands.empty() && argv.size() > 1) {
    spec = registry.FindSub(*spec, argv[1]);
  }
  if (spec == nullptr) {
    reply.Error("ERR Invalid command specified");
    return;
  }
  if (!CommandHasKeys(*spec)) {
    reply.Error("ERR The command has no key arguments");
    return;
  }
  if (!spec->ArityOk(argv.size())) {
    reply.Error("ERR Invalid number of arguments specified for command");
    return;
  }
  std::vector<KeyRef> keys;
  bool ok = spec->key_specs.empty() ? KeysFromRange(*spec, argv, &keys)
                                    : KeysFromSpecs(*spec, argv, &keys);
  if (!ok || keys.empty()) {
    if (HasWord(spec->flags, "no_mandatory_keys")) {
      reply.Array(0);
    } else {
      reply.Error("ERR Invalid arguments specified for command");
    }
    return;
  }
  reply.Array(keys.size());
  for (const KeyRef& k : keys) {
    if (with_flags) {
      reply.Array(2);
      reply.Bulk(argv[k.pos]);
      StatusSet(reply, KeyFlags(*spec, argv, k.spec));
    } else {
      reply.Bulk(argv[k.pos]);
    }
  }
}

// ---- COMMAND LIST.

struct ListFilter {
  enum class Kind { kNone, kModule, kAclCat, kPattern } kind = Kind::kNone;
  std::string_view arg;

  bool Keep(const CommandSpec& spec) const {
    switch (kind) {
      case Kind::kNone:
        return true;
      case Kind::kModule:
        return false;  // no modules
      case Kind::kAclCat:
        // Category names are given without '@' and compared case-insensitively.
        for (std::string_view cat : Words(spec.acl_categories)) {
          if (cat.size() == arg.size() + 1 && cat[0] == '@' &&
              EqualsIgnoreCase(cat.substr(1), arg)) {
            return true;
          }
        }
        return false;
      case Kind::kPattern:
        return storage::GlobMatch(arg, spec.name, /*nocase=*/true);
    }
    return false;
  }
};

// commandListWithFilter: each command, then its subcommands, each judged on its own.
void CollectNames(const CommandSpec& spec, const ListFilter& filter,
                  std::vector<std::string_view>* out) {
  if (filter.Keep(spec)) out->push_back(spec.name);
  for (const CommandSpec& sub : spec.subcommands) CollectNames(sub, filter, out);
}

// ---- Handlers.

void Command(CommandCall& call) { ReplyAllInfo(call); }

void CommandCount(CommandCall& call) {
  call.reply().Integer(static_cast<int64_t>(call.engine().registry().all().size()));
}

void CommandInfo(CommandCall& call) {
  if (call.args().size() == 2) {
    ReplyAllInfo(call);
    return;
  }
  const CommandRegistry& registry = call.engine().registry();
  call.reply().Array(call.args().size() - 2);
  for (size_t i = 2; i < call.args().size(); ++i) {
    ReplyCommandInfo(call.reply(), LookupByFullName(registry, call.args()[i]));
  }
}

void CommandDocs(CommandCall& call) {
  const CommandRegistry& registry = call.engine().registry();
  std::vector<const CommandSpec*> specs;
  if (call.args().size() == 2) {
    specs = registry.all();
  } else {
    // Unknown names are left out of the map, not answered with nil.
    for (size_t i = 2; i < call.args().size(); ++i) {
      if (const CommandSpec* spec = LookupByFullName(registry, call.args()[i])) {
        specs.push_back(spec);
      }
    }
  }
  call.reply().Map(specs.size());
  for (const CommandSpec* spec : specs) {
    call.reply().Bulk(spec->name);
    ReplyCommandDocs(call.reply(), *spec);
  }
}

void CommandList(CommandCall& call) {
  const auto& args = call.args();
  ListFilter filter;
  for (size_t i = 2; i < args.size(); ++i) {
    size_t more = args.size() - 1 - i;
    if (!EqualsIgnoreCase(args[i], "filterby") || more != 2) {
      call.reply().Error(kErrSyntax);
      return;
    }
    std::string_view type = args[i + 1];
    if (EqualsIgnoreCase(type, "module")) {
      filter.kind = ListFilter::Kind::kModule;
    } else if (EqualsIgnoreCase(type, "aclcat")) {
      filter.kind = ListFilter::Kind::kAclCat;
    } else if (EqualsIgnoreCase(type, "pattern")) {
      filter.kind = ListFilter::Kind::kPattern;
    } else {
      call.reply().Error(kErrSyntax);
      return;
    }
    filter.arg = args[i + 2];
    i += 2;
  }
  std::vector<std::string_view> names;
  for (const CommandSpec* spec : call.engine().registry().all()) {
    CollectNames(*spec, filter, &names);
  }
  call.reply().Array(names.size());
  for (std::string_view name : names) call.reply().Bulk(name);
}

void CommandGetKeys(CommandCall& call) { GetKeys(call, /*with_flags=*/false); }
void CommandGetKeysAndFlags(CommandCall& call) { GetKeys(call, /*with_flags=*/true); }

void CommandHelp(CommandCall& call) {
  ReplyHelp(call.reply(), call.args()[0],
            {
                "(no subcommand)",
                "    Return details about all Redis commands.",
                "COUNT",
                "    Return the total number of commands in this Redis server.",
                "LIST",
                "    Return a list of all commands in this Redis server.",
                "INFO [<command-name> ...]",
                "    Return details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "DOCS [<command-name> ...]",
                "    Return documentation details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "GETKEYS <full-command>",
                "    Return the keys from a full Redis command.",
                "GETKEYSANDFLAGS <full-command>",
                "    Return the keys and the access flags from a full Redis command.",
            });
}

}  // namespace

// Metadata: Redis 7.0.15's COMMAND INFO / COMMAND DOCS.
void RegisterCommandCommands(engine::CommandRegistry& registry) {
  constexpr std::string_view kOrder = "nondeterministic_output_order";
  constexpr std::string_view kAll = "O(N) where N is the total number of Redis commands";
  constexpr std::string_view kLookedUp = "O(N) where N is the number of commands to look up";
  constexpr std::string_view kArgs = "O(N) where N is the number of arguments to the command";
  auto sub = [](std::string_view name, int arity, std::string_view since, std::string_view summary,
                std::string_view complexity, engine::CoordinatorFn fn) {
    return std::move(SpecBuilder(name, arity)
                         .Flags("loading stale")
                         .Acl("@slow @connection")
                         .Docs("server", since, summary, complexity)
                         .Coordinator(std::move(fn)));
  };
  registry.Add(
      SpecBuilder("command", -1)
          .Flags("loading stale")
          .Acl("@slow @connection")
          .Tips(kOrder)
          .Docs("server", "2.8.13", "Get array of Redis command details", kAll)
          .Coordinator(Command)
          .Sub(sub("count", 2, "2.8.13", "Get total number of Redis commands", "O(1)", CommandCount)
                   .Build())
          .Sub(sub("docs", -2, "7.0.0", "Get array of specific Redis command documentation",
                   kLookedUp, CommandDocs)
                   .Tips(kOrder)
                   .Build())
          .Sub(sub("getkeys", -4, "2.8.13", "Extract keys given a full Redis command", kArgs,
                   CommandGetKeys)
                   .Build())
          .Sub(sub("getkeysandflags", -4, "7.0.0",
                   "Extract keys and access flags given a full Redis command", kArgs,
                   CommandGetKeysAndFlags)
                   .Build())
          .Sub(sub("help", 2, "5.0.0", "Show helpful text about the different subcommands", "O(1)",
                   CommandHelp)
                   .Build())
          .Sub(sub("info", -2, "2.8.13",
                   "Get array of specific Redis command details, or all when no argument is "
                   "given.",
                   kLookedUp, CommandInfo)
                   .Tips(kOrder)
                   .Build())
          .Sub(sub("list", -2, "7.0.0", "Get an array of Redis command names", kAll, CommandList)
                   .Tips(kOrder)
                   .Build())
          .Build());
}

}  // namespace tessera::commands
