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
};
Result<int> RunClosePosition(ToolContext& ctx, const ClosePositionOptions& options);

}  // namespace keel::ops
