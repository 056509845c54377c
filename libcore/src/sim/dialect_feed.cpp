#include "keel/sim/dialect_feed.h"

#include "keel/binance/binance_exchange.h"
#include "keel/binance/codec.h"
#include "keel/bybit/bybit_exchange.h"
#include "keel/bybit/codec.h"
#include "keel/bybit/sequence_join.h"
#include "keel/bybit/public_stream.h"
#include "keel/bybit/signing.h"
#include "keel/sim/binance_json.h"
#include "keel/sim/bybit_stream.h"

namespace keel::sim {

const char* to_string(Dialect d) { return d == Dialect::kBinanceUsdm ? "binance-usdm" : "bybit-v5"; }

Result<Dialect> ParseDialect(std::string_view text) {
  if (text == "binance-usdm") return Dialect::kBinanceUsdm;
  if (text == "bybit-v5") return Dialect::kBybitV5;
  return Status::InvalidInput("dialect \"" + std::string(text) + "\": expected binance-usdm or bybit-v5");
}

namespace {

class BinanceFeed final : public DialectFeed {
 public:
  explicit BinanceFeed(const SimExchange& ex) : ex_(ex) {}
  Result<std::vector<StreamItem>> Decode(const UserEvent& event) override {
    if (event.binance_silent()) return std::vector<StreamItem>{};
    const std::string json = binance::UserEventJson(event, ex_);
    auto parsed = keel::binance::ParseUserDataEvent(json);
    if (!parsed.ok()) return parsed.status().WithContext(json);
    std::vector<StreamItem> out;
    if (auto* o = std::get_if<OrderEvent>(&*parsed)) out.emplace_back(std::move(*o));
    else if (auto* p = std::get_if<PositionEvent>(&*parsed)) out.emplace_back(std::move(*p));
    return out;
  }
  std::vector<MarketTick> Decode(const MarketEvent& event) override {
    auto parsed = keel::binance::ParseMarketDataEvent(binance::MarketEventJson(event, ex_));
    if (!parsed.ok()) return {};
    if (auto* m = std::get_if<keel::binance::MarkPriceEvent>(&*parsed)) return {MarketTick{m->symbol, {}, {}, m->mark_price}};
    if (auto* b = std::get_if<keel::binance::BookTickerEvent>(&*parsed)) return {MarketTick{b->symbol, b->bid, b->ask, {}}};
    return {};
  }

 private:
  const SimExchange& ex_;
};

class BybitFeed final : public DialectFeed {
 public:
  BybitFeed(const SimExchange& ex, BybitStreamSession private_session, BybitStreamSession public_session)
      : ex_(ex),
        private_(std::move(private_session)),
        public_(std::move(public_session)),
        join_(keel::bybit::kFillJoinWindowMs,
              keel::bybit::SequenceJoin::Sink{[this](const OrderEvent& e) { joined_.emplace_back(e); },
                                              [this](const PositionEvent& e) { joined_.emplace_back(e); }}) {}

  Result<std::vector<StreamItem>> Decode(const UserEvent& event) override {
    for (const auto& frame : private_.Render(event, ex_)) {
      auto message = keel::bybit::ParsePrivateMessage(frame);
      if (!message.ok()) return message.status().WithContext(frame);
      if (auto* orders = std::get_if<keel::bybit::OrderTopicEvent>(&*message)) {
        for (auto& row : orders->orders) join_.Order(std::move(row), ex_.now());
      } else if (auto* x = std::get_if<keel::bybit::ExecutionEvent>(&*message)) {
        join_.Executions(*x, ex_.now());
      } else if (auto* p = std::get_if<PositionEvent>(&*message)) {
        join_.Positions(std::move(*p), ex_.now());
      }
    }
    return Take();
  }
  std::vector<StreamItem> Due() override {
    join_.Expire(ex_.now());
    return Take();
  }
  std::vector<MarketTick> Decode(const MarketEvent& event) override {
    std::vector<MarketTick> out;
    if (!subscribed_.count(event.symbol())) {
      // Subscribed on first sight, as a client subscribes to the symbols it trades.
      subscribed_.insert(event.symbol());
      (void)public_.OnText(R"({"op":"subscribe","args":["orderbook.1.)" + event.symbol() + R"(","tickers.)" +
                               event.symbol() + R"("]})",
                           ex_);
    }
    for (const auto& frame : public_.Render(event, ex_)) {
      auto u = keel::bybit::ParsePublicMessage(frame);
      if (!u.ok() || u->control) continue;
      out.push_back(MarketTick{u->symbol, u->bid, u->ask, u->mark});
    }
    return out;
  }

 private:
  const SimExchange& ex_;
  BybitStreamSession private_;
  BybitStreamSession public_;
  std::vector<StreamItem> Take() {
    std::vector<StreamItem> out;
    out.swap(joined_);
    return out;
  }

  keel::bybit::SequenceJoin join_;
  std::vector<StreamItem> joined_;
  std::set<std::string> subscribed_;
};

}  // namespace

Result<std::unique_ptr<DialectFeed>> DialectFeed::Create(Dialect dialect, const SimExchange& exchange,
                                                         const std::string& api_key) {
  if (dialect == Dialect::kBinanceUsdm) return std::unique_ptr<DialectFeed>(new BinanceFeed(exchange));
  auto account = exchange.FindAccountByKey(api_key);
  if (!account) return Status::InvalidInput("no simulated account has the API key " + api_key);
  auto private_session = BybitStreamSession::Open("/v5/private", exchange, 1);
  auto public_session = BybitStreamSession::Open("/v5/public/linear", exchange, 2);
  if (!private_session.ok()) return private_session.status();
  if (!public_session.ok()) return public_session.status();
  // Authenticated and subscribed as keel's stream client does it.
  net::HmacSha256 signer(exchange.account_spec(*account).api_secret);
  const auto auth = private_session->OnText(keel::bybit::WsAuthRequest(signer, api_key, exchange.now() + 10'000, "auth"),
                                            exchange);
  if (auth.empty() || auth[0].find("\"success\":true") == std::string::npos)
    return Status::Internal("the in-process Bybit stream was not authorised: " + (auth.empty() ? "" : auth[0]));
  (void)private_session->OnText(R"({"op":"subscribe","args":["order","execution","position"]})", exchange);
  return std::unique_ptr<DialectFeed>(
      new BybitFeed(exchange, std::move(private_session).value(), std::move(public_session).value()));
}

std::unique_ptr<Exchange> MakeExchange(Dialect dialect, net::HttpTransport& transport, const std::string& api_key,
                                       Secret secret, const Clock& clock, std::function<void(TimeMs)> sleep) {
  if (dialect == Dialect::kBinanceUsdm) {
    return std::make_unique<keel::binance::BinanceExchange>(
        std::make_unique<keel::binance::RestClient>(transport, api_key, std::move(secret), clock, std::move(sleep)));
  }
  return std::make_unique<keel::bybit::BybitExchange>(
      std::make_unique<keel::bybit::RestClient>(transport, api_key, std::move(secret), clock, std::move(sleep)));
}

}  // namespace keel::sim
