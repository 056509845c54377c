#pragma once
// What is on the exchange that keel does not account for. A pure decision over one exchange read
// and one store read; the tools and the daemon act on its findings.
//
// Findings:
//   untracked-position   a position the store has no open record of
//   unprotected-position a position with no resting protective stop on the exchange
//   unknown-order        an order with keel's prefix that the store does not know
//   foreign-order        an order without keel's prefix: reported, never touched
// A position younger than the grace period (by exchange time) is not a finding yet, and a REST
// position read no newer than what the store already applied is stale and ignored (seed 004).

#include <string>
#include <vector>

#include "keel/exchange/exchange.h"
#include "keel/safety/store_view.h"

namespace keel {

struct OrphanOptions {
  std::string account;          // for the client-id prefix
  TimeMs now = 0;               // the exchange's time now (or the best estimate of it)
  TimeMs grace_ms = 10'000;
  std::vector<std::string> symbols;  // empty: every symbol
};

enum class OrphanKind { kUntrackedPosition, kUnprotectedPosition, kUnknownOrder, kForeignOrder };
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
};

struct OrphanScan {
  std::vector<OrphanFinding> findings;
  std::vector<std::string> ignored;  // stale or in-grace observations, explained
};

// True when the exchange has a resting stop that would close (part of) this position: a
// conditional STOP/STOP_MARKET (or TAKE_PROFIT*, which also closes) on the closing side, reduce-only
// or closePosition.
bool HasRestingStop(const PositionReport& position, const std::vector<OrderReport>& open_orders);

OrphanScan ScanForOrphans(const AccountReport& exchange, const StoreView& store, const OrphanOptions& options);

}  // namespace keel
