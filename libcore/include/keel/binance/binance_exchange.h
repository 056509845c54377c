#pragma once
// The Binance USD-M adapter: keel's Exchange port over the REST client.
//   - Stops and take-profits go through the algo order service (/fapi/v1/algoOrder, clientAlgoId,
//     triggerPrice); the order endpoint refuses them (-4120) since 2025-12-09.
//   - Every "open orders" view includes the open algo orders, or a position's stop looks missing.
//   - A placement is never retried: a lost answer (timeout, 5xx) is kUnknownOutcome and the caller
//     settles it by client order id. A minimal acknowledgement is completed by querying the order.
//   - The whole account is read with the all-symbol endpoints: three calls, whatever the number of
//     symbols, sent in parallel (four with exchangeInfo): about one round trip.

#include <memory>

#include "keel/binance/rest_client.h"
#include "keel/exchange/exchange.h"

namespace keel::binance {

class BinanceExchange final : public Exchange {
 public:
  explicit BinanceExchange(std::unique_ptr<RestClient> client) : client_(std::move(client)) {}
  // Owns the transport the client sends through.
  BinanceExchange(std::unique_ptr<net::HttpTransport> transport, std::unique_ptr<RestClient> client)
      : transport_(std::move(transport)), client_(std::move(client)) {}

  Result<InstrumentList> Instruments() override;
  Result<OrderReport> Place(const PlaceOrder& order) override;
  Result<CancelReport> Cancel(OrderBook book, const std::string& symbol, const std::string& client_order_id) override;
  Result<OrderReport> Amend(const AmendOrder& amend) override;
  Result<OrderReport> Query(OrderBook book, const std::string& symbol, const std::string& client_order_id) override;
  // GET /fapi/v1/order: CANCELED or EXPIRED orders with no fills are purged 3 days after creation.
  TimeMs UnfilledOrderRetentionMs() const override { return 3LL * 24 * 3600 * 1000; }
  // closePosition: "all of the current long position (if SELL order) or current short position (if
  // BUY order) will be closed" (change log 2020-05-18); no cap is documented.
  bool WholePositionStopIsCapped() const override { return false; }
  int UsedRequestWeight() const override { return client_->used_weight(); }
  Result<std::vector<PositionReport>> Positions() override;
  Result<std::vector<PositionReport>> PositionRows(const std::string& symbol) override;
  Result<std::vector<OrderReport>> OpenOrders() override;
  Result<bool> HedgeMode() override;
  Result<std::optional<TimeMs>> LastFillTime(const std::string& symbol) override;
  Result<Decimal> MaxPositionNotional(const std::string& symbol) override;
  Result<TrailingStopReport> SetTrailingStop(const TrailingStopRequest& request) override;
  bool SupportsGoodTillDate() const override { return true; }
  bool TrailingStopIsAnOrder() const override { return true; }
  Result<std::optional<TrailingStopReport>> TrailingStopOf(const std::string& symbol, PositionSide position_side,
                                                           const std::string& client_order_id) override;
  Status RemoveTrailingStop(const std::string& symbol, PositionSide position_side,
                            const std::string& client_order_id) override;
  Result<std::map<std::string, TimeMs>> RecentFills() override;
  Result<AccountReport> Account() override;
  Result<AccountAndListing> AccountAndInstruments() override;
  Result<Decimal> MarkPrice(const std::string& symbol) override;

  RestClient& client() { return *client_; }

  static constexpr int kAckQueryAttempts = 10;
  static constexpr TimeMs kAckQueryIntervalMs = 500;

 private:
  std::unique_ptr<net::HttpTransport> transport_;  // declared first: the client refers to it
  std::unique_ptr<RestClient> client_;
  // positionRisk, openOrders, openAlgoOrders (and exchangeInfo) in one parallel batch.
  Result<AccountAndListing> ReadTogether(bool instruments);
};

}  // namespace keel::binance
