#include "keel/bybit/signing.h"

#include "keel/model/json_writer.h"

namespace keel::bybit {

std::string RestSignPayload(TimeMs timestamp, std::string_view api_key, TimeMs recv_window, std::string_view payload) {
  std::string s = std::to_string(timestamp);
  s.append(api_key);
  s += std::to_string(recv_window);
  s.append(payload);
  return s;
}

std::vector<std::pair<std::string, std::string>> SignedHeaders(const net::HmacSha256& secret, std::string_view api_key,
                                                              TimeMs timestamp, TimeMs recv_window,
                                                              std::string_view payload) {
  return {{"X-BAPI-API-KEY", std::string(api_key)},
          {"X-BAPI-TIMESTAMP", std::to_string(timestamp)},
          {"X-BAPI-RECV-WINDOW", std::to_string(recv_window)},
          {"X-BAPI-SIGN", secret.Hex(RestSignPayload(timestamp, api_key, recv_window, payload))}};
}

std::string WsAuthRequest(const net::HmacSha256& secret, std::string_view api_key, TimeMs expires_ms,
                          std::string_view req_id) {
  JsonWriter w;
  w.StartObject().Key("req_id").String(std::string(req_id)).Key("op").String("auth").Key("args").StartArray();
  w.String(std::string(api_key)).Int(expires_ms).String(secret.Hex("GET/realtime" + std::to_string(expires_ms)));
  w.EndArray().EndObject();
  return w.str();
}

}  // namespace keel::bybit
