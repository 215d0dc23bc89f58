#include "protocol/resp_reader.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "protocol/reply_builder.h"

namespace tessera::protocol {
namespace {

using Type = RespValue::Type;

// Reads exactly one value from `bytes`, fed all at once; fails the test otherwise.
RespValue ReadOne(std::string_view bytes) {
  RespReader reader;
  reader.Feed(bytes);
  RespValue v;
  std::string raw;
  EXPECT_EQ(reader.Next(&v, &raw), RespReader::Status::kValue) << reader.error();
  EXPECT_EQ(raw, bytes);
  EXPECT_EQ(reader.buffered(), 0u);
  return v;
}

// Feeds `bytes` one at a time; the value must appear exactly when its last byte arrives.
RespValue ReadByteByByte(std::string_view bytes) {
  RespReader reader;
  RespValue v;
  for (size_t i = 0; i + 1 < bytes.size(); ++i) {
    reader.Feed(bytes.substr(i, 1));
    EXPECT_EQ(reader.Next(&v), RespReader::Status::kNeedMore) << "after byte " << i;
  }
  reader.Feed(bytes.substr(bytes.size() - 1));
  EXPECT_EQ(reader.Next(&v), RespReader::Status::kValue) << reader.error();
  return v;
}

template <typename Fill>
std::string Build(RespVersion version, Fill fill) {
  std::string out;
  ReplyBuilder rb(&out, version);
  fill(rb);
  return out;
}

TEST(RespReaderTest, ScalarsRoundTripInResp3) {
  const RespVersion v3 = RespVersion::kResp3;
  RespValue v = ReadOne(Build(v3, [](ReplyBuilder& rb) { rb.SimpleString("OK"); }));
  EXPECT_EQ(v.type, Type::kSimpleString);
  EXPECT_EQ(v.str, "OK");

  v = ReadOne(Build(v3, [](ReplyBuilder& rb) { rb.Error("ERR bad\nthing"); }));
  EXPECT_EQ(v.type, Type::kError);
  EXPECT_TRUE(v.is_error());
  EXPECT_EQ(v.str, "ERR bad thing");

  v = ReadOne(Build(v3, [](ReplyBuilder& rb) { rb.Integer(INT64_MIN); }));
  EXPECT_EQ(v.type, Type::kInteger);
  EXPECT_EQ(v.integer, INT64_MIN);

  v = ReadOne(Build(v3, [](ReplyBuilder& rb) { rb.Bulk(std::string_view("a\r\n\0", 4)); }));
  EXPECT_EQ(v.type, Type::kBulk);
  EXPECT_EQ(v.str, std::string_view("a\r\n\0", 4));

  v = ReadOne(Build(v3, [](ReplyBuilder& rb) { rb.Null(); }));
  EXPECT_EQ(v.type, Type::kNull);
  v = ReadOne(Build(v3, [](ReplyBuilder& rb) { rb.NullArray(); }));
  EXPECT_EQ(v.type, Type::kNull);

  v = ReadOne(Build(v3, [](ReplyBuilder& rb) { rb.Double(0.1); }));
  EXPECT_EQ(v.type, Type::kDouble);
  EXPECT_EQ(v.str, "0.10000000000000001");
  v = ReadOne(
      Build(v3, [](ReplyBuilder& rb) { rb.Double(-std::numeric_limits<double>::infinity()); }));
  EXPECT_EQ(v.str, "-inf");

  v = ReadOne(Build(v3, [](ReplyBuilder& rb) { rb.Bool(true); }));
  EXPECT_EQ(v.type, Type::kBool);
  EXPECT_EQ(v.integer, 1);
  v = ReadOne(Build(v3, [](ReplyBuilder& rb) { rb.Bool(false); }));
  EXPECT_EQ(v.integer, 0);

  v = ReadOne(Build(v3, [](ReplyBuilder& rb) { rb.Verbatim("line1\r\nline2"); }));
  EXPECT_EQ(v.type, Type::kVerbatim);
  EXPECT_EQ(v.str, "line1\r\nline2");

  v = ReadOne(Build(v3, [](ReplyBuilder& rb) { rb.BigNumber("-1234567890123456789012"); }));
  EXPECT_EQ(v.type, Type::kBigNumber);
  EXPECT_EQ(v.str, "-1234567890123456789012");
}

TEST(RespReaderTest, Resp2DowngradesReadBackAsResp2Types) {
  const RespVersion v2 = RespVersion::kResp2;
  RespValue v = ReadOne(Build(v2, [](ReplyBuilder& rb) { rb.Null(); }));
  EXPECT_EQ(v.type, Type::kNull);
  v = ReadOne(Build(v2, [](ReplyBuilder& rb) { rb.NullArray(); }));
  EXPECT_EQ(v.type, Type::kNull);
  v = ReadOne(Build(v2, [](ReplyBuilder& rb) { rb.Double(2.5); }));
  EXPECT_EQ(v.type, Type::kBulk);
  EXPECT_EQ(v.str, "2.5");
  v = ReadOne(Build(v2, [](ReplyBuilder& rb) { rb.Bool(true); }));
  EXPECT_EQ(v.type, Type::kInteger);
  EXPECT_EQ(v.integer, 1);
  v = ReadOne(Build(v2, [](ReplyBuilder& rb) { rb.Verbatim("x"); }));
  EXPECT_EQ(v.type, Type::kBulk);
  EXPECT_EQ(v.str, "x");
  v = ReadOne(Build(v2, [](ReplyBuilder& rb) { rb.BigNumber("12"); }));
  EXPECT_EQ(v.type, Type::kBulk);
  v = ReadOne(Build(v2, [](ReplyBuilder& rb) {
    rb.Map(1);
    rb.Bulk("k");
    rb.Integer(1);
  }));
  EXPECT_EQ(v.type, Type::kArray);
  ASSERT_EQ(v.elems.size(), 2u);
  EXPECT_EQ(v.elems[0].str, "k");
  v = ReadOne(Build(v2, [](ReplyBuilder& rb) {
    rb.Set(1);
    rb.Bulk("m");
  }));
  EXPECT_EQ(v.type, Type::kArray);
  v = ReadOne(Build(v2, [](ReplyBuilder& rb) {
    rb.Push(1);
    rb.Bulk("m");
  }));
  EXPECT_EQ(v.type, Type::kArray);
}

std::string NestedResp3() {
  return Build(RespVersion::kResp3, [](ReplyBuilder& rb) {
    rb.Push(3);
    rb.Bulk("message");
    rb.Map(2);
    rb.SimpleString("a");
    rb.Set(2);
    rb.Integer(1);
    rb.Double(1.5);
    rb.Bulk("b");
    rb.Array(0);
    rb.Array(2);
    rb.Null();
    rb.Bool(false);
  });
}

TEST(RespReaderTest, NestedAggregates) {
  RespValue v = ReadOne(NestedResp3());
  EXPECT_EQ(v.type, Type::kPush);
  ASSERT_EQ(v.elems.size(), 3u);
  const RespValue& map = v.elems[1];
  EXPECT_EQ(map.type, Type::kMap);
  ASSERT_EQ(map.elems.size(), 4u);
  EXPECT_EQ(map.elems[1].type, Type::kSet);
  EXPECT_EQ(map.elems[1].elems[1].str, "1.5");
  EXPECT_EQ(map.elems[3].type, Type::kArray);
  EXPECT_TRUE(map.elems[3].elems.empty());
  EXPECT_EQ(DebugString(v),
            ">[\"message\", {a => ~[(integer) 1, (double) 1.5], \"b\" => []}, "
            "[(nil), (false)]]");
}

TEST(RespReaderTest, ValuesArriveOnlyWhenComplete) {
  std::string bytes = NestedResp3();
  RespValue v = ReadByteByByte(bytes);
  EXPECT_EQ(DebugString(v), DebugString(ReadOne(bytes)));
  v = ReadByteByByte("$5\r\nhello\r\n");
  EXPECT_EQ(v.str, "hello");
  v = ReadByteByByte("=8\r\ntxt:ab\r\n\r\n");
  EXPECT_EQ(v.str, "ab\r\n");
}

TEST(RespReaderTest, SeveralValuesInOneFeed) {
  RespReader reader;
  reader.Feed("+OK\r\n:5\r\n$-1\r\n*2\r\n$1\r\na\r\n$1\r");
  RespValue v;
  std::string raw;
  ASSERT_EQ(reader.Next(&v, &raw), RespReader::Status::kValue);
  EXPECT_EQ(raw, "+OK\r\n");
  ASSERT_EQ(reader.Next(&v, &raw), RespReader::Status::kValue);
  EXPECT_EQ(raw, ":5\r\n");
  ASSERT_EQ(reader.Next(&v, &raw), RespReader::Status::kValue);
  EXPECT_EQ(v.type, Type::kNull);
  EXPECT_EQ(reader.Next(&v), RespReader::Status::kNeedMore);
  EXPECT_EQ(reader.buffered(), 14u);
  reader.Feed("\nb\r\n");
  ASSERT_EQ(reader.Next(&v, &raw), RespReader::Status::kValue);
  EXPECT_EQ(raw, "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(DebugString(v), "[\"a\", \"b\"]");
  EXPECT_EQ(reader.Next(&v), RespReader::Status::kNeedMore);
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(RespReaderTest, ManyValuesThroughOneReader) {
  RespReader reader;
  RespValue v;
  std::string big(1000, 'z');
  for (int i = 0; i < 2000; ++i) {
    reader.Feed("$1000\r\n" + big + "\r\n:" + std::to_string(i) + "\r\n");
    ASSERT_EQ(reader.Next(&v), RespReader::Status::kValue);
    ASSERT_EQ(v.str, big);
    ASSERT_EQ(reader.Next(&v), RespReader::Status::kValue);
    ASSERT_EQ(v.integer, i);
  }
}

TEST(RespReaderTest, AttributesAreSkipped) {
  RespValue v = ReadOne("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n:42\r\n");
  EXPECT_EQ(v.type, Type::kInteger);
  EXPECT_EQ(v.integer, 42);
}

TEST(RespReaderTest, BlobErrorIsAnError) {
  RespValue v = ReadOne("!21\r\nSYNTAX invalid syntax\r\n");
  EXPECT_EQ(v.type, Type::kError);
  EXPECT_EQ(v.str, "SYNTAX invalid syntax");
}

TEST(RespReaderTest, MalformedInputIsAnError) {
  for (const char* bad : {"?\r\n", "$3\r\nabcd\r\n", ":12a\r\n", "#x\r\n", "_x\r\n", "*-2\r\n",
                          "%-1\r\n", "=2\r\nab\r\n", "+OK\rX", "\r\n"}) {
    RespReader reader;
    reader.Feed(bad);
    RespValue v;
    EXPECT_EQ(reader.Next(&v), RespReader::Status::kError) << bad;
    EXPECT_NE(reader.error(), "") << bad;
    EXPECT_EQ(reader.Next(&v), RespReader::Status::kError) << "errors are sticky";
  }
  RespReader reader;
  reader.Feed("?\r\n");
  RespValue v;
  reader.Next(&v);
  EXPECT_EQ(reader.error(), "Protocol error: unexpected type byte '?'");
}

TEST(RespReaderTest, DeepNestingIsRefusedNotRecursedInto) {
  RespReader reader;
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "*1\r\n";
  reader.Feed(deep + ":1\r\n");
  RespValue v;
  EXPECT_EQ(reader.Next(&v), RespReader::Status::kError);
}

TEST(RespReaderTest, HugeAnnouncedCountsWaitForBytes) {
  RespReader reader;
  reader.Feed("*1000000000\r\n:1\r\n");
  RespValue v;
  EXPECT_EQ(reader.Next(&v), RespReader::Status::kNeedMore);
  reader.Feed("$1000000000\r\nab");
  EXPECT_EQ(reader.Next(&v), RespReader::Status::kNeedMore);
}

TEST(RespReaderTest, DebugStringEscapesLikeRedisCli) {
  RespValue v;
  v.type = Type::kBulk;
  v.str = std::string("a\"b\\c\n\x01\xff", 8);
  EXPECT_EQ(DebugString(v), "\"a\\\"b\\\\c\\n\\x01\\xff\"");
  v.type = Type::kError;
  v.str = "ERR x";
  EXPECT_EQ(DebugString(v), "(error) ERR x");
  v.type = Type::kBigNumber;
  v.str = "123";
  EXPECT_EQ(DebugString(v), "(big number) 123");
  v.type = Type::kInteger;
  v.integer = -3;
  EXPECT_EQ(DebugString(v), "(integer) -3");
}

}  // namespace
}  // namespace tessera::protocol
