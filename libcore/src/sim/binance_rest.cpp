#include "keel/sim/binance_rest.h"

#include <algorithm>
#include <functional>

#include "binance_rest_call.h"
#include "keel/model/json_writer.h"
#include "keel/net/hmac.h"
#include "keel/net/query_string.h"
#include "keel/sim/binance_json.h"

namespace keel::sim {

using net::HttpRequest;
using net::HttpResponse;
using net::Params;

enum class Security { kNone, kApiKey, kSigned };

namespace rest {

const SimInstrument& inst(Call& c, const std::string& symbol) { return c.ex.FindMarket(symbol)->instrument(); }

}  // namespace rest

namespace {

using namespace rest;

std::string ok_message(const char* message) {
  return json([&](JsonWriter& w) { w.StartObject().Key("code").Int(200).Key("msg").String(message).EndObject(); });
}

// ---- market data ----

Body ping(Call&) { return std::string("{}"); }
Body server_time(Call& c) {
  return json([&](JsonWriter& w) { w.StartObject().Key("serverTime").Int(c.now).EndObject(); });
}
Body exchange_info(Call& c) { return json([&](JsonWriter& w) { binance::WriteExchangeInfo(w, c.ex); }); }

Body per_symbol(Call& c, void (*write)(JsonWriter&, const Market&, TimeMs)) {
  if (c.Opt("symbol")) {
    auto symbol = c.Symbol();
    if (!symbol.ok()) return symbol.status();
    return json([&](JsonWriter& w) { write(w, *c.ex.FindMarket(*symbol), c.now); });
  }
  return json([&](JsonWriter& w) {
    w.StartArray();
    for (const Market* m : c.ex.Markets()) write(w, *m, c.now);
    w.EndArray();
  });
}
Body book_ticker(Call& c) { return per_symbol(c, binance::WriteBookTicker); }
Body price_ticker(Call& c) { return per_symbol(c, binance::WritePriceTicker); }
Body ticker_24h(Call& c) { return per_symbol(c, binance::Write24hTicker); }
Body premium_index(Call& c) { return per_symbol(c, binance::WritePremiumIndex); }

Body depth(Call& c) {
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto limit = c.OptInt("limit");
  if (!limit.ok()) return limit.status();
  const int n = static_cast<int>(limit->value_or(500));
  return json([&](JsonWriter& w) { binance::WriteDepth(w, *c.ex.FindMarket(*symbol), n, c.now); });
}

// ---- orders ----

// What every placement names, regular or conditional: side, type, positionSide, timeInForce.
template <typename Request>
Status read_order_basics(Call& c, Request& r) {
  auto side_text = c.Req("side");
  if (!side_text.ok()) return side_text.status();
  auto side = parse_side(*side_text);
  if (!side.ok()) return binance_error(-1117, "Invalid side.");
  r.side = *side;
  auto type_text = c.Req("type");
  if (!type_text.ok()) return type_text.status();
  auto type = parse_order_type(*type_text);
  if (!type.ok()) return binance_error(-1116, "Invalid orderType.");
  r.type = *type;
  auto ps = c.OptEnum("positionSide", parse_position_side, -1100,
                      "Illegal characters found in parameter 'positionSide'; legal range is 'BOTH|LONG|SHORT'.");
  if (!ps.ok()) return ps.status();
  r.position_side = *ps;
  auto tif = c.OptEnum("timeInForce", parse_time_in_force, -1115, "Invalid timeInForce.");
  if (!tif.ok()) return tif.status();
  // GTE_GTC is the exchange's own for closePosition orders; no client may ask for it.
  if (*tif == TimeInForce::kGteGtc) return binance_error(-1115, "Invalid timeInForce.");
  r.time_in_force = *tif;
  auto good_till_date = c.OptInt("goodTillDate");
  if (!good_till_date.ok()) return good_till_date.status();
  r.good_till_date = *good_till_date;
  return Status::Ok();
}

Result<NewOrderRequest> read_new_order(Call& c, const std::string& symbol) {
  NewOrderRequest r;
  r.symbol = symbol;
  r.reduce_only_counts_resting = true;
  KEEL_RETURN_IF_ERROR(read_order_basics(c, r));
  auto qty = c.OptDecimal("quantity");
  if (!qty.ok()) return qty.status();
  r.quantity = *qty;
  auto price = c.OptDecimal("price");
  if (!price.ok()) return price.status();
  r.price = *price;
  auto ro = c.OptBool("reduceOnly");
  if (!ro.ok()) return ro.status();
  r.reduce_only = *ro;
  r.client_order_id = c.Opt("newClientOrderId");
  return r;
}

Result<bool> wants_result(Call& c) {
  auto t = c.Opt("newOrderRespType");
  if (!t || *t == "ACK") return false;
  if (*t == "RESULT") return true;
  return Call::Illegal("newOrderRespType", "ACK|RESULT");
}

// The answer a placement fault gives instead of the real one (c.delivery and c.http_status set).
Body fault_answer(Call& c, PlacementFault::How how, const std::string& real_answer) {
  switch (how) {
    case PlacementFault::How::kTimeout:
      c.delivery = HttpResponse::Delivery::kNoResponse;
      return std::string();
    case PlacementFault::How::kServerError:
      c.http_status = 503;
      return std::string(R"({"code":-1000,"msg":"Unknown error, please check your request or try again later."})");
    case PlacementFault::How::kRequestTimeout408:
      c.http_status = 408;
      return std::string(R"({"code":-1007,"msg":"Timeout waiting for response from backend server. Send status unknown; execution status unknown."})");
    case PlacementFault::How::kUnexpectedResponse1006:
      c.http_status = 400;
      return std::string(R"({"code":-1006,"msg":"An unexpected response was received from the message bus. Execution status unknown."})");
    case PlacementFault::How::kBackendTimeout1007:
      c.http_status = 400;
      return std::string(R"({"code":-1007,"msg":"Timeout waiting for response from backend server. Send status unknown; execution status unknown."})");
    case PlacementFault::How::kGarbled:
      return real_answer.empty() ? std::string("{\"orderId\":") : real_answer.substr(0, real_answer.size() / 2);
  }
  return std::string();
}

// Placement with the transport and acknowledgement faults around it.
template <typename Place, typename Write>
Body place_with_faults(Call& c, Place&& place, Write&& write) {
  auto fault = c.faults.TakePlacementFault();
  if (fault && fault->when == PlacementFault::When::kBeforeAccept) return fault_answer(c, fault->how, "");
  auto placed = place();
  if (!placed.ok()) return placed.status();
  std::string answer = json([&](JsonWriter& w) { write(w, *placed); });
  // Accepted, but the caller will not learn it.
  if (fault) return fault_answer(c, fault->how, answer);
  return answer;
}

Body post_order(Call& c) {
  c.counts_orders = true;
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto r = read_new_order(c, *symbol);
  if (!r.ok()) return r.status();
  auto result = wants_result(c);
  if (!result.ok()) return result.status();
  const bool minimal = c.faults.TakeMinimalAck();
  return place_with_faults(
      c, [&] { return c.ex.PlaceOrder(c.account, *r); },
      [&](JsonWriter& w, const SimOrder& o) {
        if (minimal) binance::WriteMinimalAck(w, o);
        else binance::WriteOrder(w, o, inst(c, o.symbol), !*result, false);
      });
}

Result<ModifyRequest> read_modify(Call& c, const std::string& symbol) {
  auto ref = c.Ref("orderId", "origClientOrderId");
  if (!ref.ok()) return ref.status();
  ModifyRequest m;
  m.symbol = symbol;
  m.ref = *ref;
  auto side_text = c.Req("side");
  if (!side_text.ok()) return side_text.status();
  auto side = parse_side(*side_text);
  if (!side.ok()) return binance_error(-1117, "Invalid side.");
  m.side = *side;
  auto qty = c.OptDecimal("quantity");
  if (!qty.ok()) return qty.status();
  auto price = c.OptDecimal("price");
  if (!price.ok()) return price.status();
  if (!*qty) return c.Req("quantity").status();
  if (!*price) return c.Req("price").status();
  m.quantity = **qty;
  m.price = **price;
  return m;
}

Body put_order(Call& c) {
  c.counts_orders = true;
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto m = read_modify(c, *symbol);
  if (!m.ok()) return m.status();
  auto o = c.ex.ModifyOrder(c.account, *m);
  if (!o.ok()) return o.status();
  return json([&](JsonWriter& w) { binance::WriteOrder(w, *o, inst(c, o->symbol), false, false); });
}

Body delete_order(Call& c) {
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto ref = c.Ref("orderId", "origClientOrderId");
  if (!ref.ok()) return ref.status();
  auto o = c.ex.CancelOrder(c.account, *symbol, *ref);
  if (!o.ok()) return o.status();
  return json([&](JsonWriter& w) { binance::WriteOrder(w, *o, inst(c, o->symbol), false, false); });
}

Result<SimOrder> find_order(Call& c, const std::string& symbol, const OrderRef& ref) {
  if (const AccountSnapshot* snap = c.Stale()) {
    const SimOrder* latest = nullptr;
    for (const auto& o : snap->orders) {
      if (o.symbol != symbol) continue;
      if (ref.order_id ? o.order_id == *ref.order_id : o.client_order_id == *ref.client_order_id)
        if (!latest || o.order_id > latest->order_id) latest = &o;
    }
    if (!latest) return binance_error(-2013, "Order does not exist.");
    return *latest;
  }
  return c.ex.QueryOrder(c.account, symbol, ref);
}

Body get_order(Call& c) {
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto ref = c.Ref("orderId", "origClientOrderId");
  if (!ref.ok()) return ref.status();
  auto o = find_order(c, *symbol, *ref);
  if (!o.ok()) return o.status();
  return json([&](JsonWriter& w) { binance::WriteOrder(w, *o, inst(c, o->symbol), false, true); });
}

std::vector<SimOrder> open_orders(Call& c, const std::string& symbol) {
  if (const AccountSnapshot* snap = c.Stale()) {
    std::vector<SimOrder> out;
    for (const auto& o : snap->open_orders)
      if (symbol.empty() || o.symbol == symbol) out.push_back(o);
    return out;
  }
  return c.ex.OpenOrders(c.account, symbol);
}

Body get_open_order(Call& c) {
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto ref = c.Ref("orderId", "origClientOrderId");
  if (!ref.ok()) return ref.status();
  for (const auto& o : open_orders(c, *symbol)) {
    if (ref->order_id ? o.order_id == *ref->order_id : o.client_order_id == *ref->client_order_id)
      return json([&](JsonWriter& w) { binance::WriteOrder(w, o, inst(c, o.symbol), false, true); });
  }
  return binance_error(-2013, "Order does not exist.");
}

Body get_open_orders(Call& c) {
  std::string symbol;
  if (c.Opt("symbol")) {
    auto s = c.Symbol();
    if (!s.ok()) return s.status();
    symbol = *s;
  }
  const auto orders = open_orders(c, symbol);
  return json([&](JsonWriter& w) {
    w.StartArray();
    for (const auto& o : orders) binance::WriteOrder(w, o, inst(c, o.symbol), false, true);
    w.EndArray();
  });
}

Body get_all_orders(Call& c) {
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto limit = c.OptInt("limit");
  if (!limit.ok()) return limit.status();
  auto orders = c.ex.AllOrders(c.account, *symbol);
  const std::size_t n = static_cast<std::size_t>(std::min<std::int64_t>(limit->value_or(500), 1000));
  if (orders.size() > n) orders.erase(orders.begin(), orders.end() - static_cast<std::ptrdiff_t>(n));
  return json([&](JsonWriter& w) {
    w.StartArray();
    for (const auto& o : orders) binance::WriteOrder(w, o, inst(c, o.symbol), false, true);
    w.EndArray();
  });
}

Body delete_all_open_orders(Call& c) {
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto n = c.ex.CancelAllOrders(c.account, *symbol);
  if (!n.ok()) return n.status();
  return ok_message("The operation of cancel all open order is done.");
}

// ---- algo orders ----

Body post_algo_order(Call& c) {
  c.counts_orders = true;
  auto algo_type = c.Req("algoType");
  if (!algo_type.ok()) return algo_type.status();
  if (*algo_type != "CONDITIONAL") return Call::Illegal("algoType", "CONDITIONAL");
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  NewAlgoOrderRequest r;
  r.symbol = *symbol;
  KEEL_RETURN_IF_ERROR(read_order_basics(c, r));
  auto wt = c.OptEnum("workingType", parse_working_type, -1100,
                      "Illegal characters found in parameter 'workingType'; legal range is 'MARK_PRICE|CONTRACT_PRICE'.");
  if (!wt.ok()) return wt.status();
  r.working_type = wt->value_or(WorkingType::kContractPrice);
  for (auto [name, field] : {std::pair<const char*, std::optional<Decimal>*>{"quantity", &r.quantity},
                             {"price", &r.price},
                             {"triggerPrice", &r.trigger_price},
                             {"activatePrice", &r.activate_price},
                             {"callbackRate", &r.callback_rate}}) {
    auto d = c.OptDecimal(name);
    if (!d.ok()) return d.status();
    *field = *d;
  }
  auto cp = c.OptBool("closePosition");
  if (!cp.ok()) return cp.status();
  r.close_position = cp->value_or(false);
  auto ro = c.OptBool("reduceOnly");
  if (!ro.ok()) return ro.status();
  r.reduce_only = *ro;
  auto pp = c.OptBool("priceProtect");
  if (!pp.ok()) return pp.status();
  r.price_protect = pp->value_or(false);
  r.client_algo_id = c.Opt("clientAlgoId");
  return place_with_faults(
      c, [&] { return c.ex.PlaceAlgoOrder(c.account, r); },
      [&](JsonWriter& w, const SimAlgoOrder& a) { binance::WriteAlgoOrder(w, a, inst(c, a.symbol)); });
}

Body get_algo_order(Call& c) {
  auto ref = c.Ref("algoId", "clientAlgoId");
  if (!ref.ok()) return ref.status();
  Result<SimAlgoOrder> a = c.ex.QueryAlgoOrder(c.account, *ref);
  if (!a.ok()) return a.status();
  if (const AccountSnapshot* snap = c.Stale()) {
    // A stale read still shows an algo order that was open then.
    for (const auto& old : snap->open_algo_orders)
      if (old.algo_id == a->algo_id) return json([&](JsonWriter& w) { binance::WriteAlgoOrder(w, old, inst(c, old.symbol)); });
  }
  return json([&](JsonWriter& w) { binance::WriteAlgoOrder(w, *a, inst(c, a->symbol)); });
}

// The REST answer is an acknowledgement, not the order (USD-M "Cancel Algo Order (TRADE)").
Body delete_algo_order(Call& c) {
  auto ref = c.Ref("algoId", "clientAlgoId");
  if (!ref.ok()) return ref.status();
  Result<SimAlgoOrder> a = c.ex.CancelAlgoOrder(c.account, *ref);
  if (!a.ok()) return a.status();
  return json([&](JsonWriter& w) {
    w.StartObject().Key("algoId").Int(a->algo_id).Key("clientAlgoId").String(a->client_algo_id);
    w.Key("code").String("200").Key("msg").String("success").EndObject();
  });
}

Body get_open_algo_orders(Call& c) {
  std::string symbol;
  if (c.Opt("symbol")) {
    auto s = c.Symbol();
    if (!s.ok()) return s.status();
    symbol = *s;
  }
  std::vector<SimAlgoOrder> algos;
  if (const AccountSnapshot* snap = c.Stale()) {
    for (const auto& a : snap->open_algo_orders)
      if (symbol.empty() || a.symbol == symbol) algos.push_back(a);
  } else {
    algos = c.ex.OpenAlgoOrders(c.account, symbol);
  }
  return json([&](JsonWriter& w) {
    w.StartArray();
    for (const auto& a : algos) binance::WriteAlgoOrder(w, a, inst(c, a.symbol));
    w.EndArray();
  });
}

Body get_all_algo_orders(Call& c) {
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  const auto algos = c.ex.AllAlgoOrders(c.account, *symbol);
  return json([&](JsonWriter& w) {
    w.StartArray();
    for (const auto& a : algos) binance::WriteAlgoOrder(w, a, inst(c, a.symbol));
    w.EndArray();
  });
}

Body delete_algo_open_orders(Call& c) {
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto n = c.ex.CancelAllAlgoOrders(c.account, *symbol);
  if (!n.ok()) return n.status();
  return ok_message("The operation of cancel all open order is done.");
}

// ---- account ----

Body position_risk(Call& c, bool v2) {
  std::string symbol;
  if (c.Opt("symbol")) {
    auto s = c.Symbol();
    if (!s.ok()) return s.status();
    symbol = *s;
  }
  // v2 lists every symbol, both legs in hedge mode, flat ones included; v3 only open positions.
  const std::vector<SimPosition> rows = c.stale.PositionRows(c.ex, c.account, c.now, c.faults.position_lag_ms(), symbol, v2);
  return json([&](JsonWriter& w) {
    w.StartArray();
    for (const auto& p : rows) binance::WritePositionRisk(w, c.ex, c.account, p, v2);
    w.EndArray();
  });
}
Body position_risk_v2(Call& c) { return position_risk(c, true); }
Body position_risk_v3(Call& c) { return position_risk(c, false); }
Body account_v2(Call& c) { return json([&](JsonWriter& w) { binance::WriteAccount(w, c.ex, c.account, true); }); }
Body account_v3(Call& c) { return json([&](JsonWriter& w) { binance::WriteAccount(w, c.ex, c.account, false); }); }
Body balance(Call& c) { return json([&](JsonWriter& w) { binance::WriteBalance(w, c.ex, c.account); }); }

Body user_trades(Call& c) {
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto trades = c.ex.Trades(c.account, *symbol);
  auto limit = c.OptInt("limit");
  if (!limit.ok()) return limit.status();
  const std::size_t n = static_cast<std::size_t>(std::min<std::int64_t>(limit->value_or(500), 1000));
  if (trades.size() > n) trades.erase(trades.begin(), trades.end() - static_cast<std::ptrdiff_t>(n));
  return json([&](JsonWriter& w) {
    w.StartArray();
    for (const auto& t : trades) binance::WriteUserTrade(w, t, inst(c, t.symbol));
    w.EndArray();
  });
}

Body post_leverage(Call& c) {
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto lev = c.OptInt("leverage");
  if (!lev.ok()) return lev.status();
  if (!*lev) return c.Req("leverage").status();
  auto set = c.ex.SetLeverage(c.account, *symbol, static_cast<int>(**lev));
  if (!set.ok()) return set.status();
  return json([&](JsonWriter& w) {
    w.StartObject().Key("leverage").Int(*set).Key("maxNotionalValue").String(c.ex.max_notional(c.account, *symbol).ToString());
    w.Key("symbol").String(*symbol).EndObject();
  });
}

Body post_margin_type(Call& c) {
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto type = c.Req("marginType");
  if (!type.ok()) return type.status();
  Status s = c.ex.SetMarginType(c.account, *symbol, *type);
  if (!s.ok()) return s;
  return ok_message("success");
}

Body get_dual(Call& c) {
  return json([&](JsonWriter& w) {
    w.StartObject().Key("dualSidePosition").Bool(c.ex.dual_side_position(c.account)).EndObject();
  });
}

Body post_dual(Call& c) {
  auto dual = c.OptBool("dualSidePosition");
  if (!dual.ok()) return dual.status();
  if (!*dual) return c.Req("dualSidePosition").status();
  Status s = c.ex.SetDualSidePosition(c.account, **dual);
  if (!s.ok()) return s;
  return ok_message("success");
}

Body leverage_bracket(Call& c) {
  std::vector<const Market*> markets;
  if (c.Opt("symbol")) {
    auto s = c.Symbol();
    if (!s.ok()) return s.status();
    markets.push_back(c.ex.FindMarket(*s));
  } else {
    markets = c.ex.Markets();
  }
  return json([&](JsonWriter& w) {
    w.StartArray();
    for (const Market* m : markets) binance::WriteLeverageBracket(w, c.ex, c.account, *m);
    w.EndArray();
  });
}

// ---- user-data stream keys ----

Body listen_key_json(const std::string& key) {
  return json([&](JsonWriter& w) { w.StartObject().Key("listenKey").String(key).EndObject(); });
}
Body post_listen_key(Call& c) { return listen_key_json(c.ex.CreateListenKey(c.account)); }
Body put_listen_key(Call& c) {
  const std::string key = c.Opt("listenKey").value_or("");
  Status s = c.ex.KeepAliveListenKey(c.account, key);
  if (!s.ok()) return s;
  return listen_key_json(c.ex.CreateListenKey(c.account));
}
Body delete_listen_key(Call& c) {
  Status s = c.ex.DeleteListenKey(c.account, c.Opt("listenKey").value_or(""));
  if (!s.ok()) return s;
  return std::string("{}");
}

Body countdown_cancel_all(Call& c) {
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto ms = c.OptInt("countdownTime");
  if (!ms.ok()) return ms.status();
  if (!*ms) return c.Req("countdownTime").status();
  KEEL_RETURN_IF_ERROR(c.ex.SetCountdown(c.account, *symbol, **ms));
  return json([&](JsonWriter& w) {
    w.StartObject().Key("symbol").String(*symbol).Key("countdownTime").String(std::to_string(**ms)).EndObject();
  });
}

Body commission_rate(Call& c) {
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  const SimConfig& config = c.ex.config();
  return json([&](JsonWriter& w) {
    w.StartObject().Key("symbol").String(*symbol).Key("makerCommissionRate").String(config.maker_fee.ToString());
    w.Key("takerCommissionRate").String(config.taker_fee.ToString()).EndObject();
  });
}

// Spot-host endpoints that ccxt calls while loading markets with keys set; USD-M has no such
// data, so they answer empty lists.
Body empty_list(Call&) { return std::string("[]"); }

struct Endpoint {
  const char* method;
  const char* path;
  Security security;
  int weight;            // with a symbol, or always
  int weight_all;        // without a symbol (0: same as weight)
  Body (*handler)(Call&);
};

const Endpoint kEndpoints[] = {
    {"GET", "/fapi/v1/ping", Security::kNone, 1, 0, ping},
    {"GET", "/fapi/v1/time", Security::kNone, 1, 0, server_time},
    {"GET", "/fapi/v1/exchangeInfo", Security::kNone, 1, 0, exchange_info},
    {"GET", "/fapi/v1/ticker/bookTicker", Security::kNone, 2, 5, book_ticker},
    {"GET", "/fapi/v1/ticker/price", Security::kNone, 1, 2, price_ticker},
    {"GET", "/fapi/v2/ticker/price", Security::kNone, 1, 2, price_ticker},
    {"GET", "/fapi/v1/ticker/24hr", Security::kNone, 1, 40, ticker_24h},
    {"GET", "/fapi/v1/premiumIndex", Security::kNone, 1, 10, premium_index},
    {"GET", "/fapi/v1/depth", Security::kNone, 5, 0, depth},
    {"GET", "/fapi/v1/klines", Security::kNone, 5, 0, rest::klines},
    {"POST", "/fapi/v1/order", Security::kSigned, 0, 0, post_order},
    {"PUT", "/fapi/v1/order", Security::kSigned, 0, 0, put_order},  // 0 IP weight; counts on the order limits
    {"DELETE", "/fapi/v1/order", Security::kSigned, 1, 0, delete_order},
    {"GET", "/fapi/v1/order", Security::kSigned, 1, 0, get_order},
    {"GET", "/fapi/v1/openOrder", Security::kSigned, 1, 0, get_open_order},
    {"GET", "/fapi/v1/openOrders", Security::kSigned, 1, 40, get_open_orders},
    {"GET", "/fapi/v1/allOrders", Security::kSigned, 5, 0, get_all_orders},
    {"DELETE", "/fapi/v1/allOpenOrders", Security::kSigned, 1, 0, delete_all_open_orders},
    {"POST", "/fapi/v1/batchOrders", Security::kSigned, 5, 0, rest::post_batch_orders},
    {"PUT", "/fapi/v1/batchOrders", Security::kSigned, 5, 0, rest::put_batch_orders},
    {"DELETE", "/fapi/v1/batchOrders", Security::kSigned, 1, 0, rest::delete_batch_orders},
    {"POST", "/fapi/v1/countdownCancelAll", Security::kSigned, 10, 0, countdown_cancel_all},
    {"POST", "/fapi/v1/algoOrder", Security::kSigned, 0, 0, post_algo_order},
    {"GET", "/fapi/v1/algoOrder", Security::kSigned, 1, 0, get_algo_order},
    {"DELETE", "/fapi/v1/algoOrder", Security::kSigned, 1, 0, delete_algo_order},
    {"GET", "/fapi/v1/openAlgoOrders", Security::kSigned, 1, 40, get_open_algo_orders},
    {"GET", "/fapi/v1/allAlgoOrders", Security::kSigned, 5, 0, get_all_algo_orders},
    {"DELETE", "/fapi/v1/algoOpenOrders", Security::kSigned, 1, 0, delete_algo_open_orders},
    {"GET", "/fapi/v2/positionRisk", Security::kSigned, 5, 0, position_risk_v2},
    {"GET", "/fapi/v3/positionRisk", Security::kSigned, 5, 0, position_risk_v3},
    {"GET", "/fapi/v2/account", Security::kSigned, 5, 0, account_v2},
    {"GET", "/fapi/v3/account", Security::kSigned, 5, 0, account_v3},
    {"GET", "/fapi/v2/balance", Security::kSigned, 5, 0, balance},
    {"GET", "/fapi/v3/balance", Security::kSigned, 5, 0, balance},
    {"GET", "/fapi/v1/userTrades", Security::kSigned, 5, 0, user_trades},
    {"GET", "/fapi/v1/income", Security::kSigned, 30, 0, rest::income},
    {"GET", "/fapi/v1/commissionRate", Security::kSigned, 20, 0, commission_rate},
    {"POST", "/fapi/v1/leverage", Security::kSigned, 1, 0, post_leverage},
    {"POST", "/fapi/v1/marginType", Security::kSigned, 1, 0, post_margin_type},
    {"GET", "/fapi/v1/positionSide/dual", Security::kSigned, 30, 0, get_dual},
    {"POST", "/fapi/v1/positionSide/dual", Security::kSigned, 1, 0, post_dual},
    {"GET", "/fapi/v1/leverageBracket", Security::kSigned, 1, 0, leverage_bracket},
    {"POST", "/fapi/v1/listenKey", Security::kApiKey, 1, 0, post_listen_key},
    {"PUT", "/fapi/v1/listenKey", Security::kApiKey, 1, 0, put_listen_key},
    {"DELETE", "/fapi/v1/listenKey", Security::kApiKey, 1, 0, delete_listen_key},
    {"GET", "/sapi/v1/capital/config/getall", Security::kSigned, 10, 0, empty_list},
    {"GET", "/sapi/v1/margin/allPairs", Security::kApiKey, 1, 0, empty_list},
};

// GET /fapi/v1/depth weighs by limit: 5, 10, 20, 50 -> 2; 100 -> 5; 500 (default) -> 10; 1000 -> 20.
int DepthWeight(const std::optional<std::string>& limit) {
  const std::string l = limit.value_or("500");
  if (l == "5" || l == "10" || l == "20" || l == "50") return 2;
  if (l == "100") return 5;
  if (l == "1000") return 20;
  return 10;
}

// Takes "signature=<hex>" out of raw (it must be the last parameter); returns what was signed.
bool cut_signature(std::string_view raw, std::string& signed_part, std::string& signature) {
  const auto at = raw.find("signature=");
  if (at == std::string_view::npos || (at > 0 && raw[at - 1] != '&')) {
    signed_part = std::string(raw);
    return false;
  }
  signature = std::string(raw.substr(at + 10));
  signed_part = std::string(raw.substr(0, at == 0 ? 0 : at - 1));
  return true;
}

Status authenticate(Call& c, Security security) {
  if (security == Security::kNone) return Status::Ok();
  const std::string key = c.request.header("X-MBX-APIKEY");
  if (key.empty()) return binance_error(-2014, "API-key format invalid.", 401);
  auto account = c.ex.FindAccountByKey(key);
  if (!account) return binance_error(-2015, "Invalid API-key, IP, or permissions for action.", 401);
  c.account = *account;
  if (security != Security::kSigned) return Status::Ok();

  std::string query_part, body_part, signature;
  const bool in_query = cut_signature(c.request.raw_query(), query_part, signature);
  const bool in_body = !in_query && cut_signature(c.request.body, body_part, signature);
  if (!in_query) query_part = c.request.raw_query();
  if (!in_body) body_part = c.request.body;
  if (!in_query && !in_body)
    return binance_error(-1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
  auto timestamp = c.OptInt("timestamp");
  if (!timestamp.ok()) return timestamp.status();
  if (!*timestamp)
    return binance_error(-1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
  auto window = c.OptInt("recvWindow");
  if (!window.ok()) return window.status();
  const std::int64_t recv_window = window->value_or(5000);
  if (recv_window > 60000) return binance_error(-1131, "recvWindow must be less than 60000");
  const std::string expected = net::hmac_sha256_hex(c.ex.account_spec(c.account).api_secret, query_part + body_part);
  if (!net::signatures_equal(expected, signature)) return binance_error(-1022, "Signature for this request is not valid.");
  if (**timestamp >= c.now + 1000)
    return binance_error(-1021, "Timestamp for this request was 1000ms ahead of the server's time.");
  if (c.now - **timestamp > recv_window) return binance_error(-1021, "Timestamp for this request is outside of the recvWindow.");
  return Status::Ok();
}

std::string error_body(const Status& shown) {
  const Status s = ToBinance(shown);
  return json([&](JsonWriter& w) {
    w.StartObject().Key("code").Int(s.venue_code().value_or(-1000)).Key("msg").String(s.message()).EndObject();
  });
}

}  // namespace

namespace rest {
Result<NewOrderRequest> new_order_request(Call& c, const std::string& symbol) { return read_new_order(c, symbol); }
Result<ModifyRequest> modify_request(Call& c, const std::string& symbol) { return read_modify(c, symbol); }
}  // namespace rest

BinanceRestApi::BinanceRestApi(SimExchange& exchange, FaultState& faults, StaleReads& stale)
    : ex_(exchange), faults_(faults), stale_(stale), limiter_(exchange.config().limits) {}

HttpResponse BinanceRestApi::Handle(const HttpRequest& request) {
  HttpResponse response;
  response.headers.emplace_back("Content-Type", "application/json");
  const std::string path = request.path();
  const std::string key = request.method + " " + path;
  stale_.BeforeRequest(ex_, faults_.stale_reads_ms);
  const TimeMs now = ex_.now();
  const std::string ip = request.remote_address.empty() ? "127.0.0.1" : request.remote_address;

  auto finish = [&](int status, std::string body, const std::string& result) {
    response.status = status;
    response.body = std::move(body);
    response.headers.emplace_back("X-MBX-USED-WEIGHT-1M", std::to_string(limiter_.used_weight(ip, now)));
    ++counts_[key][result];
    return response;
  };
  auto fail = [&](const Status& refused) {
    const Status s = ToBinance(refused);
    const int status = s.http_status() ? s.http_status() : 400;
    if (s.retry_after_ms() > 0) response.headers.emplace_back("Retry-After", std::to_string(s.retry_after_ms() / 1000));
    if (status == 429 || status == 418) refusals_.push_back({now, status, s.retry_after_ms() / 1000 * 1000});
    return finish(status, error_body(s), std::to_string(status) + " " + std::to_string(s.venue_code().value_or(0)));
  };

  const Endpoint* endpoint = nullptr;
  bool path_known = false;
  for (const auto& e : kEndpoints) {
    if (path != e.path) continue;
    path_known = true;
    if (request.method == e.method) endpoint = &e;
  }
  if (!endpoint) {
    const int status = path_known ? 405 : 404;
    return finish(status, error_body(binance_error(-5000, "Path " + path + ", Method " + request.method + " is invalid")),
                  std::to_string(status));
  }
  auto query = Params::Parse(request.raw_query());
  auto body = Params::Parse(request.body);
  if (!query.ok() || !body.ok())
    return fail(binance_error(-1100, "Illegal characters found in a parameter."));

  Call c{request, Params::Merge(*query, *body), -1, now, HttpResponse::Delivery::kRespond, 200, false,
         ex_, faults_, stale_, limiter_};
  if (faults_.TakeRateLimit()) {
    return fail(Status::Exchange("Too many requests; current limit of IP(" + ip + ") is " +
                                     std::to_string(ex_.config().limits.request_weight_1m) +
                                     " requests per minute. Please use the websocket for live updates to avoid "
                                     "polling the API.",
                                 -1003, 429, 60'000));
  }
  int weight = (endpoint->weight_all && !c.Opt("symbol")) ? endpoint->weight_all : endpoint->weight;
  if (endpoint->handler == depth) weight = DepthWeight(c.Opt("limit"));
  if (endpoint->handler == rest::klines) weight = rest::KlinesWeight(c.Opt("limit"));
  const LimitVerdict verdict = limiter_.ChargeWeight(ip, weight, now);
  if (!verdict.allowed)
    return fail(Status::Exchange(verdict.message, verdict.code, verdict.http_status, verdict.retry_after_s * 1000));
  Status auth = authenticate(c, endpoint->security);
  if (!auth.ok()) return fail(auth);
  if (endpoint->handler == post_order || endpoint->handler == post_algo_order || endpoint->handler == put_order ||
      endpoint->handler == rest::post_batch_orders || endpoint->handler == rest::put_batch_orders) {
    // Each order of a batch counts on the order limits.
    int count = 1;
    if (endpoint->handler == rest::post_batch_orders || endpoint->handler == rest::put_batch_orders) {
      const std::string list = c.Opt("batchOrders").value_or("");
      count = std::max<int>(1, static_cast<int>(std::count(list.begin(), list.end(), '{')));
    }
    for (int i = 0; i < count; ++i) {
      const LimitVerdict orders = limiter_.ChargeOrder(c.account, now);
      if (!orders.allowed)
        return fail(Status::Exchange(orders.message, orders.code, orders.http_status, orders.retry_after_s * 1000));
    }
  }

  Body result = endpoint->handler(c);
  stale_.AfterRequest(ex_, faults_.stale_reads_ms);
  if (c.counts_orders && c.account >= 0) {
    response.headers.emplace_back("X-MBX-ORDER-COUNT-10S", std::to_string(limiter_.orders_10s(c.account, now)));
    response.headers.emplace_back("X-MBX-ORDER-COUNT-1M", std::to_string(limiter_.orders_1m(c.account, now)));
  }
  if (!result.ok()) return fail(result.status());
  response.delivery = c.delivery;
  if (c.delivery == HttpResponse::Delivery::kNoResponse) return finish(0, "", "no response");
  return finish(c.http_status, std::move(result).value(), std::to_string(c.http_status));
}

}  // namespace keel::sim
