#pragma once
// What the engine tells an operator about: raised on the engine thread, delivered by the daemon's
// sinks (webhook, exec), which deduplicate and rate-limit by key.

#include <string>

#include "keel/model/time.h"

namespace keel {

enum class AlertKind {
  kUnprotectedPosition,  // a position without covering protection past the grace period
  kRollback,             // a stop could not be placed; the position was closed
  kRollbackFailed,       // ... and could not be proven flat
  kOrphan,               // a position or order on the exchange keel did not place or track
  kReconcileMismatch,    // the store and the exchange disagree
  kBreaker,              // replacements of one order stopped after repeated failures
  kStreamDown,           // the user-data stream has been down longer than configured
  kUnknownOutcome,       // an order's outcome could not be settled
  kLiquidation,          // the exchange liquidated or deleveraged a position
  kEntryFailed,          // a signal's entry could not be placed
  kExchangeNotAnswering,  // REST calls get no answer (and their all-clear)
  kRateLimited,          // the exchange keeps refusing for the rate
  kClockSkew,            // the exchange refuses keel's timestamps
  kKeyRefused,           // the exchange refuses keel's API key (signature, permissions, IP, expiry)
};
const char* to_string(AlertKind kind);

struct Alert {
  AlertKind kind = AlertKind::kUnprotectedPosition;
  std::string key;      // what makes two alerts the same one (kind + subject)
  std::string symbol;
  std::string message;  // one line for an operator
  TimeMs at = 0;
};

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void Raise(const Alert& alert) = 0;
};

}  // namespace keel
