#pragma once
// How Bybit v5 authenticates (docs/v5/guide.mdx, "Authentication"): every private REST request
// carries X-BAPI-API-KEY, X-BAPI-TIMESTAMP (ms), X-BAPI-RECV-WINDOW and X-BAPI-SIGN, the lowercase
// hex HMAC-SHA256 of timestamp + api key + recv window + payload, where the payload is the query
// string exactly as sent (GET, never re-sorted) or the raw JSON body (POST). The private stream
// authenticates with {"op":"auth","args":[key, expires, HMAC("GET/realtime" + expires)]}.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keel/model/time.h"
#include "keel/net/hmac.h"

namespace keel::bybit {

inline constexpr TimeMs kDefaultRecvWindowMs = 5000;

// The string a REST request signs.
std::string RestSignPayload(TimeMs timestamp, std::string_view api_key, TimeMs recv_window, std::string_view payload);

// The four X-BAPI-* headers of a signed request.
std::vector<std::pair<std::string, std::string>> SignedHeaders(const net::HmacSha256& secret, std::string_view api_key,
                                                              TimeMs timestamp, TimeMs recv_window,
                                                              std::string_view payload);

// The private stream's auth request, valid until expires_ms.
std::string WsAuthRequest(const net::HmacSha256& secret, std::string_view api_key, TimeMs expires_ms,
                          std::string_view req_id);

}  // namespace keel::bybit
