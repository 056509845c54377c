// keel-reconcile: the state store against the exchange; --fix applies the safe corrections.
#include "keel/ops/process_hardening.h"
#include "keel/ops/safety_tools.h"
#include "keel/ops/tool.h"
#include "keel/ops/tool_forward.h"

int main(int argc, char** argv) {
  if (!keel::ops::StartHardened("keel-reconcile")) return keel::ops::kExitUsage;
  using namespace keel;
  using namespace keel::ops;
  ToolSpec spec{"keel-reconcile",
                "Compare the state store with the exchange per symbol and position side; report mismatches, and with "
                "--fix correct the store from the exchange's evidence (journaled before and after).",
                StoreAccess::kReadOnly, /*store_flag=*/false, /*needs_exchange=*/true};
  keel::ops::ReconcileOptions o;
  std::vector<std::string> kinds;
  auto add_flags = [&](CLI::App& app) {
    app.add_flag("--fix", o.fix, "Correct the store (position kinds; order kinds are for keel-cancel-ghosts)");
    app.add_option("--kind", kinds,
                   "Only this kind (repeatable): store-open-exchange-flat, exchange-open-store-flat, quantity, side, "
                   "order-store-only, order-exchange-only")
        ->type_name("K");
    app.add_flag("--yes", o.yes, "Do not ask for confirmation (needed without a terminal)");
    app.add_option("--grace-ms", o.grace_ms, "Ignore store positions opened less than this long ago (default 10000)")
        ->type_name("MS")->check(NonNegativeInteger());
  };
  auto body = [&](ToolContext& ctx) -> Result<int> {
    for (const auto& k : kinds) {
      auto kind = parse_mismatch_kind(k);
      if (!kind.ok()) return Status::InvalidInput("--kind: " + kind.status().message());
      o.kinds.insert(*kind);
    }
    if (o.fix) {
      auto forwarded = ForwardIfDaemonHolds(ctx, o.yes, "correct the store", ForwardRequest(o));
      if (!forwarded.ok()) return forwarded.status();
      if (*forwarded) return **forwarded;
    }
    return RunReconcile(ctx, o);
  };
  return RunTool(spec, argc, argv, add_flags, body);
}
