#include "keel/engine/risk_limits.h"

namespace keel {
namespace {

constexpr TimeMs kMinute = 60'000;

Status Refuse(const std::string& limit, const std::string& figure) {
  return Status::Conflict("risk limit " + limit + ": " + figure);
}

Status CheckOne(const RiskLimit& limit, const std::string& where, Decimal notional_after, int orders_after,
                int signals_after) {
  if (limit.max_position_notional && notional_after > *limit.max_position_notional) {
    return Refuse(where + "max_position_notional = " + limit.max_position_notional->ToString(),
                  "the trade would bring the notional to " + notional_after.ToString());
  }
  if (limit.max_open_orders && orders_after > *limit.max_open_orders) {
    return Refuse(where + "max_open_orders = " + std::to_string(*limit.max_open_orders),
                  "the trade would bring the open orders to " + std::to_string(orders_after));
  }
  if (limit.max_signals_per_minute && signals_after > *limit.max_signals_per_minute) {
    return Refuse(where + "max_signals_per_minute = " + std::to_string(*limit.max_signals_per_minute),
                  "this would be signal " + std::to_string(signals_after) + " in the last minute");
  }
  return Status::Ok();
}

}  // namespace

void SignalRate::Expire(TimeMs now) {
  while (!taken_.empty() && taken_.front().first <= now - kMinute) taken_.pop_front();
}
void SignalRate::Record(const std::string& symbol, TimeMs now) {
  Expire(now);
  taken_.emplace_back(now, symbol);
}
int SignalRate::AccountCount(TimeMs now) {
  Expire(now);
  return static_cast<int>(taken_.size());
}
int SignalRate::SymbolCount(const std::string& symbol, TimeMs now) {
  Expire(now);
  int n = 0;
  for (const auto& t : taken_) n += t.second == symbol;
  return n;
}

Status CheckRiskLimits(const RiskLimits& limits, const RiskExposure& exposure, SignalRate& rate,
                       const RiskRequest& request, TimeMs now) {
  auto sum = [](Decimal a, Decimal b) { return a.Add(b); };
  auto held = exposure.notional.find(request.symbol);
  auto symbol_notional = sum(held == exposure.notional.end() ? Decimal() : held->second, request.added_notional);
  auto account_notional = sum(exposure.account_notional, request.added_notional);
  if (!symbol_notional.ok()) return symbol_notional.status();
  if (!account_notional.ok()) return account_notional.status();
  auto orders = exposure.open_orders.find(request.symbol);
  const int symbol_orders = (orders == exposure.open_orders.end() ? 0 : orders->second) + request.added_orders;
  const int account_orders = exposure.account_open_orders + request.added_orders;

  auto per_symbol = limits.symbols.find(request.symbol);
  if (per_symbol != limits.symbols.end()) {
    KEEL_RETURN_IF_ERROR(CheckOne(per_symbol->second, "daemon.risk.symbols." + request.symbol + ".", *symbol_notional,
                                  symbol_orders, rate.SymbolCount(request.symbol, now) + 1));
  }
  return CheckOne(limits.account, "daemon.risk.", *account_notional, account_orders, rate.AccountCount(now) + 1);
}

std::string DescribeRiskLimits(const RiskLimits& limits) {
  const RiskLimit& a = limits.account;
  std::string out;
  auto add = [&out](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  if (a.max_position_notional) add("notional " + a.max_position_notional->ToString());
  if (a.max_open_orders) add(std::to_string(*a.max_open_orders) + " open orders");
  if (a.max_signals_per_minute) add(std::to_string(*a.max_signals_per_minute) + " signals/min");
  if (!limits.symbols.empty()) {
    std::string names;
    for (const auto& [symbol, limit] : limits.symbols) names += (names.empty() ? "" : " ") + symbol;
    add("own limits for " + names);
  }
  if (!a.max_position_notional) {
    add("no account-wide max_position_notional: a signal is bounded only by the exchange's largest order");
  }
  return out;
}

}  // namespace keel
