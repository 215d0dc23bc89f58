// Differential runner: each tests/differential/*.redis script runs against a fresh reference
// server (Debian's redis-server) and a fresh server under test, line by line in lockstep, and
// every reply is compared byte for byte. One test per script.
//
// Script syntax: one command per line in redis-cli quoting ("..." with \n \r \t \b \a \\ \"
// \xHH escapes, '...' with \' only); blank lines and lines starting with '#' are ignored.
// A line may start with a directive:
//   @unordered CMD ...  compare the reply as an unordered collection (KEYS, SMEMBERS): the
//                       elements of the top-level array/set (or the pairs of a map) are sorted
//   @shape CMD ...      compare only the reply's shape: types and element counts, map keys,
//                       and error texts, but not values (TIME, RANDOMKEY, TTL, CLIENT ID)
//   @scan SCAN 0 ...    iterate the cursor (argument 1) until it is 0 again and compare the set
//                       of keys returned; cursors themselves differ between implementations
//   @resp3 / @resp2     send HELLO 3 / HELLO 2 to both servers and compare the reply's shape
//   @pending REASON     the server is known not to pass this script yet (e.g. it needs data
//                       types not written yet): it still runs, but mismatches make the test
//                       skipped with REASON instead of failed
//
// TESSERA_DIFF_VERBOSE=1 prints every line with the reference reply, for writing scripts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/server_process.h"

#ifndef TESSERA_DIFFERENTIAL_DIR
#error "TESSERA_DIFFERENTIAL_DIR must name the directory of the .redis scripts"
#endif

namespace tessera::integration {
namespace {

using protocol::RespValue;
using Type = RespValue::Type;

constexpr size_t kMaxReportedMismatches = 50;

// ---- script parsing ----

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits a line the way redis-cli does (its sdssplitargs rules), so scripts can be pasted
// into redis-cli unchanged.
bool SplitArgs(std::string_view line, std::vector<std::string>* out, std::string* error) {
  size_t i = 0;
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  for (;;) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i == line.size()) return true;
    std::string arg;
    if (line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) {
          *error = "unbalanced double quote";
          return false;
        }
        char c = line[i];
        if (c == '\\' && i + 3 < line.size() && line[i + 1] == 'x' && HexDigit(line[i + 2]) >= 0 &&
            HexDigit(line[i + 3]) >= 0) {
          arg += static_cast<char>(HexDigit(line[i + 2]) * 16 + HexDigit(line[i + 3]));
          i += 4;
        } else if (c == '\\' && i + 1 < line.size()) {
          char e = line[i + 1];
          arg += e == 'n'   ? '\n'
                 : e == 'r' ? '\r'
                 : e == 't' ? '\t'
                 : e == 'b' ? '\b'
                 : e == 'a' ? '\a'
                            : e;
          i += 2;
        } else if (c == '"') {
          ++i;
          break;
        } else {
          arg += c;
          ++i;
        }
      }
    } else if (line[i] == '\'') {
      ++i;
      for (;;) {
        if (i >= line.size()) {
          *error = "unbalanced single quote";
          return false;
        }
        if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '\'') {
          arg += '\'';
          i += 2;
        } else if (line[i] == '\'') {
          ++i;
          break;
        } else {
          arg += line[i++];
        }
      }
    } else {
      while (i < line.size() && !is_space(line[i])) arg += line[i++];
      out->push_back(std::move(arg));
      continue;
    }
    // A closing quote must be followed by a space or the end of the line.
    if (i < line.size() && !is_space(line[i])) {
      *error = "closing quote must be followed by a space";
      return false;
    }
    out->push_back(std::move(arg));
  }
}

enum class Mode { kExact, kUnordered, kShape, kScan, kResp3, kResp2 };

struct ScriptLine {
  int line_no = 0;
  std::string text;
  Mode mode = Mode::kExact;
  std::vector<std::string> args;
};

struct Script {
  std::vector<ScriptLine> lines;
  std::string pending;  // @pending's reason; empty when the script must pass
};

bool ParseScript(const std::string& path, Script* script, std::string* error) {
  std::vector<ScriptLine>* out = &script->lines;
  std::ifstream in(path);
  if (!in) {
    *error = "cannot open " + path;
    return false;
  }
  std::string text;
  int line_no = 0;
  while (std::getline(in, text)) {
    ++line_no;
    size_t start = text.find_first_not_of(" \t\r");
    if (start == std::string::npos || text[start] == '#') continue;
    ScriptLine line;
    line.line_no = line_no;
    line.text = text.substr(start);
    std::string_view rest = line.text;
    if (rest[0] == '@') {
      size_t end = rest.find_first_of(" \t");
      std::string_view directive = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
      if (directive == "@pending") {
        size_t reason = rest.find_first_not_of(" \t");
        script->pending = reason == std::string_view::npos ? "pending" : rest.substr(reason);
        continue;
      }
      if (directive == "@unordered") {
        line.mode = Mode::kUnordered;
      } else if (directive == "@shape") {
        line.mode = Mode::kShape;
      } else if (directive == "@scan") {
        line.mode = Mode::kScan;
      } else if (directive == "@resp3") {
        line.mode = Mode::kResp3;
        rest = "HELLO 3";
      } else if (directive == "@resp2") {
        line.mode = Mode::kResp2;
        rest = "HELLO 2";
      } else {
        *error =
            path + ":" + std::to_string(line_no) + ": unknown directive " + std::string(directive);
        return false;
      }
    }
    std::string split_error;
    if (!SplitArgs(rest, &line.args, &split_error)) {
      *error = path + ":" + std::to_string(line_no) + ": " + split_error;
      return false;
    }
    if (line.args.empty()) {
      *error = path + ":" + std::to_string(line_no) + ": directive without a command";
      return false;
    }
    if (line.mode == Mode::kScan && line.args.size() < 2) {
      *error = path + ":" + std::to_string(line_no) + ": @scan needs a cursor argument";
      return false;
    }
    out->push_back(std::move(line));
  }
  return true;
}

// ---- reply normalisation ----

// Canonical RESP encoding of a decoded value (used after reordering elements).
std::string Encode(const RespValue& v) {
  auto agg = [&](char tag, size_t n) {
    std::string s = tag + std::to_string(n) + "\r\n";
    for (const auto& e : v.elems) s += Encode(e);
    return s;
  };
  switch (v.type) {
    case Type::kSimpleString:
      return "+" + v.str + "\r\n";
    case Type::kError:
      return "-" + v.str + "\r\n";
    case Type::kInteger:
      return ":" + std::to_string(v.integer) + "\r\n";
    case Type::kBulk:
      return "$" + std::to_string(v.str.size()) + "\r\n" + v.str + "\r\n";
    case Type::kNull:
      return "_\r\n";
    case Type::kArray:
      return agg('*', v.elems.size());
    case Type::kMap:
      return agg('%', v.elems.size() / 2);
    case Type::kSet:
      return agg('~', v.elems.size());
    case Type::kPush:
      return agg('>', v.elems.size());
    case Type::kDouble:
      return "," + v.str + "\r\n";
    case Type::kBool:
      return std::string("#") + (v.integer ? "t" : "f") + "\r\n";
    case Type::kVerbatim:
      return "=" + std::to_string(v.str.size() + 4) + "\r\ntxt:" + v.str + "\r\n";
    case Type::kBigNumber:
      return "(" + v.str + "\r\n";
  }
  return "?";
}

std::string Unordered(const RespValue& v) {
  if (v.type == Type::kMap) {
    std::vector<std::string> pairs;
    for (size_t i = 0; i + 1 < v.elems.size(); i += 2) {
      pairs.push_back(Encode(v.elems[i]) + Encode(v.elems[i + 1]));
    }
    std::sort(pairs.begin(), pairs.end());
    std::string s = "%" + std::to_string(pairs.size()) + "\r\n";
    for (const auto& p : pairs) s += p;
    return s;
  }
  if (v.type != Type::kArray && v.type != Type::kSet && v.type != Type::kPush) return Encode(v);
  std::vector<std::string> elems;
  for (const auto& e : v.elems) elems.push_back(Encode(e));
  std::sort(elems.begin(), elems.end());
  char tag = v.type == Type::kArray ? '*' : v.type == Type::kSet ? '~' : '>';
  std::string s = tag + std::to_string(elems.size()) + "\r\n";
  for (const auto& e : elems) s += e;
  return s;
}

std::string TypeName(Type t) {
  switch (t) {
    case Type::kSimpleString:
      return "simple";
    case Type::kError:
      return "error";
    case Type::kInteger:
      return "integer";
    case Type::kBulk:
      return "bulk";
    case Type::kNull:
      return "null";
    case Type::kArray:
      return "array";
    case Type::kMap:
      return "map";
    case Type::kSet:
      return "set";
    case Type::kPush:
      return "push";
    case Type::kDouble:
      return "double";
    case Type::kBool:
      return "bool";
    case Type::kVerbatim:
      return "verbatim";
    case Type::kBigNumber:
      return "bignumber";
  }
  return "?";
}

// Types and sizes, map keys by name, error texts in full; scalar values are left out.
std::string Shape(const RespValue& v) {
  switch (v.type) {
    case Type::kError:
      return "error(" + v.str + ")";
    case Type::kMap: {
      std::string s = "map{";
      for (size_t i = 0; i + 1 < v.elems.size(); i += 2) {
        s += (i ? ", " : "") + v.elems[i].str + ": " + Shape(v.elems[i + 1]);
      }
      return s + "}";
    }
    case Type::kArray:
    case Type::kSet:
    case Type::kPush: {
      std::string s = TypeName(v.type) + "[";
      for (size_t i = 0; i < v.elems.size(); ++i) s += (i ? ", " : "") + Shape(v.elems[i]);
      return s + "]";
    }
    default:
      return TypeName(v.type);
  }
}

// ---- running ----

// One side of the comparison: a fresh server and one connection to it.
struct Side {
  explicit Side(std::string binary) : server(std::move(binary)) {}
  ServerProcess server;
  RawClient client;
  std::string name;
  bool lost = false;  // connection gone (server crashed or closed it): stop the script
};

// Runs one line on one side and returns the text to compare.
std::string RunLine(Side* side, const ScriptLine& line) {
  auto call = [&](const std::vector<std::string>& args, RespValue* v, std::string* raw) {
    raw->clear();
    if (side->client.Send(args) && side->client.Read(v, raw)) return true;
    side->lost = true;
    *raw = "<" + side->client.last_error() + ">";
    return false;
  };
  RespValue v;
  std::string raw;
  if (line.mode != Mode::kScan) {
    if (!call(line.args, &v, &raw)) return raw;
    switch (line.mode) {
      case Mode::kExact:
        return raw;
      case Mode::kUnordered:
        return Unordered(v);
      case Mode::kShape:
      case Mode::kResp3:
      case Mode::kResp2:
        return Shape(v);
      case Mode::kScan:
        break;
    }
  }
  std::vector<std::string> args = line.args;
  std::set<std::string> keys;
  for (int round = 0; round < 100000; ++round) {
    if (!call(args, &v, &raw)) return raw;
    if (v.is_error()) return raw;
    if (v.type != Type::kArray || v.elems.size() != 2 || v.elems[0].type != Type::kBulk ||
        v.elems[1].type != Type::kArray) {
      return "<not a SCAN reply: " + EscapeBytes(raw) + ">";
    }
    for (const auto& k : v.elems[1].elems) keys.insert(k.str);
    args[1] = v.elems[0].str;
    if (args[1] == "0") {
      std::string s = "keys{";
      for (const auto& k : keys) s += k + ",";
      return s + "}";
    }
  }
  return "<SCAN did not finish>";
}

std::vector<std::string> FindScripts() {
  std::vector<std::string> paths;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(TESSERA_DIFFERENTIAL_DIR, ec)) {
    if (entry.path().extension() == ".redis") paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

class DifferentialTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DifferentialTest, SameRepliesAsRedis) {
  const std::string& path = GetParam();
  const std::string script = std::filesystem::path(path).filename().string();
  Script parsed;
  std::string error;
  ASSERT_TRUE(ParseScript(path, &parsed, &error)) << error;
  const std::vector<ScriptLine>& lines = parsed.lines;

  if (access(ReferenceServer().c_str(), X_OK) != 0) {
    GTEST_SKIP() << "reference server " << ReferenceServer() << " is not installed";
  }
  Side ref(ReferenceServer());
  Side test(ServerUnderTest());
  ref.name = "reference (" + ReferenceServer() + ")";
  test.name = "under test (" + ServerUnderTest() + ")";
  for (Side* side : {&ref, &test}) {
    ASSERT_TRUE(side->server.Start({}, &error)) << side->name << ": " << error;
    ASSERT_TRUE(side->client.Connect(side->server.port())) << side->client.last_error();
  }

  const char* verbose = std::getenv("TESSERA_DIFF_VERBOSE");
  std::vector<std::string> mismatches;
  for (const ScriptLine& line : lines) {
    std::string want = RunLine(&ref, line);
    std::string got = RunLine(&test, line);
    if (verbose && *verbose == '1') {
      printf("%s:%d: %s\n    %s\n", script.c_str(), line.line_no, line.text.c_str(),
             EscapeBytes(want).c_str());
    }
    if (want != got) {
      mismatches.push_back(script + ":" + std::to_string(line.line_no) + ": " + line.text +
                           "\n  reference:  " + EscapeBytes(want) +
                           "\n  under test: " + EscapeBytes(got));
    }
    // A lost connection is a failure even in a pending script: missing commands never crash.
    if (ref.lost || test.lost) {
      FAIL() << script << ":" << line.line_no << ": connection lost ("
             << (ref.lost ? ref.name : test.name) << "); stopping the script.\n"
             << "server log:\n"
             << (ref.lost ? ref.server.Log() : test.server.Log());
    }
  }
  if (mismatches.empty()) return;

  std::string report;
  for (size_t i = 0; i < mismatches.size() && i < kMaxReportedMismatches; ++i) {
    report += mismatches[i] + "\n";
  }
  std::string summary = script + ": " + std::to_string(mismatches.size()) + " of " +
                        std::to_string(lines.size()) + " replies differ";
  if (!parsed.pending.empty()) {
    GTEST_SKIP() << "pending (" << parsed.pending << "); " << summary << "\n" << report;
  }
  ADD_FAILURE() << summary << "\n" << report;
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  for (char& c : name) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(DifferentialTest);
INSTANTIATE_TEST_SUITE_P(Scripts, DifferentialTest, ::testing::ValuesIn(FindScripts()), TestName);

}  // namespace
}  // namespace tessera::integration
