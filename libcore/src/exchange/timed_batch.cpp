#include "exchange/timed_batch.h"

namespace keel::venue_rest {

std::vector<Result<std::string>> SendTimedBatch(const TimedBatch& batch, std::vector<net::HttpRequest> calls) {
  const std::size_t n = calls.size();
  std::vector<net::HttpRequest> requests;
  requests.reserve(n + 1);
  if (batch.time_request) requests.push_back(*batch.time_request);
  for (auto& c : calls) requests.push_back(std::move(c));
  const TimeMs before = batch.clock.NowMs();
  auto responses = batch.transport.SendAll(requests, batch.timeout_ms);
  const TimeMs after = batch.clock.NowMs();
  std::size_t first = 0;
  if (batch.time_request) {
    batch.on_time(std::move(responses[0]), before, after);
    first = 1;
  }
  std::vector<Result<std::string>> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto body = batch.interpret(i, std::move(responses[first + i]));
    if (!body.ok() && batch.refused_for_clock(body.status())) body = batch.again(i);
    out.push_back(std::move(body));
  }
  return out;
}

}  // namespace keel::venue_rest
