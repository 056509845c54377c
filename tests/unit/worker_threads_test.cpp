// The job threads under the engine's REST workers, the stream's REST calls and alert deliveries.
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>

#include "keel/net/worker_threads.h"

using namespace keel;

TEST_CASE("worker threads: every job runs once on a thread of its own index; Stop drains the queue, then drops") {
  std::atomic<int> ran{0};
  std::mutex mu;
  std::set<std::size_t> seen;
  net::WorkerThreads threads(3);
  for (int i = 0; i < 300; ++i) {
    threads.Run([&](std::size_t thread) {
      std::lock_guard<std::mutex> lock(mu);
      seen.insert(thread);
      ++ran;
    });
  }
  threads.Run([&] { ++ran; });  // a job that does not care which thread
  threads.Stop();
  CHECK(ran == 301);  // none lost: Stop finished what was queued
  CHECK(threads.InFlight() == 0);
  CHECK(!seen.empty());
  CHECK(*seen.rbegin() < 3);
  threads.Run([&] { ++ran; });  // after Stop: dropped, nothing would read its answer
  CHECK(ran == 301);
  CHECK(threads.InFlight() == 0);
}

TEST_CASE("worker threads: with every other thread busy, an urgent job still runs; a normal one waits") {
  net::WorkerThreads threads(2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> slow_started, urgent_ran;
  std::atomic<bool> second_ran{false};
  threads.Run([&](std::size_t) {
    slow_started.set_value();
    released.wait();  // a settle asleep under lagging reads
  });
  slow_started.get_future().wait();
  threads.Run([&](std::size_t) { second_ran = true; });  // another read: waits for the slow one
  threads.Run([&](std::size_t) { urgent_ran.set_value(); }, net::WorkerThreads::Lane::kUrgent);
  urgent_ran.get_future().wait();  // ran on the kept thread while the slow job holds the other
  CHECK(!second_ran);
  release.set_value();
  threads.Stop();
  CHECK(second_ran);
}

TEST_CASE("worker threads: a job ahead goes before normal ones, never on the thread kept for urgent jobs") {
  net::WorkerThreads threads(2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> slow_started, urgent_ran;
  std::mutex mu;
  std::vector<std::string> order;
  auto note = [&](const char* what) {
    std::lock_guard<std::mutex> lock(mu);
    order.push_back(what);
  };
  threads.Run([&](std::size_t) {
    slow_started.set_value();
    released.wait();
  });
  slow_started.get_future().wait();
  threads.Run([&](std::size_t) { note("read"); });
  threads.Run([&](std::size_t) { note("close"); }, net::WorkerThreads::Lane::kAhead);
  threads.Run([&](std::size_t) { urgent_ran.set_value(); }, net::WorkerThreads::Lane::kUrgent);
  urgent_ran.get_future().wait();  // the kept thread: the close did not take it
  {
    std::lock_guard<std::mutex> lock(mu);
    CHECK(order.empty());
  }
  release.set_value();
  threads.Stop();
  CHECK(order == std::vector<std::string>{"close", "read"});
}
