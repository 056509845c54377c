// SimExchange: fills, positions, balances, and resting orders filling as the market moves.
#include "keel/sim/position_math.h"
#include "keel/sim/sim_exchange.h"

namespace keel::sim {

Decimal SimExchange::Reducible(const Account& a, const SimOrder& o) const {
  auto it = a.positions.find({o.symbol, o.position_side});
  if (it == a.positions.end()) return Decimal();
  const Decimal amount = it->second.amount;
  const int order_sign = o.side == Side::kBuy ? 1 : -1;
  if (amount.is_zero() || amount.sign() == order_sign) return Decimal();
  return amount.abs();
}

Decimal SimExchange::Fill(AccountId id, SimOrder& o, Decimal price, Decimal qty, bool maker, const char* execution_type,
                          std::optional<OrderStatus> reported_status) {
  Account& a = account(id);
  // One instant for the whole fill, as the exchange's matching engine stamps it: the position's
  // update time, the trade's and the order's are equal (reads on either side of a millisecond
  // made a fill look newer than the position row it made: CI flake of the scan-orphans e2e test).
  const TimeMs at = now();
  const Decimal remaining = o.orig_qty.Sub(o.executed_qty).value();
  if (qty > remaining) qty = remaining;
  // A hedge-mode order on its leg's closing side (SELL LONG, BUY SHORT) only ever reduces the leg:
  // the venue never turns a leg to the other side (chaos seed 1104760: a trailing stop that fired
  // after the leg's stop had closed it made a SHORT leg +30).
  const bool reducing_only = o.reduce_only || o.close_position || ClosesHedgeLeg(o.position_side, o.side);
  if (reducing_only) {
    const Decimal cap = Reducible(a, o);
    if (qty > cap) qty = cap;
  }
  if (!qty.is_positive()) {
    // A reduce-only order with nothing left to reduce expires, as on the exchange.
    if (reducing_only && a.open_orders.count(o.order_id)) Close(id, o, OrderStatus::kExpired, "EXPIRED", "");
    return Decimal();
  }
  SimPosition& p = a.positions[{o.symbol, o.position_side}];
  p.symbol = o.symbol;
  p.position_side = o.position_side;
  const Decimal signed_qty = o.side == Side::kBuy ? qty : qty.negated();
  const PositionChange change = ApplyFill(p.amount, p.entry_price, signed_qty, price).value();
  const Decimal commission = Commission(price, qty, maker ? config_.maker_fee : config_.taker_fee).value();
  a.wallet = a.wallet.Add(change.realized_pnl).value().Sub(commission).value();
  a.wallet_time = at;
  p.amount = change.amount;
  p.entry_price = change.entry_price;
  p.accumulated_realized = p.accumulated_realized.Add(change.realized_pnl).value();
  p.leverage = leverage(id, o.symbol);
  p.update_time = at;
  SymbolState& s = *symbol_state(o.symbol);
  if (s.cross_order != o.order_id || s.cross_time != at || maker) {
    ++s.cross_seq;
    s.cross_order = maker ? -1 : o.order_id;
    s.cross_time = at;
  }
  p.seq = s.cross_seq;

  const Decimal quote = price.Mul(qty, Rounding::kNearest).value();
  o.executed_qty = o.executed_qty.Add(qty).value();
  o.cum_quote = o.cum_quote.Add(quote).value();
  o.cum_commission = o.cum_commission.Add(commission).value();
  o.cum_realized_pnl = o.cum_realized_pnl.Add(change.realized_pnl).value();
  o.avg_price = o.cum_quote.Div(o.executed_qty, Rounding::kNearest).value();
  o.status = o.executed_qty == o.orig_qty ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled;
  o.update_time = at;

  SimTrade t;
  t.id = next_trade_id_++;
  t.order_id = o.order_id;
  t.symbol = o.symbol;
  t.side = o.side;
  t.position_side = o.position_side;
  t.price = price;
  t.qty = qty;
  t.quote_qty = quote;
  t.commission = commission;
  t.realized_pnl = change.realized_pnl;
  t.maker = maker;
  t.time = at;
  t.seq = p.seq;
  a.trades.push_back(t);
  ++counters_.fills;
  if (!change.realized_pnl.is_zero()) a.income.push_back({o.symbol, "REALIZED_PNL", change.realized_pnl, at, next_tran_id_++, t.id});
  if (commission.is_positive()) a.income.push_back({o.symbol, "COMMISSION", commission.negated(), at, next_tran_id_++, t.id});

  // TRADE_LITE first (it is the exchange's fast path), then the position, then the order's trade
  // (same T and E).
  // Their transaction time is the fill's instant too: a push stamped a millisecond after the
  // position row it reports made a close look moved on since the read that proved it flat (CI flake,
  // e2e scenario 9 under ASan: "changed after the read", .307 against a row of .306).
  if (std::string_view(execution_type) == "TRADE") EmitUser(id, TradeLite{o, qty, price, t.id, maker}, at);
  const std::string position_status =
      o.type == OrderType::kLiquidation ? "Liq" : o.type == OrderType::kAdl ? "Adl" : "";
  EmitUser(id, AccountUpdate{"ORDER", a.wallet, a.wallet, Decimal(), {p}, position_status}, at);
  SimOrder reported = o;
  if (reported_status) reported.status = *reported_status;
  EmitUser(id, OrderUpdate{reported, execution_type, qty, price, commission, t.id, maker, change.realized_pnl, "", t.seq}, at);
  s.market->RecordTrade(at, price, qty);
  EmitMarket(AggTradeUpdate{o.symbol, s.next_agg_id++, price, qty, t.id, t.id, maker == (o.side == Side::kBuy)});

  Release(id, o, qty);  // a resting order's reservation shrinks with each fill
  if (o.status == OrderStatus::kFilled) {
    Unrest(id, o);
    MarkDone(a, o);
    OnOrderFinished(id, o);
  }
  if (p.amount.is_zero()) {
    // A closed position takes its reduce-only orders with it.
    std::vector<std::int64_t> stale;
    for (std::int64_t oid : a.open_orders) {
      const SimOrder& other = a.orders.at(oid);
      if (other.symbol == o.symbol && other.position_side == o.position_side && other.reduce_only) stale.push_back(oid);
    }
    for (std::int64_t oid : stale) {
      a.orders.at(oid).ended_with_position = true;
      Close(id, a.orders.at(oid), OrderStatus::kExpired, "EXPIRED", "");
    }
    ExpirePositionAlgos(id, o.symbol, o.position_side);
  }
  return qty;
}

void SimExchange::MatchResting(SymbolState& s) {
  const Quote q = s.market->quote();
  std::vector<OrderKey> crossed;
  for (const auto& [price, keys] : s.book.bids) {
    if (price < q.ask) break;
    crossed.insert(crossed.end(), keys.begin(), keys.end());
  }
  for (const auto& [price, keys] : s.book.asks) {
    if (price > q.bid) break;
    crossed.insert(crossed.end(), keys.begin(), keys.end());
  }
  // Each crossed order fills at its own price, up to one level's depth per market step.
  for (const OrderKey& key : crossed) {
    Account& a = account(key.account);
    if (!a.open_orders.count(key.order_id)) continue;
    SimOrder& o = a.orders.at(key.order_id);
    const Decimal remaining = o.orig_qty.Sub(o.executed_qty).value();
    const Decimal depth = s.market->instrument().depth_per_level;
    Fill(key.account, o, o.price, remaining < depth ? remaining : depth, true);
  }
}

void SimExchange::OnOrderFinished(AccountId id, const SimOrder& order) {
  if (!order.algo_id) return;
  Account& a = account(id);
  auto it = a.algos.find(*order.algo_id);
  if (it == a.algos.end()) return;
  SimAlgoOrder& algo = it->second;
  algo.executed_qty = order.executed_qty;
  algo.avg_price = order.avg_price;
  algo.status = AlgoStatus::kFinished;
  algo.update_time = now();
  EmitAlgo(id, algo);
}

}  // namespace keel::sim
