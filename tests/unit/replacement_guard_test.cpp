// ReplacementGuard and the maker quote: the rules that decide whether a cancelled entry is replaced
// and where a maker entry rests (seed 000).
#include <doctest/doctest.h>

#include "keel/engine/maker_quote.h"
#include "keel/engine/replacement_guard.h"

using namespace keel;

namespace {

Decimal D(const char* t) { return Decimal::Parse(t).value(); }

OrderReport Original(OrderStatus status, const char* filled) {
  OrderReport o;
  o.client_order_id = "k-e-1";
  o.symbol = "BCHUSDT";
  o.status = status;
  o.qty = D("0.164");
  o.filled_qty = D(filled);
  return o;
}

ReplacementFacts Cancelled() {
  ReplacementFacts f;
  f.signal_id = "s-1";
  f.order_id = "k-e-1";
  f.original = Original(OrderStatus::kCanceled, "0");
  return f;
}

}  // namespace

TEST_CASE("replacement guard: a cancelled entry with nothing filled, no position, no duplicate is replaced") {
  ReplacementGuard g;
  auto d = g.Check(Cancelled(), 1000);
  CHECK(d.allowed);
  CHECK(!d.block);
  CHECK(d.detail == "k-e-1 CANCELED with nothing filled");
  ReplacementFacts unknown = Cancelled();
  unknown.original.reset();
  CHECK(g.Check(unknown, 1000).allowed);
  CHECK(g.blocks().empty());
}

TEST_CASE("replacement guard: each check blocks on its own and is counted by reason") {
  ReplacementGuard g;
  auto expect = [&](const ReplacementFacts& f, GuardBlock block, const std::string& detail) {
    auto d = g.Check(f, 1000);
    CHECK(!d.allowed);
    REQUIRE(d.block);
    CHECK(*d.block == block);
    CHECK(d.detail == detail);
  };
  ReplacementFacts f = Cancelled();
  f.original = Original(OrderStatus::kNew, "0");
  expect(f, GuardBlock::kOriginalWorking, "k-e-1 is still NEW");
  f.original = Original(OrderStatus::kFilled, "0.164");
  expect(f, GuardBlock::kOriginalFilled, "k-e-1 FILLED with 0.164 filled");
  f.original = Original(OrderStatus::kCanceled, "0.05");  // partly filled, then cancelled
  expect(f, GuardBlock::kOriginalFilled, "k-e-1 CANCELED with 0.05 filled");
  f = Cancelled();
  f.position_amount = D("-0.164");
  expect(f, GuardBlock::kPositionExists, "the exchange holds -0.164");
  f = Cancelled();
  f.duplicates_working = 1;
  expect(f, GuardBlock::kDuplicateWorking, "1 other order(s) for it already working");
  f = Cancelled();
  f.engine_objection = "signal s-1 passed its time limit";
  expect(f, GuardBlock::kSignalInvalid, "signal s-1 passed its time limit");
  CHECK(g.blocks().at(GuardBlock::kOriginalFilled) == 2);
  CHECK(g.blocks().at(GuardBlock::kOriginalWorking) == 1);
  CHECK(std::string(to_string(GuardBlock::kDuplicateWorking)) == "duplicate_working");
}

TEST_CASE("replacement guard: at most 3 per signal, at least 1 s apart, and off when configured off") {
  ReplacementGuard g;
  g.RecordAttempt("s-1", 1000);
  auto early = g.Check(Cancelled(), 1500);
  CHECK(!early.allowed);
  CHECK(*early.block == GuardBlock::kCooldown);
  CHECK(early.retry_at == 2000);
  CHECK(g.Check(Cancelled(), 2000).allowed);
  g.RecordAttempt("s-1", 2000);
  g.RecordAttempt("s-1", 3000);
  CHECK(g.attempts("s-1") == 3);
  auto spent = g.Precheck("s-1", "", 10'000);
  CHECK(*spent.block == GuardBlock::kAttemptsExhausted);
  CHECK(spent.detail == "3 of 3 replacements used");
  // Another signal has its own count; a finished one is forgotten.
  CHECK(g.Precheck("s-2", "", 10'000).allowed);
  g.Forget("s-1");
  CHECK(g.Precheck("s-1", "", 10'000).allowed);
  g.set_limits(GuardLimits{false, 3, 1000, 3});
  CHECK(*g.Check(Cancelled(), 20'000).block == GuardBlock::kDisabled);
}

TEST_CASE("replacement guard: the breaker opens after 3 consecutive failures on one order, a success resets it") {
  ReplacementGuard g;
  CHECK(!g.RecordFailure("k-e-1"));
  CHECK(!g.RecordFailure("k-e-1"));
  g.RecordSuccess("k-e-1");
  CHECK(!g.RecordFailure("k-e-1"));
  CHECK(!g.RecordFailure("k-e-1"));
  CHECK(!g.BreakerOpen("k-e-1"));
  CHECK(g.RecordFailure("k-e-1"));   // the third in a row opens it, once
  CHECK(g.BreakerOpen("k-e-1"));
  CHECK(!g.RecordFailure("k-e-1"));
  CHECK(!g.BreakerOpen("k-e-2"));
}

TEST_CASE("maker quote: joins its own side of the book, follows it only when it moves away") {
  Instrument bch{"BCHUSDT", D("0.01"), D("0.001"), D("0.001"), D("5")};
  CHECK(MakerPrice(Side::kBuy, D("420.10"), D("420.20"), bch).value() == D("420.10"));
  CHECK(MakerPrice(Side::kSell, D("420.10"), D("420.20"), bch).value() == D("420.20"));
  CHECK(MakerPrice(Side::kBuy, D("420.105"), D("420.20"), bch).value() == D("420.10"));  // never up across a tick
  CHECK(MakerPrice(Side::kBuy, D("420.20"), D("420.20"), bch).status().message() ==
        "the book of BCHUSDT is crossed (bid 420.2, ask 420.2)");
  CHECK(MakerPrice(Side::kSell, D("0"), D("0"), bch).status().message() == "no order book price for BCHUSDT yet");
  // A buy resting at 420.10: the bid rises -> follow; the bid falls (toward the order) -> stay.
  CHECK(MakerFollow(Side::kBuy, D("420.10"), D("420.30"), D("420.40"), bch).value() == D("420.30"));
  CHECK(!MakerFollow(Side::kBuy, D("420.10"), D("420.00"), D("420.10"), bch));
  CHECK(!MakerFollow(Side::kBuy, D("420.10"), D("420.10"), D("420.20"), bch));
  // A sell resting at 420.20: the ask falls -> follow.
  CHECK(MakerFollow(Side::kSell, D("420.20"), D("419.90"), D("420.00"), bch).value() == D("420.00"));
  CHECK(!MakerFollow(Side::kSell, D("420.20"), D("420.20"), D("420.30"), bch));
}

TEST_CASE("maker quote with an offset: that many basis points behind the best price, on the tick, away from the book") {
  Instrument bch{"BCHUSDT", D("0.01"), D("0.001"), D("0.001"), D("5")};
  // 10 bps under a bid of 420.10 is 419.6799, down to the tick; over an ask of 420.20, 420.6202 up.
  CHECK(MakerPrice(Side::kBuy, D("420.10"), D("420.20"), bch, 10).value() == D("419.67"));
  CHECK(MakerPrice(Side::kSell, D("420.10"), D("420.20"), bch, 10).value() == D("420.63"));
  // Following keeps the distance: the bid rising to 420.50 moves a buy at 419.67 to 420.07.
  CHECK(MakerFollow(Side::kBuy, D("419.67"), D("420.50"), D("420.60"), bch, 10).value() == D("420.07"));
  CHECK(!MakerFollow(Side::kBuy, D("419.67"), D("420.10"), D("420.20"), bch, 10));
}

TEST_CASE("replacement guard: an exit that reduces (a limit take-profit): a part filled is no block, a flat leg is") {
  ReplacementGuard g;
  ReplacementFacts f = Cancelled();
  f.reduces = true;
  f.original = Original(OrderStatus::kCanceled, "0.05");
  f.position_amount = D("0.114");
  auto d = g.Check(f, 1000);
  CHECK(d.allowed);
  CHECK(d.detail == "k-e-1 CANCELED with 0.05 filled, 0.114 left on the leg");
  f.position_amount = Decimal();
  d = g.Check(f, 1000);
  CHECK(!d.allowed);
  REQUIRE(d.block);
  CHECK(*d.block == GuardBlock::kNoPosition);
  CHECK(std::string(to_string(GuardBlock::kNoPosition)) == "no_position");
  // Still working is still a block; another take-profit resting too.
  f.position_amount = D("0.114");
  f.original = Original(OrderStatus::kNew, "0");
  CHECK(*g.Check(f, 1000).block == GuardBlock::kOriginalWorking);
  f.original = Original(OrderStatus::kExpired, "0");
  f.duplicates_working = 1;
  CHECK(*g.Check(f, 1000).block == GuardBlock::kDuplicateWorking);
}
