#include "keel/sim/position_math.h"

namespace keel::sim {

Result<PositionChange> ApplyFill(Decimal amount, Decimal entry_price, Decimal signed_qty, Decimal price) {
  PositionChange c;
  auto after = amount.Add(signed_qty);
  if (!after.ok()) return after.status();
  c.amount = *after;
  const bool adding = amount.is_zero() || amount.sign() == signed_qty.sign();
  if (adding) {
    // Weighted average of the old entry and the fill.
    auto old_value = amount.abs().Mul(entry_price, Rounding::kNearest);
    auto fill_value = signed_qty.abs().Mul(price, Rounding::kNearest);
    if (!old_value.ok()) return old_value.status();
    if (!fill_value.ok()) return fill_value.status();
    auto total = old_value->Add(*fill_value);
    if (!total.ok()) return total.status();
    if (c.amount.is_zero()) return c;
    auto entry = total->Div(c.amount.abs(), Rounding::kNearest);
    if (!entry.ok()) return entry.status();
    c.entry_price = *entry;
    return c;
  }
  const Decimal closed = signed_qty.abs() < amount.abs() ? signed_qty.abs() : amount.abs();
  auto per_unit = price.Sub(entry_price);
  if (!per_unit.ok()) return per_unit.status();
  auto pnl = per_unit->Mul(closed, Rounding::kNearest);
  if (!pnl.ok()) return pnl.status();
  c.realized_pnl = amount.is_negative() ? pnl->negated() : *pnl;
  if (c.amount.is_zero()) c.entry_price = Decimal();
  else if (c.amount.sign() != amount.sign()) c.entry_price = price;  // crossed through zero
  else c.entry_price = entry_price;
  return c;
}

Result<Decimal> UnrealizedPnl(Decimal amount, Decimal entry_price, Decimal mark_price) {
  if (amount.is_zero()) return Decimal();
  auto diff = mark_price.Sub(entry_price);
  if (!diff.ok()) return diff.status();
  return diff->Mul(amount, Rounding::kNearest);
}

Result<Decimal> Commission(Decimal price, Decimal qty, Decimal rate) {
  auto notional = price.Mul(qty, Rounding::kUp);
  if (!notional.ok()) return notional.status();
  return notional->Mul(rate, Rounding::kUp);
}

}  // namespace keel::sim
