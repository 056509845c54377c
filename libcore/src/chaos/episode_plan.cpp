#include "keel/chaos/episode_plan.h"

#include <algorithm>
#include <random>

namespace keel::chaos {

namespace {

struct Lot {
  const char* symbol;
  const char* unit;  // a quantity above the minimum notional; signals ask for 1-3 of it
};
constexpr Lot kLots[] = {{"BTCUSDT", "0.002"}, {"ETHUSDT", "0.010"}, {"SOLUSDT", "1"}, {"XRPUSDT", "10.0"}};

class Draw {
 public:
  explicit Draw(std::uint64_t seed) : rng_(seed) {}
  // Uniform in [lo, hi]; the modulo bias is negligible for these ranges and the same everywhere.
  std::int64_t In(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(rng_() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool Chance(int percent) { return In(1, 100) <= percent; }
  template <typename T, std::size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[In(0, N - 1)];
  }

 private:
  std::mt19937_64 rng_;
};

std::string Tenths(std::int64_t tenths) {
  return std::to_string(tenths / 10) + (tenths % 10 ? "." + std::to_string(tenths % 10) : "");
}

PlannedFault Sim(TimeMs at, std::string kind, std::string command, TimeMs duration = 0, std::string off = "") {
  PlannedFault f;
  f.at = at;
  f.kind = std::move(kind);
  f.command = std::move(command);
  f.duration_ms = duration;
  f.off_command = std::move(off);
  return f;
}

// Placement faults and exchange acts have two cases each: they are drawn twice as often as the rest.
PlannedFault DrawFault(Draw& d, TimeMs at) {
  static const char* kHows[] = {"timeout", "5xx", "408", "-1006", "-1007", "garbled"};
  static const char* kStale[] = {"all", "positions", "orders"};
  static const char* kActs[] = {"cancel", "expire", "fill", "liquidate", "adl"};
  static const char* kDrops[][2] = {{"ORDER_TRADE_UPDATE", "CANCELED"}, {"ORDER_TRADE_UPDATE", "EXPIRED"},
                                    {"ORDER_TRADE_UPDATE", "TRADE"},    {"ALGO_UPDATE", ""},
                                    {"ACCOUNT_UPDATE", ""}};
  switch (d.In(0, 16)) {
    case 0: {
      const TimeMs ms = d.In(3, 30) * 100;
      return Sim(at, "stale_reads", R"({"fault":"stale_reads","ms":)" + std::to_string(ms) + R"(,"what":")" + d.Pick(kStale) + "\"}",
                 d.In(1, 8) * 1000, R"({"fault":"stale_reads","ms":0})");
    }
    case 1:
    case 2: {
      const bool after = d.Chance(60);
      return Sim(at, after ? "placement_after" : "placement_before",
                 std::string(R"({"fault":"placement","when":")") + (after ? "after" : "before") + R"(","how":")" +
                     d.Pick(kHows) + R"(","count":)" + std::to_string(d.In(1, 2)) + "}");
    }
    case 3: return Sim(at, "minimal_ack", R"({"fault":"minimal_ack","count":)" + std::to_string(d.In(1, 4)) + "}");
    case 4: return Sim(at, "rate_limit", R"({"fault":"rate_limit","count":)" + std::to_string(d.In(1, 4)) + "}");
    case 5:
      return Sim(at, "latency",
                 R"({"fault":"latency","ms":)" + std::to_string(d.In(2, 30) * 10) + R"(,"jitter_ms":)" +
                     std::to_string(d.In(0, 5) * 10) + "}",
                 d.In(1, 8) * 1000, R"({"fault":"latency","ms":0,"jitter_ms":0})");
    case 6:
      return Sim(at, "stream_delay", R"({"fault":"stream_delay","ms":)" + std::to_string(d.In(1, 20) * 100) + "}",
                 d.In(1, 6) * 1000, R"({"fault":"stream_delay","ms":0})");
    case 7:
      return Sim(at, "stream_drop", R"({"fault":"stream_drop","per_mille":)" + std::to_string(d.In(5, 30) * 10) + "}",
                 d.In(1, 5) * 1000, R"({"fault":"stream_drop","per_mille":0})");
    case 8: {
      const auto& drop = d.Pick(kDrops);
      std::string cmd = std::string(R"({"fault":"stream_drop_next","event":")") + drop[0] + "\"";
      if (*drop[1]) cmd += std::string(R"(,"detail":")") + drop[1] + "\"";
      return Sim(at, "stream_drop_next", cmd + "}");
    }
    case 9: return Sim(at, "stream_duplicate", R"({"fault":"stream_duplicate","count":)" + std::to_string(d.In(1, 5)) + "}");
    case 10:
      // Pushes of different topics in any order: two neighbours swapped, or fills told before the
      // position they changed (the join by Bybit's seq, Binance's by time, exercised both ways).
      if (d.Chance(50)) return Sim(at, "stream_reorder", R"({"fault":"stream_reorder","count":)" + std::to_string(d.In(1, 3)) + "}");
      return Sim(at, "fill_before_position",
                 R"({"fault":"fill_before_position","count":)" + std::to_string(d.In(1, 10)) + "}");
    case 11: {
      PlannedFault f;
      f.at = at;
      f.kind = "disconnect";
      f.cls = FaultClass::kDisconnect;
      f.duration_ms = d.In(5, 50) * 100;
      return f;
    }
    case 12: {
      PlannedFault f;
      f.at = at;
      f.kind = "listen_key_expiry";
      f.cls = FaultClass::kListenKeyExpiry;
      f.duration_ms = d.In(2, 10) * 100;  // a new key, then a new connection
      return f;
    }
    case 13:
    case 14: {
      PlannedFault f;
      f.at = at;
      f.cls = FaultClass::kExchangeAct;
      f.command = d.Pick(kActs);
      f.kind = "exchange_" + f.command;
      f.symbol = d.Pick(kLots).symbol;
      return f;
    }
    case 15: {
      const std::int64_t tenths = d.In(5, 60) * (d.Chance(50) ? 1 : -1);
      return Sim(at, "move_price",
                 std::string(R"({"act":"move_price","symbol":")") + d.Pick(kLots).symbol + R"(","percent":")" +
                     (tenths < 0 ? "-" : "") + Tenths(tenths < 0 ? -tenths : tenths) + R"(","over_ms":)" +
                     std::to_string(d.In(0, 30) * 100) + "}");
    }
    default: {
      PlannedFault f;
      f.at = at;
      f.kind = "kill";
      f.cls = FaultClass::kKill;
      f.kill_after = static_cast<int>(d.In(0, 40));
      f.duration_ms = d.In(2, 40) * 100;
      return f;
    }
  }
}

// The faults of issue [1/6], drawn after the others so that every earlier seed keeps the plan it
// had and gains these: REST reads 10-30 s behind across closes, flattens and rollbacks; stops the
// exchange refuses (rollbacks) or refuses for the rate (a wait); a position opened outside keel;
// an exchange that answers nothing for up to a minute.
void DrawLaterFaults(Draw& d, EpisodePlan& plan) {
  const TimeMs active = plan.options.active_ms;
  auto at = [&] { return d.In(0, active / 100 - 1) * 100; };
  if (d.Chance(35)) {
    const TimeMs ms = d.In(10, 30) * 1000;
    plan.faults.push_back(Sim(at(), "stale_reads_long",
                              R"({"fault":"stale_reads","ms":)" + std::to_string(ms) + R"(,"what":")" +
                                  (d.Chance(50) ? "positions" : "all") + "\"}",
                              d.In(10, 30) * 1000, R"({"fault":"stale_reads","ms":0})"));
  }
  if (d.Chance(20))
    plan.faults.push_back(Sim(at(), "refuse_stops", R"({"fault":"refuse_stops","count":)" + std::to_string(d.In(1, 2)) + "}"));
  if (d.Chance(20)) {
    plan.faults.push_back(Sim(at(), "rate_limit_stop",
                              R"({"fault":"rate_limit","count":)" + std::to_string(d.In(1, 3)) + R"(,"after":)" +
                                  std::to_string(d.In(1, 4)) + "}"));
  }
  if (d.Chance(15)) {
    const Lot& lot = d.Pick(kLots);
    // On a symbol no signal trades: on a one-way account someone else's order nets against keel's
    // position, a hazard of its own (docs/chaos.md) that this fault does not set out to test.
    bool traded = false;
    for (const auto& s : plan.signals) traded |= s.asked.symbol == lot.symbol;
    const bool buy = d.Chance(50);
    const std::int64_t units = d.In(1, 2);
    if (!traded) {
      PlannedFault f;
      f.at = at();
      f.kind = "outside_position";
      f.cls = FaultClass::kOutsidePosition;
      f.symbol = lot.symbol;
      f.side = buy ? "BUY" : "SELL";
      f.qty = Decimal::Parse(lot.unit).value().Mul(Decimal::FromInteger(units).value(), Rounding::kDown).value();
      plan.outside.push_back(SignalAsked{"outside-" + std::to_string(plan.outside.size()), f.symbol, f.qty});
      plan.faults.push_back(f);
    }
  }
  if (d.Chance(8)) {
    PlannedFault f;
    f.at = at();
    f.kind = "freeze";
    f.cls = FaultClass::kFreeze;
    f.duration_ms = d.In(10, 60) * 1000;
    plan.faults.push_back(f);
  }
}

// A close or cancel signal (`action`) on a symbol, as the bot sends it.
PlannedSignal ActionOn(const std::string& id, const std::string& symbol, TimeMs at, const std::string& action) {
  PlannedSignal c;
  c.close = action == "close";
  c.cancel = action == "cancel";
  c.at = at;
  c.asked.id = id;
  c.asked.symbol = symbol;
  c.json = R"({"id":")" + id + R"(","symbol":")" + symbol + R"(","action":")" + action + "\"}";
  return c;
}

// The operator's tools, run mid-episode as at 3 a.m. (issue [1/6]): keel-close-position on a
// symbol keel trades or someone opened outside it, or keel-scan-orphans. Drawn last, so that every
// earlier seed keeps its plan and gains these.
void DrawOperatorTools(Draw& d, EpisodePlan& plan) {
  if (!d.Chance(25)) return;
  PlannedFault f;
  f.at = d.In(0, plan.options.active_ms / 100 - 1) * 100;
  f.cls = FaultClass::kOperatorTool;
  if (d.Chance(60)) {
    std::vector<std::string> symbols;
    for (const auto& s : plan.signals) symbols.push_back(s.asked.symbol);
    for (const auto& o : plan.outside) symbols.push_back(o.symbol);
    f.kind = "tool_close_position";
    f.command = "keel-close-position";
    f.symbol = symbols.empty() ? d.Pick(kLots).symbol : symbols[static_cast<std::size_t>(d.In(0, static_cast<std::int64_t>(symbols.size()) - 1))];
  } else {
    f.kind = "tool_scan_orphans";
    f.command = "keel-scan-orphans";
  }
  plan.faults.push_back(f);
}

// An operator closing part of a position keel trades (keel-close-position SYMBOL --pct P, issue
// [4/6]): drawn after everything else, so that earlier seeds keep their plans.
void DrawPartialClose(Draw& d, EpisodePlan& plan) {
  if (!d.Chance(20)) return;
  std::vector<std::string> symbols;
  for (const auto& s : plan.signals)
    if (s.open()) symbols.push_back(s.asked.symbol);
  if (symbols.empty()) return;
  PlannedFault f;
  f.at = d.In(0, plan.options.active_ms / 100 - 1) * 100;
  f.cls = FaultClass::kOperatorTool;
  f.kind = "tool_close_part";
  f.command = "keel-close-position";
  f.symbol = symbols[static_cast<std::size_t>(d.In(0, static_cast<std::int64_t>(symbols.size()) - 1))];
  f.part_pct = Decimal::FromInteger(d.In(1, 3) * 25).value();
  plan.faults.push_back(f);
}

// The bot moving an open trade's stop (to a new distance, or break-even) and/or its take-profit
// (issue [4/6]) a while after the open: the new stop rests before the old one goes, so the checker's
// protection invariant judges the move. Drawn after everything else, so that earlier seeds keep
// their plans.
void DrawMoves(Draw& d, EpisodePlan& plan) {
  std::vector<PlannedSignal> moves;
  for (const auto& s : plan.signals) {
    if (!s.open() || !d.Chance(30)) continue;
    PlannedSignal m;
    m.move = true;
    m.at = s.at + d.In(10, 80) * 100;
    m.asked.id = s.asked.id + "-move";
    m.asked.symbol = s.asked.symbol;
    const std::int64_t what = d.In(0, 5);  // 0-2 the stop, 3 break-even, 4 the take-profit, 5 both
    std::string fields;
    if (what <= 2 || what == 5) fields += R"(,"stop_loss":{"pct":")" + Tenths(d.In(3, 25)) + "\"}";
    if (what == 3) fields += R"(,"stop_loss":{"break_even":true})";
    if (what >= 4) fields += R"(,"take_profit":{"pct":")" + Tenths(d.In(5, 40)) + "\"}";
    m.json = R"({"id":")" + m.asked.id + R"(","symbol":")" + m.asked.symbol + R"(","action":"move")" + fields + "}";
    moves.push_back(m);
  }
  plan.signals.insert(plan.signals.end(), moves.begin(), moves.end());
}

// The bot cancelling its pending entries on a symbol a while after a maker open (issue [4/6]):
// what filled stays, protected; the rest must never fill afterwards. Drawn after the moves.
void DrawCancels(Draw& d, EpisodePlan& plan) {
  std::vector<PlannedSignal> cancels;
  for (const auto& s : plan.signals) {
    if (!s.open() || !s.maker || !d.Chance(35)) continue;
    cancels.push_back(ActionOn(s.asked.id + "-cancel", s.asked.symbol, s.at + d.In(1, 12) * 100, "cancel"));
  }
  plan.signals.insert(plan.signals.end(), cancels.begin(), cancels.end());
}

// The bot adding to an open trade (issue [4/6]): one to three adds a while after the open, at the
// market or as limits a little off it (a ladder), each asking for the open's quantity with every
// add so far. One the trade is not ready for is refused; the checker judges the position by the
// most it may reach. Drawn after the limit entries, so that earlier seeds keep their plans.
void DrawAdds(Draw& d, EpisodePlan& plan) {
  std::vector<PlannedSignal> adds;
  for (const auto& s : plan.signals) {
    if (!s.open() || !d.Chance(30)) continue;
    const bool is_long = s.json.find(R"("side":"LONG")") != std::string::npos;
    const Lot* lot = nullptr;
    for (const auto& l : kLots)
      if (l.symbol == s.asked.symbol) lot = &l;
    if (!lot) continue;
    Decimal most = s.asked.qty;
    const int count = static_cast<int>(d.In(1, 3));
    for (int i = 0; i < count; ++i) {
      PlannedSignal a;
      a.add = true;
      a.at = s.at + d.In(10, 90) * 100;
      a.asked.id = s.asked.id + "-add" + std::to_string(i);
      a.asked.symbol = s.asked.symbol;
      const Decimal qty =
          Decimal::Parse(lot->unit).value().Mul(Decimal::FromInteger(d.In(1, 2)).value(), Rounding::kDown).value();
      most = most.Add(qty).value();
      a.asked.qty = most;
      const bool limit = d.Chance(60);
      a.json = R"({"id":")" + a.asked.id + R"(","symbol":")" + s.asked.symbol + R"(","action":"add","trade":")" + s.asked.id +
               R"(","qty":")" + qty.ToString() + "\"";
      if (limit) {
        a.limit_offset_bps = static_cast<int>(d.In(3, 60));
        a.limit_direction = is_long ? 1 : -1;
        a.json += R"(,"entry":"limit","price":"@LIMIT_PRICE@")";
        if (d.Chance(30)) a.json += R"(,"post_only":true)";
        if (d.Chance(40)) a.json += R"(,"ttl_s":)" + std::to_string(d.In(3, 30));
      }
      a.json += "}";
      adds.push_back(a);
    }
  }
  plan.signals.insert(plan.signals.end(), adds.begin(), adds.end());
}

// The bot flipping a trade to the other side (issue [4/6]) a while after opening it: keel closes
// the symbol, proven flat, then opens the other side. The checker judges both: never the two sides
// added up (oversized-position), the open protected. Drawn last, so that earlier seeds keep their
// plans.
void DrawFlips(Draw& d, EpisodePlan& plan) {
  std::vector<PlannedSignal> flips;
  for (const auto& s : plan.signals) {
    if (!s.open() || s.limit_offset_bps || !d.Chance(15)) continue;
    const bool is_long = s.json.find(R"("side":"LONG")") != std::string::npos;
    PlannedSignal f;
    f.flip = true;
    f.at = s.at + d.In(10, 90) * 100;
    f.asked.id = s.asked.id + "-flip";
    f.asked.symbol = s.asked.symbol;
    f.asked.qty = s.asked.qty;
    f.json = R"({"id":")" + f.asked.id + R"(","symbol":")" + s.asked.symbol + R"(","action":"flip","side":")" +
             (is_long ? "SHORT" : "LONG") + R"(","qty":")" + s.asked.qty.ToString() + R"(","stop_loss":{"pct":")" +
             Tenths(d.In(5, 30)) + "\"}" + (d.Chance(50) ? R"(,"take_profit":{"pct":")" + Tenths(d.In(10, 50)) + "\"}" : std::string()) +
             "}";
    flips.push_back(f);
  }
  plan.signals.insert(plan.signals.end(), flips.begin(), flips.end());
}

// The maker bot's exits (issue [4/6], operation 7): some trades' take-profits rest as reduce-only
// limit orders in the book, a part of them post-only, so that adds, partial closes, flips, moves
// and the faults act on them too. Drawn after the kills, so that earlier seeds keep their plans.
void DrawLimitExits(Draw& d, EpisodePlan& plan) {
  const std::string tp = R"("take_profit":{)";
  for (auto& s : plan.signals) {
    const auto at = s.json.find(tp);
    if (at == std::string::npos || s.move || !d.Chance(35)) continue;
    const auto end = s.json.find('}', at);
    if (end == std::string::npos) continue;
    s.json.insert(end, d.Chance(40) ? R"(,"limit":true,"post_only":true)" : R"(,"limit":true)");
  }
}

// The bot trailing an open trade's stop (issue [4/6]) a while after the open, with the venue's
// own trailing stop beside the stop, and now and then removing it again. The checker judges what
// it closes as any exit. Drawn after the hedge mode, so that earlier seeds keep their plans.
void DrawTrails(Draw& d, EpisodePlan& plan) {
  std::vector<PlannedSignal> trails;
  for (const auto& s : plan.signals) {
    if (!s.open() || !d.Chance(20)) continue;
    PlannedSignal t;
    t.trail = true;
    t.at = s.at + d.In(10, 70) * 100;
    t.asked.id = s.asked.id + "-trail";
    t.asked.symbol = s.asked.symbol;
    t.json = R"({"id":")" + t.asked.id + R"(","symbol":")" + t.asked.symbol + R"(","action":"trail","callback_pct":")" +
             Tenths(d.In(1, 30)) + "\"}";
    trails.push_back(t);
    if (!d.Chance(30)) continue;
    PlannedSignal off = t;
    off.at = t.at + d.In(5, 40) * 100;
    off.asked.id = s.asked.id + "-trail-off";
    off.json = R"({"id":")" + off.asked.id + R"(","symbol":")" + t.asked.symbol + R"(","action":"trail","off":true})";
    trails.push_back(off);
  }
  plan.signals.insert(plan.signals.end(), trails.begin(), trails.end());
}

// keel down while the price runs through the stops of a symbol it trades: the exchange's own
// stops close positions keel is not there to see, and the restart must end those trades closed
// rather than protect a flat leg (the store-invariant trade-without-position). Drawn last.
void DrawKillThroughStops(Draw& d, EpisodePlan& plan, const PlanOptions& options) {
  if (!d.Chance(15)) return;
  std::vector<std::string> traded;
  for (const auto& s : plan.signals)
    if (s.open()) traded.push_back(s.asked.symbol);
  if (traded.empty()) return;
  PlannedFault kill;
  kill.at = d.In(20, options.active_ms / 100 - 1) * 100;
  kill.kind = "kill";
  kill.cls = FaultClass::kKill;
  kill.kill_after = 0;
  kill.duration_ms = d.In(20, 40) * 100;
  const std::string symbol = traded[static_cast<std::size_t>(d.In(0, static_cast<std::int64_t>(traded.size()) - 1))];
  const bool down = d.Chance(50);
  PlannedFault run = Sim(kill.at + 200, "move_price",
                         std::string(R"({"act":"move_price","symbol":")") + symbol + R"(","percent":")" + (down ? "-" : "") +
                             Tenths(d.In(35, 60)) + R"(","over_ms":1000})");
  plan.faults.push_back(kill);
  plan.faults.push_back(run);
}

// Limit entries (issue [4/6]) a little off the market, post-only or not, some cancelled later,
// on symbols no other open trades (a one-way account takes one trade a symbol). Drawn last.
void DrawLimits(Draw& d, EpisodePlan& plan) {
  if (!d.Chance(30)) return;
  const Lot& lot = d.Pick(kLots);
  for (const auto& s : plan.signals)
    if (s.asked.symbol == lot.symbol) return;
  for (const auto& o : plan.outside)
    if (o.symbol == lot.symbol) return;
  PlannedSignal s;
  s.at = d.In(0, plan.options.active_ms * 2 / 3 / 100) * 100;
  s.maker = true;
  s.limit_offset_bps = static_cast<int>(d.In(2, 60));
  s.asked.id = "c" + std::to_string(plan.seed) + "-limit";
  s.asked.symbol = lot.symbol;
  s.asked.qty = Decimal::Parse(lot.unit).value().Mul(Decimal::FromInteger(d.In(1, 3)).value(), Rounding::kDown).value();
  s.json = R"({"id":")" + s.asked.id + R"(","symbol":")" + lot.symbol + R"(","side":")" + (d.Chance(50) ? "LONG" : "SHORT") +
           R"(","qty":")" + s.asked.qty.ToString() + R"(","entry":"limit","price":"@LIMIT_PRICE@")" +
           (d.Chance(50) ? R"(,"post_only":true)" : "") + R"(,"stop_loss":{"pct":")" + Tenths(d.In(5, 30)) + "\"}" +
           (d.Chance(60) ? R"(,"take_profit":{"pct":")" + Tenths(d.In(10, 50)) + "\"}" : std::string()) +
           (d.Chance(50) ? R"(,"ttl_s":)" + std::to_string(d.In(5, 40)) : std::string()) + "}";
  plan.signals.push_back(s);
  if (d.Chance(30)) plan.signals.push_back(ActionOn(s.asked.id + "-cancel", lot.symbol, s.at + d.In(10, 80) * 100, "cancel"));
}

// The symbols a grid runs on: the signals' own when no signal trades them, and two no signal ever
// does. unit: a level's quantity (1-2 of it), worth about `notional` USDT at the starting price.
struct GridLot {
  const char* symbol;
  const char* unit;
  int notional;
};
constexpr GridLot kGridLots[] = {{"BTCUSDT", "0.002", 193}, {"ETHUSDT", "0.050", 156}, {"SOLUSDT", "1", 150},
                                 {"XRPUSDT", "100.0", 220}, {"BNBUSDT", "0.30", 196}, {"LINKUSDT", "10.00", 185}};

Decimal TenthsDecimal(std::int64_t tenths) { return Decimal::Parse(Tenths(tenths)).value(); }

PlannedFault GridOperator(TimeMs at, const std::string& command, const std::string& symbol) {
  PlannedFault f;
  f.at = at;
  f.cls = FaultClass::kGridOperator;
  f.kind = "grid_" + command;
  f.command = command;
  f.symbol = symbol;
  return f;
}

// A grid episode (seed 003's strategy run by the daemon itself): the grid's settings, a price walk
// on its symbol that takes the market down and up through its levels and take-profits (and, in
// some, far enough from a pending level to re-center it), exchange acts on its orders, a kill,
// and the operator's pause, resume, flatten or keel-close-position. Drawn last, so that a seed's
// other draws are the same; the account is then in hedge mode.
void DrawGrid(Draw& d, EpisodePlan& plan) {
  if (!d.Chance(plan.options.grid_pct)) return;
  std::vector<const GridLot*> free;
  for (const auto& lot : kGridLots) {
    bool used = false;
    for (const auto& s : plan.signals) used = used || s.asked.symbol == lot.symbol;
    for (const auto& o : plan.outside) used = used || o.symbol == lot.symbol;
    if (!used) free.push_back(&lot);
  }
  const GridLot& lot = *free[static_cast<std::size_t>(d.In(0, static_cast<std::int64_t>(free.size()) - 1))];
  GridConfig g;
  g.label = "strategy[0]";
  g.symbol = lot.symbol;
  const std::int64_t legs = d.In(0, 3);  // long, short, both (twice as often)
  g.long_leg = legs != 1;
  g.short_leg = legs != 0;
  g.levels = static_cast<int>(d.In(2, 5));
  const std::int64_t spacing = d.In(3, 10);  // tenths of a percent
  g.spacing_pct = TenthsDecimal(spacing);
  const std::int64_t units = d.In(1, 2);
  g.qty = Decimal::Parse(lot.unit).value().Mul(Decimal::FromInteger(units).value(), Rounding::kDown).value();
  // Re-centering needs a take-profit beyond the re-centering distance: the market leaving a
  // LONG's pending level behind is the market rising towards the LONG's take-profit.
  const bool recentering = d.Chance(30);
  const std::int64_t recenter = recentering ? d.In(8, 20) : d.In(25, 50);
  const std::int64_t take_profit = recentering ? recenter + d.In(10, 20) : d.In(3, 12);
  g.recenter_pct = TenthsDecimal(recenter);
  g.take_profit_pct = TenthsDecimal(take_profit);
  g.stop_loss_pct = TenthsDecimal(d.In(5, 20));
  g.reopen = d.Chance(85);
  if (d.Chance(50))
    g.max_notional = Decimal::FromInteger(lot.notional * units * d.In(2, g.levels) + d.In(0, 50)).value();
  plan.hedge_mode = true;
  plan.options.active_ms = std::max(plan.options.active_ms, plan.options.grid_active_ms);
  const TimeMs active = plan.options.active_ms;
  // The walk: alternating swings of about a level or two (a level fills, then the take-profit).
  const int moves = static_cast<int>(d.In(4, 9));
  const TimeMs slot = (active - 3000) / moves;
  int direction = d.Chance(50) ? 1 : -1;
  auto move = [&](TimeMs at, std::int64_t tenths, int dir) {
    plan.faults.push_back(Sim(at, "grid_move_price",
                              std::string(R"({"act":"move_price","symbol":")") + lot.symbol + R"(","percent":")" +
                                  (dir < 0 ? "-" : "") + Tenths(tenths) + R"(","over_ms":)" +
                                  std::to_string(d.In(0, 20) * 100) + "}"));
  };
  for (int i = 0; i < moves; ++i) {
    const TimeMs at = 2500 + i * slot + d.In(0, slot / 100 - 1) * 100;
    const std::int64_t swing = d.In(spacing, spacing * 2 + 8);
    move(at, swing, direction);
    if (d.Chance(70)) direction = -direction;
  }
  if (recentering) {
    // Away from a pending level: up for a LONG's, down for a SHORT's.
    const int dir = g.long_leg && (!g.short_leg || d.Chance(50)) ? 1 : -1;
    move(d.In(60, active / 100 - 30) * 100, recenter + d.In(3, 10), dir);
  }
  auto at = [&](std::int64_t from_tenths) { return d.In(from_tenths, active / 100 - 1) * 100; };
  // The exchange acting on what rests of the grid's: a level cancelled, expired or filled by itself.
  if (d.Chance(40)) {
    static const char* kGridActs[] = {"cancel", "expire", "fill", "fill", "cancel", "liquidate"};
    const int acts = static_cast<int>(d.In(1, 2));
    for (int i = 0; i < acts; ++i) {
      PlannedFault f;
      f.at = at(30);
      f.cls = FaultClass::kExchangeAct;
      f.command = d.Pick(kGridActs);
      f.kind = "exchange_" + f.command;
      f.symbol = lot.symbol;
      plan.faults.push_back(f);
    }
  }
  if (d.Chance(30)) {
    PlannedFault kill;
    kill.at = at(40);
    kill.kind = "kill";
    kill.cls = FaultClass::kKill;
    kill.kill_after = static_cast<int>(d.In(0, 40));
    kill.duration_ms = d.In(5, 40) * 100;
    plan.faults.push_back(kill);
  }
  // The operator: pause and resume, a flatten of the grid's symbol (the grid paused until resumed),
  // or keel-close-position on it (its legs stopped until resumed), in part or whole.
  if (d.Chance(45)) {
    const TimeMs when = d.In(60, active / 100 - 20) * 100;
    switch (d.In(0, 3)) {
      case 0:
        plan.faults.push_back(GridOperator(when, "flatten", lot.symbol));
        if (d.Chance(50)) plan.faults.push_back(GridOperator(when + d.In(20, 80) * 100, "resume", lot.symbol));
        break;
      case 1:
        plan.faults.push_back(GridOperator(when, "pause", lot.symbol));
        if (d.Chance(80)) plan.faults.push_back(GridOperator(when + d.In(10, 100) * 100, "resume", lot.symbol));
        break;
      default: {
        PlannedFault f;
        f.at = when;
        f.cls = FaultClass::kOperatorTool;
        f.command = "keel-close-position";
        f.symbol = lot.symbol;
        f.kind = "tool_close_position";
        if (d.Chance(40)) {
          f.kind = "tool_close_part";
          f.part_pct = Decimal::FromInteger(d.In(1, 3) * 25).value();
        }
        plan.faults.push_back(f);
        if (d.Chance(50)) plan.faults.push_back(GridOperator(when + d.In(30, 80) * 100, "resume", lot.symbol));
      }
    }
  }
  plan.grid = g;
}

}  // namespace

const std::vector<std::string>& ChaosSymbols() {
  static const std::vector<std::string> symbols = [] {
    std::vector<std::string> s;
    for (const auto& l : kLots) s.push_back(l.symbol);
    return s;
  }();
  return symbols;
}

EpisodePlan DrawEpisode(std::uint64_t seed, const PlanOptions& options) {
  Draw d(seed);
  EpisodePlan plan;
  plan.seed = seed;
  plan.options = options;
  const int signals = static_cast<int>(d.In(1, options.max_signals));
  for (int i = 0; i < signals; ++i) {
    const Lot& lot = d.Pick(kLots);
    PlannedSignal s;
    s.at = d.In(0, options.active_ms * 2 / 3 / 100) * 100;
    s.asked.id = "c" + std::to_string(seed) + "-" + std::to_string(i);
    s.asked.symbol = lot.symbol;
    const Decimal unit = Decimal::Parse(lot.unit).value();
    s.asked.qty = unit.Mul(Decimal::FromInteger(d.In(1, 3)).value(), Rounding::kDown).value();
    const bool maker = d.Chance(30);
    s.maker = maker;
    s.json = R"({"id":")" + s.asked.id + R"(","symbol":")" + lot.symbol + R"(","side":")" +
             (d.Chance(50) ? "LONG" : "SHORT") + R"(","qty":")" + s.asked.qty.ToString() + "\"" +
             (maker ? R"(,"entry":"maker","ttl_s":)" + std::to_string(d.In(3, 20)) : std::string()) +
             R"(,"stop_loss":{"pct":")" + Tenths(d.In(5, 30)) + "\"}" +
             (d.Chance(70) ? R"(,"take_profit":{"pct":")" + Tenths(d.In(10, 50)) + "\"}" : std::string()) + "}";
    plan.signals.push_back(s);
    if (d.Chance(40)) plan.signals.push_back(ActionOn(s.asked.id + "-close", lot.symbol, s.at + d.In(5, 60) * 100, "close"));
  }
  const int faults = static_cast<int>(d.In(1, options.max_faults));
  for (int i = 0; i < faults; ++i) plan.faults.push_back(DrawFault(d, d.In(0, options.active_ms / 100 - 1) * 100));
  DrawLaterFaults(d, plan);
  DrawOperatorTools(d, plan);
  DrawPartialClose(d, plan);
  DrawMoves(d, plan);
  DrawCancels(d, plan);
  DrawLimits(d, plan);
  DrawAdds(d, plan);
  DrawFlips(d, plan);
  plan.hedge_mode = d.Chance(options.hedge_pct);
  DrawTrails(d, plan);
  DrawKillThroughStops(d, plan, options);
  DrawLimitExits(d, plan);
  DrawGrid(d, plan);
  // A grid's take-profit in the book (issue [4/6]), drawn last so that earlier seeds keep their plans.
  if (plan.grid && d.Chance(40)) plan.grid->take_profit_order = d.Chance(40) ? "post_only" : "limit";
  std::stable_sort(plan.signals.begin(), plan.signals.end(), [](auto& a, auto& b) { return a.at < b.at; });
  std::stable_sort(plan.faults.begin(), plan.faults.end(), [](auto& a, auto& b) { return a.at < b.at; });
  return plan;
}

std::string SignalToSend(const PlannedSignal& s, Decimal mark, Decimal tick) {
  const std::string placeholder = "@LIMIT_PRICE@";
  const auto at = s.json.find(placeholder);
  if (!s.limit_offset_bps || at == std::string::npos) return s.json;
  const bool is_long = s.limit_direction ? s.limit_direction > 0 : s.json.find(R"("side":"LONG")") != std::string::npos;
  const Decimal bps = Decimal::FromInteger(10'000 + (is_long ? -s.limit_offset_bps : s.limit_offset_bps)).value();
  auto scaled = mark.Mul(bps, Rounding::kNearest).value().Div(Decimal::FromInteger(10'000).value(), Rounding::kNearest).value();
  auto price = scaled.RoundTo(tick, is_long ? Rounding::kFloor : Rounding::kCeiling);
  std::string out = s.json;
  out.replace(at, placeholder.size(), price.ok() ? price->ToString() : scaled.ToString());
  return out;
}

std::string GridIdPrefix(const std::string& symbol) { return "grid-" + symbol + "-"; }

std::string GridToml(const GridConfig& g) {
  std::string out = "[[strategy]]\nkind = \"grid\"\nsymbol = \"" + g.symbol + "\"\nlegs = \"" +
                    (g.long_leg && g.short_leg ? "both" : g.long_leg ? "long" : "short") + "\"\nlevels = " +
                    std::to_string(g.levels) + "\nspacing_pct = \"" + g.spacing_pct.ToString() + "\"\nqty = \"" +
                    g.qty.ToString() + "\"\ntake_profit_pct = \"" + g.take_profit_pct.ToString() +
                    "\"\nstop_loss_pct = \"" + g.stop_loss_pct.ToString() + "\"\nreopen = " + (g.reopen ? "true" : "false") +
                    "\nrecenter_pct = \"" + g.recenter_pct.ToString() + "\"\ntake_profit_order = \"" +
                    g.take_profit_order + "\"\n";
  if (g.max_notional) out += "max_notional = \"" + g.max_notional->ToString() + "\"\n";
  return out;
}

std::string DescribePlan(const EpisodePlan& plan) {
  std::vector<std::pair<TimeMs, std::string>> lines;
  for (const auto& s : plan.signals) lines.emplace_back(s.at, "signal " + s.json);
  for (const auto& f : plan.faults) {
    std::string text = f.kind;
    if (!f.command.empty()) text += " " + f.command;
    if (!f.symbol.empty()) text += " " + f.symbol;
    if (f.cls == FaultClass::kKill) text += " after " + std::to_string(f.kill_after) + " tasks";
    if (f.cls == FaultClass::kOutsidePosition) text += " " + f.side + " " + f.qty.ToString();
    if (f.part_pct) text += " --pct " + f.part_pct->ToString();
    if (f.duration_ms) text += " for " + std::to_string(f.duration_ms) + " ms";
    lines.emplace_back(f.at, text);
  }
  std::stable_sort(lines.begin(), lines.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::string out = plan.hedge_mode ? "  hedge mode\n" : "";
  if (plan.grid) {
    const GridConfig& g = *plan.grid;
    out += "  grid " + g.symbol + " legs " + (g.long_leg && g.short_leg ? "both" : g.long_leg ? "long" : "short") + ", " +
           std::to_string(g.levels) + " levels of qty " + g.qty.ToString() + ", " + g.spacing_pct.ToString() +
           " % apart, take-profit " + g.take_profit_pct.ToString() + " % (" + g.take_profit_order + "), stop " + g.stop_loss_pct.ToString() +
           " % beyond the deepest level, re-centering at " + g.recenter_pct.ToString() + " %" +
           (g.max_notional ? ", max notional " + g.max_notional->ToString() : std::string()) +
           (g.reopen ? "" : ", no reopen") + "; active " + std::to_string(plan.options.active_ms / 1000) + " s\n";
  }
  for (const auto& [at, text] : lines) out += "  +" + std::to_string(at) + " ms  " + text + "\n";
  return out;
}

}  // namespace keel::chaos
