#pragma once
// Judges one chaos episode by the exchange's ground truth and keel's store afterwards, never by
// what keel reports about itself. Pure: the caller reads both sides; the checker decides.
//
// Violations (kind):
//   oversized-position    a position larger than any signal on its symbol asked for
//   unprotected           a position without a covering resting stop for longer than the grace
//                         period plus the tolerance, counting only time the daemon was running
//   touched-terminal      more than one amend or cancel for an order after it ended on the
//                         exchange (the one that discovers it is allowed; a query is not counted)
//   duplicate-order       two accepted placements for one client order id (one intent)
//   store-mismatch        store and exchange disagree about a position or an open order once quiet
//   store-invariant       a `keel-state-inspect --check` finding
//   crash / hang          added by the runner: the daemon died, or a signal or shutdown never ended
#include <map>
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
};
Result<StoreView> ReadStoreView(StateStore& store, const InvariantOptions& options);

struct CheckInput {
  std::vector<SignalAsked> signals;
  std::vector<std::pair<TimeMs, TimeMs>> daemon_down;  // [killed, running again)
  TimeMs grace_ms = 3000;
  // How far past the grace period a repair may land: the watch's interval and one placement.
  TimeMs tolerance_ms = 1000;
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
