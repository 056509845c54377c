#pragma once
// Bybit v5 REST, as a client must speak it (docs/v5/guide.mdx, docs/v5/rate-limit/rate-limit.mdx):
//   - private requests carry the X-BAPI-* headers, signed over the query string exactly as sent
//     (GET) or the raw JSON body (POST), with a timestamp corrected by the measured server-time
//     offset (GET /v5/market/time, at start and again on retCode 10002, then the request is sent
//     once more: refused for the clock means not executed);
//   - every answer is the envelope {"retCode","retMsg","result",…}: a success is retCode 0 and the
//     client hands back `result`; HTTP 200 with retCode != 0 is the exchange's error;
//   - the per-endpoint limits: X-Bapi-Limit-Status (requests left in this window) and
//     X-Bapi-Limit-Reset-Timestamp are kept per path, and a request for a path with nothing left
//     waits for the reset (short waits) or is refused before sending (long ones); 10006, 429 and
//     403 refuse every request until the exchange's reset time (403: 10 minutes).
// Nothing here retries a request that may have been executed.
//
// Not thread-safe: one client per thread.
#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "keel/config/config.h"
#include "keel/model/time.h"
#include "keel/net/hmac.h"
#include "keel/net/http_transport.h"
#include "keel/net/query_string.h"

namespace keel::bybit {

struct RestOptions {
  TimeMs recv_window_ms = 5000;
  TimeMs timeout_ms = 10'000;
  // A path out of requests waits for its reset when that is this close; else the request is
  // refused (kExchange, rate-limited) without being sent.
  TimeMs max_limit_wait_ms = 1500;
};

class RestClient {
 public:
  // sleep is how the client waits (a ManualClock advance in tests).
  RestClient(net::HttpTransport& transport, std::string api_key, Secret secret, const Clock& clock,
             std::function<void(TimeMs)> sleep, RestOptions options = {});

  // The envelope's result (JSON text) of a GET without a key (/v5/market/...).
  Result<std::string> Public(const std::string& path, const net::Params& params);
  // The envelope's result of a signed GET; params are sent (and signed) in their order.
  Result<std::string> Get(const std::string& path, const net::Params& params);
  // The envelope's result of a signed POST of json_body.
  Result<std::string> Post(const std::string& path, const std::string& json_body);

  // Independent GETs in parallel (about one round trip for all of them), answered in order. Before
  // the server time is known, GET /v5/market/time goes in the same batch and the signed ones carry
  // the host's clock; any refused for the clock (10002) is signed again and sent alone.
  struct Call {
    std::string path;
    net::Params params;
    bool sign = true;  // else public
  };
  std::vector<Result<std::string>> GetAll(const std::vector<Call>& calls);

  Status SyncTime();
  void Sleep(TimeMs ms) { sleep_(ms); }
  // Readable from any thread (the private stream signs its auth with it on the loop's thread).
  TimeMs time_offset_ms() const { return offset_ms_.load(std::memory_order_relaxed); }
  long requests_sent() const { return requests_.load(std::memory_order_relaxed); }
  // Requests left in the current window of a path, as the exchange last said; -1 when unknown.
  int requests_left(const std::string& path) const;

 private:
  struct PathLimit {
    int left = -1;
    TimeMs reset_at = 0;  // local time the window ends
  };
  Status WaitForLimits(const std::string& path);
  net::HttpRequest Build(const std::string& method, const std::string& path, const std::string& query,
                         const std::string& body, bool sign) const;
  Result<std::string> Interpret(const std::string& method, const std::string& path, Result<net::HttpResponse> response);
  Result<std::string> Send(const std::string& method, const std::string& path, const std::string& query,
                           const std::string& body, bool sign);
  Status ApplyServerTime(const std::string& result, TimeMs before, TimeMs after);

  net::HttpTransport& transport_;
  std::string api_key_;
  Secret secret_;
  net::HmacSha256 signer_;
  const Clock& clock_;
  std::function<void(TimeMs)> sleep_;
  RestOptions options_;
  std::atomic<TimeMs> offset_ms_{0};
  bool synced_ = false;
  std::map<std::string, PathLimit> limits_;
  TimeMs blocked_until_ = 0;
  int blocked_code_ = 0;
  std::atomic<long> requests_{0};
};

}  // namespace keel::bybit
