#pragma once
// The Bybit v5 adapter (category linear): keel's Exchange port over the REST client.
//   - Create, amend and cancel answer only {orderId, orderLinkId} and act asynchronously (seed 001):
//     the adapter never infers side, status or fills from them. A create or amend is completed by
//     querying the order by orderLinkId (/v5/order/realtime, then /v5/order/history); right after an
//     acknowledgement an empty answer means "not seen yet", never "not there", and is asked again,
//     boundedly, before the outcome is reported unknown.
//   - Protection is a conditional order (triggerPrice, triggerDirection, triggerBy, reduceOnly and
//     closeOnTrigger, qty "0" for the whole position), not the position's TP/SL
//     (/v5/position/trading-stop): a conditional order carries keel's orderLinkId, so it is placed,
//     queried and settled by id like every other order (docs/exchanges.md says more).
//   - Open orders and positions are read per settle coin (USDT and USDC) with their cursors; both
//     books are one list on Bybit (/v5/order/realtime answers regular and conditional orders).
//   - A placement is never retried: a lost answer is kUnknownOutcome, settled by orderLinkId.

#include <memory>
#include <string>
#include <vector>

#include "keel/bybit/rest_client.h"
#include "keel/exchange/exchange.h"

namespace keel::bybit {

struct BybitOptions {
  // The settle coins of the linear contracts keel reads positions and open orders for.
  std::vector<std::string> settle_coins = {"USDT", "USDC"};
  // Bybit has no "read the position mode" call: the mode is read off position rows, those that are
  // open, else the rows (flat ones included) of this symbol ("": the first one the exchange lists).
  std::string mode_probe_symbol;
};

class BybitExchange final : public Exchange {
 public:
  explicit BybitExchange(std::unique_ptr<RestClient> client, BybitOptions options = {})
      : client_(std::move(client)), options_(std::move(options)) {}
  // Owns the transport the client sends through.
  BybitExchange(std::unique_ptr<net::HttpTransport> transport, std::unique_ptr<RestClient> client,
                BybitOptions options = {})
      : transport_(std::move(transport)), client_(std::move(client)), options_(std::move(options)) {}

  Result<InstrumentList> Instruments() override;
  Result<OrderReport> Place(const PlaceOrder& order) override;
  Result<CancelReport> Cancel(OrderBook book, const std::string& symbol, const std::string& client_order_id) override;
  Result<OrderReport> Amend(const AmendOrder& amend) override;
  Result<OrderReport> Query(OrderBook book, const std::string& symbol, const std::string& client_order_id) override;
  // order-list.mdx: Cancelled, Rejected and Deactivated orders can be read for the last 24 hours.
  TimeMs UnfilledOrderRetentionMs() const override { return 24LL * 3600 * 1000; }
  // create-order.mdx: qty "0" closes "up to maxMktOrderQty or maxOrderQty".
  bool WholePositionStopIsCapped() const override { return true; }
  Result<std::vector<PositionReport>> Positions() override;
  Result<std::vector<PositionReport>> PositionRows(const std::string& symbol) override;
  Result<std::vector<OrderReport>> OpenOrders() override;
  Result<bool> HedgeMode() override;
  Result<std::optional<TimeMs>> LastFillTime(const std::string& symbol) override;
  Result<Decimal> MaxPositionNotional(const std::string& symbol) override;
  Result<TrailingStopReport> SetTrailingStop(const TrailingStopRequest& request) override;
  bool SupportsGoodTillDate() const override { return false; }
  bool TrailingStopIsAnOrder() const override { return false; }
  Result<std::optional<TrailingStopReport>> TrailingStopOf(const std::string& symbol, PositionSide position_side,
                                                           const std::string& client_order_id) override;
  Status RemoveTrailingStop(const std::string& symbol, PositionSide position_side,
                            const std::string& client_order_id) override;
  Result<std::map<std::string, TimeMs>> RecentFills() override;
  Result<AccountReport> Account() override;
  Result<AccountAndListing> AccountAndInstruments() override;
  Result<Decimal> MarkPrice(const std::string& symbol) override;

  // POST /v5/order/cancel-all for one symbol: the orders Bybit acknowledged cancelling.
  Result<std::vector<CancelReport>> CancelAll(const std::string& symbol);

  RestClient& client() { return *client_; }

  // Every placement on Bybit is an acknowledgement read back by query: a short wait for a lagging
  // read, then the outcome is left unknown for the caller to settle by client order id, off the
  // placing thread (the stream usually tells first). Waiting seconds here holds a worker and
  // everything queued behind it (chaos seed 2095: two entries and a stop in a row behind lagging
  // reads left positions without a stop for 5.4 s).
  static constexpr int kAckQueryAttempts = 4;
  static constexpr TimeMs kAckQueryIntervalMs = 200;
  static constexpr int kMaxPages = 100;  // a cursor that never ends is an error, not a hang

 private:
  // Follows nextPageCursor from a first page already read; every page parsed once, by `parse`.
  template <typename Page>
  Result<std::vector<Page>> Pages(const RestClient::Call& call, Result<std::string> first,
                                  Result<Page> (*parse)(std::string_view));
  Result<std::vector<PositionReport>> PositionsFrom(const std::vector<RestClient::Call>& calls,
                                                    std::vector<Result<std::string>> firsts);
  Result<std::vector<OrderReport>> OrdersFrom(const std::vector<RestClient::Call>& calls,
                                              std::vector<Result<std::string>> firsts);
  static RestClient::Call ListingCall();
  // Every instrument, from the listing's first page already read.
  Result<InstrumentList> ListingFrom(Result<std::string> first);
  std::vector<RestClient::Call> PositionCalls() const;
  std::vector<RestClient::Call> OpenOrderCalls() const;
  Result<AccountAndListing> ReadTogether(bool instruments);
  // GET /v5/position/list for one symbol (every row of it, flat ones included); `what` names the
  // read in an error.
  Result<std::string> PositionListOf(const std::string& symbol, const std::string& what);
  // The order once the exchange shows it as `done` says; "not seen yet" asked again.
  template <typename Done>
  Result<OrderReport> AwaitOrder(const std::string& symbol, const std::string& client_order_id, const std::string& what,
                                 Done done);

  std::unique_ptr<net::HttpTransport> transport_;  // declared first: the client refers to it
  std::unique_ptr<RestClient> client_;
  BybitOptions options_;
};

// The JSON body of POST /v5/order/create for an order (exposed for the tests and the simulator's
// own checks): InvalidInput when the order cannot be expressed on Bybit.
Result<std::string> CreateOrderBody(const PlaceOrder& order);

}  // namespace keel::bybit
