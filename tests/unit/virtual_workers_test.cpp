// The chaos episode's REST workers: jobs that sleep let the others and the episode go on, on the
// virtual clock, in an order fixed by wake time and submission.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "chaos/virtual_workers.h"
#include "keel/net/http_transport.h"
#include "keel/sim/dialect_feed.h"

using namespace keel;
using keel::chaos::VirtualWorkers;

namespace {

struct Pool {
  ManualClock clock{1'795'165'200'000};
  net::InMemoryTransport transport{[](const net::HttpRequest&) { return net::HttpResponse{}; }};
  std::vector<std::unique_ptr<Exchange>> exchanges;
  std::vector<std::string> trace;
  std::unique_ptr<VirtualWorkers> workers;
  explicit Pool(int size) {
    std::vector<Exchange*> raw;
    for (int i = 0; i < size; ++i) {
      exchanges.push_back(sim::MakeExchange(sim::Dialect::kBybitV5, transport, "k", Secret("s"), clock, [](TimeMs) {}));
      raw.push_back(exchanges.back().get());
    }
    workers = std::make_unique<VirtualWorkers>(std::move(raw), clock);
  }
  // A job that notes each step with the virtual time, sleeping between steps.
  std::function<void(Exchange&)> Job(const std::string& name, std::vector<TimeMs> sleeps) {
    return [this, name, sleeps](Exchange&) {
      trace.push_back(name + "@" + std::to_string(clock.NowMs() % 10'000));
      for (TimeMs ms : sleeps) {
        // Not inside CHECK: a cancelled job's sleep unwinds it, and an assertion would catch that.
        if (!VirtualWorkers::SleepIfOnJob(ms)) trace.push_back(name + " could not sleep");
        trace.push_back(name + "@" + std::to_string(clock.NowMs() % 10'000));
      }
    };
  }
  void RunFor(TimeMs ms) {
    for (TimeMs t = 0; t < ms; t += 10) {
      clock.Advance(10);
      workers->RunDue();
    }
  }
};

}  // namespace

TEST_CASE("virtual workers: a sleeping job lets the next one run; each resumes when the clock reaches it") {
  Pool p(3);  // two for these jobs, one kept for protective ones
  p.workers->Submit(p.Job("a", {200, 200}));
  p.workers->Submit(p.Job("b", {100}));
  // Both ran up to their first sleep at once, without the clock moving.
  CHECK(p.trace == std::vector<std::string>{"a@0", "b@0"});
  CHECK(p.workers->InFlight() == 2);
  p.RunFor(500);
  CHECK(p.trace == std::vector<std::string>{"a@0", "b@0", "b@100", "a@200", "a@400"});
  CHECK(p.workers->InFlight() == 0);
  // Off a job, there is nothing to sleep on.
  CHECK(!VirtualWorkers::SleepIfOnJob(10));
}

TEST_CASE("virtual workers: a job beyond the pool waits for a free worker; the same wake time goes in submission order") {
  Pool p(1);
  p.workers->Submit(p.Job("a", {100}));
  p.workers->Submit(p.Job("b", {100}));
  CHECK(p.trace == std::vector<std::string>{"a@0"});
  CHECK(p.workers->InFlight() == 2);
  p.RunFor(300);
  CHECK(p.trace == std::vector<std::string>{"a@0", "a@100", "b@100", "b@200"});
}

TEST_CASE("virtual workers: Cancel ends sleeping jobs where they are and never starts queued ones") {
  Pool p(1);
  p.workers->Submit(p.Job("a", {100, 100}));
  p.workers->Submit(p.Job("b", {}));
  p.workers->Cancel();
  CHECK(p.workers->InFlight() == 0);
  p.RunFor(300);
  CHECK(p.trace == std::vector<std::string>{"a@0"});
}

TEST_CASE("virtual workers: one worker is kept for protective jobs, which also go before queued ones") {
  Pool p(2);
  p.workers->Submit(p.Job("read1", {1000}));
  p.workers->Submit(p.Job("read2", {100}));  // waits: the other worker is kept
  CHECK(p.trace == std::vector<std::string>{"read1@0"});
  p.workers->Submit(p.Job("stop", {}), JobPriority::kProtective);
  CHECK(p.trace == std::vector<std::string>{"read1@0", "stop@0"});
  p.RunFor(1200);
  CHECK(p.trace == std::vector<std::string>{"read1@0", "stop@0", "read1@1000", "read2@1000", "read2@1100"});
  CHECK(p.workers->InFlight() == 0);
}

TEST_CASE("virtual workers: a close goes before reads but leaves the protective worker to stops") {
  // Chaos seed 602161: a slow close held the protective worker while a stop waited 3 s.
  Pool p(2);
  p.workers->Submit(p.Job("read", {1000}));
  p.workers->Submit(p.Job("read2", {}));
  p.workers->Submit(p.Job("close", {500}), JobPriority::kClose);  // queued ahead of read2
  CHECK(p.trace == std::vector<std::string>{"read@0"});
  p.workers->Submit(p.Job("stop", {}), JobPriority::kProtective);
  CHECK(p.trace == std::vector<std::string>{"read@0", "stop@0"});
  p.RunFor(2000);
  CHECK(p.trace == std::vector<std::string>{"read@0", "stop@0", "read@1000", "close@1000", "close@1500", "read2@1500"});
  CHECK(p.workers->InFlight() == 0);
}
