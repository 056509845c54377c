#pragma once
// ReplacementGuard: whether an order the exchange ended on its own (seed 000: a maker entry
// cancelled by the venue) may be replaced by a new one. A replacement that guesses wrong doubles a
// position: the original may in fact have filled, a position may already be there, another entry
// may already be working. So a replacement goes ahead only when every check passes, the first
// three against what the exchange answered just before (REST), never against memory alone:
//   1. the original order ended (CANCELED, EXPIRED, REJECTED, or unknown to the venue) with nothing
//      filled;
//   2. no position on the leg;
// (an exit that reduces a position, a limit take-profit, instead: 1. it ended, a part filled or
// not, since its replacement is sized to what is left; 2. a position still on the leg;)
//   3. no other working order for the same purpose on the symbol and leg;
//   4. the engine's own state agrees (the signal still wants an entry, within its time limit, not
//      paused or shutting down);
//   5. at most max_attempts replacements per signal;
//   6. at least min_interval_ms between two of them (too early is deferred, not dropped).
// Apart from that, a breaker per order: after breaker_failures consecutive failed amends or cancels
// of one order, it is left alone (and alerted) instead of hammered. Every block is counted by reason.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "keel/exchange/exchange.h"
#include "keel/model/time.h"

namespace keel {

enum class GuardBlock {
  kDisabled,           // auto_replace_cancelled_orders = false
  kOriginalWorking,    // the original is still open on the exchange
  kOriginalFilled,     // the original filled, wholly or in part: a replacement would double it
  kPositionExists,     // a position is already on the leg
  kDuplicateWorking,   // another order for the same purpose is already working
  kSignalInvalid,      // the engine's own state says no
  kAttemptsExhausted,  // max_attempts replacements already sent for the signal
  kCooldown,           // the last replacement was less than min_interval_ms ago
  kBreakerOpen,        // the order failed breaker_failures times in a row
  kNoPosition,         // an exit's: nothing left on the leg to reduce
};
const char* to_string(GuardBlock block);  // "original_filled", … (log and metric label)

struct GuardLimits {
  bool enabled = true;
  int max_attempts = 3;
  TimeMs min_interval_ms = 1000;
  int breaker_failures = 3;
};

// What the exchange and the engine said just before a replacement.
struct ReplacementFacts {
  std::string signal_id;
  std::string order_id;                 // the original's client order id
  std::optional<OrderReport> original;  // the venue's answer about it; nullopt: it does not know it
  Decimal position_amount;              // on the leg, signed, as read from the exchange
  int duplicates_working = 0;           // other working orders for the purpose on symbol and leg
  std::string engine_objection;         // empty when the engine's state agrees, else why not
  // The original reduces the position (a limit take-profit): see checks 1 and 2 above.
  bool reduces = false;
};

struct GuardDecision {
  bool allowed = false;
  std::optional<GuardBlock> block;
  std::string detail;   // the reason, with the values that decided it
  TimeMs retry_at = 0;  // kCooldown: when asking again may pass
};

// Reads what checks 1 and 2 need into f (f.order_id named): the original, from `queried` when a
// terminal state was read a moment ago (final), else asked by client id in the order book; the
// position on the leg. Returns the account read, whose open orders the caller counts for check 3.
Result<AccountReport> ReadReplacementFacts(Exchange& ex, const std::string& symbol, PositionSide leg,
                                           const std::optional<OrderReport>& queried, ReplacementFacts& f);

class ReplacementGuard {
 public:
  explicit ReplacementGuard(GuardLimits limits = {}) : limits_(limits) {}
  void set_limits(GuardLimits limits) { limits_ = limits; }
  const GuardLimits& limits() const { return limits_; }

  // The checks that need no exchange read (4-6 and the switch): worth making before the reads.
  GuardDecision Precheck(const std::string& signal_id, const std::string& engine_objection, TimeMs now);
  // Every check, in the order above.
  GuardDecision Check(const ReplacementFacts& facts, TimeMs now);
  // A replacement was sent for the signal.
  void RecordAttempt(const std::string& signal_id, TimeMs now);
  int attempts(const std::string& signal_id) const;
  // An amend or cancel of the order failed; true when this failure opened its breaker.
  bool RecordFailure(const std::string& order_id);
  void RecordSuccess(const std::string& order_id) { failures_.erase(order_id); }
  bool BreakerOpen(const std::string& order_id) const;
  // The signal is over: its attempts and its orders' failures are forgotten.
  void Forget(const std::string& signal_id);
  void ForgetOrder(const std::string& order_id) { failures_.erase(order_id); }

  const std::map<GuardBlock, std::int64_t>& blocks() const { return blocks_; }

 private:
  GuardDecision Blocked(GuardBlock block, std::string detail, TimeMs retry_at = 0);

  struct Attempts {
    int count = 0;
    TimeMs last_ms = 0;
  };
  GuardLimits limits_;
  std::map<std::string, Attempts> attempts_;  // by signal id
  std::map<std::string, int> failures_;       // consecutive, by client order id
  std::map<GuardBlock, std::int64_t> blocks_;
};

}  // namespace keel
