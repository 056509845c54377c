#include "keel/engine/replacement_guard.h"

namespace keel {

const char* to_string(GuardBlock b) {
  switch (b) {
    case GuardBlock::kDisabled: return "disabled";
    case GuardBlock::kOriginalWorking: return "original_working";
    case GuardBlock::kOriginalFilled: return "original_filled";
    case GuardBlock::kPositionExists: return "position_exists";
    case GuardBlock::kDuplicateWorking: return "duplicate_working";
    case GuardBlock::kSignalInvalid: return "signal_invalid";
    case GuardBlock::kAttemptsExhausted: return "attempts_exhausted";
    case GuardBlock::kCooldown: return "cooldown";
    case GuardBlock::kBreakerOpen: return "breaker_open";
    case GuardBlock::kNoPosition: return "no_position";
  }
  return "?";
}

GuardDecision ReplacementGuard::Blocked(GuardBlock block, std::string detail, TimeMs retry_at) {
  ++blocks_[block];
  GuardDecision d;
  d.block = block;
  d.detail = std::move(detail);
  d.retry_at = retry_at;
  return d;
}

GuardDecision ReplacementGuard::Precheck(const std::string& signal_id, const std::string& objection, TimeMs now) {
  if (!limits_.enabled) return Blocked(GuardBlock::kDisabled, "auto_replace_cancelled_orders is off");
  if (!objection.empty()) return Blocked(GuardBlock::kSignalInvalid, objection);
  auto it = attempts_.find(signal_id);
  if (it != attempts_.end()) {
    const Attempts& a = it->second;
    if (a.count >= limits_.max_attempts)
      return Blocked(GuardBlock::kAttemptsExhausted, std::to_string(a.count) + " of " +
                                                         std::to_string(limits_.max_attempts) + " replacements used");
    const TimeMs ready = a.last_ms + limits_.min_interval_ms;
    if (now < ready)
      return Blocked(GuardBlock::kCooldown, "the last replacement was " + std::to_string(now - a.last_ms) +
                                                " ms ago (at least " + std::to_string(limits_.min_interval_ms) + ")",
                     ready);
  }
  GuardDecision ok;
  ok.allowed = true;
  return ok;
}

GuardDecision ReplacementGuard::Check(const ReplacementFacts& f, TimeMs now) {
  if (!limits_.enabled) return Blocked(GuardBlock::kDisabled, "auto_replace_cancelled_orders is off");
  if (f.original) {
    const OrderReport& o = *f.original;
    const bool ended = o.status == OrderStatus::kCanceled || o.status == OrderStatus::kExpired ||
                       o.status == OrderStatus::kRejected;
    if (!ended && o.status != OrderStatus::kFilled)
      return Blocked(GuardBlock::kOriginalWorking, f.order_id + " is still " + to_string(o.status));
    if (!o.filled_qty.is_zero() && !f.reduces)
      return Blocked(GuardBlock::kOriginalFilled, f.order_id + " " + to_string(o.status) + " with " +
                                                      o.filled_qty.ToString() + " filled");
  }
  if (f.reduces && f.position_amount.is_zero())
    return Blocked(GuardBlock::kNoPosition, "the exchange holds no position on the leg");
  if (!f.reduces && !f.position_amount.is_zero())
    return Blocked(GuardBlock::kPositionExists, "the exchange holds " + f.position_amount.ToString());
  if (f.duplicates_working > 0)
    return Blocked(GuardBlock::kDuplicateWorking,
                   std::to_string(f.duplicates_working) + " other order(s) for it already working");
  GuardDecision local = Precheck(f.signal_id, f.engine_objection, now);
  if (!local.allowed) return local;
  if (f.reduces)
    local.detail = (f.original ? f.order_id + " " + to_string(f.original->status) + " with " +
                                     f.original->filled_qty.ToString() + " filled"
                               : f.order_id + " unknown to the exchange") +
                   ", " + f.position_amount.ToString() + " left on the leg";
  else
    local.detail = f.original ? f.order_id + " " + to_string(f.original->status) + " with nothing filled"
                              : f.order_id + " unknown to the exchange";
  return local;
}

Result<AccountReport> ReadReplacementFacts(Exchange& ex, const std::string& symbol, PositionSide leg,
                                           const std::optional<OrderReport>& queried, ReplacementFacts& f) {
  if (queried) {
    f.original = *queried;
  } else {
    auto q = ex.Query(OrderBook::kRegular, symbol, f.order_id);
    if (q.ok()) f.original = *q;
    else if (!q.status().IsNotFound()) return q.status().WithContext("the guard's query of " + f.order_id);
  }
  auto account = ex.Account();
  if (!account.ok()) return account.status().WithContext("the guard's read of the account");
  for (const auto& p : account->positions)
    if (p.symbol == symbol && p.position_side == leg) f.position_amount = p.amount;
  return account;
}

void ReplacementGuard::RecordAttempt(const std::string& signal_id, TimeMs now) {
  Attempts& a = attempts_[signal_id];
  ++a.count;
  a.last_ms = now;
}

int ReplacementGuard::attempts(const std::string& signal_id) const {
  auto it = attempts_.find(signal_id);
  return it == attempts_.end() ? 0 : it->second.count;
}

bool ReplacementGuard::RecordFailure(const std::string& order_id) {
  const int n = ++failures_[order_id];
  return n == limits_.breaker_failures;
}

bool ReplacementGuard::BreakerOpen(const std::string& order_id) const {
  auto it = failures_.find(order_id);
  return it != failures_.end() && it->second >= limits_.breaker_failures;
}

void ReplacementGuard::Forget(const std::string& signal_id) { attempts_.erase(signal_id); }

}  // namespace keel
