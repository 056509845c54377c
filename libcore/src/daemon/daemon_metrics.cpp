#include "keel/ops/daemon_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <stdexcept>

namespace keel::ops {

struct DaemonMetrics::Impl {
  std::unique_ptr<prometheus::Exposer> exposer;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  // Every counter with the cumulative value it was last brought to.
  std::map<prometheus::Counter*, double> counted;
  prometheus::Family<prometheus::Counter>* orders = nullptr;
  prometheus::Family<prometheus::Counter>* guard_blocks = nullptr;
  prometheus::Family<prometheus::Counter>* alerts = nullptr;
  std::map<std::string, prometheus::Counter*> plain;
  prometheus::Gauge* weight = nullptr;
  prometheus::Histogram* latency = nullptr;
  LatencyHistogram latency_seen;

  prometheus::Counter& Plain(const std::string& name, const std::string& help) {
    auto it = plain.find(name);
    if (it != plain.end()) return *it->second;
    auto& c = prometheus::BuildCounter().Name(name).Help(help).Register(*registry).Add({});
    plain[name] = &c;
    return c;
  }
  void Bring(prometheus::Counter& c, std::int64_t total) {
    double& at = counted[&c];
    const double value = static_cast<double>(total);
    if (value > at) {
      c.Increment(value - at);
      at = value;
    }
  }
};

namespace {

prometheus::Histogram::BucketBoundaries LatencyBounds() {
  prometheus::Histogram::BucketBoundaries b;
  for (std::int64_t ns : LatencyHistogram::kBoundsNs) b.push_back(static_cast<double>(ns) / 1e9);
  return b;
}

}  // namespace

Result<std::unique_ptr<DaemonMetrics>> DaemonMetrics::Start(const std::string& listen) {
  auto impl = std::make_unique<Impl>();
  try {
    impl->exposer = std::make_unique<prometheus::Exposer>(listen, 1);
  } catch (const std::exception& e) {
    return Status::InvalidInput("daemon.metrics_listen: cannot listen on " + listen + ": " + e.what());
  }
  impl->orders = &prometheus::BuildCounter().Name("keel_orders_total").Help("Orders sent, by how the exchange answered").Register(*impl->registry);
  impl->guard_blocks = &prometheus::BuildCounter()
                            .Name("keel_guard_blocks_total")
                            .Help("Replacements the ReplacementGuard refused, by reason")
                            .Register(*impl->registry);
  impl->alerts = &prometheus::BuildCounter().Name("keel_alerts_total").Help("Alerts sent to the [[alert]] sinks, by outcome").Register(*impl->registry);
  impl->weight = &prometheus::BuildGauge()
                      .Name("keel_rest_weight_used")
                      .Help("REST request weight used in the current minute (X-MBX-USED-WEIGHT-1M)")
                      .Register(*impl->registry)
                      .Add({});
  impl->latency = &prometheus::BuildHistogram()
                       .Name("keel_event_command_latency_seconds")
                       .Help("From a stream event entering the engine to the REST command it led to")
                       .Register(*impl->registry)
                       .Add({}, LatencyBounds());
  impl->exposer->RegisterCollectable(impl->registry);
  return std::unique_ptr<DaemonMetrics>(new DaemonMetrics(std::move(impl)));
}

DaemonMetrics::DaemonMetrics(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DaemonMetrics::~DaemonMetrics() = default;

int DaemonMetrics::port() const {
  auto ports = impl_->exposer->GetListeningPorts();
  return ports.empty() ? 0 : ports[0];
}

void DaemonMetrics::Update(const DaemonSample& s) {
  Impl& m = *impl_;
  const EngineCounters& e = s.engine;
  m.Bring(m.orders->Add({{"result", "placed"}}), e.orders_placed);
  m.Bring(m.orders->Add({{"result", "rejected"}}), e.orders_rejected);
  m.Bring(m.orders->Add({{"result", "unknown"}}), e.orders_unknown);
  for (const auto& [reason, n] : s.guard_blocks) m.Bring(m.guard_blocks->Add({{"reason", to_string(reason)}}), n);
  m.Bring(m.alerts->Add({{"outcome", "delivered"}}), s.alerts_delivered);
  m.Bring(m.alerts->Add({{"outcome", "failed"}}), s.alerts_failed);
  m.Bring(m.alerts->Add({{"outcome", "held_back"}}), s.alerts_held_back);
  m.Bring(m.Plain("keel_cancels_total", "Cancels sent"), e.cancels);
  m.Bring(m.Plain("keel_amends_total", "Amends of resting maker entries sent"), e.amends);
  m.Bring(m.Plain("keel_replacements_total", "Entries replaced after the exchange ended them"), e.replacements);
  m.Bring(m.Plain("keel_ghost_orders_total", "Amends or cancels answered unknown order"), e.ghosts);
  m.Bring(m.Plain("keel_orphans_total", "Positions and orders found on the exchange that keel does not track"), e.orphans);
  m.Bring(m.Plain("keel_reconcile_mismatches_total", "Store and exchange disagreements found"), e.mismatches);
  m.Bring(m.Plain("keel_stream_reconnects_total", "Times the user-data stream went down"), e.stream_drops);
  m.Bring(m.Plain("keel_stream_frames_refused_total", "Stream frames keel could not read (too deep, malformed, unknown)"),
          e.stream_frames_refused);
  m.Bring(m.Plain("keel_rest_jobs_total", "REST jobs handed to the workers"), e.rest_jobs);
  m.Bring(m.Plain("keel_unprotected_seconds_total", "Seconds positions spent without covering protection past the grace period"),
          e.unprotected_ms / 1000);
  m.Bring(m.Plain("keel_signals_total", "Signals taken"), e.signals_taken);
  m.Bring(m.Plain("keel_rest_unanswered_total", "REST jobs that ended with no answer from the exchange"), e.rest_unanswered);
  m.Bring(m.Plain("keel_rest_rate_refusals_total", "REST jobs the exchange refused for the rate"), e.rate_refusals);
  m.weight->Set(s.rest_weight_used);
  // The histogram takes what was added since the last sample.
  std::vector<double> added;
  const auto& now = s.latency.buckets();
  const auto& before = m.latency_seen.buckets();
  bool any = false;
  for (std::size_t i = 0; i < now.size(); ++i) {
    added.push_back(static_cast<double>(now[i] - before[i]));
    any |= now[i] > before[i];
  }
  if (any) m.latency->ObserveMultiple(added, static_cast<double>(s.latency.sum_ns() - m.latency_seen.sum_ns()) / 1e9);
  m.latency_seen = s.latency;
}

}  // namespace keel::ops
