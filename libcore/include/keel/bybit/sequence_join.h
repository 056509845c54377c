#pragma once
// Bybit reports a fill on three topics that arrive in any order: the execution (the fill itself,
// with `execId` and `seq`), the order (its status and cumulative quantities) and the position (its
// size after the change, with the same `seq`). websocket/private/execution.mdx: seq is the "cross
// sequence, used to associate each fill and each position update", the same for the fills of one
// match, per symbol; position.mdx: -1 for a symbol never traded.
//
// The join turns them into keel's events without counting a fill twice or not at all:
//   - fills come from the execution topic only, each execId once (a repeated push adds nothing);
//   - sizes come from the position topic, in seq order per position: a row older than one already
//     seen is left out;
//   - a fill whose position has already been reported with a seq at or past the fill's is counted
//     by that report (FillCount::kInPositionReport) and moves nothing by itself;
//   - a fill that is not yet counted waits for its position's report, at most `window_ms`; then it
//     moves the position by itself and the symbol is read by REST (kNotReported);
//   - a fill's position side is its order's (positionIdx of the order topic), or kBoth once the
//     symbol's position rows say one-way mode; a fill whose side stays unknown for the window is
//     handed over as kUnknown (read by REST, nothing moved);
//   - Funding is a payment, not a fill: handed over at once to be journaled, moving nothing.
// Single-threaded: the private stream's loop calls it.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "keel/bybit/codec.h"
#include "keel/exchange/stream_events.h"

namespace keel::bybit {

// How long a fill waits for its position's report: Bybit sends both at once; a report later than
// this was lost or is late enough that REST is the better witness.
inline constexpr TimeMs kFillJoinWindowMs = 1000;

class SequenceJoin {
 public:
  struct Sink {
    std::function<void(const OrderEvent&)> on_order;
    std::function<void(const PositionEvent&)> on_position;
  };
  SequenceJoin(TimeMs window_ms, Sink sink, std::size_t remembered = 4096)
      : window_ms_(window_ms), sink_(std::move(sink)), capacity_(remembered) {}

  // An order row: its lifecycle is handed over, and fills waiting for its position side go on.
  void Order(OrderEvent row, TimeMs now);
  void Executions(const ExecutionEvent& event, TimeMs now);
  void Positions(PositionEvent event, TimeMs now);
  // Hands over the fills that waited longer than the window.
  void Expire(TimeMs now);

  std::size_t waiting() const { return waiting_.size(); }
  long duplicates() const { return duplicates_; }
  long stale_positions() const { return stale_positions_; }

 private:
  struct OrderFacts {
    PositionSide position_side = PositionSide::kBoth;
    bool reduce_only = false;
    bool close_position = false;
  };
  struct Waiting {
    OrderEvent fill;
    TimeMs since = 0;
  };
  static std::string KeyOf(const std::string& symbol, PositionSide side) { return symbol + "/" + to_string(side); }
  OrderEvent FillOf(const Execution& x, TimeMs creation_time) const;
  // The fill's side, from its order or the symbol's mode; false when neither is known yet.
  bool ResolveSide(OrderEvent& fill) const;
  bool Counted(const OrderEvent& fill) const;
  void Release(TimeMs now, bool expire);
  bool FirstTime(const std::string& exec_id);
  void Remember(const std::string& order_id, OrderFacts facts);

  TimeMs window_ms_;
  Sink sink_;
  std::size_t capacity_;
  std::unordered_set<std::string> exec_ids_;
  std::deque<std::string> exec_order_;
  std::unordered_map<std::string, OrderFacts> orders_;  // by orderId
  std::deque<std::string> order_ids_;
  std::map<std::string, std::int64_t> reported_seq_;  // "SYMBOL/SIDE" -> newest seq of its position rows
  std::map<std::string, bool> one_way_;               // symbol -> its rows say positionIdx 0
  std::vector<Waiting> waiting_;
  long duplicates_ = 0;
  long stale_positions_ = 0;
};

}  // namespace keel::bybit
