#include "keel/binance/market_stream.h"

#include <algorithm>

#include "keel/model/json_writer.h"

namespace keel::binance {

struct MarketDataStream::Channel {
  Channel(std::string p, std::vector<std::string> s, TimeMs initial, TimeMs max, std::uint64_t seed)
      : path(std::move(p)), streams(std::move(s)), backoff(initial, max, seed) {}
  std::string path;
  std::vector<std::string> streams;
  net::Backoff backoff;
  std::unique_ptr<net::WsClient> ws;
  int connects = 0;
  int next_id = 1;
};

MarketDataStream::MarketDataStream(net::EventLoop& loop, MarketStreamOptions options, MarketStreamHandler handler)
    : loop_(loop), options_(std::move(options)), handler_(std::move(handler)) {
  while (!options_.ws_url.empty() && options_.ws_url.back() == '/') options_.ws_url.pop_back();
}

MarketDataStream::~MarketDataStream() {
  *alive_ = false;
  Stop();
}

Status MarketDataStream::Start() {
  if (options_.ws_url.empty()) return Status::InvalidInput("market streams need exchange.ws_url");
  if (options_.symbols.empty()) return Status::InvalidInput("market streams need at least one symbol");
  stopped_ = false;
  std::vector<std::string> books, marks;
  for (std::string s : options_.symbols) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    books.push_back(s + "@bookTicker");
    marks.push_back(s + "@markPrice@1s");
  }
  channels_.push_back(std::make_unique<Channel>("/public/ws", books, options_.backoff_initial_ms,
                                                options_.backoff_max_ms, options_.jitter_seed));
  channels_.push_back(std::make_unique<Channel>("/market/ws", marks, options_.backoff_initial_ms,
                                                options_.backoff_max_ms, options_.jitter_seed + 1));
  for (auto& c : channels_) Connect(*c);
  return Status::Ok();
}

void MarketDataStream::Stop() {
  stopped_ = true;
  for (auto& c : channels_)
    if (c->ws) c->ws->Close("stopping");
}

int MarketDataStream::connects() const {
  int n = 0;
  for (const auto& c : channels_) n += c->connects;
  return n;
}

void MarketDataStream::Connect(Channel& c) {
  if (stopped_) return;
  net::WsClient::Callbacks callbacks;
  callbacks.on_open = [this, &c] {
    ++c.connects;
    c.backoff.Reset();
    JsonWriter w;
    w.StartObject().Key("method").String("SUBSCRIBE").Key("params").StartArray();
    for (const auto& s : c.streams) w.String(s);
    w.EndArray().Key("id").Int(c.next_id++).EndObject();
    c.ws->Send(w.str());
    if (handler_.on_state) handler_.on_state(c.path + " live");
  };
  callbacks.on_text = [this, &c](const std::string& text) {
    auto event = ParseMarketDataEvent(text);
    if (!event.ok()) {
      if (handler_.on_refused) handler_.on_refused(c.path + ": " + event.status().message());
      return;
    }
    if (auto* b = std::get_if<BookTickerEvent>(&*event); b && handler_.on_book_ticker) handler_.on_book_ticker(*b);
    if (auto* m = std::get_if<MarkPriceEvent>(&*event); m && handler_.on_mark_price) handler_.on_mark_price(*m);
  };
  callbacks.on_close = [this, &c](const std::string& reason) {
    if (stopped_) return;
    const TimeMs delay = c.backoff.Next();
    if (handler_.on_state) handler_.on_state(c.path + " reconnecting in " + std::to_string(delay) + " ms: " + reason);
    std::weak_ptr<bool> alive = alive_;
    loop_.After(delay, [this, &c, alive] {
      if (auto a = alive.lock(); a && *a) Connect(c);
    });
  };
  if (!c.ws) c.ws = std::make_unique<net::WsClient>(loop_, std::move(callbacks), options_.ca_path);
  Status s = c.ws->Connect(options_.ws_url + c.path);
  if (!s.ok() && handler_.on_state) handler_.on_state(c.path + ": " + s.message());
}

}  // namespace keel::binance
