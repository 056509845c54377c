// keel-traderd's Prometheus endpoint served for real on loopback, read as a scraper reads it.
#include <doctest/doctest.h>

#include "http_client.h"
#include "keel/ops/daemon_metrics.h"

using namespace keel;

namespace {

bool Has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

}  // namespace

TEST_CASE("metrics: counters, guard blocks by reason and the latency histogram, as the daemon's sample says") {
  auto metrics = ops::DaemonMetrics::Start("127.0.0.1:0");
  REQUIRE_MESSAGE(metrics.ok(), metrics.status().ToString());
  const int port = (*metrics)->port();
  REQUIRE(port > 0);
  ops::DaemonSample s;
  s.engine.orders_placed = 7;
  s.engine.orders_unknown = 1;
  s.engine.ghosts = 1;
  s.engine.replacements = 1;
  s.engine.unprotected_ms = 2500;
  s.guard_blocks[GuardBlock::kOriginalFilled] = 2;
  s.latency.Record(3'000);
  s.latency.Record(40'000);
  s.rest_weight_used = 42;
  (*metrics)->Update(s);
  s.engine.orders_placed = 9;  // cumulative: the counter grows by 2
  s.latency.Record(3'000);
  (*metrics)->Update(s);

  test::HttpClient client(port);
  auto reply = client.Send("GET", "/metrics");
  REQUIRE(reply.status == 200);
  const std::string& m = reply.body;
  INFO(m);
  CHECK(Has(m, R"(keel_orders_total{result="placed"} 9)"));
  CHECK(Has(m, R"(keel_orders_total{result="unknown"} 1)"));
  CHECK(Has(m, R"(keel_guard_blocks_total{reason="original_filled"} 2)"));
  CHECK(Has(m, "keel_ghost_orders_total 1"));
  CHECK(Has(m, "keel_unprotected_seconds_total 2"));
  CHECK(Has(m, "keel_rest_weight_used 42"));
  CHECK(Has(m, "keel_event_command_latency_seconds_count 3"));
  CHECK(Has(m, R"(keel_event_command_latency_seconds_bucket{le="5e-06"} 2)"));
  CHECK(Has(m, R"(keel_event_command_latency_seconds_bucket{le="+Inf"} 3)"));
}

TEST_CASE("metrics: an address already taken is refused with the address named") {
  auto first = ops::DaemonMetrics::Start("127.0.0.1:0");
  REQUIRE(first.ok());
  auto second = ops::DaemonMetrics::Start("127.0.0.1:" + std::to_string((*first)->port()));
  REQUIRE(!second.ok());
  CHECK(second.status().message().rfind("daemon.metrics_listen: cannot listen on 127.0.0.1:", 0) == 0);
}
