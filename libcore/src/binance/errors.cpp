#include "keel/binance/errors.h"

#include <rapidjson/document.h>

namespace keel::binance {

Status ErrorFromResponse(const net::HttpResponse& response, const std::string& what) {
  int code = 0;
  bool venue_body = false;
  std::string message;
  rapidjson::Document d;
  d.Parse(response.body.c_str(), response.body.size());
  if (!d.HasParseError() && d.IsObject() && d.HasMember("code") && d["code"].IsInt()) {
    code = d["code"].GetInt();
    venue_body = true;
    if (d.HasMember("msg") && d["msg"].IsString()) message = d["msg"].GetString();
  } else {
    message = "HTTP " + std::to_string(response.status) + " without a Binance error body";
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
  return Status::Exchange(text, code, response.status, retry_after_ms);
}

bool IsRateLimited(const Status& status) {
  return status.IsExchange() && (status.http_status() == 429 || status.http_status() == 418);
}

bool IsClockSkew(const Status& status) {
  return status.IsExchange() && status.venue_code() == std::optional<int>(kInvalidTimestamp);
}

}  // namespace keel::binance
