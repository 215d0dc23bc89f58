// AofReader: every prefix of a sample AOF is either a clean end or a truncation at the right
// offset (with an unfinished MULTI reverted), garbage is an error naming the offset, RDB
// preambles are recognised, and values larger than the read buffer come through whole.
#include "src/persistence/aof_reader.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "src/persistence/aof_dir.h"
#include "tests/unit/persistence/aof_test_util.h"

namespace tessera::persistence {
namespace {

using aoftest::ReadFile;
using aoftest::TempDir;
using aoftest::WriteFile;

namespace fs = std::filesystem;
using Result = AofReader::Result;
using Args = std::vector<std::string>;

struct ReadAll {
  std::vector<Args> commands;
  Result end = Result::kError;
  uint64_t valid_offset = 0;
  std::string error;
};

ReadAll Read(const std::string& path, uint64_t start = 0) {
  ReadAll out;
  AofReader reader;
  if (!reader.Open(path, "test.aof", start)) {
    out.error = reader.error();
    return out;
  }
  Args args;
  Result r;
  while ((r = reader.Next(&args)) == Result::kCommand) out.commands.push_back(args);
  out.end = r;
  out.valid_offset = reader.valid_offset();
  out.error = reader.error();
  return out;
}

// A sample with every construct the loader sees: SELECT, commands, an annotation, a MULTI block,
// an empty bulk and binary bytes.
struct Sample {
  std::string bytes;
  std::vector<Args> commands;
  std::vector<uint64_t> ends;  // offset after each command
  std::vector<bool> in_multi;  // command i is MULTI or inside an open MULTI (before its EXEC)
  std::vector<uint64_t> multi_start;

  void Add(std::initializer_list<std::string_view> args) {
    bool opens = EqualsMulti(*args.begin());
    bool closes = *args.begin() == "EXEC";
    if (opens) open_multi = bytes.size();
    AppendRespCommand(&bytes, args);
    commands.emplace_back(args.begin(), args.end());
    ends.push_back(bytes.size());
    in_multi.push_back(open_multi != kNone && !closes);
    multi_start.push_back(open_multi);
    if (closes) open_multi = kNone;
  }
  void Annotate(const std::string& line) { bytes += line; }
  static bool EqualsMulti(std::string_view s) { return s == "MULTI"; }
  static constexpr uint64_t kNone = ~uint64_t{0};
  uint64_t open_multi = kNone;
};

Sample MakeSample() {
  Sample s;
  s.Add({"SELECT", "0"});
  s.Add({"SET", "a", "1"});
  s.Annotate("#TS:1700000000\r\n");
  s.Add({"MULTI"});
  s.Add({"INCR", "a"});
  s.Add({"SET", "b", ""});
  s.Add({"EXEC"});
  s.Add({"SELECT", "12"});
  s.Add({"SET", std::string_view("bin\0\r\nkey", 9), "v"});
  return s;
}

TEST(AofReader, ReadsACompleteFile) {
  TempDir tmp;
  Sample s = MakeSample();
  WriteFile(tmp.path + "/f", s.bytes);
  ReadAll r = Read(tmp.path + "/f");
  EXPECT_EQ(r.end, Result::kEnd) << r.error;
  EXPECT_EQ(r.commands, s.commands);
  EXPECT_EQ(r.valid_offset, s.bytes.size());

  WriteFile(tmp.path + "/empty", "");
  r = Read(tmp.path + "/empty");
  EXPECT_EQ(r.end, Result::kEnd);
  EXPECT_TRUE(r.commands.empty());
}

// Cut the sample at every byte: a cut on a command boundary (outside MULTI) reads cleanly to
// kEnd; any other cut is kTruncated at the end of the last complete command, or at the start of
// an unfinished MULTI; truncating there gives a file that reads cleanly.
TEST(AofReader, EveryPrefixIsEndOrTruncatedAtTheRightOffset) {
  TempDir tmp;
  Sample s = MakeSample();
  const std::string path = tmp.path + "/f";
  for (size_t len = 0; len <= s.bytes.size(); ++len) {
    WriteFile(path, s.bytes.substr(0, len));
    // Expected: the commands fully inside the prefix.
    size_t complete = 0;
    while (complete < s.ends.size() && s.ends[complete] <= len) ++complete;
    const uint64_t last_end = complete == 0 ? 0 : s.ends[complete - 1];
    const bool open_multi = complete > 0 && s.in_multi[complete - 1];
    // An annotation counts as complete once its newline is in.
    const size_t ann = s.bytes.find("#TS");
    const size_t ann_end = s.bytes.find('\n', ann) + 1;
    uint64_t valid = open_multi ? s.multi_start[complete - 1] : last_end;
    if (!open_multi && last_end == ann && len >= ann_end) valid = ann_end;
    const bool clean = (len == last_end || (len == ann_end && last_end == ann)) && !open_multi;

    ReadAll r = Read(path);
    ASSERT_EQ(r.end, clean ? Result::kEnd : Result::kTruncated) << "len " << len << r.error;
    ASSERT_EQ(r.commands.size(), complete) << "len " << len;
    ASSERT_EQ(r.valid_offset, clean ? len : valid) << "len " << len;
    if (!clean) {
      // TruncateTo fsyncs, which is slow on a real disk: use it for some cuts only.
      std::string error;
      if (len % 16 == 0) {
        ASSERT_TRUE(TruncateTo(path, r.valid_offset, &error)) << error;
      } else {
        WriteFile(path, s.bytes.substr(0, r.valid_offset));
      }
      ReadAll again = Read(path);
      ASSERT_EQ(again.end, Result::kEnd) << "len " << len;
    }
  }
}

TEST(AofReader, MultiWithoutExecIsTruncatedAtTheMulti) {
  TempDir tmp;
  std::string bytes;
  AppendRespCommand(&bytes, {"SET", "a", "1"});
  const size_t multi_at = bytes.size();
  AppendRespCommand(&bytes, {"multi"});  // any case, as Redis's command lookup
  AppendRespCommand(&bytes, {"SET", "a", "2"});
  AppendRespCommand(&bytes, {"SET", "a", "3"});
  WriteFile(tmp.path + "/f", bytes);
  ReadAll r = Read(tmp.path + "/f");
  EXPECT_EQ(r.end, Result::kTruncated);
  EXPECT_EQ(r.commands.size(), 4u);  // the caller queued 3 of them and discards the queue
  EXPECT_EQ(r.valid_offset, multi_at);
}

TEST(AofReader, GarbageIsAnErrorNamingTheOffset) {
  TempDir tmp;
  std::string good;
  AppendRespCommand(&good, {"SET", "a", "1"});
  const std::string prefix_at = std::to_string(good.size());
  struct Case {
    std::string bytes;
    std::string offset;
  };
  const Case cases[] = {
      {"hello\r\n", "0"},
      {good + "+OK\r\n", prefix_at},
      {good + "*1\r\n$3\r\nfooXX", prefix_at},  // missing CRLF after the bulk
      {good + "*0\r\n", prefix_at},
      {good + "*-1\r\n", prefix_at},
      {good + "*1\r\n:3\r\n", prefix_at},
      {good + "*1\r\n$-5\r\n", prefix_at},
      {good + "*1\r\n$abc\r\n", prefix_at},
      {good + "*1\n", prefix_at},
      {good + "*1\r\r", prefix_at},
      {good + "*1\r\n$99999999999999999999\r\n", prefix_at},
      {"*x", "0"},  // cannot become valid, even though the file ends right there
      {std::string("\0\0\0\0", 4), "0"},
  };
  for (const Case& c : cases) {
    WriteFile(tmp.path + "/f", c.bytes);
    AofReader reader;
    ASSERT_TRUE(reader.Open(tmp.path + "/f", "appendonly.aof.1.incr.aof"));
    Args args;
    Result r;
    while ((r = reader.Next(&args)) == Result::kCommand) {
    }
    EXPECT_EQ(r, Result::kError) << testing::PrintToString(c.bytes);
    EXPECT_EQ(reader.error(),
              "Bad file format reading the append only file appendonly.aof.1.incr.aof at offset " +
                  c.offset)
        << testing::PrintToString(c.bytes);
    EXPECT_EQ(std::to_string(reader.error_offset()), c.offset);
    EXPECT_STRNE(reader.error_detail(), "");
    EXPECT_EQ(reader.Next(&args), Result::kError);  // sticky
  }
}

TEST(AofReader, DetectsAnRdbPreambleAndReadsTheTailFromAnOffset) {
  TempDir tmp;
  const std::string rdb = "REDIS0010<rdb body>\xff";
  std::string tail;
  AppendRespCommand(&tail, {"SET", "after", "rdb"});
  WriteFile(tmp.path + "/f", rdb + tail);
  AofReader reader;
  ASSERT_TRUE(reader.Open(tmp.path + "/f", "f"));
  EXPECT_TRUE(reader.rdb_preamble());
  Args args;
  EXPECT_EQ(reader.Next(&args), Result::kError);

  ReadAll r = Read(tmp.path + "/f", rdb.size());
  EXPECT_EQ(r.end, Result::kEnd) << r.error;
  ASSERT_EQ(r.commands.size(), 1u);
  EXPECT_EQ(r.commands[0], (Args{"SET", "after", "rdb"}));
  EXPECT_EQ(r.valid_offset, rdb.size() + tail.size());

  AofReader short_file;
  WriteFile(tmp.path + "/g", "RED");
  ASSERT_TRUE(short_file.Open(tmp.path + "/g", "g"));
  EXPECT_FALSE(short_file.rdb_preamble());
}

TEST(AofReader, ValuesLargerThanTheBufferAndManyCommands) {
  TempDir tmp;
  std::string big(200'000, 'x');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  std::string bytes;
  for (int i = 0; i < 3000; ++i) AppendRespCommand(&bytes, {"RPUSH", "l", std::to_string(i)});
  AppendRespCommand(&bytes, {"SET", "big", big});
  AppendRespCommand(&bytes, {"SET", "after", "big"});
  WriteFile(tmp.path + "/f", bytes);
  AofReader reader;
  ASSERT_TRUE(reader.Open(tmp.path + "/f", "f"));
  protocol::CommandArgs args;
  for (int i = 0; i < 3000; ++i) {
    ASSERT_EQ(reader.Next(&args), Result::kCommand);
    ASSERT_EQ(args[2], std::to_string(i));
  }
  ASSERT_EQ(reader.Next(&args), Result::kCommand);
  EXPECT_EQ(args[2], big);
  ASSERT_EQ(reader.Next(&args), Result::kCommand);
  EXPECT_EQ(args[1], "after");
  EXPECT_EQ(reader.Next(&args), Result::kEnd);
  EXPECT_EQ(reader.commands_read(), 3002u);

  // Cut inside the big value: truncated at the command before it.
  const size_t big_start = bytes.find("*3\r\n$3\r\nSET\r\n$3\r\nbig");
  WriteFile(tmp.path + "/f", bytes.substr(0, big_start + 100'000));
  ReadAll r = Read(tmp.path + "/f");
  EXPECT_EQ(r.end, Result::kTruncated);
  EXPECT_EQ(r.valid_offset, big_start);
}

// Random corruption of a valid file never crashes or over-reads, and the reported offsets stay
// inside the file.
TEST(AofReader, SurvivesRandomCorruption) {
  TempDir tmp;
  const std::string path = tmp.path + "/f";
  const std::string good = MakeSample().bytes;
  std::mt19937 rng(7);
  for (int iter = 0; iter < 120; ++iter) {
    std::string bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    WriteFile(path, bytes);
    ReadAll r = Read(path);
    ASSERT_LE(r.valid_offset, bytes.size());
    if (r.end == Result::kError) {
      ASSERT_NE(r.error.find("Bad file format"), std::string::npos) << r.error;
    }
  }
}

TEST(AofReader, MissingFile) {
  AofReader reader;
  EXPECT_FALSE(reader.Open("/nonexistent/x.aof", "x.aof"));
  EXPECT_EQ(reader.error(), "Can't open the append-only file x.aof: No such file or directory");
}

}  // namespace
}  // namespace tessera::persistence
