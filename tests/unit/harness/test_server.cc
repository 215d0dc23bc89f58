#include "tests/unit/harness/test_server.h"

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>

#include "src/commands/register.h"
#include "src/engine/engine.h"
#include "src/net/client.h"
#include "src/net/loop_net.h"
#include "src/runtime/loop.h"

namespace tessera::testing {
namespace {

constexpr auto kReplyDeadline = std::chrono::seconds(10);

// A client without a socket: replies are decoded as they are produced.
class HarnessClient final : public net::Client {
 public:
  HarnessClient(runtime::Loop* loop, uint64_t id, net::CommandSink* sink)
      : Client(loop->index(), id), loop_(loop), sink_(sink) {
    session().authenticated = true;
  }

  // Waits until `count` replies have been decoded; returns them (raw bytes optional).
  std::vector<protocol::RespValue> Take(size_t count, std::vector<std::string>* raws) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, kReplyDeadline, [&] { return values_.size() >= count; })) {
      throw std::runtime_error("no reply within the deadline");
    }
    std::vector<protocol::RespValue> out(values_.begin(), values_.begin() + count);
    values_.erase(values_.begin(), values_.begin() + count);
    if (raws) {
      raws->assign(raws_.begin(), raws_.begin() + count);
    }
    raws_.erase(raws_.begin(), raws_.begin() + count);
    return out;
  }

 private:
  void OnOutputReady() override {
    if (collect_pending_) return;
    collect_pending_ = true;
    Ref();
    // Runs after the current task has finished writing the reply.
    loop_->Post([this] {
      collect_pending_ = false;
      Collect();
      Unref();
    });
  }
  // As a Connection does once its socket has closed: later, on the loop, tell the engine.
  void CloseTransport() override {
    loop_->Post([this] {
      sink_->OnClientClosed(*this);
      Unref();
    });
  }

  void Collect() {
    std::lock_guard<std::mutex> lock(mu_);
    reader_.Feed(out_);
    out_.clear();
    protocol::RespValue v;
    std::string raw;
    while (reader_.Next(&v, &raw) == protocol::RespReader::Status::kValue) {
      values_.push_back(std::move(v));
      raws_.push_back(std::move(raw));
      v = protocol::RespValue();
      raw.clear();
    }
    cv_.notify_all();
  }

  runtime::Loop* loop_;
  net::CommandSink* sink_;
  bool collect_pending_ = false;  // loop thread only
  std::mutex mu_;
  std::condition_variable cv_;
  protocol::RespReader reader_;
  std::vector<protocol::RespValue> values_;
  std::vector<std::string> raws_;
};

}  // namespace

struct TestServer::Impl {
  runtime::ManualClock clock;
  engine::CommandRegistry registry;
  net::NetOptions net_options;
  std::atomic<int64_t> hz{10};
  std::atomic<bool> active_rehashing{true};
  std::vector<std::unique_ptr<runtime::Loop>> loops;
  std::vector<std::unique_ptr<net::LoopNet>> nets;
  std::unique_ptr<engine::Engine> engine;
  std::atomic<uint64_t> next_id{1};
};

struct TestClient::Impl {
  TestServer::Impl* server;
  runtime::Loop* loop;
  HarnessClient* client;

  void Send(std::vector<protocol::CommandArgs> cmds) {
    loop->Post([this, cmds = std::move(cmds)]() mutable {
      for (auto& c : cmds) server->engine->OnCommand(*client, std::move(c));
    });
  }
};

TestServer::TestServer(int threads, Registrar registrar) : impl_(std::make_unique<Impl>()) {
  if (registrar) {
    registrar(impl_->registry);
  } else {
    commands::RegisterAll(impl_->registry);
  }
  std::vector<runtime::Loop*> ptrs;
  for (int i = 0; i < threads; ++i) {
    impl_->loops.push_back(std::make_unique<runtime::Loop>(i));
    ptrs.push_back(impl_->loops.back().get());
  }
  impl_->engine = std::make_unique<engine::Engine>(ptrs, &impl_->registry, &impl_->clock, 16);
  std::vector<net::LoopNet*> nets;
  for (auto& l : impl_->loops) {
    impl_->nets.push_back(
        std::make_unique<net::LoopNet>(l.get(), &impl_->net_options, impl_->engine.get()));
    nets.push_back(impl_->nets.back().get());
  }
  impl_->engine->SetLoopNets(nets);
  impl_->engine->Attach();
  impl_->engine->StartExpiryCycles(&impl_->hz, &impl_->active_rehashing);
  for (auto& n : impl_->nets) n->Attach();
  for (auto& l : impl_->loops) l->Start();
}

TestServer::~TestServer() {
  for (auto& l : impl_->loops) l->Stop();
  for (auto& l : impl_->loops) l->Join();
}

runtime::ManualClock& TestServer::clock() { return impl_->clock; }

int TestServer::threads() const { return static_cast<int>(impl_->loops.size()); }

engine::Engine& TestServer::engine() { return *impl_->engine; }

std::unique_ptr<TestClient> TestServer::Connect(int loop) {
  auto client = std::unique_ptr<TestClient>(new TestClient());
  client->impl_ = std::make_unique<TestClient::Impl>();
  client->impl_->server = impl_.get();
  client->impl_->loop = impl_->loops[static_cast<size_t>(loop)].get();
  client->impl_->client =
      new HarnessClient(client->impl_->loop, impl_->next_id++, impl_->engine.get());
  return client;
}

std::string TestServer::KeyOnShard(int shard, std::string_view prefix) const {
  for (int n = 0;; ++n) {
    std::string key = std::string(prefix) + std::to_string(n);
    if (engine::KeyToShard(key, static_cast<uint32_t>(threads())) == shard) return key;
  }
}

TestClient::~TestClient() {
  std::promise<void> done;
  HarnessClient* c = impl_->client;
  impl_->loop->Post([c, &done] {
    c->Close();
    done.set_value();
  });
  done.get_future().wait();
}

protocol::RespValue TestClient::Call(std::initializer_list<std::string_view> args) {
  std::vector<protocol::CommandArgs> cmds(1);
  for (auto a : args) cmds[0].Append(a);
  impl_->Send(std::move(cmds));
  return impl_->client->Take(1, nullptr)[0];
}

protocol::RespValue TestClient::Call(const std::vector<std::string>& args) {
  std::vector<protocol::CommandArgs> cmds(1);
  for (auto& a : args) cmds[0].Append(a);
  impl_->Send(std::move(cmds));
  return impl_->client->Take(1, nullptr)[0];
}

std::vector<protocol::RespValue> TestClient::Pipeline(
    const std::vector<std::vector<std::string>>& cmds) {
  std::vector<protocol::CommandArgs> batch(cmds.size());
  for (size_t i = 0; i < cmds.size(); ++i) {
    for (auto& a : cmds[i]) batch[i].Append(a);
  }
  impl_->Send(std::move(batch));
  return impl_->client->Take(cmds.size(), nullptr);
}

std::string TestClient::CallRaw(std::initializer_list<std::string_view> args) {
  std::vector<protocol::CommandArgs> cmds(1);
  for (auto a : args) cmds[0].Append(a);
  impl_->Send(std::move(cmds));
  std::vector<std::string> raws;
  impl_->client->Take(1, &raws);
  return raws[0];
}

std::vector<protocol::RespValue> TestClient::NextFrames(size_t n, std::vector<std::string>* raws) {
  return impl_->client->Take(n, raws);
}

}  // namespace tessera::testing
