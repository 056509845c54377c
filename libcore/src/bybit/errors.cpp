#include "keel/bybit/errors.h"

#include <limits>

#include "exchange/venue_json.h"

namespace keel::bybit {

namespace {

// Bybit's reset time is absolute (ms); a header keel cannot read leaves the wait unknown (0).
TimeMs RetryAfter(const net::HttpResponse& response, TimeMs now_ms) {
  const std::string reset = response.header("X-Bapi-Limit-Reset-Timestamp");
  if (reset.empty() || reset.size() > 16 || reset.find_first_not_of("0123456789") != std::string::npos) return 0;
  const TimeMs at = std::stoll(reset);
  return at > now_ms ? at - now_ms : 0;
}

std::string Coded(const std::string& what, const std::string& message, int code, int http) {
  return what + ": " + message + " [retCode=" + std::to_string(code) + " http=" + std::to_string(http) + "]";
}

// The retCode and retMsg of an answer, numbers read from their text. found is false when it has
// no retCode (not Bybit's envelope); refused says why when the text was not even parsed.
struct ErrorEnvelope {
  bool found = false;
  int ret_code = 0;
  std::string ret_msg;
  Status refused;
};
ErrorEnvelope ReadEnvelope(const std::string& body) {
  ErrorEnvelope e;
  venue_json::JsonDoc doc(body, "answer");
  e.refused = doc.refused();
  if (!doc.status().ok()) return e;
  venue_json::Fields f(doc.root(), "answer");
  const std::int64_t code = f.Int("retCode");
  if (!f.status().ok() || code < std::numeric_limits<int>::min() || code > std::numeric_limits<int>::max()) return e;
  e.found = true;
  e.ret_code = static_cast<int>(code);
  if (const auto* msg = f.Find("retMsg"); msg && msg->IsString()) e.ret_msg.assign(msg->GetString(), msg->GetStringLength());
  return e;
}

}  // namespace

RetCodeMeaning MeaningOf(int ret_code) {
  switch (ret_code) {
    case kOrderNotExists:
    case kOrderFilledOrCancelled:
    case kOrderCancelled: return {RetCodeClass::kNotOpen, Refusal::kOther};
    // Bybit says it does not know what became of the request: it may have acted.
    case kServerTimeout:
    case kServerTimeoutAlt:
    case kServerError:
    case kOrderModifiedWhileReplacing:
    case kOrderProcessing:
    case kSpotInternalError:
    case kSpotBackendTimeout:
    case kSpotSubmittedForProcessing:
    case kServerErrorTryLater: return {RetCodeClass::kUnknown, Refusal::kOther};
    // Not accepted for now: the same request later may be.
    case kTooManyVisits:
    case kHighServerLoad:
    case kIpRateLimit:
    case kWsTradeRestarting:
    case kWsFrequencyProtection:
    case kWsSessionTooFrequent:
    case kOptionTooFastToCancel:
    case kSpotTooManyNewOrders: return {RetCodeClass::kDefinite, Refusal::kRate};
    case kTimestampOutside: return {RetCodeClass::kDefinite, Refusal::kClock};
    // The key, its signature, its permissions, its bound IP or the account itself was refused: every
    // request after this one will be too, until the operator acts.
    case kApiKeyInvalid:
    case kSignatureError:
    case kPermissionDenied:
    case kAuthenticationFailed:
    case kAccountBanned:
    case kRegionRestricted:
    case kUnmatchedIp:
    case kTransactionsBanned:
    case kDerivativesKeyExpired:
    case kSpotKeyExpired: return {RetCodeClass::kDefinite, Refusal::kKey};
    case kNotModified: return {RetCodeClass::kDefinite, Refusal::kUnchanged};
    case kTriggerShouldRise:
    case kTriggerShouldFall: return {RetCodeClass::kDefinite, Refusal::kTriggerPassed};
    default: return {RetCodeClass::kDefinite, Refusal::kOther};
  }
}

Status ErrorFromRetCode(int ret_code, const std::string& ret_msg, const net::HttpResponse& response,
                        const std::string& what, TimeMs now_ms) {
  const std::string text = Coded(what, ret_msg, ret_code, response.status);
  const RetCodeMeaning meaning = MeaningOf(ret_code);
  switch (meaning.cls) {
    case RetCodeClass::kNotOpen: return Status::NotFound(Status::Exchange(text, ret_code, response.status).ToString());
    case RetCodeClass::kUnknown: return Status::UnknownOutcome(text + ": execution status unknown");
    case RetCodeClass::kDefinite: break;
  }
  const TimeMs wait = meaning.refusal == Refusal::kRate ? RetryAfter(response, now_ms) : 0;
  return Status::Exchange(text, ret_code, response.status, wait, meaning.refusal);
}

Status ErrorFromResponse(const net::HttpResponse& response, const std::string& what, TimeMs now_ms) {
  const ErrorEnvelope envelope = ReadEnvelope(response.body);
  const int code = envelope.ret_code;
  if (response.status == 429 || response.status == 403) {
    // 403: the IP limit ("access too frequent"), lifted after 10 minutes; 429: system protection.
    const TimeMs wait = response.status == 403 ? 600'000 : RetryAfter(response, now_ms);
    return Status::Exchange(Coded(what, "rate limited by the exchange (HTTP " + std::to_string(response.status) + ")",
                                  code, response.status),
                            code, response.status, wait, Refusal::kRate);
  }
  if (response.status >= 500 || response.status == 408)
    return Status::UnknownOutcome(Coded(what, "HTTP " + std::to_string(response.status), code, response.status) +
                                  ": execution status unknown");
  if (response.status == 401 && !envelope.found) {
    // Bybit's own refusal of the key or of missing auth headers (docs/v5/error.mdx, HTTP 401):
    // nothing was done.
    return Status::Exchange(Coded(what, "the API key was refused (HTTP 401)", 0, 401), 0, 401, 0, Refusal::kKey);
  }
  if (!envelope.found) {
    // Not Bybit's answer (a proxy's page, a cut body): whatever reached the exchange may have acted.
    return Status::UnknownOutcome(what + ": HTTP " + std::to_string(response.status) + " without Bybit's envelope" +
                                  (envelope.refused.ok() ? std::string() : " (" + envelope.refused.message() + ")") +
                                  ": execution status unknown");
  }
  return ErrorFromRetCode(code, envelope.ret_msg, response, what, now_ms);
}

bool IsRateLimited(const Status& status) { return status.IsExchange() && status.refusal() == Refusal::kRate; }

bool IsClockSkew(const Status& status) { return status.IsExchange() && status.refusal() == Refusal::kClock; }

}  // namespace keel::bybit
