#pragma once
// A strategy run by keel-traderd itself: it turns market and account events into signals, the
// same JSON a bot sends (docs/signals.md), and nothing else. It never talks to the exchange and
// holds no state keel could not rebuild: after a restart it finds its trades again by their ids.

#include <optional>
#include <string>
#include <vector>

#include "keel/model/decimal.h"
#include "keel/model/json_writer.h"
#include "keel/model/side.h"
#include "keel/model/time.h"

namespace keel {

// A trade as the engine holds it (active), or as its record ended (no longer active).
struct TradeView {
  std::string id;
  std::string phase;  // the trade's state while active ("entering", "protected", …); the record's once ended
  bool active = false;
  PositionSide leg = PositionSide::kBoth;
  Decimal position_qty;  // absolute; 0 when flat or unknown
  int pending_adds = 0;  // its adds still resting or on their way
  // An add filled after the position was last reported: position_qty does not hold it yet.
  bool position_behind_fills = false;
  bool closed_by_take_profit = false;  // ended: its take-profit filled
};

struct SignalHistory {
  std::vector<std::string> ids;
  bool complete = true;
};

// What a strategy may read. Implemented by the engine on its own thread.
class StrategyContext {
 public:
  virtual ~StrategyContext() = default;
  virtual TimeMs now() const = 0;
  virtual std::optional<Decimal> mark(const std::string& symbol) const = 0;
  virtual std::optional<Decimal> tick_size(const std::string& symbol) const = 0;
  virtual bool hedge_mode() const = 0;
  virtual bool engine_paused() const = 0;
  // A trade by its signal id, active or ended (from the store); none: never taken.
  virtual std::optional<TradeView> trade(const std::string& signal_id) const = 0;
  // The active trade on a leg, if any (after a restart: the strategy's own, found by id prefix).
  virtual std::optional<TradeView> active_trade_on(const std::string& symbol, PositionSide leg) const = 0;
  // The ids of the newest signals on the symbol whose id starts with prefix, oldest first, as the
  // store holds them: what a strategy sent before a restart. complete is false when older ones may
  // exist beyond the look-back, or the store could not be read: the strategy cannot tell its past.
  virtual SignalHistory signal_ids(const std::string& symbol, const std::string& prefix) const = 0;
};

struct StrategySignal {
  std::string id;
  std::string json;
  std::string why;  // for the log
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string name() const = 0;  // "grid SOLUSDT"
  virtual std::string symbol() const = 0;
  // Called on the engine's thread every tick: the signals to send now.
  virtual std::vector<StrategySignal> Tick(const StrategyContext& ctx) = 0;
  // The engine's answer to a signal it sent.
  virtual void OnAnswer(const std::string& signal_id, int exit_code, const std::string& json) = 0;
  virtual void Pause(const std::string& why) = 0;
  virtual void Resume() = 0;
  virtual bool paused() const = 0;
  // One JSON object for keel-ctl status.
  virtual void WriteStatus(JsonWriter& w) const = 0;
};

}  // namespace keel
