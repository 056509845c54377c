#pragma once
// A request signed the way Binance clients sign it, for tests that talk to the simulator in memory
// or over a socket: params + timestamp, then &signature=HMAC-SHA256(secret, that).

#include <string>

#include "keel/model/time.h"
#include "keel/net/hmac.h"
#include "keel/net/http_message.h"

namespace keel::test {

inline std::string SignedPayload(std::string params, TimeMs now, const std::string& secret) {
  params += (params.empty() ? "" : "&") + std::string("timestamp=") + std::to_string(now);
  return params + "&signature=" + net::hmac_sha256_hex(secret, params);
}

// Everything in the query for GET and DELETE (and when in_query), else in a form body.
inline net::HttpRequest SignedRequest(const std::string& method, const std::string& path, const std::string& params,
                                      TimeMs now, const std::string& key, const std::string& secret,
                                      bool in_query = false) {
  net::HttpRequest r;
  r.method = method;
  const std::string payload = SignedPayload(params, now, secret);
  if (in_query || method == "GET" || method == "DELETE") r.target = path + "?" + payload;
  else {
    r.target = path;
    r.body = payload;
  }
  if (!key.empty()) r.headers.emplace_back("X-MBX-APIKEY", key);
  return r;
}

}  // namespace keel::test
