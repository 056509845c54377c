// The safety tools' option bounds (ops/safety_tools.h): one place for the command line and the
// daemon's forwarded requests, which had skipped the command line's range checks.
#include "keel/model/instrument.h"
#include "keel/ops/safety_tools.h"
#include "keel/safety/protect.h"
#include "keel/safety/safe_close.h"

namespace keel::ops {
namespace {

Status InRange(const char* option, std::int64_t value, std::int64_t min, std::int64_t max, const char* unit) {
  if (value >= min && value <= max) return Status::Ok();
  return Status::InvalidInput(std::string(option) + ": expected " + std::to_string(min) + " to " + std::to_string(max) +
                              unit + ", got " + std::to_string(value));
}

}  // namespace

Status CheckOptions(const ScanOrphansOptions& o) {
  if (o.protect && !o.stop_pct) return Status::InvalidInput("--protect needs --stop-pct P (the stop's distance in %)");
  if (o.stop_pct && !o.protect) return Status::InvalidInput("--stop-pct is used with --protect only");
  if (o.stop_pct) KEEL_RETURN_IF_ERROR(ValidateStopPct(*o.stop_pct));
  for (const auto& symbol : o.symbols) KEEL_RETURN_IF_ERROR(ValidateSymbol(symbol).WithContext("--symbol"));
  return InRange("--grace-ms", o.grace_ms, 0, kMaxGraceMs, " ms");
}

Status CheckOptions(const ReconcileOptions& o) { return InRange("--grace-ms", o.grace_ms, 0, kMaxGraceMs, " ms"); }

Status CheckOptions(const ClosePositionOptions& o) {
  if (o.symbol.empty()) return Status::InvalidInput("SYMBOL: expected the symbol to close, e.g. BTCUSDT");
  KEEL_RETURN_IF_ERROR(ValidateSymbol(o.symbol).WithContext("SYMBOL"));
  KEEL_RETURN_IF_ERROR(InRange("--verify-attempts", o.verify_attempts, 1, kMaxVerifyAttempts, ""));
  KEEL_RETURN_IF_ERROR(CheckPartialClose(o.qty, o.pct));
  return InRange("verify_interval_ms", o.verify_interval_ms, kMinVerifyIntervalMs, kMaxVerifyIntervalMs, " ms");
}

}  // namespace keel::ops
