// keel-scan-orphans: positions and orders on the exchange that keel does not account for.
#include "keel/ops/process_hardening.h"
#include "keel/ops/safety_tools.h"
#include "keel/ops/tool.h"
#include "keel/ops/tool_forward.h"

int main(int argc, char** argv) {
  if (!keel::ops::StartHardened("keel-scan-orphans")) return keel::ops::kExitUsage;
  using namespace keel;
  using namespace keel::ops;
  ToolSpec spec{"keel-scan-orphans",
                "List positions and orders on the exchange that keel does not track: untracked or unprotected "
                "positions, keel orders unknown to the store, foreign orders (reported, never touched).",
                StoreAccess::kReadOnly, /*store_flag=*/false, /*needs_exchange=*/true};
  ScanOrphansOptions o;
  std::string stop_pct;
  auto add_flags = [&](CLI::App& app) {
    app.add_option("--symbol", o.symbols, "Only this symbol (repeatable)")->type_name("SYMBOL");
    auto* protect = app.add_flag("--protect", o.protect, "Place a reduce-only stop under each unprotected position");
    app.add_option("--stop-pct", stop_pct, "With --protect: the stop's distance from entry or mark, in %")->type_name("P");
    auto* close = app.add_flag("--close", o.close, "Close each orphan position (reduce-only market, verified flat)");
    protect->excludes(close);
    app.add_flag("--yes", o.yes, "Do not ask for confirmation (needed without a terminal)");
    app.add_option("--grace-ms", o.grace_ms, "Ignore positions changed less than this long ago (default 10000)")
        ->type_name("MS")->check(NonNegativeInteger());
  };
  auto body = [&](ToolContext& ctx) -> Result<int> {
    if (!stop_pct.empty()) {
      auto pct = Decimal::Parse(stop_pct);
      if (!pct.ok()) return Status::InvalidInput("--stop-pct: " + pct.status().message());
      o.stop_pct = *pct;
    }
    if (o.protect || o.close) {
      auto forwarded = ForwardIfDaemonHolds(ctx, o.yes, o.close ? "close the orphaned positions" : "protect the orphaned positions",
                                            ForwardRequest(o));
      if (!forwarded.ok()) return forwarded.status();
      if (*forwarded) return **forwarded;
    }
    return RunScanOrphans(ctx, o);
  };
  return RunTool(spec, argc, argv, add_flags, body);
}
