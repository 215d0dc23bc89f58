#include "src/runtime/loop.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "src/runtime/timer.h"

namespace tessera::runtime {
namespace {

using std::chrono::seconds;

// Runs `on_read` once on the loop's thread when `fd` becomes readable: from the poll phase of an
// iteration, as a client's command runs. `poll` and `on_read` must outlive the loop's run.
void OnReadableOnce(Loop& loop, uv_poll_t* poll, int fd, std::function<void()>* on_read) {
  poll->data = on_read;
  loop.Post([&loop, poll, fd] {
    uv_poll_init(loop.uv(), poll, fd);
    uv_poll_start(poll, UV_READABLE, [](uv_poll_t* p, int, int) {
      uv_poll_stop(p);
      (*static_cast<std::function<void()>*>(p->data))();
    });
  });
}

// Each wakeup test runs on both kinds of loop: a lendable one parks in its own epoll_wait, and
// one nobody borrows (the only one) lets libuv block, with its own check for posts just before
// (Loop::OnPrepare).
class LoopWakeupTest : public ::testing::TestWithParam<bool> {
 protected:
  LoopWakeupTest() {
    if (!GetParam()) loop_.DisableLending();
  }
  Loop loop_{0};
};

// Posts from several threads at once, racing the loop's pre-poll check; a lost wakeup leaves
// tasks unrun and the wait times out.
TEST_P(LoopWakeupTest, EveryPostRunsWhenManyThreadsPost) {
  Loop& loop = loop_;
  loop.Start();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  int ran = 0;  // loop thread only
  std::promise<void> all_ran;
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        loop.Post([&] {
          if (++ran == kThreads * kPerThread) all_ran.set_value();
        });
      }
    });
  }
  for (std::thread& t : posters) t.join();
  const bool in_time = all_ran.get_future().wait_for(seconds(30)) == std::future_status::ready;
  loop.Stop();
  loop.Join();
  EXPECT_TRUE(in_time);
  EXPECT_EQ(ran, kThreads * kPerThread);
}

// One post at a time to a loop that has gone back to sleep in between: each needs a wakeup.
TEST_P(LoopWakeupTest, PostWakesASleepingLoopEveryTime) {
  Loop& loop = loop_;
  loop.Start();
  int lost_at = -1;
  for (int i = 0; i < 2000 && lost_at < 0; ++i) {
    auto done = std::make_shared<std::promise<int>>();  // outlives a lost post
    loop.Post([done, i] { done->set_value(i); });
    std::future<int> f = done->get_future();
    if (f.wait_for(seconds(10)) != std::future_status::ready) lost_at = i;
  }
  EXPECT_EQ(lost_at, -1) << "a post was never run";
  loop.Stop();
  loop.Join();
}

// A task a timer posts to its own loop runs at once, although no event follows to wake it: the
// timer runs after the iteration's drain, just before the loop would block.
TEST_P(LoopWakeupTest, ATimersPostRunsWithoutAnotherEvent) {
  Loop& loop = loop_;
  loop.Start();
  std::promise<void> ran;
  Timer* timer = nullptr;  // loop thread
  loop.Post([&] {
    timer = new Timer(&loop);
    timer->Arm(1, [&] { loop.Post([&ran] { ran.set_value(); }); });
  });
  const bool in_time = ran.get_future().wait_for(seconds(10)) == std::future_status::ready;
  EXPECT_TRUE(in_time) << "the posted task waited for an event that never came";
  loop.Post([&timer] { delete timer; });
  loop.Stop();
  loop.Join();
}

INSTANTIATE_TEST_SUITE_P(Loops, LoopWakeupTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Lendable" : "Unlendable";
                         });

// It never parks, so it is never lent, however long it sleeps. (A lendable loop is lent
// within a few tries: ABorrowedLoopRunsNothingUntilGivenBack.)
TEST(UnlendableLoopTest, IsNeverLent) {
  Loop loop(0);
  loop.DisableLending();
  loop.Start();
  int lent = 0;
  bool ran_all = true;
  for (int i = 0; i < 5 && ran_all; ++i) {
    auto ran = std::make_shared<std::promise<void>>();  // outlives a lost post
    loop.Post([ran] { ran->set_value(); });  // a round trip: the loop ran, then went to sleep
    ran_all = ran->get_future().wait_for(seconds(10)) == std::future_status::ready;
    for (int attempt = 0; attempt < 2000; ++attempt) {
      if (loop.TryBorrow()) {
        ++lent;
        loop.GiveBack();
      }
      std::this_thread::yield();
    }
  }
  EXPECT_TRUE(ran_all) << "a post was never run";
  EXPECT_EQ(lent, 0);
  loop.Stop();
  loop.Join();
}

// A task posted while an iteration handles I/O (here by a socket's read callback; in the server,
// a hop's result arriving from another loop) runs in that same iteration, before its hooks, so
// what it produces is flushed by them without another trip through epoll.
TEST(LoopTest, TaskPostedDuringIoRunsBeforeTheIterationHooks) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  Loop loop(0);
  std::vector<std::string> events;  // loop thread only
  std::promise<void> hooked;
  bool hook_seen = false;
  loop.AddIterationHook([&] {
    if (events.empty() || hook_seen) return;  // the first hook after the read
    hook_seen = true;
    events.push_back("hook");
    hooked.set_value();
  });
  loop.Start();
  uv_poll_t poll;
  std::function<void()> on_read = [&] {
    events.push_back("read");
    loop.Post([&] { events.push_back("task"); });
  };
  OnReadableOnce(loop, &poll, fds[0], &on_read);
  EXPECT_EQ(write(fds[1], "x", 1), 1);
  const bool hooked_in_time =
      hooked.get_future().wait_for(seconds(10)) == std::future_status::ready;
  loop.Stop();
  loop.Join();
  close(fds[0]);
  close(fds[1]);
  ASSERT_TRUE(hooked_in_time);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0], "read");
  EXPECT_EQ(events[1], "task");
  EXPECT_EQ(events[2], "hook");
}

// A loop stopped by its own thread mid-iteration (SHUTDOWN does, from a command's continuation)
// still runs that iteration's hooks before the stop hooks: what the iteration left in the
// engine's outboxes (hops that hold clients) is handed on rather than dropped. Here the stop
// comes from a socket's read callback, in the poll phase, like a command's.
TEST(LoopTest, IterationHooksRunBeforeAStopRequestedMidIteration) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  Loop loop(0);
  bool stop_called = false;  // loop thread only
  bool hook_after_stop = false;
  std::promise<bool> stopped;  // the value: whether a hook ran after Stop()
  loop.AddIterationHook([&] {
    if (stop_called) hook_after_stop = true;
  });
  loop.AddStopHook([&] { stopped.set_value(hook_after_stop); });
  loop.Start();
  uv_poll_t poll;
  std::function<void()> on_read = [&] {
    stop_called = true;
    loop.Stop();
  };
  OnReadableOnce(loop, &poll, fds[0], &on_read);
  EXPECT_EQ(write(fds[1], "x", 1), 1);
  std::future<bool> f = stopped.get_future();
  const bool in_time = f.wait_for(seconds(10)) == std::future_status::ready;
  if (!in_time) loop.Stop();
  loop.Join();
  close(fds[0]);
  close(fds[1]);
  ASSERT_TRUE(in_time);
  EXPECT_TRUE(f.get());
}

// Borrowing: a running loop cannot be borrowed; a parked one can, and while it is borrowed the
// loop runs nothing, even when a post wakes it. `shared` is written by the borrower and by the
// loop's tasks without a lock: the borrow's hand-over is all that orders them (TSan checks it).
TEST(LoopTest, ABorrowedLoopRunsNothingUntilGivenBack) {
  Loop loop(0);
  loop.Start();
  int shared = 0;

  // Running: busy in a task, so it cannot be borrowed.
  std::promise<void> in_task;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  loop.Post([&in_task, released] {
    in_task.set_value();
    released.wait();
  });
  in_task.get_future().wait();
  EXPECT_FALSE(loop.TryBorrow());
  release.set_value();

  // Idle: it parks, and then it can be borrowed (and not twice).
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  bool borrowed = false;
  while (!(borrowed = loop.TryBorrow()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_TRUE(borrowed) << "an idle loop never parked";
  EXPECT_FALSE(loop.TryBorrow());
  shared = 1;
  std::atomic<bool> ran{false};
  std::promise<int> seen;
  loop.Post([&] {
    seen.set_value(shared);
    shared = 3;
    ran.store(true);
  });
  // The post woke the loop; for a while, it must still not run the task.
  const auto hold_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  bool ran_while_borrowed = false;
  while (std::chrono::steady_clock::now() < hold_until) ran_while_borrowed |= ran.load();
  shared = 2;
  loop.GiveBack();
  std::future<int> f = seen.get_future();
  ASSERT_EQ(f.wait_for(seconds(10)), std::future_status::ready);
  EXPECT_FALSE(ran_while_borrowed);
  EXPECT_EQ(f.get(), 2);
  loop.Stop();
  loop.Join();
  EXPECT_EQ(shared, 3);
}

// A loop woken while borrowed gets itself back from the borrower's GiveBack(): no other
// borrower can take it in between, however often they try.
TEST(LoopTest, AWokenLoopIsHandedBackBeforeAnyOtherBorrower) {
  Loop loop(0);
  loop.Start();
  Timer* timer = nullptr;  // loop thread
  std::promise<void> fired;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> armed;
  loop.Post([&] {
    timer = new Timer(&loop);
    // Due while the loop is borrowed below; its callback holds the loop until released.
    timer->Arm(50, [&fired, released] {
      fired.set_value();
      released.wait();
    });
    armed.set_value();
  });
  armed.get_future().wait();

  auto deadline = std::chrono::steady_clock::now() + seconds(10);
  bool borrowed = false;
  while (!(borrowed = loop.TryBorrow()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_TRUE(borrowed) << "an idle loop never parked";
  // The timer wakes the loop, which finds itself borrowed and asks for itself back.
  while (!loop.AwaitsGiveBack() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_TRUE(loop.AwaitsGiveBack()) << "the timer never woke the loop";
  loop.GiveBack();
  // Handed to its thread, which runs the timer and is held there: never lendable meanwhile.
  auto lent = [&loop] {
    if (!loop.TryBorrow()) return false;
    loop.GiveBack();  // a failure must not leave the loop borrowed (Stop would never end)
    return true;
  };
  EXPECT_FALSE(lent());
  std::future<void> f = fired.get_future();
  const bool ran = f.wait_for(seconds(10)) == std::future_status::ready;
  EXPECT_TRUE(ran) << "the timer's callback never ran";
  EXPECT_FALSE(lent());
  release.set_value();

  loop.Post([&timer] { delete timer; });
  loop.Stop();
  loop.Join();
}

// What was posted to a loop runs before anything a later borrower does: a loop with a post
// waiting is not lent (the post may be a setting a borrowed command must see).
TEST(LoopTest, ALoopIsNotLentWhilePostsWait) {
  Loop loop(0);
  loop.Start();
  int done = 0;  // written by the tasks; read by a borrower
  int overtaken = 0;
  for (int round = 1; round <= 100; ++round) {
    const auto deadline = std::chrono::steady_clock::now() + seconds(10);
    bool borrowed = false;
    while (!(borrowed = loop.TryBorrow()) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    ASSERT_TRUE(borrowed) << "an idle loop never parked";
    loop.Post([&done, round] { done = round; });
    loop.GiveBack();
    // Borrowed again before the post ran: that is what must not happen.
    if (loop.TryBorrow()) {
      if (done != round) ++overtaken;
      loop.GiveBack();
    }
  }
  loop.Stop();
  loop.Join();
  EXPECT_EQ(overtaken, 0);
}

}  // namespace
}  // namespace tessera::runtime
