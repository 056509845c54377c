// The grid strategy (issue [4/6], 9): its [[strategy]] config, and what it sends for what the
// engine shows it, with a context the test holds.
#include <doctest/doctest.h>

#include <map>

#include "keel/config/config.h"
#include "keel/strategy/grid.h"

using namespace keel;

namespace {

Decimal D(const char* s) { return Decimal::Parse(s).value(); }
bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const std::string kAccount = R"(
[account]
name = "demo"
[exchange]
kind = "bybit-v5"
rest_url = "http://127.0.0.1:8801"
ws_url = "ws://127.0.0.1:8802"
api_key_env = "K"
api_secret_env = "S"
[store]
path = "demo.db"
)";

struct FakeContext : StrategyContext {
  TimeMs at = 1'000'000;
  Decimal price = D("150");
  bool hedge = true;
  bool paused = false;
  std::map<std::string, TradeView> trades;
  std::vector<std::string> sent;  // signal ids the store holds, oldest first
  TimeMs now() const override { return at; }
  std::optional<Decimal> mark(const std::string&) const override { return price; }
  std::optional<Decimal> tick_size(const std::string&) const override { return D("0.01"); }
  bool hedge_mode() const override { return hedge; }
  bool engine_paused() const override { return paused; }
  std::optional<TradeView> trade(const std::string& id) const override {
    auto it = trades.find(id);
    if (it == trades.end()) return std::nullopt;
    return it->second;
  }
  std::optional<TradeView> active_trade_on(const std::string&, PositionSide leg) const override {
    for (const auto& [id, t] : trades)
      if (t.active && t.leg == leg) return t;
    return std::nullopt;
  }
  bool history_complete = true;
  SignalHistory signal_ids(const std::string&, const std::string& prefix) const override {
    SignalHistory out;
    out.complete = history_complete;
    for (const auto& id : sent)
      if (id.rfind(prefix, 0) == 0) out.ids.push_back(id);
    return out;
  }
};

TradeView Ended(const std::string& id, const std::string& phase) {
  TradeView t;
  t.id = id;
  t.phase = phase;
  t.leg = PositionSide::kLong;
  return t;
}

GridConfig Long() {
  GridConfig g;
  g.symbol = "SOLUSDT";
  g.short_leg = false;
  g.levels = 3;
  g.spacing_pct = D("1");
  g.qty = D("2");
  g.take_profit_pct = D("0.8");
  g.stop_loss_pct = D("2");
  return g;
}

TradeView Protected(const std::string& id, Decimal qty, int pending = 0) {
  TradeView t;
  t.id = id;
  t.active = true;
  t.phase = "protected";
  t.leg = PositionSide::kLong;
  t.position_qty = qty;
  t.pending_adds = pending;
  return t;
}

}  // namespace

TEST_CASE("grid config: [[strategy]] read with its defaults; every mistake named") {
  auto c = ParseAccountConfig(kAccount + R"(
[[strategy]]
kind = "grid"
symbol = "SOLUSDT"
legs = "long"
levels = 4
spacing_pct = "0.5"
qty = "1"
take_profit_pct = "0.6"
stop_loss_pct = "1.5"
)", "a.toml", "");
  REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  REQUIRE(c->daemon.grids.size() == 1);
  const GridConfig& g = c->daemon.grids[0];
  CHECK(g.symbol == "SOLUSDT");
  CHECK(g.long_leg);
  CHECK(!g.short_leg);
  CHECK(g.levels == 4);
  CHECK(g.reopen);
  CHECK(g.recenter_pct == D("5"));
  CHECK(!g.max_notional);
  auto bad = ParseAccountConfig(kAccount + R"(
[[strategy]]
kind = "grid"
symbol = "sol"
levels = 0
spacing_pct = "100"
take_profit_pct = "0.6"
qty = "-1"
tp = 1
)", "b.toml", "");
  REQUIRE(!bad.ok());
  const std::string m = bad.status().message();
  CHECK(Contains(m, "strategy[0].tp: unknown key"));
  CHECK(Contains(m, "strategy[0].symbol: found \"sol\", expected the exchange's symbol in capitals"));
  CHECK(Contains(m, "strategy[0].levels"));
  CHECK(Contains(m, "strategy[0].spacing_pct: found 100, expected a percentage above 0 and below 100"));
  CHECK(Contains(m, "strategy[0].stop_loss_pct: missing"));
  CHECK(Contains(m, "strategy[0].qty: found -1, expected above 0"));
  auto deep = ParseAccountConfig(kAccount + R"(
[[strategy]]
kind = "grid"
symbol = "SOLUSDT"
levels = 20
spacing_pct = "4"
qty = "1"
take_profit_pct = "1"
stop_loss_pct = "30"
)", "d.toml", "");
  REQUIRE(!deep.ok());
  CHECK(Contains(deep.status().message(), "strategy[0].stop_loss_pct: levels x spacing_pct + stop_loss_pct = 110 %, expected below 100"));
  CHECK(g.take_profit_order == "conditional");
  auto maker = ParseAccountConfig(kAccount + R"(
[[strategy]]
kind = "grid"
symbol = "SOLUSDT"
legs = "long"
spacing_pct = "0.5"
qty = "1"
take_profit_pct = "0.6"
stop_loss_pct = "1.5"
take_profit_order = "post_only"
)", "m.toml", "");
  REQUIRE_MESSAGE(maker.ok(), maker.status().ToString());
  CHECK(maker->daemon.grids[0].take_profit_order == "post_only");
  auto unknown = ParseAccountConfig(kAccount + R"(
[[strategy]]
kind = "grid"
symbol = "SOLUSDT"
spacing_pct = "0.5"
qty = "1"
take_profit_pct = "0.6"
stop_loss_pct = "1.5"
take_profit_order = "maker"
)", "u.toml", "");
  REQUIRE(!unknown.ok());
  CHECK(Contains(unknown.status().message(),
                 "strategy[0].take_profit_order: found \"maker\", expected conditional, limit or post_only"));
  auto kind = ParseAccountConfig(kAccount + "[[strategy]]\nkind = \"dca\"\n", "c.toml", "");
  REQUIRE(!kind.ok());
  CHECK(Contains(kind.status().message(), "strategy[0].kind"));
}

TEST_CASE("grid: opens at the market with its stop beyond the deepest level, then one pending level at a time") {
  GridStrategy grid(Long());
  FakeContext ctx;
  auto first = grid.Tick(ctx);
  REQUIRE(first.size() == 1);
  // 3 levels x 1 % + 2 % = 5 % under 150: 142.5.
  CHECK(Contains(first[0].json, R"("side":"LONG","qty":"2","entry":"market","stop_loss":{"price":"142.5"},"take_profit":{"pct":"0.8"})"));
  CHECK(grid.Tick(ctx).empty());  // waiting for the answer
  grid.OnAnswer(first[0].id, 0, R"({"result":"accepted"})");
  ctx.trades[first[0].id] = Protected(first[0].id, D("2"));
  auto level = grid.Tick(ctx);
  REQUIRE(level.size() == 1);
  CHECK(Contains(level[0].json, R"("action":"add","trade":")" + first[0].id + R"(","side":"LONG","qty":"2","entry":"limit","price":"148.5")"));
  grid.OnAnswer(level[0].id, 0, R"({"result":"accepted"})");
  ctx.trades[first[0].id].pending_adds = 1;
  CHECK(grid.Tick(ctx).empty());  // one pending level at a time
  // It fills; the next level goes 1 % under the market then.
  ctx.trades[first[0].id] = Protected(first[0].id, D("4"));
  ctx.price = D("148.4");
  auto next = grid.Tick(ctx);
  REQUIRE(next.size() == 1);
  CHECK(Contains(next[0].json, R"("price":"146.91")"));
  grid.OnAnswer(next[0].id, 0, "{}");
  // All three filled: nothing more.
  ctx.trades[first[0].id] = Protected(first[0].id, D("6"));
  CHECK(grid.Tick(ctx).empty());
}

TEST_CASE("grid: a take-profit ends the cycle: both legs' pending levels cancelled first, then the leg reopens; a stop leaves it stopped") {
  GridStrategy grid(Long());
  FakeContext ctx;
  auto open = grid.Tick(ctx);
  grid.OnAnswer(open[0].id, 0, "{}");
  TradeView ended = Protected(open[0].id, D("0"));
  ended.active = false;
  ended.phase = "closed";
  ended.closed_by_take_profit = true;
  ctx.trades[open[0].id] = ended;
  auto cancel = grid.Tick(ctx);
  REQUIRE(cancel.size() == 1);
  CHECK(Contains(cancel[0].json, R"("action":"cancel"})"));  // no side: both legs
  CHECK(cancel[0].id.substr(cancel[0].id.size() - 2) == "-c");  // says "by its take-profit" to a restart
  CHECK(grid.Tick(ctx).empty());                            // the reopen waits for the cancel
  grid.OnAnswer(cancel[0].id, 1, R"({"result":"nothing-pending"})");
  ctx.at += 1000;
  auto reopen = grid.Tick(ctx);
  REQUIRE(reopen.size() == 1);
  CHECK(Contains(reopen[0].json, R"("entry":"market")"));
  // This one ends by its stop: cancelled pending, then stopped until resumed.
  grid.OnAnswer(reopen[0].id, 0, "{}");
  TradeView stopped = Protected(reopen[0].id, D("0"));
  stopped.active = false;
  stopped.phase = "closed";
  ctx.trades[reopen[0].id] = stopped;
  auto cancel2 = grid.Tick(ctx);
  REQUIRE(cancel2.size() == 1);
  CHECK(cancel2[0].id.substr(cancel2[0].id.size() - 2) == "-x");
  grid.OnAnswer(cancel2[0].id, 0, "{}");
  ctx.at += 1000;
  CHECK(grid.Tick(ctx).empty());
  JsonWriter w;
  grid.WriteStatus(w);
  CHECK(Contains(w.str(), R"("stopped":true)"));
  CHECK(Contains(w.str(), "not by its take-profit"));
  grid.Resume();
  ctx.at += 1000;
  CHECK(grid.Tick(ctx).size() == 1);
}

TEST_CASE("grid: a pending level the market left more than recenter_pct behind is cancelled, then placed again (seed 003 #7)") {
  GridStrategy grid(Long());
  FakeContext ctx;
  auto open = grid.Tick(ctx);
  grid.OnAnswer(open[0].id, 0, "{}");
  ctx.trades[open[0].id] = Protected(open[0].id, D("2"));
  auto level = grid.Tick(ctx);
  grid.OnAnswer(level[0].id, 0, "{}");
  ctx.trades[open[0].id].pending_adds = 1;
  ctx.price = D("157");  // +4.7 %: within 5 %
  CHECK(grid.Tick(ctx).empty());
  ctx.price = D("158");  // +5.3 %
  auto cancel = grid.Tick(ctx);
  REQUIRE(cancel.size() == 1);
  CHECK(Contains(cancel[0].json, R"("action":"cancel","side":"LONG")"));
  grid.OnAnswer(cancel[0].id, 0, "{}");
  ctx.trades[open[0].id].pending_adds = 0;
  auto again = grid.Tick(ctx);
  REQUIRE(again.size() == 1);
  CHECK(Contains(again[0].json, R"("price":"156.42")"));
}

TEST_CASE("grid: refused, a leg waits before it tries again; paused (engine or grid) it sends nothing; both legs need hedge mode") {
  GridStrategy grid(Long());
  FakeContext ctx;
  auto open = grid.Tick(ctx);
  grid.OnAnswer(open[0].id, 2, R"({"result":"rejected","detail":"symbol: risk"})");
  CHECK(grid.Tick(ctx).empty());
  ctx.at += 31'000;
  CHECK(grid.Tick(ctx).size() == 1);
  ctx.paused = true;
  GridStrategy other(Long());
  CHECK(other.Tick(ctx).empty());
  GridConfig both = Long();
  both.short_leg = true;
  GridStrategy one_way(both);
  FakeContext flat;
  flat.hedge = false;
  CHECK(one_way.Tick(flat).empty());
  CHECK(one_way.paused());
}

TEST_CASE("grid: after a restart a leg reopens only when the store shows its last cycle ended by its take-profit") {
  // Fresh: no signal of the grid in the store.
  {
    GridStrategy grid(Long());
    FakeContext ctx;
    CHECK(grid.Tick(ctx).size() == 1);
  }
  // The last open ended and the grid had said "-c" (by its take-profit): a new cycle.
  {
    GridStrategy grid(Long());
    FakeContext ctx;
    ctx.sent = {"grid-SOLUSDT-L-100", "grid-SOLUSDT-L-101-a1", "grid-SOLUSDT-L-150-c"};
    ctx.trades["grid-SOLUSDT-L-100"] = Ended("grid-SOLUSDT-L-100", "closed");
    CHECK(grid.Tick(ctx).size() == 1);
  }
  // Ended by its stop ("-x"), or ended before the grid said how (a flatten, or the restart came
  // first): stopped until resumed.
  for (const std::vector<std::string>& sent :
       {std::vector<std::string>{"grid-SOLUSDT-L-100", "grid-SOLUSDT-L-150-x"},
        std::vector<std::string>{"grid-SOLUSDT-L-90", "grid-SOLUSDT-L-95-c", "grid-SOLUSDT-L-100", "grid-SOLUSDT-L-101-r"}}) {
    GridStrategy grid(Long());
    FakeContext ctx;
    ctx.sent = sent;
    ctx.trades["grid-SOLUSDT-L-100"] = Ended("grid-SOLUSDT-L-100", "closed");
    CHECK(grid.Tick(ctx).empty());
    JsonWriter w;
    grid.WriteStatus(w);
    CHECK(Contains(w.str(), R"("stopped":true)"));
    CHECK(Contains(w.str(), "after a restart: its last trade grid-SOLUSDT-L-100 ended closed"));
    grid.Resume();
    CHECK(grid.Tick(ctx).size() == 1);
  }
  // No open of the leg among the newest signals read, and older ones may exist (or the store could
  // not be read): not shown to be fresh, so stopped.
  {
    GridStrategy grid(Long());
    FakeContext ctx;
    ctx.sent = {"grid-SOLUSDT-L-101-a1", "grid-SOLUSDT-L-150-c"};
    ctx.history_complete = false;
    CHECK(grid.Tick(ctx).empty());
    JsonWriter w;
    grid.WriteStatus(w);
    CHECK(Contains(w.str(), "its last cycle could not be read from the store"));
  }
  // The last open was refused: nothing was opened, nothing to stop for.
  {
    GridStrategy grid(Long());
    FakeContext ctx;
    ctx.sent = {"grid-SOLUSDT-L-100"};
    ctx.trades["grid-SOLUSDT-L-100"] = Ended("grid-SOLUSDT-L-100", "rejected");
    CHECK(grid.Tick(ctx).size() == 1);
  }
}

TEST_CASE("grid: take_profit_order rests the cycle's take-profit in the book, post-only where asked") {
  for (const std::string order : {"limit", "post_only"}) {
    CAPTURE(order);
    GridConfig c = Long();
    c.take_profit_order = order;
    GridStrategy grid(c);
    FakeContext ctx;
    auto first = grid.Tick(ctx);
    REQUIRE(first.size() == 1);
    CHECK(Contains(first[0].json, order == "limit" ? R"("take_profit":{"pct":"0.8","limit":true})"
                                                   : R"("take_profit":{"pct":"0.8","limit":true,"post_only":true})"));
  }
}
