// Move signals (issue [4/6], operation 5): a trade's stop and take-profit moved by price,
// percentage or to break-even. The new stop rests before the old one is cancelled, so the position
// is never without a stop while it moves; a new stop the exchange refuses leaves the old one; a
// lost answer or a restart in the middle is settled by client id and resumed. Both dialects.
#include "daemon_harness.h"

using namespace keel;
using namespace keel::scenario;

namespace {

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The venue's stop orders resting for a symbol's leg (ground truth).
std::vector<sim::SimAlgoOrder> VenueStops(DaemonScenario& s, PositionSide leg = PositionSide::kBoth) {
  std::vector<sim::SimAlgoOrder> out;
  for (const auto& o : s.venue->exchange().OpenAlgoOrders(0, "BTCUSDT"))
    if (o.type == OrderType::kStopMarket && o.position_side == leg) out.push_back(o);
  return out;
}
std::vector<sim::SimAlgoOrder> VenueTakeProfits(DaemonScenario& s) {
  std::vector<sim::SimAlgoOrder> out;
  for (const auto& o : s.venue->exchange().OpenAlgoOrders(0, "BTCUSDT"))
    if (o.type == OrderType::kTakeProfitMarket) out.push_back(o);
  return out;
}

// Started, market data flowing, a LONG of 0.010 BTC protected by a stop 2 % under its entry and a
// take-profit 2 % over it (signal "s-1"); the account in hedge mode when asked.
SignalRecord ProtectedLong(DaemonScenario& s, bool hedge = false) {
  if (hedge) REQUIRE(s.venue->exchange().SetDualSidePosition(0, true).ok());
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  REQUIRE(s.Signal(std::string(R"({"id":"s-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010",)") +
                   R"("stop_loss":{"pct":"2"},"take_profit":{"pct":"2"}})")
              .exit_code == 0);
  s.Run(2000);
  auto sig = s.SignalOf("s-1");
  REQUIRE(sig);
  REQUIRE(sig->state == SignalState::kOpen);
  REQUIRE(Contains(sig->detail, "take-profit"));
  REQUIRE(VenueStops(s, hedge ? PositionSide::kLong : PositionSide::kBoth).size() == 1);
  return *sig;
}

Decimal EntryOf(DaemonScenario& s, PositionSide leg = PositionSide::kBoth) {
  auto p = OpenPositionOf(*s.store, "BTCUSDT", leg).value();
  REQUIRE(p);
  return p->entry_price;
}

// Runs `ms` in steps of 10 and counts the steps at which the leg had no stop resting on the venue.
int StepsWithoutStop(DaemonScenario& s, TimeMs ms, PositionSide leg = PositionSide::kBoth) {
  int bare = 0;
  for (TimeMs t = 0; t < ms; t += 10) {
    s.Run(10);
    bare += VenueStops(s, leg).empty();
  }
  return bare;
}

// A move signal sent, then `ms` run in steps of 10: its answer (exit -1 while none came), and in
// `bare` the steps at which the leg had no stop resting on the venue.
struct MoveRun {
  EngineReply reply{-1, ""};
  int bare = 0;
};
MoveRun SendMove(DaemonScenario& s, const std::string& json, TimeMs ms, PositionSide leg = PositionSide::kBoth) {
  auto run = std::make_shared<MoveRun>();
  s.engine->SubmitSignal(json, "test", [run](EngineReply r) { run->reply = std::move(r); });
  run->bare = StepsWithoutStop(s, ms, leg);
  return *run;
}

// The store's journal position (seq) of the first record of order `cid` whose payload says `what`
// (0: none): the order in which keel learnt things.
std::int64_t FirstJournal(DaemonScenario& s, const std::string& cid, const std::string& what) {
  for (const auto& e : s.store->Journal(RecordFilter{}).value())
    if (e.entity == "order" && e.entity_id == cid && Contains(e.payload, what)) return e.seq;
  return 0;
}

// The fault set, the daemon killed after `kill` tasks of the move signal `json`, then started again:
// whether the kill came before the move was over.
bool KilledDuring(DaemonScenario& s, const char* fault, int kill, const std::string& json) {
  if (*fault) REQUIRE(s.Control(fault).ok());
  s.loop().KillAfter(kill);
  s.engine->SubmitSignal(json, "test", [](EngineReply) {});
  s.Run(3000);
  const bool killed = s.loop().killed();
  s.Restart();
  return killed;
}

}  // namespace

TEST_CASE("move: a stop moved by percent rests before the old one is cancelled; 'moved' once it is confirmed") {
  DaemonScenario s;
  const SignalRecord before = ProtectedLong(s);
  const std::string old_stop = *before.stop_client_order_id;
  const Decimal entry = EntryOf(s);
  const auto [reply, bare] = SendMove(s, R"({"id":"m-1","symbol":"BTCUSDT","action":"move","stop_loss":{"pct":"1"}})", 2000);
  CHECK(bare == 0);
  INFO(s.EngineLog());
  INFO(reply.json);
  CHECK(reply.exit_code == 0);
  CHECK(Contains(reply.json, R"("result":"moved")"));
  // One stop, at 1 % under the entry rounded down to the tick; the old one cancelled on the venue.
  const Decimal expected = s.InstrumentOf("BTCUSDT").RoundPrice(entry.Mul(D("0.99"), Rounding::kNearest).value(), Rounding::kFloor).value();
  auto stops = VenueStops(s);
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].trigger_price == expected);
  CHECK(stops[0].client_algo_id != old_stop);
  CHECK(VenueTakeProfits(s).size() == 1);  // the take-profit untouched
  auto sig = s.SignalOf("s-1");
  CHECK(sig->state == SignalState::kOpen);
  CHECK(sig->stop_client_order_id == stops[0].client_algo_id);
  CHECK(Contains(sig->payload, R"("stop_loss":{"pct":"1"})"));  // a restart resumes at the new level
  auto p = OpenPositionOf(*s.store, "BTCUSDT", PositionSide::kBoth).value();
  CHECK(p->stop_client_order_id == stops[0].client_algo_id);
  auto old = s.store->Order(old_stop).value();
  REQUIRE(old);
  CHECK(old->state == OrderState::kCanceled);
  // New before old: the new stop was known working before the old one's cancel was sent (its end
  // recorded after), whatever the venue's timing.
  const std::int64_t new_working = FirstJournal(s, stops[0].client_algo_id, R"("state":"New")");
  const std::int64_t old_cancelled = FirstJournal(s, old_stop, R"("state":"Canceled")");
  CHECK(new_working > 0);
  CHECK(old_cancelled > new_working);
  auto move = s.SignalOf("m-1");
  REQUIRE(move);
  CHECK(move->state == SignalState::kDone);
  CHECK(move->action == "move");
  CHECK(s.alerts.raised.empty());
  CHECK(s.InvariantFindings() == "");
  // The same id again is a duplicate; the same level again is nothing to do.
  CHECK(s.Signal(R"({"id":"m-1","symbol":"BTCUSDT","action":"move","stop_loss":{"pct":"1"}})").exit_code == 1);
  const auto calls = s.RestCalls();
  auto again = s.Signal(R"({"id":"m-2","symbol":"BTCUSDT","action":"move","stop_loss":{"pct":"1"}})");
  CHECK(again.exit_code == 1);
  CHECK(Contains(again.json, "already at"));
  CHECK(s.RestCallsSince(calls) == "");
}

TEST_CASE("move: break-even on one leg in hedge mode; the other leg's exits untouched") {
  DaemonScenario s;
  ProtectedLong(s, true);
  REQUIRE(s.Signal(R"({"id":"short-1","symbol":"BTCUSDT","side":"SHORT","qty":"0.020","stop_loss":{"pct":"3"}})").exit_code == 0);
  s.Run(2000);
  REQUIRE(VenueStops(s, PositionSide::kShort).size() == 1);
  const std::string short_stop = VenueStops(s, PositionSide::kShort)[0].client_algo_id;
  // Without a leg the move is ambiguous: refused, nothing sent.
  const auto calls = s.RestCalls();
  auto ambiguous = s.Signal(R"({"id":"m-0","symbol":"BTCUSDT","action":"move","stop_loss":{"break_even":true}})");
  CHECK(ambiguous.exit_code == 2);
  CHECK(Contains(ambiguous.json, "both legs"));
  // At break-even while the mark is still at the entry: the stop would fire at once. Refused.
  auto too_soon = s.Signal(R"({"id":"m-1","symbol":"BTCUSDT","action":"move","side":"LONG","stop_loss":{"break_even":true}})");
  INFO(too_soon.json);
  CHECK(too_soon.exit_code == 2);
  CHECK(Contains(too_soon.json, "already passed"));
  CHECK(s.RestCallsSince(calls) == "");
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"1"})").ok());
  s.Run(3000);
  const Decimal entry = EntryOf(s, PositionSide::kLong);
  const auto [reply, bare] = SendMove(
      s, R"({"id":"m-2","symbol":"BTCUSDT","action":"move","side":"LONG","stop_loss":{"break_even":true}})", 2000, PositionSide::kLong);
  CHECK(bare == 0);
  INFO(s.EngineLog());
  INFO(reply.json);
  CHECK(reply.exit_code == 0);
  auto stops = VenueStops(s, PositionSide::kLong);
  REQUIRE(stops.size() == 1);
  // At the entry, rounded toward profit: never a loss by a tick.
  CHECK(stops[0].trigger_price == s.InstrumentOf("BTCUSDT").RoundPrice(entry, Rounding::kCeiling).value());
  auto short_stops = VenueStops(s, PositionSide::kShort);
  REQUIRE(short_stops.size() == 1);
  CHECK(short_stops[0].client_algo_id == short_stop);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kShort) == D("-0.02"));
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("move: a new stop the exchange refuses leaves the old one protecting; no rollback, 'not-moved' (exit 3)") {
  DaemonScenario s;
  const SignalRecord before = ProtectedLong(s);
  const std::string old_stop = *before.stop_client_order_id;
  REQUIRE(s.Control(R"({"fault":"refuse_stops","count":1})").ok());
  const auto [reply, bare] = SendMove(s, R"({"id":"m-1","symbol":"BTCUSDT","action":"move","stop_loss":{"pct":"1"}})", 3000);
  CHECK(bare == 0);
  INFO(s.EngineLog());
  INFO(reply.json);
  CHECK(reply.exit_code == 3);
  CHECK(Contains(reply.json, R"("result":"not-moved")"));
  auto stops = VenueStops(s);
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].client_algo_id == old_stop);
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.010"));  // not rolled back
  auto sig = s.SignalOf("s-1");
  CHECK(sig->state == SignalState::kOpen);
  CHECK(sig->stop_client_order_id == old_stop);
  CHECK(Contains(sig->detail, "protected by stop " + old_stop));
  CHECK(Contains(sig->payload, R"("stop_loss":{"pct":"2"})"));
  CHECK(s.SignalOf("m-1")->state == SignalState::kFailed);
  CHECK(s.engine->counters().rollbacks == 0);
  CHECK(s.alerts.Count(AlertKind::kRollback) == 0);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("move: the new stop's answer is lost: another goes out, the first settled; one stop at the new level") {
  DaemonScenario s;
  ProtectedLong(s);
  REQUIRE(s.Control(R"({"fault":"placement","when":"after","how":"timeout"})").ok());
  const auto [reply, bare] = SendMove(s, R"({"id":"m-1","symbol":"BTCUSDT","action":"move","stop_loss":{"pct":"1.5"}})", 6000);
  CHECK(bare == 0);
  INFO(s.EngineLog());
  INFO(reply.json);
  CHECK(reply.exit_code == 0);
  auto stops = VenueStops(s);
  REQUIRE(stops.size() == 1);
  CHECK(s.SignalOf("s-1")->stop_client_order_id == stops[0].client_algo_id);
  CHECK(s.SignalOf("m-1")->state == SignalState::kDone);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("move: SIGKILL at every point of a stop's move, then a restart: one stop, where the records say") {
  // With the exchange behaving, with the new stop's answer lost after it was accepted, and with the
  // new stop refused (the old one stays).
  const char* faults[] = {"", R"({"fault":"placement","when":"after","how":"timeout","count":1})",
                          R"({"fault":"refuse_stops","count":1})"};
  for (const char* fault : faults) {
    CAPTURE(fault);
    int points = 0;
    for (int kill = 0; kill <= 80; ++kill, ++points) {
      CAPTURE(kill);
      DaemonScenario s;
      const SignalRecord before = ProtectedLong(s);
      const std::string old_stop = *before.stop_client_order_id;
      const Decimal old_trigger = VenueStops(s)[0].trigger_price;
      const bool killed = KilledDuring(s, fault, kill, R"({"id":"m-1","symbol":"BTCUSDT","action":"move","stop_loss":{"pct":"1"}})");
      // From the restart on, the position is never without a stop.
      CHECK(StepsWithoutStop(s, s.settings.daemon.protect_grace_ms + 3000) == 0);
      INFO(s.EngineLog());
      CHECK(s.ExchangeAmount("BTCUSDT") == D("0.010"));
      auto stops = VenueStops(s);
      REQUIRE(stops.size() == 1);
      auto sig = s.SignalOf("s-1");
      CHECK(sig->stop_client_order_id == stops[0].client_algo_id);
      auto move = s.SignalOf("m-1");
      if (move) {
        // Ended either way, and saying which.
        CHECK((move->state == SignalState::kDone || move->state == SignalState::kFailed));
        if (move->state == SignalState::kDone) {
          CHECK(stops[0].trigger_price != old_trigger);
          CHECK(Contains(sig->payload, R"("stop_loss":{"pct":"1"})"));
        }
      }
      if (stops[0].trigger_price == old_trigger) CHECK(Contains(sig->payload, R"("stop_loss":{"pct":"2"})"));
      else CHECK(Contains(sig->payload, R"("stop_loss":{"pct":"1"})"));
      CHECK(s.engine->counters().rollbacks == 0);
      CHECK(s.InvariantFindings() == "");
      if (!killed) break;
    }
    CHECK(points > 3);
    CHECK(points < 80);
  }
}

TEST_CASE("move: the take-profit moved by price; the old one cancelled once the new one rests") {
  DaemonScenario s;
  const SignalRecord before = ProtectedLong(s);
  const std::string old_tp = *before.take_profit_client_order_id;
  const Decimal entry = EntryOf(s);
  const Decimal target = s.InstrumentOf("BTCUSDT").RoundPrice(entry.Mul(D("1.03"), Rounding::kNearest).value(), Rounding::kCeiling).value();
  const auto [reply, bare] =
      SendMove(s, R"({"id":"m-1","symbol":"BTCUSDT","action":"move","take_profit":{"price":")" + target.ToString() + "\"}}", 2000);
  CHECK(bare == 0);
  INFO(s.EngineLog());
  INFO(reply.json);
  CHECK(reply.exit_code == 0);
  auto tps = VenueTakeProfits(s);
  REQUIRE(tps.size() == 1);
  CHECK(tps[0].trigger_price == target);
  CHECK(tps[0].client_algo_id != old_tp);
  CHECK(s.SignalOf("s-1")->take_profit_client_order_id == tps[0].client_algo_id);
  CHECK(VenueStops(s).size() == 1);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("move: refused before anything is sent: no trade, a leg on a one-way account, a stop above the mark") {
  DaemonScenario s;
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  auto none = s.Signal(R"({"id":"m-0","symbol":"BTCUSDT","action":"move","stop_loss":{"pct":"1"}})");
  CHECK(none.exit_code == 2);
  CHECK(Contains(none.json, "no open trade"));
  CHECK(s.SignalOf("m-0")->state == SignalState::kRejected);
  ProtectedLong(s);
  const Decimal above = s.InstrumentOf("BTCUSDT").RoundPrice(EntryOf(s).Mul(D("1.01"), Rounding::kNearest).value(), Rounding::kFloor).value();
  const auto after_open = s.RestCalls();
  auto leg = s.Signal(R"({"id":"m-1","symbol":"BTCUSDT","action":"move","side":"LONG","stop_loss":{"pct":"1"}})");
  CHECK(leg.exit_code == 2);
  CHECK(Contains(leg.json, "one-way"));
  auto passed = s.Signal(R"({"id":"m-2","symbol":"BTCUSDT","action":"move","stop_loss":{"price":")" + above.ToString() + "\"}}");
  CHECK(passed.exit_code == 2);
  CHECK(Contains(passed.json, "already passed"));
  auto nothing = s.Signal(R"({"id":"m-3","symbol":"BTCUSDT","action":"move"})");
  CHECK(nothing.exit_code == 2);
  CHECK(Contains(nothing.json, "at least one"));
  CHECK(s.RestCallsSince(after_open) == "");
}

TEST_CASE("move: the new stop refused for the rate waits and goes again; the old one protects meanwhile, no alert") {
  DaemonScenario s;
  const SignalRecord before = ProtectedLong(s);
  REQUIRE(s.Control(R"({"fault":"rate_limit","count":1})").ok());
  // The exchange's wait runs to the end of its minute.
  const auto [reply, bare] = SendMove(s, R"({"id":"m-1","symbol":"BTCUSDT","action":"move","stop_loss":{"pct":"1"}})", 65'000);
  INFO(s.EngineLog());
  INFO(reply.json);
  CHECK(bare == 0);
  CHECK(reply.exit_code == 0);
  CHECK(Contains(reply.json, R"("result":"moved")"));
  auto stops = VenueStops(s);
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].client_algo_id != *before.stop_client_order_id);
  CHECK(s.engine->counters().rate_refusals >= 1);
  CHECK(s.alerts.Count(AlertKind::kUnprotectedPosition) == 0);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("exits follow the entry: a fill that moves the position's average re-prices a percent stop, new before old") {
  // The fill here is an order placed beside keel (the website) on the same one-way position: the
  // position's average moves as an add's would (issue [4/6] operation 4).
  DaemonScenario s;
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  REQUIRE(s.Signal(R"({"id":"s-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"2"},
      "take_profit":{"price":"200000"}})").exit_code == 0);
  s.Run(2000);
  REQUIRE(s.SignalOf("s-1")->stop_client_order_id);
  const std::string first_stop = *s.SignalOf("s-1")->stop_client_order_id;
  const Decimal first_avg = EntryOf(s);
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"0.5"})").ok());
  s.Run(2000);
  REQUIRE(s.OutsideOrder("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010").status == 200);
  CHECK(StepsWithoutStop(s, 3000) == 0);
  INFO(s.EngineLog());
  const Decimal avg = EntryOf(s);
  CHECK(avg > first_avg);
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.020"));
  auto stops = VenueStops(s);
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].client_algo_id != first_stop);
  CHECK(stops[0].trigger_price ==
        s.InstrumentOf("BTCUSDT").RoundPrice(avg.Mul(D("0.98"), Rounding::kNearest).value(), Rounding::kFloor).value());
  // The take-profit was given as a price: it stays.
  auto tps = VenueTakeProfits(s);
  REQUIRE(tps.size() == 1);
  CHECK(tps[0].trigger_price == D("200000"));
  CHECK(s.SignalOf("s-1")->stop_client_order_id == stops[0].client_algo_id);
  CHECK(Contains(s.EngineLog(), "the average entry moved from"));
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("move: SIGKILL at every point of a take-profit's move, then a restart: one take-profit, the trade's, at its level") {
  const char* faults[] = {"", R"({"fault":"placement","when":"after","how":"timeout","count":1})"};
  for (const char* fault : faults) {
    CAPTURE(fault);
    int points = 0;
    for (int kill = 0; kill <= 80; ++kill, ++points) {
      CAPTURE(kill);
      DaemonScenario s;
      ProtectedLong(s);
      const bool killed = KilledDuring(s, fault, kill, R"({"id":"m-1","symbol":"BTCUSDT","action":"move","take_profit":{"pct":"3"}})");
      s.Run(s.settings.daemon.protect_grace_ms + 5000);
      INFO(s.EngineLog());
      auto tps = VenueTakeProfits(s);
      REQUIRE(tps.size() == 1);
      auto sig = s.SignalOf("s-1");
      CHECK(sig->take_profit_client_order_id == tps[0].client_algo_id);
      // The stored level is where the take-profit is: 3 % (moved), or the old one's.
      const Decimal moved_to = s.InstrumentOf("BTCUSDT")
                                   .RoundPrice(EntryOf(s).Mul(D("1.03"), Rounding::kNearest).value(), Rounding::kCeiling)
                                   .value();
      if (tps[0].trigger_price == moved_to) CHECK(Contains(sig->payload, R"("take_profit":{"pct":"3"})"));
      else CHECK(!Contains(sig->payload, R"("take_profit":{"pct":"3"})"));
      CHECK(VenueStops(s).size() == 1);
      CHECK(s.ExchangeAmount("BTCUSDT") == D("0.010"));
      CHECK(s.InvariantFindings() == "");
      if (!killed) break;
    }
    CHECK(points > 3);
    CHECK(points < 80);
  }
}

TEST_CASE("move: a trade whose stop went to break-even is restored after a restart, its stop still at break-even") {
  DaemonScenario s;
  ProtectedLong(s);
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"1"})").ok());
  s.Run(1000);
  const auto [reply, bare] = SendMove(s, R"({"id":"m-1","symbol":"BTCUSDT","action":"move","stop_loss":{"break_even":true}})", 2000);
  REQUIRE(reply.exit_code == 0);
  const std::string stop = *s.SignalOf("s-1")->stop_client_order_id;
  s.Restart();
  s.Run(3000);
  INFO(s.EngineLog());
  CHECK(!Contains(s.EngineLog(), "stored payload unreadable"));
  CHECK(Contains(s.EngineLog(), "restored signal s-1 (open)"));
  auto stops = VenueStops(s);
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].client_algo_id == stop);
  // Still keel's trade: a close signal closes it.
  CHECK(s.Signal(R"({"id":"c-1","symbol":"BTCUSDT","action":"close"})").exit_code != 2);
  s.Run(3000);
  CHECK(s.ExchangeAmount("BTCUSDT").is_zero());
  CHECK(s.SignalOf("s-1")->state == SignalState::kClosed);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("move: a bot's move while keel re-prices the stop after an add waits for it, then moves (never refused for keel's own work)") {
  // The Python example bot moved its stop the moment its add showed in the position: refused,
  // now and then, with "a move ... is still on its way" (keel's own re-price, started by the fill).
  for (const char* action : {"move", "trail"}) {
    CAPTURE(action);
    DaemonScenario s;
    ProtectedLong(s);
    REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"0.5"})").ok());
    s.Run(2000);
    REQUIRE(s.Signal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","trade":"s-1","qty":"0.010"})").exit_code == 0);
    // Once the add has filled on the venue, the exchange refuses keel's next requests for their
    // rate: the re-price's new stop waits (the old one protects) while the bot asks.
    for (int i = 0; i < 300 && s.ExchangeAmount("BTCUSDT") != D("0.020"); ++i) s.Run(1);
    REQUIRE(s.Control(R"({"fault":"rate_limit","count":1})").ok());
    // The moment the store shows the grown position, as a bot polling keel sees it.
    for (int i = 0; i < 300; ++i) {
      auto p = OpenPositionOf(*s.store, "BTCUSDT", PositionSide::kBoth).value();
      if (p && p->qty == D("0.020")) break;
      s.Run(10);
    }
    const std::string json = std::string(action) == "move"
                                 ? R"({"id":"m-1","symbol":"BTCUSDT","action":"move","stop_loss":{"pct":"1"}})"
                                 : R"({"id":"m-1","symbol":"BTCUSDT","action":"trail","callback_pct":"1"})";
    auto run = SendMove(s, json, 70'000);  // the rate refusal's wait: 60 s
    INFO(s.EngineLog());
    INFO(run.reply.json);
    CHECK(Contains(s.EngineLog(), "the average entry moved from"));
    CHECK(run.reply.exit_code == 0);
    CHECK(run.bare == 0);
    CHECK(VenueStops(s).size() == 1);
    CHECK(s.InvariantFindings() == "");
  }
}
