// The AOF manifest: Redis 7.0's exact text, what it accepts and what it rejects (each case was
// checked against redis-server 7.0.15 starting on that manifest), and the atomic write.
#include "src/persistence/aof_manifest.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/unit/persistence/aof_test_util.h"

namespace tessera::persistence {
namespace {

using aoftest::ReadFile;
using aoftest::TempDir;
using aoftest::WriteFile;

AofManifest Sample() {
  AofManifest m;
  m.base = AofFileInfo{"appendonly.aof.2.base.rdb", 2, AofFileType::kBase};
  m.history.push_back({"appendonly.aof.1.base.rdb", 1, AofFileType::kHistory});
  m.history.push_back({"appendonly.aof.1.incr.aof", 1, AofFileType::kHistory});
  m.incrs.push_back({"appendonly.aof.2.incr.aof", 2, AofFileType::kIncr});
  m.incrs.push_back({"appendonly.aof.3.incr.aof", 3, AofFileType::kIncr});
  return m;
}

TEST(AofManifest, SerializesLikeRedis) {
  AofManifest m;
  m.base = AofFileInfo{"appendonly.aof.1.base.rdb", 1, AofFileType::kBase};
  m.incrs.push_back({"appendonly.aof.1.incr.aof", 1, AofFileType::kIncr});
  // Byte for byte what redis-server 7.0 writes for a fresh AOF.
  EXPECT_EQ(SerializeAofManifest(m),
            "file appendonly.aof.1.base.rdb seq 1 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type i\n");
  EXPECT_EQ(SerializeAofManifest(Sample()),
            "file appendonly.aof.2.base.rdb seq 2 type b\n"
            "file appendonly.aof.1.base.rdb seq 1 type h\n"
            "file appendonly.aof.1.incr.aof seq 1 type h\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n"
            "file appendonly.aof.3.incr.aof seq 3 type i\n");
}

TEST(AofManifest, RoundTripsIncludingNamesThatNeedQuoting) {
  AofManifest m = Sample();
  m.incrs.push_back({"with space.aof", 4, AofFileType::kIncr});
  m.incrs.push_back({"quote\"back\\slash", 5, AofFileType::kIncr});
  m.incrs.push_back(
      {std::string("ctl\n\r\t\x01\xff") + std::string(1, '\0') + "z", 6, AofFileType::kIncr});
  m.incrs.push_back({"#hash", 7, AofFileType::kIncr});
  m.incrs.push_back({"'single", 8, AofFileType::kIncr});
  const std::string text = SerializeAofManifest(m);
  AofManifest parsed;
  std::string error;
  ASSERT_TRUE(ParseAofManifest(text, &parsed, &error)) << error << "\n" << text;
  EXPECT_EQ(parsed, m);
  EXPECT_NE(text.find("file \"with space.aof\" seq 4 type i\n"), std::string::npos) << text;
}

TEST(AofManifest, AcceptsWhatRedisAccepts) {
  const char* text =
      "# a comment line\n"
      "  file appendonly.aof.1.base.aof seq 1 type b  \r\n"  // surrounding blanks, CRLF
      "type i seq 2 file appendonly.aof.2.incr.aof\n"        // any key order
      "file 'a b.aof' seq 3 type i future-key 5\n"           // single quotes, unknown key
      "file \"x\\x41y\" seq 4 type ix\n"                     // \xHH; only type's first byte
      "file appendonly.aof.5.incr.aof seq 1 seq 5 type i\n"  // repeated key: last wins
      "file appendonly.aof.0.incr.aof seq 9 type h\n";       // history does not affect order
  AofManifest m;
  std::string error;
  ASSERT_TRUE(ParseAofManifest(text, &m, &error)) << error;
  ASSERT_TRUE(m.base.has_value());
  EXPECT_EQ(m.base->name, "appendonly.aof.1.base.aof");
  ASSERT_EQ(m.incrs.size(), 4u);
  EXPECT_EQ(m.incrs[0].name, "appendonly.aof.2.incr.aof");
  EXPECT_EQ(m.incrs[1].name, "a b.aof");
  EXPECT_EQ(m.incrs[2].name, "xAy");
  EXPECT_EQ(m.incrs[3].seq, 5);
  ASSERT_EQ(m.history.size(), 1u);
  EXPECT_EQ(m.NextBaseSeq(), 2);
  EXPECT_EQ(m.NextIncrSeq(), 6);

  // Only comments: no files, which is a fresh AOF (Redis creates a new one).
  ASSERT_TRUE(ParseAofManifest("# nothing\n", &m, &error)) << error;
  EXPECT_TRUE(m.empty());
}

TEST(AofManifest, RejectsWhatRedisRejectsNamingTheLine) {
  struct Case {
    std::string text;
    std::string error;
  };
  const std::string base = "file appendonly.aof.1.base.aof seq 1 type b\n";
  auto at = [](int line, const std::string& content, const std::string& why) {
    return "Reading the manifest file, at line " + std::to_string(line) + "\n>>> '" + content +
           "'\n" + why;
  };
  const Case cases[] = {
      {"", "Found an empty AOF manifest"},
      {base + "\n", at(2, "", "Invalid AOF manifest file format")},
      {base + "file appendonly.aof.1.incr.aof seq 1\n",
       at(2, "file appendonly.aof.1.incr.aof seq 1", "Invalid AOF manifest file format")},
      {base + "file appendonly.aof.1.incr.aof seq 1 type i foo\n",
       at(2, "file appendonly.aof.1.incr.aof seq 1 type i foo",
          "Invalid AOF manifest file format")},
      {"file appendonly.aof.1.base.aof seq 0 type b\n",
       at(1, "file appendonly.aof.1.base.aof seq 0 type b", "Invalid AOF manifest file format")},
      {"file appendonly.aof.1.base.aof seq abc type b\n",
       at(1, "file appendonly.aof.1.base.aof seq abc type b", "Invalid AOF manifest file format")},
      {"file \"unterminated seq 1 type b\n",
       at(1, "file \"unterminated seq 1 type b", "Invalid AOF manifest file format")},
      {"seq 1 type b x y\n", at(1, "seq 1 type b x y", "Invalid AOF manifest file format")},
      {base + "file appendonly.aof.1.incr.aof seq 1 type x\n",
       at(2, "file appendonly.aof.1.incr.aof seq 1 type x", "Unknown AOF file type")},
      {base + base, at(2, "file appendonly.aof.1.base.aof seq 1 type b",
                       "Found duplicate base file information")},
      {base + "file a seq 3 type i\nfile b seq 2 type i\n",
       at(3, "file b seq 2 type i", "Found a non-monotonic sequence number")},
      {base + "file a seq 3 type i\nfile b seq 3 type i\n",
       at(3, "file b seq 3 type i", "Found a non-monotonic sequence number")},
      {base + "file ../x seq 1 type i\n",
       at(2, "file ../x seq 1 type i", "File can't be a path, just a filename")},
      {base + "file appendonly.aof.1.incr.aof seq 1 type i",  // no final newline
       "The AOF manifest file contains too long line"},
      {base + "file a seq 1 type i x " + std::string(1100, 'y') + "\n",
       "The AOF manifest file contains too long line"},
  };
  for (const Case& c : cases) {
    AofManifest m;
    std::string error;
    EXPECT_FALSE(ParseAofManifest(c.text, &m, &error)) << c.text;
    EXPECT_EQ(error, c.error) << c.text;
  }
}

TEST(AofManifest, LongestAcceptedLine) {
  // Redis reads a line into a 1024-byte buffer including '\n'.
  std::string line = "file a seq 1 type i x ";
  line += std::string(kAofManifestMaxLine - 1 - line.size(), 'y');
  AofManifest m;
  std::string error;
  EXPECT_TRUE(ParseAofManifest(line + "\n", &m, &error)) << error;
  EXPECT_FALSE(ParseAofManifest(line + "y\n", &m, &error));
}

TEST(AofManifest, WritesAtomicallyAndReadsBack) {
  TempDir dir;
  std::string error;
  ASSERT_TRUE(WriteAofManifestFile(dir.path, "appendonly.aof.manifest", Sample(), &error)) << error;
  EXPECT_EQ(ReadFile(dir.path + "/appendonly.aof.manifest"), SerializeAofManifest(Sample()));
  EXPECT_FALSE(std::filesystem::exists(dir.path + "/temp-appendonly.aof.manifest"));

  AofManifest m;
  bool missing = true;
  ASSERT_TRUE(ReadAofManifestFile(dir.path + "/appendonly.aof.manifest", &m, &missing, &error));
  EXPECT_FALSE(missing);
  EXPECT_EQ(m, Sample());

  EXPECT_FALSE(ReadAofManifestFile(dir.path + "/nope.manifest", &m, &missing, &error));
  EXPECT_TRUE(missing);
}

}  // namespace
}  // namespace tessera::persistence
