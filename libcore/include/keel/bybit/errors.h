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
inline constexpr int kSpotKeyExpired = -2015;       // "(Spot) Your api key has expired"
inline constexpr int kHighServerLoad = 429;         // a retCode: "The trading service is experiencing a high server load. Please retry"
inline constexpr int kServerTimeoutAlt = 5004;      // "Server Timeout" (recorded by ccxt: {"retCode":5004,"retMsg":"Server Timeout"})
inline constexpr int kServerTimeout = 10000;        // "Server Timeout"
inline constexpr int kParamError = 10001;           // "Request parameter error"
inline constexpr int kTimestampOutside = 10002;     // the timestamp or recv_window is off
inline constexpr int kApiKeyInvalid = 10003;
inline constexpr int kSignatureError = 10004;
inline constexpr int kPermissionDenied = 10005;
inline constexpr int kTooManyVisits = 10006;        // rate limit, in the envelope of an HTTP 200
inline constexpr int kAuthenticationFailed = 10007;
inline constexpr int kAccountBanned = 10008;        // "Common banned, please check your account mode"
inline constexpr int kRegionRestricted = 10009;
inline constexpr int kUnmatchedIp = 10010;          // "Unmatched IP, please check your API key's bound IP addresses."
inline constexpr int kServerError = 10016;          // "Server error." (on the websocket: "Service is restarting")
inline constexpr int kIpRateLimit = 10018;          // "Exceeded the IP Rate Limit." (struck out of the table, still handled)
inline constexpr int kWsTradeRestarting = 10019;    // "do not accept new request, but the request in the process is not affected"
inline constexpr int kTransactionsBanned = 10027;
inline constexpr int kWsFrequencyProtection = 10429;
inline constexpr int kWsSessionTooFrequent = 20003;
inline constexpr int kOptionTooFastToCancel = 30035;
inline constexpr int kDerivativesKeyExpired = 33004;
inline constexpr int kNotModified = 34040;          // "Not modified": the TP/SL is already this value
inline constexpr int kOrderModifiedWhileReplacing = 40004;  // "the order is modified during the process of replacing, please check the order status again"
inline constexpr int kOrderNotExists = 110001;      // "Order does not exist"
inline constexpr int kOrderFilledOrCancelled = 110008;
inline constexpr int kOrderCancelled = 110010;
inline constexpr int kReduceOnlyTruncated = 110017;  // "orderQty will be truncated to zero"
inline constexpr int kDuplicateLinkId = 110072;      // "OrderLinkedID is duplicate"
inline constexpr int kOrderProcessing = 110079;      // "The order is processing and can not be operated, please try again later"
inline constexpr int kTriggerShouldRise = 110092;    // "expect Rising, but trigger_price[…] <= current[…]"
inline constexpr int kTriggerShouldFall = 110093;    // "expect Falling, but trigger_price[…] >= current[…]"
inline constexpr int kNotionalTooLow = 110094;
inline constexpr int kSpotInternalError = 170001;    // "Internal error."
inline constexpr int kSpotTooManyNewOrders = 170005;
inline constexpr int kSpotBackendTimeout = 170007;   // "Timeout waiting for response from backend server."
inline constexpr int kSpotSubmittedForProcessing = 170035;  // "Submitted to the system for processing!"
inline constexpr int kServerErrorTryLater = 3400214; // "Server error, please try again later"

// What keel may conclude from a retCode (docs/v5/error.mdx, the UTA, WS OE and Spot tables, read
// whole; 5004 from ccxt): the order is not open, Bybit does not know whether it acted, or a
// definite refusal whose Refusal says whether to wait (kRate), fix the clock (kClock) or the key
// (kKey). A code not named here is a definite refusal of that request alone (kOther).
enum class RetCodeClass { kDefinite, kNotOpen, kUnknown };
struct RetCodeMeaning {
  RetCodeClass cls;
  Refusal refusal;
};
RetCodeMeaning MeaningOf(int ret_code);

// The Status for an answer that is not a success, at local time now_ms (for the reset time):
//   MeaningOf kNotOpen                           kNotFound (not open: gone, filled or cancelled)
//   HTTP 5xx or 408, MeaningOf kUnknown          kUnknownOutcome (the request may have acted)
//   a kRate retCode, HTTP 429, HTTP 403          kExchange, Refusal::kRate: retry_after_ms from
//                                                X-Bapi-Limit-Reset-Timestamp (403: 10 minutes)
//   HTTP 401 without the envelope                kExchange, Refusal::kKey: key or auth headers refused
//   a non-2xx answer without Bybit's envelope    kUnknownOutcome (a proxy's page is not Bybit's)
//   any other retCode                            kExchange with its Refusal: nothing was done
Status ErrorFromResponse(const net::HttpResponse& response, const std::string& what, TimeMs now_ms);
// The same for an envelope already read (HTTP 200, retCode != 0).
Status ErrorFromRetCode(int ret_code, const std::string& ret_msg, const net::HttpResponse& response,
                        const std::string& what, TimeMs now_ms);

bool IsRateLimited(const Status& status);  // a kRate refusal
bool IsClockSkew(const Status& status);    // a kClock refusal

}  // namespace keel::bybit
