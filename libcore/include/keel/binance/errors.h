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
inline constexpr int kUnexpectedResponse = -1006; // "execution status unknown"
inline constexpr int kBackendTimeout = -1007;     // "Send status unknown; execution status unknown."
inline constexpr int kTooManyRequests = -1003;
inline constexpr int kInvalidTimestamp = -1021;
inline constexpr int kInvalidSignature = -1022;
inline constexpr int kCancelRejected = -2011;     // "Unknown order sent."
inline constexpr int kNoSuchOrder = -2013;        // "Order does not exist."
inline constexpr int kMarginInsufficient = -2019;
inline constexpr int kWouldTrigger = -2021;
inline constexpr int kReduceOnlyRejected = -2022;
inline constexpr int kMinNotional = -4164;
inline constexpr int kPostOnlyRejected = -5022;

// The Status for an HTTP answer that is not a success:
//   -2011 / -2013                          kNotFound (the venue does not know that order)
//   5xx, 408, -1006, -1007 (any HTTP)      kUnknownOutcome (the request may have been executed)
//   4xx without a Binance error body       kUnknownOutcome (a proxy's page is no answer of the venue's)
//   anything else                          kExchange: a definite answer, the request was refused
// Retry-After (seconds) is kept in retry_after_ms.
Status ErrorFromResponse(const net::HttpResponse& response, const std::string& what);

using keel::IsDefiniteRejection;  // keel/exchange/exchange.h: the same rule for every venue

bool IsRateLimited(const Status& status);   // 429 or 418
bool IsClockSkew(const Status& status);     // -1021

}  // namespace keel::binance
