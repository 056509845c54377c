// SimExchange: placing, modifying, cancelling and querying regular (matching-engine) orders.
#include "keel/sim/sim_exchange.h"

namespace keel::sim {
namespace {

Status mandatory(const char* param) { return Refuse(SimRefusal::kMissingParameter, param); }

Status not_required(const char* param) { return Refuse(SimRefusal::kParameterNotAllowed, param); }

int signed_of(Side side) { return side == Side::kBuy ? 1 : -1; }

}  // namespace

Status SimExchange::ValidateQuantity(const SimInstrument& inst, Decimal qty, bool market) const {
  if (!qty.is_positive()) return Refuse(SimRefusal::kQtyNotPositive);
  if (qty.fractional_digits() > inst.quantity_precision)
    return Refuse(SimRefusal::kTooPrecise);
  if (qty < inst.filters.min_qty) return Refuse(SimRefusal::kQtyBelowMin);
  const Decimal max = market ? inst.market_max_qty : inst.max_qty;
  if (max.is_positive() && qty > max) return Refuse(SimRefusal::kQtyAboveMax);
  if (!qty.IsMultipleOf(inst.filters.step_size)) return Refuse(SimRefusal::kQtyOffStep);
  return Status::Ok();
}

Status SimExchange::ValidatePrice(const SimInstrument& inst, Decimal price) const {
  if (!price.is_positive()) return Refuse(SimRefusal::kPriceNotPositive);
  if (price.fractional_digits() > inst.price_precision)
    return Refuse(SimRefusal::kTooPrecise);
  if (price < inst.min_price) return Refuse(SimRefusal::kPriceBelowMin);
  if (inst.max_price.is_positive() && price > inst.max_price) return Refuse(SimRefusal::kPriceAboveMax);
  // PRICE_FILTER: (price - minPrice) % tickSize == 0
  if (!price.Sub(inst.min_price).value().IsMultipleOf(inst.filters.tick_size))
    return Refuse(SimRefusal::kPriceOffTick);
  return Status::Ok();
}

Result<PositionSide> SimExchange::ResolvePositionSide(const Account& a, const std::optional<PositionSide>& requested) const {
  if (!a.dual_side) {
    if (requested && *requested != PositionSide::kBoth)
      return Refuse(SimRefusal::kPositionSideMismatch);
    return PositionSide::kBoth;
  }
  if (!requested || *requested == PositionSide::kBoth)
    return Refuse(SimRefusal::kPositionSideMismatch);
  return *requested;
}

bool SimExchange::Increases(const Account& a, const std::string& symbol, PositionSide ps, Side side) const {
  if (ps == PositionSide::kLong) return side == Side::kBuy;
  if (ps == PositionSide::kShort) return side == Side::kSell;
  auto it = a.positions.find({symbol, ps});
  const Decimal amount = it == a.positions.end() ? Decimal() : it->second.amount;
  return amount.is_zero() || amount.sign() == signed_of(side);
}

Status SimExchange::CheckReduceOnly(const Account& a, const std::string& symbol, PositionSide ps, Side side,
                                    Decimal qty, bool count_resting) const {
  auto it = a.positions.find({symbol, ps});
  const Decimal amount = it == a.positions.end() ? Decimal() : it->second.amount;
  // Nothing to reduce, or the order would add to the position.
  if (amount.is_zero() || amount.sign() == signed_of(side)) return Refuse(SimRefusal::kReduceOnlyWouldIncrease);
  // Closing a hedge-mode leg for more than it holds is refused too (one-way reduce-only orders are
  // capped at the position instead, when they fill).
  if (ps != PositionSide::kBoth && qty > amount.abs()) return Refuse(SimRefusal::kReduceOnlyWouldIncrease);
  if (count_resting) {
    Decimal resting;
    for (const auto order_id : a.open_orders) {
      const SimOrder& o = a.orders.at(order_id);
      // On the same leg and side as this closing order: closing too (one-way: only reduce-only).
      if (o.symbol != symbol || o.position_side != ps || o.side != side) continue;
      if (ps == PositionSide::kBoth && !o.reduce_only) continue;
      resting = resting.Add(o.orig_qty.Sub(o.executed_qty).value()).value();
    }
    // Refused for the orders resting before it ("…check your existing position and open orders"):
    // alone, a one-way reduce-only order larger than the position is capped when it fills.
    if (resting.is_positive() && resting.Add(qty).value() > amount.abs())
      return Refuse(SimRefusal::kReduceOnlyOrdersCover);
  }
  return Status::Ok();
}

Status SimExchange::CheckMargin(AccountId id, const std::string& symbol, Decimal qty, Decimal price) const {
  const Decimal lev = Decimal::FromInteger(leverage(id, symbol)).value();
  auto notional = qty.Mul(price, Rounding::kUp);
  if (!notional.ok()) return Refuse(SimRefusal::kInsufficientMargin);
  const Decimal required = notional->Div(lev, Rounding::kUp).value();
  if (required > Summary(id).available_balance) return Refuse(SimRefusal::kInsufficientMargin);
  return Status::Ok();
}

Status SimExchange::CheckPriceBand(const Market& m, Decimal price) const {
  // PERCENT_PRICE, relative to the mark price.
  const SimInstrument& inst = m.instrument();
  const Decimal cap = m.mark().Mul(inst.percent_price_up, Rounding::kDown).value();
  const Decimal floor = m.mark().Mul(inst.percent_price_down, Rounding::kUp).value();
  if (price > cap) return Refuse(SimRefusal::kPriceAboveBand, cap.ToString());
  if (price < floor) return Refuse(SimRefusal::kPriceBelowBand, floor.ToString());
  return Status::Ok();
}

Status SimExchange::CheckNotionalCap(AccountId id, const std::string& symbol, PositionSide ps, Decimal qty,
                                     Decimal price) const {
  const Account& a = account(id);
  Decimal held;
  auto it = a.positions.find({symbol, ps});
  if (it != a.positions.end()) held = it->second.amount.abs();
  const Decimal after = held.Add(qty).value().Mul(price, Rounding::kUp).value();
  const Decimal cap = MaxNotionalAt(FindMarket(symbol)->instrument().brackets, leverage(id, symbol));
  if (after > cap) return Refuse(SimRefusal::kPositionLimit);
  return Status::Ok();
}

Result<SimOrder> SimExchange::DoPlaceOrder(AccountId id, const NewOrderRequest& r) {
  Advance();
  SymbolState* s = symbol_state(r.symbol);
  auto reject = [&](Status st) -> Result<SimOrder> {
    ++counters_.orders_rejected;
    return st;
  };
  if (!s) return reject(Refuse(SimRefusal::kUnknownSymbol));
  if (is_conditional(r.type))
    return reject(Refuse(SimRefusal::kWrongBook));
  const SimInstrument& inst = s->market->instrument();
  Account& a = account(id);
  const bool market = r.type == OrderType::kMarket;
  if (!r.quantity) return reject(mandatory("quantity"));
  if (!market && !r.price) return reject(mandatory("price"));
  if (!market && !r.time_in_force) return reject(mandatory("timeInForce"));
  if (market && r.price) return reject(not_required("price"));
  auto ps = ResolvePositionSide(a, r.position_side);
  if (!ps.ok()) return reject(ps.status());
  if (a.dual_side && r.reduce_only) return reject(not_required("reduceOnly"));
  std::string client_id = r.client_order_id.value_or("");
  if (r.client_order_id && !is_valid_client_order_id(client_id)) return reject(Refuse(SimRefusal::kInvalidClientId));
  if (client_id.empty()) client_id = RandomId(22);
  if (a.open_by_client_id.count(client_key(r.symbol, client_id))) return reject(Refuse(SimRefusal::kDuplicateClientId));
  Status q = ValidateQuantity(inst, *r.quantity, market);
  if (!q.ok()) return reject(q);
  if (!market) {
    Status p = ValidatePrice(inst, *r.price);
    if (p.ok()) p = CheckPriceBand(*s->market, *r.price);
    if (!p.ok()) return reject(p);
  }
  if (a.open_count[r.symbol] >= config_.limits.max_open_orders)
    return reject(Refuse(SimRefusal::kTooManyOpenOrders));

  const bool reduce_only = r.reduce_only.value_or(false);
  const bool increases = !reduce_only && Increases(a, r.symbol, *ps, r.side);
  if (reduce_only || (*ps != PositionSide::kBoth && !increases)) {
    Status ro = CheckReduceOnly(a, r.symbol, *ps, r.side, *r.quantity, r.reduce_only_counts_resting);
    if (!ro.ok()) return reject(ro);
  }
  const TimeInForce tif = market ? TimeInForce::kGtc : *r.time_in_force;
  auto good_till = GoodTillDate(tif, r.good_till_date);
  if (!good_till.ok()) return reject(good_till.status());
  const bool post_only_would_take = !market && tif == TimeInForce::kGtx && s->market->WouldTake(r.side, *r.price);
  if (post_only_would_take && !r.post_only_accept_then_cancel) {
    return reject(Refuse(SimRefusal::kPostOnlyWouldTake));
  }
  const Decimal valuation = market ? s->market->mark() : *r.price;
  if (increases) {
    const Decimal notional = r.quantity->Mul(valuation, Rounding::kDown).value();
    if (notional < inst.filters.min_notional) {
      return reject(Refuse(SimRefusal::kNotionalTooSmall, inst.filters.min_notional.ToString()));
    }
    Status cap = CheckNotionalCap(id, r.symbol, *ps, *r.quantity, valuation);
    if (!cap.ok()) return reject(cap);
    Status m = CheckMargin(id, r.symbol, *r.quantity, valuation);
    if (!m.ok()) return reject(m);
  }
  if (!market && tif == TimeInForce::kFok) {
    Decimal available;
    for (const auto& f : s->market->Take(r.side, *r.quantity, r.price)) available = available.Add(f.qty).value();
    if (available < *r.quantity) {
      return reject(Refuse(SimRefusal::kFillOrKillUnfilled));
    }
  }

  SimOrder o;
  o.order_id = next_order_id_++;
  o.client_order_id = client_id;
  o.symbol = r.symbol;
  o.side = r.side;
  o.position_side = *ps;
  o.type = r.type;
  o.orig_type = r.type;
  o.time_in_force = tif;
  o.good_till_date = *good_till;
  o.orig_qty = *r.quantity;
  o.price = market ? Decimal() : *r.price;
  o.reduce_only = reduce_only;
  o.time = o.update_time = now();
  ++counters_.orders_placed;
  if (o.good_till_date > 0) good_till_dates_.emplace(o.good_till_date, id, false, o.order_id);
  if (post_only_would_take) {
    o.reject_reason = "EC_PostOnlyWillTakeLiquidity";
    SimOrder& placed = a.orders.emplace(o.order_id, std::move(o)).first->second;
    MarkOpen(a, placed);
    EmitUser(id, OrderUpdate{placed, "NEW", {}, {}, {}, 0, false, {}, ""});
    Close(id, placed, OrderStatus::kCanceled, "CANCELED", placed.reject_reason);
    return placed;
  }
  return Submit(id, std::move(o));
}

// "goodTillDate: order cancel time for timeInForce GTD, mandatory when timeInforce set to GTD;
// order the timestamp only retains second-level precision, ms part will be ignored; The
// goodTillDate timestamp must be greater than the current time plus 600 seconds and smaller than
// 253402300799000" (New Order, New Algo Order).
Result<TimeMs> SimExchange::GoodTillDate(const std::optional<TimeInForce>& tif,
                                         const std::optional<TimeMs>& good_till_date) const {
  if (tif != TimeInForce::kGtd) return TimeMs{0};
  if (!good_till_date) return mandatory("goodTillDate");
  const TimeMs seconds = *good_till_date / 1000 * 1000;
  if (seconds <= now() + 600'000 || seconds >= 253'402'300'799'000) return Refuse(SimRefusal::kInvalidGoodTillDate);
  return seconds;
}

void SimExchange::ExpireGoodTillDate(TimeMs t) {
  while (!good_till_dates_.empty() && std::get<0>(*good_till_dates_.begin()) <= t) {
    const auto [at, id, conditional, order_id] = *good_till_dates_.begin();
    good_till_dates_.erase(good_till_dates_.begin());
    Account& a = account(id);
    if (conditional) {
      if (a.open_algos.count(order_id) && a.algos.at(order_id).status == AlgoStatus::kNew)
        EndAlgo(id, a.algos.at(order_id), AlgoStatus::kExpired);
    } else if (a.open_orders.count(order_id)) {
      Close(id, a.orders.at(order_id), OrderStatus::kExpired, "EXPIRED", "");
    }
  }
}

SimOrder& SimExchange::Submit(AccountId id, SimOrder order) {
  Account& a = account(id);
  SymbolState& s = *symbol_state(order.symbol);
  auto [it, inserted] = a.orders.emplace(order.order_id, std::move(order));
  SimOrder& o = it->second;
  MarkOpen(a, o);
  EmitUser(id, OrderUpdate{o, "NEW", {}, {}, {}, 0, false, {}, ""});

  const bool market = o.type == OrderType::kMarket;
  const bool takes = market || (o.time_in_force != TimeInForce::kGtx && s.market->WouldTake(o.side, o.price));
  if (takes) {
    const std::optional<Decimal> limit = market ? std::nullopt : std::optional<Decimal>(o.price);
    for (const auto& f : s.market->Take(o.side, o.orig_qty, limit)) {
      if (o.status != OrderStatus::kNew && o.status != OrderStatus::kPartiallyFilled) break;
      const Decimal filled = Fill(id, o, f.price, f.qty, false);
      if (filled < f.qty) break;  // a reduce-only order capped at its position
    }
  }
  if (o.status == OrderStatus::kNew || o.status == OrderStatus::kPartiallyFilled) {
    if (market || o.time_in_force == TimeInForce::kIoc || o.time_in_force == TimeInForce::kFok) {
      // What the book could not absorb expires, as the exchange does for market and IOC orders.
      Close(id, o, OrderStatus::kExpired, "EXPIRED", "");
    } else if (o.reduce_only && Reducible(a, o).is_zero()) {
      Close(id, o, OrderStatus::kExpired, "EXPIRED", "");
    } else {
      Rest(id, o);
    }
  }
  return o;
}

void SimExchange::MarkOpen(Account& a, const SimOrder& order) {
  a.open_orders.insert(order.order_id);
  a.open_by_client_id[client_key(order.symbol, order.client_order_id)] = order.order_id;
  ++a.open_count[order.symbol];
}

void SimExchange::MarkDone(Account& a, const SimOrder& order) {
  if (a.open_orders.erase(order.order_id)) --a.open_count[order.symbol];
  a.open_by_client_id.erase(client_key(order.symbol, order.client_order_id));
}

void SimExchange::Reserve(AccountId id, const SimOrder& order, Decimal notional) {
  Account& a = account(id);
  const Decimal lev = Decimal::FromInteger(leverage(id, order.symbol)).value();
  const Decimal margin = notional.Div(lev, Rounding::kUp).value();
  a.reserved[order.order_id] = Account::Reservation{notional, margin};
  a.open_order_margin = a.open_order_margin.Add(margin).value();
}

void SimExchange::Release(AccountId id, const SimOrder& order, const std::optional<Decimal>& filled_qty) {
  Account& a = account(id);
  auto it = a.reserved.find(order.order_id);
  if (it == a.reserved.end()) return;
  const Account::Reservation old = it->second;
  a.open_order_margin = a.open_order_margin.Sub(old.margin).value();
  a.reserved.erase(it);
  if (!filled_qty) return;
  // A fill shrinks the reservation to what still rests.
  Decimal left = old.notional.Sub(filled_qty->Mul(order.price, Rounding::kUp).value()).value();
  if (left.is_positive()) Reserve(id, order, left);
}

void SimExchange::Rest(AccountId id, SimOrder& order) {
  if (!order.reduce_only && order.type == OrderType::kLimit)
    Reserve(id, order, order.orig_qty.Sub(order.executed_qty).value().Mul(order.price, Rounding::kUp).value());
  RestingBook& book = symbol_state(order.symbol)->book;
  const OrderKey key{id, order.order_id};
  if (order.side == Side::kBuy) book.bids[order.price].push_back(key);
  else book.asks[order.price].push_back(key);
}

void SimExchange::Unrest(AccountId id, const SimOrder& order) {
  Release(id, order, std::nullopt);
  RestingBook& book = symbol_state(order.symbol)->book;
  const OrderKey key{id, order.order_id};
  auto remove = [&](auto& side) {
    auto level = side.find(order.price);
    if (level == side.end()) return;
    auto& q = level->second;
    q.erase(std::remove(q.begin(), q.end(), key), q.end());
    if (q.empty()) side.erase(level);
  };
  if (order.side == Side::kBuy) remove(book.bids);
  else remove(book.asks);
}

void SimExchange::Close(AccountId id, SimOrder& order, OrderStatus status, const char* execution_type,
                        const std::string& reason) {
  Account& a = account(id);
  Unrest(id, order);
  MarkDone(a, order);
  order.status = status;
  order.update_time = now();
  EmitUser(id, OrderUpdate{order, execution_type, {}, {}, {}, 0, false, {}, reason});
  OnOrderFinished(id, order);
}

Result<SimOrder*> SimExchange::FindOpenOrder(Account& a, const std::string& symbol, const OrderRef& ref) {
  if (!ref.order_id && !ref.client_order_id) return mandatory("orderId");
  std::int64_t id = 0;
  if (ref.order_id) {
    id = *ref.order_id;
  } else {
    auto it = a.open_by_client_id.find(client_key(symbol, *ref.client_order_id));
    if (it == a.open_by_client_id.end()) return Refuse(SimRefusal::kUnknownOrder);
    id = it->second;
  }
  auto it = a.orders.find(id);
  if (it == a.orders.end() || it->second.symbol != symbol || !a.open_orders.count(id))
    return Refuse(SimRefusal::kUnknownOrder);
  return &it->second;
}

Result<SimOrder> SimExchange::DoCancelOrder(AccountId id, const std::string& symbol, const OrderRef& ref) {
  Advance();
  if (!symbol_state(symbol)) return Refuse(SimRefusal::kUnknownSymbol);
  auto order = FindOpenOrder(account(id), symbol, ref);
  if (!order.ok()) return order.status();
  Close(id, **order, OrderStatus::kCanceled, "CANCELED", "");
  ++counters_.cancels;
  return **order;
}

Result<int> SimExchange::DoCancelAllOrders(AccountId id, const std::string& symbol) {
  Advance();
  if (!symbol_state(symbol)) return Refuse(SimRefusal::kUnknownSymbol);
  Account& a = account(id);
  std::vector<std::int64_t> ids;
  for (std::int64_t oid : a.open_orders)
    if (a.orders.at(oid).symbol == symbol) ids.push_back(oid);
  for (std::int64_t oid : ids) Close(id, a.orders.at(oid), OrderStatus::kCanceled, "CANCELED", "");
  counters_.cancels += static_cast<std::int64_t>(ids.size());
  return static_cast<int>(ids.size());
}

Result<SimOrder> SimExchange::DoQueryOrder(AccountId id, const std::string& symbol, const OrderRef& ref) const {
  if (!FindMarket(symbol)) return Refuse(SimRefusal::kUnknownSymbol);
  if (!ref.order_id && !ref.client_order_id) return mandatory("orderId");
  const Account& a = account(id);
  if (ref.order_id) {
    auto it = a.orders.find(*ref.order_id);
    if (it == a.orders.end() || it->second.symbol != symbol || Purged(it->second))
      return Refuse(SimRefusal::kOrderNotFound);
    return it->second;
  }
  const SimOrder* latest = nullptr;
  for (const auto& [oid, o] : a.orders)
    if (o.symbol == symbol && o.client_order_id == *ref.client_order_id && (!latest || o.order_id > latest->order_id))
      latest = &o;
  if (!latest || Purged(*latest)) return Refuse(SimRefusal::kOrderNotFound);
  return *latest;
}

// GET /fapi/v1/order: "Orders are purged" when CANCELED or EXPIRED with no fills and created more
// than 3 days ago, or created more than 90 days ago.
bool SimExchange::Purged(const SimOrder& o) const {
  constexpr TimeMs kDay = 24LL * 3'600'000;
  const TimeMs age = now() - o.time;
  const bool unfilled_end =
      (o.status == OrderStatus::kCanceled || o.status == OrderStatus::kExpired) && o.executed_qty.is_zero();
  return age > 90 * kDay || (unfilled_end && age > 3 * kDay);
}

std::vector<SimOrder> SimExchange::OpenOrders(AccountId id, const std::string& symbol) const {
  const Account& a = account(id);
  std::vector<SimOrder> out;
  for (std::int64_t oid : a.open_orders) {
    const SimOrder& o = a.orders.at(oid);
    if (symbol.empty() || o.symbol == symbol) out.push_back(o);
  }
  return out;
}

const SimOrder* SimExchange::FindOrder(AccountId id, std::int64_t order_id) const {
  const auto& orders = account(id).orders;
  auto it = orders.find(order_id);
  return it == orders.end() ? nullptr : &it->second;
}

const SimAlgoOrder* SimExchange::FindAlgo(AccountId id, std::int64_t algo_id) const {
  const auto& algos = account(id).algos;
  auto it = algos.find(algo_id);
  return it == algos.end() ? nullptr : &it->second;
}

bool SimExchange::ClientIdEverUsed(AccountId id, const std::string& client_order_id) const {
  const Account& a = account(id);
  for (const auto& [oid, o] : a.orders)
    if (o.client_order_id == client_order_id) return true;
  for (const auto& [aid, algo] : a.algos)
    if (algo.client_algo_id == client_order_id) return true;
  return false;
}

std::vector<SimOrder> SimExchange::AllOrders(AccountId id, const std::string& symbol) const {
  std::vector<SimOrder> out;
  for (const auto& [oid, o] : account(id).orders)
    if (symbol.empty() || o.symbol == symbol) out.push_back(o);
  std::sort(out.begin(), out.end(), [](const SimOrder& x, const SimOrder& y) { return x.order_id < y.order_id; });
  return out;
}

Result<SimOrder> SimExchange::DoModifyOrder(AccountId id, const ModifyRequest& r) {
  Advance();
  SymbolState* s = symbol_state(r.symbol);
  if (!s) return Refuse(SimRefusal::kUnknownSymbol);
  Account& a = account(id);
  auto found = FindOpenOrder(a, r.symbol, r.ref);
  if (!found.ok()) {
    if (Is(found.status(), SimRefusal::kUnknownOrder)) return Refuse(SimRefusal::kOrderNotFound);
    return found.status();
  }
  SimOrder& o = **found;
  if (o.type != OrderType::kLimit) return Refuse(SimRefusal::kInvalidOrderType, "orderType");
  if (r.side != o.side) return Refuse(SimRefusal::kMissingParameter, "side");
  if (r.quantity == o.orig_qty && r.price == o.price) return Refuse(SimRefusal::kUnchanged);
  const SimInstrument& inst = s->market->instrument();
  KEEL_RETURN_IF_ERROR(ValidateQuantity(inst, r.quantity, false));
  KEEL_RETURN_IF_ERROR(ValidatePrice(inst, r.price));
  KEEL_RETURN_IF_ERROR(CheckPriceBand(*s->market, r.price));
  if (o.modifications >= 10000) return Refuse(SimRefusal::kTooManyModifications);
  ++counters_.modifications;
  // The documented cases where a modification cancels the order instead.
  if ((o.executed_qty.is_positive() && r.quantity <= o.executed_qty) ||
      (o.time_in_force == TimeInForce::kGtx && s->market->WouldTake(o.side, r.price))) {
    Close(id, o, OrderStatus::kCanceled, "CANCELED", "");
    return o;
  }
  Unrest(id, o);
  o.orig_qty = r.quantity;
  o.price = r.price;
  ++o.modifications;
  o.update_time = now();
  EmitUser(id, OrderUpdate{o, "AMENDMENT", {}, {}, {}, 0, false, {}, ""});
  if (s->market->WouldTake(o.side, o.price)) {
    const Decimal remaining = o.orig_qty.Sub(o.executed_qty).value();
    for (const auto& f : s->market->Take(o.side, remaining, o.price)) {
      if (Fill(id, o, f.price, f.qty, false) < f.qty) break;
      if (o.status == OrderStatus::kFilled) break;
    }
  }
  if (o.status == OrderStatus::kNew || o.status == OrderStatus::kPartiallyFilled) Rest(id, o);  // at the back
  return o;
}

Result<SimOrder> SimExchange::ExchangeCancel(AccountId id, const std::string& symbol, const OrderRef& ref, bool expire,
                                             const std::string& reason) {
  Advance();
  if (!symbol_state(symbol)) return Status::NotFound("no symbol " + symbol);
  auto order = FindOpenOrder(account(id), symbol, ref);
  if (!order.ok()) return Status::NotFound("no open order " + symbol + " " + order.status().message());
  Close(id, **order, expire ? OrderStatus::kExpired : OrderStatus::kCanceled, expire ? "EXPIRED" : "CANCELED", reason);
  return **order;
}

Result<SimOrder> SimExchange::ExchangeFill(AccountId id, const std::string& symbol, const OrderRef& ref,
                                           const std::optional<Decimal>& qty) {
  Advance();
  SymbolState* s = symbol_state(symbol);
  if (!s) return Status::NotFound("no symbol " + symbol);
  auto order = FindOpenOrder(account(id), symbol, ref);
  if (!order.ok()) return Status::NotFound("no open order " + symbol + " " + order.status().message());
  SimOrder& o = **order;
  const Decimal remaining = o.orig_qty.Sub(o.executed_qty).value();
  const Decimal amount = qty ? *qty : remaining;
  if (!amount.is_positive() || amount > remaining)
    return Status::InvalidInput("fill quantity must be above 0 and at most the remaining " + remaining.ToString());
  const Decimal price = o.type == OrderType::kMarket ? s->market->last() : o.price;
  Fill(id, o, price, amount, true);
  return o;
}

Result<SimOrder> SimExchange::CancelRacingFill(AccountId id, const std::string& symbol, const OrderRef& ref) {
  auto filled = ExchangeFill(id, symbol, ref, std::nullopt);
  if (!filled.ok()) return filled.status();
  // The cancel arrived as the fill did: accepted, then turned down because the order had filled.
  EmitUser(id, OrderUpdate{*filled, "CANCEL_REJECTED", {}, {}, {}, 0, false, {}, ""});
  return filled;
}

}  // namespace keel::sim
