#include "keel/sim/binance_stream.h"

#include <rapidjson/document.h>

#include <algorithm>

#include "keel/model/json_limits.h"
#include "keel/model/json_writer.h"
#include "keel/net/query_string.h"
#include "keel/sim/binance_json.h"

namespace keel::sim {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool is_number(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// "btcusdt@bookTicker" is a market stream; anything else in /ws/<x> is a listen key.
bool is_stream_name(const std::string& s) { return s.find('@') != std::string::npos; }

std::string error_reply(const std::string& message, const std::string& id_json) {
  return R"({"error":{"code":2,"msg":")" + message + R"("},"id":)" + id_json + "}";
}

}  // namespace

const char* StreamCategory(std::string_view kind) {
  const std::string k = lower(std::string(kind));
  if (k == "bookticker" || k.rfind("depth", 0) == 0 || k == "trade" || k.rfind("rpidepth", 0) == 0) return "public";
  return "market";
}

Result<StreamSession> StreamSession::Open(const std::string& target, const SimExchange& exchange,
                                          const StreamOptions& options) {
  const auto q = target.find('?');
  const std::string path = q == std::string::npos ? target : target.substr(0, q);
  auto params = net::Params::Parse(q == std::string::npos ? std::string() : target.substr(q + 1));
  if (!params.ok()) return Status::InvalidInput("malformed query in " + target);

  std::vector<std::string> parts;
  for (std::size_t start = 1; start <= path.size();) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  StreamSession s;
  if (!parts.empty() && (parts[0] == "public" || parts[0] == "market" || parts[0] == "private")) {
    s.category_ = parts[0];
    parts.erase(parts.begin());
  } else if (!options.legacy_paths) {
    return Status::NotFound("no stream at " + path +
                            ": the legacy /ws and /stream paths were retired on 2026-04-23; use /public/…, /market/… "
                            "or /private/… (or start keel-exchange-sim with --legacy-ws-paths)");
  }
  if (parts.empty() || (parts[0] != "ws" && parts[0] != "stream"))
    return Status::NotFound("no stream at " + path + ": expected /public/…, /market/… or /private/…");
  s.combined_ = parts[0] == "stream";
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (is_number(part) && i + 1 == parts.size()) continue;  // a client's bucket number
    if (is_stream_name(part) && s.category_ != "private") {
      s.streams_.insert(lower(part));  // several raw streams may share one path
    } else if (!is_stream_name(part) && !s.listen_key_ && (s.category_ == "private" || s.category_.empty())) {
      s.listen_key_ = part;
    } else {
      return Status::NotFound("no stream at " + path);
    }
  }
  if (auto streams = params->Get("streams")) {
    std::size_t start = 0;
    while (start <= streams->size()) {
      std::size_t end = streams->find('/', start);
      if (end == std::string::npos) end = streams->size();
      const std::string name = streams->substr(start, end - start);
      if (!name.empty()) {
        if (is_stream_name(name)) s.streams_.insert(lower(name));
        else s.listen_key_ = name;
      }
      start = end + 1;
    }
  }
  if (auto key = params->Get("listenKey")) s.listen_key_ = *key;
  if (auto events = params->Get("events")) {
    for (std::size_t start = 0; start <= events->size();) {
      std::size_t end = events->find_first_of("/,", start);
      if (end == std::string::npos) end = events->size();
      if (end > start) s.events_.insert(events->substr(start, end - start));
      start = end + 1;
    }
  }
  if (s.category_ == "private" && !s.listen_key_) return Status::InvalidInput("/private streams need ?listenKey=");
  if (s.listen_key_ && s.category_ != "private" && !s.category_.empty())
    return Status::NotFound("user data is served on /private only");
  if (s.listen_key_) {
    s.account_ = exchange.AccountForListenKey(*s.listen_key_);
    if (!s.account_) return Status::NotFound("listen key does not exist or expired");
  }
  return s;
}

std::optional<std::string> StreamSession::OnText(const std::string& text) {
  if (!CheckJsonLimits(text, "request").ok()) return error_reply("Invalid JSON", "null");
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  if (d.HasParseError() || !d.IsObject()) return error_reply("Invalid JSON", "null");
  std::string id_json = "null";
  if (d.HasMember("id")) {
    const auto& id = d["id"];
    if (id.IsInt64()) id_json = std::to_string(id.GetInt64());
    else if (id.IsString()) id_json = std::string("\"") + id.GetString() + "\"";
    else if (!id.IsNull()) return error_reply("Invalid request: request ID must be an unsigned integer", "null");
  }
  if (!d.HasMember("method") || !d["method"].IsString()) return error_reply("Invalid request: missing method", id_json);
  const std::string method = d["method"].GetString();
  if (method == "LIST_SUBSCRIPTIONS") {
    JsonWriter w;
    w.StartObject().Key("result").StartArray();
    for (const auto& s : streams_) w.String(s);
    w.EndArray();
    w.Key("id");
    w.Raw(id_json);
    w.EndObject();
    return w.str();
  }
  if (method != "SUBSCRIBE" && method != "UNSUBSCRIBE") return error_reply("Invalid request: unknown method", id_json);
  if (!d.HasMember("params") || !d["params"].IsArray()) return error_reply("Invalid request: params must be an array", id_json);
  for (const auto& p : d["params"].GetArray()) {
    if (!p.IsString()) return error_reply("Invalid request: stream names must be strings", id_json);
    const std::string name = lower(p.GetString());
    if (method == "SUBSCRIBE") streams_.insert(name);
    else streams_.erase(name);
  }
  return R"({"result":null,"id":)" + id_json + "}";
}

std::string StreamSession::Frame(const std::string& stream, const std::string& payload) const {
  if (!combined_) return payload;
  return R"({"stream":")" + stream + R"(","data":)" + payload + "}";
}

std::optional<std::string> StreamSession::Render(const MarketEvent& event, const SimExchange& exchange) {
  if (streams_.empty()) return std::nullopt;
  // A subscription on the wrong category was acknowledged; it stays silent.
  if (!category_.empty() && category_ != StreamCategory(event.stream_kind())) return std::nullopt;
  const std::string base = lower(event.symbol()) + "@" + lower(event.stream_kind());
  std::string name;
  if (streams_.count(base)) {
    name = base;
    if (event.body.index() == 1) {  // plain @markPrice comes every 3 s
      TimeMs& last = last_sent_[base];
      if (event.event_time - last < 3000) {
        if (!streams_.count(base + "@1s")) return std::nullopt;
        name = base + "@1s";
      } else {
        last = event.event_time;
      }
    }
  } else if (event.body.index() == 1 && streams_.count(base + "@1s")) {
    name = base + "@1s";
  } else {
    return std::nullopt;
  }
  // Combined names keep the exchange's casing of the kind ("btcusdt@bookTicker").
  const std::string stream = lower(event.symbol()) + "@" + event.stream_kind() + (name.size() > base.size() ? "@1s" : "");
  return Frame(stream, binance::MarketEventJson(event, exchange));
}

std::optional<std::string> StreamSession::Render(const UserEvent& event, const SimExchange& exchange) {
  if (!account_ || event.account != *account_ || expired_ || event.binance_silent()) return std::nullopt;
  if (std::holds_alternative<ListenKeyExpired>(event.body)) {
    if (std::get<ListenKeyExpired>(event.body).listen_key != *listen_key_) return std::nullopt;
    // The socket stays open; nothing more arrives on it (USD-M "User Data Stream Expired").
    expired_ = true;
  } else if (!events_.empty() && !events_.count(event.type_name())) {
    return std::nullopt;
  }
  return Frame(*listen_key_, binance::UserEventJson(event, exchange));
}

}  // namespace keel::sim
