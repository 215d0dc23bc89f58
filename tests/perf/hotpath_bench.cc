// In-process microbenchmark of the request hot path, for the instruction-count regression gate
// (tools/perf_gate.sh runs it under callgrind; see tools/bench/hotpath_thresholds.txt).
//
//   hotpath_bench MODE N
//   MODE: get      GET of existing keys; one loop, so every command takes the inline fast path
//         set      SET overwriting existing keys with 16-byte values; one loop
//         get-hop  GET from a client on loop 0 of keys owned by loop 1 (every command hops)
//         set-hop  SET likewise
//         del      pairs of SET k v and DEL k (each op is one command of a pair): DEL is a
//                  multi-key command, shipped whole to its key's shard; one loop
//
// What one op covers is what a request costs the server between read() and write(): RESP
// parsing of bytes as a connection receives them (pipelines of 16), Engine::OnCommand (lookup,
// arity, routing), the storage op, the reply encoding, and handing the output over. The socket
// syscalls are not included. The loops are never started: this thread drives them with
// uv_run(UV_RUN_NOWAIT) (hence <uv.h> here, which the engine itself never includes), so the
// count is the same on every run (no timers, no other threads). Only RunRequests() is counted
// (callgrind --collect-atstart=no with the toggles below); the gate runs N and 2N and divides
// the difference by N, so one-time costs cancel.
#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp_parser.h"
#include "src/commands/register.h"
#include "src/engine/engine.h"
#include "src/net/client.h"
#include "src/net/loop_net.h"
#include "src/runtime/clock.h"
#include "src/runtime/loop.h"

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define TESSERA_COLLECT_ON() CALLGRIND_TOGGLE_COLLECT
#define TESSERA_COLLECT_OFF() CALLGRIND_TOGGLE_COLLECT
#else
#define TESSERA_COLLECT_ON()
#define TESSERA_COLLECT_OFF()
#endif

namespace tessera {
namespace {

constexpr int kPipeline = 16;      // commands per read, as redis-benchmark -P 16
constexpr int kKeys = 10000;       // keys cycled through (preloaded)
constexpr size_t kValueSize = 16;  // bytes per value, as the memory benchmark

// A client without a transport: output is taken after every batch, as a connection's flush
// would take it.
class BenchClient final : public net::Client {
 public:
  explicit BenchClient(int loop_index) : Client(loop_index, 1) { session().authenticated = true; }
  // Takes the output produced so far; returns its size.
  size_t TakeOutput() {
    size_t n = out_.size();
    out_.clear();
    return n;
  }

 private:
  void OnOutputReady() override {}
  void CloseTransport() override {}
};

std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

std::string Command(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) out += Bulk(a);
  return out;
}

struct Bench {
  runtime::ManualClock clock;
  engine::CommandRegistry registry;
  std::vector<std::unique_ptr<runtime::Loop>> loops;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<BenchClient> client;
  protocol::ParserLimits limits;
  protocol::RespParser parser{&limits};
  std::vector<protocol::CommandArgs> batch =
      std::vector<protocol::CommandArgs>(net::LoopNet::kParseAhead);

  explicit Bench(int threads) {
    commands::RegisterAll(registry);
    std::vector<runtime::Loop*> ptrs;
    for (int i = 0; i < threads; ++i) {
      loops.push_back(std::make_unique<runtime::Loop>(i));
      ptrs.push_back(loops.back().get());
    }
    engine = std::make_unique<engine::Engine>(ptrs, &registry, &clock, 16);
    engine->Attach();  // the outbox flush hook, for the hop modes
    client = std::make_unique<BenchClient>(0);
  }

  // Runs every loop once without blocking until no work is left: what the loop threads would do.
  void Settle() {
    for (int round = 0; round < 4; ++round) {
      for (auto& l : loops) uv_run(l->uv(), UV_RUN_NOWAIT);
    }
  }

  // Feeds `bytes` through the parser into the engine, as Connection::Consume does: up to
  // kParseAhead commands parsed, offered to Engine::Prefetch, then run.
  void Feed(std::string_view bytes) {
    size_t offset = 0;
    while (offset < bytes.size()) {
      size_t n = 0;
      while (n < batch.size() && offset < bytes.size()) {
        size_t used = 0;
        auto status = parser.Parse(bytes.data() + offset, bytes.size() - offset, &used, &batch[n]);
        offset += used;
        if (status == protocol::RespParser::Status::kError) {
          std::fprintf(stderr, "protocol error: %s\n", parser.error().c_str());
          std::exit(1);
        }
        if (status != protocol::RespParser::Status::kCommand) break;
        ++n;
      }
      if (n > 1) engine->Prefetch(*client, batch.data(), n);
      for (size_t i = 0; i < n; ++i) {
        engine->OnCommand(*client, std::move(batch[i]));
        batch[i].Clear();
      }
    }
  }
};

// The measured part: `batches` reads of kPipeline commands each, cycling through `requests`.
__attribute__((noinline)) size_t RunRequests(Bench& b, const std::vector<std::string>& requests,
                                             long batches, bool hop) {
  size_t out = 0;
  for (long i = 0; i < batches; ++i) {
    b.Feed(requests[static_cast<size_t>(i) % requests.size()]);
    if (hop) b.Settle();
    out += b.client->TakeOutput();
  }
  return out;
}

// kKeys keys on shard `shard` of `shards`.
std::vector<std::string> Keys(int shard, int shards) {
  std::vector<std::string> keys;
  for (int n = 0; static_cast<int>(keys.size()) < kKeys; ++n) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "key:%07d", n);
    if (engine::KeyToShard(buf, static_cast<uint32_t>(shards)) == shard) keys.emplace_back(buf);
  }
  return keys;
}

int Main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: hotpath_bench get|set|get-hop|set-hop|del N\n");
    return 2;
  }
  std::string mode = argv[1];
  long n = std::atol(argv[2]);
  bool hop = mode == "get-hop" || mode == "set-hop";
  bool get = mode == "get" || mode == "get-hop";
  bool del = mode == "del";
  if ((!get && !del && mode != "set" && mode != "set-hop") || n < kPipeline || n % kPipeline != 0) {
    std::fprintf(stderr, "bad mode or N (N must be a multiple of %d)\n", kPipeline);
    return 2;
  }
  int shards = hop ? 2 : 1;
  Bench b(shards);
  std::vector<std::string> keys = Keys(hop ? 1 : 0, shards);
  std::string value(kValueSize, 'v');

  // Preload, through the same path, so GETs hit and SETs overwrite.
  std::vector<std::string> batches;
  for (size_t i = 0; i < keys.size(); i += kPipeline) {
    std::string set_batch, get_batch, del_batch;
    for (size_t j = i; j < i + kPipeline && j < keys.size(); ++j) {
      set_batch += Command({"SET", keys[j], value});
      get_batch += Command({"GET", keys[j]});
      if (j % 2 == 0) del_batch += Command({"SET", keys[j], value}) + Command({"DEL", keys[j]});
    }
    b.Feed(set_batch);
    b.Settle();
    b.client->TakeOutput();
    batches.push_back(get ? get_batch : del ? del_batch : set_batch);
  }

  TESSERA_COLLECT_ON();
  size_t out = RunRequests(b, batches, n / kPipeline, hop);
  TESSERA_COLLECT_OFF();

  // A GET reply is "$16\r\n<16 bytes>\r\n", a SET reply "+OK\r\n", a pair's SET and DEL
  // "+OK\r\n:1\r\n" (so every DEL found its key): check every op answered.
  size_t expected = static_cast<size_t>(n) * (get ? 5 + kValueSize + 2 : 5);
  if (del) expected = static_cast<size_t>(n) / 2 * (5 + 4);
  if (out != expected) {
    std::fprintf(stderr, "%s: %zu reply bytes for %ld ops, expected %zu\n", mode.c_str(), out, n,
                 expected);
    return 1;
  }
  std::printf("%s %ld ops ok\n", mode.c_str(), n);
  return 0;
}

}  // namespace
}  // namespace tessera

int main(int argc, char** argv) { return tessera::Main(argc, argv); }
