#include "keel/sim/leverage_brackets.h"

namespace keel::sim {
namespace {

Decimal D(const char* t) { return Decimal::Parse(t).value(); }

struct Row {
  int leverage;
  const char* cap;
  const char* ratio;
};

// Published shapes (USD-M "Notional and Leverage Brackets"), to the caps that matter for a test
// account; cum is derived so that the maintenance margin is continuous across brackets.
constexpr Row kMajor[] = {{125, "50000", "0.004"},     {100, "600000", "0.005"},      {75, "3000000", "0.0065"},
                          {50, "12000000", "0.01"},    {25, "70000000", "0.02"},      {20, "100000000", "0.025"},
                          {10, "230000000", "0.05"},   {5, "480000000", "0.1"},       {4, "600000000", "0.125"},
                          {3, "800000000", "0.15"},    {2, "1200000000", "0.25"},     {1, "1800000000", "0.5"}};
constexpr Row kOther[] = {{75, "5000", "0.005"},       {50, "25000", "0.01"},         {25, "100000", "0.02"},
                          {20, "250000", "0.025"},     {10, "1000000", "0.05"},       {5, "10000000", "0.1"},
                          {4, "15000000", "0.125"},    {3, "20000000", "0.15"},       {2, "30000000", "0.25"},
                          {1, "50000000", "0.5"}};

}  // namespace

std::vector<LeverageBracket> DefaultBrackets(bool major) {
  std::vector<LeverageBracket> out;
  const Row* rows = major ? kMajor : kOther;
  const std::size_t n = major ? std::size(kMajor) : std::size(kOther);
  Decimal floor, cum, previous_ratio;
  for (std::size_t i = 0; i < n; ++i) {
    LeverageBracket b;
    b.bracket = static_cast<int>(i) + 1;
    b.initial_leverage = rows[i].leverage;
    b.notional_floor = floor;
    b.notional_cap = D(rows[i].cap);
    b.maint_margin_ratio = D(rows[i].ratio);
    cum = cum.Add(floor.Mul(b.maint_margin_ratio.Sub(previous_ratio).value(), Rounding::kNearest).value()).value();
    b.cum = cum;
    out.push_back(b);
    floor = b.notional_cap;
    previous_ratio = b.maint_margin_ratio;
  }
  return out;
}

const LeverageBracket& BracketFor(const std::vector<LeverageBracket>& brackets, Decimal notional) {
  for (const auto& b : brackets)
    if (notional < b.notional_cap) return b;
  return brackets.back();
}

int MaxLeverage(const std::vector<LeverageBracket>& brackets) {
  return brackets.empty() ? 125 : brackets.front().initial_leverage;
}

Decimal MaxNotionalAt(const std::vector<LeverageBracket>& brackets, int leverage) {
  Decimal cap;
  for (const auto& b : brackets)
    if (b.initial_leverage >= leverage) cap = b.notional_cap;
  return cap;
}

Decimal MaintenanceMargin(const std::vector<LeverageBracket>& brackets, Decimal notional) {
  if (brackets.empty()) return notional.abs().Mul(D("0.004"), Rounding::kUp).value();
  const LeverageBracket& b = BracketFor(brackets, notional.abs());
  const Decimal m = notional.abs().Mul(b.maint_margin_ratio, Rounding::kUp).value().Sub(b.cum).value();
  return m.is_negative() ? Decimal() : m;
}

}  // namespace keel::sim
