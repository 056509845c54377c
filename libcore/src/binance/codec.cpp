#include "keel/binance/codec.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "exchange/venue_json.h"

namespace keel::binance {
namespace {

using venue_json::Fields;
using venue_json::JsonDoc;
using venue_json::kParseFlags;
using Value = rapidjson::Value;

Result<OrderReport> order_from(const Value& v) {
  Fields f(v, "order");
  OrderReport o;
  o.book = OrderBook::kRegular;
  o.exchange_order_id = f.Str("orderId");
  o.symbol = f.Str("symbol");
  o.client_order_id = f.Str("clientOrderId");
  o.status = f.Enum("status", parse_order_status);
  o.side = f.Enum("side", parse_side);
  o.position_side = f.Enum("positionSide", parse_position_side);
  o.type = f.Enum("type", parse_order_type);
  o.qty = f.Dec("origQty");
  o.price = f.Dec("price");
  o.filled_qty = f.Dec("executedQty");
  o.avg_price = f.Dec("avgPrice", false);
  o.trigger_price = f.Dec("stopPrice", false);
  o.reduce_only = f.Bool("reduceOnly");
  o.close_position = f.Bool("closePosition", false);
  o.update_time = f.Int("updateTime");
  if (!f.status().ok()) return f.status();
  return o;
}

Result<AlgoOrderDetail> algo_detail_from(const Value& v) {
  Fields f(v, "algo order");
  AlgoOrderDetail d;
  OrderReport& o = d.order;
  o.book = OrderBook::kConditional;
  o.exchange_order_id = f.Str("algoId");
  o.client_order_id = f.Str("clientAlgoId");
  o.symbol = f.Str("symbol");
  o.side = f.Enum("side", parse_side);
  o.position_side = f.Enum("positionSide", parse_position_side);
  o.type = f.Enum("orderType", parse_order_type);
  o.qty = f.Dec("quantity");
  d.algo_status = std::string(f.Str("algoStatus"));
  d.actual_order_id = std::string(f.Str("actualOrderId", false));
  // A trailing stop has no trigger of its own until it fires: its callback and activation instead.
  const bool trailing = o.type == OrderType::kTrailingStopMarket;
  o.trigger_price = f.Dec("triggerPrice", !trailing);
  if (trailing) {
    // The algo service's answers name the callback callbackRate; the order pages call it priceRate.
    o.callback_rate = f.Find("callbackRate") ? f.Dec("callbackRate") : f.Dec("priceRate");
    if (f.Find("activatePrice")) {
      const Decimal at = f.Dec("activatePrice", false);
      if (at.is_positive()) o.activation_price = at;
    }
  }
  o.price = f.Dec("price", false);
  o.reduce_only = f.Bool("reduceOnly");
  o.close_position = f.Bool("closePosition");
  o.update_time = f.Int("updateTime");
  // Not in the documented REST answers; read when a venue (or the WebSocket API) sends it.
  std::optional<Decimal> executed;
  if (f.Find("executedQty")) executed = f.Dec("executedQty");
  if (f.Find("avgPrice")) o.avg_price = f.Dec("avgPrice");
  if (!f.status().ok()) return f.status();
  if (executed) o.filled_qty = *executed;
  bool known = false;
  auto status = DecideAlgoStatus(d.algo_status, executed, o.qty, o.close_position, known);
  if (!known) return Status::InvalidInput("algo order field \"algoStatus\": unknown value '" + d.algo_status + "'");
  d.decided = status.has_value();
  if (status) o.status = *status;
  return d;
}

Result<OrderReport> algo_from(const Value& v) {
  auto d = algo_detail_from(v);
  if (!d.ok()) return d.status();
  if (!d->decided) {
    return Status::InvalidInput("algo order " + d->order.client_order_id +
                                ": FINISHED without an executed quantity: ask for its actual order " + d->actual_order_id);
  }
  return std::move(d->order);
}

template <typename F>
auto parse_array(std::string_view json, const char* what, F&& one) -> Result<std::vector<OrderReport>> {
  JsonDoc doc(json, what);
  KEEL_RETURN_IF_ERROR(doc.status());
  if (!doc.root().IsArray()) return Status::InvalidInput(std::string(what) + ": expected an array");
  std::vector<OrderReport> out;
  for (const auto& v : doc.root().GetArray()) {
    auto o = one(v);
    if (!o.ok()) return o.status();
    out.push_back(std::move(o).value());
  }
  return out;
}

}  // namespace

namespace {

// One exchangeInfo symbol: the instrument, or why keel cannot model it.
Result<Instrument> instrument_from(const Value& s) {
  Fields f(s, "exchangeInfo symbol");
  Instrument i;
  i.symbol = f.Str("symbol");
  const std::string_view status = f.Str("status");
  const std::string_view contract = f.Str("contractType", false);
  if (!f.status().ok()) return f.status();
  KEEL_RETURN_IF_ERROR(ValidateSymbol(i.symbol));
  if (status != "TRADING") return Status::InvalidInput("status " + std::string(status));
  // TRADIFI_PERPETUAL: a perpetual on a traditional-finance underlying (XAUUSDT), traded the same way.
  if (contract != "PERPETUAL" && contract != "TRADIFI_PERPETUAL")
    return Status::InvalidInput("contractType " + std::string(contract.empty() ? "missing" : contract));
  if (!s.HasMember("filters") || !s["filters"].IsArray()) return Status::InvalidInput("no filters");
  bool tick = false, lot = false, notional = false;
  for (const auto& filter : s["filters"].GetArray()) {
    Fields ff(filter, "filter");
    const std::string_view type = ff.Str("filterType");
    if (type == "PRICE_FILTER") {
      i.tick_size = ff.Dec("tickSize");
      tick = true;
    } else if (type == "LOT_SIZE") {
      i.step_size = ff.Dec("stepSize");
      i.min_qty = ff.Dec("minQty");
      if (ff.Find("maxQty")) i.max_qty = ff.Dec("maxQty");
      lot = true;
    } else if (type == "MARKET_LOT_SIZE") {
      if (ff.Find("maxQty")) i.market_max_qty = ff.Dec("maxQty");
    } else if (type == "MIN_NOTIONAL") {
      i.min_notional = ff.Dec("notional");
      notional = true;
    }
    if (!ff.status().ok()) return ff.status();
  }
  if (!tick || !lot || !notional) return Status::InvalidInput("PRICE_FILTER, LOT_SIZE and MIN_NOTIONAL are required");
  KEEL_RETURN_IF_ERROR(i.Validate());
  return i;
}

}  // namespace

Result<InstrumentList> ParseExchangeInfo(std::string_view json) {
  // exchangeInfo is large: its values go to the heap pool past the first few kilobytes.
  JsonDoc doc(json, "exchangeInfo");
  KEEL_RETURN_IF_ERROR(doc.status());
  const Value& d = doc.root();
  if (!d.IsObject() || !d.HasMember("symbols") || !d["symbols"].IsArray())
    return Status::InvalidInput("exchangeInfo: expected an object with a symbols array");
  InstrumentList out;
  for (const auto& s : d["symbols"].GetArray()) {
    auto i = instrument_from(s);
    if (i.ok()) {
      out.instruments.push_back(std::move(i).value());
      continue;
    }
    std::string symbol = "(unnamed)";
    if (s.IsObject() && s.HasMember("symbol") && s["symbol"].IsString())
      symbol.assign(s["symbol"].GetString(), s["symbol"].GetStringLength());
    out.skipped.push_back({symbol, i.status().message()});
  }
  return out;
}

Result<OrderReport> ParseOrder(std::string_view json) {
  JsonDoc doc(json, "order");
  KEEL_RETURN_IF_ERROR(doc.status());
  return order_from(doc.root());
}

Result<std::vector<OrderReport>> ParseOrders(std::string_view json) { return parse_array(json, "orders", order_from); }

Result<OrderReport> ParseAlgoOrder(std::string_view json) {
  JsonDoc doc(json, "algo order");
  KEEL_RETURN_IF_ERROR(doc.status());
  return algo_from(doc.root());
}

Result<std::vector<OrderReport>> ParseAlgoOrders(std::string_view json) {
  return parse_array(json, "algo orders", algo_from);
}

Result<AlgoOrderDetail> ParseAlgoOrderDetail(std::string_view json) {
  JsonDoc doc(json, "algo order");
  KEEL_RETURN_IF_ERROR(doc.status());
  return algo_detail_from(doc.root());
}

std::optional<OrderStatus> DecideAlgoStatus(std::string_view s, const std::optional<Decimal>& executed, Decimal qty,
                                            bool close_position, bool& known) {
  known = true;
  if (s == "NEW" || s == "TRIGGERING" || s == "TRIGGERED") return OrderStatus::kNew;
  if (s == "CANCELED") return OrderStatus::kCanceled;
  if (s == "EXPIRED") return OrderStatus::kExpired;
  if (s == "REJECTED") return OrderStatus::kRejected;
  if (s == "FINISHED") {
    if (!executed) return std::nullopt;
    if (executed->is_positive() && (close_position || *executed >= qty)) return OrderStatus::kFilled;
    return OrderStatus::kCanceled;  // ended with less than it asked for, or nothing
  }
  known = false;
  return std::nullopt;
}

OrderReport DecideFinishedByActualOrder(const OrderReport& algo, const OrderReport& actual) {
  OrderReport decided = algo;
  decided.filled_qty = actual.filled_qty;
  decided.avg_price = actual.avg_price;
  decided.update_time = std::max(algo.update_time, actual.update_time);
  switch (actual.status) {
    case OrderStatus::kFilled: decided.status = OrderStatus::kFilled; break;
    case OrderStatus::kRejected: decided.status = OrderStatus::kRejected; break;
    case OrderStatus::kExpired:
    case OrderStatus::kExpiredInMatch: decided.status = OrderStatus::kExpired; break;
    default: decided.status = OrderStatus::kCanceled; break;  // FINISHED is final: nothing works on
  }
  return decided;
}

Result<CancelReport> ParseAlgoCancel(std::string_view json) {
  JsonDoc doc(json, "algo cancel");
  KEEL_RETURN_IF_ERROR(doc.status());
  const Value& d = doc.root();
  CancelReport r;
  r.book = OrderBook::kConditional;
  if (d.IsObject() && d.HasMember("algoStatus")) {
    auto order = algo_from(d);
    if (!order.ok()) return order.status();
    r.client_order_id = order->client_order_id;
    r.exchange_order_id = order->exchange_order_id;
    r.order = std::move(order).value();
    return r;
  }
  Fields f(d, "algo cancel");
  r.exchange_order_id = f.Str("algoId");
  r.client_order_id = f.Str("clientAlgoId");
  const std::string_view code = f.Str("code");
  const std::string_view msg = f.Str("msg", false);
  if (!f.status().ok()) return f.status();
  if (code != "200") {
    int venue_code = 0;
    std::from_chars(code.data(), code.data() + code.size(), venue_code);  // 0 when not a number
    return Status::Exchange("algo cancel answered code " + std::string(code) + ": " + std::string(msg), venue_code, 200);
  }
  return r;
}

bool IsMinimalAck(std::string_view json) {
  JsonDoc doc(json, "acknowledgement");
  if (!doc.status().ok() || !doc.root().IsObject()) return false;
  const Value& d = doc.root();
  const bool names_order = d.HasMember("orderId") || d.HasMember("algoId");
  const bool regular_complete = d.HasMember("side") && d.HasMember("status") && d.HasMember("origQty");
  const bool algo_complete = d.HasMember("side") && d.HasMember("algoStatus") && d.HasMember("quantity");
  return names_order && !regular_complete && !algo_complete;
}

Result<std::vector<PositionReport>> ParsePositionRisk(std::string_view json, bool include_flat) {
  JsonDoc doc(json, "positionRisk");
  KEEL_RETURN_IF_ERROR(doc.status());
  if (!doc.root().IsArray()) return Status::InvalidInput("positionRisk: expected an array");
  std::vector<PositionReport> out;
  for (const auto& row : doc.root().GetArray()) {
    Fields f(row, "positionRisk row");
    PositionReport p;
    p.symbol = f.Str("symbol");
    p.position_side = f.Enum("positionSide", parse_position_side);
    p.amount = f.Dec("positionAmt");
    p.entry_price = f.Dec("entryPrice");
    p.update_time = f.Int("updateTime");
    if (!f.status().ok()) return f.status();
    if (include_flat || !p.amount.is_zero()) out.push_back(p);
  }
  return out;
}

Result<TimeMs> ParseServerTime(std::string_view json) {
  JsonDoc doc(json, "GET /fapi/v1/time");
  KEEL_RETURN_IF_ERROR(doc.status());
  Fields f(doc.root(), "GET /fapi/v1/time");
  const TimeMs server_ms = f.Int("serverTime");
  if (!f.status().ok()) return Status::InvalidInput(f.status().message() + ": expected {\"serverTime\":<ms>}");
  return server_ms;
}

Result<std::string> ParseListenKey(std::string_view json) {
  JsonDoc doc(json, "POST /fapi/v1/listenKey");
  KEEL_RETURN_IF_ERROR(doc.status());
  Fields f(doc.root(), "POST /fapi/v1/listenKey");
  const std::string_view key = f.Str("listenKey");
  if (!f.status().ok()) return Status::InvalidInput(f.status().message() + ": expected {\"listenKey\":\"...\"}");
  return std::string(key);
}

Result<bool> ParseDualSidePosition(std::string_view json) {
  JsonDoc doc(json, "positionSide/dual");
  KEEL_RETURN_IF_ERROR(doc.status());
  Fields f(doc.root(), "positionSide/dual");
  const bool dual = f.Bool("dualSidePosition");
  if (!f.status().ok()) return f.status();
  return dual;
}

Result<Decimal> ParseMarkPrice(std::string_view json) {
  JsonDoc doc(json, "premiumIndex");
  KEEL_RETURN_IF_ERROR(doc.status());
  Fields f(doc.root(), "premiumIndex");
  const Decimal mark = f.Dec("markPrice");
  if (!f.status().ok()) return f.status();
  return mark;
}

Result<std::optional<TimeMs>> ParseNewestUserTradeTime(std::string_view json) {
  JsonDoc doc(json, "userTrades");
  KEEL_RETURN_IF_ERROR(doc.status());
  if (!doc.root().IsArray()) return Status::InvalidInput("userTrades: expected an array");
  std::optional<TimeMs> newest;
  for (const auto& row : doc.root().GetArray()) {
    Fields f(row, "user trade");
    const TimeMs t = f.Int("time");
    KEEL_RETURN_IF_ERROR(f.status());
    if (!newest || t > *newest) newest = t;
  }
  return newest;
}

Result<Decimal> ParseMaxNotionalValue(std::string_view json) {
  JsonDoc doc(json, "positionRisk");
  KEEL_RETURN_IF_ERROR(doc.status());
  if (!doc.root().IsArray() || doc.root().GetArray().Empty())
    return Status::InvalidInput("positionRisk: expected an array with the symbol's rows");
  Fields f(doc.root().GetArray()[0], "position risk");
  const Decimal cap = f.Dec("maxNotionalValue");
  KEEL_RETURN_IF_ERROR(f.status());
  return cap;
}

Result<std::map<std::string, TimeMs>> ParseNewestCommissionTimes(std::string_view json) {
  JsonDoc doc(json, "income");
  KEEL_RETURN_IF_ERROR(doc.status());
  if (!doc.root().IsArray()) return Status::InvalidInput("income: expected an array");
  std::map<std::string, TimeMs> newest;
  for (const auto& row : doc.root().GetArray()) {
    Fields f(row, "income");
    const std::string_view symbol = f.Str("symbol");
    const std::string_view type = f.Str("incomeType");
    const TimeMs t = f.Int("time");
    KEEL_RETURN_IF_ERROR(f.status());
    if (type != "COMMISSION" || symbol.empty()) continue;
    TimeMs& at = newest[std::string(symbol)];
    at = std::max(at, t);
  }
  return newest;
}

Result<MarketDataEvent> ParseMarketDataEvent(std::string_view json) {
  JsonDoc doc(json, "market event");
  KEEL_RETURN_IF_ERROR(doc.status());
  const Value* v = &doc.root();
  if (v->IsObject() && v->HasMember("stream") && v->HasMember("data")) v = &(*v)["data"];
  if (v->IsObject() && v->HasMember("result") && v->HasMember("id")) {
    const Value& id = (*v)["id"];
    return MarketDataEvent(SubscriptionReply{id.IsString() ? std::string(id.GetString(), id.GetStringLength()) : ""});
  }
  Fields f(*v, "market event");
  const std::string_view type = f.Str("e");
  if (!f.status().ok()) return f.status();
  if (type == "bookTicker") {
    BookTickerEvent e;
    e.event_time = f.Int("E");
    e.transaction_time = f.Int("T", false);
    e.symbol = f.Str("s");
    e.bid = f.Dec("b");
    e.bid_qty = f.Dec("B");
    e.ask = f.Dec("a");
    e.ask_qty = f.Dec("A");
    if (!f.status().ok()) return f.status();
    return MarketDataEvent(e);
  }
  if (type == "markPriceUpdate") {
    MarkPriceEvent e;
    e.event_time = f.Int("E");
    e.symbol = f.Str("s");
    e.mark_price = f.Dec("p");
    e.index_price = f.Dec("i", false);
    if (!f.status().ok()) return f.status();
    return MarketDataEvent(e);
  }
  return MarketDataEvent(IgnoredEvent{std::string(type)});
}

Result<UserDataEvent> ParseUserDataEvent(std::string_view json) {
  JsonDoc doc(json, "user-data event");
  KEEL_RETURN_IF_ERROR(doc.status());
  const Value* v = &doc.root();
  if (v->IsObject() && v->HasMember("stream") && v->HasMember("data")) v = &(*v)["data"];
  Fields f(*v, "user-data event");
  const std::string_view type = f.Str("e");
  const TimeMs event_time = f.Int("E");
  if (!f.status().ok()) return f.status();
  if (type == "ORDER_TRADE_UPDATE") {
    OrderEvent e;
    e.venue_event = "ORDER_TRADE_UPDATE";
    e.event_time = event_time;
    e.transaction_time = f.Int("T");
    e.book = OrderBook::kRegular;
    const Value* o = f.Find("o");
    if (!o) return Status::InvalidInput("ORDER_TRADE_UPDATE field \"o\": missing");
    Fields of(*o, "ORDER_TRADE_UPDATE.o");
    // Fields are read in the order the exchange sends them.
    e.symbol = of.Str("s");
    e.client_order_id = of.Str("c");
    e.side = of.Enum("S", parse_side);
    e.venue_type = of.Str("o");
    e.time_in_force = of.Str("f", false);
    e.qty = of.Dec("q");
    e.price = of.Dec("p");
    e.avg_price = of.Dec("ap");
    e.trigger_price = of.Dec("sp", false);
    e.venue_execution = of.Str("x");
    e.venue_status = of.Str("X");
    e.exchange_order_id = of.Str("i");
    e.last_qty = of.Dec("l");
    e.filled_qty = of.Dec("z");
    e.last_price = of.Dec("L");
    const TimeMs trade_time = of.Int("T");
    const std::int64_t trade_id = of.Int("t", false);
    e.reduce_only = of.Bool("R");
    e.position_side = of.Enum("ps", parse_position_side);
    e.close_position = of.Bool("cp", false);
    e.realized_profit = of.Dec("rp", false);
    e.expiry_reason = of.Str("er", false);
    if (!of.status().ok()) return of.status();
    if (trade_time) e.transaction_time = trade_time;
    // A trade id is unique per symbol: with the symbol it names this fill for good.
    if (e.last_qty.is_positive() && trade_id > 0) e.exec_id = e.symbol + ":" + std::to_string(trade_id);
    if (auto t = parse_order_type(e.venue_type); t.ok()) e.type = *t;
    else e.unrecognized.push_back("o=" + e.venue_type);
    if (auto st = parse_order_status(e.venue_status); st.ok()) e.status = *st;
    else e.unrecognized.push_back("X=" + e.venue_status);
    static constexpr std::string_view kExecutionTypes[] = {"NEW", "CANCELED", "CALCULATED", "EXPIRED", "TRADE",
                                                           "AMENDMENT"};
    if (std::find(std::begin(kExecutionTypes), std::end(kExecutionTypes), e.venue_execution) == std::end(kExecutionTypes))
      e.unrecognized.push_back("x=" + e.venue_execution);
    // Liquidation ("autoclose-…"), ADL ("adl_autoclose") and settlement orders are the exchange's.
    const std::string& c = e.client_order_id;
    e.exchange_generated = (e.type && is_exchange_generated(*e.type)) || e.venue_execution == "CALCULATED" ||
                           c.rfind("autoclose-", 0) == 0 || c.rfind("adl_autoclose", 0) == 0 ||
                           c.rfind("settlement_autoclose-", 0) == 0;
    return UserDataEvent(std::move(e));
  }
  if (type == "ACCOUNT_UPDATE") {
    PositionEvent e;
    e.venue_event = "ACCOUNT_UPDATE";
    e.event_time = event_time;
    e.transaction_time = f.Int("T");
    const Value* a = f.Find("a");
    if (!a) return Status::InvalidInput("ACCOUNT_UPDATE field \"a\": missing");
    Fields af(*a, "ACCOUNT_UPDATE.a");
    e.reason = af.Str("m");
    if (!af.status().ok()) return af.status();
    if (const Value* positions = af.Find("P")) {
      if (!positions->IsArray()) return Status::InvalidInput("ACCOUNT_UPDATE.a field \"P\": expected an array");
      for (const auto& row : positions->GetArray()) {
        Fields pf(row, "ACCOUNT_UPDATE.a.P");
        PositionReport p;
        p.symbol = pf.Str("s");
        p.amount = pf.Dec("pa");
        p.entry_price = pf.Dec("ep");
        p.position_side = pf.Enum("ps", parse_position_side);
        p.update_time = e.transaction_time;
        if (!pf.status().ok()) return pf.status();
        e.positions.push_back(std::move(p));
      }
    }
    return UserDataEvent(std::move(e));
  }
  if (type == "ALGO_UPDATE") {
    OrderEvent e;
    e.venue_event = "ALGO_UPDATE";
    e.event_time = event_time;
    e.transaction_time = f.Int("T");
    e.book = OrderBook::kConditional;
    const Value* o = f.Find("o");
    if (!o) return Status::InvalidInput("ALGO_UPDATE field \"o\": missing");
    Fields of(*o, "ALGO_UPDATE.o");
    e.client_order_id = of.Str("caid");
    e.exchange_order_id = of.Str("aid");
    e.venue_type = of.Str("o");
    e.symbol = of.Str("s");
    e.side = of.Enum("S", parse_side);
    e.position_side = of.Enum("ps", parse_position_side);
    e.time_in_force = of.Str("f", false);
    e.qty = of.Dec("q");
    e.venue_status = of.Str("X");
    e.actual_order_id = of.Str("ai", false);
    e.avg_price = of.Dec("ap", false);
    std::optional<Decimal> executed;
    if (of.Find("aq")) executed = of.Dec("aq");
    // A trailing stop trails instead (AP, cr): it may carry no trigger price until it fires.
    e.trigger_price = of.Dec("tp", e.venue_type != "TRAILING_STOP_MARKET");
    e.price = of.Dec("p", false);
    e.close_position = of.Bool("cp", false);
    e.reduce_only = of.Bool("R", false);
    e.reason = of.Str("rm", false);
    if (!of.status().ok()) return of.status();
    e.filled_qty = executed.value_or(Decimal());
    if (auto t = parse_order_type(e.venue_type); t.ok()) e.type = *t;
    else e.unrecognized.push_back("o=" + e.venue_type);
    bool known = false;
    e.status = DecideAlgoStatus(e.venue_status, executed, e.qty, e.close_position, known);
    if (!known) e.unrecognized.push_back("X=" + e.venue_status);
    return UserDataEvent(std::move(e));
  }
  if (type == "listenKeyExpired") {
    ListenKeyExpiredEvent e;
    e.event_time = event_time;
    e.listen_key = f.Str("listenKey", false);
    return UserDataEvent(e);
  }
  return UserDataEvent(IgnoredEvent{std::string(type)});
}

}  // namespace keel::binance
