// Throughput of multi-key work that redis-benchmark cannot express: MULTI/EXEC blocks of
// INCRs and MSETs of several keys, from concurrent pipelined clients, against any server.
//
//   txbench PORT MODE [clients=50] [seconds=5] [pipeline=16]
//   MODE: multi-spread  MULTI + 5 INCR on keys on different slots + EXEC
//         multi-tagged  the same with keys sharing a hash tag (one shard)
//         mset-spread   MSET of 10 keys on different slots
//         mset-tagged   MSET of 10 keys sharing a hash tag
// Prints "<mode> <ops/s>" where one op is one MULTI block or one MSET. Loopback only.
#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

void Append(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  redisAppendCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data());
}

// The commands of one op and how many replies it produces.
std::vector<std::vector<std::string>> Op(const std::string& mode, int client, long n) {
  bool tagged = mode.find("tagged") != std::string::npos;
  auto key = [&](int i) {
    std::string base = std::to_string(client) + ":" + std::to_string((n * 7 + i) % 1000);
    return tagged ? "{c" + std::to_string(client) + "}k" + std::to_string(i) + ":" + base
                  : "k" + std::to_string(i) + ":" + base;
  };
  std::vector<std::vector<std::string>> cmds;
  if (mode.rfind("multi", 0) == 0) {
    cmds.push_back({"MULTI"});
    for (int i = 0; i < 5; ++i) cmds.push_back({"INCR", key(i)});
    cmds.push_back({"EXEC"});
  } else {
    std::vector<std::string> mset = {"MSET"};
    for (int i = 0; i < 10; ++i) {
      mset.push_back(key(i));
      mset.push_back("value-of-16-byte");
    }
    cmds.push_back(std::move(mset));
  }
  return cmds;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: txbench PORT MODE [clients] [seconds] [pipeline]\n");
    return 2;
  }
  int port = std::atoi(argv[1]);
  std::string mode = argv[2];
  int clients = argc > 3 ? std::atoi(argv[3]) : 50;
  double seconds = argc > 4 ? std::atof(argv[4]) : 5;
  int pipeline = argc > 5 ? std::atoi(argv[5]) : 16;
  std::atomic<long> ops{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      redisContext* c = redisConnect("127.0.0.1", port);
      if (c == nullptr || c->err) {
        failed = true;
        return;
      }
      long n = 0;
      while (!stop) {
        size_t replies = 0;
        for (int p = 0; p < pipeline; ++p, ++n) {
          for (const auto& cmd : Op(mode, t, n)) {
            Append(c, cmd);
            ++replies;
          }
        }
        for (size_t r = 0; r < replies; ++r) {
          void* reply = nullptr;
          if (redisGetReply(c, &reply) != REDIS_OK) {
            failed = true;
            stop = true;
            break;
          }
          auto* rr = static_cast<redisReply*>(reply);
          if (rr->type == REDIS_REPLY_ERROR) {
            std::fprintf(stderr, "error reply: %s\n", rr->str);
            failed = true;
            stop = true;
          }
          freeReplyObject(reply);
        }
        ops += pipeline;
      }
      redisFree(c);
    });
  }
  auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));  // the measured window
  stop = true;
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s %.0f\n", mode.c_str(), static_cast<double>(ops.load()) / elapsed);
  return failed ? 1 : 0;
}
