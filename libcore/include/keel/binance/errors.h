#pragma once
// Binance USD-M error codes keel acts on, and how an error answer becomes a Status: the venue code,
// HTTP status and Retry-After are always kept; the category says what keel may conclude.

#include <optional>
#include <string>

#include "keel/exchange/exchange.h"
#include "keel/model/status.h"
#include "keel/net/http_message.h"

namespace keel::binance {

inline constexpr int kUnknownError = -1000;       // with 503: execution status unknown
inline constexpr int kUnauthorized = -1002;       // "You are not authorized to execute this request."
inline constexpr int kUnexpectedResponse = -1006; // "execution status unknown"
inline constexpr int kBackendTimeout = -1007;     // "Send status unknown; execution status unknown."
inline constexpr int kTooManyRequests = -1003;
inline constexpr int kTooManyOrders = -1015;      // "Too many new orders; current limit is %s orders per %s."
inline constexpr int kInvalidTimestamp = -1021;
inline constexpr int kInvalidSignature = -1022;
inline constexpr int kBadApiKeyFormat = -2014;    // "API-key format invalid."
inline constexpr int kRejectedApiKey = -2015;     // "Invalid API-key, IP, or permissions for action."
inline constexpr int kCancelRejected = -2011;     // "Unknown order sent."
inline constexpr int kNoSuchOrder = -2013;        // "Order does not exist."
inline constexpr int kMarginInsufficient = -2019;
inline constexpr int kWouldTrigger = -2021;
inline constexpr int kReduceOnlyRejected = -2022;
inline constexpr int kMinNotional = -4164;
inline constexpr int kPostOnlyRejected = -5022;
inline constexpr int kNoNeedToModify = -5027;     // "No need to modify the order."

// The Status for an HTTP answer that is not a success:
//   -2011 / -2013                          kNotFound (the venue does not know that order)
//   5xx, 408, -1006, -1007 (any HTTP)      kUnknownOutcome (the request may have been executed)
//   4xx without a Binance error body       kUnknownOutcome (a proxy's page is no answer of the venue's)
//   anything else                          kExchange: a definite answer, the request was refused
// Retry-After (seconds) is kept in retry_after_ms.
Status ErrorFromResponse(const net::HttpResponse& response, const std::string& what);
// What a definite refusal means: HTTP 429/418, -1003, -1015 kRate; -1021 kClock; -1002, -1022,
// -2014, -2015 and HTTP 401 kKey; -5022 kPostOnlyWouldTake; -5027 kUnchanged; else kOther.
Refusal RefusalOf(int code, int http_status);

using keel::IsDefiniteRejection;  // keel/exchange/exchange.h: the same rule for every venue

bool IsRateLimited(const Status& status);   // a kRate refusal
bool IsClockSkew(const Status& status);     // a kClock refusal

}  // namespace keel::binance
