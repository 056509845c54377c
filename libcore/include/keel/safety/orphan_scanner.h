#pragma once
// What is on the exchange that keel does not account for. A pure decision over one exchange read
// and one store read; the tools and the daemon act on its findings.
//
// Findings:
//   untracked-position            a position the store has no open record of
//   unprotected-position          no resting stop on the exchange covers it (model/protection.h),
//                                 nor the position's own stop-loss or trailing stop (Bybit)
//   partially-protected-position  resting reduce-only stops cover less than all of it
//   unknown-order        an order with keel's prefix that the store does not know
//   foreign-order        an order without keel's prefix: reported, never touched (one Bybit made
//                        for a position's own TP/SL is said to be that)
// A position younger than the grace period (by exchange time) is not a finding yet, and a REST
// position read no newer than what the store already applied is stale and ignored (seed 004).

#include <optional>
#include <map>
#include <string>
#include <vector>

#include "keel/exchange/exchange.h"
#include "keel/model/protection.h"
#include "keel/safety/store_view.h"

namespace keel {

struct OrphanOptions {
  std::string account;          // for the client-id prefix
  TimeMs now = 0;               // the exchange's time now (or the best estimate of it)
  TimeMs grace_ms = 10'000;
  std::vector<std::string> symbols;  // empty: every symbol
  // The most one whole-position stop closes, per symbol (Instrument::close_stop_max_qty, Bybit);
  // a symbol not named here: all of the position (Binance). A larger position with such a stop
  // alone is partially protected.
  std::map<std::string, Decimal> close_stop_max_qty;
};
// The caps of OrphanOptions::close_stop_max_qty, from the exchange's listing.
std::map<std::string, Decimal> CloseStopCaps(const std::vector<Instrument>& instruments);

enum class OrphanKind {
  kUntrackedPosition,
  kUnprotectedPosition,
  kPartiallyProtectedPosition,
  kUnknownOrder,
  kForeignOrder,
};
const char* to_string(OrphanKind kind);

struct OrphanFinding {
  OrphanKind kind;
  std::string symbol;
  PositionSide position_side = PositionSide::kBoth;
  Decimal amount;                // positions: signed amount on the exchange
  Decimal entry_price;           // positions
  std::string client_order_id;   // orders
  OrderBook book = OrderBook::kRegular;
  std::string detail;            // one line for an operator
  // Orders: the venue made it for the position's own TP/SL or trailing stop (Bybit), and its type.
  bool position_tpsl = false;
  OrderType order_type = OrderType::kLimit;
};

struct OrphanScan {
  std::vector<OrphanFinding> findings;
  std::vector<std::string> ignored;  // stale or in-grace observations, explained
  // When the youngest position left alone for its grace period can be judged: a daemon looks again
  // then rather than a whole scan interval later.
  std::optional<TimeMs> judge_again_at;  // untracked positions only
};

// The stops among an exchange order list, as the protection rule reads them.
std::vector<StopOrder> StopsAmong(const std::vector<OrderReport>& open_orders);
// How much of this position the exchange's resting stops close (model/protection.h); all of it
// when the position has its own stop-loss or trailing stop. close_up_to: Instrument::close_stop_max_qty.
CoverageReport RestingCoverage(const PositionReport& position, const std::vector<OrderReport>& open_orders,
                               std::optional<Decimal> close_up_to = std::nullopt);

OrphanScan ScanForOrphans(const AccountReport& exchange, const StoreView& store, const OrphanOptions& options);

}  // namespace keel
