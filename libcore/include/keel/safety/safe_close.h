#pragma once
// Closing one position safely (seeds 001 and 002):
//   1. refuse what cannot be right before anything is sent: a symbol the exchange does not list, a
//      LONG/SHORT leg on a one-way account (or no leg named when hedge mode holds both);
//   2. read the position from the exchange just before sending; the close side comes from it
//      (LONG -> SELL, SHORT -> BUY; in one-way mode from the sign of positionAmt), never from memory;
//   3. close with reduce-only market orders, each at most the symbol's MARKET_LOT_SIZE maxQty (a
//      larger one is refused, -4005) and each its own intent, written before it is sent;
//   4. a lost answer is settled by querying the client order id; an order is never sent twice, and
//      the next chunk is sent only once the previous one's fill is known;
//   5. flat is proven, not assumed: the last close's fill is known (answer or query) and a position
//      read newer than that fill shows the position flat; a stale read is read again, boundedly.
//      A read that shows flat before anything is sent proves it only when it is newer than the
//      account's last fill in the symbol (the trade history) and than keel's own record;
//   6. only then are the position's protective orders (keel's) cancelled and the close recorded.
//      keel's limit take-profits on the leg are ended before step 3 (close_limit_exits.h).
//      Not proven flat: alert, and the caller exits 4.

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
  int verify_attempts = 10;                   // position reads after each close order
  TimeMs verify_interval_ms = 1000;
  int settle_attempts = 5;                    // queries of a close order whose outcome is not known yet
  TimeMs settle_interval_ms = 1000;
  std::function<TimeMs()> now;                // keel's clock
  std::function<void(TimeMs)> sleep;
  std::string reason = "closed by operator";
  // A partial close: this much of the position (reduce_by, rounded down to the lot step) or this
  // percent of it (reduce_pct, 0 < pct < 100), never all of it. The same steps, with "flat"
  // replaced by "smaller by exactly the closed amount" (a read newer than the last fill shows
  // what is left); the protective orders stay, since a whole-position stop covers what is left.
  std::optional<Decimal> reduce_by;
  std::optional<Decimal> reduce_pct;
  // keel's limit take-profits resting on the leg are ended before the close (Binance refuses a
  // close that resting reduce-only orders already cover, -4118). After a verified partial close
  // they are placed again for what is left, at their price, unless keel-traderd's trades do that
  // (the close forwarded to the daemon: false).
  bool place_limit_exits_again = true;
  // false: the caller ended them already (keel-traderd's own closes, which know more of them).
  bool end_limit_exits = true;
};

// Only verified_flat means "flat": was_flat says what a read showed, which a lagging read can get
// wrong. A caller that is not verified says "not verified" (exit 4) and tries again later.
struct SafeCloseResult {
  bool was_flat = false;        // a read showed nothing to close when asked (not proof)
  bool sent = false;            // at least one close order was sent
  bool verified_flat = false;   // proven flat by a read newer than the last fill
  std::string not_verified_reason;  // why not, and what to do, when !verified_flat
  TimeMs retry_after_ms = 0;    // the exchange asked to wait this long (a rate refusal) before again
  std::vector<OrderReport> close_orders;  // one per chunk, as the exchange last reported each
  PositionSide position_side = PositionSide::kBoth;
  Side close_side = Side::kSell;
  Decimal closed_amount;        // signed amount the position had
  TimeMs flat_as_of = 0;        // the venue's time of the read that proved it flat
  std::vector<std::string> cancelled;  // protective orders cancelled afterwards
  std::vector<std::string> steps;      // what happened, one line each, for the log and --json
  // A partial close: proven smaller by what was closed (a read newer than the last fill), and the
  // signed amount that read showed left.
  bool verified_reduced = false;
  Decimal remaining_amount;
  Decimal reduced_by;  // what the close orders filled
  // keel's limit take-profits ended before the close; after a partial close, those placed again
  // (new client ids) and those that could not be, with why.
  std::vector<std::string> limit_exits_ended;
  std::vector<std::string> limit_exits_placed;
  std::vector<std::string> limit_exits_not_placed;
};

// The side that closes the position the row shows: SELL for LONG, BUY for SHORT; one-way (BOTH)
// by the sign of the amount.
Side ClosingSide(const PositionReport& p);

// The partial-close options' own bounds (at most one of reduce_by and reduce_pct; a quantity above 0;
// a percent above 0 and below 100): kInvalidInput naming the problem. SafeClose checks them first;
// the tools check them before asking for confirmation.
Status CheckPartialClose(const std::optional<Decimal>& reduce_by, const std::optional<Decimal>& reduce_pct);

// store may be null (no record kept). A partial close of a position that is not open is kNotFound;
// one that would close all of it, kInvalidInput (close it instead). Errors: kInvalidInput for a request that cannot be right
// (exit 2), kNotFound for a symbol the exchange does not list (exit 2), exchange or transport errors
// when the position cannot be read or the close not sent.
Result<SafeCloseResult> SafeClose(Exchange& exchange, StateStore* store, const SafeCloseOptions& options);

}  // namespace keel
