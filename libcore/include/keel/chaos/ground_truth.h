#pragma once
// What the exchange itself saw for one account, read from the simulator's control endpoint
// (GET /_sim/ground-truth, keel/sim/ground_truth_json.h). The invariant checker judges keel by
// this and by keel's store, never by what keel says about itself.
#include <string>
#include <string_view>
#include <vector>

#include "keel/model/decimal.h"
#include "keel/model/status.h"
#include "keel/model/time.h"

namespace keel::chaos {

// One order request as the exchange received it.
struct TruthRequest {
  TimeMs time = 0;
  std::string action;  // place | amend | cancel | cancel_all | query
  std::string book;    // orders | algo
  std::string symbol;
  std::int64_t order_id = 0;
  std::string client_id;
  std::string refused;  // "": done; else why the exchange refused it ("unknown_order")
  std::string status;
};

// An order of either book: a matching-engine order, or a conditional (algo) order.
struct TruthOrder {
  bool algo = false;
  std::int64_t id = 0;
  std::string client_id;
  std::string symbol;
  std::string side;           // BUY | SELL
  std::string position_side;  // BOTH | LONG | SHORT
  std::string type;
  std::string status;
  Decimal qty;                // origQty, or an algo order's quantity (0 with closePosition)
  Decimal trigger_price;      // algo orders
  bool reduce_only = false;
  bool close_position = false;
  std::optional<Decimal> close_up_to;  // a closePosition stop that closes at most this (Bybit's qty "0")
  // The venue made it for the position's own TP/SL or trailing stop (Bybit: StopLoss, TakeProfit,
  // TrailingStop, …): no client id of keel's, never in keel's store.
  std::string position_tpsl;
  TimeMs created = 0;
  TimeMs updated = 0;         // for a terminal order: when it ended
  bool open() const;
};

struct TruthTrade {
  std::int64_t order_id = 0;
  std::string symbol;
  std::string side;
  std::string position_side;
  Decimal qty;
  TimeMs time = 0;
};

struct TruthPosition {
  std::string symbol;
  std::string position_side;
  Decimal amount;  // signed
};

// A request the exchange refused for its rate (429, 418), and how long it told the client to wait.
struct TruthRefusal {
  TimeMs time = 0;
  int status = 429;
  TimeMs retry_after_ms = 0;
};

struct GroundTruth {
  std::string account;
  TimeMs now = 0;
  std::vector<TruthRequest> requests;
  std::vector<TruthOrder> orders;  // both books
  std::vector<TruthTrade> trades;
  std::vector<TruthPosition> positions;
  std::vector<TruthRefusal> refusals;
};

Result<GroundTruth> ParseGroundTruth(std::string_view json);

}  // namespace keel::chaos
