// Generic key commands against the in-process server (two loops, manual clock): replies are
// compared byte for byte with what Redis 7.0.15 sends, including the cross-shard forms of DEL,
// EXISTS, RENAME, COPY, KEYS, SCAN and RANDOMKEY.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/commands/fake_values.h"
#include "tests/unit/harness/test_server.h"

namespace tessera::commands {
namespace {

using protocol::RespValue;
using testing::TestClient;
using testing::TestServer;
using Type = RespValue::Type;

constexpr char kNil[] = "$-1\r\n";
constexpr char kOk[] = "+OK\r\n";
constexpr char kSyntax[] = "-ERR syntax error\r\n";
constexpr char kNotInteger[] = "-ERR value is not an integer or out of range\r\n";

std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }

std::vector<std::string> Strings(const RespValue& v) {
  std::vector<std::string> out;
  for (const RespValue& e : v.elems) out.push_back(e.str);
  return out;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class KeyCmdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c0_ = server_.Connect(0);
    c1_ = server_.Connect(1);
    a0_ = server_.KeyOnShard(0, "a");
    b1_ = server_.KeyOnShard(1, "b");
  }

  int64_t NowMs() { return server_.clock().NowMs(); }

  // Runs a full SCAN with the given options; returns every key reported (with repeats).
  std::vector<std::string> ScanAll(TestClient& c, const std::vector<std::string>& options,
                                   const std::function<void(int)>& between_calls = nullptr) {
    std::vector<std::string> keys;
    std::string cursor = "0";
    int calls = 0;
    do {
      std::vector<std::string> cmd = {"SCAN", cursor};
      cmd.insert(cmd.end(), options.begin(), options.end());
      RespValue r = c.Call(cmd);
      EXPECT_EQ(r.type, Type::kArray) << protocol::DebugString(r);
      if (r.elems.size() != 2) return keys;
      cursor = r.elems[0].str;
      for (const RespValue& k : r.elems[1].elems) keys.push_back(k.str);
      if (between_calls) between_calls(calls);
      ++calls;
    } while (cursor != "0" && calls < 100'000);
    return keys;
  }

  TestServer server_{2, fake::FakeValuesRegistrar};
  std::unique_ptr<TestClient> c0_;
  std::unique_ptr<TestClient> c1_;
  std::string a0_;  // a key on shard 0
  std::string b1_;  // a key on shard 1
};

TEST_F(KeyCmdsTest, DelExistsTouchSpanShards) {
  c0_->Call({"MSET", a0_, "1", b1_, "2", "{a}x", "3"});
  EXPECT_EQ(c0_->CallRaw({"EXISTS", a0_, b1_, "nokey"}), Int(2));
  // Repeated keys count each time, as in Redis.
  EXPECT_EQ(c1_->CallRaw({"EXISTS", a0_, a0_, b1_, a0_}), Int(4));
  EXPECT_EQ(c1_->CallRaw({"TOUCH", a0_, b1_, "nokey"}), Int(2));
  EXPECT_EQ(c0_->CallRaw({"DEL", a0_, b1_, "nokey", a0_}), Int(2));
  EXPECT_EQ(c0_->CallRaw({"EXISTS", a0_, b1_}), Int(0));
  EXPECT_EQ(c1_->CallRaw({"UNLINK", "{a}x", "{a}x"}), Int(1));
  EXPECT_EQ(c1_->CallRaw({"DEL"}), "-ERR wrong number of arguments for 'del' command\r\n");
  // An expired key does not exist, and DEL does not count it.
  c0_->Call({"SET", a0_, "v", "PX", "10"});
  server_.clock().AdvanceMs(11);
  EXPECT_EQ(c0_->CallRaw({"EXISTS", a0_}), Int(0));
  c0_->Call({"SET", b1_, "v", "PX", "10"});
  server_.clock().AdvanceMs(11);
  EXPECT_EQ(c0_->CallRaw({"DEL", b1_}), Int(0));
}

TEST_F(KeyCmdsTest, Type) {
  c0_->Call({"SET", "s", "v"});
  c0_->Call({"test.mkobj", "h", "hash"});
  c0_->Call({"test.mkobj", "l", "list"});
  EXPECT_EQ(c1_->CallRaw({"TYPE", "s"}), "+string\r\n");
  EXPECT_EQ(c1_->CallRaw({"TYPE", "h"}), "+hash\r\n");
  EXPECT_EQ(c1_->CallRaw({"TYPE", "l"}), "+list\r\n");
  EXPECT_EQ(c1_->CallRaw({"TYPE", "nokey"}), "+none\r\n");
}

TEST_F(KeyCmdsTest, ExpireFamily) {
  c0_->Call({"SET", "k", "v"});
  EXPECT_EQ(c0_->CallRaw({"EXPIRE", "k", "100"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"PTTL", "k"}), Int(100'000));
  EXPECT_EQ(c0_->CallRaw({"PEXPIRE", "k", "1500"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"TTL", "k"}), Int(2));
  server_.clock().AdvanceMs(1000);
  EXPECT_EQ(c0_->CallRaw({"TTL", "k"}), Int(1));  // 500 ms rounds up
  EXPECT_EQ(c0_->CallRaw({"PTTL", "k"}), Int(500));
  const int64_t at_s = NowMs() / 1000 + 1000;
  EXPECT_EQ(c0_->CallRaw({"EXPIREAT", "k", std::to_string(at_s)}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"EXPIRETIME", "k"}), Int(at_s));
  EXPECT_EQ(c0_->CallRaw({"PEXPIRETIME", "k"}), Int(at_s * 1000));
  EXPECT_EQ(c0_->CallRaw({"PEXPIREAT", "k", std::to_string(at_s * 1000 + 7)}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"PEXPIRETIME", "k"}), Int(at_s * 1000 + 7));
  EXPECT_EQ(c0_->CallRaw({"PERSIST", "k"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"PERSIST", "k"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"TTL", "k"}), Int(-1));
  EXPECT_EQ(c0_->CallRaw({"EXPIRETIME", "k"}), Int(-1));
  EXPECT_EQ(c0_->CallRaw({"TTL", "nokey"}), Int(-2));
  EXPECT_EQ(c0_->CallRaw({"PEXPIRETIME", "nokey"}), Int(-2));
  EXPECT_EQ(c0_->CallRaw({"EXPIRE", "nokey", "10"}), Int(0));
  // A deadline at or before now deletes the key at once.
  EXPECT_EQ(c0_->CallRaw({"EXPIRE", "k", "0"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"EXISTS", "k"}), Int(0));
  c0_->Call({"SET", "k", "v"});
  EXPECT_EQ(c0_->CallRaw({"PEXPIREAT", "k", std::to_string(NowMs())}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"EXISTS", "k"}), Int(0));
  // The deadline is checked lazily on access.
  c0_->Call({"SET", "k", "v"});
  c0_->Call({"PEXPIRE", "k", "20"});
  server_.clock().AdvanceMs(20);
  EXPECT_EQ(c0_->CallRaw({"GET", "k"}), Bulk("v"));
  server_.clock().AdvanceMs(1);
  EXPECT_EQ(c0_->CallRaw({"GET", "k"}), kNil);
  EXPECT_EQ(c0_->CallRaw({"TTL", "k"}), Int(-2));
}

TEST_F(KeyCmdsTest, ExpireOptionsAndErrors) {
  c0_->Call({"SET", "k", "v"});
  EXPECT_EQ(c0_->CallRaw({"EXPIRE", "k", "100", "XX"}), Int(0));
  // No TTL counts as infinite: GT never applies, LT always does.
  EXPECT_EQ(c0_->CallRaw({"EXPIRE", "k", "100", "GT"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"EXPIRE", "k", "100", "LT"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"EXPIRE", "k", "200", "NX"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"EXPIRE", "k", "200", "gt"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"EXPIRE", "k", "150", "GT"}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"EXPIRE", "k", "150", "lt", "xx"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"TTL", "k"}), Int(150));
  EXPECT_EQ(c0_->CallRaw({"EXPIRE", "k", "100", "NX", "XX"}),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  EXPECT_EQ(c0_->CallRaw({"EXPIRE", "k", "100", "GT", "LT"}),
            "-ERR GT and LT options at the same time are not compatible\r\n");
  EXPECT_EQ(c0_->CallRaw({"EXPIRE", "k", "100", "bogus"}), "-ERR Unsupported option bogus\r\n");
  // Options are checked before the time.
  EXPECT_EQ(c0_->CallRaw({"EXPIRE", "k", "abc", "bogus"}), "-ERR Unsupported option bogus\r\n");
  EXPECT_EQ(c0_->CallRaw({"EXPIRE", "k", "abc"}), kNotInteger);
  EXPECT_EQ(c0_->CallRaw({"EXPIRE", "k", "9223372036854775807"}),
            "-ERR invalid expire time in 'expire' command\r\n");
  EXPECT_EQ(c0_->CallRaw({"pexpire", "k", "9223372036854775807"}),
            "-ERR invalid expire time in 'pexpire' command\r\n");
  EXPECT_EQ(c0_->CallRaw({"EXPIREAT", "k", "-9223372036854775808"}),
            "-ERR invalid expire time in 'expireat' command\r\n");
  EXPECT_EQ(c0_->CallRaw({"TTL", "k"}), Int(150));
}

TEST_F(KeyCmdsTest, RenameOnOneShardAndAcrossShards) {
  // Same shard (hash tag): the fast path.
  c0_->Call({"SET", "{r}src", "v", "PX", "5000"});
  EXPECT_EQ(c1_->CallRaw({"RENAME", "{r}src", "{r}dst"}), kOk);
  EXPECT_EQ(c1_->CallRaw({"EXISTS", "{r}src"}), Int(0));
  EXPECT_EQ(c1_->CallRaw({"PTTL", "{r}dst"}), Int(5000));

  // Across shards: value and TTL travel, an existing destination is replaced.
  std::string src = server_.KeyOnShard(0, "src");
  std::string dst = server_.KeyOnShard(1, "dst");
  c0_->Call({"SET", src, "v1", "PX", "7000"});
  c0_->Call({"SET", dst, "old"});
  EXPECT_EQ(c0_->CallRaw({"RENAME", src, dst}), kOk);
  EXPECT_EQ(c0_->CallRaw({"GET", src}), kNil);
  EXPECT_EQ(c0_->CallRaw({"GET", dst}), Bulk("v1"));
  EXPECT_EQ(c0_->CallRaw({"PTTL", dst}), Int(7000));
  // ...and back, from a client on the other loop, without a TTL this time.
  c1_->Call({"PERSIST", dst});
  EXPECT_EQ(c1_->CallRaw({"RENAME", dst, src}), kOk);
  EXPECT_EQ(c1_->CallRaw({"GET", src}), Bulk("v1"));
  EXPECT_EQ(c1_->CallRaw({"TTL", src}), Int(-1));

  EXPECT_EQ(c0_->CallRaw({"RENAME", "nokey", dst}), "-ERR no such key\r\n");
  EXPECT_EQ(c0_->CallRaw({"RENAME", "nokey", "nokey"}), "-ERR no such key\r\n");
  EXPECT_EQ(c0_->CallRaw({"RENAME", src, src}), kOk);
  EXPECT_EQ(c0_->CallRaw({"GET", src}), Bulk("v1"));
  // An expired source is missing.
  c0_->Call({"PEXPIRE", src, "5"});
  server_.clock().AdvanceMs(6);
  EXPECT_EQ(c0_->CallRaw({"RENAME", src, dst}), "-ERR no such key\r\n");
}

TEST_F(KeyCmdsTest, RenameNxAcrossShards) {
  std::string src = server_.KeyOnShard(0, "nxsrc");
  std::string dst = server_.KeyOnShard(1, "nxdst");
  c0_->Call({"SET", src, "v", "PX", "9000"});
  c0_->Call({"SET", dst, "taken"});
  EXPECT_EQ(c0_->CallRaw({"RENAMENX", src, dst}), Int(0));
  // The source is untouched, TTL included.
  EXPECT_EQ(c0_->CallRaw({"GET", src}), Bulk("v"));
  EXPECT_EQ(c0_->CallRaw({"PTTL", src}), Int(9000));
  EXPECT_EQ(c0_->CallRaw({"GET", dst}), Bulk("taken"));
  c0_->Call({"DEL", dst});
  EXPECT_EQ(c1_->CallRaw({"RENAMENX", src, dst}), Int(1));
  EXPECT_EQ(c1_->CallRaw({"EXISTS", src}), Int(0));
  EXPECT_EQ(c1_->CallRaw({"PTTL", dst}), Int(9000));
  EXPECT_EQ(c1_->CallRaw({"RENAMENX", "nokey", dst}), "-ERR no such key\r\n");
  EXPECT_EQ(c1_->CallRaw({"RENAMENX", dst, dst}), Int(0));
  // Same shard.
  c1_->Call({"MSET", "{n}a", "1", "{n}b", "2"});
  EXPECT_EQ(c1_->CallRaw({"RENAMENX", "{n}a", "{n}b"}), Int(0));
  EXPECT_EQ(c1_->CallRaw({"RENAMENX", "{n}a", "{n}c"}), Int(1));
  EXPECT_EQ(c1_->CallRaw({"MGET", "{n}a", "{n}c"}), "*2\r\n$-1\r\n" + Bulk("1"));
}

TEST_F(KeyCmdsTest, PipelinedRenameAcrossShardsKeepsOrder) {
  std::string src = server_.KeyOnShard(0, "psrc");
  std::string dst = server_.KeyOnShard(1, "pdst");
  for (int round = 0; round < 20; ++round) {
    std::string value = "v" + std::to_string(round);
    std::vector<RespValue> r =
        c0_->Pipeline({{"SET", src, value}, {"RENAME", src, dst}, {"GET", dst}, {"EXISTS", src}});
    ASSERT_EQ(r[1].str, "OK");
    EXPECT_EQ(r[2].str, value);
    EXPECT_EQ(r[3].integer, 0);
  }
}

TEST_F(KeyCmdsTest, CopyAcrossShardsAndDbs) {
  std::string src = server_.KeyOnShard(0, "csrc");
  std::string dst = server_.KeyOnShard(1, "cdst");
  c0_->Call({"SET", src, "hello", "PX", "8000"});
  EXPECT_EQ(c0_->CallRaw({"COPY", src, dst}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"GET", dst}), Bulk("hello"));
  EXPECT_EQ(c0_->CallRaw({"PTTL", dst}), Int(8000));
  EXPECT_EQ(c0_->CallRaw({"GET", src}), Bulk("hello"));
  c0_->Call({"SET", src, "world"});
  EXPECT_EQ(c0_->CallRaw({"COPY", src, dst}), Int(0));
  EXPECT_EQ(c0_->CallRaw({"COPY", src, dst, "REPLACE"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"GET", dst}), Bulk("world"));
  EXPECT_EQ(c0_->CallRaw({"TTL", dst}), Int(-1));
  EXPECT_EQ(c0_->CallRaw({"COPY", "nokey", dst, "REPLACE"}), Int(0));
  // To another db, across shards and on the same shard.
  EXPECT_EQ(c1_->CallRaw({"COPY", src, dst, "DB", "3"}), Int(1));
  EXPECT_EQ(c1_->CallRaw({"COPY", src, src, "db", "3"}), Int(1));
  c1_->Call({"SELECT", "3"});
  EXPECT_EQ(c1_->CallRaw({"MGET", src, dst}), "*2\r\n" + Bulk("world") + Bulk("world"));
  // A collection is copied too.
  c0_->Call({"test.mkobj", "{c}h", "hash"});
  EXPECT_EQ(c0_->CallRaw({"COPY", "{c}h", "{c}h2"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"TYPE", "{c}h2"}), "+hash\r\n");

  EXPECT_EQ(c0_->CallRaw({"COPY", src, src}),
            "-ERR source and destination objects are the same\r\n");
  EXPECT_EQ(c0_->CallRaw({"COPY", src, src, "DB", "0"}),
            "-ERR source and destination objects are the same\r\n");
  EXPECT_EQ(c0_->CallRaw({"COPY", src, dst, "DB", "16"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(c0_->CallRaw({"COPY", src, dst, "DB", "x"}), kNotInteger);
  EXPECT_EQ(c0_->CallRaw({"COPY", src, dst, "DB"}), kSyntax);
  EXPECT_EQ(c0_->CallRaw({"COPY", src, dst, "BOGUS"}), kSyntax);
}

TEST_F(KeyCmdsTest, Move) {
  c0_->Call({"SET", "m", "v", "PX", "4000"});
  EXPECT_EQ(c0_->CallRaw({"MOVE", "m", "1"}), Int(1));
  EXPECT_EQ(c0_->CallRaw({"EXISTS", "m"}), Int(0));
  c1_->Call({"SELECT", "1"});
  EXPECT_EQ(c1_->CallRaw({"PTTL", "m"}), Int(4000));
  c0_->Call({"SET", "m", "other"});
  EXPECT_EQ(c1_->CallRaw({"MOVE", "m", "0"}), Int(0));  // exists in the destination
  EXPECT_EQ(c1_->CallRaw({"MOVE", "nokey", "0"}), Int(0));
  EXPECT_EQ(c1_->CallRaw({"MOVE", "m", "1"}),
            "-ERR source and destination objects are the same\r\n");
  EXPECT_EQ(c1_->CallRaw({"MOVE", "m", "16"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(c1_->CallRaw({"MOVE", "m", "x"}), kNotInteger);
}

TEST_F(KeyCmdsTest, KeysMatchesOnEveryShard) {
  c0_->Call({"MSET", "hello", "1", "hallo", "2", "hxllo", "3", "hllo", "4", "foo:1", "5", "foo:2",
             "6", "h*llo", "7", "", "8"});
  EXPECT_EQ(Sorted(Strings(c1_->Call({"KEYS", "h?llo"}))),
            (std::vector<std::string>{"h*llo", "hallo", "hello", "hxllo"}));
  EXPECT_EQ(Sorted(Strings(c1_->Call({"KEYS", "h[ae]llo"}))),
            (std::vector<std::string>{"hallo", "hello"}));
  EXPECT_EQ(Sorted(Strings(c1_->Call({"KEYS", "h\\*llo"}))), (std::vector<std::string>{"h*llo"}));
  EXPECT_EQ(Sorted(Strings(c0_->Call({"KEYS", "foo:*"}))),
            (std::vector<std::string>{"foo:1", "foo:2"}));
  // "*" alone also matches the empty key.
  EXPECT_EQ(c0_->Call({"KEYS", "*"}).elems.size(), 8u);
  EXPECT_EQ(c0_->CallRaw({"KEYS", "nomatch*"}), "*0\r\n");
  // Expired keys are not listed.
  c0_->Call({"PEXPIRE", "foo:1", "1"});
  server_.clock().AdvanceMs(2);
  EXPECT_EQ(Strings(c0_->Call({"KEYS", "foo:*"})), (std::vector<std::string>{"foo:2"}));
}

TEST_F(KeyCmdsTest, ScanVisitsEveryShard) {
  std::set<std::string> expected;
  for (int i = 0; i < 300; ++i) {
    std::string key = "key:" + std::to_string(i);
    c0_->Call({"SET", key, "v"});
    expected.insert(key);
  }
  std::vector<std::string> got = ScanAll(*c1_, {});
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), expected);
  got = ScanAll(*c0_, {"COUNT", "3"});
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), expected);
  got = ScanAll(*c0_, {"MATCH", "key:1?", "COUNT", "1000"});
  EXPECT_EQ(Sorted(got),
            (std::vector<std::string>{"key:10", "key:11", "key:12", "key:13", "key:14", "key:15",
                                      "key:16", "key:17", "key:18", "key:19"}));
  // A small keyspace comes back in one call, as from Redis, though it spans both shards.
  c0_->Call({"FLUSHDB"});
  c0_->Call({"MSET", a0_, "1", b1_, "2", "x", "3"});
  RespValue r = c0_->Call({"SCAN", "0"});
  EXPECT_EQ(r.elems[0].str, "0");
  EXPECT_EQ(Sorted(Strings(r.elems[1])), Sorted({a0_, b1_, "x"}));
}

TEST_F(KeyCmdsTest, ScanReturnsKeysPresentThroughoutWhileOthersAreAdded) {
  std::set<std::string> stable;
  for (int i = 0; i < 200; ++i) {
    std::string key = "stable:" + std::to_string(i);
    c0_->Call({"SET", key, "v"});
    stable.insert(key);
  }
  // Adding keys between calls makes the tables grow mid-scan.
  std::vector<std::string> got = ScanAll(*c1_, {"COUNT", "5"}, [this](int call) {
    for (int j = 0; j < 20; ++j) {
      c0_->Call({"SET", "added:" + std::to_string(call) + ":" + std::to_string(j), "v"});
    }
  });
  std::set<std::string> seen(got.begin(), got.end());
  for (const std::string& key : stable) EXPECT_TRUE(seen.count(key)) << key;
}

TEST_F(KeyCmdsTest, ScanOptionsAndCursor) {
  c0_->Call({"SET", "s", "v"});
  c0_->Call({"test.mkobj", "h", "hash"});
  c0_->Call({"test.mkobj", "l", "list"});
  EXPECT_EQ(ScanAll(*c0_, {"TYPE", "HASH"}), (std::vector<std::string>{"h"}));
  EXPECT_EQ(ScanAll(*c0_, {"TYPE", "string"}), (std::vector<std::string>{"s"}));
  EXPECT_EQ(ScanAll(*c0_, {"TYPE", "nosuchtype"}), (std::vector<std::string>{}));
  EXPECT_EQ(c0_->CallRaw({"SCAN", "abc"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(c0_->CallRaw({"SCAN", " 1"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(c0_->CallRaw({"SCAN", "18446744073709551616"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(c0_->CallRaw({"SCAN", "0", "COUNT", "0"}), kSyntax);
  EXPECT_EQ(c0_->CallRaw({"SCAN", "0", "COUNT", "x"}), kNotInteger);
  EXPECT_EQ(c0_->CallRaw({"SCAN", "0", "MATCH"}), kSyntax);
  EXPECT_EQ(c0_->CallRaw({"SCAN", "0", "BOGUS", "x"}), kSyntax);
  // A cursor naming a shard this server does not have ends the scan.
  EXPECT_EQ(c0_->CallRaw({"SCAN", "18446744073709551615"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  // An expired key is not reported.
  c0_->Call({"PEXPIRE", "s", "1"});
  server_.clock().AdvanceMs(2);
  EXPECT_EQ(ScanAll(*c0_, {"TYPE", "string"}), (std::vector<std::string>{}));
}

TEST_F(KeyCmdsTest, RandomKeyReachesEveryShard) {
  EXPECT_EQ(c0_->CallRaw({"RANDOMKEY"}), kNil);
  c0_->Call({"SET", a0_, "v"});
  EXPECT_EQ(c1_->CallRaw({"RANDOMKEY"}), Bulk(a0_));
  c0_->Call({"SET", b1_, "v"});
  std::set<std::string> seen;
  for (int i = 0; i < 200 && seen.size() < 2; ++i) seen.insert(c0_->Call({"RANDOMKEY"}).str);
  EXPECT_EQ(seen, (std::set<std::string>{a0_, b1_}));
  // Expired keys are never returned.
  c0_->Call({"PEXPIRE", a0_, "1"});
  c0_->Call({"PEXPIRE", b1_, "1"});
  server_.clock().AdvanceMs(2);
  EXPECT_EQ(c0_->CallRaw({"RANDOMKEY"}), kNil);
}

TEST_F(KeyCmdsTest, Object) {
  c0_->Call({"SET", "i", "42"});
  c0_->Call({"SET", "big", "123456"});
  c0_->Call({"SET", "s", "a string"});
  EXPECT_EQ(c1_->CallRaw({"OBJECT", "ENCODING", "i"}), Bulk("int"));
  EXPECT_EQ(c1_->CallRaw({"object", "encoding", "s"}), Bulk("embstr"));
  EXPECT_EQ(c1_->CallRaw({"OBJECT", "ENCODING", "nokey"}), kNil);
  EXPECT_EQ(c1_->CallRaw({"OBJECT", "REFCOUNT", "i"}), Int(2147483647));
  EXPECT_EQ(c1_->CallRaw({"OBJECT", "REFCOUNT", "big"}), Int(1));
  EXPECT_EQ(c1_->CallRaw({"OBJECT", "REFCOUNT", "s"}), Int(1));
  EXPECT_EQ(c1_->CallRaw({"OBJECT", "REFCOUNT", "nokey"}), kNil);
  EXPECT_EQ(c1_->CallRaw({"OBJECT", "FREQ", "s"}),
            "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "
            "note that when switching between policies at runtime LRU and LFU data will take "
            "some time to adjust.\r\n");
  EXPECT_EQ(c1_->CallRaw({"OBJECT", "FREQ", "nokey"}), kNil);
  // IDLETIME counts from the last access; OBJECT itself does not touch the key.
  EXPECT_EQ(c1_->CallRaw({"OBJECT", "IDLETIME", "s"}), Int(0));
  server_.clock().AdvanceMs(10'000);
  EXPECT_EQ(c1_->CallRaw({"OBJECT", "IDLETIME", "s"}), Int(10));
  c1_->Call({"GET", "s"});
  EXPECT_EQ(c1_->CallRaw({"OBJECT", "IDLETIME", "s"}), Int(0));
  EXPECT_EQ(c1_->CallRaw({"OBJECT", "IDLETIME", "nokey"}), kNil);
  EXPECT_EQ(c1_->CallRaw({"OBJECT", "ENCODING"}),
            "-ERR wrong number of arguments for 'object|encoding' command\r\n");
  EXPECT_EQ(c1_->CallRaw({"OBJECT", "BOGUS", "s"}),
            "-ERR unknown subcommand 'BOGUS'. Try OBJECT HELP.\r\n");
  RespValue help = c1_->Call({"object", "help"});
  ASSERT_EQ(help.elems.size(), 15u);
  EXPECT_EQ(help.elems[0].str, "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_EQ(help.elems[14].str, "    Prints this help.");
}

}  // namespace
}  // namespace tessera::commands
