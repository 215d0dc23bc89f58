// Builds CommandSpecs with named fields. (Designated initializers would read as well, but GCC's
// -Wmissing-field-initializers flags every optional member left out, and most are optional.)
//
//   registry.Add(SpecBuilder("get", 2)
//                    .Flags("readonly fast")
//                    .Acl("@read @string @fast")
//                    .Keys(1, 1, 1)
//                    .KeySpecs({RangeKeys("RO access", 1, 0)})
//                    .Docs("string", "1.0.0", "Get the value of a key", "O(1)")
//                    .Shard(OpGet)
//                    .Build());
//
// Every field mirrors one of Redis 7.0's COMMAND INFO / COMMAND DOCS entries and should hold
// exactly what redis-server 7.0.15 reports for the command (tests compare them).
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "src/engine/command_spec.h"

namespace tessera::commands {

class SpecBuilder {
 public:
  SpecBuilder(std::string_view name, int arity) {
    spec_.name = name;
    spec_.arity = arity;
  }

  // Redis's flag names, space separated, as COMMAND INFO lists them ("write denyoom fast").
  SpecBuilder& Flags(std::string_view flags) {
    spec_.flags = flags;
    return *this;
  }
  // "@write @string @fast".
  SpecBuilder& Acl(std::string_view categories) {
    spec_.acl_categories = categories;
    return *this;
  }
  // The legacy (first, last, step) triple of COMMAND INFO.
  SpecBuilder& Keys(int first, int last, int step) {
    spec_.first_key = first;
    spec_.last_key = last;
    spec_.key_step = step;
    return *this;
  }
  SpecBuilder& KeySpecs(std::vector<engine::KeySpec> specs) {
    spec_.key_specs = std::move(specs);
    return *this;
  }
  // Space separated: "request_policy:all_shards response_policy:agg_sum".
  SpecBuilder& Tips(std::string_view tips) {
    spec_.tips = tips;
    return *this;
  }
  SpecBuilder& Docs(std::string_view group, std::string_view since, std::string_view summary,
                    std::string_view complexity) {
    spec_.group = group;
    spec_.since = since;
    spec_.summary = summary;
    spec_.complexity = complexity;
    return *this;
  }
  SpecBuilder& Shard(engine::ShardFn fn) {
    spec_.on_shard = fn;
    return *this;
  }
  SpecBuilder& Coordinator(engine::CoordinatorFn fn) {
    spec_.on_coordinator = std::move(fn);
    return *this;
  }
  // See CommandSpec::steps_at_lock.
  SpecBuilder& StepsAtLock() {
    spec_.steps_at_lock = true;
    return *this;
  }
  // A subcommand, named without the container ("list", not "client|list").
  SpecBuilder& Sub(engine::CommandSpec sub) {
    spec_.subcommands.push_back(std::move(sub));
    return *this;
  }

  engine::CommandSpec Build() { return std::move(spec_); }

 private:
  engine::CommandSpec spec_;
};

// Key specs, one function per Redis (begin_search, find_keys) combination.

// begin_search index `index`, find_keys range (lastkey, keystep, limit).
inline engine::KeySpec RangeKeys(std::string_view flags, int index, int last_key, int key_step = 1,
                                 int limit = 0) {
  engine::KeySpec ks;
  ks.flags = flags;
  ks.begin_index = index;
  ks.last_key = last_key;
  ks.key_step = key_step;
  ks.limit = limit;
  return ks;
}

// begin_search keyword (`keyword` searched from `start_from`), find_keys range.
inline engine::KeySpec KeywordRangeKeys(std::string_view flags, std::string_view keyword,
                                        int start_from, int last_key, int key_step = 1,
                                        int limit = 0) {
  engine::KeySpec ks = RangeKeys(flags, 0, last_key, key_step, limit);
  ks.begin = engine::KeySpec::Begin::kKeyword;
  ks.begin_index = 0;
  ks.begin_keyword = keyword;
  ks.begin_keyword_start = start_from;
  return ks;
}

// begin_search index `index`, find_keys keynum (keynumidx, firstkey, keystep).
// A key spec with Redis's free-text note attached.
inline engine::KeySpec WithNotes(engine::KeySpec ks, std::string_view notes) {
  ks.notes = std::string(notes);
  return ks;
}

// Keys Redis cannot locate (SORT's BY/GET patterns and its STORE keyword).
inline engine::KeySpec UnknownKeys(std::string_view flags, std::string_view notes) {
  engine::KeySpec ks;
  ks.flags = std::string(flags);
  ks.notes = std::string(notes);
  ks.begin = engine::KeySpec::Begin::kUnknown;
  ks.find = engine::KeySpec::Find::kUnknown;
  return ks;
}

inline engine::KeySpec KeynumKeys(std::string_view flags, int index, int keynum_index,
                                  int first_key, int key_step = 1) {
  engine::KeySpec ks;
  ks.flags = flags;
  ks.begin_index = index;
  ks.find = engine::KeySpec::Find::kKeynum;
  ks.keynum_index = keynum_index;
  ks.first_key = first_key;
  ks.key_step = key_step;
  return ks;
}

}  // namespace tessera::commands
