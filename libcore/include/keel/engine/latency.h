#pragma once
// Event -> command latency inside the daemon: from a decoded stream event entering the engine to a
// command handed to a REST worker, in wall-clock nanoseconds. Fixed buckets (a Prometheus
// histogram's, and the benchmark's percentiles from them); recorded on the engine thread only.

#include <array>
#include <cstdint>

namespace keel {

class LatencyHistogram {
 public:
  // Upper bounds in nanoseconds; a last, implicit bucket holds the rest.
  static constexpr std::array<std::int64_t, 12> kBoundsNs{1'000,   2'000,   5'000,     10'000,    20'000,    50'000,
                                                           100'000, 500'000, 1'000'000, 5'000'000, 10'000'000, 100'000'000};
  void Record(std::int64_t ns);
  const std::array<std::int64_t, kBoundsNs.size() + 1>& buckets() const { return buckets_; }
  std::int64_t count() const { return count_; }
  std::int64_t sum_ns() const { return sum_ns_; }
  // The bucket bound at or below which the fraction q (0..1) of samples lie; -1 with no samples,
  // and the largest bound doubled for the overflow bucket.
  std::int64_t QuantileBoundNs(double q) const;

 private:
  std::array<std::int64_t, kBoundsNs.size() + 1> buckets_{};
  std::int64_t count_ = 0;
  std::int64_t sum_ns_ = 0;
};

}  // namespace keel
