// Keyspace notifications, differentially: tests/differential/keyspace_events.script runs against
// Debian's redis-server and the server under test under several notify-keyspace-events settings,
// with a subscriber on __key*__:* recording the stream. The streams must be identical.
//
// The stream is cut per script line: after each command the script client PUBLISHes a marker
// that the subscriber also receives, so everything the command announced comes before its
// marker. That compares events line by line (and keeps a failure readable) while still checking
// the order across lines. Lines marked @unordered compare their own events as a multiset.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/server_process.h"

#ifndef TESSERA_DIFFERENTIAL_DIR
#error "TESSERA_DIFFERENTIAL_DIR must name the directory of the differential scripts"
#endif

namespace tessera::integration {
namespace {

using protocol::RespValue;
using Type = RespValue::Type;

constexpr const char* kMarkChannel = "__key__:mark";  // matched by __key*__:*

struct Line {
  int number = 0;
  std::string text;
  std::vector<std::string> args;
  bool unordered = false;
  std::string expired_key;  // @expired KEY
};

std::vector<Line> LoadScript(std::string* error) {
  std::string path = std::string(TESSERA_DIFFERENTIAL_DIR) + "/keyspace_events.script";
  std::ifstream in(path);
  if (!in) {
    *error = "cannot open " + path;
    return {};
  }
  std::vector<Line> lines;
  std::string text;
  for (int n = 1; std::getline(in, text); ++n) {
    if (text.empty() || text[0] == '#') continue;
    Line line;
    line.number = n;
    line.text = text;
    std::istringstream words(text);
    for (std::string w; words >> w;) line.args.push_back(w == "\"\"" ? std::string() : w);
    if (line.args[0] == "@unordered") {
      line.unordered = true;
      line.args.erase(line.args.begin());
    } else if (line.args[0] == "@expired") {
      line.expired_key = line.args.at(1);
      line.args.clear();
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// What one line produced on one server.
struct Outcome {
  std::string reply;
  std::vector<std::string> events;  // "channel payload"
};

// Runs the script on `port` with `flags`; false (and *error) on a harness failure.
bool RunScript(int port, const std::string& flags, const std::vector<Line>& script,
               std::vector<Outcome>* out, std::string* error) {
  RawClient cli, sub;
  if (!cli.Connect(port) || !sub.Connect(port)) {
    *error = "connect failed";
    return false;
  }
  for (const std::vector<std::string>& setup :
       {std::vector<std::string>{"FLUSHALL"},
        {"DEBUG", "SET-ACTIVE-EXPIRE", "0"},
        {"CONFIG", "SET", "notify-keyspace-events", flags}}) {
    RespValue r = cli.Call(setup);
    if (r.is_error()) {
      *error = setup[0] + ": " + r.str;
      return false;
    }
  }
  RespValue confirm = sub.Call({"PSUBSCRIBE", "__key*__:*"});
  if (confirm.elems.size() != 3) {
    *error = "PSUBSCRIBE: " + protocol::DebugString(confirm);
    return false;
  }
  out->assign(script.size(), Outcome());
  for (size_t i = 0; i < script.size(); ++i) {
    const Line& line = script[i];
    Outcome& o = (*out)[i];
    if (!line.expired_key.empty()) {
      // Wait for the deadline to pass; the access that finds the key expired removes it.
      Clock::time_point deadline = Clock::now() + DefaultTimeout();
      while (cli.Call({"PTTL", line.expired_key}).integer != -2) {
        if (Clock::now() > deadline) {
          *error = "line " + std::to_string(line.number) + ": key never expired";
          return false;
        }
      }
    } else {
      RespValue r = cli.Call(line.args);
      if (r.is_error() && r.str.rfind("HARNESS:", 0) == 0) {
        *error = "line " + std::to_string(line.number) + ": " + r.str;
        return false;
      }
      o.reply = protocol::DebugString(r);
    }
    std::string mark = std::to_string(i);
    RespValue receivers = cli.Call({"PUBLISH", kMarkChannel, mark});
    if (receivers.integer != 1) {
      *error = "marker PUBLISH reached " + protocol::DebugString(receivers);
      return false;
    }
    while (true) {
      RespValue frame;
      if (!sub.Read(&frame)) {
        *error = "line " + std::to_string(line.number) + ": subscriber: " + sub.last_error();
        return false;
      }
      if (frame.elems.size() != 4) {
        *error = "unexpected frame " + protocol::DebugString(frame);
        return false;
      }
      const std::string& channel = frame.elems[2].str;
      const std::string& payload = frame.elems[3].str;
      if (channel == kMarkChannel && payload == mark) break;
      o.events.push_back(channel + " " + payload);
    }
    if (line.unordered) std::sort(o.events.begin(), o.events.end());
  }
  return true;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out + "]";
}

class KeyspaceEventsTest : public ::testing::TestWithParam<const char*> {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    script_ = new std::vector<Line>(LoadScript(&error));
    ASSERT_FALSE(script_->empty()) << error;
  }
  static void TearDownTestSuite() {
    delete script_;
    script_ = nullptr;
  }

  void SetUp() override {
    std::string error;
    ASSERT_TRUE(reference_.Start({"--enable-debug-command", "yes"}, &error)) << error;
    std::vector<std::string> args;
    if (tested_.is_redis()) args = {"--enable-debug-command", "yes"};
    ASSERT_TRUE(tested_.Start(args, &error)) << error;
  }

  // The script lines whose command the server under test knows; the rest are listed in
  // *skipped. Also fills *write_commands with the tested server's write commands.
  std::vector<Line> RunnableLines(std::set<std::string>* skipped,
                                  std::set<std::string>* write_commands) {
    RawClient c;
    EXPECT_TRUE(c.Connect(tested_.port()));
    std::map<std::string, bool> known;
    std::vector<Line> lines;
    for (const Line& line : *script_) {
      if (line.args.empty()) {
        lines.push_back(line);
        continue;
      }
      std::string name = Lower(line.args[0]);
      if (!known.count(name)) {
        RespValue info = c.Call({"COMMAND", "INFO", name});
        known[name] = info.elems.size() == 1 && info.elems[0].type == Type::kArray;
      }
      if (known[name]) {
        lines.push_back(line);
      } else {
        skipped->insert(name);
      }
    }
    RespValue all = c.Call({"COMMAND"});
    for (const RespValue& cmd : all.elems) {
      if (cmd.elems.size() < 3) continue;
      for (const RespValue& flag : cmd.elems[2].elems) {
        if (flag.str == "write") write_commands->insert(cmd.elems[0].str);
      }
    }
    return lines;
  }

  static std::vector<Line>* script_;
  ServerProcess reference_{ReferenceServer()};
  ServerProcess tested_;
};

std::vector<Line>* KeyspaceEventsTest::script_ = nullptr;

TEST_P(KeyspaceEventsTest, StreamsMatchRedis) {
  const std::string flags = GetParam();
  std::set<std::string> skipped, write_commands;
  std::vector<Line> lines = RunnableLines(&skipped, &write_commands);
  if (!skipped.empty()) {
    std::string names;
    for (const std::string& s : skipped) names += " " + s;
    RecordProperty("skipped_commands", names);
    std::printf("keyspace events: commands the tested server lacks, skipped:%s\n", names.c_str());
  }

  std::vector<Outcome> expected, actual;
  std::string error;
  ASSERT_TRUE(RunScript(reference_.port(), flags, lines, &expected, &error))
      << "redis-server: " << error;
  ASSERT_TRUE(RunScript(tested_.port(), flags, lines, &actual, &error))
      << tested_.binary() << ": " << error;

  int mismatches = 0;
  size_t total_events = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    total_events += expected[i].events.size();
    if (expected[i].events == actual[i].events) continue;
    if (++mismatches > 40) continue;
    ADD_FAILURE() << "flags '" << flags << "', script line " << lines[i].number << ": "
                  << lines[i].text << "\n  redis:  " << Join(expected[i].events) << "  reply "
                  << expected[i].reply << "\n  tested: " << Join(actual[i].events) << "  reply "
                  << actual[i].reply;
  }
  EXPECT_EQ(mismatches, 0) << "of " << lines.size() << " lines";
  std::printf(
      "keyspace events '%s': %zu script lines, %zu events from redis-server, %d lines "
      "differ\n",
      flags.c_str(), lines.size(), total_events, mismatches);
  // The script must make the broad settings announce plenty, or it proves nothing.
  if (flags == std::string("AKE")) {
    EXPECT_GT(total_events, 200u);
  }

  // Every write command Tessera has must be exercised by the script, so a new command cannot
  // slip through unchecked. (Redis has a few the script cannot drive alone: MIGRATE, RESTORE...)
  if (tested_.is_redis()) return;
  std::set<std::string> in_script;
  for (const Line& line : lines) {
    if (!line.args.empty()) in_script.insert(Lower(line.args[0]));
  }
  for (const std::string& cmd : write_commands) {
    if (cmd.find('|') != std::string::npos) continue;  // container subcommands
    EXPECT_TRUE(in_script.count(cmd))
        << "write command '" << cmd << "' is not in keyspace_events.script";
  }
}

// "A" with both channel kinds; narrower classes on one channel kind; new-key and key-miss events.
INSTANTIATE_TEST_SUITE_P(Flags, KeyspaceEventsTest,
                         ::testing::Values("AKE", "K$", "Egx", "KEAn", "KElshzm"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name;
                           for (const char* p = info.param; *p; ++p) {
                             name += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace tessera::integration
