#include "keel/binance/errors.h"

#include <limits>

#include "exchange/venue_json.h"

namespace keel::binance {

Refusal RefusalOf(int code, int http_status) {
  if (http_status == 429 || http_status == 418 || code == kTooManyRequests || code == kTooManyOrders) return Refusal::kRate;
  switch (code) {
    case kInvalidTimestamp: return Refusal::kClock;
    case kUnauthorized:
    case kInvalidSignature:
    case kBadApiKeyFormat:
    case kRejectedApiKey: return Refusal::kKey;
    case kPostOnlyRejected: return Refusal::kPostOnlyWouldTake;
    case kNoNeedToModify: return Refusal::kUnchanged;
    case kWouldTrigger: return Refusal::kTriggerPassed;
    default: return http_status == 401 ? Refusal::kKey : Refusal::kOther;
  }
}

Status ErrorFromResponse(const net::HttpResponse& response, const std::string& what) {
  int code = 0;
  bool venue_body = false;
  std::string message;
  venue_json::JsonDoc doc(response.body, "error body");
  if (doc.status().ok()) {
    venue_json::Fields f(doc.root(), "error body");
    const std::int64_t c = f.Int("code");
    venue_body = f.status().ok() && c >= std::numeric_limits<int>::min() && c <= std::numeric_limits<int>::max();
    if (venue_body) code = static_cast<int>(c);
    if (const auto* msg = f.Find("msg"); venue_body && msg && msg->IsString())
      message.assign(msg->GetString(), msg->GetStringLength());
  }
  if (!venue_body) {
    message = "HTTP " + std::to_string(response.status) + " without a Binance error body";
    if (!doc.refused().ok()) message += " (" + doc.refused().message() + ")";
  }
  std::int64_t retry_after_ms = 0;
  const std::string retry = response.header("Retry-After");
  if (!retry.empty() && retry.find_first_not_of("0123456789") == std::string::npos && retry.size() < 10)
    retry_after_ms = std::stoll(retry) * 1000;
  const std::string text = what + ": " + message;
  if (code == kCancelRejected || code == kNoSuchOrder) {
    Status s = Status::Exchange(text, code, response.status, retry_after_ms);
    return Status::NotFound(s.ToString());
  }
  // The venue says it does not know what happened, or something between keel and the venue
  // answered instead of it: the request may have been executed.
  const bool status_unknown = code == kUnexpectedResponse || code == kBackendTimeout;
  const bool rate_limited = response.status == 429 || response.status == 418;  // refused, body or not
  if (response.status >= 500 || response.status == 408 || status_unknown || (!venue_body && !rate_limited)) {
    return Status::UnknownOutcome(text + " [venue_code=" + std::to_string(code) + " http=" +
                                  std::to_string(response.status) + "]: execution status unknown");
  }
  return Status::Exchange(text, code, response.status, retry_after_ms, RefusalOf(code, response.status));
}

bool IsRateLimited(const Status& status) { return status.IsExchange() && status.refusal() == Refusal::kRate; }

bool IsClockSkew(const Status& status) { return status.IsExchange() && status.refusal() == Refusal::kClock; }

}  // namespace keel::binance
