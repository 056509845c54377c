#include <doctest/doctest.h>

#include "keel/sim/market.h"
#include "keel/sim/position_math.h"
#include "sim_fixture.h"
#include "temp_dir.h"

using namespace keel;
using namespace keel::sim;
using keel::sim::test::D;

TEST_CASE("the random walk is the same for the same seed and moves in whole ticks") {
  auto path = [](std::uint64_t seed) {
    RandomWalkPath p(D("100"), D("0.1"), 5, D("1"), seed, 0, 250);
    std::vector<std::string> prices;
    for (TimeMs t = 0; t <= 25'000; t += 250) prices.push_back(p.PriceAt(t).ToString());
    return prices;
  };
  CHECK(path(7) == path(7));
  CHECK(path(7) != path(8));
  RandomWalkPath p(D("100"), D("0.1"), 5, D("1"), 7, 0, 250);
  Decimal before = p.PriceAt(0);
  CHECK(before == D("100"));
  for (TimeMs t = 250; t <= 100'000; t += 250) {
    const Decimal now = p.PriceAt(t);
    CHECK(now.IsMultipleOf(D("0.1")));
    CHECK(now.Sub(before)->abs() <= D("0.5"));
    before = now;
  }
  // Skipping ahead lands on the same price as stepping through.
  RandomWalkPath a(D("100"), D("0.1"), 5, D("1"), 3, 0, 250), b(D("100"), D("0.1"), 5, D("1"), 3, 0, 250);
  for (TimeMs t = 0; t <= 10'000; t += 250) a.PriceAt(t);
  CHECK(a.PriceAt(10'000) == b.PriceAt(10'000));
  CHECK(symbol_seed(1, "BTCUSDT") != symbol_seed(1, "ETHUSDT"));
}

TEST_CASE("a CSV replay follows its rows and refuses bad ones") {
  keel::test::TempDir dir;
  keel::test::write_file(dir.file("p.csv"), "offset_ms,price\n0,100.0\n1000,101.5\n# pause\n3000,99.0\n");
  auto p = ReplayPath::Load(dir.file("p.csv"), D("0.1"), 5000);
  REQUIRE(p.ok());
  CHECK((*p)->PriceAt(5000) == D("100"));
  CHECK((*p)->PriceAt(5999) == D("100"));
  CHECK((*p)->PriceAt(6000) == D("101.5"));
  CHECK((*p)->PriceAt(9000) == D("99"));
  CHECK((*p)->PriceAt(99000) == D("99"));
  keel::test::write_file(dir.file("bad.csv"), "0,100.05\n");
  CHECK(ReplayPath::Load(dir.file("bad.csv"), D("0.1"), 0).status().message() ==
        dir.file("bad.csv") + ":1: price must be a positive multiple of the tick size 0.1");
  keel::test::write_file(dir.file("back.csv"), "10,1\n5,1\n");
  CHECK(!ReplayPath::Load(dir.file("back.csv"), D("0.1"), 0).ok());
  CHECK(!ReplayPath::Load(dir.file("none.csv"), D("0.1"), 0).ok());
}

TEST_CASE("the synthetic book: spread, levels, taking and crossing") {
  const SimInstrument inst = keel::sim::test::TestConfig().instruments[0];
  Market m(inst, std::make_unique<RandomWalkPath>(D("100"), D("0.1"), 0, D("0.1"), 1, 0, 250), 0);
  const Quote q = m.quote();
  CHECK(q.bid == D("99.9"));
  CHECK(q.ask == D("100.1"));
  CHECK(q.ask_qty == D("1"));
  auto fills = m.Take(Side::kBuy, D("2.5"), std::nullopt);
  REQUIRE(fills.size() == 3);
  CHECK(fills[0].price == D("100.1"));
  CHECK(fills[1].price == D("100.2"));
  CHECK(fills[2].price == D("100.3"));
  CHECK(fills[2].qty == D("0.5"));
  CHECK(m.Take(Side::kSell, D("10"), std::nullopt).size() == 5);  // the whole book, no more
  CHECK(m.Take(Side::kBuy, D("3"), D("100.2")).size() == 2);      // limit stops the walk
  CHECK(m.WouldTake(Side::kBuy, D("100.1")));
  CHECK(!m.WouldTake(Side::kBuy, D("100.0")));
  CHECK(m.WouldTake(Side::kSell, D("99.9")));
  CHECK(!m.WouldTake(Side::kSell, D("100.0")));
}

TEST_CASE("operator price moves: at once, or gradually, and the mark lags the last price") {
  const SimInstrument inst = keel::sim::test::TestConfig().instruments[0];
  Market m(inst, std::make_unique<RandomWalkPath>(D("100"), D("0.1"), 0, D("0.1"), 1, 0, 250), 0);
  REQUIRE(m.Move(D("-5"), 1000, 0).ok());
  CHECK(m.last() == D("95"));
  CHECK(m.mark() == D("95"));
  REQUIRE(m.Move(D("10"), 2000, 1000).ok());  // +9.5 over a second
  m.AdvanceTo(2500);
  CHECK(m.last() == D("99.8"));  // half way: 95 + 4.75, to the tick
  CHECK(m.mark() < m.last());    // the mark follows, a quarter of the gap per update
  m.AdvanceTo(3000);
  CHECK(m.last() == D("104.5"));
  m.AdvanceTo(4000);
  CHECK(m.last() == D("104.5"));
  CHECK(!m.Move(D("-100"), 5000, 0).ok());
}

TEST_CASE("position arithmetic: average in, realize out, flip through zero") {
  auto c = ApplyFill(D("0"), D("0"), D("1"), D("100")).value();
  CHECK(c.amount == D("1"));
  CHECK(c.entry_price == D("100"));
  c = ApplyFill(c.amount, c.entry_price, D("1"), D("110")).value();
  CHECK(c.amount == D("2"));
  CHECK(c.entry_price == D("105"));
  c = ApplyFill(c.amount, c.entry_price, D("-0.5"), D("115")).value();
  CHECK(c.amount == D("1.5"));
  CHECK(c.entry_price == D("105"));
  CHECK(c.realized_pnl == D("5"));
  c = ApplyFill(c.amount, c.entry_price, D("-2"), D("100")).value();  // close 1.5, open 0.5 short
  CHECK(c.amount == D("-0.5"));
  CHECK(c.entry_price == D("100"));
  CHECK(c.realized_pnl == D("-7.5"));
  c = ApplyFill(c.amount, c.entry_price, D("0.5"), D("90")).value();  // short profits when price falls
  CHECK(c.amount == D("0"));
  CHECK(c.entry_price == D("0"));
  CHECK(c.realized_pnl == D("5"));
  CHECK(UnrealizedPnl(D("-2"), D("100"), D("97.5")).value() == D("5"));
  CHECK(Commission(D("100.1"), D("0.333"), D("0.0005")).value() == D("0.01666665"));
}
