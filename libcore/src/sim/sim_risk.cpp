// SimExchange: what the exchange does to an account on its own when prices move: funding payments,
// margin calls, liquidation and auto-deleveraging, and the countdownCancelAll dead-man switch.
#include "keel/sim/position_math.h"
#include "keel/sim/sim_exchange.h"

namespace keel::sim {
namespace {

Decimal D(const char* t) { return Decimal::Parse(t).value(); }

}  // namespace

void SimExchange::PayFunding(TimeMs at) {
  for (std::size_t i = 0; i < accounts_.size(); ++i) {
    const auto id = static_cast<AccountId>(i);
    Account& a = accounts_[i];
    for (auto& [key, p] : a.positions) {
      if (p.amount.is_zero()) continue;
      // A long pays when the rate is positive: amount * mark * rate.
      const Decimal mark = FindMarket(p.symbol)->mark();
      const Decimal payment = p.amount.Mul(mark, Rounding::kNearest).value().Mul(config_.funding_rate, Rounding::kNearest).value();
      if (payment.is_zero()) continue;
      a.wallet = a.wallet.Sub(payment).value();
      a.wallet_time = at;
      a.income.push_back({p.symbol, "FUNDING_FEE", payment.negated(), at, next_tran_id_++, 0});
      // Cross: the balance only; isolated: the balance and that position (USD-M ACCOUNT_UPDATE).
      std::vector<SimPosition> changed;
      if (margin_type(id, p.symbol) == "isolated") changed.push_back(p);
      EmitUser(id, AccountUpdate{"FUNDING_FEE", a.wallet, a.wallet, payment.negated(), changed, "", p,
                                 a.income.back().tran_id});
    }
  }
}

void SimExchange::CheckLiquidation(AccountId id) {
  Account& a = account(id);
  Decimal cross_upnl, cross_maint, isolated_margin;
  std::vector<std::pair<std::string, PositionSide>> cross, isolated_due;
  for (const auto& [key, p] : a.positions) {
    if (p.amount.is_zero()) continue;
    const Decimal mark = FindMarket(p.symbol)->mark();
    const Decimal upnl = UnrealizedPnl(p.amount, p.entry_price, mark).value();
    const Decimal notional = p.amount.abs().Mul(mark, Rounding::kUp).value();
    const Decimal maint = maintenance_margin(p.symbol, notional);
    if (margin_type(id, p.symbol) == "isolated") {
      // The isolated wallet is the margin the position was opened with.
      const Decimal entry_notional = p.amount.abs().Mul(p.entry_price, Rounding::kUp).value();
      const Decimal margin = entry_notional.Div(Decimal::FromInteger(p.leverage).value(), Rounding::kUp).value();
      isolated_margin = isolated_margin.Add(margin).value();
      if (margin.Add(upnl).value() <= maint) isolated_due.push_back(key);
    } else {
      cross_upnl = cross_upnl.Add(upnl).value();
      cross_maint = cross_maint.Add(maint).value();
      cross.push_back(key);
    }
  }
  for (const auto& [symbol, side] : isolated_due) (void)Liquidate(id, symbol, side);
  if (cross.empty()) {
    a.margin_called = false;
    return;
  }
  const Decimal margin_balance = a.wallet.Add(cross_upnl).value().Sub(isolated_margin).value();
  if (margin_balance <= cross_maint) {
    for (const auto& [symbol, side] : cross) (void)Liquidate(id, symbol, side);
    a.margin_called = false;
    return;
  }
  // MARGIN_CALL once the maintenance margin reaches 80 % of the margin balance; again only after
  // the ratio has come back under 60 %.
  const Decimal ratio = margin_balance.is_positive() ? cross_maint.Div(margin_balance, Rounding::kUp).value() : D("1");
  if (ratio >= D("0.8") && !a.margin_called) {
    a.margin_called = true;
    std::vector<SimPosition> at_risk;
    for (const auto& key : cross) at_risk.push_back(a.positions.at(key));
    EmitUser(id, MarginCall{a.wallet, at_risk});
  } else if (ratio < D("0.6")) {
    a.margin_called = false;
  }
}

Result<SimOrder> SimExchange::Liquidate(AccountId id, const std::string& symbol, PositionSide side) {
  return CloseByExchange(id, symbol, side, std::nullopt, false);
}

Result<SimOrder> SimExchange::AutoDeleverage(AccountId id, const std::string& symbol, PositionSide side,
                                             const std::optional<Decimal>& qty) {
  return CloseByExchange(id, symbol, side, qty, true);
}

Result<SimOrder> SimExchange::CloseByExchange(AccountId id, const std::string& symbol, PositionSide side,
                                              const std::optional<Decimal>& qty, bool adl) {
  SymbolState* s = symbol_state(symbol);
  if (!s) return Status::NotFound("no symbol " + symbol);
  Account& a = account(id);
  auto held = a.positions.find({symbol, side});
  if (held == a.positions.end() || held->second.amount.is_zero())
    return Status::NotFound("no " + std::string(to_string(side)) + " position on " + symbol + " to close");
  const Decimal amount = held->second.amount;
  const Decimal size = qty && *qty < amount.abs() ? *qty : amount.abs();
  if (!adl) {
    // "Order has expired when the account was liquidated" (er 5).
    std::vector<std::int64_t> open;
    for (std::int64_t oid : a.open_orders)
      if (a.orders.at(oid).symbol == symbol) open.push_back(oid);
    for (std::int64_t oid : open) Close(id, a.orders.at(oid), OrderStatus::kExpired, "EXPIRED", "5");
  }
  SimOrder o;
  o.order_id = next_order_id_++;
  o.client_order_id = adl ? "adl_autoclose" : "autoclose-" + std::to_string(now());
  o.symbol = symbol;
  o.side = amount.is_positive() ? Side::kSell : Side::kBuy;
  o.position_side = side;
  o.type = adl ? OrderType::kAdl : OrderType::kLiquidation;
  o.orig_type = o.type;
  o.time_in_force = TimeInForce::kIoc;
  o.orig_qty = size;
  o.price = s->market->mark();
  o.reduce_only = true;
  o.time = o.update_time = now();
  auto [it, inserted] = a.orders.emplace(o.order_id, o);
  SimOrder& placed = it->second;
  EmitUser(id, OrderUpdate{placed, "NEW", {}, {}, {}, 0, false, {}, ""});
  const Decimal mark = s->market->mark();
  std::optional<OrderStatus> reported;
  if (adl) {
    reported = OrderStatus::kNewAdl;
  } else {
    // A loss beyond the wallet is taken by the insurance fund: the event says NEW_INSURANCE.
    const Decimal signed_qty = o.side == Side::kBuy ? size : size.negated();
    const Decimal pnl = ApplyFill(amount, held->second.entry_price, signed_qty, mark).value().realized_pnl;
    const Decimal fee = Commission(mark, size, config_.taker_fee).value();
    if (a.wallet.Add(pnl).value().Sub(fee).value().is_negative()) reported = OrderStatus::kNewInsurance;
  }
  Fill(id, placed, mark, size, false, "CALCULATED", reported);
  if (a.wallet.is_negative()) {
    a.income.push_back({symbol, "INSURANCE_CLEAR", a.wallet.negated(), now(), next_tran_id_++, 0});
    a.wallet = Decimal();
  }
  ++counters_.liquidations;
  return placed;
}

std::vector<SimIncome> SimExchange::Income(AccountId id) const { return account(id).income; }

Status SimExchange::SetCountdown(AccountId id, const std::string& symbol, TimeMs countdown_ms) {
  if (!symbol_state(symbol)) return Refuse(SimRefusal::kUnknownSymbol);
  Account& a = account(id);
  if (countdown_ms <= 0) a.countdown.erase(symbol);
  else a.countdown[symbol] = now() + countdown_ms;
  return Status::Ok();
}

void SimExchange::RunCountdowns(TimeMs t) {
  for (std::size_t i = 0; i < accounts_.size(); ++i) {
    Account& a = accounts_[i];
    std::vector<std::string> due;
    for (const auto& [symbol, deadline] : a.countdown)
      if (deadline <= t) due.push_back(symbol);
    for (const auto& symbol : due) {
      a.countdown.erase(symbol);
      (void)DoCancelAllOrders(static_cast<AccountId>(i), symbol);
    }
  }
}

}  // namespace keel::sim
