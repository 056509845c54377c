// SimExchange: the algo (conditional) order service. Since 2025-12-09 Binance USD-M keeps
// STOP/STOP_MARKET/TAKE_PROFIT/TAKE_PROFIT_MARKET/TRAILING_STOP_MARKET orders here; on trigger
// each becomes a regular order in the matching engine.
#include <algorithm>

#include "keel/sim/sim_exchange.h"

namespace keel::sim {
namespace {

bool fires(const SimAlgoOrder& a, Decimal price) {
  if (a.trailing && !a.trailing->active) return false;
  const bool stop = a.type == OrderType::kStop || a.type == OrderType::kStopMarket || a.trailing;
  const bool buy = a.side == Side::kBuy;
  // STOP (and a trailing stop's level): a BUY fires at or above the trigger, a SELL at or below.
  // TAKE_PROFIT: the reverse.
  if (stop) return buy ? price >= a.trigger_price : price <= a.trigger_price;
  return buy ? price <= a.trigger_price : price >= a.trigger_price;
}

// The types that become a MARKET order when they fire.
bool market_on_trigger(OrderType type) {
  return type == OrderType::kStopMarket || type == OrderType::kTakeProfitMarket ||
         type == OrderType::kTrailingStopMarket;
}

Decimal working_price(const Market& m, WorkingType type) { return type == WorkingType::kMarkPrice ? m.mark() : m.last(); }

}  // namespace

Result<SimAlgoOrder> SimExchange::DoPlaceAlgoOrder(AccountId id, const NewAlgoOrderRequest& r) {
  Advance();
  SymbolState* s = symbol_state(r.symbol);
  if (!s) return Refuse(SimRefusal::kUnknownSymbol);
  const SimInstrument& inst = s->market->instrument();
  Account& a = account(id);
  const bool trailing = r.type == OrderType::kTrailingStopMarket;
  const bool market_type = market_on_trigger(r.type);
  if (!market_type && r.type != OrderType::kStop && r.type != OrderType::kTakeProfit)
    return Refuse(SimRefusal::kInvalidOrderType, "orderType");
  if (trailing) {
    KEEL_RETURN_IF_ERROR(ValidateTrailing(inst, r));
  } else {
    if (!r.trigger_price) return Refuse(SimRefusal::kMissingParameter, "triggerPrice");
    KEEL_RETURN_IF_ERROR(ValidatePrice(inst, *r.trigger_price));
    if (r.callback_rate) return Refuse(SimRefusal::kParameterNotAllowed, "callbackRate");
    if (r.activate_price) return Refuse(SimRefusal::kParameterNotAllowed, "activatePrice");
    if (r.trail_distance) return Refuse(SimRefusal::kParameterNotAllowed, "trailingStop");
  }
  auto ps = ResolvePositionSide(a, r.position_side);
  if (!ps.ok()) return ps.status();
  if (a.dual_side && r.reduce_only) return Refuse(SimRefusal::kParameterNotAllowed, "reduceOnly");
  if (r.close_position) {
    if (!market_type) return Refuse(SimRefusal::kParameterNotAllowed, "closePosition");
    if (r.quantity) return Refuse(SimRefusal::kParameterNotAllowed, "quantity");
    if (r.reduce_only) return Refuse(SimRefusal::kParameterNotAllowed, "reduceOnly");
  } else {
    if (!r.quantity)
      return Refuse(SimRefusal::kMissingParameter, "quantity");
    KEEL_RETURN_IF_ERROR(ValidateQuantity(inst, *r.quantity, market_type));
  }
  if (!market_type) {
    if (!r.price) return Refuse(SimRefusal::kMissingParameter, "price");
    KEEL_RETURN_IF_ERROR(ValidatePrice(inst, *r.price));
  } else if (r.price) {
    return Refuse(SimRefusal::kParameterNotAllowed, "price");
  }
  auto good_till = GoodTillDate(r.time_in_force, r.good_till_date);
  if (!good_till.ok()) return good_till.status();
  std::string client_id = r.client_algo_id.value_or("");
  if (r.client_algo_id && !is_valid_client_order_id(client_id)) return Refuse(SimRefusal::kInvalidClientId);
  if (client_id.empty()) client_id = RandomId(22);
  if (a.open_algo_by_client_id.count(client_id)) return Refuse(SimRefusal::kDuplicateClientId);
  int open_on_symbol = 0;
  for (std::int64_t aid : a.open_algos) open_on_symbol += a.algos.at(aid).symbol == r.symbol;
  if (open_on_symbol >= config_.limits.max_open_algo_orders) return Refuse(SimRefusal::kTooManyConditionalOrders);

  SimAlgoOrder algo;
  algo.algo_id = next_algo_id_++;
  algo.client_algo_id = client_id;
  algo.symbol = r.symbol;
  algo.side = r.side;
  algo.position_side = *ps;
  algo.type = r.type;
  // A closePosition order lives as long as its position: the exchange marks it GTE_GTC and
  // expires it when the position closes. So does a position's own TP/SL.
  const bool with_position = r.close_position || !r.position_tpsl.empty();
  algo.time_in_force = with_position ? TimeInForce::kGteGtc : r.time_in_force.value_or(TimeInForce::kGtc);
  algo.good_till_date = with_position ? 0 : *good_till;
  algo.position_tpsl = r.position_tpsl;
  algo.quantity = r.quantity.value_or(Decimal());
  algo.price = r.price.value_or(Decimal());
  algo.trigger_price = r.trigger_price.value_or(Decimal());
  algo.working_type = r.working_type;
  algo.close_position = r.close_position;
  algo.close_up_to = r.close_position ? r.close_up_to : std::nullopt;
  algo.reduce_only = r.reduce_only.value_or(false);
  algo.price_protect = r.price_protect;
  algo.create_time = algo.update_time = now();
  const Decimal reference = working_price(*s->market, algo.working_type);
  if (trailing) {
    if (r.activate_price && ActivatesNow(algo.side, *r.activate_price, reference))
      return Refuse(SimRefusal::kWouldTriggerNow);
    TrailingStop t;
    // "default as the latest price (supporting different workingType)": active at once.
    t.activate_price = r.activate_price.value_or(reference);
    t.callback_rate = r.callback_rate.value_or(Decimal());
    t.distance = r.trail_distance.value_or(Decimal());
    algo.trailing = t;
    algo.trigger_price = algo.trailing->Follow(algo.side, reference, inst.filters.tick_size);
  }
  if (fires(algo, reference)) return Refuse(SimRefusal::kWouldTriggerNow);
  if (refuse_stops_next_ != 0 && r.position_tpsl.empty()) {
    if (refuse_stops_next_ > 0) --refuse_stops_next_;
    return Refuse(SimRefusal::kWouldTriggerNow);
  }

  a.algos.emplace(algo.algo_id, algo);
  a.open_algos.insert(algo.algo_id);
  a.open_algo_by_client_id[client_id] = algo.algo_id;
  if (algo.good_till_date > 0) good_till_dates_.emplace(algo.good_till_date, id, true, algo.algo_id);
  ++counters_.algo_orders_placed;
  EmitAlgo(id, algo);
  return algo;
}

void SimExchange::ExpirePositionAlgos(AccountId id, const std::string& symbol, PositionSide position_side) {
  Account& a = account(id);
  std::vector<std::int64_t> ending;
  for (std::int64_t aid : a.open_algos) {
    const SimAlgoOrder& algo = a.algos.at(aid);
    if (algo.symbol == symbol && algo.position_side == position_side && algo.time_in_force == TimeInForce::kGteGtc)
      ending.push_back(aid);
  }
  for (std::int64_t aid : ending) EndAlgo(id, a.algos.at(aid), AlgoStatus::kExpired, "position closed");
}

void SimExchange::EndAlgo(AccountId id, SimAlgoOrder& algo, AlgoStatus status, const std::string& reason) {
  Account& a = account(id);
  a.open_algos.erase(algo.algo_id);
  a.open_algo_by_client_id.erase(algo.client_algo_id);
  algo.status = status;
  algo.update_time = now();
  EmitAlgo(id, algo, reason);
}

void SimExchange::EmitAlgo(AccountId id, const SimAlgoOrder& algo, const std::string& reason) {
  EmitUser(id, AlgoUpdate{algo, reason});
}

void SimExchange::TriggerAlgos(SymbolState& s) {
  for (std::size_t i = 0; i < accounts_.size(); ++i) {
    Account& a = accounts_[i];
    std::vector<std::int64_t> firing;
    for (std::int64_t aid : a.open_algos) {
      SimAlgoOrder& algo = a.algos.at(aid);
      if (algo.symbol != s.market->symbol() || algo.status != AlgoStatus::kNew) continue;
      const Decimal price = working_price(*s.market, algo.working_type);
      // A trailing stop's level moves silently: Binance pushes no ALGO_UPDATE for it, and Bybit
      // no order push for each move.
      if (algo.trailing)
        algo.trigger_price = algo.trailing->Follow(algo.side, price, s.market->instrument().filters.tick_size);
      if (fires(algo, price)) firing.push_back(aid);
    }
    for (std::int64_t aid : firing) Trigger(static_cast<AccountId>(i), a.algos.at(aid));
  }
}

void SimExchange::Trigger(AccountId id, SimAlgoOrder& algo) {
  Account& a = account(id);
  a.open_algos.erase(algo.algo_id);
  a.open_algo_by_client_id.erase(algo.client_algo_id);
  algo.status = AlgoStatus::kTriggering;
  algo.trigger_time = algo.update_time = now();
  ++counters_.algo_orders_triggered;
  EmitAlgo(id, algo);

  SimOrder o;
  o.symbol = algo.symbol;
  o.side = algo.side;
  o.position_side = algo.position_side;
  o.reduce_only = algo.reduce_only || algo.close_position;
  o.close_position = algo.close_position;
  Decimal qty = algo.quantity;
  if (o.reduce_only || ClosesHedgeLeg(o.position_side, o.side)) {
    const Decimal reducible = Reducible(a, o);
    if (algo.close_position || qty > reducible) qty = reducible;
    if (algo.close_up_to && qty > *algo.close_up_to) qty = *algo.close_up_to;
    if (qty.is_zero()) {
      // Nothing left to close: the system cancels it.
      algo.status = AlgoStatus::kExpired;
      algo.update_time = now();
      EmitAlgo(id, algo, "position closed");
      return;
    }
  } else if (Increases(a, o.symbol, o.position_side, o.side)) {
    const Decimal valuation = algo.price.is_positive() ? algo.price : FindMarket(o.symbol)->mark();
    if (!CheckMargin(id, o.symbol, qty, valuation).ok()) {
      algo.status = AlgoStatus::kRejected;
      algo.update_time = now();
      EmitAlgo(id, algo, "Margin is insufficient.");
      EmitUser(id, TriggerReject{algo.symbol, algo.algo_id, "Margin is insufficient."});
      return;
    }
  }
  o.order_id = next_order_id_++;
  o.client_order_id = a.open_by_client_id.count(client_key(o.symbol, algo.client_algo_id)) ? RandomId(22) : algo.client_algo_id;
  o.type = market_on_trigger(algo.type) ? OrderType::kMarket : OrderType::kLimit;
  o.orig_type = algo.type;
  o.time_in_force = algo.time_in_force;
  o.good_till_date = algo.good_till_date;
  o.orig_qty = qty;
  o.price = algo.price;
  o.stop_price = algo.trigger_price;
  if (algo.trailing) {
    o.activate_price = algo.trailing->activate_price;
    o.price_rate = algo.trailing->callback_rate;
  }
  o.working_type = algo.working_type;
  o.time = o.update_time = now();
  o.algo_id = algo.algo_id;
  algo.actual_order_id = o.order_id;
  algo.status = AlgoStatus::kTriggered;
  EmitAlgo(id, algo);
  ++counters_.orders_placed;
  if (o.good_till_date > 0) good_till_dates_.emplace(o.good_till_date, id, false, o.order_id);
  Submit(id, std::move(o));
}

Result<SimAlgoOrder> SimExchange::DoModifyAlgoOrder(AccountId id, const ModifyAlgoRequest& r) {
  Advance();
  Account& a = account(id);
  std::optional<std::int64_t> aid = r.ref.order_id;
  if (!aid && r.ref.client_order_id) {
    auto it = a.open_algo_by_client_id.find(*r.ref.client_order_id);
    if (it != a.open_algo_by_client_id.end()) aid = it->second;
  }
  if (!aid || !a.open_algos.count(*aid)) return Refuse(SimRefusal::kUnknownOrder);
  SimAlgoOrder& algo = a.algos.at(*aid);
  const SymbolState* s = symbol_state(algo.symbol);
  const SimInstrument& inst = s->market->instrument();
  const bool market_type = market_on_trigger(algo.type);
  if (r.quantity && algo.close_position) return Refuse(SimRefusal::kParameterNotAllowed, "quantity");
  if (r.price && market_type) return Refuse(SimRefusal::kParameterNotAllowed, "price");
  // A trailing stop's level is its own; an ordinary one has nothing to trail.
  if (r.trigger_price && algo.trailing) return Refuse(SimRefusal::kParameterNotAllowed, "triggerPrice");
  if ((r.trail_distance || r.activate_price) && !algo.trailing)
    return Refuse(SimRefusal::kParameterNotAllowed, r.trail_distance ? "trailingStop" : "activatePrice");
  if (r.quantity) KEEL_RETURN_IF_ERROR(ValidateQuantity(inst, *r.quantity, market_type));
  if (r.price) KEEL_RETURN_IF_ERROR(ValidatePrice(inst, *r.price));
  if (r.trail_distance) KEEL_RETURN_IF_ERROR(ValidateDistance(inst, *r.trail_distance));
  if (r.activate_price) KEEL_RETURN_IF_ERROR(ValidatePrice(inst, *r.activate_price));
  SimAlgoOrder changed = algo;
  const Decimal reference = working_price(*s->market, changed.working_type);
  if (r.trigger_price) {
    KEEL_RETURN_IF_ERROR(ValidatePrice(inst, *r.trigger_price));
    changed.trigger_price = *r.trigger_price;
  }
  if (r.activate_price) {
    if (ActivatesNow(changed.side, *r.activate_price, reference)) return Refuse(SimRefusal::kWouldTriggerNow);
    changed.trailing->activate_price = *r.activate_price;
    changed.trailing->active = false;
  }
  if (r.trail_distance) changed.trailing->distance = *r.trail_distance;
  if (changed.trailing) changed.trigger_price = changed.trailing->Follow(changed.side, reference, inst.filters.tick_size);
  if (fires(changed, reference)) return Refuse(SimRefusal::kWouldTriggerNow);
  if (r.quantity) changed.quantity = *r.quantity;
  if (r.price) changed.price = *r.price;
  changed.update_time = now();
  algo = changed;
  ++counters_.modifications;
  EmitAlgo(id, algo);
  return algo;
}

Result<SimAlgoOrder> SimExchange::DoCancelAlgoOrder(AccountId id, const OrderRef& ref) {
  Advance();
  Account& a = account(id);
  std::optional<std::int64_t> aid = ref.order_id;
  if (!aid && ref.client_order_id) {
    auto it = a.open_algo_by_client_id.find(*ref.client_order_id);
    if (it != a.open_algo_by_client_id.end()) aid = it->second;
  }
  if (!ref.order_id && !ref.client_order_id)
    return Refuse(SimRefusal::kMissingParameter, "algoId");
  if (!aid || !a.open_algos.count(*aid)) return Refuse(SimRefusal::kUnknownOrder);
  SimAlgoOrder& algo = a.algos.at(*aid);
  ++counters_.cancels;
  EndAlgo(id, algo, AlgoStatus::kCanceled);
  return algo;
}

Result<SimAlgoOrder> SimExchange::DoQueryAlgoOrder(AccountId id, const OrderRef& ref) const {
  const Account& a = account(id);
  if (ref.order_id) {
    auto it = a.algos.find(*ref.order_id);
    if (it == a.algos.end()) return Refuse(SimRefusal::kOrderNotFound);
    return it->second;
  }
  if (!ref.client_order_id)
    return Refuse(SimRefusal::kMissingParameter, "algoId");
  const SimAlgoOrder* latest = nullptr;
  for (const auto& [aid, algo] : a.algos)
    if (algo.client_algo_id == *ref.client_order_id && (!latest || algo.algo_id > latest->algo_id)) latest = &algo;
  if (!latest) return Refuse(SimRefusal::kOrderNotFound);
  return *latest;
}

std::vector<SimAlgoOrder> SimExchange::OpenAlgoOrders(AccountId id, const std::string& symbol) const {
  const Account& a = account(id);
  std::vector<SimAlgoOrder> out;
  for (std::int64_t aid : a.open_algos) {
    const SimAlgoOrder& algo = a.algos.at(aid);
    if (symbol.empty() || algo.symbol == symbol) out.push_back(algo);
  }
  return out;
}

std::vector<SimAlgoOrder> SimExchange::AllAlgoOrders(AccountId id, const std::string& symbol) const {
  std::vector<SimAlgoOrder> out;
  for (const auto& [aid, algo] : account(id).algos)
    if (symbol.empty() || algo.symbol == symbol) out.push_back(algo);
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.algo_id < y.algo_id; });
  return out;
}

Result<int> SimExchange::DoCancelAllAlgoOrders(AccountId id, const std::string& symbol) {
  Advance();
  if (!symbol_state(symbol)) return Refuse(SimRefusal::kUnknownSymbol);
  std::vector<std::int64_t> ids;
  for (std::int64_t aid : account(id).open_algos)
    if (account(id).algos.at(aid).symbol == symbol) ids.push_back(aid);
  for (std::int64_t aid : ids) {
    OrderRef ref;
    ref.order_id = aid;
    auto cancelled = DoCancelAlgoOrder(id, ref);
    if (!cancelled.ok()) return cancelled.status();
  }
  return static_cast<int>(ids.size());
}

}  // namespace keel::sim
