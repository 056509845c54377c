#pragma once
// One chaos episode, drawn from a seed: the signals a bot sends and the faults the exchange, the
// network and the host inflict, each at a time in the episode. The same seed draws the same plan
// on every machine (the generator is std::mt19937_64 and the draws use no distribution class,
// whose output the standard leaves to each library), so a failing seed replays exactly.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "keel/chaos/invariant_checker.h"
#include "keel/config/strategy_config.h"
#include "keel/model/decimal.h"
#include "keel/model/time.h"

namespace keel::chaos {

struct PlannedSignal {
  TimeMs at = 0;
  std::string json;  // as a bot sends it to keel-traderd
  bool close = false;
  bool move = false;    // a move of an open trade's stop and/or take-profit (issue [4/6])
  bool cancel = false;  // the symbol's pending entries cancelled (issue [4/6])
  // More on an open trade's leg (issue [4/6]): asked.qty is the open's with every add of it so far,
  // the most its position may reach.
  bool add = false;
  bool flip = false;  // an open of the other side once the symbol is closed (counts as an open)
  bool trail = false;  // the venue's trailing stop set on an open trade, or removed (issue [4/6])
  bool maker = false;   // an open whose entry rests (entry "maker" or "limit")
  // A limit entry this many basis points from the mark when it is sent (under it for a LONG, over
  // it for a SHORT): the runner writes the price into json's "@LIMIT_PRICE@", on the tick.
  int limit_offset_bps = 0;
  // The direction of that limit when json names none (an add's is its trade's): +1 LONG, -1 SHORT.
  int limit_direction = 0;
  SignalAsked asked;    // what an open asks for (close, move, cancel: symbol only)
  bool open() const { return !close && !move && !cancel && !add && !trail; }
};

// What a fault is, for the runner and the report.
enum class FaultClass {
  kSimCommand,      // sent to the simulator's control endpoint as it is (`command`)
  kExchangeAct,     // an exchange-side act on whatever keel has there at the moment (`act`)
  kDisconnect,      // the private stream drops for `duration_ms`; events meanwhile are lost
  kListenKeyExpiry, // the exchange expires the listen key: the stream ends, a new key, reconnect
  kKill,            // SIGKILL of the daemon after `kill_after` more tasks; down for `duration_ms`
  kFreeze,          // the exchange answers nothing (REST, stream) for `duration_ms`: held, not closed
  kOutsidePosition, // someone else (the website, another bot) opens `qty` of `symbol` at market
  kOperatorTool,    // the operator runs keel's tool `command` (keel-close-position on `symbol`,
                    // keel-scan-orphans) while the daemon runs: its answer is a claim to judge
  kGridOperator,    // the operator's keel-ctl `command` (pause | resume | flatten `symbol`) on a
                    // daemon running a grid
};

struct PlannedFault {
  TimeMs at = 0;
  std::string kind;  // the report's name: "stale_reads", "placement_after", "kill", …
  FaultClass cls = FaultClass::kSimCommand;
  std::string command;  // kSimCommand: the control JSON; kExchangeAct: cancel|expire|fill|liquidate|adl
  std::string symbol;   // kExchangeAct
  TimeMs duration_ms = 0;  // a lasting fault is switched off (or the stream back, the daemon up) after this
  std::string off_command;  // kSimCommand with a duration: the JSON that switches it off
  int kill_after = 0;
  std::string side;     // kOutsidePosition: BUY | SELL
  Decimal qty;          // kOutsidePosition
  std::optional<Decimal> part_pct;  // kOperatorTool keel-close-position: close only this percent
};

struct PlanOptions {
  TimeMs active_ms = 15'000;  // signals and faults happen in [0, active_ms)
  // Then faults off and time to settle before the check: past a 429's Retry-After (the end of
  // the exchange's minute), the daemon's start, its orphan scan and its reconcile.
  TimeMs quiet_ms = 75'000;
  int max_signals = 4;
  int max_faults = 6;
  // Episodes whose account is in hedge mode, in percent. The seeds the soak found before hedge
  // episodes existed replay with 0: one-way, as they were found.
  int hedge_pct = 25;
  // Episodes whose daemon runs a grid strategy ([[strategy]] kind = "grid"), in percent; drawn
  // last, so that the seed's other draws are the same (the account is then in hedge mode).
  int grid_pct = 12;
  // A grid episode's active phase: long enough for levels to fill, take-profits to fill and the
  // leg to reopen under the price walk drawn for it.
  TimeMs grid_active_ms = 30'000;
};

struct EpisodePlan {
  std::uint64_t seed = 0;
  PlanOptions options;
  std::vector<PlannedSignal> signals;  // by time
  std::vector<PlannedFault> faults;    // by time
  // Positions opened outside keel during the episode: no signal asked for them (the size check
  // allows them), but they must be protected all the same.
  std::vector<SignalAsked> outside;
  // The account in hedge mode: a LONG and a SHORT leg per symbol, each its own trade, and a close
  // of the symbol closes both (seed 003's Bybit account). Drawn last, so a seed's signals and
  // faults are the same in either mode.
  bool hedge_mode = false;
  // The grid the daemon runs ([[strategy]] kind = "grid", on a symbol no signal trades), and the
  // leg's most (levels x qty): the size bound the checker holds its legs to.
  std::optional<GridConfig> grid;
};

// The id prefix of every signal a grid on symbol sends (GridStrategy::IdPrefix).
std::string GridIdPrefix(const std::string& symbol);
// The [[strategy]] table of a grid, as keel-traderd reads it.
std::string GridToml(const GridConfig& g);

// The symbols episodes trade (the simulator's defaults, with their lot sizes).
const std::vector<std::string>& ChaosSymbols();

EpisodePlan DrawEpisode(std::uint64_t seed, const PlanOptions& options = {});
// The signal as the bot sends it: a limit entry's price written in, limit_offset_bps from the
// mark (under it for a LONG, over it for a SHORT), rounded away from the mark onto the tick.
std::string SignalToSend(const PlannedSignal& s, Decimal mark, Decimal tick);

// One line per signal and fault, by time: what a failing episode prints.
std::string DescribePlan(const EpisodePlan& plan);

}  // namespace keel::chaos
