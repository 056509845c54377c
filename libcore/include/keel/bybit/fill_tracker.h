#pragma once
// Bybit's order topic carries an order's cumulative fills (cumExecQty, cumExecValue), not each
// fill. The tracker turns growth into fills: the quantity and price added since the last row of the
// same order. A row that repeats what was seen (two Filled pushes when a cancel races a fill, a
// push sent twice) adds nothing and is no fill. Orders are remembered up to a bound, oldest first
// forgotten; one not remembered counts from zero.
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

#include "keel/exchange/stream_events.h"

namespace keel::bybit {

class FillTracker {
 public:
  explicit FillTracker(std::size_t capacity = 4096) : capacity_(capacity) {}

  // Sets e.last_qty and e.last_price from the growth of e.filled_qty and cum_exec_value since the
  // last row of e's order (0 when nothing grew). A fill happens in the matching engine: a
  // triggered conditional order's fill is reported in the regular book, as Binance reports it.
  void Apply(OrderEvent& e, Decimal cum_exec_value);
  std::size_t remembered() const { return seen_.size(); }

 private:
  struct Cumulative {
    Decimal qty;
    Decimal value;
  };
  std::size_t capacity_;
  std::unordered_map<std::string, Cumulative> seen_;
  std::deque<std::string> order_;  // order ids, first seen first
};

}  // namespace keel::bybit
