#pragma once
// Bybit v5 retCodes keel acts on, and how an answer becomes a Status. Bybit answers most business
// errors with HTTP 200 and retCode != 0 inside its envelope {"retCode","retMsg","result",…}; the
// HTTP status alone says little. The retCode, HTTP status and the wait the exchange asked for are
// always kept; the category says what keel may conclude (facts: ../shared/protocol/bybit-v5.md,
// Bybit's docs/v5/error.mdx).
#include <optional>
#include <string>

#include "keel/model/status.h"
#include "keel/model/time.h"
#include "keel/net/http_message.h"

namespace keel::bybit {

inline constexpr int kOk = 0;
inline constexpr int kParamError = 10001;        // "request parameter error"
inline constexpr int kTimestampOutside = 10002;  // the timestamp or recv_window is off
inline constexpr int kApiKeyInvalid = 10003;
inline constexpr int kSignatureError = 10004;
inline constexpr int kPermissionDenied = 10005;
inline constexpr int kTooManyVisits = 10006;     // rate limit, in the envelope of an HTTP 200
inline constexpr int kServerError = 10016;       // "server error": the request may have been executed
inline constexpr int kOrderNotExists = 110001;   // "order does not exist"
inline constexpr int kOrderFilledOrCancelled = 110008;
inline constexpr int kOrderCancelled = 110010;
inline constexpr int kReduceOnlyTruncated = 110017;  // a reduce-only order with no (or too little) position
inline constexpr int kDuplicateLinkId = 110072;       // "OrderLinkedID is duplicate"
inline constexpr int kOrderProcessing = 110079;       // "order is being processed"
inline constexpr int kNotionalTooLow = 110094;

// The Status for an answer that is not a success, at local time now_ms (for the reset time):
//   110001, 110008, 110010                       kNotFound (not open: gone, filled or cancelled)
//   HTTP 5xx or 408, 10016, 110079               kUnknownOutcome (the request may have acted)
//   10006, HTTP 429, HTTP 403                    kExchange, rate-limited: retry_after_ms from
//                                                X-Bapi-Limit-Reset-Timestamp (403: 10 minutes)
//   HTTP 401 without the envelope                kExchange: the key or auth headers refused
//   a non-2xx answer without Bybit's envelope    kUnknownOutcome (a proxy's page is not Bybit's)
//   any other retCode                            kExchange: a definite answer, nothing was done
Status ErrorFromResponse(const net::HttpResponse& response, const std::string& what, TimeMs now_ms);
// The same for an envelope already read (HTTP 200, retCode != 0).
Status ErrorFromRetCode(int ret_code, const std::string& ret_msg, const net::HttpResponse& response,
                        const std::string& what, TimeMs now_ms);

bool IsRateLimited(const Status& status);  // 10006, 429 or 403
bool IsClockSkew(const Status& status);    // 10002

}  // namespace keel::bybit
