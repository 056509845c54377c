#include "keel/exchange/streams.h"

#include "keel/binance/binance_exchange.h"
#include "keel/binance/market_stream.h"
#include "keel/binance/user_stream.h"
#include "keel/bybit/bybit_exchange.h"
#include "keel/bybit/private_stream.h"
#include "keel/bybit/public_stream.h"

namespace keel {
namespace {

// What both venues' streams share: where they connect, who hears them, and how a refused frame is told.
class StreamsOf : public VenueStreams {
 protected:
  StreamsOf(net::EventLoop& loop, const AccountConfig& config, StreamSetup setup, StreamHandler handler)
      : loop_(loop), config_(config), setup_(std::move(setup)), handler_(std::move(handler)) {}

  std::function<void(const std::string&)> Refused(std::string stream) {
    return [this, stream](const std::string& why) {
      if (handler_.on_refused) handler_.on_refused(stream, why);
    };
  }

  net::EventLoop& loop_;
  const AccountConfig& config_;
  StreamSetup setup_;
  StreamHandler handler_;
};

class BinanceStreams final : public StreamsOf {
 public:
  BinanceStreams(net::EventLoop& loop, const AccountConfig& config, binance::BinanceExchange& exchange,
                 StreamSetup setup, StreamHandler handler)
      : StreamsOf(loop, config, std::move(setup), std::move(handler)), exchange_(exchange) {}

  Status StartPrivate() override {
    binance::UserStreamOptions o;
    o.ws_url = config_.ws_url;
    o.ca_path = config_.ca_path;
    o.offload = setup_.offload;
    binance::UserStreamHandler h;
    h.on_event = [this](const binance::UserDataEvent& e) {
      if (const auto* order = std::get_if<OrderEvent>(&e)) {
        if (handler_.on_order) handler_.on_order(*order);
      } else if (const auto* position = std::get_if<PositionEvent>(&e)) {
        if (handler_.on_position) handler_.on_position(*position);
      }
    };
    h.on_snapshot = handler_.on_snapshot;
    h.on_state = handler_.on_state;
    h.on_refused = Refused("private");
    user_ = std::make_unique<binance::UserDataStream>(loop_, exchange_, exchange_.client(), o, h);
    return user_->Start();
  }

  Status StartMarket(const std::vector<std::string>& symbols) override {
    if (symbols.empty()) return Status::Ok();
    binance::MarketStreamOptions o;
    o.ws_url = config_.ws_url;
    o.ca_path = config_.ca_path;
    o.symbols = symbols;
    binance::MarketStreamHandler h;
    h.on_book_ticker = [this](const binance::BookTickerEvent& b) {
      if (handler_.on_book) handler_.on_book(b.symbol, b.bid, b.ask);
    };
    h.on_mark_price = [this](const binance::MarkPriceEvent& m) {
      if (handler_.on_mark) handler_.on_mark(m.symbol, m.mark_price);
    };
    h.on_state = handler_.on_market_state;
    h.on_refused = Refused("market");
    market_ = std::make_unique<binance::MarketDataStream>(loop_, o, h);
    return market_->Start();
  }

  void Stop() override {
    if (user_) user_->Stop();
    if (market_) market_->Stop();
  }

 private:
  binance::BinanceExchange& exchange_;
  std::unique_ptr<binance::UserDataStream> user_;
  std::unique_ptr<binance::MarketDataStream> market_;
};

class BybitStreams final : public StreamsOf {
 public:
  BybitStreams(net::EventLoop& loop, const AccountConfig& config, const Credentials& credentials,
               bybit::BybitExchange& exchange, const Clock& clock, StreamSetup setup, StreamHandler handler)
      : StreamsOf(loop, config, std::move(setup), std::move(handler)),
        credentials_(credentials),
        exchange_(exchange),
        clock_(clock) {}

  Status StartPrivate() override {
    // The private stream authenticates with the account's own key, a few seconds past the
    // exchange's time as the REST client measures it.
    bybit::PrivateStreamOptions o;
    o.ws_url = config_.ws_url;
    o.ca_path = config_.ca_path;
    o.api_key = credentials_.api_key.reveal();
    o.offload = setup_.offload;
    bybit::PrivateStreamHandler h;
    h.on_order = handler_.on_order;
    h.on_position = handler_.on_position;
    h.on_snapshot = handler_.on_snapshot;
    h.on_state = handler_.on_state;
    h.on_refused = Refused("private");
    bybit::RestClient* rest = &exchange_.client();
    private_ = std::make_unique<bybit::PrivateStream>(
        loop_, exchange_, clock_, [rest] { return rest->time_offset_ms(); }, credentials_.api_secret, o, h);
    return private_->Start();
  }

  Status StartMarket(const std::vector<std::string>& symbols) override {
    if (symbols.empty()) return Status::Ok();
    bybit::PublicStreamOptions o;
    o.ws_url = config_.ws_url;
    o.ca_path = config_.ca_path;
    o.symbols = symbols;
    bybit::PublicStreamHandler h;
    h.on_book = handler_.on_book;
    h.on_mark = handler_.on_mark;
    h.on_state = handler_.on_market_state;
    h.on_refused = Refused("market");
    public_ = std::make_unique<bybit::PublicStream>(loop_, o, h);
    return public_->Start();
  }

  void Stop() override {
    if (private_) private_->Stop();
    if (public_) public_->Stop();
  }

 private:
  const Credentials& credentials_;
  bybit::BybitExchange& exchange_;
  const Clock& clock_;
  std::unique_ptr<bybit::PrivateStream> private_;
  std::unique_ptr<bybit::PublicStream> public_;
};

}  // namespace

Result<std::unique_ptr<VenueStreams>> ConnectStreams(net::EventLoop& loop, const AccountConfig& config,
                                                     const Credentials& credentials, Exchange& exchange,
                                                     const Clock& clock, StreamSetup setup, StreamHandler handler) {
  // The adapter ConnectExchange made for this config's kind: its REST client signs the streams'
  // calls (a listen key, the time offset).
  switch (config.exchange_kind) {
    case ExchangeKind::kBinanceUsdm:
      if (auto* b = dynamic_cast<binance::BinanceExchange*>(&exchange))
        return std::unique_ptr<VenueStreams>(new BinanceStreams(loop, config, *b, std::move(setup), std::move(handler)));
      break;
    case ExchangeKind::kBybitV5:
      if (auto* b = dynamic_cast<bybit::BybitExchange*>(&exchange))
        return std::unique_ptr<VenueStreams>(
            new BybitStreams(loop, config, credentials, *b, clock, std::move(setup), std::move(handler)));
      break;
  }
  return Status::Internal(config.source + ": the streams of exchange.kind " + to_string(config.exchange_kind) +
                          " need the adapter ConnectExchange made for it");
}

}  // namespace keel
