#pragma once
// Judges one chaos episode by the exchange's ground truth and keel's store afterwards, never by
// what keel reports about itself. Pure: the caller reads both sides; the checker decides.
//
// Violations (kind):
//   oversized-position    a position larger than any signal on its symbol asked for
//   unprotected           a position without a covering resting stop for longer than the grace
//                         period plus the tolerance, counting only time the daemon was running
//                         (a position opened outside keel and never pushed to it: counted from
//                         when a read could show it, with one orphan scan more)
//   touched-terminal      more than one amend or cancel for an order after it ended on the
//                         exchange (the one that discovers it is allowed; a query is not counted)
//   duplicate-order       two accepted placements for one client order id (one intent)
//   store-mismatch        store and exchange disagree about a position or an open order once quiet
//   store-invariant       a `keel-state-inspect --check` finding
//   false-claim           keel said "flat", "closed" or "rolled back" while the exchange held the
//                         position, or "protected" by a stop the exchange did not hold, or a tool
//                         said every position protected while one had been bare all along (judged
//                         at the moment of the claim, allowing the events in flight: the tolerance)
//   silent-blindness      the exchange answered nothing for longer than the alert time plus a
//                         probe's interval while the daemon ran, and no alert said so
//   grid-after-flatten    a grid sent a signal after the operator's flatten of its symbol paused it,
//                         with no resume or restart between; or an order of the symbol placed before
//                         the flatten still rested on the exchange when it answered "flat"
//   crash / hang          added by the runner: the daemon died, or a signal or shutdown never ended
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keel/chaos/ground_truth.h"
#include "keel/store/invariants.h"
#include "keel/store/state_store.h"

namespace keel::chaos {

struct SignalAsked {
  std::string id;
  std::string symbol;
  Decimal qty;
};

// keel's store once the episode is quiet.
struct StoreView {
  std::vector<PositionRecord> open_positions;
  std::vector<OrderRecord> orders;  // every order, terminal or not
  std::vector<Finding> findings;    // CheckStoreInvariants
  std::vector<SignalRecord> signals;  // every signal taken (a grid's among them)
};
Result<StoreView> ReadStoreView(StateStore& store, const InvariantOptions& options);

// Something keel said, at the moment it said it (the store's journal, a signal's answer).
struct Claim {
  // kAllProtected: every position open on the exchange for longer than older_than_ms had a
  // covering stop (keel-scan-orphans' all-clear).
  // kStopNotPlaced: a rollback "the stop was not placed" (stop_client_id names the last one sent),
  // false while the exchange held that stop resting.
  enum class Kind { kFlat, kProtected, kAllProtected, kStopNotPlaced };
  Kind kind = Kind::kFlat;
  TimeMs at = 0;
  std::string symbol;
  std::string position_side;  // BOTH | LONG | SHORT; empty: every leg of the symbol
  std::string stop_client_id;  // kProtected: the stop named
  std::string who;             // "signal c1-0 rolled-back", "close signal answer", ...
  TimeMs older_than_ms = 0;    // kAllProtected
};

// Claims read off the store's journal: a signal's record written closed or rolled back (flat), or
// open and "protected by stop …" (protected), or "rolling back: the stop was not placed" (its last
// stop not placed).
Result<std::vector<Claim>> ClaimsInJournal(StateStore& store);

struct CheckInput {
  std::vector<SignalAsked> signals;
  std::vector<SignalAsked> outside;  // positions opened outside keel (allowed in size, not in protection)
  std::vector<Claim> claims;
  // Windows the exchange answered nothing, and the alerts keel raised (kind, when).
  std::vector<std::pair<TimeMs, TimeMs>> blind;
  std::vector<std::pair<std::string, TimeMs>> alerts;
  TimeMs blind_alert_after_ms = 45'000;  // the alert time plus a probe interval
  std::vector<std::pair<TimeMs, TimeMs>> daemon_down;  // [killed, running again)
  // What keel was told and could read, for positions opened outside it: the position pushes the
  // daemon received (key "SYMBOL/SIDE", when each arrived), and the windows REST reads lagged.
  // A position keel was never pushed is held to the grace period from the moment a read could show
  // it, plus one orphan scan (keel's cadence for what it was not told): nothing sees it sooner.
  bool pushes_known = false;  // false (real processes): every position counts from its opening
  std::map<std::string, std::vector<TimeMs>> pushes;
  // Per push (same index), when the process it reached ended (killed, or its start-up failed);
  // absent or kNever: it lived on. What a dead process was told of a position it never recorded
  // is not known to the next (chaos seed 990970: pushed, killed 190 ms later, restarted under
  // reads 15 s behind).
  static constexpr TimeMs kNever = std::numeric_limits<TimeMs>::max();
  std::map<std::string, std::vector<TimeMs>> pushes_forgotten_at;
  struct StaleReads {
    TimeMs from = 0, to = 0, lag_ms = 0;
  };
  std::vector<StaleReads> stale_position_reads;
  TimeMs unseen_allowance_ms = 0;
  TimeMs grace_ms = 3000;
  // How far past the grace period a repair may land: the watch's interval and one placement.
  TimeMs tolerance_ms = 1000;
  // A grid the daemon ran ([[strategy]] kind = "grid"), and the operator's flattens of its symbol.
  struct GridFlatten {
    TimeMs began = 0;        // the flatten taken on the engine's thread: the grid paused from here
    TimeMs answered = -1;    // -1: never answered (the daemon killed meanwhile)
    int exit_code = -1;
    // The grid may send again from here: a resume, or the end of the process (a flatten's pause is
    // held in memory, docs/strategies.md).
    TimeMs paused_until = kNever;
  };
  struct Grid {
    std::string symbol;
    std::string id_prefix;  // its signals' ids: prefix, "L-" or "S-", the time they were made in ms
    std::vector<GridFlatten> flattens;
    // How long after `began` the grid may still make a signal (the engine takes the flatten a
    // little after the runner asked: nothing in process, loopback with real processes).
    TimeMs slack_ms = 5;
  };
  std::optional<Grid> grid;
};

struct Violation {
  std::string kind;
  std::string subject;
  std::string detail;
};

// Measured on the way, for the soak's figures.
struct CheckFigures {
  std::vector<TimeMs> unprotected_ms;     // every window a position was without a covering stop
  std::vector<TimeMs> ghost_recovery_ms;  // an order ended by the exchange -> the store knows it
  std::int64_t requests = 0;              // order requests the exchange received
};

std::vector<Violation> CheckEpisode(const GroundTruth& truth, const StoreView& store, const CheckInput& input,
                                    CheckFigures* figures = nullptr);

}  // namespace keel::chaos
