#include "keel/binance/rest_client.h"

#include "exchange/timed_batch.h"
#include "keel/binance/codec.h"
#include "keel/binance/errors.h"
#include "keel/net/hmac.h"

namespace keel::binance {

RestClient::RestClient(net::HttpTransport& transport, std::string api_key, Secret secret, const Clock& clock,
                       std::function<void(TimeMs)> sleep, RestOptions options)
    : transport_(transport),
      api_key_(std::move(api_key)),
      secret_(std::move(secret)),
      signer_(secret_.reveal()),
      clock_(clock),
      sleep_(std::move(sleep)),
      options_(options) {}

Status RestClient::WaitForLimits() {
  const TimeMs now = clock_.NowMs();
  if (blocked_until_ > now) {
    return Status::Exchange("rate limited by the exchange: not sending until " + format_utc(blocked_until_),
                            kTooManyRequests, 429, blocked_until_ - now, Refusal::kRate);
  }
  if (used_weight_ >= options_.weight_pause_at && now / 60'000 == weight_minute_) {
    // Close to the limit: wait for the next minute rather than be refused (and risk a ban).
    sleep_((now / 60'000 + 1) * 60'000 - now);
    used_weight_ = 0;
  }
  return Status::Ok();
}

net::HttpRequest RestClient::Build(const std::string& method, const std::string& path, const std::string& query,
                                   const std::string& body, bool with_key) const {
  net::HttpRequest request;
  request.method = method;
  request.target = query.empty() ? path : path + "?" + query;
  request.body = body;
  if (with_key) request.headers.emplace_back("X-MBX-APIKEY", api_key_);
  return request;
}

Result<std::string> RestClient::Interpret(const std::string& method, const std::string& path,
                                          Result<net::HttpResponse> response) {
  if (!response.ok()) return response.status();
  const std::string weight = response->header("X-MBX-USED-WEIGHT-1M");
  if (!weight.empty() && weight.size() < 9 && weight.find_first_not_of("0123456789") == std::string::npos) {
    used_weight_ = std::stoi(weight);
    weight_minute_ = clock_.NowMs() / 60'000;
  }
  if (response->status >= 200 && response->status < 300) return std::move(response->body);
  Status error = ErrorFromResponse(*response, method + " " + path);
  if (IsRateLimited(error)) {
    blocked_until_ = clock_.NowMs() + (error.retry_after_ms() > 0 ? error.retry_after_ms() : 60'000);
  }
  return error;
}

Result<std::string> RestClient::Send(const std::string& method, const std::string& path, const std::string& query,
                                     const std::string& body, bool with_key) {
  KEEL_RETURN_IF_ERROR(WaitForLimits());
  ++requests_;
  return Interpret(method, path, transport_.Send(Build(method, path, query, body, with_key), options_.timeout_ms));
}

net::HttpRequest RestClient::BuildSigned(const Call& call) const {
  net::Params p = call.params;
  p.Add("recvWindow", std::to_string(options_.recv_window_ms));
  p.Add("timestamp", std::to_string(clock_.NowMs() + offset_ms_));
  std::string payload = p.Encode();
  payload += "&signature=" + signer_.Hex(payload);
  const bool in_query = call.method == "GET" || call.method == "DELETE";
  return Build(call.method, call.path, in_query ? payload : "", in_query ? "" : payload, true);
}

std::vector<Result<std::string>> RestClient::SendAll(const std::vector<Call>& calls) {
  std::vector<Result<std::string>> out;
  Status limits = WaitForLimits();
  if (!limits.ok()) {
    for (std::size_t i = 0; i < calls.size(); ++i) out.push_back(limits);
    return out;
  }
  std::vector<net::HttpRequest> requests;
  for (const auto& c : calls)
    requests.push_back(c.sign ? BuildSigned(c) : Build(c.method, c.path, c.params.Encode(), "", false));
  venue_rest::TimedBatch batch{transport_, clock_, options_.timeout_ms, std::nullopt, {}, {}, {}, {}};
  if (!synced_) batch.time_request = Build("GET", "/fapi/v1/time", "", "", false);
  batch.on_time = [this](Result<net::HttpResponse> response, TimeMs before, TimeMs after) {
    auto time = Interpret("GET", "/fapi/v1/time", std::move(response));
    if (time.ok()) (void)ApplyServerTime(*time, before, after);
  };
  batch.interpret = [this, &calls](std::size_t i, Result<net::HttpResponse> response) {
    return Interpret(calls[i].method, calls[i].path, std::move(response));
  };
  batch.refused_for_clock = [](const Status& s) { return IsClockSkew(s); };
  batch.again = [this, &calls](std::size_t i) { return Signed(calls[i].method, calls[i].path, calls[i].params); };
  requests_ += static_cast<long>(requests.size()) + (batch.time_request ? 1 : 0);
  return venue_rest::SendTimedBatch(batch, std::move(requests));
}

Result<std::string> RestClient::Public(const std::string& method, const std::string& path, const net::Params& params) {
  return Send(method, path, params.Encode(), "", false);
}

Result<std::string> RestClient::WithKey(const std::string& method, const std::string& path, const net::Params& params) {
  const std::string encoded = params.Encode();
  const bool in_query = method == "GET" || method == "DELETE";
  return Send(method, path, in_query ? encoded : "", in_query ? "" : encoded, true);
}

Result<std::string> RestClient::Signed(const std::string& method, const std::string& path, const net::Params& params) {
  if (!synced_) KEEL_RETURN_IF_ERROR(SyncTime());
  const Call call{method, path, params, true};
  auto attempt = [&]() -> Result<std::string> {
    KEEL_RETURN_IF_ERROR(WaitForLimits());
    ++requests_;
    return Interpret(method, path, transport_.Send(BuildSigned(call), options_.timeout_ms));
  };
  auto result = attempt();
  if (!result.ok() && IsClockSkew(result.status())) {
    // The clock drifted: measure again and retry once (the request was refused, not executed).
    KEEL_RETURN_IF_ERROR(SyncTime());
    return attempt();
  }
  return result;
}

Status RestClient::SyncTime() {
  const TimeMs before = clock_.NowMs();
  auto body = Send("GET", "/fapi/v1/time", "", "", false);
  if (!body.ok()) return body.status().WithContext("syncing with the server time");
  return ApplyServerTime(*body, before, clock_.NowMs()).WithContext("syncing with the server time");
}

Status RestClient::ApplyServerTime(const std::string& body, TimeMs before, TimeMs after) {
  auto server_ms = ParseServerTime(body);
  if (!server_ms.ok()) return server_ms.status();
  offset_ms_ = *server_ms - (before + after) / 2;
  synced_ = true;
  return Status::Ok();
}

}  // namespace keel::binance
