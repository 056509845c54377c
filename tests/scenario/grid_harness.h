#pragma once
// The grid scenarios' common steps: a grid of three 0.5 % levels on BTCUSDT in hedge mode, and
// what the venue and the engine hold of it.
#include "daemon_harness.h"

namespace keel::scenario::grid {

inline bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

inline GridConfig Grid(const std::string& legs = "both") {
  GridConfig g;
  g.label = "strategy[0]";
  g.symbol = "BTCUSDT";
  g.long_leg = legs != "short";
  g.short_leg = legs != "long";
  g.levels = 3;
  g.spacing_pct = D("0.5");
  g.qty = D("0.010");
  g.take_profit_pct = D("0.8");
  g.stop_loss_pct = D("1");
  return g;
}

inline std::function<void(EngineSettings&)> WithGrid(GridConfig g, std::function<void(EngineSettings&)> more = {}) {
  return [g, more](EngineSettings& s) {
    s.daemon.grids.push_back(g);
    if (more) more(s);
  };
}

// Hedge mode, started, the grid's first tick run.
inline void Started(DaemonScenario& s) {
  REQUIRE(s.venue->exchange().SetDualSidePosition(0, true).ok());
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 3000);
}

inline std::vector<sim::SimOrder> Pending(DaemonScenario& s, Side side) {
  std::vector<sim::SimOrder> out;
  for (const auto& o : s.venue->exchange().OpenOrders(0, "BTCUSDT"))
    if (o.side == side) out.push_back(o);
  return out;
}

inline int Stops(DaemonScenario& s, PositionSide leg) {
  int n = 0;
  for (const auto& o : s.venue->exchange().OpenAlgoOrders(0, "BTCUSDT")) n += o.type == OrderType::kStopMarket && o.position_side == leg;
  return n;
}

inline int TakeProfits(DaemonScenario& s, PositionSide leg) {
  int n = 0;
  for (const auto& o : s.venue->exchange().OpenAlgoOrders(0, "BTCUSDT"))
    n += o.type == OrderType::kTakeProfitMarket && o.position_side == leg;
  return n;
}

inline std::string StatusJson(DaemonScenario& s) {
  return s.Command([&](ReplyFn r) { s.engine->StatusReport(std::move(r)); }).json;
}

inline Decimal Mark(DaemonScenario& s) { return s.venue->exchange().FindMarket("BTCUSDT")->mark(); }

// The grid's opens on a leg ("L" or "S"), oldest first: one a cycle.
inline std::vector<SignalRecord> Opens(DaemonScenario& s, const std::string& leg) {
  std::vector<SignalRecord> out;
  const std::string prefix = "grid-BTCUSDT-" + leg + "-";
  for (const auto& r : s.store->Signals(SignalFilter{}).value())
    if (r.id.rfind(prefix, 0) == 0 && r.action == "open") out.push_back(r);
  return out;
}

}  // namespace keel::scenario::grid
