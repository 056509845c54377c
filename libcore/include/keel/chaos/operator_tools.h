#pragma once
// The operator's tools in a chaos episode (issue [1/6]: "episodes also run the operator tools
// mid-episode and judge their claims"). The daemon holds the account's store, so a tool run by
// hand forwards its action to it (ops/tool_forward.h): in process the runner calls the same
// library function on the daemon's worker, with processes it sends the forwarded request on the
// control socket, as the tool binary does.
#include <optional>
#include <string>

#include "keel/chaos/episode_plan.h"
#include "keel/chaos/invariant_checker.h"
#include "keel/ops/tool_context.h"

namespace keel::chaos {

// keel-scan-orphans' grace for young positions (its default): its "every position protected"
// speaks of positions older than this.
constexpr TimeMs kToolScanGraceMs = 10'000;

// Runs the tool a planned kOperatorTool names with ctx, as the daemon runs a forwarded one:
// keel-close-position SYMBOL --yes, or keel-scan-orphans (read-only).
Result<int> RunOperatorTool(ops::ToolContext& ctx, const PlannedFault& tool);

// The control-socket line the tool binary would send to the daemon for it.
std::string OperatorToolRequest(const PlannedFault& tool);

// What the tool's answer claims, to be judged against the exchange at `at`: "flat" for
// keel-close-position's exit 0, "every position protected" for keel-scan-orphans' all-clear.
// None for a finding, an unverified action or an error: those claim nothing false.
std::optional<Claim> ClaimOfTool(const PlannedFault& tool, int exit_code, const std::string& output, TimeMs at);

}  // namespace keel::chaos
