#include "keel/sim/bybit_rest.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "keel/bybit/errors.h"
#include "keel/model/json_limits.h"
#include "keel/model/json_writer.h"
#include "keel/net/hmac.h"
#include "keel/net/query_string.h"
#include "keel/sim/bybit_json.h"
#include "bybit_rest_call.h"

namespace keel::sim {

using net::HttpRequest;
using net::HttpResponse;
using net::Params;

using namespace bybit_rest;

Result<PositionSide> bybit_rest::PositionLeg(Call& c) {
  auto idx = c.OptInt("positionIdx");
  if (!idx.ok()) return idx.status();
  const std::int64_t position_idx = idx->value_or(0);
  if (position_idx > 2) return params_error("positionIdx invalid");
  const PositionSide ps = position_idx == 1 ? PositionSide::kLong : position_idx == 2 ? PositionSide::kShort : PositionSide::kBoth;
  if (c.ex.dual_side_position(c.account) != (ps != PositionSide::kBoth))
    return params_error("position idx not match position mode");
  return ps;
}

Result<WorkingType> bybit_rest::TriggerBy(Call& c, const char* name) {
  const std::string by = c.Opt(name).value_or("LastPrice");
  if (by != "LastPrice" && by != "MarkPrice" && by != "IndexPrice") return params_error(std::string(name) + " invalid");
  return by == "MarkPrice" ? WorkingType::kMarkPrice : WorkingType::kContractPrice;
}

bool IsValidOrderLinkId(const std::string& id) {
  if (id.empty() || id.size() > 36) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

namespace {

// A trigger the price has already passed (error.mdx): 110092 for one that should rise but is at or
// below the price, 110093 for one that should fall but is at or above it.
Status TriggerPassed(Call& c, const std::string& symbol, bool rises, Decimal trigger, WorkingType by) {
  const Market& m = *c.ex.FindMarket(symbol);
  const bool mark = by == WorkingType::kMarkPrice;
  const std::string prices = "trigger_price[" + trigger.ToString() + "] " + (rises ? "<=" : ">=") + " current[" +
                             (mark ? m.mark() : m.last()).ToString() + "]??" + (mark ? "MarkPrice" : "LastPrice");
  return rises ? bybit_error(keel::bybit::kTriggerShouldRise, "expect Rising, but " + prices)
               : bybit_error(keel::bybit::kTriggerShouldFall, "expect Falling, but " + prices);
}

template <typename F>
std::string json(F&& fill) {
  JsonWriter w;
  fill(w);
  return w.str();
}

const SimInstrument& inst(Call& c, const std::string& symbol) { return c.ex.FindMarket(symbol)->instrument(); }

// The body of a POST as parameters: strings as they are, numbers as their digits, booleans as
// true/false. A body that is not a JSON object is a parameter error.
Result<Params> BodyParams(const std::string& body) {
  Params out;
  if (body.empty()) return out;
  if (auto limits = CheckJsonLimits(body, "the body"); !limits.ok()) return params_error(limits.message());
  rapidjson::Document d;
  d.Parse<rapidjson::kParseNumbersAsStringsFlag>(body.c_str(), body.size());
  if (d.HasParseError() || !d.IsObject()) return params_error("the body is not a JSON object");
  for (const auto& m : d.GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    if (m.value.IsString()) out.Add(name, std::string(m.value.GetString(), m.value.GetStringLength()));
    else if (m.value.IsBool()) out.Add(name, m.value.GetBool() ? "true" : "false");
    else if (!m.value.IsNull()) return params_error(name + " invalid");
  }
  return out;
}

// ---- the Bybit view of the account's orders ----

// Every Bybit order of the account (or of one symbol): regular orders, and conditional ones with
// the order each set off; newest first, as Bybit lists them.
std::vector<bybit::OrderView> AllViews(Call& c, const std::string& symbol) {
  std::vector<bybit::OrderView> out;
  std::map<std::int64_t, SimOrder> set_off;
  for (const auto& o : c.ex.AllOrders(c.account, symbol)) {
    if (o.algo_id) set_off.emplace(o.order_id, o);
    else out.push_back(bybit::ViewOf(o));
  }
  for (const auto& a : c.ex.AllAlgoOrders(c.account, symbol)) {
    const SimOrder* actual = nullptr;
    if (a.actual_order_id) {
      auto it = set_off.find(*a.actual_order_id);
      if (it != set_off.end()) actual = &it->second;
    }
    out.push_back(bybit::ViewOf(a, actual));
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.created > y.created; });
  return out;
}

// The same as a stale read shows it: the open orders as they were (and, for history, every
// regular order as it was; Bybit says its history lags more than realtime does).
std::vector<bybit::OrderView> StaleViews(const AccountSnapshot& snap, const std::string& symbol, bool history) {
  std::vector<bybit::OrderView> out;
  for (const auto& o : history ? snap.orders : snap.open_orders)
    if ((symbol.empty() || o.symbol == symbol) && !o.algo_id) out.push_back(bybit::ViewOf(o));
  for (const auto& a : snap.open_algo_orders)
    if (symbol.empty() || a.symbol == symbol) out.push_back(bybit::ViewOf(a, nullptr));
  return out;
}

bool Names(const bybit::OrderView& v, const std::optional<std::string>& order_id,
           const std::optional<std::string>& link_id) {
  if (order_id) return v.order_id == *order_id;
  return link_id && v.order_link_id == *link_id;
}

// The conditional order a reference names, when it names one.
std::optional<SimAlgoOrder> FindAlgo(Call& c, const std::optional<std::string>& order_id,
                                     const std::optional<std::string>& link_id) {
  for (const auto& a : c.ex.AllAlgoOrders(c.account, "")) {
    if (order_id ? std::to_string(a.algo_id) == *order_id : (link_id && a.client_algo_id == *link_id)) {
      if (!order_id && !is_open(a.status)) continue;  // a link id names the live one first
      return a;
    }
  }
  if (!order_id && link_id) {
    std::optional<SimAlgoOrder> latest;
    for (const auto& a : c.ex.AllAlgoOrders(c.account, ""))
      if (a.client_algo_id == *link_id) latest = a;
    return latest;
  }
  return std::nullopt;
}

Result<OrderRef> RefOf(Call& c) {
  OrderRef ref;
  auto order_id = c.Opt("orderId");
  if (order_id) {
    if (order_id->empty() || order_id->size() > 18 || order_id->find_first_not_of("0123456789") != std::string::npos)
      return bybit_error(110001, "order not exists or too late to cancel");
    ref.order_id = std::stoll(*order_id);
  }
  ref.client_order_id = c.Opt("orderLinkId");
  if (!ref.order_id && !ref.client_order_id) return params_error("orderId or orderLinkId is required");
  return ref;
}

// ---- market ----

Body server_time(Call& c) {
  return json([&](JsonWriter& w) {
    w.StartObject().Key("timeSecond").String(std::to_string(c.now / 1000));
    w.Key("timeNano").String(std::to_string(c.now) + "000000").EndObject();
  });
}

// A list page by offset: Bybit's cursors are opaque; the simulator's is "offset=N", handed out
// percent-encoded as Bybit hands out its own.
template <typename T, typename Write>
Body Page(Call& c, const std::vector<T>& rows, int default_limit, int max_limit, Write&& write) {
  auto limit = c.OptInt("limit");
  if (!limit.ok()) return limit.status();
  const std::int64_t n = limit->value_or(default_limit);
  if (n < 1 || n > max_limit) return params_error("limit invalid");
  std::size_t from = 0;
  if (auto cursor = c.Opt("cursor")) {
    if (cursor->rfind("offset=", 0) != 0 || cursor->size() > 20 ||
        cursor->find_first_not_of("0123456789", 7) != std::string::npos || cursor->size() == 7)
      return params_error("cursor invalid");
    from = static_cast<std::size_t>(std::stoll(cursor->substr(7)));
  }
  const std::size_t to = std::min(rows.size(), from + static_cast<std::size_t>(n));
  return json([&](JsonWriter& w) {
    w.StartObject().Key("category").String("linear").Key("list").StartArray();
    for (std::size_t i = from; i < to; ++i) write(w, rows[i]);
    w.EndArray();
    w.Key("nextPageCursor").String(to < rows.size() ? "offset%3D" + std::to_string(to) : std::string());
    w.EndObject();
  });
}

// The symbol's market when one is named, else every market. The simulator lists linear contracts
// only: asked for spot, inverse or option, it has none (clients that load every category ask).
Result<std::vector<const Market*>> MarketsOf(Call& c) {
  auto category = c.Req("category");
  if (!category.ok()) return category.status();
  if (*category == "spot" || *category == "inverse" || *category == "option") return std::vector<const Market*>();
  KEEL_RETURN_IF_ERROR(c.Linear());
  if (!c.Opt("symbol")) return c.ex.Markets();
  auto s = c.Symbol();
  if (!s.ok()) return s.status();
  return std::vector<const Market*>{c.ex.FindMarket(*s)};
}

Body instruments_info(Call& c) {
  auto markets = MarketsOf(c);
  if (!markets.ok()) return markets.status();
  return Page(c, *markets, 500, 1000, [](JsonWriter& w, const Market* m) { bybit::WriteInstrument(w, *m); });
}

Body tickers(Call& c) {
  auto markets = MarketsOf(c);
  if (!markets.ok()) return markets.status();
  return json([&](JsonWriter& w) {
    w.StartObject().Key("category").String("linear").Key("list").StartArray();
    for (const Market* m : *markets) bybit::WriteTicker(w, *m, c.now);
    w.EndArray().EndObject();
  });
}

// ---- orders ----

// The answer a placement fault gives instead of the real one.
Body FaultAnswer(Call& c, PlacementFault::How how, const std::string& real_answer) {
  switch (how) {
    case PlacementFault::How::kTimeout:
      c.delivery = HttpResponse::Delivery::kNoResponse;
      return std::string();
    case PlacementFault::How::kServerError:
      c.http_status = 503;
      return std::string("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>");
    case PlacementFault::How::kRequestTimeout408:
      c.http_status = 408;
      return std::string();
    case PlacementFault::How::kUnexpectedResponse1006:
    case PlacementFault::How::kBackendTimeout1007:
      return Status(bybit_error(10016, "Server Timeout"));
    case PlacementFault::How::kGarbled:
      return real_answer.substr(0, real_answer.size() / 2);
  }
  return std::string();
}

std::string Ack(TimeMs now, const std::string& order_id, const std::string& link_id) {
  const std::string result = json([&](JsonWriter& w) {
    w.StartObject().Key("orderId").String(order_id).Key("orderLinkId").String(link_id).EndObject();
  });
  return bybit::Envelope(0, "OK", result, now);
}

template <typename Place>
Body PlaceWithFaults(Call& c, Place&& place) {
  auto fault = c.faults.TakePlacementFault();
  if (fault && fault->when == PlacementFault::When::kBeforeAccept) return FaultAnswer(c, fault->how, "");
  auto placed = place();
  if (!placed.ok()) return placed.status();
  if (fault) return FaultAnswer(c, fault->how, *placed);
  return placed;
}

Body create_order(Call& c) {
  KEEL_RETURN_IF_ERROR(c.Linear());
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto side_text = c.Req("side");
  if (!side_text.ok()) return side_text.status();
  if (*side_text != "Buy" && *side_text != "Sell") return params_error("side invalid");
  const Side side = *side_text == "Buy" ? Side::kBuy : Side::kSell;
  auto type_text = c.Req("orderType");
  if (!type_text.ok()) return type_text.status();
  if (*type_text != "Market" && *type_text != "Limit") return params_error("orderType invalid");
  const bool market = *type_text == "Market";
  auto qty = c.OptDecimal("qty");
  if (!qty.ok()) return qty.status();
  if (!*qty) return params_error("missing qty");
  auto price = c.OptDecimal("price");
  if (!price.ok()) return price.status();
  auto trigger = c.OptDecimal("triggerPrice");
  if (!trigger.ok()) return trigger.status();
  auto leg = PositionLeg(c);
  if (!leg.ok()) return leg.status();
  const PositionSide ps = *leg;
  const bool dual = c.ex.dual_side_position(c.account);
  auto reduce_only = c.Bool("reduceOnly");
  if (!reduce_only.ok()) return reduce_only.status();
  auto close_on_trigger = c.Bool("closeOnTrigger");
  if (!close_on_trigger.ok()) return close_on_trigger.status();
  std::optional<TimeInForce> tif;
  if (auto t = c.Opt("timeInForce")) {
    if (*t == "GTC") tif = TimeInForce::kGtc;
    else if (*t == "IOC") tif = TimeInForce::kIoc;
    else if (*t == "FOK") tif = TimeInForce::kFok;
    else if (*t == "PostOnly") tif = TimeInForce::kGtx;
    else return params_error("timeInForce invalid");
  }
  if (!market) {
    if (!*price) return params_error("missing price");
    if (!tif) tif = TimeInForce::kGtc;
  }
  auto link_id = c.Opt("orderLinkId");
  if (link_id) {
    if (!IsValidOrderLinkId(*link_id)) return params_error("orderLinkId invalid");
    // Unique for ever, not only among open orders.
    if (c.ex.ClientIdEverUsed(c.account, *link_id)) return bybit_error(110072, "OrderLinkedID is duplicate");
  }
  // A close of the whole position: qty "0" with reduceOnly and closeOnTrigger.
  const bool whole_position = (*qty)->is_zero() && *reduce_only && *close_on_trigger;
  if ((*qty)->is_zero() && !whole_position) return params_error("qty invalid");
  if (*reduce_only && dual) {
    // Hedge mode: positionIdx names the leg; a reduce-only order on it must be its closing side.
    const Side closing = ps == PositionSide::kLong ? Side::kSell : Side::kBuy;
    if (side != closing) return bybit_error(110017, "reduce-only order would increase the position");
  }
  const std::optional<bool> ro = dual ? std::nullopt : std::optional<bool>(*reduce_only ? true : false);
  if (*trigger) {
    auto direction = c.OptInt("triggerDirection");
    if (!direction.ok()) return direction.status();
    if (!*direction || (**direction != 1 && **direction != 2)) return params_error("triggerDirection invalid");
    // Rising to the trigger: a Buy stop or a Sell take-profit; falling: the other two.
    const bool rises = **direction == 1;
    const bool take_profit = rises != (side == Side::kBuy);
    NewAlgoOrderRequest r;
    r.symbol = *symbol;
    r.side = side;
    r.position_side = ps;
    r.type = take_profit ? (market ? OrderType::kTakeProfitMarket : OrderType::kTakeProfit)
                         : (market ? OrderType::kStopMarket : OrderType::kStop);
    r.time_in_force = tif;
    if (!whole_position) r.quantity = **qty;
    if (!market) r.price = *price;
    r.trigger_price = **trigger;
    auto by = TriggerBy(c, "triggerBy");
    if (!by.ok()) return by.status();
    r.working_type = *by;
    r.close_position = whole_position;
    if (whole_position) {
      // "you can close the position up to maxMktOrderQty or maxOrderQty" (create-order.mdx).
      const SimInstrument& i = c.ex.FindMarket(*symbol)->instrument();
      r.close_up_to = i.market_max_qty.is_positive() ? i.market_max_qty : i.max_qty;
    }
    if (!whole_position) r.reduce_only = ro;
    r.client_algo_id = link_id ? *link_id : std::to_string(c.now) + "-" + std::to_string(c.ex.ledger().size());
    return PlaceWithFaults(c, [&]() -> Body {
      auto a = c.ex.PlaceAlgoOrder(c.account, r);
      if (!a.ok() && Is(a.status(), SimRefusal::kWouldTriggerNow)) return TriggerPassed(c, *symbol, rises, **trigger, *by);
      if (!a.ok()) return ToBybit(a.status());
      return Ack(c.now, std::to_string(a->algo_id), link_id.value_or(""));
    });
  }
  NewOrderRequest r;
  r.symbol = *symbol;
  r.side = side;
  r.position_side = ps;
  r.type = market ? OrderType::kMarket : OrderType::kLimit;
  r.time_in_force = market ? std::nullopt : tif;
  r.price = market ? std::nullopt : *price;
  r.quantity = **qty;
  if (whole_position) {
    const SimPosition p = c.ex.Position(c.account, *symbol, ps);
    r.quantity = p.amount.abs();
    if (r.quantity->is_zero()) return bybit_error(110017, "current position is zero, cannot fix reduce-only order qty");
  }
  // A reduce-only order (or, in hedge mode, one on the leg's closing side) for more than the
  // position is cut to the position's size when placed (the help centre's Reduce-Only Order page);
  // Binance refuses a hedge leg's, and caps a one-way one only as it fills.
  const bool closes = dual ? side == (ps == PositionSide::kLong ? Side::kSell : Side::kBuy) : *reduce_only;
  if (closes && !whole_position) {
    const Decimal held = c.ex.Position(c.account, *symbol, ps).amount;
    const bool opposite = held.is_positive() ? side == Side::kSell : side == Side::kBuy;
    if (!held.is_zero() && opposite && *r.quantity > held.abs()) r.quantity = held.abs();
  }
  r.reduce_only = ro;
  r.client_order_id = link_id;
  r.post_only_accept_then_cancel = true;
  return PlaceWithFaults(c, [&]() -> Body {
    auto o = c.ex.PlaceOrder(c.account, r);
    if (!o.ok()) return ToBybit(o.status());
    return Ack(c.now, std::to_string(o->order_id), link_id.value_or(""));
  });
}

Body amend_order(Call& c) {
  KEEL_RETURN_IF_ERROR(c.Linear());
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto ref = RefOf(c);
  if (!ref.ok()) return ref.status();
  auto qty = c.OptDecimal("qty");
  if (!qty.ok()) return qty.status();
  auto price = c.OptDecimal("price");
  if (!price.ok()) return price.status();
  auto trigger = c.OptDecimal("triggerPrice");
  if (!trigger.ok()) return trigger.status();
  if (c.Opt("takeProfit") || c.Opt("stopLoss"))
    return params_error("the simulator does not amend an order's attached takeProfit or stopLoss");
  if (!*qty && !*price && !*trigger) return params_error("nothing to amend");
  if (auto algo = FindAlgo(c, c.Opt("orderId"), c.Opt("orderLinkId"))) {
    // A conditional order, untriggered: its trigger, quantity or limit price.
    if (algo->symbol != *symbol) return bybit_error(110001, "order not exists or too late to cancel");
    ModifyAlgoRequest m;
    m.ref = OrderRef{algo->algo_id, std::nullopt};
    m.trigger_price = *trigger;
    m.quantity = *qty;
    m.price = *price;
    auto a = c.ex.ModifyAlgoOrder(c.account, m);
    if (!a.ok() && Is(a.status(), SimRefusal::kWouldTriggerNow) && *trigger) {
      const bool take_profit = algo->type == OrderType::kTakeProfitMarket || algo->type == OrderType::kTakeProfit;
      return TriggerPassed(c, *symbol, (algo->side == Side::kBuy) != take_profit, **trigger, algo->working_type);
    }
    if (!a.ok()) return ToBybit(a.status());
    return Ack(c.now, std::to_string(a->algo_id), bybit::ViewOf(*a, nullptr).order_link_id);
  }
  if (*trigger) return params_error("triggerPrice is for a conditional order");
  if (!*qty && !*price) return params_error("nothing to amend");
  // The order as it stands fills in what the amend leaves out (the matching engine wants all of
  // side, quantity and price); read without a query, so that the ledger holds only the amend.
  std::optional<SimOrder> current;
  for (const auto& o : c.ex.AllOrders(c.account, *symbol))
    if (ref->order_id ? o.order_id == *ref->order_id : o.client_order_id == *ref->client_order_id) current = o;
  // amend-order.mdx: qty "Do not pass it if not modify the qty"; Bybit answers an unchanged one so
  // (sieblyio/bybit-api#269).
  if (*qty && current && **qty == current->orig_qty && !is_terminal(current->status))
    return params_error("qty err");
  ModifyRequest m;
  m.symbol = *symbol;
  m.ref = current ? OrderRef{current->order_id, std::nullopt} : *ref;
  m.side = current ? current->side : Side::kBuy;
  m.quantity = qty->value_or(current ? current->orig_qty : Decimal());
  m.price = price->value_or(current ? current->price : Decimal());
  auto o = c.ex.ModifyOrder(c.account, m);
  if (!o.ok()) return ToBybit(o.status());
  return Ack(c.now, std::to_string(o->order_id), o->client_order_id);
}

Body cancel_order(Call& c) {
  KEEL_RETURN_IF_ERROR(c.Linear());
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto ref = RefOf(c);
  if (!ref.ok()) return ref.status();
  if (auto algo = FindAlgo(c, c.Opt("orderId"), c.Opt("orderLinkId"))) {
    if (algo->symbol != *symbol) return bybit_error(110001, "order not exists or too late to cancel");
    auto a = c.ex.CancelAlgoOrder(c.account, OrderRef{algo->algo_id, std::nullopt});
    if (!a.ok()) return ToBybit(a.status());
    return Ack(c.now, std::to_string(a->algo_id), a->client_algo_id);
  }
  auto o = c.ex.CancelOrder(c.account, *symbol, *ref);
  if (!o.ok()) return ToBybit(o.status());
  return Ack(c.now, std::to_string(o->order_id), o->client_order_id);
}

Body cancel_all(Call& c) {
  KEEL_RETURN_IF_ERROR(c.Linear());
  auto symbol = c.SymbolOrCoin();
  if (!symbol.ok()) return symbol.status();
  // orderFilter: Order (regular orders only) or StopOrder (conditional ones; with stopOrderType
  // "Stop", not the positions' own TP/SL); every kind when absent (docs/v5/order/cancel-all.mdx).
  const std::string filter = c.Opt("orderFilter").value_or("");
  const std::string stop_type = c.Opt("stopOrderType").value_or("");
  if (!filter.empty() && filter != "Order" && filter != "StopOrder")
    return params_error("orderFilter " + filter + " is not modelled by the simulator");
  if (!stop_type.empty() && (filter != "StopOrder" || stop_type != "Stop")) return params_error("stopOrderType invalid");
  std::vector<bybit::OrderView> cancelled;
  for (const auto& v : AllViews(c, *symbol)) {
    if (!v.open()) continue;
    if ((filter == "Order" && v.conditional) || (filter == "StopOrder" && !v.conditional)) continue;
    if (!stop_type.empty() && v.stop_order_type != stop_type) continue;
    Status s;
    if (v.conditional) s = c.ex.CancelAlgoOrder(c.account, OrderRef{std::stoll(v.order_id), std::nullopt}).status();
    else s = c.ex.CancelOrder(c.account, v.symbol, OrderRef{std::stoll(v.order_id), std::nullopt}).status();
    if (s.ok()) cancelled.push_back(v);
  }
  return json([&](JsonWriter& w) {
    w.StartObject().Key("list").StartArray();
    for (const auto& v : cancelled)
      w.StartObject().Key("orderId").String(v.order_id).Key("orderLinkId").String(v.order_link_id).EndObject();
    w.EndArray().Key("success").String("1").EndObject();
  });
}

// Whether a list still holds an order (the live view; a stale read is as it was):
// - realtime: open orders, and the last 500 closed ones (open-order.mdx), fewer after a service
//   restart, which clears them;
// - history: 7 days unless asked by time (the simulator takes no time range), and an order that
//   ended Cancelled, Rejected or Deactivated without a fill for 24 hours only (order-list.mdx).
constexpr std::size_t kRealtimeClosedKept = 500;
constexpr TimeMs kHistoryWindowMs = 7LL * 24 * 3'600'000;
constexpr TimeMs kUnfilledKeptMs = 24LL * 3'600'000;

bool InHistory(const bybit::OrderView& v, TimeMs now) {
  if (now - v.created > kHistoryWindowMs) return false;
  const bool unfilled_end = (v.status == "Cancelled" || v.status == "Rejected" || v.status == "Deactivated") &&
                            v.cum_qty.is_zero();
  return !unfilled_end || now - v.created <= kUnfilledKeptMs;
}

// /v5/order/realtime (history = false) and /v5/order/history.
Body order_list(Call& c, bool history) {
  KEEL_RETURN_IF_ERROR(c.Linear());
  const auto order_id = c.Opt("orderId");
  const auto link_id = c.Opt("orderLinkId");
  std::string symbol;
  if (!order_id && !link_id) {
    auto s = c.SymbolOrCoin();
    if (!s.ok()) return s.status();
    symbol = *s;
  } else if (c.Opt("symbol")) {
    auto s = c.Symbol();
    if (!s.ok()) return s.status();
    symbol = *s;
  }
  auto open_only = c.OptInt("openOnly");
  if (!open_only.ok()) return open_only.status();
  // orderFilter: Order (regular orders only) or StopOrder (conditional only); all kinds by default.
  const std::string filter = c.Opt("orderFilter").value_or("");
  if (!filter.empty() && filter != "Order" && filter != "StopOrder") return params_error("orderFilter invalid");
  auto kept = [&filter](const bybit::OrderView& v) {
    return filter.empty() || (filter == "StopOrder") == v.conditional;
  };
  std::vector<bybit::OrderView> rows;
  if (!c.SettleCoinMatches()) {
    // No contract settles in that coin: an empty list.
  } else if (const AccountSnapshot* snap = c.Stale()) {
    for (auto& v : StaleViews(*snap, symbol, history))
      if (kept(v) && ((!order_id && !link_id) || Names(v, order_id, link_id))) rows.push_back(std::move(v));
  } else {
    std::size_t closed_seen = 0;  // newest first: the realtime list keeps the newest closed ones
    for (auto& v : AllViews(c, symbol)) {
      if (!v.open()) {
        const bool in_list = history ? InHistory(v, c.now)
                                     : ++closed_seen <= kRealtimeClosedKept &&
                                           v.updated > c.faults.bybit_realtime_closed_cleared_at;
        if (!in_list) continue;
      }
      if (!kept(v)) continue;
      if (order_id || link_id) {
        if (Names(v, order_id, link_id)) rows.push_back(std::move(v));
      } else if (history || (open_only->value_or(0) == 0 ? v.open() : !v.open())) {
        rows.push_back(std::move(v));
      }
    }
  }
  if ((order_id || link_id) && rows.size() == 1) {
    // A query by id is the one the ledger records as a query.
    const bybit::OrderView& v = rows.front();
    if (v.conditional) (void)c.ex.QueryAlgoOrder(c.account, OrderRef{std::stoll(v.order_id), std::nullopt});
    else (void)c.ex.QueryOrder(c.account, v.symbol, OrderRef{std::stoll(v.order_id), std::nullopt});
  }
  return Page(c, rows, 20, 50, [&c](JsonWriter& w, const bybit::OrderView& v) {
    bybit::WriteOrder(w, v, inst(c, v.symbol), false);
  });
}
Body order_realtime(Call& c) { return order_list(c, false); }
Body order_history(Call& c) { return order_list(c, true); }

// The account's fills, newest first (a symbol is required here; Bybit also takes none for the last
// 7 days). The trade history does not lag with stale reads: it is the evidence that a lagging flat
// position row is out of date.
// The time range of a history read (execution.mdx, close-pnl.mdx): both given, at most 7 days
// apart; one given, 7 days from or to it; none, the last 7 days.
Result<std::pair<TimeMs, TimeMs>> TimeRange(Call& c) {
  constexpr TimeMs kWeek = 7LL * 24 * 3'600'000;
  auto start = c.OptInt("startTime");
  if (!start.ok()) return start.status();
  auto end = c.OptInt("endTime");
  if (!end.ok()) return end.status();
  if (*start && *end) {
    if (**end < **start || **end - **start > kWeek) return params_error("endTime - startTime must be 0..7 days");
    return std::make_pair(**start, **end);
  }
  if (*start) return std::make_pair(**start, **start + kWeek);
  if (*end) return std::make_pair(**end - kWeek, **end);
  return std::make_pair(c.now - kWeek, c.now);
}

// The account's fills, newest first, by orderId, orderLinkId or symbol (in that priority, as
// execution.mdx says), within the time range, of one execType when asked. The trade history does
// not lag with stale reads: it is the evidence that a lagging flat position row is out of date.
Body execution_list(Call& c) {
  KEEL_RETURN_IF_ERROR(c.Linear());
  const auto order_id = c.Opt("orderId");
  const auto link_id = c.Opt("orderLinkId");
  // The symbol is optional: without it, the category's executions across every symbol.
  std::string symbol;
  if (c.Opt("symbol") && !order_id && !link_id) {
    auto s = c.Symbol();
    if (!s.ok()) return s.status();
    symbol = *s;
  }
  auto range = TimeRange(c);
  if (!range.ok()) return range.status();
  const std::string exec_type = c.Opt("execType").value_or("");
  std::vector<SimTrade> trades;
  {
    for (auto& t : c.ex.Trades(c.account, symbol)) {
      if (t.time < range->first || t.time > range->second) continue;
      if (!exec_type.empty()) {
        const SimOrder* order = c.ex.FindOrder(c.account, t.order_id);
        if (!order || exec_type != bybit::ExecTypeOf(bybit::ViewOf(*order).create_type)) continue;
      }
      if (order_id || link_id) {
        const SimOrder* order = c.ex.FindOrder(c.account, t.order_id);
        if (!order) continue;
        if (order_id ? std::to_string(order->order_id) != *order_id : order->client_order_id != *link_id) continue;
      }
      trades.push_back(std::move(t));
    }
  }
  std::reverse(trades.begin(), trades.end());
  return Page(c, trades, 50, 100, [&](JsonWriter& w, const SimTrade& t) {
    const SimInstrument& inst = c.ex.FindMarket(t.symbol)->instrument();
    const SimOrder* order = c.ex.FindOrder(c.account, t.order_id);
    if (!order) return;
    const SimAlgoOrder* algo = order->algo_id ? c.ex.FindAlgo(c.account, *order->algo_id) : nullptr;
    const bybit::OrderView view = algo ? bybit::ViewOf(*algo, order) : bybit::ViewOf(*order);
    const bool closing = t.realized_pnl.is_positive() || t.realized_pnl.is_negative() || view.reduce_only;
    bybit::WriteExecution(w, view, inst, std::to_string(t.id), t.price, t.qty, t.commission, t.maker,
                          closing ? t.qty : Decimal(), t.time, t.seq, t.realized_pnl);
  });
}

// One row of /v5/position/closed-pnl: an order that closed (part of) a position, its fills summed.
struct ClosedPnl {
  const SimOrder* order = nullptr;
  Decimal closed_size;
  Decimal exit_value;
  Decimal pnl;           // realised, less the closing fills' fees
  Decimal entry_value;   // what the closed part cost, from the realised PnL: exit -/+ pnl
  int fills = 0;
  TimeMs updated = 0;
};

// Closed PnL, newest first (close-pnl.mdx): one row per closing order within the time range.
Body closed_pnl(Call& c) {
  KEEL_RETURN_IF_ERROR(c.Linear());
  std::string symbol;
  if (c.Opt("symbol")) {
    auto s = c.Symbol();
    if (!s.ok()) return s.status();
    symbol = *s;
  }
  auto range = TimeRange(c);
  if (!range.ok()) return range.status();
  std::map<std::int64_t, ClosedPnl> by_order;
  for (const auto& t : c.ex.Trades(c.account, symbol)) {
    if (t.time < range->first || t.time > range->second) continue;
    const SimOrder* order = c.ex.FindOrder(c.account, t.order_id);
    const bool closing = t.realized_pnl.is_positive() || t.realized_pnl.is_negative() || (order && order->reduce_only);
    if (!order || !closing) continue;
    ClosedPnl& row = by_order[t.order_id];
    row.order = order;
    row.closed_size = row.closed_size.Add(t.qty).value();
    const Decimal exit = t.price.Mul(t.qty, Rounding::kNearest).value();
    row.exit_value = row.exit_value.Add(exit).value();
    row.pnl = row.pnl.Add(t.realized_pnl).value().Sub(t.commission).value();
    // A Sell closes a long: pnl = exit - entry; a Buy closes a short: pnl = entry - exit.
    row.entry_value = row.entry_value
                          .Add(t.side == Side::kSell ? exit.Sub(t.realized_pnl).value() : exit.Add(t.realized_pnl).value())
                          .value();
    ++row.fills;
    row.updated = std::max(row.updated, t.time);
  }
  std::vector<ClosedPnl> rows;
  for (auto& [id, row] : by_order) rows.push_back(row);
  std::sort(rows.begin(), rows.end(), [](const ClosedPnl& x, const ClosedPnl& y) { return x.updated > y.updated; });
  return Page(c, rows, 50, 100, [&](JsonWriter& w, const ClosedPnl& r) {
    const SimOrder& o = *r.order;
    const SimInstrument& inst = c.ex.FindMarket(o.symbol)->instrument();
    auto avg = [&](Decimal value) {
      return value.Div(r.closed_size, Rounding::kNearest).value().RoundTo(inst.filters.tick_size, Rounding::kNearest).value();
    };
    w.StartObject();
    w.Key("symbol").String(o.symbol);
    w.Key("orderType").String(o.type == OrderType::kLimit ? "Limit" : "Market");
    w.Key("leverage").String(std::to_string(c.ex.leverage(c.account, o.symbol)));
    w.Key("updatedTime").String(std::to_string(r.updated));
    w.Key("side").String(o.side == Side::kBuy ? "Buy" : "Sell");
    w.Key("orderId").String(std::to_string(o.order_id));
    w.Key("closedPnl").String(r.pnl.ToString());
    w.Key("avgEntryPrice").String(avg(r.entry_value).Format(inst.price_precision));
    w.Key("qty").String(o.orig_qty.Format(inst.quantity_precision));
    w.Key("cumEntryValue").String(r.entry_value.ToString());
    w.Key("createdTime").String(std::to_string(o.time));
    w.Key("orderPrice").String(o.price.Format(inst.price_precision));
    w.Key("closedSize").String(r.closed_size.Format(inst.quantity_precision));
    w.Key("avgExitPrice").String(avg(r.exit_value).Format(inst.price_precision));
    w.Key("execType").String("Trade");
    w.Key("fillCount").String(std::to_string(r.fills));
    w.Key("cumExitValue").String(r.exit_value.ToString());
    w.EndObject();
  });
}

// ---- positions and account ----

Body position_list(Call& c) {
  KEEL_RETURN_IF_ERROR(c.Linear());
  auto symbol = c.SymbolOrCoin();
  if (!symbol.ok()) return symbol.status();
  // With a symbol: every row of it, flat ones included (both legs in hedge mode); with a settle
  // coin: the open positions. Every simulated contract settles in USDT.
  std::vector<SimPosition> rows;
  if (c.SettleCoinMatches())
    rows = c.stale.PositionRows(c.ex, c.account, c.now, c.faults.position_lag_ms(), *symbol, !symbol->empty());
  return Page(c, rows, 20, 200, [&c](JsonWriter& w, const SimPosition& p) {
    bybit::WritePosition(w, c.ex, c.account, p, false);
  });
}

Body wallet_balance(Call& c) {
  auto type = c.Req("accountType");
  if (!type.ok()) return type.status();
  if (*type != "UNIFIED") return params_error("accountType only support UNIFIED");
  return json([&](JsonWriter& w) {
    w.StartObject().Key("list").StartArray();
    bybit::WriteWallet(w, c.ex, c.account);
    w.EndArray().EndObject();
  });
}

Body set_leverage(Call& c) {
  KEEL_RETURN_IF_ERROR(c.Linear());
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto buy = c.Req("buyLeverage");
  if (!buy.ok()) return buy.status();
  auto sell = c.Req("sellLeverage");
  if (!sell.ok()) return sell.status();
  if (*buy != *sell || buy->find_first_not_of("0123456789") != std::string::npos || buy->size() > 3)
    return params_error("buyLeverage and sellLeverage must be the same whole number");
  const int leverage = std::stoi(*buy);
  if (leverage == c.ex.leverage(c.account, *symbol)) return bybit_error(110043, "Set leverage not modified");
  auto set = c.ex.SetLeverage(c.account, *symbol, leverage);
  if (!set.ok()) return ToBybit(set.status());
  return std::string("{}");
}

Body switch_mode(Call& c) {
  KEEL_RETURN_IF_ERROR(c.Linear());
  if (!c.Opt("symbol") && !c.Opt("coin")) return params_error("symbol or coin is required");
  auto mode = c.OptInt("mode");
  if (!mode.ok()) return mode.status();
  if (!*mode || (**mode != 0 && **mode != 3)) return params_error("mode invalid");
  const bool dual = **mode == 3;
  if (dual == c.ex.dual_side_position(c.account)) return bybit_error(110025, "Position mode is not modified");
  Status s = c.ex.SetDualSidePosition(c.account, dual);
  if (!s.ok()) return ToBybit(s);
  return std::string("{}");
}

// GET /v5/user/query-api (docs/v5/user/apikey-info.mdx): the key's own record; a unified account.
Body api_key_info(Call& c) {
  const SimAccountSpec& spec = c.ex.account_spec(c.account);
  return json([&](JsonWriter& w) {
    w.StartObject().Key("id").String(std::to_string(c.account + 1)).Key("note").String(spec.name);
    w.Key("apiKey").String(spec.api_key).Key("readOnly").Int(0).Key("secret").String("");
    w.Key("permissions").StartObject();
    w.Key("ContractTrade").StartArray().String("Order").String("Position").EndArray();
    w.Key("Derivatives").StartArray().String("DerivativesTrade").EndArray();
    w.Key("Wallet").StartArray().EndArray().Key("Spot").StartArray().EndArray();
    w.Key("Options").StartArray().EndArray().EndObject();
    w.Key("ips").StartArray().String("*").EndArray().Key("type").Int(1).Key("deadlineDay").Int(-1);
    w.Key("expiredAt").String("").Key("createdAt").String("2026-01-01T00:00:00Z");
    w.Key("unified").Int(0).Key("uta").Int(1).Key("userID").Int(c.account + 1).Key("inviterID").Int(0);
    w.Key("vipLevel").String("No VIP").Key("mktMakerLevel").String("0").Key("affiliateID").Int(0);
    w.Key("rsaPublicKey").String("").Key("isMaster").Bool(true).EndObject();
  });
}

// GET /v5/account/info (docs/v5/account/account-info.mdx): a unified trading account (status 5).
Body account_info(Call& c) {
  return json([&](JsonWriter& w) {
    w.StartObject().Key("marginMode").String("REGULAR_MARGIN").Key("updatedTime").String(std::to_string(c.now));
    w.Key("unifiedMarginStatus").Int(5).Key("dcpStatus").String("OFF").Key("timeWindow").Int(10);
    w.Key("smpGroup").Int(0).Key("isMasterTrader").Bool(false).Key("spotHedgingStatus").String("OFF").EndObject();
  });
}

// GET /v5/asset/coin/query-info (docs/v5/asset/coin-info.mdx): the coins of the listed contracts,
// each on one chain with deposits and withdrawals closed (the simulator moves no coin).
Body coin_info(Call& c) {
  std::set<std::string> coins{"USDT"};
  for (const Market* m : c.ex.Markets()) coins.insert(m->instrument().base_asset);
  return json([&](JsonWriter& w) {
    w.StartObject().Key("rows").StartArray();
    for (const auto& coin : coins) {
      w.StartObject().Key("name").String(coin).Key("coin").String(coin).Key("remainAmount").String("0");
      w.Key("chains").StartArray().StartObject();
      w.Key("chainType").String("keel-exchange-sim").Key("confirmation").String("1").Key("withdrawFee").String("0");
      w.Key("depositMin").String("0").Key("withdrawMin").String("0").Key("chain").String("SIM");
      w.Key("chainDeposit").String("0").Key("chainWithdraw").String("0").Key("minAccuracy").String("8");
      w.Key("withdrawPercentageFee").String("0").Key("contractAddress").String("");
      w.Key("safeConfirmNumber").String("1").Key("withdrawMax").String("0");
      w.EndObject().EndArray().EndObject();
    }
    w.EndArray().EndObject();
  });
}

enum class Security { kNone, kSigned };

struct Endpoint {
  const char* method;
  const char* path;
  Security security;
  Body (*handler)(Call&);
};

const Endpoint kEndpoints[] = {
    {"GET", "/v5/market/time", Security::kNone, server_time},
    {"GET", "/v5/market/instruments-info", Security::kNone, instruments_info},
    {"GET", "/v5/market/tickers", Security::kNone, tickers},
    {"POST", "/v5/order/create", Security::kSigned, create_order},
    {"POST", "/v5/order/amend", Security::kSigned, amend_order},
    {"POST", "/v5/order/cancel", Security::kSigned, cancel_order},
    {"POST", "/v5/order/cancel-all", Security::kSigned, cancel_all},
    {"GET", "/v5/order/realtime", Security::kSigned, order_realtime},
    {"GET", "/v5/order/history", Security::kSigned, order_history},
    {"GET", "/v5/position/list", Security::kSigned, position_list},
    {"GET", "/v5/execution/list", Security::kSigned, execution_list},
    {"GET", "/v5/position/closed-pnl", Security::kSigned, closed_pnl},
    {"GET", "/v5/account/wallet-balance", Security::kSigned, wallet_balance},
    {"GET", "/v5/account/info", Security::kSigned, account_info},
    {"GET", "/v5/user/query-api", Security::kSigned, api_key_info},
    {"GET", "/v5/asset/coin/query-info", Security::kSigned, coin_info},
    {"POST", "/v5/position/set-leverage", Security::kSigned, set_leverage},
    {"POST", "/v5/position/switch-mode", Security::kSigned, switch_mode},
    {"POST", "/v5/position/trading-stop", Security::kSigned, trading_stop},
};

// X-BAPI-SIGN over timestamp + key + recv window + (the raw query | the raw body); the timestamp
// within server_time - recv_window <= timestamp < server_time + 1000 (docs/v5/guide.mdx).
Status Authenticate(Call& c) {
  const std::string key = c.request.header("X-BAPI-API-KEY");
  const std::string sign = c.request.header("X-BAPI-SIGN");
  const std::string timestamp = c.request.header("X-BAPI-TIMESTAMP");
  if (key.empty() || sign.empty() || timestamp.empty())
    return Status::Exchange("missing X-BAPI-API-KEY, X-BAPI-SIGN or X-BAPI-TIMESTAMP", 0, 401);
  auto account = c.ex.FindAccountByKey(key);
  if (!account) return bybit_error(10003, "API key is invalid.");
  c.account = *account;
  const std::string window_text = c.request.header("X-BAPI-RECV-WINDOW");
  if (timestamp.size() > 16 || timestamp.find_first_not_of("0123456789") != std::string::npos ||
      window_text.size() > 9 || window_text.find_first_not_of("0123456789") != std::string::npos)
    return params_error("X-BAPI-TIMESTAMP or X-BAPI-RECV-WINDOW invalid");
  const TimeMs ts = std::stoll(timestamp);
  const TimeMs window = window_text.empty() ? 5000 : std::stoll(window_text);
  const std::string payload = c.request.method == "GET" ? c.request.raw_query() : c.request.body;
  const std::string origin = timestamp + key + (window_text.empty() ? std::string() : window_text) + payload;
  const std::string expected = net::hmac_sha256_hex(c.ex.account_spec(c.account).api_secret, origin);
  if (!net::signatures_equal(expected, sign)) return bybit_error(10004, "error sign! origin_string[" + origin + "]");
  if (!(c.now - window <= ts && ts < c.now + 1000)) {
    return bybit_error(10002, "invalid request, please check your server timestamp or recv_window param. req_timestamp[" +
                                  timestamp + "],server_timestamp[" + std::to_string(c.now) + "],recv_window[" +
                                  std::to_string(window) + "]");
  }
  return Status::Ok();
}

}  // namespace

int BybitRestApi::LimitPerSecond(const std::string& path) {
  if (path == "/v5/order/create" || path == "/v5/order/amend" || path == "/v5/order/cancel" ||
      path == "/v5/order/cancel-all" || path == "/v5/position/set-leverage" || path == "/v5/position/switch-mode" ||
      path == "/v5/position/trading-stop")
    return 10;
  return 50;
}

BybitRestApi::BybitRestApi(SimExchange& exchange, FaultState& faults, StaleReads& stale)
    : ex_(exchange), faults_(faults), stale_(stale) {}

HttpResponse BybitRestApi::Handle(const HttpRequest& request) {
  HttpResponse response;
  response.headers.emplace_back("Content-Type", "application/json");
  const std::string path = request.path();
  const std::string key = request.method + " " + path;
  stale_.BeforeRequest(ex_, faults_.stale_reads_ms);
  const TimeMs now = ex_.now();

  auto finish = [&](int status, std::string body, const std::string& result) {
    response.status = status;
    response.body = std::move(body);
    ++counts_[key][result];
    return response;
  };
  auto fail = [&](const Status& s) {
    if (s.http_status() && s.http_status() != 200) {
      // Refused before Bybit's envelope: the HTTP status says it all.
      return finish(s.http_status(), "", std::to_string(s.http_status()));
    }
    const Status said = ToBybit(s);
    const int code = said.IsExchange() && said.venue_code() ? *said.venue_code() : 10016;
    return finish(200, bybit::Envelope(code, said.message(), "{}", now), std::to_string(code));
  };

  const Endpoint* endpoint = nullptr;
  for (const auto& e : kEndpoints)
    if (path == e.path && request.method == e.method) endpoint = &e;
  if (!endpoint) return finish(404, "", "404");
  auto query = Params::Parse(request.raw_query());
  if (!query.ok()) return fail(params_error("the query is malformed"));
  Params params = *query;
  if (request.method == "POST") {
    auto body = BodyParams(request.body);
    if (!body.ok()) return fail(body.status());
    params = *body;
  }
  Call c{request, std::move(params), -1, now, HttpResponse::Delivery::kRespond, 200, ex_, faults_, stale_};
  if (endpoint->security == Security::kSigned) {
    Status auth = Authenticate(c);
    if (!auth.ok()) return fail(auth);
    // The account's limit on this path, per second.
    Window& window = windows_[{c.account, path}];
    if (window.second != now / 1000) window = Window{now / 1000, 0};
    const int limit = LimitPerSecond(path);
    const bool forced = faults_.TakeRateLimit();
    const bool over = forced || window.used >= limit;
    if (!over) ++window.used;
    const TimeMs reset = over ? (now / 1000 + 1) * 1000 : now;
    response.headers.emplace_back("X-Bapi-Limit", std::to_string(limit));
    response.headers.emplace_back("X-Bapi-Limit-Status", std::to_string(over ? 0 : limit - window.used));
    response.headers.emplace_back("X-Bapi-Limit-Reset-Timestamp", std::to_string(reset));
    if (over) {
      refusals_.push_back({now, 200, reset - now});
      return fail(bybit_error(10006, "Too many visits!"));
    }
  }
  Body result = endpoint->handler(c);
  stale_.AfterRequest(ex_, faults_.stale_reads_ms);
  if (!result.ok()) return fail(result.status());
  response.delivery = c.delivery;
  if (c.delivery == HttpResponse::Delivery::kNoResponse) return finish(0, "", "no response");
  if (c.http_status != 200) return finish(c.http_status, std::move(result).value(), std::to_string(c.http_status));
  // Placements answer their own envelope (a garbled one is cut short); the rest are wrapped here.
  std::string text = std::move(result).value();
  if (text.rfind("{\"retCode\"", 0) == 0 || endpoint->handler == create_order) return finish(200, std::move(text), "0");
  return finish(200, bybit::Envelope(0, "OK", text, now), "0");
}

}  // namespace keel::sim
