#pragma once
// The domain invariants a healthy store satisfies, checked by `keel-state-inspect --check`, by the
// crash test after every SIGKILL, and (later) by the daemon at start:
//   - every open position older than the grace period has a confirmed working protective stop;
//   - the order a position names as its stop is not terminal and is on the same symbol and side;
//   - at most one open position per (symbol, position side), and no symbol mixes one-way and hedge;
//   - every intent older than the crash window has an order (else its outcome was never settled);
//   - the journal sequence has no gaps; the storage engine's own integrity check passes.

#include <string>
#include <vector>

#include "keel/store/state_store.h"

namespace keel {

struct InvariantOptions {
  TimeMs now_ms = 0;
  TimeMs protect_grace_ms = 10'000;  // a position younger than this may still be waiting for its stop
  TimeMs crash_window_ms = 60'000;   // an intent younger than this may still be in flight
};

struct Finding {
  std::string kind;     // integrity | journal-gap | unprotected-position | terminal-stop | stop-mismatch |
                        // duplicate-open-position | mixed-position-mode | unresolved-intent |
                        // trade-without-position
  std::string subject;  // "BTCUSDT/LONG", a client order id, "journal"
  std::string message;  // one line for an operator
};

// Everything the checks read, loaded once.
struct InvariantSnapshot {
  std::vector<std::string> integrity_problems;
  std::vector<JournalGap> journal_gaps;
  std::vector<PositionRecord> open_positions;
  std::vector<OrderRecord> orders;
  std::vector<IntentRecord> intents;
  std::vector<SignalRecord> unfinished_signals;
};

// Pure: the findings for a snapshot, in a stable order.
std::vector<Finding> FindInvariantViolations(const InvariantSnapshot& snapshot, const InvariantOptions& options);

Result<InvariantSnapshot> LoadInvariantSnapshot(StateStore& store);
Result<std::vector<Finding>> CheckStoreInvariants(StateStore& store, const InvariantOptions& options);

}  // namespace keel
