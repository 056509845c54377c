// keel-state-inspect: read, check and export an account's state store. Read-only, always.
#include <iostream>
#include <tuple>

#include "keel/ops/process_hardening.h"
#include "keel/ops/state_inspect.h"
#include "keel/ops/tool.h"

int main(int argc, char** argv) {
  if (!keel::ops::StartHardened("keel-state-inspect")) return keel::ops::kExitUsage;
  using namespace keel;
  using namespace keel::ops;

  ToolSpec spec{"keel-state-inspect",
                "Read, check and export a keel state store (read-only).\n"
                "Views: summary (default), orders, positions, intents, journal, incidents, signals, timeline.",
                StoreAccess::kReadOnly, /*store_flag=*/true};

  std::string view = "summary";
  std::string symbol, since, state, export_path, from, to, html;
  std::int64_t limit = -1;
  bool check = false;
  InvariantOptions invariants;

  auto add_flags = [&](CLI::App& app) {
    app.add_option("view", view, "summary | orders | positions | intents | journal | incidents | signals | timeline")
        ->check(CLI::IsMember({"summary", "orders", "positions", "intents", "journal", "incidents", "signals", "timeline"}));
    app.add_option("--symbol", symbol, "Only this symbol (e.g. BTCUSDT)")->type_name("SYMBOL");
    app.add_option("--since", since, "Only records since TIME: epoch ms, ISO 8601 UTC, or an age (15m, 2h, 7d)")
        ->type_name("TIME");
    app.add_option("--state", state, "orders: a lifecycle state (New, Filled, ...) or open; positions: open | closed")
        ->type_name("STATE");
    app.add_option("--limit", limit, "Only the newest N records")->type_name("N")->check(NonNegativeInteger());
    auto* check_flag = app.add_flag("--check", check, "Check store integrity and domain invariants; exit 1 on findings");
    app.add_option("--grace-ms", invariants.protect_grace_ms,
                   "--check: how long a new position may wait for its stop (default 10000)")
        ->type_name("MS")->check(NonNegativeInteger());
    app.add_option("--crash-window-ms", invariants.crash_window_ms,
                   "--check: how old an intent without an order must be to count (default 60000)")
        ->type_name("MS")->check(NonNegativeInteger());
    app.add_option("--from", from, "timeline: from TIME (epoch ms, ISO 8601 UTC, or an age: 15m, 2h)")->type_name("TIME");
    app.add_option("--to", to, "timeline: to TIME (default: the last journal row)")->type_name("TIME");
    app.add_option("--html", html, "timeline: write one self-contained HTML page to FILE instead of a table")
        ->type_name("FILE");
    app.add_option("--export", export_path, "Write the whole store as JSON to FILE, atomically")
        ->type_name("FILE")->excludes(check_flag);
  };

  auto body = [&](ToolContext& ctx) -> Result<int> {
    InspectOptions o;
    auto v = parse_inspect_view(view);
    if (!v.ok()) return v.status();
    o.view = *v;
    o.mode = check ? InspectMode::kCheck : (export_path.empty() ? InspectMode::kView : InspectMode::kExport);
    o.json = ctx.common.json;
    if (!symbol.empty()) o.symbol = symbol;
    if (!state.empty()) o.state = state;
    if (limit >= 0) o.limit = limit;
    const TimeMs now = ctx.clock.NowMs();
    if (!since.empty()) {
      auto t = parse_time_point(since, now);
      if (!t.ok()) return Status::InvalidInput("--since: " + t.status().message());
      o.since_ms = *t;
    }
    for (auto [text, flag, slot] : {std::tuple{&from, "--from", &o.from_ms}, std::tuple{&to, "--to", &o.to_ms}}) {
      if (text->empty()) continue;
      auto t = parse_time_point(*text, now);
      if (!t.ok()) return Status::InvalidInput(std::string(flag) + ": " + t.status().message());
      *slot = *t;
    }
    o.html_path = html;
    o.invariants = invariants;
    o.invariants.now_ms = now;
    o.export_path = export_path;
    o.store_label = ctx.store_path;
    return RunStateInspect(*ctx.store, o, now, ctx.out);
  };

  return RunTool(spec, argc, argv, add_flags, body);
}
