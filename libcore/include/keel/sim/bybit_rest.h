#pragma once
// keel-exchange-sim's Bybit v5 REST API (category linear) over the same venue as the Binance one:
// the X-BAPI-* signature over the raw query (GET) or body (POST), the timestamp window, the
// {"retCode","retMsg","result","retExtInfo","time"} envelope with business errors in HTTP 200,
// per-account, per-endpoint limits per second with X-Bapi-Limit, X-Bapi-Limit-Status and
// X-Bapi-Limit-Reset-Timestamp (10006 past them), cursors, and acknowledgements that carry only
// {orderId, orderLinkId}, always. The placement, rate-limit and stale-read faults apply here as on
// the Binance API. Transport-free, single-threaded.

#include <map>
#include <string>
#include <vector>

#include "keel/net/http_message.h"
#include "keel/sim/faults.h"
#include "keel/sim/sim_exchange.h"
#include "keel/sim/stale_reads.h"

namespace keel::sim {

class BybitRestApi {
 public:
  BybitRestApi(SimExchange& exchange, FaultState& faults, StaleReads& stale);

  // Answers /v5/… requests.
  net::HttpResponse Handle(const net::HttpRequest& request);

  // Requests per "METHOD /path", per result ("0", "10006", "503", "no response").
  const std::map<std::string, std::map<std::string, std::int64_t>>& request_counts() const { return counts_; }
  const std::vector<RestRefusal>& refusals() const { return refusals_; }

  // Requests per second an account may send to a path (docs/v5/rate-limit/rate-limit.mdx, linear).
  static int LimitPerSecond(const std::string& path);

  struct Call;  // one request being answered (bybit_rest.cpp)

 private:
  SimExchange& ex_;
  FaultState& faults_;
  StaleReads& stale_;
  // Requests in the current second per account and path.
  struct Window {
    TimeMs second = -1;
    int used = 0;
  };
  std::map<std::pair<AccountId, std::string>, Window> windows_;
  std::map<std::string, std::map<std::string, std::int64_t>> counts_;
  std::vector<RestRefusal> refusals_;
};

// The orderLinkId Bybit accepts: up to 36 letters, digits, '-' and '_'.
bool IsValidOrderLinkId(const std::string& id);

}  // namespace keel::sim
