#include <doctest/doctest.h>

#include "keel/engine/risk_limits.h"
#include "keel/engine/signal.h"

using namespace keel;

namespace {
Decimal D(const char* t) { return Decimal::Parse(t).value(); }
std::string RefusalOf(const std::string& json) {
  auto s = ParseSignal(json);
  if (s.ok()) return "accepted";
  CHECK(s.status().category() == ErrorCategory::kInvalidInput);
  return s.status().message();
}
}  // namespace

TEST_CASE("a signal is read exactly: numbers from their text, every field kept") {
  auto s = ParseSignal(R"({"id":"s-42","symbol":"BTCUSDT","side":"LONG","notional":100.1,"entry":"maker",
      "stop_loss":{"pct":"1"},"take_profit":{"price":"99000.5"},"ttl_s":60})");
  REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  CHECK(s->id == "s-42");
  CHECK(s->action == SignalAction::kOpen);
  CHECK(s->direction == PositionSide::kLong);
  CHECK(s->notional == std::optional<Decimal>(D("100.1")));
  CHECK(!s->qty);
  CHECK(s->entry == EntryKind::kMaker);
  CHECK(s->stop_loss.pct == std::optional<Decimal>(D("1")));
  CHECK(s->take_profit->price == std::optional<Decimal>(D("99000.5")));
  CHECK(s->ttl_s == std::optional<int>(60));
  // Written back in the form it is read in.
  CHECK(SignalJson(*s) ==
        R"({"id":"s-42","symbol":"BTCUSDT","action":"open","side":"LONG","notional":"100.1","entry":"maker",)"
        R"("stop_loss":{"pct":"1"},"take_profit":{"price":"99000.5"},"ttl_s":60})");
  CHECK(ParseSignal(SignalJson(*s)).ok());

  auto close = ParseSignal(R"({"id":"c-1","symbol":"ETHUSDT","action":"close"})");
  REQUIRE(close.ok());
  CHECK(close->action == SignalAction::kClose);
  CHECK(!close->leg);
  auto leg = ParseSignal(R"({"id":"c-2","symbol":"ETHUSDT","action":"close","side":"SHORT"})");
  REQUIRE(leg.ok());
  CHECK(leg->leg == std::optional<PositionSide>(PositionSide::kShort));
  CHECK(SignalJson(*leg) == R"({"id":"c-2","symbol":"ETHUSDT","action":"close","side":"SHORT"})");
  auto market = ParseSignal(R"({"id":"m","symbol":"ETHUSDT","side":"SHORT","qty":"0.5","stop_loss":{"price":3300}})");
  REQUIRE(market.ok());
  CHECK(market->entry == EntryKind::kMarket);
  CHECK(market->direction == PositionSide::kShort);
}

TEST_CASE("a bad signal is refused with the field named and what was expected") {
  const std::string ok_tail = R"("symbol":"BTCUSDT","side":"LONG","qty":"0.01","stop_loss":{"pct":"1"})";
  CHECK(RefusalOf("{nope") .rfind("signal: not JSON", 0) == 0);
  CHECK(RefusalOf("[1]") == "signal: expected one JSON object");
  CHECK(RefusalOf("{" + ok_tail + "}") == "id: required");
  CHECK(RefusalOf(R"({"id":"a b",)" + ok_tail + "}") ==
        "id: expected 1-64 characters of A-Z a-z 0-9 . _ - :, found \"a b\"");
  CHECK(RefusalOf(R"({"id":"x","symbol":"btcusdt","side":"LONG","qty":"1","stop_loss":{"pct":"1"}})") ==
        "symbol: expected the exchange's symbol in capitals (BTCUSDT), found \"btcusdt\"");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","qty":"1","stop_loss":{"pct":"1"}})") ==
        "side: required (LONG or SHORT)");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"BUY","qty":"1","stop_loss":{"pct":"1"}})") ==
        "side: expected LONG or SHORT, found \"BUY\"");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","stop_loss":{"pct":"1"}})") ==
        "qty, notional: expected exactly one of them");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"1","notional":"5","stop_loss":{"pct":"1"}})") ==
        "qty, notional: expected exactly one of them");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"-1","stop_loss":{"pct":"1"}})") ==
        "qty: expected a quantity above 0, found -1");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"0.000000001","stop_loss":{"pct":"1"}})") ==
        "qty: expected a decimal number with at most 8 decimal places, found \"0.000000001\"");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":true,"stop_loss":{"pct":"1"}})") ==
        "qty: expected a decimal number, found true");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"1"})") ==
        "stop_loss: required ({\"pct\":…} or {\"price\":…}): keel opens no position without a stop");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"1","stop_loss":{"pct":"100"}})") ==
        "stop_loss.pct: expected a percentage above 0 and below 100, found 100");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"1","stop_loss":{"pct":"1","price":"5"}})") ==
        "stop_loss: expected exactly one of pct and price");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"1","stop_loss":{"pc":"1"}})") ==
        "stop_loss.pc: not a field keel knows");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"1","stop_loss":{"pct":"1"},"take_proft":{"pct":"2"}})") ==
        "take_proft: not a field keel knows");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"1","stop_loss":{"pct":"1"},"entry":"stop"})") ==
        "entry: expected market, maker or limit, found \"stop\"");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"1","stop_loss":{"pct":"1"},"entry":"limit"})") ==
        "price: required for a limit entry");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"1","stop_loss":{"pct":"1"},"price":"90000"})") ==
        "price: only a limit entry has a price (\"entry\":\"limit\")");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"1","stop_loss":{"pct":"1"},"entry":"maker","post_only":true})") ==
        "post_only: only a limit entry takes it (a maker entry is always post-only)");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"1","stop_loss":{"pct":"1"},"entry":"maker","ttl_s":86401})") ==
        "ttl_s: expected seconds from 1 to 86400, found 86401");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"1","stop_loss":{"pct":"1"},"ttl_s":0})") ==
        "ttl_s: expected seconds from 1 to 86400, found 0");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"1","stop_loss":{"pct":"1"},"ttl_s":1.5})") ==
        "ttl_s: expected a whole number, found \"1.5\"");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"close","side":"BOTH"})") ==
        "side: expected LONG or SHORT (the leg to close), found \"BOTH\"");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"close","side":"LONG","qty":"1"})") ==
        "qty: not a field keel knows");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"flatten"})") ==
        "action: expected open, close, move, cancel, add, flip or trail, found \"flatten\"");
}

TEST_CASE("a limit entry: a price, post-only or not, resting for up to 30 days") {
  auto s = ParseSignal(R"({"id":"l","symbol":"SOLUSDT","side":"LONG","qty":"3","entry":"limit","price":"142.5",
      "post_only":true,"stop_loss":{"pct":"2"},"ttl_s":172800})");
  REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  CHECK(s->entry == EntryKind::kLimit);
  CHECK(s->price == D("142.5"));
  CHECK(s->post_only);
  CHECK(s->ttl_s == 172800);
  CHECK(SignalJson(*s) ==
        R"({"id":"l","symbol":"SOLUSDT","action":"open","side":"LONG","qty":"3","entry":"limit","price":"142.5","post_only":true,"stop_loss":{"pct":"2"},"ttl_s":172800})");
  CHECK(RefusalOf(R"({"id":"x","symbol":"SOLUSDT","side":"LONG","qty":"3","entry":"limit","price":"0","stop_loss":{"pct":"2"}})") ==
        "price: expected a price above 0, found 0");
  CHECK(RefusalOf(R"({"id":"x","symbol":"SOLUSDT","side":"LONG","qty":"3","entry":"limit","price":"1","stop_loss":{"pct":"2"},"ttl_s":2592001})") ==
        "ttl_s: expected seconds from 1 to 2592000, found 2592001");
}

TEST_CASE("a move signal: a stop and/or a take-profit, a leg, break-even for the stop only") {
  auto m = ParseSignal(R"({"id":"m","symbol":"BTCUSDT","action":"move","side":"SHORT","stop_loss":{"break_even":true},
      "take_profit":{"pct":"1.5"}})");
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  CHECK(m->action == SignalAction::kMove);
  CHECK(m->leg == PositionSide::kShort);
  REQUIRE(m->move_stop_loss);
  CHECK(m->move_stop_loss->break_even);
  REQUIRE(m->move_take_profit);
  CHECK(m->move_take_profit->pct == D("1.5"));
  // Its JSON reads back the same.
  CHECK(SignalJson(ParseSignal(SignalJson(*m)).value()) == SignalJson(*m));
  CHECK(SignalJson(*m) ==
        R"({"id":"m","symbol":"BTCUSDT","action":"move","side":"SHORT","stop_loss":{"break_even":true},"take_profit":{"pct":"1.5"}})");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"move"})") ==
        "stop_loss, take_profit: a move needs at least one of them");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"move","take_profit":{"break_even":true}})") ==
        "take_profit.break_even: not a field keel knows");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"move","stop_loss":{"break_even":false}})") ==
        "stop_loss.break_even: expected true (or leave it out), found false");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"move","stop_loss":{"break_even":true,"pct":"1"}})") ==
        "stop_loss: expected exactly one of pct, price and break_even");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"move","stop_loss":{}})") ==
        "stop_loss: expected exactly one of pct and price (or break_even)");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"move","stop_loss":{"pct":"1"},"qty":"1"})") ==
        "qty: not a field keel knows");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"move","side":"BOTH","stop_loss":{"pct":"1"}})") ==
        "side: expected LONG or SHORT (the leg to move), found \"BOTH\"");
  // An open signal's stop has no break-even: there is no entry yet.
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"1","stop_loss":{"break_even":true}})") ==
        "stop_loss.break_even: not a field keel knows");
}

TEST_CASE("an add signal: qty or notional on a leg, market or limit, no exits of its own") {
  auto a = ParseSignal(R"({"id":"a","symbol":"BTCUSDT","action":"add","side":"LONG","notional":"150","entry":"limit",
      "price":"93000.5","post_only":true,"ttl_s":3600})");
  REQUIRE_MESSAGE(a.ok(), a.status().ToString());
  CHECK(a->action == SignalAction::kAdd);
  CHECK(a->leg == PositionSide::kLong);
  CHECK(a->notional == D("150"));
  CHECK(a->entry == EntryKind::kLimit);
  CHECK(a->price == D("93000.5"));
  CHECK(a->post_only);
  CHECK(a->ttl_s == 3600);
  CHECK(SignalJson(ParseSignal(SignalJson(*a)).value()) == SignalJson(*a));
  CHECK(SignalJson(*a) ==
        R"({"id":"a","symbol":"BTCUSDT","action":"add","side":"LONG","notional":"150","entry":"limit","price":"93000.5","post_only":true,"ttl_s":3600})");
  auto market = ParseSignal(R"({"id":"b","symbol":"BTCUSDT","action":"add","qty":0.01,"trade":"s-1"})");
  REQUIRE(market.ok());
  CHECK(market->trade == std::optional<std::string>("s-1"));
  CHECK(SignalJson(*market) == R"({"id":"b","symbol":"BTCUSDT","action":"add","trade":"s-1","qty":"0.01","entry":"market"})");
  CHECK(market->entry == EntryKind::kMarket);
  CHECK(!market->leg);
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"add"})") == "qty, notional: expected exactly one of them");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"add","qty":"1","stop_loss":{"pct":"1"}})") ==
        "stop_loss: an add has none of its own: the trade's exits cover the whole position (a move signal moves them)");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"add","qty":"1","entry":"maker"})") ==
        "entry: an add is market or limit (a maker add would follow the book beside the trade's exits)");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"add","qty":"1","ttl_s":60})") ==
        "ttl_s: only a limit add rests, and has a time limit");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"add","qty":"1","side":"BOTH"})") ==
        "side: expected LONG or SHORT (the leg to add to), found \"BOTH\"");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"add","qty":"1","entry":"limit"})") == "price: required for a limit entry");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"ad","qty":"1"})") ==
        "action: expected open, close, move, cancel, add, flip or trail, found \"ad\"");
}

TEST_CASE("a flip signal: an open's fields, its open's id <id>.open") {
  auto f = ParseSignal(R"({"id":"f","symbol":"BTCUSDT","action":"flip","side":"SHORT","qty":"0.01","stop_loss":{"pct":"1"}})");
  REQUIRE_MESSAGE(f.ok(), f.status().ToString());
  CHECK(f->action == SignalAction::kFlip);
  CHECK(f->direction == PositionSide::kShort);
  CHECK(FlipOpenId(f->id) == "f.open");
  CHECK(SignalJson(*f) == R"({"id":"f","symbol":"BTCUSDT","action":"flip","side":"SHORT","qty":"0.01","entry":"market","stop_loss":{"pct":"1"}})");
  CHECK(RefusalOf(R"({"id":"f","symbol":"BTCUSDT","action":"flip","side":"SHORT","qty":"0.01"})").rfind("stop_loss: required", 0) == 0);
  CHECK(RefusalOf(R"({"id":")" + std::string(60, 'x') + R"(","symbol":"BTCUSDT","action":"flip","side":"SHORT","qty":"1","stop_loss":{"pct":"1"}})") ==
        "id: a flip's id is at most 59 characters (its open is \"<id>.open\")");
}

TEST_CASE("a level's price: percent below or above the entry by direction and kind") {
  PriceLevel one_pct{D("1"), std::nullopt};
  CHECK(LevelPrice(one_pct, D("100"), PositionSide::kLong, true).value() == D("99"));
  CHECK(LevelPrice(one_pct, D("100"), PositionSide::kLong, false).value() == D("101"));
  CHECK(LevelPrice(one_pct, D("100"), PositionSide::kShort, true).value() == D("101"));
  CHECK(LevelPrice(one_pct, D("100"), PositionSide::kShort, false).value() == D("99"));
  PriceLevel fixed{std::nullopt, D("95.5")};
  CHECK(LevelPrice(fixed, D("100"), PositionSide::kLong, true).value() == D("95.5"));
  PriceLevel even;
  even.break_even = true;
  CHECK(LevelPrice(even, D("100.25"), PositionSide::kShort, true).value() == D("100.25"));
}

TEST_CASE("risk limits: the refusal names the limit as the config spells it") {
  RiskLimits limits;
  limits.account.max_position_notional = D("1000");
  limits.account.max_open_orders = 6;
  limits.account.max_signals_per_minute = 3;
  limits.symbols["BTCUSDT"].max_position_notional = D("300");
  RiskExposure exposure;
  exposure.account_notional = D("800");
  exposure.notional["BTCUSDT"] = D("250");
  exposure.account_open_orders = 2;
  SignalRate rate;
  const TimeMs t = 1'000'000;

  auto st = CheckRiskLimits(limits, exposure, rate, RiskRequest{"BTCUSDT", D("100"), 2}, t);
  CHECK(st.category() == ErrorCategory::kConflict);
  CHECK(st.message() ==
        "risk limit daemon.risk.symbols.BTCUSDT.max_position_notional = 300: the trade would bring the notional to 350");
  st = CheckRiskLimits(limits, exposure, rate, RiskRequest{"ETHUSDT", D("250"), 2}, t);
  CHECK(st.message() ==
        "risk limit daemon.risk.max_position_notional = 1000: the trade would bring the notional to 1050");
  CHECK(CheckRiskLimits(limits, exposure, rate, RiskRequest{"ETHUSDT", D("200"), 2}, t).ok());
  st = CheckRiskLimits(limits, exposure, rate, RiskRequest{"ETHUSDT", D("10"), 5}, t);
  CHECK(st.message() == "risk limit daemon.risk.max_open_orders = 6: the trade would bring the open orders to 7");

  for (int i = 0; i < 3; ++i) rate.Record("ETHUSDT", t + i);
  st = CheckRiskLimits(limits, exposure, rate, RiskRequest{"ETHUSDT", D("10"), 2}, t + 10);
  CHECK(st.message() == "risk limit daemon.risk.max_signals_per_minute = 3: this would be signal 4 in the last minute");
  // A minute later the window has moved on.
  CHECK(CheckRiskLimits(limits, exposure, rate, RiskRequest{"ETHUSDT", D("10"), 2}, t + 60'003).ok());
}

TEST_CASE("risk limits: --check describes them, and says when nothing but the exchange bounds a signal") {
  RiskLimits none;
  CHECK(DescribeRiskLimits(none) ==
        "no account-wide max_position_notional: a signal is bounded only by the exchange's largest order");
  RiskLimits limits;
  limits.account.max_position_notional = D("1000");
  limits.account.max_open_orders = 20;
  limits.account.max_signals_per_minute = 10;
  limits.symbols["BTCUSDT"].max_position_notional = D("500");
  limits.symbols["ETHUSDT"].max_open_orders = 4;
  CHECK(DescribeRiskLimits(limits) == "notional 1000, 20 open orders, 10 signals/min, own limits for BTCUSDT ETHUSDT");
  RiskLimits per_symbol_only;
  per_symbol_only.symbols["BTCUSDT"].max_position_notional = D("500");
  CHECK(DescribeRiskLimits(per_symbol_only) ==
        "own limits for BTCUSDT, no account-wide max_position_notional: a signal is bounded only by the exchange's "
        "largest order");
}

TEST_CASE("signal: a refused id or symbol is quoted back escaped, so no terminal runs what it carries") {
  auto st = ParseSignal(R"({"id":"x\u001b]0;pwn\u0007y","symbol":"BTCUSDT","side":"LONG","qty":"0.1","stop_loss":{"pct":"1"}})");
  REQUIRE_FALSE(st.ok());
  CHECK(st.status().message() == "id: expected 1-64 characters of A-Z a-z 0-9 . _ - :, found \"x\\x1b]0;pwn\\x07y\"");
}

TEST_CASE("a trail signal: callback_pct (0.1 to 10) and an optional activation price, or off; a maker entry's offset") {
  auto t = ParseSignal(R"({"id":"t","symbol":"BTCUSDT","action":"trail","side":"LONG","callback_pct":"1.5","activation_price":98000})");
  REQUIRE(t.ok());
  CHECK(t->action == SignalAction::kTrail);
  CHECK(t->leg == PositionSide::kLong);
  REQUIRE(t->trailing_stop);
  CHECK(t->trailing_stop->callback_pct == D("1.5"));
  CHECK(t->trailing_stop->activation_price == D("98000"));
  CHECK(SignalJson(*t) == R"({"id":"t","symbol":"BTCUSDT","action":"trail","side":"LONG","callback_pct":"1.5","activation_price":"98000"})");
  auto off = ParseSignal(R"({"id":"t","symbol":"BTCUSDT","action":"trail","off":true})");
  REQUIRE(off.ok());
  CHECK(!off->trailing_stop);
  CHECK(SignalJson(*off) == R"({"id":"t","symbol":"BTCUSDT","action":"trail","off":true})");
  CHECK(RefusalOf(R"({"id":"t","symbol":"BTCUSDT","action":"trail"})") == "callback_pct: required (0.1 to 10), or \"off\":true");
  CHECK(RefusalOf(R"({"id":"t","symbol":"BTCUSDT","action":"trail","callback_pct":"0.09"})") ==
        "callback_pct: expected 0.1 to 10 (percent), found 0.09");
  CHECK(RefusalOf(R"({"id":"t","symbol":"BTCUSDT","action":"trail","off":true,"callback_pct":"1"})") ==
        "off: a trail that removes the trailing stop names no callback_pct or activation_price");
  auto maker = ParseSignal(R"({"id":"m","symbol":"BTCUSDT","side":"LONG","qty":"1","entry":"maker","offset_bps":5,"stop_loss":{"pct":"1"}})");
  REQUIRE(maker.ok());
  CHECK(maker->offset_bps == 5);
  CHECK(SignalJson(*maker).find(R"("offset_bps":5)") != std::string::npos);
  CHECK(RefusalOf(R"({"id":"m","symbol":"BTCUSDT","side":"LONG","qty":"1","offset_bps":5,"stop_loss":{"pct":"1"}})") ==
        "offset_bps: only a maker entry rests at a distance from the best price (\"entry\":\"maker\")");
}

TEST_CASE("a limit take-profit: limit and post_only on the take-profit only; post_only needs limit") {
  auto s = ParseSignal(R"({"id":"t","symbol":"BTCUSDT","side":"LONG","qty":"0.01","stop_loss":{"pct":"1"},
      "take_profit":{"pct":"2","limit":true,"post_only":true}})");
  REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  REQUIRE(s->take_profit);
  CHECK(s->take_profit->limit);
  CHECK(s->take_profit->post_only);
  CHECK(!s->stop_loss.limit);
  CHECK(SignalJson(*s) ==
        R"({"id":"t","symbol":"BTCUSDT","action":"open","side":"LONG","qty":"0.01","entry":"market","stop_loss":{"pct":"1"},"take_profit":{"pct":"2","limit":true,"post_only":true}})");
  CHECK(SignalJson(ParseSignal(SignalJson(*s)).value()) == SignalJson(*s));
  // "limit": false is the conditional take-profit, written as nothing.
  auto plain = ParseSignal(R"({"id":"t","symbol":"BTCUSDT","side":"LONG","qty":"0.01","stop_loss":{"pct":"1"},
      "take_profit":{"price":"99000","limit":false}})");
  REQUIRE(plain.ok());
  CHECK(!plain->take_profit->limit);
  CHECK(SignalJson(*plain).find("limit") == std::string::npos);
  // A move's take-profit may say limit too.
  auto m = ParseSignal(R"({"id":"m","symbol":"BTCUSDT","action":"move","take_profit":{"price":"99000","limit":true}})");
  REQUIRE(m.ok());
  CHECK(m->move_take_profit->limit);
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"0.01","stop_loss":{"pct":"1"},"take_profit":{"pct":"2","post_only":true}})") ==
        R"(take_profit.post_only: a post-only take-profit is a limit one (add "limit":true))");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","side":"LONG","qty":"0.01","stop_loss":{"pct":"1","limit":true}})") ==
        "stop_loss.limit: not a field keel knows");
  CHECK(RefusalOf(R"({"id":"x","symbol":"BTCUSDT","action":"move","stop_loss":{"pct":"1","post_only":true}})") ==
        "stop_loss.post_only: not a field keel knows");
}
