// tessera-server [path/to/tessera.conf] [--directive value ...]
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "src/server/log.h"
#include "src/server/server.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "-v" || args[0] == "--version")) {
    std::printf("Tessera server v=0.1.0 (Redis 7.0.15 compatible) bits=64\n");
    return 0;
  }
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
    std::printf(
        "Usage: tessera-server [/path/to/tessera.conf] [options]\n"
        "       tessera-server -v or --version\n\n"
        "Options are any config directive prefixed by --, e.g.\n"
        "       tessera-server --port 7000 --threads 4\n"
        "       tessera-server conf/tessera.conf --loglevel verbose\n");
    return 0;
  }

  // Signals go to one waiter thread; loops (started below) inherit the blocked mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  tessera::server::Server server;
  std::string error;
  if (!server.Configure(args, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  if (!server.Start(&error)) {
    tessera::server::Log(tessera::server::LogLevel::kWarning, error);
    return 1;
  }
  std::thread([&server, set] {
    // Every signal is handled: a shutdown whose final save fails leaves the server running, as
    // Redis does, and a second signal tries again.
    for (;;) {
      int sig = 0;
      sigwait(&set, &sig);
      tessera::server::Log(tessera::server::LogLevel::kWarning,
                           std::string("Received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                               " scheduling shutdown...");
      server.ShutdownFromSignal();
    }
  }).detach();
  server.Wait();
  tessera::server::Log(tessera::server::LogLevel::kWarning,
                       "Tessera is now ready to exit, bye bye...");
  return 0;
}
