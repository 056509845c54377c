#include "keel/engine/latency.h"

namespace keel {

void LatencyHistogram::Record(std::int64_t ns) {
  std::size_t i = 0;
  while (i < kBoundsNs.size() && ns > kBoundsNs[i]) ++i;
  ++buckets_[i];
  ++count_;
  sum_ns_ += ns;
}

std::int64_t LatencyHistogram::QuantileBoundNs(double q) const {
  if (count_ == 0) return -1;
  const double wanted = q * static_cast<double>(count_);
  std::int64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (static_cast<double>(seen) >= wanted) return i < kBoundsNs.size() ? kBoundsNs[i] : 2 * kBoundsNs.back();
  }
  return 2 * kBoundsNs.back();
}

}  // namespace keel
