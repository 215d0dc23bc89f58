// Test driver: feeds a byte stream to a RespParser the way a connection does.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp_parser.h"

namespace tessera::protocol {

using Command = std::vector<std::string>;

struct ParseOutcome {
  std::vector<Command> commands;
  std::string error;         // empty unless the stream ended in a protocol error
  bool mid_command = false;  // the parser holds part of a command at the end

  bool operator==(const ParseOutcome&) const = default;
};

inline Command ToCommand(const CommandArgs& args) {
  Command c;
  for (size_t i = 0; i < args.size(); ++i) c.emplace_back(args[i]);
  return c;
}

// Feeds `input` in chunks whose sizes come from next_chunk (called once per chunk), calling
// Parse until it needs more input, and records what came out.
inline ParseOutcome ParseInChunks(std::string_view input, const ParserLimits& limits,
                                  const std::function<size_t()>& next_chunk) {
  ParseOutcome out;
  RespParser parser(&limits);
  CommandArgs cmd;
  size_t pos = 0;
  while (pos < input.size()) {
    size_t n = std::min(std::max<size_t>(next_chunk(), 1), input.size() - pos);
    const char* data = input.data() + pos;
    size_t left = n;
    for (;;) {
      size_t used = 0;
      RespParser::Status st = parser.Parse(data, left, &used, &cmd);
      EXPECT_LE(used, left);
      data += used;
      left -= used;
      if (st == RespParser::Status::kCommand) {
        out.commands.push_back(ToCommand(cmd));
        continue;
      }
      if (st == RespParser::Status::kError) {
        out.error = parser.error();
        out.mid_command = parser.mid_command();
        return out;
      }
      EXPECT_EQ(left, 0u) << "kNeedMore must consume all input";
      break;
    }
    pos += n;
  }
  out.mid_command = parser.mid_command();
  return out;
}

inline ParseOutcome ParseWhole(std::string_view input, const ParserLimits& limits = {}) {
  return ParseInChunks(input, limits, [&] { return input.size(); });
}

inline ParseOutcome ParseByteByByte(std::string_view input, const ParserLimits& limits = {}) {
  return ParseInChunks(input, limits, [] { return size_t{1}; });
}

// The stream in two deliveries: the first `cut` bytes, then the rest.
inline ParseOutcome ParseCutAt(std::string_view input, size_t cut) {
  bool first = true;
  return ParseInChunks(input, {}, [&] {
    size_t n = first ? cut : input.size();
    first = false;
    return n;
  });
}

inline std::string Describe(const ParseOutcome& o) {
  std::string s;
  for (const Command& c : o.commands) {
    s += "[";
    for (const std::string& a : c) s += "'" + a.substr(0, 40) + "' ";
    s += "] ";
  }
  if (!o.error.empty()) s += "error: " + o.error;
  if (o.mid_command) s += " (mid command)";
  return s;
}

}  // namespace tessera::protocol
