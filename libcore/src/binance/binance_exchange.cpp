#include "keel/binance/binance_exchange.h"

#include "keel/binance/codec.h"
#include "keel/binance/errors.h"

namespace keel::binance {
namespace {

const char* path_for(OrderBook book) { return book == OrderBook::kRegular ? "/fapi/v1/order" : "/fapi/v1/algoOrder"; }
const char* client_id_param(OrderBook book, bool placing) {
  if (book == OrderBook::kConditional) return "clientAlgoId";
  return placing ? "newClientOrderId" : "origClientOrderId";
}

Result<OrderReport> decode(OrderBook book, const std::string& body) {
  return book == OrderBook::kRegular ? ParseOrder(body) : ParseAlgoOrder(body);
}

// The account-wide reads (all symbols in one call each).
const RestClient::Call kPositionsCall{"GET", "/fapi/v3/positionRisk", net::Params(), true};
const RestClient::Call kOpenOrdersCall{"GET", "/fapi/v1/openOrders", net::Params(), true};
const RestClient::Call kOpenAlgoOrdersCall{"GET", "/fapi/v1/openAlgoOrders", net::Params(), true};

// The regular and the conditional book's open orders as one list.
Result<std::vector<OrderReport>> OpenOrdersOf(const Result<std::string>& regular, const Result<std::string>& algo) {
  if (!regular.ok()) return regular.status().WithContext("reading open orders");
  if (!algo.ok()) return algo.status().WithContext("reading open algo orders");
  auto orders = ParseOrders(*regular);
  if (!orders.ok()) return orders.status();
  auto algos = ParseAlgoOrders(*algo);
  if (!algos.ok()) return algos.status();
  std::vector<OrderReport> all = std::move(orders).value();
  for (auto& a : *algos) all.push_back(std::move(a));
  return all;
}

}  // namespace

Result<InstrumentList> BinanceExchange::Instruments() {
  auto body = client_->Public("GET", "/fapi/v1/exchangeInfo", net::Params());
  if (!body.ok()) return body.status();
  return ParseExchangeInfo(*body);
}

Result<OrderReport> BinanceExchange::Place(const PlaceOrder& o) {
  if ((o.book == OrderBook::kConditional) != is_conditional(o.type)) {
    return Status::InvalidInput(std::string("order type ") + to_string(o.type) + " belongs in the " +
                                (is_conditional(o.type) ? "conditional" : "regular") + " book");
  }
  if (o.client_order_id.empty()) return Status::InvalidInput("an order needs a client order id");
  if ((o.reduce_only || o.close_position) && o.position_side != PositionSide::kBoth) {
    // Hedge mode: reduceOnly cannot be sent, so only the side pair makes an order a close. Anything
    // else would open or add to the other leg.
    const Side closing = o.position_side == PositionSide::kLong ? Side::kSell : Side::kBuy;
    if (o.side != closing) {
      return Status::InvalidInput(std::string("refusing ") + to_string(o.side) + " on the " + to_string(o.position_side) +
                                  " leg of " + o.symbol + " as a close: in hedge mode a close is " + to_string(closing) +
                                  " " + to_string(o.position_side));
    }
  }
  net::Params p;
  if (o.book == OrderBook::kConditional) p.Add("algoType", "CONDITIONAL");
  p.Add("symbol", o.symbol);
  p.Add("side", to_string(o.side));
  p.Add("positionSide", to_string(o.position_side));
  p.Add("type", to_string(o.type));
  if (o.time_in_force) p.Add("timeInForce", to_string(*o.time_in_force));
  if (o.good_till_date) p.Add("goodTillDate", std::to_string(*o.good_till_date));
  if (o.qty) p.Add("quantity", o.qty->ToString());
  if (o.price) p.Add("price", o.price->ToString());
  if (o.trigger_price) p.Add("triggerPrice", o.trigger_price->ToString());
  if (o.callback_rate) p.Add("callbackRate", o.callback_rate->ToString());
  if (o.activation_price) p.Add("activatePrice", o.activation_price->ToString());
  if (o.book == OrderBook::kConditional) p.Add("workingType", o.mark_price_trigger ? "MARK_PRICE" : "CONTRACT_PRICE");
  if (o.close_position) p.Add("closePosition", "true");
  if (o.reduce_only && o.position_side == PositionSide::kBoth) p.Add("reduceOnly", "true");
  p.Add(client_id_param(o.book, true), o.client_order_id);
  if (o.book == OrderBook::kRegular) p.Add("newOrderRespType", "RESULT");
  auto body = client_->Signed("POST", path_for(o.book), p);
  const std::string what = "placing " + o.client_order_id + " " + o.symbol;
  const std::string settle = ": outcome unknown, settle it by client order id";
  if (!body.ok()) {
    // Only a definite refusal means "not placed"; anything else may have been executed.
    if (IsDefiniteRejection(body.status())) return body.status().WithContext(what);
    return Status::UnknownOutcome(what + ": " + body.status().message() + settle);
  }
  if (o.on_accepted) o.on_accepted();
  Result<OrderReport> placed = Status::Internal("unset");
  if (IsMinimalAck(*body)) {
    // The answer names the order but not what it is: ask, never assume (seed 001). The order was
    // acknowledged, so "does not exist" here is a read that lags, not a fact: ask again, boundedly.
    for (int attempt = 1;; ++attempt) {
      placed = Query(o.book, o.symbol, o.client_order_id);
      if (placed.ok() || !placed.status().IsNotFound()) break;
      if (attempt == kAckQueryAttempts) {
        return Status::UnknownOutcome(what + ": acknowledged, but not visible by query after " +
                                      std::to_string(kAckQueryAttempts) + " tries" + settle);
      }
      client_->Sleep(kAckQueryIntervalMs);
    }
    if (!placed.ok()) {
      return Status::UnknownOutcome(what + ": acknowledged, but the query for it failed (" +
                                    placed.status().message() + ")" + settle);
    }
  } else {
    placed = decode(o.book, *body);
    if (!placed.ok()) {
      // A success status with an answer keel cannot read: the order may well exist.
      return Status::UnknownOutcome(what + ": the exchange answered success but the answer could not be read (" +
                                    placed.status().message() + ")" + settle);
    }
  }
  if (placed->client_order_id != o.client_order_id) {
    return Status::UnknownOutcome(what + ": the answer names another order (" + placed->client_order_id + ")" +
                                  settle);
  }
  return placed;
}

Result<CancelReport> BinanceExchange::Cancel(OrderBook book, const std::string& symbol, const std::string& client_order_id) {
  net::Params p;
  if (book == OrderBook::kRegular) p.Add("symbol", symbol);
  p.Add(client_id_param(book, false), client_order_id);
  const std::string what = "cancelling " + client_order_id + " " + symbol;
  auto body = client_->Signed("DELETE", path_for(book), p);
  if (!body.ok()) return body.status().WithContext(what);
  Result<CancelReport> report = Status::Internal("unset");
  if (book == OrderBook::kConditional) {
    report = ParseAlgoCancel(*body);
  } else {
    auto order = ParseOrder(*body);
    if (order.ok()) report = CancelReport{book, order->client_order_id, order->exchange_order_id, *order};
    else report = order.status();
  }
  if (!report.ok()) {
    if (report.status().IsExchange()) return report.status().WithContext(what);
    return Status::UnknownOutcome(what + ": the exchange answered success but the answer could not be read (" +
                                  report.status().message() + "): query the order to learn its state");
  }
  if (report->client_order_id != client_order_id) {
    return Status::UnknownOutcome(what + ": the answer names another order (" + report->client_order_id + ")");
  }
  return report;
}

Result<OrderReport> BinanceExchange::Amend(const AmendOrder& a) {
  net::Params p;
  p.Add("symbol", a.symbol);
  p.Add("side", to_string(a.side));
  p.Add("quantity", a.qty.ToString());
  p.Add("price", a.price.ToString());
  p.Add("origClientOrderId", a.client_order_id);
  const std::string what = "amending " + a.client_order_id + " " + a.symbol + " to " + a.qty.ToString() + " @ " +
                           a.price.ToString();
  auto body = client_->Signed("PUT", "/fapi/v1/order", p);
  if (!body.ok()) {
    if (IsDefiniteRejection(body.status()) || body.status().IsNotFound()) return body.status().WithContext(what);
    return Status::UnknownOutcome(what + ": " + body.status().message() + ": query the order to learn its state");
  }
  auto order = ParseOrder(*body);
  if (!order.ok()) {
    return Status::UnknownOutcome(what + ": the exchange answered success but the answer could not be read (" +
                                  order.status().message() + "): query the order to learn its state");
  }
  if (order->client_order_id != a.client_order_id)
    return Status::UnknownOutcome(what + ": the answer names another order (" + order->client_order_id + ")");
  return order;
}

Result<OrderReport> BinanceExchange::Query(OrderBook book, const std::string& symbol, const std::string& client_order_id) {
  net::Params p;
  if (book == OrderBook::kRegular) p.Add("symbol", symbol);
  p.Add(client_id_param(book, false), client_order_id);
  const std::string what = "querying " + client_order_id + " " + symbol;
  auto body = client_->Signed("GET", path_for(book), p);
  if (!body.ok()) return body.status().WithContext(what);
  if (book == OrderBook::kRegular) return ParseOrder(*body);
  auto detail = ParseAlgoOrderDetail(*body);
  if (!detail.ok()) return detail.status().WithContext(what);
  if (detail->decided) return std::move(detail->order);
  // FINISHED: its triggered order ended in the matching engine, filled or cancelled. Ask that
  // order; never assume it filled.
  if (detail->actual_order_id.empty()) {
    return Status::InvalidInput(what + ": FINISHED without an actualOrderId: its outcome cannot be read");
  }
  net::Params actual;
  actual.Add("symbol", symbol);
  actual.Add("orderId", detail->actual_order_id);
  auto actual_body = client_->Signed("GET", "/fapi/v1/order", actual);
  if (!actual_body.ok()) return actual_body.status().WithContext(what + ": its actual order " + detail->actual_order_id);
  auto actual_order = ParseOrder(*actual_body);
  if (!actual_order.ok()) return actual_order.status().WithContext(what + ": its actual order");
  return DecideFinishedByActualOrder(detail->order, *actual_order);
}

Result<std::vector<PositionReport>> BinanceExchange::Positions() {
  auto body = client_->Signed(kPositionsCall.method, kPositionsCall.path, kPositionsCall.params);
  if (!body.ok()) return body.status().WithContext("reading positions");
  return ParsePositionRisk(*body);
}

Result<std::vector<PositionReport>> BinanceExchange::PositionRows(const std::string& symbol) {
  // v2 answers every row of the symbol, flat ones with their last update; v3 leaves flat ones out.
  net::Params p;
  p.Add("symbol", symbol);
  auto body = client_->Signed("GET", "/fapi/v2/positionRisk", p);
  if (!body.ok()) return body.status().WithContext("reading the position of " + symbol);
  return ParsePositionRisk(*body, /*include_flat=*/true);
}

Result<std::vector<OrderReport>> BinanceExchange::OpenOrders() {
  auto bodies = client_->SendAll({kOpenOrdersCall, kOpenAlgoOrdersCall});
  return OpenOrdersOf(bodies[0], bodies[1]);
}

Result<Exchange::AccountAndListing> BinanceExchange::ReadTogether(bool instruments) {
  std::vector<RestClient::Call> calls = {kPositionsCall, kOpenOrdersCall, kOpenAlgoOrdersCall};
  if (instruments) calls.push_back({"GET", "/fapi/v1/exchangeInfo", net::Params(), false});
  auto bodies = client_->SendAll(calls);
  if (!bodies[0].ok()) return bodies[0].status().WithContext("reading positions");
  auto positions = ParsePositionRisk(*bodies[0]);
  if (!positions.ok()) return positions.status();
  auto orders = OpenOrdersOf(bodies[1], bodies[2]);
  if (!orders.ok()) return orders.status();
  AccountAndListing out{AccountReportOf(std::move(positions).value(), std::move(orders).value()), {}};
  if (instruments) {
    if (!bodies[3].ok()) return bodies[3].status().WithContext("reading the exchange's symbols");
    auto listed = ParseExchangeInfo(*bodies[3]);
    if (!listed.ok()) return listed.status();
    out.instruments = std::move(listed).value();
  }
  return out;
}

Result<AccountReport> BinanceExchange::Account() {
  auto both = ReadTogether(false);
  if (!both.ok()) return both.status();
  return std::move(both->account);
}

Result<Exchange::AccountAndListing> BinanceExchange::AccountAndInstruments() { return ReadTogether(true); }

Result<Decimal> BinanceExchange::MarkPrice(const std::string& symbol) {
  net::Params p;
  p.Add("symbol", symbol);
  auto body = client_->Public("GET", "/fapi/v1/premiumIndex", p);
  if (!body.ok()) return body.status().WithContext("reading the mark price of " + symbol);
  return ParseMarkPrice(*body);
}

Result<std::optional<TimeMs>> BinanceExchange::LastFillTime(const std::string& symbol) {
  // Without fromId or a time window the venue answers the newest trades of the last 7 days.
  net::Params p;
  p.Add("symbol", symbol);
  p.Add("limit", "1");
  auto body = client_->Signed("GET", "/fapi/v1/userTrades", p);
  if (!body.ok()) return body.status().WithContext("reading the last fill of " + symbol);
  return ParseNewestUserTradeTime(*body);
}

Result<Decimal> BinanceExchange::MaxPositionNotional(const std::string& symbol) {
  // v3 dropped maxNotionalValue; v2 still carries it on every row of the symbol.
  net::Params p;
  p.Add("symbol", symbol);
  auto body = client_->Signed("GET", "/fapi/v2/positionRisk", p);
  if (!body.ok()) return body.status().WithContext("reading the leverage bracket's cap of " + symbol);
  auto cap = ParseMaxNotionalValue(*body);
  if (!cap.ok()) return cap.status().WithContext("reading the leverage bracket's cap of " + symbol);
  return cap;
}

Result<std::map<std::string, TimeMs>> BinanceExchange::RecentFills() {
  // userTrades needs a symbol; the income history does not, and every fill that paid a fee is one
  // COMMISSION row. Without a time window the venue answers the most recent `limit` rows.
  net::Params p;
  p.Add("incomeType", "COMMISSION");
  p.Add("limit", "1000");
  auto body = client_->Signed("GET", "/fapi/v1/income", p);
  if (!body.ok()) return body.status().WithContext("reading the recent fills");
  return ParseNewestCommissionTimes(*body);
}

namespace {

TrailingStopReport TrailingOf(const OrderReport& o) {
  TrailingStopReport r;
  r.client_order_id = o.client_order_id;
  r.exchange_order_id = o.exchange_order_id;
  r.callback_pct = o.callback_rate;
  r.activation_price = o.activation_price;
  r.qty = o.qty;
  r.update_time = o.update_time;
  r.order = o;
  return r;
}

}  // namespace

Result<TrailingStopReport> BinanceExchange::SetTrailingStop(const TrailingStopRequest& t) {
  PlaceOrder o;
  o.book = OrderBook::kConditional;
  o.client_order_id = t.client_order_id;
  o.symbol = t.symbol;
  o.side = t.direction == PositionSide::kLong ? Side::kSell : Side::kBuy;
  o.position_side = t.position_side;
  o.type = OrderType::kTrailingStopMarket;
  o.qty = t.qty;
  // closePosition is for STOP_MARKET and TAKE_PROFIT_MARKET only: a trailing stop is reduce-only
  // for the position's size.
  o.reduce_only = true;
  o.callback_rate = t.callback_pct;
  o.activation_price = t.activation_price;
  auto placed = Place(o);
  if (!placed.ok()) return placed.status();
  return TrailingOf(*placed);
}

Result<std::optional<TrailingStopReport>> BinanceExchange::TrailingStopOf(const std::string& symbol, PositionSide,
                                                                          const std::string& client_order_id) {
  auto order = Query(OrderBook::kConditional, symbol, client_order_id);
  if (!order.ok()) {
    if (order.status().IsNotFound()) return std::optional<TrailingStopReport>();
    return order.status();
  }
  if (order->type != OrderType::kTrailingStopMarket)
    return Status::InvalidInput("order " + client_order_id + " is a " + to_string(order->type) + ", not a trailing stop");
  if (is_terminal(order->status)) return std::optional<TrailingStopReport>();
  return std::optional<TrailingStopReport>(TrailingOf(*order));
}

Status BinanceExchange::RemoveTrailingStop(const std::string& symbol, PositionSide, const std::string& client_order_id) {
  auto cancelled = Cancel(OrderBook::kConditional, symbol, client_order_id);
  return cancelled.ok() ? Status::Ok() : cancelled.status();
}

Result<bool> BinanceExchange::HedgeMode() {
  auto body = client_->Signed("GET", "/fapi/v1/positionSide/dual", net::Params());
  if (!body.ok()) return body.status().WithContext("reading the position mode");
  return ParseDualSidePosition(*body);
}

}  // namespace keel::binance
