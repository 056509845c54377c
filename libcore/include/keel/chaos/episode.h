#pragma once
// Running one chaos episode and what came of it, in process (episode_in_process.cpp): the
// simulator, keel's real adapter for the episode's dialect (Binance USD-M or Bybit v5) over the
// in-memory transport, a real SQLite store and the
// daemon's engine on a virtual clock, so an episode of a minute and a half takes a tenth of a
// second; or with real processes (episode_processes.cpp): keel-exchange-sim and keel-traderd over
// loopback on the wall clock, SIGKILL of the daemon's process and a restart on the same store. The
// checker is the same for both: the ground truth comes from the simulator, the store is a file.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "keel/chaos/episode_plan.h"
#include "keel/chaos/invariant_checker.h"
#include "keel/sim/dialect_feed.h"

namespace keel::chaos {

struct EpisodeOptions {
  // Where a failing episode leaves its store, ground truth, plan and timeline (a directory per
  // seed under it); empty: a failing episode keeps nothing.
  std::string keep_dir;
  // Where keel-exchange-sim and keel-traderd are, for episodes with real processes.
  std::string bin_dir;
  // The venue's dialect keel speaks in the episode (its adapter, its streams, the daemon's kind).
  sim::Dialect dialect = sim::Dialect::kBinanceUsdm;
};

// What a grid episode's grid did, from the store once quiet (its signals and orders).
struct GridFigures {
  int episodes = 0;
  int opens = 0;           // cycles opened (open signals taken)
  int levels_placed = 0;   // level adds taken
  int levels_filled = 0;   // level orders that filled (in part or whole)
  int take_profits = 0;    // take-profit orders of the grid's that filled
  int cycles = 0;          // cycles the grid saw end by their take-profit ("-c")
  int recenters = 0;       // pending levels cancelled to be placed again from the market ("-r")
  int stopped = 0;         // cycles ended otherwise: a stop, a close, a flatten ("-x")
  int refused = 0;         // the grid's signals keel refused (a limit, a stop passed, paused)
  std::map<std::string, int> operator_answers;  // "flatten exit 0", "pause exit 0", …
  void Add(const GridFigures& o);
};

struct EpisodeOutcome {
  std::uint64_t seed = 0;
  std::map<std::string, int> faults;   // injected, by kind
  // Drawn but with nothing to act on when their moment came: no resting order or position, the
  // stream or the daemon already down.
  int faults_skipped = 0;
  // The answers to the bot's move and cancel signals by result ("move moved", "cancel cancelled",
  // "move rejected", …): a soak whose moves are all refused would judge nothing of them.
  std::map<std::string, int> move_answers;
  GridFigures grid;  // a grid episode's
  std::vector<Violation> violations;
  CheckFigures figures;
  std::int64_t rest_calls = 0;         // every request keel made to the exchange API
  int lifecycles = 0;                  // entries that filled (a position opened by a signal)
  std::string kept;                    // the directory a failing episode left, if any
  std::string keep_error;              // why it could not be left there
};

EpisodeOutcome RunInProcess(const EpisodePlan& plan, const EpisodeOptions& options);
// The same plan with real processes: about active_ms + quiet_ms of wall time. The seed draws the
// same plan, but the moments are the wall clock's and the scheduler's: a replay is close, not exact.
EpisodeOutcome RunWithProcesses(const EpisodePlan& plan, const EpisodeOptions& options);

}  // namespace keel::chaos
