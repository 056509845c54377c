#pragma once
// A keel tool asked to change state while keel-traderd holds the account's writer lock sends the
// action to the daemon instead of failing on the lock or racing it: one control-socket request,
//   {"cmd":"tool","tool":"keel-close-position","options":{"symbol":"BTCUSDT",…}}
// which the daemon runs with the same library call (ops/safety_tools.h) on its own store and
// exchange, answering the tool's exit code and everything it printed. The operator confirms on the
// tool's side first (--yes or the terminal); read-only runs keep reading the store directly.

#include <optional>
#include <string>

#include "keel/ops/safety_tools.h"
#include "keel/ops/tool_context.h"

namespace keel::ops {

std::string ForwardRequest(const ScanOrphansOptions& options);
std::string ForwardRequest(const ReconcileOptions& options);
std::string ForwardRequest(const CancelGhostsOptions& options);
std::string ForwardRequest(const ClosePositionOptions& options);

// True when a keel-traderd answers on the account's control socket.
bool DaemonListens(const ToolContext& ctx);
// Sends `request` to the daemon holding the account when one answers on the config's control
// socket, and prints its output to ctx.out: its exit code, or nullopt when no daemon listens (the
// tool runs by itself; the store's lock then decides).
Result<std::optional<int>> ForwardToDaemon(ToolContext& ctx, const std::string& request);

// The tool's side in one call: when a daemon holds the account, the operator confirms `action`
// (--yes, or asked on the terminal) and the request goes to the daemon; nullopt when no daemon
// listens and the tool should run the action itself.
Result<std::optional<int>> ForwardIfDaemonHolds(ToolContext& ctx, bool yes, const std::string& action,
                                                const std::string& request);

// The daemon's side: decodes a forwarded request's tool and options and runs it with ctx, --yes
// implied (confirmed by the operator on the tool's side). kInvalidInput for an unknown tool or
// option.
Result<int> RunForwardedTool(ToolContext& ctx, const std::string& tool, const std::string& options_json);

}  // namespace keel::ops
