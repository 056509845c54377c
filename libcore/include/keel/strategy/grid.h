#pragma once
// The grid of seed 003's sol-trader as a keel strategy (docs/strategies.md). Per leg (LONG, SHORT,
// or both in hedge mode) a cycle is: an open at the market with a stop beyond the deepest level
// (a price, required) and a take-profit in percent from the average entry; then one pending level
// at a time, an add `spacing_pct` beyond the market, each fill averaging in (keel re-prices the
// take-profit from the new average); up to `levels` entries and `max_notional`. A pending level
// more than `recenter_pct` from the market is cancelled and placed again from it (seed 003 #7).
// When a leg's trade ends, the pending entries of both legs are cancelled before anything else
// (#1); a take-profit reopens the leg (`reopen`), anything else (its stop, a liquidation, an
// operator's close) leaves the leg stopped until the grid is resumed.

#include <array>

#include "keel/config/strategy_config.h"
#include "keel/strategy/strategy.h"

namespace keel {

class GridStrategy : public Strategy {
 public:
  explicit GridStrategy(GridConfig config);

  std::string name() const override { return "grid " + config_.symbol; }
  std::string symbol() const override { return config_.symbol; }
  std::vector<StrategySignal> Tick(const StrategyContext& ctx) override;
  void OnAnswer(const std::string& signal_id, int exit_code, const std::string& json) override;
  void Pause(const std::string& why) override;
  void Resume() override;
  bool paused() const override { return paused_; }
  void WriteStatus(JsonWriter& w) const override;

  // The prefix of every signal id this grid sends ("grid-SOLUSDT-"): its trades are found by it.
  std::string IdPrefix() const { return "grid-" + config_.symbol + "-"; }

 private:
  struct Leg {
    PositionSide direction = PositionSide::kLong;
    bool enabled = false;
    std::string trade_id;  // the cycle's open signal (its trade)
    std::string awaiting;  // a signal sent whose answer is not in yet
    TimeMs awaiting_since = 0;
    TimeMs quiet_until = 0;  // after a refusal: nothing is sent before
    std::optional<Decimal> pending_from;  // the market price its pending level was reckoned from
    bool stopped = false;  // its trade ended other than by its take-profit: until resumed
    bool history_read = false;  // what the store says of its last cycle (after a restart) is read
    int cycles = 0;        // take-profit cycles completed
    int adds_sent = 0;
    int filled_levels = 0;
    std::string phase;  // of its trade, as last seen
    std::string last;   // what happened last, for status
  };

  std::optional<StrategySignal> TickLeg(Leg& leg, const StrategyContext& ctx);
  StrategySignal Open(Leg& leg, const StrategyContext& ctx, Decimal mark);
  std::optional<StrategySignal> NextLevel(Leg& leg, const StrategyContext& ctx, const TradeView& trade, Decimal mark);
  // suffix of the cancel's id: "-c" a cycle ended by its take-profit, "-x" one ended otherwise,
  // "-r" a pending level re-placed.
  StrategySignal CancelPending(Leg& leg, const StrategyContext& ctx, bool both_legs, const std::string& why,
                               const std::string& suffix);
  // After a restart: a leg whose last cycle did not end by its take-profit stays stopped.
  void ReadHistory(Leg& leg, const StrategyContext& ctx);
  PositionSide LegSide(const Leg& leg, const StrategyContext& ctx) const;
  std::string NewId(const Leg& leg, const StrategyContext& ctx, const std::string& what);

  GridConfig config_;
  std::array<Leg, 2> legs_;  // LONG, SHORT
  bool paused_ = false;
  std::string pause_reason_;
  TimeMs last_id_ms_ = 0;
};

}  // namespace keel
