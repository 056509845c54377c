#include "keel/bybit/codec.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <limits>

#include "exchange/venue_json.h"
#include "keel/net/query_string.h"

namespace keel::bybit {
namespace {

using venue_json::Fields;
using venue_json::JsonDoc;
using Value = rapidjson::Value;

std::string TextOf(const Value& v) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  v.Accept(w);
  return std::string(out.GetString(), out.GetSize());
}

Result<Side> SideOf(std::string_view s) {
  if (s == "Buy") return Side::kBuy;
  if (s == "Sell") return Side::kSell;
  return Status::InvalidInput("expected Buy or Sell, found \"" + std::string(s) + "\"");
}

// A conditional order's kind from its stopOrderType and orderType; "" or "UNKNOWN" is a plain order.
// A conditional order placed through create says only "Stop": whether it is a stop or a
// take-profit is its triggerDirection against its side (a Sell firing on a rise takes profit).
std::optional<OrderType> TypeOf(std::string_view order_type, std::string_view stop_order_type, bool conditional,
                                Side side, std::int64_t trigger_direction) {
  const bool market = order_type == "Market";
  if (!market && order_type != "Limit") return std::nullopt;
  if (!conditional) return market ? OrderType::kMarket : OrderType::kLimit;
  const bool takes_profit = trigger_direction != 0 && (trigger_direction == 1) == (side == Side::kSell);
  if (stop_order_type == "TakeProfit" || stop_order_type == "PartialTakeProfit" ||
      (stop_order_type == "Stop" && takes_profit))
    return market ? OrderType::kTakeProfitMarket : OrderType::kTakeProfit;
  if (stop_order_type == "TrailingStop") return OrderType::kTrailingStopMarket;
  if (stop_order_type == "StopLoss" || stop_order_type == "PartialStopLoss" || stop_order_type == "Stop" ||
      stop_order_type.empty() || stop_order_type == "UNKNOWN")
    return market ? OrderType::kStopMarket : OrderType::kStop;
  return std::nullopt;
}

// The orders Bybit makes for a position's own TP/SL (trading-stop, or TP/SL attached to an entry);
// "Stop" is a conditional order a client placed through /v5/order/create.
bool PositionTpSl(std::string_view stop_order_type) {
  return stop_order_type == "TakeProfit" || stop_order_type == "StopLoss" || stop_order_type == "TrailingStop" ||
         stop_order_type == "PartialTakeProfit" || stop_order_type == "PartialStopLoss";
}

// The exchange's own orders: a liquidation (laddered or taken over) or an auto-deleveraging.
bool ExchangeGenerated(std::string_view create_type) {
  return create_type == "CreateByLiq" || create_type == "CreateByTakeOver_PassThrough" ||
         create_type == "CreateByAdl_PassThrough" || create_type == "CreateByAdminClosing" ||
         create_type == "CreateBySettle";
}

// An order the exchange ended, not the user (docs/v5/enum.mdx, cancelType and rejectReason): keel
// calls that expired, as Binance's EXPIRED. "UNKNOWN" and CancelByUser are the user's, or not a
// cancel at all.
bool EndedByExchange(std::string_view cancel_type, std::string_view reject_reason) {
  if (!cancel_type.empty() && cancel_type != "UNKNOWN" && cancel_type != "CancelByUser") return true;
  return !reject_reason.empty() && reject_reason != "EC_NoError";
}

OrderEvent OrderEventFrom(const Value& v, TimeMs creation_time, Status& error) {
  Fields f(v, "order");
  OrderEvent e;
  e.venue_event = "order";
  e.event_time = creation_time;
  e.symbol = std::string(f.Str("symbol"));
  e.exchange_order_id = std::string(f.Str("orderId"));
  e.client_order_id = std::string(f.Str("orderLinkId", false));
  auto side = SideOf(f.Str("side"));
  if (f.status().ok() && !side.ok()) error = Status::InvalidInput("order field \"side\": " + side.status().message());
  if (side.ok()) e.side = *side;
  const std::int64_t idx = f.Int("positionIdx", false);
  if (auto ps = PositionSideOfIdx(idx); ps.ok()) e.position_side = *ps;
  else e.unrecognized.push_back("positionIdx=" + std::to_string(idx));
  const std::string_view order_type = f.Str("orderType");
  const std::string_view stop_order_type = f.Str("stopOrderType", false);
  e.trigger_price = f.Dec("triggerPrice", false);
  const bool conditional = e.trigger_price.is_positive() ||
                           (!stop_order_type.empty() && stop_order_type != "UNKNOWN");
  e.book = conditional ? OrderBook::kConditional : OrderBook::kRegular;
  e.venue_type = std::string(order_type);
  if (!stop_order_type.empty() && stop_order_type != "UNKNOWN") e.venue_type += "/" + std::string(stop_order_type);
  e.type = TypeOf(order_type, stop_order_type, conditional, e.side, f.Int("triggerDirection", false));
  if (!e.type) e.unrecognized.push_back("orderType=" + e.venue_type);
  e.venue_status = std::string(f.Str("orderStatus"));
  e.status = DecideOrderStatus(e.venue_status);
  if (!e.status) e.unrecognized.push_back("orderStatus=" + e.venue_status);
  e.time_in_force = std::string(f.Str("timeInForce", false));
  const std::string_view cancel_type = f.Str("cancelType", false);
  if (cancel_type != "UNKNOWN") e.expiry_reason = std::string(cancel_type);
  const std::string_view reject = f.Str("rejectReason", false);
  if (reject != "EC_NoError") e.reason = std::string(reject);
  e.qty = f.Dec("qty");
  e.price = f.Dec("price", false);
  e.filled_qty = f.Dec("cumExecQty");
  e.avg_price = f.Dec("avgPrice", false);
  e.realized_profit = f.Dec("closedPnl", false);
  e.reduce_only = f.Bool("reduceOnly", false);
  // A conditional close of the whole position: reduceOnly + closeOnTrigger with qty 0 when placed.
  e.close_position = f.Bool("closeOnTrigger", false);
  const std::string_view create_type = f.Str("createType", false);
  e.exchange_generated = ExchangeGenerated(create_type);
  e.position_tpsl = PositionTpSl(stop_order_type);
  if (create_type == "CreateByLiq" || create_type == "CreateByTakeOver_PassThrough") e.type = OrderType::kLiquidation;
  if (create_type == "CreateByAdl_PassThrough") e.type = OrderType::kAdl;
  if (e.status == OrderStatus::kCanceled && EndedByExchange(cancel_type, reject)) e.status = OrderStatus::kExpired;
  e.transaction_time = f.Int("updatedTime");
  if (!f.status().ok() && error.ok()) error = f.status();
  return e;
}

}  // namespace

OrderEvent FillEventOf(const Execution& x, TimeMs creation_time) {
  OrderEvent e;
  e.venue_event = "execution";
  e.event_time = creation_time;
  e.transaction_time = x.exec_time;
  e.book = OrderBook::kRegular;
  e.symbol = x.symbol;
  e.client_order_id = x.order_link_id;
  e.exchange_order_id = x.order_id;
  e.side = x.side;
  e.venue_type = x.order_type;
  if (!x.stop_order_type.empty() && x.stop_order_type != "UNKNOWN") e.venue_type += "/" + x.stop_order_type;
  e.venue_execution = x.exec_type;
  e.carries_lifecycle = false;
  e.exec_id = x.exec_id;
  if (x.seq >= 0) e.seq = x.seq;
  e.fee = x.exec_fee;
  e.realized_profit = x.exec_pnl;
  e.exchange_generated = ExchangeGenerated(x.create_type);
  const std::string_view t = x.exec_type;
  if (t == "Funding") return e;  // a payment: no quantity moves
  e.last_qty = x.exec_qty;
  e.last_price = x.exec_price;
  e.filled_qty = x.exec_qty;
  if (t == "BustTrade") {
    e.type = OrderType::kLiquidation;
    e.exchange_generated = true;
  } else if (t == "AdlTrade") {
    e.type = OrderType::kAdl;
    e.exchange_generated = true;
  } else if (t == "Delivery" || t == "Settle") {
    e.exchange_generated = true;
  } else if (t != "Trade" && t != "BlockTrade" && t != "MovePosition") {
    e.unrecognized.push_back("execType=" + x.exec_type);
  }
  return e;
}

namespace {

Result<PositionReport> PositionFrom(const Value& v, bool stream) {
  Fields f(v, "position");
  PositionReport p;
  p.symbol = std::string(f.Str("symbol"));
  const std::int64_t idx = f.Int("positionIdx");
  const std::string_view side = f.Str("side", false);
  const Decimal size = f.Dec("size");
  // The REST row says avgPrice, the topic entryPrice.
  p.entry_price = stream ? f.Dec("entryPrice", false) : f.Dec("avgPrice", false);
  p.update_time = f.Int("updatedTime", false);
  // "0", "0.00" or "" when unset (docs/v5/position/position.mdx).
  p.take_profit = f.Dec("takeProfit", false);
  p.stop_loss = f.Dec("stopLoss", false);
  p.trailing_stop = f.Dec("trailingStop", false);
  // -1 for a symbol never traded; the REST row and the topic both carry it.
  if (f.Find("seq")) p.seq = f.Int("seq");
  p.venue_status = std::string(f.Str("positionStatus", false));
  if (!f.status().ok()) return f.status();
  auto ps = PositionSideOfIdx(idx);
  if (!ps.ok()) return Status::InvalidInput("position " + p.symbol + ": " + ps.status().message());
  p.position_side = *ps;
  if (size.is_zero()) return p;  // flat: side "" (unified account) or "None" (classic)
  if (side == "Buy") p.amount = size;
  else if (side == "Sell") p.amount = size.negated();
  else return Status::InvalidInput("position " + p.symbol + " field \"side\": size " + size.ToString() +
                                   " with side \"" + std::string(side) + "\"");
  return p;
}

const Value* ArrayField(const Value& v, const char* name) {
  if (!v.IsObject()) return nullptr;
  auto it = v.FindMember(name);
  return it != v.MemberEnd() && it->value.IsArray() ? &it->value : nullptr;
}

std::string Cursor(const Value& v) {
  if (!v.IsObject()) return "";
  auto it = v.FindMember("nextPageCursor");
  return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

// One instruments-info row: the instrument, or why keel cannot model it.
Result<Instrument> InstrumentFrom(const Value& v) {
  Fields f(v, "instrument");
  Instrument i;
  i.symbol = std::string(f.Str("symbol"));
  const std::string_view status = f.Str("status");
  const std::string_view contract = f.Str("contractType");
  KEEL_RETURN_IF_ERROR(f.status());
  KEEL_RETURN_IF_ERROR(ValidateSymbol(i.symbol));
  if (status != "Trading") return Status::InvalidInput("status " + std::string(status));
  if (contract != "LinearPerpetual") return Status::InvalidInput("contractType " + std::string(contract));
  const Value* price = f.Find("priceFilter");
  const Value* lot = f.Find("lotSizeFilter");
  if (!price || !lot) return Status::InvalidInput("priceFilter and lotSizeFilter are required");
  Fields pf(*price, "priceFilter");
  i.tick_size = pf.Dec("tickSize");
  KEEL_RETURN_IF_ERROR(pf.status());
  Fields lf(*lot, "lotSizeFilter");
  i.step_size = lf.Dec("qtyStep");
  i.min_qty = lf.Dec("minOrderQty");
  i.min_notional = lf.Dec("minNotionalValue");
  if (lf.Find("maxOrderQty")) i.max_qty = lf.Dec("maxOrderQty");
  if (lf.Find("maxMktOrderQty")) i.market_max_qty = lf.Dec("maxMktOrderQty");
  // create-order.mdx: qty "0" with reduceOnly and closeOnTrigger closes "up to maxMktOrderQty or
  // maxOrderQty": more of a position than that stays open when keel's stop fires.
  i.close_stop_max_qty = i.market_max_qty ? i.market_max_qty : i.max_qty;
  KEEL_RETURN_IF_ERROR(lf.status());
  KEEL_RETURN_IF_ERROR(i.Validate());
  return i;
}

Result<OrderAck> AckFrom(const Value& v) {
  Fields f(v, "acknowledgement");
  OrderAck a;
  a.order_id = std::string(f.Str("orderId"));
  a.order_link_id = std::string(f.Str("orderLinkId", false));
  KEEL_RETURN_IF_ERROR(f.status());
  return a;
}

}  // namespace

Result<InstrumentPage> ParseInstrumentPage(std::string_view result_json) {
  JsonDoc doc(result_json, "instruments-info");
  KEEL_RETURN_IF_ERROR(doc.status());
  const Value* list = ArrayField(doc.root(), "list");
  if (!list) return Status::InvalidInput("instruments-info: no \"list\" array");
  InstrumentPage page;
  page.next_cursor = Cursor(doc.root());
  for (const auto& row : list->GetArray()) {
    auto i = InstrumentFrom(row);
    if (i.ok()) {
      page.instruments.instruments.push_back(std::move(i).value());
      continue;
    }
    std::string symbol = "(unnamed)";
    if (row.IsObject() && row.HasMember("symbol") && row["symbol"].IsString()) symbol = row["symbol"].GetString();
    page.instruments.skipped.push_back({symbol, i.status().message()});
  }
  return page;
}

Result<Decimal> ParseMarkPrice(std::string_view result_json, const std::string& symbol) {
  JsonDoc doc(result_json, "tickers");
  KEEL_RETURN_IF_ERROR(doc.status());
  const Value* list = ArrayField(doc.root(), "list");
  if (!list) return Status::InvalidInput("tickers: no \"list\" array");
  for (const auto& row : list->GetArray()) {
    Fields f(row, "ticker");
    if (f.Str("symbol") != symbol) continue;
    const Decimal mark = f.Dec("markPrice");
    KEEL_RETURN_IF_ERROR(f.status());
    if (!mark.is_positive()) return Status::InvalidInput("ticker " + symbol + ": markPrice " + mark.ToString());
    return mark;
  }
  return Status::NotFound("tickers: no row for " + symbol);
}

Result<std::optional<TimeMs>> ParseNewestExecutionTime(std::string_view result_json) {
  JsonDoc doc(result_json, "execution list");
  KEEL_RETURN_IF_ERROR(doc.status());
  const Value* list = ArrayField(doc.root(), "list");
  if (!list) return Status::InvalidInput("execution list: no \"list\" array");
  std::optional<TimeMs> newest;
  for (const auto& row : list->GetArray()) {
    Fields f(row, "execution");
    const std::string_view type = f.Str("execType");
    const TimeMs t = f.Int("execTime");
    KEEL_RETURN_IF_ERROR(f.status());
    if (type == "Funding") continue;
    if (!newest || t > *newest) newest = t;
  }
  return newest;
}

Result<Decimal> ParseRiskLimitValue(std::string_view result_json) {
  JsonDoc doc(result_json, "position list");
  KEEL_RETURN_IF_ERROR(doc.status());
  const Value* list = ArrayField(doc.root(), "list");
  if (!list || list->GetArray().Empty()) return Status::InvalidInput("position list: no row for the symbol");
  Fields f((*list)[0], "position");
  const Decimal cap = f.Dec("riskLimitValue");
  KEEL_RETURN_IF_ERROR(f.status());
  return cap;
}

Result<std::map<std::string, TimeMs>> ParseNewestExecutionTimes(std::string_view result_json) {
  JsonDoc doc(result_json, "execution list");
  KEEL_RETURN_IF_ERROR(doc.status());
  const Value* list = ArrayField(doc.root(), "list");
  if (!list) return Status::InvalidInput("execution list: no \"list\" array");
  std::map<std::string, TimeMs> newest;
  for (const auto& row : list->GetArray()) {
    Fields f(row, "execution");
    const std::string_view symbol = f.Str("symbol");
    const std::string_view type = f.Str("execType");
    const TimeMs t = f.Int("execTime");
    KEEL_RETURN_IF_ERROR(f.status());
    if (type == "Funding") continue;
    TimeMs& at = newest[std::string(symbol)];
    at = std::max(at, t);
  }
  return newest;
}

Result<OrderAck> ParseOrderAck(std::string_view result_json) {
  JsonDoc doc(result_json, "acknowledgement");
  KEEL_RETURN_IF_ERROR(doc.status());
  return AckFrom(doc.root());
}

Result<std::vector<OrderAck>> ParseCancelAll(std::string_view result_json) {
  JsonDoc doc(result_json, "cancel-all");
  KEEL_RETURN_IF_ERROR(doc.status());
  const Value* list = ArrayField(doc.root(), "list");
  if (!list) return Status::InvalidInput("cancel-all: no \"list\" array");
  std::vector<OrderAck> out;
  for (const auto& row : list->GetArray()) {
    auto a = AckFrom(row);
    if (!a.ok()) return a.status();
    out.push_back(std::move(*a));
  }
  return out;
}

Result<std::string> CursorParam(const std::string& next_cursor) { return net::percent_decode(next_cursor); }

Result<Envelope> ParseEnvelope(std::string_view json) {
  JsonDoc doc(json, "answer");
  if (!doc.status().ok()) return doc.status();
  Fields f(doc.root(), "answer");
  Envelope e;
  const std::int64_t ret_code = f.Int("retCode");
  e.ret_msg = std::string(f.Str("retMsg", false));
  e.time = f.Int("time", false);
  if (!f.status().ok()) return f.status();
  if (ret_code < std::numeric_limits<int>::min() || ret_code > std::numeric_limits<int>::max())
    return Status::InvalidInput("answer field \"retCode\": " + std::to_string(ret_code) + " is not a Bybit code");
  e.ret_code = static_cast<int>(ret_code);
  auto result = doc.root().FindMember("result");
  if (result != doc.root().MemberEnd()) e.result = TextOf(result->value);
  return e;
}

std::optional<OrderStatus> DecideOrderStatus(std::string_view s) {
  if (s == "New" || s == "PartiallyFilled" || s == "Untriggered" || s == "Triggered")
    return s == "PartiallyFilled" ? OrderStatus::kPartiallyFilled : OrderStatus::kNew;
  if (s == "Filled") return OrderStatus::kFilled;
  if (s == "Cancelled" || s == "Deactivated" || s == "PartiallyFilledCanceled") return OrderStatus::kCanceled;
  if (s == "Rejected") return OrderStatus::kRejected;
  return std::nullopt;
}

Result<PositionSide> PositionSideOfIdx(std::int64_t idx) {
  switch (idx) {
    case 0: return PositionSide::kBoth;
    case 1: return PositionSide::kLong;
    case 2: return PositionSide::kShort;
    default: return Status::InvalidInput("positionIdx: expected 0, 1 or 2, found " + std::to_string(idx));
  }
}

std::int64_t PositionIdxOf(PositionSide side) {
  return side == PositionSide::kLong ? 1 : side == PositionSide::kShort ? 2 : 0;
}

Result<OrderReport> ParseOrderRow(std::string_view json) {
  JsonDoc doc(json, "order");
  if (!doc.status().ok()) return doc.status();
  Status error;
  OrderEvent e = OrderEventFrom(doc.root(), 0, error);
  if (!error.ok()) return error;
  return e.Report();
}

Result<OrderPage> ParseOrderPage(std::string_view result_json) {
  JsonDoc doc(result_json, "order list");
  if (!doc.status().ok()) return doc.status();
  const Value* list = ArrayField(doc.root(), "list");
  if (!list) return Status::InvalidInput("order list: no \"list\" array");
  OrderPage page;
  page.next_cursor = Cursor(doc.root());
  for (const auto& row : list->GetArray()) {
    Status error;
    OrderEvent e = OrderEventFrom(row, 0, error);
    if (!error.ok()) return error;
    auto report = e.Report();
    if (!report.ok()) return report.status();
    page.orders.push_back(std::move(*report));
  }
  return page;
}

Result<PositionPage> ParsePositionPage(std::string_view result_json) {
  JsonDoc doc(result_json, "position list");
  if (!doc.status().ok()) return doc.status();
  const Value* list = ArrayField(doc.root(), "list");
  if (!list) return Status::InvalidInput("position list: no \"list\" array");
  PositionPage page;
  page.next_cursor = Cursor(doc.root());
  for (const auto& row : list->GetArray()) {
    auto p = PositionFrom(row, false);
    if (!p.ok()) return p.status();
    page.positions.push_back(std::move(*p));
  }
  return page;
}

namespace {

// The all-in-one topics carry every category of a unified account (spot, linear, inverse, option);
// keel trades linear alone, and a spot BTCUSDT fill is no fill of the BTCUSDT perpetual. Every row
// Bybit documents names its category; a row without one is taken as the topic's (linear).
bool OfOtherCategory(const Value& row, std::vector<std::string>* other_categories) {
  if (!row.IsObject()) return false;  // the row's own reading says what is wrong with it
  const auto category = row.FindMember("category");
  if (category == row.MemberEnd() || !category->value.IsString()) return false;
  const std::string_view name(category->value.GetString(), category->value.GetStringLength());
  if (name == "linear") return false;
  if (other_categories) {
    const auto symbol = row.FindMember("symbol");
    const bool named = symbol != row.MemberEnd() && symbol->value.IsString();
    other_categories->push_back(std::string(name) + " " +
                                (named ? std::string(symbol->value.GetString(), symbol->value.GetStringLength()) : "?"));
  }
  return true;
}

}  // namespace

Result<PrivateMessage> ParsePrivateMessage(std::string_view json, std::vector<std::string>* other_categories) {
  JsonDoc doc(json, "private stream message");
  if (!doc.status().ok()) return doc.status();
  const Value& root = doc.root();
  if (!root.IsObject()) return Status::InvalidInput("private stream message: not one JSON object");
  Fields f(root, "private stream message");
  const std::string_view topic = f.Str("topic", false);
  if (topic.empty()) {
    ControlReply c;
    c.op = std::string(f.Str("op"));
    c.success = f.Bool("success", false) || c.op == "pong";
    c.ret_msg = std::string(f.Str("ret_msg", false));
    c.req_id = std::string(f.Str("req_id", false));
    if (!f.status().ok()) return f.status();
    return PrivateMessage(std::move(c));
  }
  const TimeMs creation_time = f.Int("creationTime", false);
  if (!f.status().ok()) return f.status();
  const Value* data = ArrayField(root, "data");
  // Categorised topics (order.linear, …) carry the same rows as the all-in-one ones, of their
  // category only.
  const std::size_t dot = topic.find('.');
  const std::string_view base = topic.substr(0, dot);
  const bool other_topic = dot != std::string_view::npos && topic.substr(dot + 1) != "linear";
  if ((base != "order" && base != "execution" && base != "position") || other_topic)
    return PrivateMessage(IgnoredTopic{std::string(topic)});
  if (!data) return Status::InvalidInput(std::string(topic) + ": no \"data\" array");
  if (base == "order") {
    OrderTopicEvent out;
    out.creation_time = creation_time;
    for (const auto& row : data->GetArray()) {
      if (OfOtherCategory(row, other_categories)) continue;
      Status error;
      OrderEvent e = OrderEventFrom(row, creation_time, error);
      if (!error.ok()) return error;
      out.orders.push_back(std::move(e));
    }
    return PrivateMessage(std::move(out));
  }
  if (base == "execution") {
    ExecutionEvent out;
    out.creation_time = creation_time;
    for (const auto& row : data->GetArray()) {
      if (OfOtherCategory(row, other_categories)) continue;
      Fields x(row, "execution");
      Execution e;
      e.symbol = std::string(x.Str("symbol"));
      e.order_id = std::string(x.Str("orderId"));
      e.order_link_id = std::string(x.Str("orderLinkId", false));
      auto side = SideOf(x.Str("side"));
      e.exec_id = std::string(x.Str("execId"));
      e.exec_type = std::string(x.Str("execType"));
      e.exec_price = x.Dec("execPrice");
      e.exec_qty = x.Dec("execQty");
      e.leaves_qty = x.Dec("leavesQty", false);
      e.closed_size = x.Dec("closedSize", false);
      e.is_maker = x.Bool("isMaker", false);
      e.exec_time = x.Int("execTime");
      if (x.Find("seq")) e.seq = x.Int("seq");
      e.exec_fee = x.Dec("execFee", false);
      e.exec_pnl = x.Dec("execPnl", false);
      e.order_type = std::string(x.Str("orderType", false));
      e.stop_order_type = std::string(x.Str("stopOrderType", false));
      e.create_type = std::string(x.Str("createType", false));
      if (!x.status().ok()) return x.status();
      if (!side.ok()) return Status::InvalidInput("execution field \"side\": " + side.status().message());
      e.side = *side;
      out.executions.push_back(std::move(e));
    }
    return PrivateMessage(std::move(out));
  }
  PositionEvent out;
  out.venue_event = "position";
  out.event_time = creation_time;
  for (const auto& row : data->GetArray()) {
    if (OfOtherCategory(row, other_categories)) continue;
    auto p = PositionFrom(row, true);
    if (!p.ok()) return p.status();
    out.transaction_time = std::max(out.transaction_time, p->update_time);
    out.positions.push_back(std::move(*p));
  }
  return PrivateMessage(std::move(out));
}

}  // namespace keel::bybit
