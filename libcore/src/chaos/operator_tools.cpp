#include "keel/chaos/operator_tools.h"

#include "keel/ops/exit_code.h"
#include "keel/ops/safety_tools.h"
#include "keel/ops/tool_forward.h"

namespace keel::chaos {
namespace {

ops::ClosePositionOptions CloseOptionsOf(const PlannedFault& tool) {
  ops::ClosePositionOptions o;
  o.symbol = tool.symbol;
  o.yes = true;
  o.pct = tool.part_pct;
  return o;
}

// What keel-scan-orphans prints when it found nothing and judged every position.
constexpr const char* kAllClear = "no orphans: every position on the exchange is tracked and protected";

}  // namespace

Result<int> RunOperatorTool(ops::ToolContext& ctx, const PlannedFault& tool) {
  if (tool.command == "keel-close-position") {
    ops::ClosePositionOptions o = CloseOptionsOf(tool);
    o.run_by_daemon = true;  // on the daemon's worker (Engine::RunToolAction), as a forwarded one runs
    return ops::RunClosePosition(ctx, o);
  }
  if (tool.command == "keel-scan-orphans") {
    ops::ScanOrphansOptions o;
    o.grace_ms = kToolScanGraceMs;
    return ops::RunScanOrphans(ctx, o);
  }
  return Status::InvalidInput("operator tool: unknown tool " + tool.command);
}

std::string OperatorToolRequest(const PlannedFault& tool) {
  if (tool.command == "keel-close-position") return ops::ForwardRequest(CloseOptionsOf(tool));
  ops::ScanOrphansOptions o;
  o.grace_ms = kToolScanGraceMs;
  return ops::ForwardRequest(o);
}

std::optional<Claim> ClaimOfTool(const PlannedFault& tool, int exit_code, const std::string& output, TimeMs at) {
  if (exit_code != ops::kExitAllClear) return std::nullopt;
  // A partial close claims a size, not flat; the store against the exchange once quiet judges it.
  if (tool.command == "keel-close-position" && tool.part_pct) return std::nullopt;
  if (tool.command == "keel-close-position")
    return Claim{Claim::Kind::kFlat, at, tool.symbol, "", "", "keel-close-position " + tool.symbol + " exited 0"};
  if (tool.command == "keel-scan-orphans" && output.find(kAllClear) != std::string::npos)
    return Claim{Claim::Kind::kAllProtected, at, "", "", "", "keel-scan-orphans said no orphans", kToolScanGraceMs};
  return std::nullopt;
}

}  // namespace keel::chaos
