#include "protocol/command_args.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>

namespace tessera::protocol {
namespace {

TEST(CommandArgsTest, InitializerListKeepsEveryArgumentIncludingEmptyOnes) {
  CommandArgs args{"SET", "", "v\r\n\0x"};
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[0], "SET");
  EXPECT_EQ(args[1], "");
  EXPECT_EQ(args[2], "v\r\n");  // a string literal stops at its NUL
  EXPECT_EQ(args.bytes(), 6u);
}

TEST(CommandArgsTest, DefaultIsEmpty) {
  CommandArgs args;
  EXPECT_TRUE(args.empty());
  EXPECT_EQ(args.size(), 0u);
  EXPECT_EQ(args.bytes(), 0u);
  EXPECT_TRUE(args.ToVector().empty());
}

TEST(CommandArgsTest, AppendIsBinarySafe) {
  CommandArgs args;
  args.Append(std::string_view("a\0b", 3));
  args.Append("cd");
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[0], std::string_view("a\0b", 3));
  EXPECT_EQ(args[1], "cd");
}

TEST(CommandArgsTest, StartArgIsFilledThroughThePointer) {
  CommandArgs args{"GET"};
  char* dst = args.StartArg(3);
  std::memcpy(dst, "key", 3);
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[1], "key");
  EXPECT_EQ(args.bytes(), 6u);
}

TEST(CommandArgsTest, OpenArgGrowsTheLastArgument) {
  CommandArgs args{"SET", "k"};
  args.OpenArg();
  EXPECT_EQ(args.size(), 3u);
  EXPECT_EQ(args[2], "");
  args.AppendToLastArg("hel");
  args.AppendToLastArg("lo");
  EXPECT_EQ(args[2], "hello");
  EXPECT_EQ(args[1], "k");
  args.Append("EX");
  EXPECT_EQ(args[3], "EX");
}

TEST(CommandArgsTest, ToVectorListsArgumentsInOrder) {
  CommandArgs args{"MSET", "a", "1", "b", "2"};
  std::vector<std::string_view> v = args.ToVector();
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v[0], "MSET");
  EXPECT_EQ(v[3], "b");
  EXPECT_EQ(v[4], "2");
}

TEST(CommandArgsTest, MoveCarriesTheArgumentsAndCopyDuplicatesThem) {
  CommandArgs a{"PING", "hello"};
  CommandArgs copy = a;
  CommandArgs moved = std::move(a);
  EXPECT_EQ(moved.size(), 2u);
  EXPECT_EQ(moved[1], "hello");
  EXPECT_EQ(copy[0], "PING");
  EXPECT_EQ(copy[1], "hello");
}

TEST(CommandArgsTest, ClearEmptiesAndAllowsReuse) {
  CommandArgs args{"a", "b"};
  args.Clear();
  EXPECT_TRUE(args.empty());
  EXPECT_EQ(args.bytes(), 0u);
  args.Append("c");
  EXPECT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0], "c");
}

}  // namespace
}  // namespace tessera::protocol
