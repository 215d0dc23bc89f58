// Command lookup: case-insensitive as in Redis, unknown names and subcommands fail cleanly,
// whatever the length of the name (the index packs names of up to 16 bytes into words).
#include "src/engine/command_registry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tessera::engine {
namespace {

CommandSpec Spec(std::string name, std::vector<std::string> subs = {}) {
  CommandSpec spec;
  spec.name = std::move(name);
  spec.arity = -1;
  for (std::string& sub : subs) {
    CommandSpec s;
    s.name = std::move(sub);
    s.arity = -2;
    spec.subcommands.push_back(std::move(s));
  }
  return spec;
}

// tolower() in the C locale, the reference the registry must agree with.
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Names of every length the index treats differently (1-3 bytes, 4-7, 8-16 and past 16), some
// with bytes next to the letters in ASCII or above it.
const std::vector<std::string> kNames = {"x",
                                         "ab",
                                         "a1_",
                                         "get",
                                         "ping",
                                         "@[`{9z",
                                         "caf\xc3\xa9",
                                         "hgetall",
                                         "flushall",
                                         "georadius_ro",
                                         "zrangebyscore",
                                         "abcdefghijklmnop",
                                         "georadiusbymember",
                                         "georadiusbymember_ro"};

CommandRegistry Registry() {
  CommandRegistry registry;
  for (const std::string& name : kNames) registry.Add(Spec(name));
  return registry;
}

TEST(CommandRegistryTest, FindsEveryNameInAnyCase) {
  CommandRegistry registry = Registry();
  for (const std::string& name : kNames) {
    const CommandSpec* spec = registry.Find(name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_EQ(spec->name, name);
    std::string upper = name;
    for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    EXPECT_EQ(registry.Find(upper), spec) << upper;
    std::string mixed = name;
    for (size_t i = 0; i < mixed.size(); i += 2) mixed[i] = upper[i];
    EXPECT_EQ(registry.Find(mixed), spec) << mixed;
  }
}

TEST(CommandRegistryTest, RegisteredNamesAreLowerCased) {
  CommandRegistry registry;
  registry.Add(Spec("HGetAll"));
  const CommandSpec* spec = registry.Find("hgetall");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->name, "hgetall");
}

// Every byte value at every position of every name: found exactly when it folds to the
// registered byte. Catches a case fold that touches '@', '[', '`', '{' or bytes >= 0x80.
TEST(CommandRegistryTest, OnlyAsciiLettersFoldCase) {
  CommandRegistry registry = Registry();
  for (const std::string& name : kNames) {
    const CommandSpec* spec = registry.Find(name);
    for (size_t pos = 0; pos < name.size(); ++pos) {
      for (int b = 0; b < 256; ++b) {
        std::string probe = name;
        probe[pos] = static_cast<char>(b);
        bool same = Lower(probe[pos]) == name[pos];
        EXPECT_EQ(registry.Find(probe), same ? spec : nullptr)
            << name << " with byte " << b << " at " << pos;
      }
    }
  }
}

TEST(CommandRegistryTest, UnknownNames) {
  CommandRegistry registry = Registry();
  for (std::string_view name :
       {"", "g", "ge", "gett", "pin", "pingg", "flushal", "abcdefghijklmno", "abcdefghijklmnopq",
        "georadiusbymember_r", "georadiusbymember_rox"}) {
    EXPECT_EQ(registry.Find(name), nullptr) << name;
  }
  EXPECT_EQ(registry.Find(std::string_view("get\0", 4)), nullptr);
  EXPECT_EQ(registry.Find(std::string(64, 'a')), nullptr);
  EXPECT_EQ(registry.Find(std::string(100000, 'G')), nullptr);
}

// Past 16 bytes the packed key holds only the first and last 8 bytes: the middle must still
// be compared.
TEST(CommandRegistryTest, LongNamesDifferingOnlyInTheMiddleAreDistinct) {
  CommandRegistry registry = Registry();
  EXPECT_EQ(registry.Find("georadiXsbymember"), nullptr);
  EXPECT_EQ(registry.Find("georadiusbyXember_ro"), nullptr);
  registry.Add(Spec("georadiXsbymember"));
  EXPECT_EQ(registry.Find("GEORADIXSBYMEMBER")->name, "georadixsbymember");
  EXPECT_EQ(registry.Find("GEORADIUSBYMEMBER")->name, "georadiusbymember");
}

TEST(CommandRegistryTest, EmptyRegistryFindsNothing) {
  CommandRegistry registry;
  EXPECT_EQ(registry.Find(""), nullptr);
  EXPECT_EQ(registry.Find("get"), nullptr);
}

TEST(CommandRegistryTest, ManyCommandsStayFindableAsTheIndexGrows) {
  CommandRegistry registry;
  std::vector<std::string> names;
  for (int i = 0; i < 700; ++i) names.push_back("cmd" + std::to_string(i * 7919));
  for (const std::string& name : names) registry.Add(Spec(name));
  for (const std::string& name : names) {
    const CommandSpec* spec = registry.Find(name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_EQ(spec->name, name);
  }
  EXPECT_EQ(registry.Find("cmd1"), nullptr);
  EXPECT_EQ(registry.all().size(), names.size());
}

TEST(CommandRegistryTest, ALaterRegistrationReplacesAnEarlierOne) {
  CommandRegistry registry = Registry();
  CommandSpec second = Spec("GET");
  second.arity = 2;
  registry.Add(std::move(second));
  ASSERT_NE(registry.Find("get"), nullptr);
  EXPECT_EQ(registry.Find("get")->arity, 2);
}

TEST(CommandRegistryTest, SubcommandsAreCaseInsensitive) {
  CommandRegistry registry;
  registry.Add(Spec("config", {"get", "SET", "resetstat"}));
  registry.Add(Spec("client", {"list"}));
  const CommandSpec* config = registry.Find("CONFIG");
  ASSERT_NE(config, nullptr);
  ASSERT_EQ(config->subcommands.size(), 3u);
  EXPECT_EQ(config->subcommands[1].name, "config|set");
  EXPECT_EQ(registry.FindSub(*config, "get"), &config->subcommands[0]);
  EXPECT_EQ(registry.FindSub(*config, "GeT"), &config->subcommands[0]);
  EXPECT_EQ(registry.FindSub(*config, "set"), &config->subcommands[1]);
  EXPECT_EQ(registry.FindSub(*config, "RESETSTAT"), &config->subcommands[2]);
  for (std::string_view unknown : {"", "ge", "gets", "list", "config|get", "|get"}) {
    EXPECT_EQ(registry.FindSub(*config, unknown), nullptr) << unknown;
  }
  EXPECT_EQ(registry.FindSub(*config, std::string_view("get\0", 4)), nullptr);
  EXPECT_EQ(registry.FindSub(*registry.Find("client"), "LIST"),
            &registry.Find("client")->subcommands[0]);
  // Subcommands are not top-level commands.
  EXPECT_EQ(registry.Find("config|get"), nullptr);
}

}  // namespace
}  // namespace tessera::engine
