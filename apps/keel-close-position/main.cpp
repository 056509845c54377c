// keel-close-position: close one position safely and verify it is flat.
#include "keel/model/side.h"
#include "keel/ops/process_hardening.h"
#include "keel/ops/safety_tools.h"
#include "keel/ops/tool.h"
#include "keel/ops/tool_forward.h"

int main(int argc, char** argv) {
  if (!keel::ops::StartHardened("keel-close-position")) return keel::ops::kExitUsage;
  using namespace keel;
  using namespace keel::ops;
  ToolSpec spec{"keel-close-position",
                "Close one position safely: the side is taken from the exchange's position read just before sending, "
                "the close is reduce-only, its outcome is settled by client order id, and the position is verified "
                "flat before its protective orders are cancelled.",
                StoreAccess::kReadOnly, /*store_flag=*/false, /*needs_exchange=*/true};
  ClosePositionOptions o;
  std::string side, qty, pct;
  auto add_flags = [&](CLI::App& app) {
    app.add_option("symbol", o.symbol, "The symbol whose position to close, e.g. BTCUSDT")->required();
    app.add_option("--position-side", side, "LONG or SHORT, when hedge mode holds both")
        ->type_name("LONG|SHORT")->check(CLI::IsMember({"LONG", "SHORT"}));
    app.add_option("--qty", qty, "Close only this quantity (rounded down to the lot step); the stop stays")
        ->type_name("QTY");
    app.add_option("--pct", pct, "Close only this percent of the position (0 < PCT < 100); the stop stays")
        ->type_name("PCT");
    app.add_flag("--yes", o.yes, "Do not ask for confirmation (needed without a terminal)");
    app.add_option("--verify-attempts", o.verify_attempts, "Reads of the position before giving up (default 10)")
        ->type_name("N")->check(CLI::Range(1, kMaxVerifyAttempts));
  };
  auto body = [&](ToolContext& ctx) -> Result<int> {
    if (!side.empty()) o.position_side = parse_position_side(side).value();
    for (auto [text, out, name] : {std::tuple{&qty, &o.qty, "--qty"}, std::tuple{&pct, &o.pct, "--pct"}}) {
      if (text->empty()) continue;
      auto d = Decimal::Parse(*text);
      if (!d.ok()) return Status::InvalidInput(std::string(name) + ": expected a decimal, found \"" + *text + "\"");
      *out = *d;
    }
    KEEL_RETURN_IF_ERROR(CheckOptions(o));  // refused before anything is asked, forwarded or read
    const std::string part = o.qty ? qty + " of " : o.pct ? pct + "% of " : "";
    auto forwarded = ForwardIfDaemonHolds(ctx, o.yes, "close " + part + "the " + o.symbol + " position", ForwardRequest(o));
    if (!forwarded.ok()) return forwarded.status();
    if (*forwarded) return **forwarded;
    return RunClosePosition(ctx, o);
  };
  return RunTool(spec, argc, argv, add_flags, body);
}
