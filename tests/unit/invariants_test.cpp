#include <doctest/doctest.h>

#include "keel/store/invariants.h"

using namespace keel;

namespace {

constexpr TimeMs kNow = 1'000'000;

OrderRecord stop(const char* id, OrderState state, const char* symbol = "BTCUSDT",
                 PositionSide side = PositionSide::kLong) {
  OrderRecord o;
  o.client_order_id = id;
  o.symbol = symbol;
  o.position_side = side;
  o.side = side == PositionSide::kShort ? Side::kBuy : Side::kSell;  // the closing side of its leg
  o.type = OrderType::kStopMarket;
  o.purpose = OrderPurpose::kStop;
  o.state = state;
  o.close_position = true;
  o.reduce_only = true;
  return o;
}

PositionRecord open_position(const char* symbol, PositionSide side, TimeMs opened, std::optional<std::string> stop_id) {
  PositionRecord p;
  p.symbol = symbol;
  p.position_side = side;
  p.opened_ms = opened;
  p.stop_client_order_id = std::move(stop_id);
  return p;
}

std::vector<std::string> lines(const InvariantSnapshot& s) {
  InvariantOptions opt;
  opt.now_ms = kNow;
  std::vector<std::string> out;
  for (const auto& f : FindInvariantViolations(s, opt)) out.push_back(f.kind + " " + f.subject + ": " + f.message);
  return out;
}

}  // namespace

TEST_CASE("a healthy snapshot has no findings") {
  InvariantSnapshot s;
  s.orders = {stop("s1", OrderState::kNew), stop("s2", OrderState::kPartiallyFilled, "ETHUSDT", PositionSide::kShort)};
  s.open_positions = {open_position("BTCUSDT", PositionSide::kLong, 0, "s1"),
                      open_position("ETHUSDT", PositionSide::kShort, 0, "s2"),
                      // opened 5 s ago: still inside the 10 s grace period, no stop yet
                      open_position("SOLUSDT", PositionSide::kBoth, kNow - 5'000, std::nullopt)};
  IntentRecord young;
  young.client_order_id = "k-young";
  young.created_ms = kNow - 1'000;
  s.intents = {young};
  CHECK(lines(s).empty());
}

TEST_CASE("each invariant violation is found and named") {
  InvariantSnapshot s;
  s.integrity_problems = {"row 3 missing from index orders_by_time"};
  s.journal_gaps = {JournalGap{4, 7}};
  s.orders = {stop("s-cancelled", OrderState::kCanceled), stop("s-eth", OrderState::kNew, "ETHUSDT"),
              stop("s-pending", OrderState::kPendingNew, "SOLUSDT", PositionSide::kShort)};
  OrderRecord tp = stop("tp", OrderState::kNew, "XRPUSDT", PositionSide::kBoth);
  tp.purpose = OrderPurpose::kTakeProfit;
  s.orders.push_back(tp);
  s.open_positions = {
      open_position("BTCUSDT", PositionSide::kLong, 0, "s-cancelled"),
      open_position("BTCUSDT", PositionSide::kLong, 0, std::nullopt),
      open_position("BTCUSDT", PositionSide::kBoth, kNow - 1, std::nullopt),
      open_position("AVLUSDT", PositionSide::kBoth, 0, std::nullopt),
      open_position("DOGEUSDT", PositionSide::kLong, 0, "gone"),
      open_position("BCHUSDT", PositionSide::kLong, 0, "s-eth"),
      open_position("SOLUSDT", PositionSide::kShort, 0, "s-pending"),
      open_position("XRPUSDT", PositionSide::kBoth, 0, "tp"),
  };
  IntentRecord old;
  old.client_order_id = "k-9-e";
  old.purpose = OrderPurpose::kEntry;
  old.symbol = "ETHUSDT";
  old.side = Side::kBuy;
  old.qty = Decimal::Parse("0.3").value();
  old.created_ms = 0;
  s.intents = {old};
  CHECK(lines(s) == std::vector<std::string>{
                        "integrity store: row 3 missing from index orders_by_time",
                        "journal-gap journal: journal entries 5..6 are missing",
                        "terminal-stop BTCUSDT/LONG: its stop s-cancelled is Canceled: the position is unprotected",
                        "unprotected-position BTCUSDT/LONG: open since 1970-01-01T00:00:00.000Z with no protective stop",
                        "unprotected-position AVLUSDT/BOTH: open since 1970-01-01T00:00:00.000Z with no protective stop",
                        "unprotected-position DOGEUSDT/LONG: open since 1970-01-01T00:00:00.000Z; its stop gone is "
                        "not in the store",
                        "stop-mismatch BCHUSDT/LONG: its stop s-eth is on ETHUSDT/LONG",
                        "unprotected-position SOLUSDT/SHORT: open since 1970-01-01T00:00:00.000Z; its stop s-pending "
                        "is PendingNew, not confirmed working",
                        "stop-mismatch XRPUSDT/BOTH: its stop tp has purpose take-profit, not a stop",
                        "duplicate-open-position BTCUSDT/LONG: 2 open positions, expected at most 1",
                        "mixed-position-mode BTCUSDT: open positions in both one-way (BOTH) and hedge (LONG/SHORT) mode",
                        "unresolved-intent k-9-e: entry BUY 0.3 ETHUSDT intended at 1970-01-01T00:00:00.000Z has no "
                        "order: settle it by client order id",
                    });
}

TEST_CASE("--check holds the position's stops to the protection rule: they must close it, and all of it") {
  const Decimal one = Decimal::Parse("1").value();
  InvariantSnapshot s;
  OrderRecord wrong_side = stop("s-wrong", OrderState::kNew, "BTCUSDT", PositionSide::kBoth);
  wrong_side.side = Side::kBuy;  // would add to a long, not close it
  OrderRecord small = stop("s-small", OrderState::kNew, "ETHUSDT", PositionSide::kBoth);
  small.close_position = false;
  small.qty = Decimal::Parse("0.4").value();
  OrderRecord plain = stop("s-plain", OrderState::kNew, "SOLUSDT", PositionSide::kBoth);
  plain.close_position = plain.reduce_only = false;
  plain.qty = one;
  s.orders = {wrong_side, small, plain};
  for (auto [symbol, id] : {std::pair{"BTCUSDT", "s-wrong"}, {"ETHUSDT", "s-small"}, {"SOLUSDT", "s-plain"}}) {
    PositionRecord p = open_position(symbol, PositionSide::kBoth, 0, std::string(id));
    p.qty = one;
    s.open_positions.push_back(p);
  }
  CHECK(lines(s) == std::vector<std::string>{
                        "stop-mismatch BTCUSDT/BOTH: its stop s-wrong (BUY, reduce-only) would not close a position of 1",
                        "partially-protected-position ETHUSDT/BOTH: open since 1970-01-01T00:00:00.000Z; its stops "
                        "close 0.4 of 1",
                        "stop-mismatch SOLUSDT/BOTH: its stop s-plain (SELL, not reduce-only) would not close a "
                        "position of 1",
                    });
}

// Bybit's qty "0" stop closes up to maxMktOrderQty (create-order.mdx): its record says how much,
// and --check counts no more than that, with the reduce-only stops beside it.
TEST_CASE("--check counts a capped whole-position stop for its cap, and the remainder stops beside it") {
  const Decimal cap = Decimal::Parse("1").value();
  InvariantSnapshot s;
  OrderRecord whole = stop("s-whole", OrderState::kNew, "BTCUSDT", PositionSide::kBoth);
  whole.close_up_to = cap;
  s.orders = {whole};
  PositionRecord p = open_position("BTCUSDT", PositionSide::kBoth, 0, std::string("s-whole"));
  p.qty = Decimal::Parse("2.5").value();
  s.open_positions.push_back(p);
  CHECK(lines(s) == std::vector<std::string>{"partially-protected-position BTCUSDT/BOTH: open since "
                                             "1970-01-01T00:00:00.000Z; its stops close 1 of 2.5"});
  OrderRecord rest = stop("s-rest", OrderState::kNew, "BTCUSDT", PositionSide::kBoth);
  rest.close_position = false;
  rest.reduce_only = true;
  rest.qty = Decimal::Parse("1.5").value();
  s.orders.push_back(rest);
  CHECK(lines(s).empty());
}

TEST_CASE("--check finds a trade the store calls open on a leg without an open position (past the grace period)") {
  InvariantSnapshot s;
  SignalRecord open;
  open.id = "s-1";
  open.symbol = "BTCUSDT";
  open.action = "open";
  open.state = SignalState::kOpen;
  open.position_side = PositionSide::kBoth;
  open.updated_ms = kNow - 60'000;
  s.unfinished_signals.push_back(open);
  SignalRecord young = open;
  young.id = "s-2";
  young.symbol = "ETHUSDT";
  young.updated_ms = kNow - 1'000;  // may be closing right now
  s.unfinished_signals.push_back(young);
  SignalRecord entering = open;
  entering.id = "s-3";
  entering.symbol = "XRPUSDT";
  entering.state = SignalState::kEntering;  // no position yet is what entering means
  s.unfinished_signals.push_back(entering);
  CHECK(lines(s) == std::vector<std::string>{
                        "trade-without-position BTCUSDT/BOTH: signal s-1 is open (since 1970-01-01T00:15:40.000Z) but the "
                        "store holds no open position on its leg"});
  s.open_positions.push_back(open_position("BTCUSDT", PositionSide::kBoth, kNow - 60'000, "k-s"));
  s.orders.push_back(stop("k-s", OrderState::kNew, "BTCUSDT", PositionSide::kBoth));
  CHECK(lines(s).empty());
}
