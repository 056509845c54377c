#pragma once
// One simulated symbol's market: the last (contract) price from its path, a mark price that follows
// it smoothly, and a synthetic book around the last price that takers walk level by level.
// Operator moves ("move BTCUSDT by -5% over 2 s") are offsets on top of the path.

#include <memory>
#include <optional>
#include <vector>

#include "keel/model/side.h"
#include "keel/sim/klines.h"
#include "keel/sim/price_path.h"
#include "keel/sim/sim_config.h"

namespace keel::sim {

struct Quote {
  Decimal bid;
  Decimal bid_qty;
  Decimal ask;
  Decimal ask_qty;
};

struct BookFill {
  Decimal price;
  Decimal qty;
};

class Market {
 public:
  Market(const SimInstrument& instrument, std::unique_ptr<PricePath> path, TimeMs start_ms);

  // Moves to time t (never backwards). Returns true when the last price changed.
  bool AdvanceTo(TimeMs t);

  const SimInstrument& instrument() const { return instrument_; }
  const std::string& symbol() const { return instrument_.filters.symbol; }
  Decimal last() const { return last_; }
  Decimal mark() const { return mark_; }
  const Quote& quote() const { return quote_; }
  std::int64_t update_id() const { return update_id_; }

  // The fills a taker order gets walking the book: at most qty, at prices no worse than limit
  // (none for a market order). Does not change the book: its depth is replenished every step.
  std::vector<BookFill> Take(Side side, Decimal qty, const std::optional<Decimal>& limit) const;
  // True when a limit order at price would take liquidity (a BUY at or above the ask, a SELL at or
  // below the bid).
  bool WouldTake(Side side, Decimal price) const;

  // Moves the price by percent (e.g. -5) on top of the path: at once when over_ms is 0, else
  // linearly over over_ms from now. The mark follows at once too for an immediate move.
  Status Move(Decimal percent, TimeMs now, TimeMs over_ms);

  // The candlesticks; fills are recorded here by the exchange.
  const KlineHistory& klines() const { return klines_; }
  void RecordTrade(TimeMs t, Decimal price, Decimal qty) { klines_.Trade(t, price, qty); }

 private:
  Decimal Offset(TimeMs t) const;
  Decimal Clamp(Decimal price) const;
  void Recompute(TimeMs t, bool snap_mark);

  SimInstrument instrument_;
  std::unique_ptr<PricePath> path_;
  TimeMs now_;
  Quote ComputeQuote() const;
  Decimal last_;
  Decimal mark_;
  Quote quote_;  // recomputed whenever the last price changes
  std::int64_t update_id_ = 1;
  // Accumulated operator moves: completed ones in base_offset_, one possibly in progress.
  Decimal base_offset_;
  Decimal moving_offset_;
  TimeMs move_start_ = 0;
  TimeMs move_end_ = 0;
  KlineHistory klines_;
};

}  // namespace keel::sim
