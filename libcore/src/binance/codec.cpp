#include "keel/binance/codec.h"

#include <rapidjson/document.h>

namespace keel::binance {
namespace {

using Value = rapidjson::Value;

constexpr unsigned kParseFlags = rapidjson::kParseNumbersAsStringsFlag;

Result<rapidjson::Document> parse(std::string_view json, const char* what) {
  rapidjson::Document d;
  d.Parse<kParseFlags>(json.data(), json.size());
  if (d.HasParseError()) return Status::InvalidInput(std::string(what) + ": not valid JSON");
  return d;
}

// Reads fields of one JSON object, remembering the first problem.
class Fields {
 public:
  Fields(const Value& v, std::string what) : v_(v), what_(std::move(what)) {
    if (!v_.IsObject()) Fail("", "expected an object");
  }
  const Value* Find(const char* key) const {
    if (!v_.IsObject()) return nullptr;
    auto it = v_.FindMember(key);
    return it == v_.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
  }
  std::string Str(const char* key, bool required = true) {
    const Value* f = Find(key);
    if (!f) {
      if (required) Fail(key, "missing");
      return "";
    }
    if (!f->IsString()) return Fail(key, "expected a string or number"), "";
    return std::string(f->GetString(), f->GetStringLength());
  }
  Decimal Dec(const char* key, bool required = true) {
    const std::string s = Str(key, required);
    if (s.empty()) return Decimal();
    auto d = Decimal::Parse(s);
    if (!d.ok()) return Fail(key, d.status().message()), Decimal();
    return *d;
  }
  std::int64_t Int(const char* key, bool required = true) {
    const std::string s = Str(key, required);
    if (s.empty()) return 0;
    if (s.find_first_not_of("-0123456789") != std::string::npos || s.size() > 19) return Fail(key, "expected an integer"), 0;
    return std::stoll(s);
  }
  bool Bool(const char* key, bool required = true) {
    const Value* f = Find(key);
    if (!f) {
      if (required) Fail(key, "missing");
      return false;
    }
    if (f->IsBool()) return f->GetBool();
    if (f->IsString() && (std::string_view(f->GetString()) == "true" || std::string_view(f->GetString()) == "false"))
      return std::string_view(f->GetString()) == "true";
    return Fail(key, "expected true or false"), false;
  }
  template <typename E>
  E Enum(const char* key, Result<E> (*parse_fn)(std::string_view)) {
    const std::string s = Str(key);
    if (!status_.ok()) return E{};
    auto e = parse_fn(s);
    if (!e.ok()) return Fail(key, e.status().message()), E{};
    return *e;
  }
  const Status& status() const { return status_; }

 private:
  void Fail(const char* key, const std::string& why) {
    if (status_.ok())
      status_ = Status::InvalidInput(what_ + (key[0] ? std::string(" field \"") + key + "\"" : std::string()) + ": " + why);
  }
  const Value& v_;
  std::string what_;
  Status status_;
};

OrderStatus algo_to_order_status(const std::string& s, bool& known) {
  known = true;
  if (s == "NEW" || s == "TRIGGERING" || s == "TRIGGERED") return OrderStatus::kNew;
  if (s == "FINISHED") return OrderStatus::kFilled;
  if (s == "CANCELED") return OrderStatus::kCanceled;
  if (s == "EXPIRED") return OrderStatus::kExpired;
  if (s == "REJECTED") return OrderStatus::kRejected;
  known = false;
  return OrderStatus::kRejected;
}

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

Result<OrderReport> algo_from(const Value& v) {
  Fields f(v, "algo order");
  OrderReport o;
  o.book = OrderBook::kConditional;
  o.exchange_order_id = f.Str("algoId");
  o.client_order_id = f.Str("clientAlgoId");
  o.symbol = f.Str("symbol");
  o.side = f.Enum("side", parse_side);
  o.position_side = f.Enum("positionSide", parse_position_side);
  o.type = f.Enum("orderType", parse_order_type);
  o.qty = f.Dec("quantity");
  o.price = f.Dec("price", false);
  o.trigger_price = f.Dec("triggerPrice");
  o.reduce_only = f.Bool("reduceOnly");
  o.close_position = f.Bool("closePosition");
  o.update_time = f.Int("updateTime");
  const std::string status = f.Str("algoStatus");
  if (!f.status().ok()) return f.status();
  bool known = false;
  o.status = algo_to_order_status(status, known);
  if (!known) return Status::InvalidInput("algo order field \"algoStatus\": unknown value '" + status + "'");
  return o;
}

template <typename F>
auto parse_array(std::string_view json, const char* what, F&& one) -> Result<std::vector<OrderReport>> {
  auto d = parse(json, what);
  if (!d.ok()) return d.status();
  if (!d->IsArray()) return Status::InvalidInput(std::string(what) + ": expected an array");
  std::vector<OrderReport> out;
  for (const auto& v : d->GetArray()) {
    auto o = one(v);
    if (!o.ok()) return o.status();
    out.push_back(std::move(o).value());
  }
  return out;
}

}  // namespace

Result<std::vector<Instrument>> ParseExchangeInfo(std::string_view json) {
  auto d = parse(json, "exchangeInfo");
  if (!d.ok()) return d.status();
  if (!d->IsObject() || !d->HasMember("symbols") || !(*d)["symbols"].IsArray())
    return Status::InvalidInput("exchangeInfo: expected an object with a symbols array");
  std::vector<Instrument> out;
  for (const auto& s : (*d)["symbols"].GetArray()) {
    Fields f(s, "exchangeInfo symbol");
    Instrument i;
    i.symbol = f.Str("symbol");
    const std::string status = f.Str("status");
    const std::string contract = f.Str("contractType", false);
    if (!f.status().ok()) return f.status();
    if (status != "TRADING" || contract != "PERPETUAL") continue;  // keel trades live perpetuals only
    bool tick = false, lot = false, notional = false;
    if (!s.HasMember("filters") || !s["filters"].IsArray())
      return Status::InvalidInput("exchangeInfo symbol " + i.symbol + ": no filters");
    for (const auto& filter : s["filters"].GetArray()) {
      Fields ff(filter, "exchangeInfo " + i.symbol + " filter");
      const std::string type = ff.Str("filterType");
      if (type == "PRICE_FILTER") {
        i.tick_size = ff.Dec("tickSize");
        tick = true;
      } else if (type == "LOT_SIZE") {
        i.step_size = ff.Dec("stepSize");
        i.min_qty = ff.Dec("minQty");
        lot = true;
      } else if (type == "MIN_NOTIONAL") {
        i.min_notional = ff.Dec("notional");
        notional = true;
      }
      if (!ff.status().ok()) return ff.status();
    }
    if (!tick || !lot || !notional)
      return Status::InvalidInput("exchangeInfo symbol " + i.symbol + ": PRICE_FILTER, LOT_SIZE and MIN_NOTIONAL are required");
    KEEL_RETURN_IF_ERROR(i.Validate());
    out.push_back(i);
  }
  return out;
}

Result<OrderReport> ParseOrder(std::string_view json) {
  auto d = parse(json, "order");
  if (!d.ok()) return d.status();
  return order_from(*d);
}

Result<std::vector<OrderReport>> ParseOrders(std::string_view json) { return parse_array(json, "orders", order_from); }

Result<OrderReport> ParseAlgoOrder(std::string_view json) {
  auto d = parse(json, "algo order");
  if (!d.ok()) return d.status();
  return algo_from(*d);
}

Result<std::vector<OrderReport>> ParseAlgoOrders(std::string_view json) {
  return parse_array(json, "algo orders", algo_from);
}

bool IsMinimalAck(std::string_view json) {
  auto d = parse(json, "acknowledgement");
  if (!d.ok() || !d->IsObject()) return false;
  const bool names_order = d->HasMember("orderId") || d->HasMember("algoId");
  const bool regular_complete = d->HasMember("side") && d->HasMember("status") && d->HasMember("origQty");
  const bool algo_complete = d->HasMember("side") && d->HasMember("algoStatus") && d->HasMember("quantity");
  return names_order && !regular_complete && !algo_complete;
}

Result<std::vector<PositionReport>> ParsePositionRisk(std::string_view json) {
  auto d = parse(json, "positionRisk");
  if (!d.ok()) return d.status();
  if (!d->IsArray()) return Status::InvalidInput("positionRisk: expected an array");
  std::vector<PositionReport> out;
  for (const auto& row : d->GetArray()) {
    Fields f(row, "positionRisk row");
    PositionReport p;
    p.symbol = f.Str("symbol");
    p.position_side = f.Enum("positionSide", parse_position_side);
    p.amount = f.Dec("positionAmt");
    p.entry_price = f.Dec("entryPrice");
    p.update_time = f.Int("updateTime");
    if (!f.status().ok()) return f.status();
    if (!p.amount.is_zero()) out.push_back(p);
  }
  return out;
}

Result<bool> ParseDualSidePosition(std::string_view json) {
  auto d = parse(json, "positionSide/dual");
  if (!d.ok()) return d.status();
  Fields f(*d, "positionSide/dual");
  const bool dual = f.Bool("dualSidePosition");
  if (!f.status().ok()) return f.status();
  return dual;
}

Result<Decimal> ParseMarkPrice(std::string_view json) {
  auto d = parse(json, "premiumIndex");
  if (!d.ok()) return d.status();
  Fields f(*d, "premiumIndex");
  const Decimal mark = f.Dec("markPrice");
  if (!f.status().ok()) return f.status();
  return mark;
}

Result<UserDataEvent> ParseUserDataEvent(std::string_view json) {
  auto d = parse(json, "user-data event");
  if (!d.ok()) return d.status();
  const Value* v = d.operator->();
  if (v->IsObject() && v->HasMember("stream") && v->HasMember("data")) v = &(*v)["data"];
  Fields f(*v, "user-data event");
  const std::string type = f.Str("e");
  const TimeMs event_time = f.Int("E");
  if (!f.status().ok()) return f.status();
  if (type == "ORDER_TRADE_UPDATE") {
    OrderUpdateEvent e;
    e.event_time = event_time;
    e.transaction_time = f.Int("T");
    const Value* o = f.Find("o");
    if (!o) return Status::InvalidInput("ORDER_TRADE_UPDATE field \"o\": missing");
    Fields of(*o, "ORDER_TRADE_UPDATE.o");
    e.order.book = OrderBook::kRegular;
    e.order.symbol = of.Str("s");
    e.order.client_order_id = of.Str("c");
    e.order.side = of.Enum("S", parse_side);
    e.order.type = of.Enum("o", parse_order_type);
    e.order.qty = of.Dec("q");
    e.order.price = of.Dec("p");
    e.order.avg_price = of.Dec("ap");
    e.order.trigger_price = of.Dec("sp", false);
    e.execution_type = of.Str("x");
    e.order.status = of.Enum("X", parse_order_status);
    e.order.exchange_order_id = of.Str("i");
    e.last_qty = of.Dec("l");
    e.order.filled_qty = of.Dec("z");
    e.last_price = of.Dec("L");
    e.order.reduce_only = of.Bool("R");
    e.order.position_side = of.Enum("ps", parse_position_side);
    e.order.close_position = of.Bool("cp", false);
    e.order.update_time = of.Int("T");
    if (!of.status().ok()) return of.status();
    return UserDataEvent(e);
  }
  if (type == "ACCOUNT_UPDATE") {
    AccountUpdateEvent e;
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
        e.positions.push_back(p);
      }
    }
    return UserDataEvent(e);
  }
  if (type == "ALGO_UPDATE") {
    AlgoUpdateEvent e;
    e.event_time = event_time;
    e.transaction_time = f.Int("T");
    const Value* o = f.Find("o");
    if (!o) return Status::InvalidInput("ALGO_UPDATE field \"o\": missing");
    Fields of(*o, "ALGO_UPDATE.o");
    e.order.book = OrderBook::kConditional;
    e.order.client_order_id = of.Str("caid");
    e.order.exchange_order_id = of.Str("aid");
    e.order.type = of.Enum("o", parse_order_type);
    e.order.symbol = of.Str("s");
    e.order.side = of.Enum("S", parse_side);
    e.order.position_side = of.Enum("ps", parse_position_side);
    e.order.qty = of.Dec("q");
    e.algo_status = of.Str("X");
    e.order.trigger_price = of.Dec("tp");
    e.order.price = of.Dec("p", false);
    e.order.reduce_only = of.Bool("R", false);
    e.order.close_position = of.Bool("cp", false);
    e.order.update_time = e.transaction_time;
    if (!of.status().ok()) return of.status();
    bool known = false;
    e.order.status = algo_to_order_status(e.algo_status, known);
    if (!known) return Status::InvalidInput("ALGO_UPDATE.o field \"X\": unknown value '" + e.algo_status + "'");
    return UserDataEvent(e);
  }
  if (type == "listenKeyExpired") {
    ListenKeyExpiredEvent e;
    e.event_time = event_time;
    e.listen_key = f.Str("listenKey", false);
    return UserDataEvent(e);
  }
  return UserDataEvent(IgnoredEvent{type});
}

}  // namespace keel::binance
