#pragma once
// The incident runbook as library calls, one per tool: keel-scan-orphans, keel-reconcile,
// keel-cancel-ghosts, keel-close-position. Each returns the tool's exit code (0 clear, 1 findings,
// 4 action not verified) or the error that ends it (exit 2 or 3 by category). Read-only unless the
// options ask for an action; an action asks for confirmation (ToolContext::Confirm) first.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "keel/ops/tool_context.h"
#include "keel/safety/reconciler.h"

namespace keel::ops {

struct ScanOrphansOptions {
  std::vector<std::string> symbols;
  bool protect = false;
  std::optional<Decimal> stop_pct;
  bool close = false;
  bool yes = false;
  TimeMs grace_ms = 10'000;
};
Result<int> RunScanOrphans(ToolContext& ctx, const ScanOrphansOptions& options);

struct ReconcileOptions {
  bool fix = false;
  std::set<MismatchKind> kinds;  // empty: every kind
  bool yes = false;
  TimeMs grace_ms = 10'000;
};
Result<int> RunReconcile(ToolContext& ctx, const ReconcileOptions& options);

struct CancelGhostsOptions {
  bool cancel = false;
  bool yes = false;
};
Result<int> RunCancelGhosts(ToolContext& ctx, const CancelGhostsOptions& options);

struct ClosePositionOptions {
  std::string symbol;
  std::optional<PositionSide> position_side;
  bool yes = false;
  int verify_attempts = 10;
  TimeMs verify_interval_ms = 1000;
  // A partial close (SafeCloseOptions): this quantity, or this percent, of the position.
  std::optional<Decimal> qty;
  std::optional<Decimal> pct;
  // Run by keel-traderd (forwarded): its trades place their limit take-profits again after a
  // partial close; by hand, the tool does (SafeCloseOptions::place_limit_exits_again).
  bool run_by_daemon = false;
};
// Exit 0 when verified flat (a partial close: verified smaller by the part, and any limit
// take-profit it ended placed again by hand), 4 when not verified or one could not be placed again.
Result<int> RunClosePosition(ToolContext& ctx, const ClosePositionOptions& options);

// The options' bounds, checked by each Run* call before anything else: the same whether a tool's
// command line set them or a request forwarded to the daemon did (ops/tool_forward.h). The
// command lines' own checks name the same bounds.
constexpr int kMaxVerifyAttempts = 100;
constexpr TimeMs kMinVerifyIntervalMs = 100;
constexpr TimeMs kMaxVerifyIntervalMs = 10'000;
constexpr TimeMs kMaxGraceMs = 7 * 86'400'000LL;
Status CheckOptions(const ScanOrphansOptions& options);
Status CheckOptions(const ReconcileOptions& options);
Status CheckOptions(const ClosePositionOptions& options);

}  // namespace keel::ops
