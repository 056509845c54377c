#include "keel/bybit/bybit_exchange.h"

#include <set>

#include "keel/bybit/codec.h"
#include "keel/bybit/errors.h"
#include "keel/model/json_writer.h"

namespace keel::bybit {
namespace {

constexpr const char* kCategory = "linear";

const char* SideName(Side side) { return side == Side::kBuy ? "Buy" : "Sell"; }

// orderLinkId: at most 36 characters of letters, digits, '-' and '_' (docs/v5/order/create-order.mdx).
// keel's own ids are made so (safety/client_ids.h); an id of the older '.' form is refused here.
Status CheckLinkId(const std::string& id) {
  if (id.empty()) return Status::InvalidInput("an order needs a client order id");
  if (id.size() > 36) return Status::InvalidInput("client order id " + id + " is longer than Bybit's 36 characters");
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return Status::InvalidInput("client order id " + id + ": Bybit allows only letters, digits, '-' and '_'");
  }
  return Status::Ok();
}

Result<const char*> TimeInForceName(TimeInForce tif) {
  switch (tif) {
    case TimeInForce::kGtc: return "GTC";
    case TimeInForce::kIoc: return "IOC";
    case TimeInForce::kFok: return "FOK";
    case TimeInForce::kGtx: return "PostOnly";
    case TimeInForce::kRpi: return "RPI";
    default: return Status::InvalidInput(std::string("time in force ") + to_string(tif) + " does not exist on Bybit");
  }
}

bool IsMarketKind(OrderType type) {
  return type == OrderType::kMarket || type == OrderType::kStopMarket || type == OrderType::kTakeProfitMarket;
}

// 1: fires when the price rises to the trigger; 2: when it falls. A stop buys on a rise and sells
// on a fall; a take-profit the other way round.
int TriggerDirection(OrderType type, Side side) {
  const bool take_profit = type == OrderType::kTakeProfit || type == OrderType::kTakeProfitMarket;
  const bool rises = (side == Side::kBuy) != take_profit;
  return rises ? 1 : 2;
}

net::Params WithCategory() {
  net::Params p;
  p.Add("category", kCategory);
  return p;
}

std::string AckBody(const std::string& symbol, const std::string& client_order_id) {
  JsonWriter w;
  w.StartObject().Key("category").String(kCategory).Key("symbol").String(symbol);
  w.Key("orderLinkId").String(client_order_id).EndObject();
  return w.str();
}

// Checks an acknowledgement names the order asked about.
Status CheckAck(const Result<std::string>& result, const std::string& client_order_id, const std::string& what) {
  auto ack = ParseOrderAck(*result);
  if (!ack.ok()) {
    return Status::UnknownOutcome(what + ": the exchange answered success but the answer could not be read (" +
                                  ack.status().message() + ")");
  }
  if (ack->order_link_id != client_order_id)
    return Status::UnknownOutcome(what + ": the answer names another order (" + ack->order_link_id + ")");
  return Status::Ok();
}

}  // namespace

Result<std::string> CreateOrderBody(const PlaceOrder& o) {
  if ((o.book == OrderBook::kConditional) != is_conditional(o.type)) {
    return Status::InvalidInput(std::string("order type ") + to_string(o.type) + " belongs in the " +
                                (is_conditional(o.type) ? "conditional" : "regular") + " book");
  }
  KEEL_RETURN_IF_ERROR(CheckLinkId(o.client_order_id));
  if (o.type == OrderType::kTrailingStopMarket || o.type == OrderType::kLiquidation || o.type == OrderType::kAdl)
    return Status::InvalidInput(std::string("order type ") + to_string(o.type) + " cannot be placed on Bybit by keel");
  if ((o.reduce_only || o.close_position) && o.position_side != PositionSide::kBoth) {
    // Hedge mode: only the side pair makes an order a close; anything else opens the other leg.
    const Side closing = o.position_side == PositionSide::kLong ? Side::kSell : Side::kBuy;
    if (o.side != closing) {
      return Status::InvalidInput(std::string("refusing ") + to_string(o.side) + " on the " + to_string(o.position_side) +
                                  " leg of " + o.symbol + " as a close: in hedge mode a close is " + to_string(closing) +
                                  " " + to_string(o.position_side));
    }
  }
  if (!o.close_position && !o.qty) return Status::InvalidInput("order " + o.client_order_id + " has no quantity");
  const bool market = IsMarketKind(o.type);
  if (!market && !o.price) return Status::InvalidInput("limit order " + o.client_order_id + " has no price");
  if (o.book == OrderBook::kConditional && !o.trigger_price)
    return Status::InvalidInput("conditional order " + o.client_order_id + " has no trigger price");
  JsonWriter w;
  w.StartObject();
  w.Key("category").String(kCategory);
  w.Key("symbol").String(o.symbol);
  w.Key("side").String(SideName(o.side));
  w.Key("orderType").String(market ? "Market" : "Limit");
  // qty "0" with reduceOnly and closeOnTrigger closes the whole position (create-order.mdx, qty).
  w.Key("qty").String(o.close_position ? std::string("0") : o.qty->ToString());
  if (o.price && !market) w.Key("price").String(o.price->ToString());
  if (o.time_in_force) {
    auto tif = TimeInForceName(*o.time_in_force);
    if (!tif.ok()) return tif.status();
    w.Key("timeInForce").String(*tif);
  }
  w.Key("positionIdx").Int(PositionIdxOf(o.position_side));
  w.Key("orderLinkId").String(o.client_order_id);
  if (o.book == OrderBook::kConditional) {
    w.Key("triggerPrice").String(o.trigger_price->ToString());
    w.Key("triggerDirection").Int(TriggerDirection(o.type, o.side));
    w.Key("triggerBy").String(o.mark_price_trigger ? "MarkPrice" : "LastPrice");
  }
  if (o.reduce_only || o.close_position) w.Key("reduceOnly").Bool(true);
  if (o.close_position) w.Key("closeOnTrigger").Bool(true);
  w.EndObject();
  return w.str();
}

template <typename Page>
Result<std::vector<Page>> BybitExchange::Pages(const RestClient::Call& call, Result<std::string> first,
                                               Result<Page> (*parse)(std::string_view)) {
  std::vector<Page> pages;
  Result<std::string> text = std::move(first);
  std::set<std::string> seen;
  for (int n = 0;; ++n) {
    if (!text.ok()) return text.status().WithContext("reading " + call.path);
    auto page = parse(*text);
    if (!page.ok()) return page.status().WithContext("reading " + call.path);
    const std::string cursor = page->next_cursor;
    pages.push_back(std::move(page).value());
    if (cursor.empty()) return pages;
    if (n + 1 >= kMaxPages || !seen.insert(cursor).second)
      return Status::InvalidInput("reading " + call.path + ": the page cursor does not end after " +
                                  std::to_string(n + 1) + " pages");
    auto decoded = CursorParam(cursor);
    if (!decoded.ok()) return decoded.status().WithContext("reading " + call.path + ": nextPageCursor");
    net::Params next = call.params;
    next.Add("cursor", *decoded);
    text = call.sign ? client_->Get(call.path, next) : client_->Public(call.path, next);
  }
}

std::vector<RestClient::Call> BybitExchange::PositionCalls() const {
  std::vector<RestClient::Call> calls;
  for (const auto& coin : options_.settle_coins) {
    net::Params p = WithCategory();
    p.Add("settleCoin", coin);
    p.Add("limit", "200");
    calls.push_back({"/v5/position/list", p, true});
  }
  return calls;
}

std::vector<RestClient::Call> BybitExchange::OpenOrderCalls() const {
  std::vector<RestClient::Call> calls;
  for (const auto& coin : options_.settle_coins) {
    net::Params p = WithCategory();
    p.Add("settleCoin", coin);
    p.Add("openOnly", "0");
    p.Add("limit", "50");
    calls.push_back({"/v5/order/realtime", p, true});
  }
  return calls;
}

Result<std::vector<PositionReport>> BybitExchange::PositionsFrom(const std::vector<RestClient::Call>& calls,
                                                                 std::vector<Result<std::string>> firsts) {
  std::vector<PositionReport> out;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    auto pages = Pages(calls[i], std::move(firsts[i]), ParsePositionPage);
    if (!pages.ok()) return pages.status().WithContext("reading positions");
    for (auto& page : *pages)
      for (auto& p : page.positions)
        if (!p.amount.is_zero()) out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<OrderReport>> BybitExchange::OrdersFrom(const std::vector<RestClient::Call>& calls,
                                                           std::vector<Result<std::string>> firsts) {
  std::vector<OrderReport> out;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    auto pages = Pages(calls[i], std::move(firsts[i]), ParseOrderPage);
    if (!pages.ok()) return pages.status().WithContext("reading open orders");
    for (auto& page : *pages)
      for (auto& o : page.orders) out.push_back(std::move(o));
  }
  return out;
}

RestClient::Call BybitExchange::ListingCall() {
  net::Params p = WithCategory();
  p.Add("limit", "1000");
  return {"/v5/market/instruments-info", p, false};
}

Result<InstrumentList> BybitExchange::ListingFrom(Result<std::string> first) {
  auto pages = Pages(ListingCall(), std::move(first), ParseInstrumentPage);
  if (!pages.ok()) return pages.status().WithContext("reading the exchange's symbols");
  InstrumentList all;
  for (auto& page : *pages) {
    for (auto& i : page.instruments.instruments) all.instruments.push_back(std::move(i));
    for (auto& s : page.instruments.skipped) all.skipped.push_back(std::move(s));
  }
  return all;
}

Result<InstrumentList> BybitExchange::Instruments() {
  const RestClient::Call call = ListingCall();
  return ListingFrom(client_->Public(call.path, call.params));
}

template <typename Done>
Result<OrderReport> BybitExchange::AwaitOrder(const std::string& symbol, const std::string& client_order_id,
                                              const std::string& what, Done done) {
  const std::string settle = ": outcome unknown, settle it by client order id";
  for (int attempt = 1;; ++attempt) {
    auto order = Query(OrderBook::kRegular, symbol, client_order_id);
    if (!order.ok() && !order.status().IsNotFound()) {
      return Status::UnknownOutcome(what + ": acknowledged, but the query for it failed (" + order.status().message() +
                                    ")" + settle);
    }
    if (order.ok() && done(*order)) return order;
    if (attempt == kAckQueryAttempts) {
      return Status::UnknownOutcome(what + ": acknowledged, but " +
                                    (order.ok() ? std::string("not shown done") : std::string("not visible by query")) +
                                    " after " + std::to_string(kAckQueryAttempts) + " tries" + settle);
    }
    client_->Sleep(kAckQueryIntervalMs);
  }
}

Result<OrderReport> BybitExchange::Place(const PlaceOrder& o) {
  auto body = CreateOrderBody(o);
  if (!body.ok()) return body.status();
  const std::string what = "placing " + o.client_order_id + " " + o.symbol;
  auto result = client_->Post("/v5/order/create", *body);
  if (!result.ok()) {
    // Only a definite refusal means "not placed"; anything else may have been executed.
    if (IsDefiniteRejection(result.status())) return result.status().WithContext(what);
    return Status::UnknownOutcome(what + ": " + result.status().message() +
                                  ": outcome unknown, settle it by client order id");
  }
  KEEL_RETURN_IF_ERROR(CheckAck(result, o.client_order_id, what));
  if (o.on_accepted) o.on_accepted();
  // The acknowledgement says nothing of the order (seed 001): ask for it.
  return AwaitOrder(o.symbol, o.client_order_id, what, [](const OrderReport&) { return true; });
}

Result<CancelReport> BybitExchange::Cancel(OrderBook book, const std::string& symbol, const std::string& client_order_id) {
  const std::string what = "cancelling " + client_order_id + " " + symbol;
  auto result = client_->Post("/v5/order/cancel", AckBody(symbol, client_order_id));
  if (!result.ok()) return result.status().WithContext(what);
  KEEL_RETURN_IF_ERROR(CheckAck(result, client_order_id, what));
  auto ack = ParseOrderAck(*result);
  // Bybit acknowledges a cancel as it does a create: the order itself is not in the answer.
  return CancelReport{book, client_order_id, ack->order_id, std::nullopt};
}

Result<std::vector<CancelReport>> BybitExchange::CancelAll(const std::string& symbol) {
  JsonWriter w;
  w.StartObject().Key("category").String(kCategory).Key("symbol").String(symbol).EndObject();
  auto result = client_->Post("/v5/order/cancel-all", w.str());
  const std::string what = "cancelling every order of " + symbol;
  if (!result.ok()) return result.status().WithContext(what);
  auto acks = ParseCancelAll(*result);
  if (!acks.ok()) {
    return Status::UnknownOutcome(what + ": the exchange answered success but the answer could not be read (" +
                                  acks.status().message() + "): read the open orders to learn what is left");
  }
  std::vector<CancelReport> out;
  for (auto& a : *acks) out.push_back(CancelReport{OrderBook::kRegular, a.order_link_id, a.order_id, std::nullopt});
  return out;
}

Result<OrderReport> BybitExchange::Amend(const AmendOrder& a) {
  const std::string what = "amending " + a.client_order_id + " " + a.symbol + " to " + a.qty.ToString() + " @ " +
                           a.price.ToString();
  // Only what changes (amend-order.mdx: "Do not pass it if not modify the qty"; an unchanged qty
  // is answered 10001 "params error: qty err", sieblyio/bybit-api#269).
  const bool qty_changes = a.qty_now != std::optional<Decimal>(a.qty);
  const bool price_changes = a.price_now != std::optional<Decimal>(a.price);
  if (!qty_changes && !price_changes)
    return Status::Exchange(what + ": the order already has this quantity and price: nothing sent", 0, 0, 0,
                            Refusal::kUnchanged);
  JsonWriter w;
  w.StartObject().Key("category").String(kCategory).Key("symbol").String(a.symbol);
  w.Key("orderLinkId").String(a.client_order_id);
  if (qty_changes) w.Key("qty").String(a.qty.ToString());
  if (price_changes) w.Key("price").String(a.price.ToString());
  w.EndObject();
  auto result = client_->Post("/v5/order/amend", w.str());
  if (!result.ok()) {
    if (IsDefiniteRejection(result.status()) || result.status().IsNotFound()) return result.status().WithContext(what);
    return Status::UnknownOutcome(what + ": " + result.status().message() + ": query the order to learn its state");
  }
  KEEL_RETURN_IF_ERROR(CheckAck(result, a.client_order_id, what));
  // Applied asynchronously: the order as amended, or ended (a post-only order that would now take
  // is cancelled; a fill may have come first).
  return AwaitOrder(a.symbol, a.client_order_id, what, [&a](const OrderReport& o) {
    return is_terminal(o.status) || (o.price == a.price && o.qty == a.qty);
  });
}

Result<OrderReport> BybitExchange::Query(OrderBook, const std::string& symbol, const std::string& client_order_id) {
  const std::string what = "querying " + client_order_id + " " + symbol;
  net::Params p = WithCategory();
  p.Add("symbol", symbol);
  p.Add("orderLinkId", client_order_id);
  // realtime holds open orders and the last 500 closed ones; history the rest (and, after a
  // restart of Bybit's service, the only record of closed ones).
  for (const char* path : {"/v5/order/realtime", "/v5/order/history"}) {
    auto result = client_->Get(path, p);
    if (!result.ok()) return result.status().WithContext(what);
    auto page = ParseOrderPage(*result);
    if (!page.ok()) return page.status().WithContext(what);
    for (auto& o : page->orders)
      if (o.client_order_id == client_order_id) return std::move(o);
  }
  // Not proof that it was never placed: history keeps an order that ended without a fill 24 hours,
  // any other 7 days when asked without a time range (order-list.mdx).
  return Status::NotFound(what + ": Bybit shows no order with orderLinkId " + client_order_id +
                          " (it keeps an order that ended without a fill 24 hours)");
}

Result<std::vector<PositionReport>> BybitExchange::Positions() {
  const auto calls = PositionCalls();
  return PositionsFrom(calls, client_->GetAll(calls));
}

Result<std::string> BybitExchange::PositionListOf(const std::string& symbol, const std::string& what) {
  net::Params p = WithCategory();
  p.Add("symbol", symbol);
  auto result = client_->Get("/v5/position/list", p);
  if (!result.ok()) return result.status().WithContext(what + " of " + symbol);
  return result;
}

Result<std::vector<PositionReport>> BybitExchange::PositionRows(const std::string& symbol) {
  // With a symbol, Bybit answers every row of it, flat ones included, each with its updatedTime.
  auto result = PositionListOf(symbol, "reading the position");
  if (!result.ok()) return result.status();
  auto page = ParsePositionPage(*result);
  if (!page.ok()) return page.status().WithContext("reading the position of " + symbol);
  return std::move(page->positions);
}

Result<std::vector<OrderReport>> BybitExchange::OpenOrders() {
  const auto calls = OpenOrderCalls();
  return OrdersFrom(calls, client_->GetAll(calls));
}

Result<Exchange::AccountAndListing> BybitExchange::ReadTogether(bool instruments) {
  const auto positions = PositionCalls();
  const auto orders = OpenOrderCalls();
  std::vector<RestClient::Call> calls = positions;
  calls.insert(calls.end(), orders.begin(), orders.end());
  if (instruments) calls.push_back(ListingCall());
  auto bodies = client_->GetAll(calls);
  const auto split = [&bodies](std::size_t from, std::size_t n) {
    return std::vector<Result<std::string>>(std::make_move_iterator(bodies.begin() + static_cast<long>(from)),
                                            std::make_move_iterator(bodies.begin() + static_cast<long>(from + n)));
  };
  auto open_positions = PositionsFrom(positions, split(0, positions.size()));
  if (!open_positions.ok()) return open_positions.status();
  auto open_orders = OrdersFrom(orders, split(positions.size(), orders.size()));
  if (!open_orders.ok()) return open_orders.status();
  AccountAndListing out{AccountReportOf(std::move(open_positions).value(), std::move(open_orders).value()), {}};
  if (instruments) {
    auto listed = ListingFrom(std::move(bodies.back()));
    if (!listed.ok()) return listed.status();
    out.instruments = std::move(listed).value();
  }
  return out;
}

Result<AccountReport> BybitExchange::Account() {
  auto both = ReadTogether(false);
  if (!both.ok()) return both.status();
  return std::move(both->account);
}

Result<Exchange::AccountAndListing> BybitExchange::AccountAndInstruments() { return ReadTogether(true); }

Result<Decimal> BybitExchange::MarkPrice(const std::string& symbol) {
  net::Params p = WithCategory();
  p.Add("symbol", symbol);
  auto result = client_->Public("/v5/market/tickers", p);
  if (!result.ok()) return result.status().WithContext("reading the mark price of " + symbol);
  return ParseMarkPrice(*result, symbol);
}

Result<std::optional<TimeMs>> BybitExchange::LastFillTime(const std::string& symbol) {
  // Newest first; a page of 20 reaches past the funding rows that may sit on top.
  net::Params p = WithCategory();
  p.Add("symbol", symbol);
  p.Add("limit", "20");
  auto result = client_->Get("/v5/execution/list", p);
  if (!result.ok()) return result.status().WithContext("reading the last fill of " + symbol);
  return ParseNewestExecutionTime(*result);
}

Result<Decimal> BybitExchange::MaxPositionNotional(const std::string& symbol) {
  auto result = PositionListOf(symbol, "reading the risk limit");
  if (!result.ok()) return result.status();
  auto cap = ParseRiskLimitValue(*result);
  if (!cap.ok()) return cap.status().WithContext("reading the risk limit of " + symbol);
  return cap;
}

Result<std::map<std::string, TimeMs>> BybitExchange::RecentFills() {
  // Newest first across every symbol of the category.
  net::Params p = WithCategory();
  p.Add("limit", "100");
  auto result = client_->Get("/v5/execution/list", p);
  if (!result.ok()) return result.status().WithContext("reading the recent fills");
  return ParseNewestExecutionTimes(*result);
}

Result<bool> BybitExchange::HedgeMode() {
  // Open positions say the mode (positionIdx 1 and 2 exist only in hedge mode); with none open, the
  // probe symbol's rows do (one row with positionIdx 0 in one-way mode, two in hedge mode).
  auto rows = Positions();
  if (!rows.ok()) return rows.status().WithContext("reading the position mode");
  if (rows->empty()) {
    std::string probe = options_.mode_probe_symbol;
    if (probe.empty()) {
      auto listed = Instruments();
      if (!listed.ok()) return listed.status().WithContext("reading the position mode");
      if (listed->instruments.empty()) return Status::InvalidInput("reading the position mode: Bybit lists no contract");
      probe = listed->instruments.front().symbol;
    }
    rows = PositionRows(probe);
    if (!rows.ok()) return rows.status().WithContext("reading the position mode");
    if (rows->empty()) return Status::InvalidInput("reading the position mode: no position row for " + probe);
  }
  bool hedge = false, one_way = false;
  for (const auto& p : *rows) (p.position_side == PositionSide::kBoth ? one_way : hedge) = true;
  if (hedge && one_way) {
    return Status::InvalidInput(
        "reading the position mode: some symbols are in one-way mode and others in hedge mode; keel needs one mode "
        "for the account (POST /v5/position/switch-mode with coin USDT)");
  }
  return hedge;
}

Result<std::optional<TrailingStopReport>> BybitExchange::TrailingStopOf(const std::string& symbol, PositionSide position_side,
                                                                        const std::string&) {
  auto rows = PositionRows(symbol);
  if (!rows.ok()) return rows.status();
  for (const auto& p : *rows) {
    if (p.position_side != position_side) continue;
    if (p.amount.is_zero() || !p.trailing_stop.is_positive()) return std::optional<TrailingStopReport>();
    TrailingStopReport r;
    r.distance = p.trailing_stop;
    r.qty = p.amount.abs();
    r.update_time = p.update_time;
    return std::optional<TrailingStopReport>(r);
  }
  return std::optional<TrailingStopReport>();
}

Result<TrailingStopReport> BybitExchange::SetTrailingStop(const TrailingStopRequest& t) {
  if (!t.tick_size.is_positive()) return Status::InvalidInput("a trailing stop on " + t.symbol + " needs the tick size");
  // trading-stop.mdx: trailingStop is "by price distance"; keel's callback is a percentage of the
  // price it starts trailing at.
  Decimal from;
  if (t.activation_price) {
    from = *t.activation_price;
  } else {
    auto mark = MarkPrice(t.symbol);
    if (!mark.ok()) return mark.status().WithContext("placing a trailing stop on " + t.symbol);
    from = *mark;
  }
  const Decimal hundred = Decimal::FromInteger(100).value();
  auto scaled = from.Mul(t.callback_pct, Rounding::kNearest);
  if (!scaled.ok()) return scaled.status();
  auto raw = scaled->Div(hundred, Rounding::kNearest);
  if (!raw.ok()) return raw.status();
  auto distance = raw->RoundTo(t.tick_size, Rounding::kNearest);
  if (!distance.ok()) return distance.status();
  if (!distance->is_positive()) distance = t.tick_size;
  JsonWriter w;
  w.StartObject().Key("category").String(kCategory).Key("symbol").String(t.symbol);
  w.Key("tpslMode").String("Full");
  w.Key("positionIdx").Int(PositionIdxOf(t.position_side));
  w.Key("trailingStop").String(distance->ToString());
  if (t.activation_price) w.Key("activePrice").String(t.activation_price->ToString());
  w.EndObject();
  const std::string what = "setting the trailing stop of " + t.symbol + " " + to_string(t.position_side) + " to " +
                           distance->ToString();
  auto result = client_->Post("/v5/position/trading-stop", w.str());
  // 34040 "not modified": the position has this trailing stop already; the read below proves it.
  const bool unchanged = !result.ok() && result.status().IsExchange() && result.status().venue_code() == 34040;
  if (!result.ok() && !unchanged) {
    if (IsDefiniteRejection(result.status())) return result.status().WithContext(what);
    return Status::UnknownOutcome(what + ": " + result.status().message() +
                                  ": outcome unknown, read the position's trailingStop");
  }
  // The answer is {}: the position says what took, once a read has caught up.
  for (int attempt = 1;; ++attempt) {
    auto now = TrailingStopOf(t.symbol, t.position_side, "");
    if (now.ok() && *now && (*now)->distance == *distance) {
      TrailingStopReport r = **now;
      r.callback_pct = t.callback_pct;
      r.activation_price = t.activation_price;
      return r;
    }
    if (attempt == kAckQueryAttempts) {
      if (!now.ok())
        return Status::UnknownOutcome(what + ": accepted, but the position could not be read (" + now.status().message() + ")");
      return Status::UnknownOutcome(what + ": accepted, but the position does not show it after " +
                                    std::to_string(kAckQueryAttempts) + " reads" +
                                    (*now ? " (trailingStop " + (*now)->distance.ToString() + ")" : std::string()));
    }
    client_->Sleep(kAckQueryIntervalMs);
  }
}

Status BybitExchange::RemoveTrailingStop(const std::string& symbol, PositionSide position_side, const std::string&) {
  JsonWriter w;
  w.StartObject().Key("category").String(kCategory).Key("symbol").String(symbol);
  w.Key("tpslMode").String("Full");
  w.Key("positionIdx").Int(PositionIdxOf(position_side));
  w.Key("trailingStop").String("0");
  w.EndObject();
  auto result = client_->Post("/v5/position/trading-stop", w.str());
  if (!result.ok()) {
    // 34040 "not modified": there was none.
    if (result.status().IsExchange() && result.status().venue_code() == 34040)
      return Status::NotFound("no trailing stop on " + symbol + " " + to_string(position_side));
    return result.status().WithContext("removing the trailing stop of " + symbol);
  }
  return Status::Ok();
}

}  // namespace keel::bybit
