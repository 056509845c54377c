// keel-cancel-ghosts: orders that exist on one side only (exchange or store), cleared safely.
#include "keel/ops/process_hardening.h"
#include "keel/ops/safety_tools.h"
#include "keel/ops/tool.h"
#include "keel/ops/tool_forward.h"

int main(int argc, char** argv) {
  if (!keel::ops::StartHardened("keel-cancel-ghosts")) return keel::ops::kExitUsage;
  using namespace keel::ops;
  ToolSpec spec{"keel-cancel-ghosts",
                "Find orders open in the store but gone from the exchange (settled by asking the exchange) and keel's "
                "orders on the exchange unknown to the store (cancelled with --cancel). Foreign orders are never "
                "touched.",
                StoreAccess::kReadOnly, /*store_flag=*/false, /*needs_exchange=*/true};
  CancelGhostsOptions o;
  auto add_flags = [&](CLI::App& app) {
    app.add_flag("--cancel", o.cancel, "Record the settlements and cancel keel's unknown orders");
    app.add_flag("--yes", o.yes, "Do not ask for confirmation (needed without a terminal)");
  };
  return RunTool(spec, argc, argv, add_flags, [&](ToolContext& ctx) -> keel::Result<int> {
    if (o.cancel) {
      auto forwarded = ForwardIfDaemonHolds(ctx, o.yes, "settle ghosts and cancel keel's unknown orders", ForwardRequest(o));
      if (!forwarded.ok()) return forwarded.status();
      if (*forwarded) return **forwarded;
    }
    return RunCancelGhosts(ctx, o);
  });
}
