#pragma once
// The venue's streams as keel's adapter receives them, without a socket, for in-process users (the
// scenario tests, the chaos soak): each venue event framed in a dialect's wire format by the
// simulator's own stream code, then read back by keel's codec for that dialect. One venue, two
// dialects: Binance USD-M (the user-data stream, bookTicker and markPrice) and Bybit v5 (the
// private stream authenticated and subscribed to order, execution and position, orderbook.1 and
// tickers), whose fills, orders and positions keel joins by seq as its stream client does.
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "keel/config/config.h"
#include "keel/exchange/exchange.h"
#include "keel/exchange/stream_events.h"
#include "keel/net/http_transport.h"
#include "keel/sim/sim_exchange.h"

namespace keel::sim {

enum class Dialect { kBinanceUsdm, kBybitV5 };
const char* to_string(Dialect d);
// "binance-usdm" or "bybit-v5" (an account config's exchange.kind).
Result<Dialect> ParseDialect(std::string_view text);

// What the market streams tell keel: the best bid and ask, or the mark price, of a symbol.
struct MarketTick {
  std::string symbol;
  std::optional<Decimal> bid, ask, mark;
};

using StreamItem = std::variant<OrderEvent, PositionEvent>;

class DialectFeed {
 public:
  // The feed for the account with this API key (the simulator's demo account in tests).
  static Result<std::unique_ptr<DialectFeed>> Create(Dialect dialect, const SimExchange& exchange,
                                                     const std::string& api_key);
  virtual ~DialectFeed() = default;
  // keel's events for one venue event: none when the dialect does not tell it; an error when keel's
  // codec cannot read what the simulator sent (a bug of one or the other).
  virtual Result<std::vector<StreamItem>> Decode(const UserEvent& event) = 0;
  // What the adapter hands over with time alone (Bybit's fills that waited for their position
  // report past the join's window); call it as the clock advances.
  virtual std::vector<StreamItem> Due() { return {}; }
  virtual std::vector<MarketTick> Decode(const MarketEvent& event) = 0;
};

// keel's adapter for the dialect over a transport (the in-memory one to a SimVenue in tests).
std::unique_ptr<Exchange> MakeExchange(Dialect dialect, net::HttpTransport& transport, const std::string& api_key,
                                       Secret secret, const Clock& clock, std::function<void(TimeMs)> sleep);

}  // namespace keel::sim
