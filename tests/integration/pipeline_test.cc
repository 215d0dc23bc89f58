// Pipelining: many commands in flight on one connection, spread over many keys and so over every
// shard, must come back in request order with the right values. This is the property that
// batching hops per shard and reassembling replies must never break.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/integration/server_process.h"

namespace tessera::integration {
namespace {

constexpr int kCommands = 10000;
constexpr int kCounters = 97;

// A reply rendered the same way for hiredis and for the expectations below.
std::string Render(const redisReply* r) {
  if (r == nullptr) return "<no reply>";
  switch (r->type) {
    case REDIS_REPLY_STATUS:
      return StrCat({"+", std::string_view(r->str, r->len)});
    case REDIS_REPLY_ERROR:
      return StrCat({"-", std::string_view(r->str, r->len)});
    case REDIS_REPLY_INTEGER:
      return StrCat({":", std::to_string(r->integer)});
    case REDIS_REPLY_STRING:
      return StrCat({"$", std::string_view(r->str, r->len)});
    case REDIS_REPLY_NIL:
      return "nil";
    case REDIS_REPLY_ARRAY: {
      std::string s = "[";
      for (size_t i = 0; i < r->elements; ++i) {
        if (i) s += ",";
        s += Render(r->element[i]);
      }
      return s + "]";
    }
  }
  return "?";
}

std::string Key(int i) { return StrCat({"key:", std::to_string(i)}); }
std::string Value(int i) { return StrCat({"value:", std::to_string(i)}); }

struct Step {
  std::vector<std::string> args;
  std::string expected;
};

// Each command depends on what earlier ones did, so any reordering (of execution or of
// replies) shows up as a wrong value at a precise index.
std::vector<Step> BuildSteps() {
  std::vector<Step> steps;
  std::vector<int> counters(kCounters, 0);
  std::vector<std::string> current(kCommands);  // what the server should hold for Key(i)
  auto bulk_or_nil = [&](int k) {
    return current[k].empty() ? std::string("nil") : StrCat({"$", current[k]});
  };
  for (int i = 0; i < kCommands; ++i) {
    switch (i % 5) {
      case 0:
        current[i] = Value(i);
        steps.push_back({{"SET", Key(i), Value(i)}, "+OK"});
        break;
      case 1:  // the key set by the previous command
        steps.push_back({{"GET", Key(i - 1)}, bulk_or_nil(i - 1)});
        break;
      case 2: {
        int c = i % kCounters;
        ++counters[c];
        steps.push_back({{"INCR", StrCat({"counter:", std::to_string(c)})},
                         StrCat({":", std::to_string(counters[c])})});
        break;
      }
      case 3: {  // a fresh key, one that never exists, and an older (maybe overwritten) one
        int older = i / 2 - (i / 2) % 5;
        steps.push_back(
            {{"MGET", Key(i - 3), Key(i), Key(older)},
             StrCat({"[", bulk_or_nil(i - 3), ",", bulk_or_nil(i), ",", bulk_or_nil(older), "]"})});
        break;
      }
      case 4: {  // overwrite, returning the old value
        std::string old = bulk_or_nil(i - 4);
        current[i - 4] = StrCat({"new:", std::to_string(i)});
        steps.push_back({{"SET", Key(i - 4), current[i - 4], "GET"}, old});
        break;
      }
    }
  }
  return steps;
}

TEST(PipelineTest, TenThousandCommandsAcrossShardsKeepOrderAndValues) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({}, &error)) << error;
  RedisContextPtr c = ConnectHiredis(server.port());
  ASSERT_TRUE(c);

  std::vector<Step> steps = BuildSteps();
  // hiredis writes the whole pipeline before reading any reply, as many real clients do; the
  // server must keep reading even while replies pile up unread.
  for (const Step& s : steps) AppendCommand(c.get(), s.args);
  for (size_t i = 0; i < steps.size(); ++i) {
    RedisReplyPtr r = GetReply(c.get());
    ASSERT_TRUE(r) << "no reply for command #" << i << ": " << c->errstr;
    ASSERT_EQ(Render(r.get()), steps[i].expected)
        << "command #" << i << ": " << steps[i].args[0] << " " << steps[i].args[1];
  }

  RedisReplyPtr size = Command(c.get(), {"DBSIZE"});
  ASSERT_TRUE(size);
  EXPECT_EQ(Render(size.get()), StrCat({":", std::to_string(kCommands / 5 + kCounters)}));
}

TEST(PipelineTest, RandomlySplitStreamOfMultibulkAndInlineCommands) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({}, &error)) << error;
  RawClient client;
  ASSERT_TRUE(client.Connect(server.port())) << client.last_error();

  // Requests alternate between multibulk and inline form, then the stream is cut at random
  // points and sent piece by piece, so the server sees commands split everywhere, including
  // inside "\r\n" and inside length headers.
  std::string stream;
  std::vector<std::string> expected;
  constexpr int kN = 2000;
  for (int i = 0; i < kN; ++i) {
    std::string key = StrCat({"split:", std::to_string(i)});
    if (i % 2 == 0) {
      stream += EncodeCommand({"SET", key, StrCat({"v", std::to_string(i)})});
    } else {
      stream += StrCat({"SET ", key, " v", std::to_string(i), "\r\n"});
    }
    expected.push_back("+OK\r\n");
    if (i % 2 == 0) {
      stream += StrCat({"GET ", key, "\r\n"});
    } else {
      stream += EncodeCommand({"GET", key});
    }
    std::string v = StrCat({"v", std::to_string(i)});
    expected.push_back(StrCat({"$", std::to_string(v.size()), "\r\n", v, "\r\n"}));
  }

  std::mt19937 rng(12345);
  std::uniform_int_distribution<size_t> piece(1, 700);
  for (size_t pos = 0; pos < stream.size();) {
    size_t n = std::min(piece(rng), stream.size() - pos);
    ASSERT_TRUE(client.SendRaw(std::string_view(stream).substr(pos, n))) << client.last_error();
    pos += n;
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    protocol::RespValue v;
    std::string raw;
    ASSERT_TRUE(client.Read(&v, &raw)) << "reply #" << i << ": " << client.last_error();
    ASSERT_EQ(EscapeBytes(raw), EscapeBytes(expected[i])) << "reply #" << i;
  }
}

// Tables big enough that the server warms the keys of a pipelined read, and of each hop batch,
// before running them (engine/key_prefetch.h starts at 65536 keys per shard table). Values
// must still come back right, in order, with updates, misses and other databases mixed in.
TEST(PipelineTest, PrefetchedBigTablesAnswerLikeSmallOnes) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({}, &error)) << error;
  RedisContextPtr c = ConnectHiredis(server.port());
  ASSERT_TRUE(c);
  constexpr int kKeys = 150'000;  // over 65536 on each of two shards
  constexpr int kPerMset = 500;
  for (int i = 0; i < kKeys; i += kPerMset) {
    std::vector<std::string> mset = {"MSET"};
    for (int j = i; j < i + kPerMset; ++j) {
      mset.push_back(Key(j));
      mset.push_back(Value(j));
    }
    AppendCommand(c.get(), mset);
  }
  for (int i = 0; i < kKeys; i += kPerMset) {
    RedisReplyPtr r = GetReply(c.get());
    ASSERT_TRUE(r) << c->errstr;
    ASSERT_EQ(Render(r.get()), "+OK");
  }
  std::vector<std::vector<std::string>> cmds;
  std::vector<std::string> expected;
  for (int i = 0; i < 20'000; ++i) {
    const int k = (i * 7919) % kKeys;
    switch (i % 5) {
      case 0:
      case 1:
        cmds.push_back({"GET", Key(k)});
        expected.push_back(StrCat({"$", Value(k)}));
        break;
      case 2:
        cmds.push_back({"SET", Key(k), "changed"});
        expected.push_back("+OK");
        cmds.push_back({"GET", Key(k)});
        expected.push_back("$changed");
        cmds.push_back({"SET", Key(k), Value(k)});
        expected.push_back("+OK");
        break;
      case 3:
        cmds.push_back({"GET", StrCat({"missing:", std::to_string(i)})});
        expected.push_back("nil");
        break;
      case 4:
        cmds.push_back({"SELECT", "1"});
        expected.push_back("+OK");
        cmds.push_back({"GET", Key(k)});
        expected.push_back("nil");
        cmds.push_back({"SELECT", "0"});
        expected.push_back("+OK");
        break;
    }
  }
  for (const auto& cmd : cmds) AppendCommand(c.get(), cmd);
  for (size_t i = 0; i < cmds.size(); ++i) {
    RedisReplyPtr r = GetReply(c.get());
    ASSERT_TRUE(r) << "no reply for command #" << i << ": " << c->errstr;
    ASSERT_EQ(Render(r.get()), expected[i]) << "command #" << i << ": " << cmds[i][0];
  }
  RedisReplyPtr size = Command(c.get(), {"DBSIZE"});
  ASSERT_TRUE(size);
  EXPECT_EQ(Render(size.get()), StrCat({":", std::to_string(kKeys)}));
}

}  // namespace
}  // namespace tessera::integration
