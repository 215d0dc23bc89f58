// Fuzzes the request parser: no input may crash it, and splitting the same bytes differently
// must never change the commands or the error it produces. The reply reader is fed the same
// bytes for crash-freedom and split-independence too.
//
// Input layout: byte 0 picks the limits, byte 1 seeds the split points, the rest is the stream.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp_parser.h"
#include "protocol/resp_reader.h"

namespace tessera::protocol {
namespace {

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  std::string error;
  bool mid_command = false;
  bool operator==(const Outcome&) const = default;
};

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "resp_parser_fuzz: %s\n", what);
  std::abort();
}

// Small limits so the fuzzer reaches every limit path with short inputs.
ParserLimits LimitsFor(uint8_t b) {
  ParserLimits limits;
  limits.authenticated = (b & 1) != 0;
  limits.max_inline_len = 4 + ((b >> 1) & 0x1f);
  limits.max_bulk_len = (b & 0x40) ? 8 : 20000;
  limits.max_multibulk_len = (b & 0x80) ? 3 : 100000;
  return limits;
}

// Chunk sizes from a tiny PRNG; seed 0 means the whole stream at once, seed 1 byte by byte.
class Splitter {
 public:
  explicit Splitter(uint32_t seed) : state_(seed * 2654435761u + 1), seed_(seed) {}
  size_t Next(size_t left) {
    if (seed_ == 0) return left;
    if (seed_ == 1) return 1;
    state_ = state_ * 1103515245u + 12345u;
    size_t max = 1 + seed_ % 17;
    size_t n = 1 + (state_ >> 16) % max;
    return n < left ? n : left;
  }

 private:
  uint32_t state_;
  uint32_t seed_;
};

Outcome ParseStream(std::string_view in, const ParserLimits& limits, uint32_t seed) {
  Outcome out;
  RespParser parser(&limits);
  CommandArgs cmd;
  Splitter splitter(seed);
  size_t pos = 0;
  while (pos < in.size()) {
    size_t n = splitter.Next(in.size() - pos);
    const char* data = in.data() + pos;
    size_t left = n;
    for (;;) {
      size_t used = 0;
      RespParser::Status st = parser.Parse(data, left, &used, &cmd);
      if (used > left) Die("consumed more than given");
      data += used;
      left -= used;
      if (parser.buffered_bytes() > in.size()) Die("buffers more than it was given");
      if (st == RespParser::Status::kCommand) {
        if (cmd.empty()) Die("empty command");
        if (cmd.bytes() > in.size()) Die("command larger than input");
        std::vector<std::string> c;
        for (size_t i = 0; i < cmd.size(); ++i) c.emplace_back(cmd[i]);
        out.commands.push_back(std::move(c));
        continue;
      }
      if (st == RespParser::Status::kError) {
        if (parser.error().rfind("ERR Protocol error: ", 0) != 0) Die("bad error text");
        if (parser.error().find_first_of("\r\n") != std::string::npos) Die("CRLF in error");
        out.error = parser.error();
        out.mid_command = true;
        return out;
      }
      if (left != 0) Die("kNeedMore left input unconsumed");
      break;
    }
    pos += n;
  }
  out.mid_command = parser.mid_command();
  return out;
}

std::string ReadReplies(std::string_view in, uint32_t seed) {
  RespReader reader;
  Splitter splitter(seed);
  std::string trace;
  size_t pos = 0;
  while (pos < in.size()) {
    size_t n = splitter.Next(in.size() - pos);
    reader.Feed(in.substr(pos, n));
    pos += n;
    RespValue v;
    RespReader::Status st;
    while ((st = reader.Next(&v)) == RespReader::Status::kValue) trace += DebugString(v) + "\n";
    if (st == RespReader::Status::kError) return trace + "error: " + reader.error();
  }
  return trace;
}

}  // namespace
}  // namespace tessera::protocol

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera::protocol;
  if (size < 2) return 0;
  ParserLimits limits = LimitsFor(data[0]);
  uint32_t seed = data[1] == 0 ? 1 : data[1];
  std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);

  Outcome whole = ParseStream(in, limits, 0);
  if (!(ParseStream(in, limits, seed) == whole)) Die("parser: split changed the outcome");
  if (in.size() <= 4096 && !(ParseStream(in, limits, 1) == whole)) {
    Die("parser: byte-by-byte changed the outcome");
  }
  if (in.size() <= 4096 && ReadReplies(in, 0) != ReadReplies(in, seed)) {
    Die("reader: split changed the outcome");
  }
  return 0;
}
