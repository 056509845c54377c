#include "keel/bybit/rest_client.h"

#include "exchange/timed_batch.h"
#include "exchange/venue_json.h"
#include "keel/bybit/codec.h"
#include "keel/bybit/errors.h"
#include "keel/bybit/signing.h"

namespace keel::bybit {
namespace {

constexpr const char* kTimePath = "/v5/market/time";

bool Digits(const std::string& s, std::size_t max) {
  return !s.empty() && s.size() <= max && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

RestClient::RestClient(net::HttpTransport& transport, std::string api_key, Secret secret, const Clock& clock,
                       std::function<void(TimeMs)> sleep, RestOptions options)
    : transport_(transport),
      api_key_(std::move(api_key)),
      secret_(std::move(secret)),
      signer_(secret_.reveal()),
      clock_(clock),
      sleep_(std::move(sleep)),
      options_(options) {}

int RestClient::requests_left(const std::string& path) const {
  auto it = limits_.find(path);
  return it == limits_.end() ? -1 : it->second.left;
}

Status RestClient::WaitForLimits(const std::string& path) {
  TimeMs now = clock_.NowMs();
  if (blocked_until_ > now) {
    return Status::Exchange("rate limited by the exchange: not sending until " + format_utc(blocked_until_),
                            blocked_code_, 429, blocked_until_ - now, Refusal::kRate);
  }
  auto it = limits_.find(path);
  if (it == limits_.end() || it->second.left != 0 || it->second.reset_at <= now) return Status::Ok();
  const TimeMs wait = it->second.reset_at - now;
  if (wait > options_.max_limit_wait_ms) {
    return Status::Exchange(path + ": no requests left until " + format_utc(it->second.reset_at) +
                                " (X-Bapi-Limit-Status 0): not sent",
                            kTooManyVisits, 0, wait, Refusal::kRate);
  }
  sleep_(wait);
  it->second.left = -1;
  return Status::Ok();
}

net::HttpRequest RestClient::Build(const std::string& method, const std::string& path, const std::string& query,
                                   const std::string& body, bool sign) const {
  net::HttpRequest request;
  request.method = method;
  request.target = query.empty() ? path : path + "?" + query;
  request.body = body;
  if (method == "POST") request.headers.emplace_back("Content-Type", "application/json");
  if (sign) {
    for (auto& h : SignedHeaders(signer_, api_key_, clock_.NowMs() + offset_ms_, options_.recv_window_ms,
                                 method == "GET" ? query : body))
      request.headers.push_back(std::move(h));
  }
  return request;
}

Result<std::string> RestClient::Interpret(const std::string& method, const std::string& path,
                                          Result<net::HttpResponse> response) {
  if (!response.ok()) return response.status();
  const TimeMs now = clock_.NowMs();
  const TimeMs server_now = now + offset_ms_;
  const std::string left = response->header("X-Bapi-Limit-Status");
  if (Digits(left, 9)) {
    PathLimit& limit = limits_[path];
    limit.left = std::stoi(left);
    const std::string reset = response->header("X-Bapi-Limit-Reset-Timestamp");
    // The reset time is the exchange's; a reset already past while nothing is left means the
    // window (a second, per docs/v5/rate-limit) has not rolled over yet.
    const TimeMs reset_at = Digits(reset, 16) ? std::stoll(reset) - offset_ms_ : 0;
    limit.reset_at = reset_at > now ? reset_at : now + 1000;
  }
  const std::string what = method + " " + path;
  Status error;
  if (response->status >= 200 && response->status < 300) {
    auto envelope = ParseEnvelope(response->body);
    if (!envelope.ok()) {
      // Success at the HTTP level with an answer that is not Bybit's: a POST may have acted.
      const std::string text = what + ": HTTP " + std::to_string(response->status) +
                               " without a readable envelope (" + envelope.status().message() + ")";
      if (method == "POST") return Status::UnknownOutcome(text + ": execution status unknown");
      return Status::InvalidInput(text);
    }
    if (envelope->ret_code == kOk) return std::move(envelope->result);
    error = ErrorFromRetCode(envelope->ret_code, envelope->ret_msg, *response, what, server_now);
  } else {
    error = ErrorFromResponse(*response, what, server_now);
  }
  if (error.IsExchange() && IsRateLimited(error)) {
    blocked_until_ = now + (error.retry_after_ms() > 0 ? error.retry_after_ms() : 1000);
    blocked_code_ = error.venue_code().value_or(0);
  }
  return error;
}

Result<std::string> RestClient::Send(const std::string& method, const std::string& path, const std::string& query,
                                     const std::string& body, bool sign) {
  KEEL_RETURN_IF_ERROR(WaitForLimits(path));
  ++requests_;
  return Interpret(method, path, transport_.Send(Build(method, path, query, body, sign), options_.timeout_ms));
}

Result<std::string> RestClient::Public(const std::string& path, const net::Params& params) {
  return Send("GET", path, params.Encode(), "", false);
}

Result<std::string> RestClient::Get(const std::string& path, const net::Params& params) {
  if (!synced_) KEEL_RETURN_IF_ERROR(SyncTime());
  const std::string query = params.Encode();
  auto result = Send("GET", path, query, "", true);
  if (!result.ok() && IsClockSkew(result.status())) {
    KEEL_RETURN_IF_ERROR(SyncTime());
    return Send("GET", path, query, "", true);
  }
  return result;
}

Result<std::string> RestClient::Post(const std::string& path, const std::string& json_body) {
  if (!synced_) KEEL_RETURN_IF_ERROR(SyncTime());
  auto result = Send("POST", path, "", json_body, true);
  if (!result.ok() && IsClockSkew(result.status())) {
    // Refused for the clock, so not executed: measure again and send it once more.
    KEEL_RETURN_IF_ERROR(SyncTime());
    return Send("POST", path, "", json_body, true);
  }
  return result;
}

std::vector<Result<std::string>> RestClient::GetAll(const std::vector<Call>& calls) {
  std::vector<Result<std::string>> out;
  if (blocked_until_ > clock_.NowMs()) {
    const Status blocked = WaitForLimits(kTimePath);
    for (std::size_t i = 0; i < calls.size(); ++i) out.push_back(blocked);
    return out;
  }
  for (const auto& c : calls) {
    // A path out of requests waits (or refuses) as a single request would.
    if (Status s = WaitForLimits(c.path); !s.ok()) {
      for (std::size_t i = 0; i < calls.size(); ++i) out.push_back(s);
      return out;
    }
  }
  std::vector<net::HttpRequest> requests;
  for (const auto& c : calls) requests.push_back(Build("GET", c.path, c.params.Encode(), "", c.sign));
  venue_rest::TimedBatch batch{transport_, clock_, options_.timeout_ms, std::nullopt, {}, {}, {}, {}};
  if (!synced_) batch.time_request = Build("GET", kTimePath, "", "", false);
  batch.on_time = [this](Result<net::HttpResponse> response, TimeMs before, TimeMs after) {
    auto time = Interpret("GET", kTimePath, std::move(response));
    if (time.ok()) (void)ApplyServerTime(*time, before, after);
  };
  batch.interpret = [this, &calls](std::size_t i, Result<net::HttpResponse> response) {
    return Interpret("GET", calls[i].path, std::move(response));
  };
  batch.refused_for_clock = [](const Status& s) { return IsClockSkew(s); };
  batch.again = [this, &calls](std::size_t i) { return Get(calls[i].path, calls[i].params); };
  requests_ += static_cast<long>(requests.size()) + (batch.time_request ? 1 : 0);
  return venue_rest::SendTimedBatch(batch, std::move(requests));
}

Status RestClient::SyncTime() {
  const TimeMs before = clock_.NowMs();
  auto result = Send("GET", kTimePath, "", "", false);
  if (!result.ok()) return result.status().WithContext("syncing with the server time");
  return ApplyServerTime(*result, before, clock_.NowMs()).WithContext("syncing with the server time");
}

Status RestClient::ApplyServerTime(const std::string& result, TimeMs before, TimeMs after) {
  // {"timeSecond":"1688639403","timeNano":"1688639403423213947"}: milliseconds from the nanoseconds.
  venue_json::JsonDoc doc(result, "server time");
  KEEL_RETURN_IF_ERROR(doc.status());
  venue_json::Fields f(doc.root(), "server time");
  const std::string_view nano = f.Str("timeNano");
  KEEL_RETURN_IF_ERROR(f.status());
  if (nano.size() < 7 || nano.size() > 19 || nano.find_first_not_of("0123456789") != std::string_view::npos)
    return Status::InvalidInput("server time field \"timeNano\": expected nanoseconds, found \"" + std::string(nano) + "\"");
  const TimeMs server_ms = std::stoll(std::string(nano.substr(0, nano.size() - 6)));
  offset_ms_ = server_ms - (before + after) / 2;
  synced_ = true;
  return Status::Ok();
}

}  // namespace keel::bybit
