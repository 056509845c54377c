#pragma once
// Binance USD-M REST, as a client must speak it: HMAC-SHA256 signing over the exact bytes sent,
// X-MBX-APIKEY, a timestamp corrected by the measured server-time offset (synced at start and on
// -1021, then the request is retried once), recvWindow, and the rate limits: the used weight from
// X-MBX-USED-WEIGHT-1M with a pause before the limit, and 429/418 with Retry-After honoured by
// refusing to send until then. Nothing here retries a request that may have been executed.
//
// Not thread-safe: one client per thread.

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "keel/config/config.h"
#include "keel/model/time.h"
#include "keel/net/hmac.h"
#include "keel/net/http_transport.h"
#include "keel/net/query_string.h"

namespace keel::binance {

struct RestOptions {
  TimeMs recv_window_ms = 5000;
  TimeMs timeout_ms = 10'000;
  int weight_limit_1m = 2400;
  int weight_pause_at = 2160;  // 90%: wait for the next minute before going over
};

class RestClient {
 public:
  // sleep is how the client waits (a ManualClock advance in tests).
  RestClient(net::HttpTransport& transport, std::string api_key, Secret secret, const Clock& clock,
             std::function<void(TimeMs)> sleep, RestOptions options = {});

  Result<std::string> Public(const std::string& method, const std::string& path, const net::Params& params);
  Result<std::string> WithKey(const std::string& method, const std::string& path, const net::Params& params);
  Result<std::string> Signed(const std::string& method, const std::string& path, const net::Params& params);

  // Independent requests in parallel (about one round trip for all of them), answered in order.
  // Before the server time is known, a GET /fapi/v1/time goes in the same batch and the signed ones
  // carry the host's clock; any refused for the clock (-1021) is signed again with the measured
  // offset and retried alone (refused means not executed). Use for reads only.
  struct Call {
    std::string method;
    std::string path;
    net::Params params;
    bool sign = true;  // else public
  };
  std::vector<Result<std::string>> SendAll(const std::vector<Call>& calls);

  Status SyncTime();
  // Waits the way this client waits (a virtual clock in tests).
  void Sleep(TimeMs ms) { sleep_(ms); }
  TimeMs time_offset_ms() const { return offset_ms_; }
  // Readable from any thread (the daemon's metrics read its workers' clients).
  int used_weight() const { return used_weight_.load(std::memory_order_relaxed); }
  long requests_sent() const { return requests_; }

 private:
  Result<std::string> Send(const std::string& method, const std::string& path, const std::string& query,
                           const std::string& body, bool with_key);
  net::HttpRequest Build(const std::string& method, const std::string& path, const std::string& query,
                         const std::string& body, bool with_key) const;
  net::HttpRequest BuildSigned(const Call& call) const;
  // The body of a success, or the error an answer means; records the used weight and bans.
  Result<std::string> Interpret(const std::string& method, const std::string& path, Result<net::HttpResponse> response);
  // Takes the offset from a GET /fapi/v1/time answer sent at `before` and received at `after`.
  Status ApplyServerTime(const std::string& body, TimeMs before, TimeMs after);
  Status WaitForLimits();

  net::HttpTransport& transport_;
  std::string api_key_;
  Secret secret_;
  net::HmacSha256 signer_;
  const Clock& clock_;
  std::function<void(TimeMs)> sleep_;
  RestOptions options_;
  TimeMs offset_ms_ = 0;
  bool synced_ = false;
  std::atomic<int> used_weight_{0};
  TimeMs weight_minute_ = 0;
  TimeMs blocked_until_ = 0;
  long requests_ = 0;
};

}  // namespace keel::binance
