#pragma once
// keel-exchange-sim's REST API: Binance USD-M futures over plain HTTP requests. Signing, timing,
// weights and errors as the exchange does them; the placement, acknowledgement, rate-limit and
// stale-read faults happen here. Transport-free: the HTTP server and in-memory test transports both
// call Handle().

#include <map>
#include <string>
#include <vector>

#include "keel/net/http_message.h"
#include "keel/sim/faults.h"
#include "keel/sim/rate_limiter.h"
#include "keel/sim/sim_exchange.h"
#include "keel/sim/stale_reads.h"

namespace keel::sim {

class BinanceRestApi {
 public:
  // All referenced objects must outlive the API; single-threaded like the exchange.
  BinanceRestApi(SimExchange& exchange, FaultState& faults, StaleReads& stale);

  net::HttpResponse Handle(const net::HttpRequest& request);

  // Requests per "METHOD /path", per result ("200", "400 -2013", "503", "no response").
  const std::map<std::string, std::map<std::string, std::int64_t>>& request_counts() const { return counts_; }

  // Every request the API refused for its rate (429, or 418 once banned), with the Retry-After it
  // sent: when a client that obeys could not send. Per IP, for every account behind it.
  using Refusal = RestRefusal;
  const std::vector<Refusal>& refusals() const { return refusals_; }

  struct Call;  // one request being answered (binance_rest.cpp)

 private:
  SimExchange& ex_;
  FaultState& faults_;
  StaleReads& stale_;
  RateLimiter limiter_;
  std::map<std::string, std::map<std::string, std::int64_t>> counts_;
  std::vector<Refusal> refusals_;
};

}  // namespace keel::sim
