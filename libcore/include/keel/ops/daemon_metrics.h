#pragma once
// keel-traderd's Prometheus endpoint (prometheus-cpp's exposer: GET /metrics on
// daemon.metrics_listen, loopback by default). The daemon hands it a sample of its cumulative
// counts every second; the endpoint serves them as counters, gauges and one histogram:
//   keel_orders_total{result="placed|rejected|unknown"}   keel_guard_blocks_total{reason}
//   keel_cancels_total  keel_amends_total  keel_replacements_total  keel_ghost_orders_total
//   keel_orphans_total  keel_reconcile_mismatches_total  keel_stream_reconnects_total
//   keel_stream_frames_refused_total
//   keel_rest_jobs_total  keel_rest_weight_used (gauge: X-MBX-USED-WEIGHT-1M, the highest seen)
//   keel_unprotected_seconds_total  keel_alerts_total{outcome="delivered|failed|held_back"}
//   keel_event_command_latency_seconds (histogram: stream event in -> REST command out)

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "keel/engine/engine.h"
#include "keel/engine/latency.h"

namespace keel::ops {

struct DaemonSample {
  EngineCounters engine;
  std::map<GuardBlock, std::int64_t> guard_blocks;
  LatencyHistogram latency;
  std::int64_t alerts_delivered = 0;
  std::int64_t alerts_failed = 0;
  std::int64_t alerts_held_back = 0;
  int rest_weight_used = 0;
};

class DaemonMetrics {
 public:
  // Listens on "host:port"; kInvalidInput naming the address when it cannot be bound.
  static Result<std::unique_ptr<DaemonMetrics>> Start(const std::string& listen);
  ~DaemonMetrics();
  // Brings every metric up to the sample (counters only ever grow: a smaller value is ignored).
  void Update(const DaemonSample& sample);
  // The port bound (useful with port 0).
  int port() const;

  struct Impl;

 private:
  explicit DaemonMetrics(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::ops
