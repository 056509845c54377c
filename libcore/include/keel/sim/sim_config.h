#pragma once
// What a simulated exchange is made of: its instruments (with the filters the exchange publishes),
// its accounts (API keys), its rate limits and the seed of its price paths. Built-in defaults give a
// realistic ten-symbol USD-M venue; a TOML file replaces any part of it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "keel/model/decimal.h"
#include "keel/model/instrument.h"
#include "keel/model/time.h"
#include "keel/sim/leverage_brackets.h"

namespace keel::sim {

struct SimInstrument {
  Instrument filters;    // symbol, tickSize, stepSize, minQty, MIN_NOTIONAL
  Decimal min_price;     // PRICE_FILTER minPrice
  Decimal max_price;     // PRICE_FILTER maxPrice
  Decimal max_qty;       // LOT_SIZE maxQty
  Decimal market_max_qty;  // MARKET_LOT_SIZE maxQty
  int price_precision = 2;
  int quantity_precision = 3;
  std::string base_asset;
  // The price path: starts here, moves at most max_step_ticks ticks per step (uniformly, seeded).
  Decimal initial_price;
  int max_step_ticks = 3;
  // The synthetic book around the last price: best bid and ask spread_ticks apart, `levels` levels
  // per side of depth_per_level each. Orders larger than one level fill across several (partial
  // fills); a market order larger than the whole book fills what it can and expires the rest.
  int spread_ticks = 1;
  int levels = 20;
  Decimal depth_per_level;
  // Replay this CSV (time_ms,price per line) instead of the random walk.
  std::optional<std::string> replay_csv;
  // PERCENT_PRICE: a limit price above mark * up is refused (-4016), below mark * down too (-4024).
  Decimal percent_price_up = Decimal::Parse("1.05").value();
  Decimal percent_price_down = Decimal::Parse("0.95").value();
  std::vector<LeverageBracket> brackets;  // empty: DefaultBrackets for the symbol
};

struct SimAccountSpec {
  std::string name;
  std::string api_key;
  std::string api_secret;
  Decimal initial_balance;  // USDT
  bool hedge_mode = false;  // starts in hedge mode (dualSidePosition true; Bybit: both sides)
};

// The documented limits (exchangeInfo rateLimits); enforcement can be switched off for benchmarks.
struct SimLimits {
  bool enforce = true;
  int request_weight_1m = 2400;
  int orders_10s = 300;
  int orders_1m = 1200;
  int max_open_orders = 200;       // MAX_NUM_ORDERS per symbol
  int max_open_algo_orders = 10;   // MAX_NUM_ALGO_ORDERS per symbol
};

struct SimConfig {
  std::vector<SimInstrument> instruments;
  std::vector<SimAccountSpec> accounts;
  SimLimits limits;
  std::uint64_t seed = 1;
  TimeMs step_ms = 250;             // price path step
  Decimal maker_fee = Decimal::Parse("0.0002").value();
  Decimal taker_fee = Decimal::Parse("0.0005").value();
  int default_leverage = 20;
  TimeMs listen_key_validity_ms = 60 * 60 * 1000;
  // Funding: every interval (at its multiples of epoch time) each position pays or receives
  // amount * mark * rate (a long pays when the rate is positive). 0: no funding.
  TimeMs funding_interval_ms = 8 * 60 * 60 * 1000;
  Decimal funding_rate = Decimal::Parse("0.0001").value();

  const SimInstrument* Find(const std::string& symbol) const;
};

// Eleven USD-M perpetuals with filters as the exchange publishes them (one named in Chinese
// characters, "币安人生USDT", as live exchangeInfo has), and one demo account
// (key "keel-demo-key", secret "keel-demo-secret", 10,000 USDT).
SimConfig DefaultSimConfig();

// Reads a simulator TOML file over the defaults:
//   seed = 7
//   step_ms = 250
//   [limits] enforce = true, request_weight_1m = 2400, orders_10s = 300, orders_1m = 1200
//   [[account]] name, api_key, api_secret, balance = "10000"
//   [[instrument]] symbol, tick_size, step_size, min_qty, max_qty, market_max_qty, min_notional,
//                  min_price, max_price, initial_price, max_step_ticks, spread_ticks, levels,
//                  depth_per_level, replay_csv, base_asset
// Accounts or instruments given in the file replace the defaults of that kind. Every problem is
// reported at once, one line each.
Result<SimConfig> LoadSimConfig(const std::string& path);
Result<SimConfig> ParseSimConfig(std::string_view toml_text, const std::string& source, const std::string& base_dir);

}  // namespace keel::sim
