#pragma once
// Closing one position safely (seeds 001 and 002):
//   1. read the position from the exchange just before sending; the close side comes from it
//      (LONG -> SELL, SHORT -> BUY; in one-way mode from the sign of positionAmt), never from memory;
//   2. write the intent, then send one reduce-only market order (hedge mode: by position side);
//   3. a lost answer is settled by querying the client order id; a second close is never sent;
//   4. verify the position is flat, with bounded retries (a stale read is not the last word);
//   5. cancel the position's remaining protective orders (keel's only);
//   6. record the close in the store. Not flat after the retries: alert, and the caller exits 4.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "keel/exchange/exchange.h"
#include "keel/store/state_store.h"

namespace keel {

struct SafeCloseOptions {
  std::string account;
  std::string symbol;
  std::optional<PositionSide> position_side;  // required when hedge mode holds both legs
  int verify_attempts = 10;
  TimeMs verify_interval_ms = 1000;
  int settle_attempts = 5;
  TimeMs settle_interval_ms = 1000;
  std::function<TimeMs()> now;           // keel's clock
  std::function<void(TimeMs)> sleep;
  std::string reason = "closed by operator";
};

struct SafeCloseResult {
  bool was_flat = false;        // nothing to close when asked
  bool sent = false;            // a close order was sent
  bool verified_flat = false;
  std::optional<OrderReport> close_order;
  PositionSide position_side = PositionSide::kBoth;
  Side close_side = Side::kSell;
  Decimal closed_amount;        // signed amount the position had
  std::vector<std::string> cancelled;  // protective orders cancelled afterwards
  std::vector<std::string> steps;      // what happened, one line each, for the log and --json
};

// store may be null (no record kept). Errors: kInvalidInput for an ambiguous request, exchange or
// transport errors when the position cannot be read or the close not sent.
Result<SafeCloseResult> SafeClose(Exchange& exchange, StateStore* store, const SafeCloseOptions& options);

}  // namespace keel
