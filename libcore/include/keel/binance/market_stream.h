#pragma once
// Binance USD-M market streams for a set of symbols: <symbol>@bookTicker on <ws_url>/public/ws and
// <symbol>@markPrice@1s on <ws_url>/market/ws (the 2026 split paths), subscribed with SUBSCRIBE
// after each connect, each connection reconnected on its own with jittered back-off. Runs on the
// EventLoop's thread; handlers run there too.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "keel/binance/codec.h"
#include "keel/net/backoff.h"
#include "keel/net/ws_client.h"

namespace keel::binance {

struct MarketStreamOptions {
  std::string ws_url;
  std::optional<std::string> ca_path;
  std::vector<std::string> symbols;
  TimeMs backoff_initial_ms = 1000;
  TimeMs backoff_max_ms = 30'000;
  std::uint64_t jitter_seed = 1;
};

struct MarketStreamHandler {
  std::function<void(const BookTickerEvent&)> on_book_ticker;
  std::function<void(const MarkPriceEvent&)> on_mark_price;
  std::function<void(const std::string&)> on_state;
  // A frame that could not be read (malformed, nested too deep, a shape keel does not know). The
  // connection stays up, so this is not a state: the private streams read the account by REST.
  std::function<void(const std::string&)> on_refused;
};

class MarketDataStream {
 public:
  MarketDataStream(net::EventLoop& loop, MarketStreamOptions options, MarketStreamHandler handler);
  ~MarketDataStream();
  MarketDataStream(const MarketDataStream&) = delete;
  MarketDataStream& operator=(const MarketDataStream&) = delete;

  Status Start();
  void Stop();
  int connects() const;

 private:
  struct Channel;
  void Connect(Channel& c);
  net::EventLoop& loop_;
  MarketStreamOptions options_;
  MarketStreamHandler handler_;
  std::vector<std::unique_ptr<Channel>> channels_;
  bool stopped_ = true;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace keel::binance
