// The chaos soak's grid episodes: drawn from the seed for about one episode in eight, on a hedge
// account and a symbol no signal trades, with a price walk on that symbol; the grid as keel-traderd
// reads it from its config (episodes with real processes); the grid's own invariant (a flatten
// pauses it: nothing sent after, nothing left resting); and grid episodes played in process on
// both dialects, clean, with levels and take-profits filled.
#include <doctest/doctest.h>

#include "keel/chaos/episode.h"
#include "keel/chaos/invariant_checker.h"
#include "keel/config/config.h"

using namespace keel;
using namespace keel::chaos;

namespace {

Decimal D(const char* t) { return Decimal::Parse(t).value(); }

const std::string kAccount = R"(
[account]
name = "demo"
[exchange]
kind = "binance-usdm"
rest_url = "http://127.0.0.1:8801"
ws_url = "ws://127.0.0.1:8802"
api_key_env = "K"
api_secret_env = "S"
[store]
path = "demo.db"
)";

}  // namespace

TEST_CASE("chaos grid episodes: drawn from the seed for about one in eight, hedge mode, a symbol of their own, read back as drawn") {
  int grids = 0;
  for (std::uint64_t seed = 2'000'000; seed < 2'000'400; ++seed) {
    const EpisodePlan plan = DrawEpisode(seed);
    PlanOptions none;
    none.grid_pct = 0;
    const EpisodePlan without = DrawEpisode(seed, none);
    // The grid is drawn last: the seed's signals are the same either way.
    REQUIRE(plan.signals.size() == without.signals.size());
    for (std::size_t i = 0; i < plan.signals.size(); ++i) CHECK(plan.signals[i].json == without.signals[i].json);
    if (!plan.grid) {
      CHECK(plan.faults.size() == without.faults.size());
      continue;
    }
    ++grids;
    CAPTURE(seed);
    CHECK(plan.hedge_mode);
    CHECK(plan.options.active_ms == plan.options.grid_active_ms);
    for (const auto& s : plan.signals) CHECK(s.asked.symbol != plan.grid->symbol);
    for (const auto& o : plan.outside) CHECK(o.symbol != plan.grid->symbol);
    int walk = 0;
    for (const auto& f : plan.faults) walk += f.kind == "grid_move_price" && f.command.find(plan.grid->symbol) != std::string::npos;
    CHECK(walk >= 4);
    auto config = ParseAccountConfig(kAccount + GridToml(*plan.grid), "grid.toml", "");
    REQUIRE_MESSAGE(config.ok(), config.status().ToString());
    REQUIRE(config->daemon.grids.size() == 1);
    CHECK(config->daemon.grids[0] == *plan.grid);
    CHECK(DescribePlan(plan).find("grid " + plan.grid->symbol) != std::string::npos);
  }
  CHECK(grids >= 400 * 8 / 100);
  CHECK(grids <= 400 * 18 / 100);
}

TEST_CASE("chaos grid invariant: after the operator's flatten the grid sends nothing until a resume or a restart, and nothing of it rests once answered flat") {
  // A level (order 1) placed at 1000, cancelled at 2500; the flatten began at 2000 and answered at 3000.
  auto truth_with = [](TimeMs level_cancelled) {
    return ParseGroundTruth(
               R"({"account":"demo","now":20000,"requests":[],"orders":[{"orderId":1,"clientOrderId":"kdemo.e1","symbol":"BNBUSDT",)"
               R"("side":"BUY","positionSide":"LONG","type":"LIMIT","status":"CANCELED","origQty":"0.30","executedQty":"0",)"
               R"("price":"650","reduceOnly":false,"closePosition":false,"time":1000,"updateTime":)" +
               std::to_string(level_cancelled) + R"(}],"algoOrders":[],"trades":[],"positions":[],"refusals":[]})")
        .value();
  };
  StoreView store;
  SignalRecord made_before;
  made_before.id = "grid-BNBUSDT-L-1999-a1";
  SignalRecord made_after;
  made_after.id = "grid-BNBUSDT-S-2600";
  store.signals = {made_before, made_after};
  CheckInput input;
  input.signals.push_back({"grid-BNBUSDT-", "BNBUSDT", D("1.2")});
  CheckInput::Grid grid;
  grid.symbol = "BNBUSDT";
  grid.id_prefix = "grid-BNBUSDT-";
  grid.flattens.push_back({2000, 3000, 0, CheckInput::kNever});
  input.grid = grid;
  auto kinds = [](const std::vector<Violation>& v) {
    std::string s;
    for (const auto& x : v) s += x.kind + " " + x.subject + ";";
    return s;
  };
  CHECK(kinds(CheckEpisode(truth_with(2500), store, input)) == "grid-after-flatten grid-BNBUSDT-S-2600;");
  // A resume (or a restart) before it: allowed.
  input.grid->flattens[0].paused_until = 2550;
  CHECK(kinds(CheckEpisode(truth_with(2500), store, input)) == "");
  // The level still resting when the flatten answered flat.
  CHECK(kinds(CheckEpisode(truth_with(3500), store, input)) == "grid-after-flatten kdemo.e1;");
  // Answered otherwise: it claimed nothing of what rests.
  input.grid->flattens[0].exit_code = 4;
  CHECK(kinds(CheckEpisode(truth_with(3500), store, input)) == "");
}

TEST_CASE("chaos grid episodes play clean in process on both dialects: levels and take-profits fill") {
  // 2000015 (Bybit) and 2000016 (Binance), from the first grid soak (its seeds drawn again once
  // the plans' limit take-profits were drawn before the grid).
  for (std::uint64_t seed : {2'000'015u, 2'000'016u}) {
    CAPTURE(seed);
    const EpisodePlan plan = DrawEpisode(seed);
    REQUIRE(plan.grid);
    EpisodeOptions options;
    options.dialect = seed % 2 ? sim::Dialect::kBybitV5 : sim::Dialect::kBinanceUsdm;
    const EpisodeOutcome outcome = RunInProcess(plan, options);
    std::string text;
    for (const auto& v : outcome.violations) text += v.kind + " " + v.subject + ": " + v.detail + "\n";
    CHECK(text == "");
    CHECK(outcome.grid.episodes == 1);
    CHECK(outcome.grid.opens >= 2);
    CHECK(outcome.grid.levels_filled >= 1);
    CHECK(outcome.grid.take_profits >= 1);
  }
}
