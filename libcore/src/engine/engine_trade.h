#pragma once
// The engine's in-memory state of one active trade (private to the engine's .cpp files).

#include <chrono>
#include <memory>
#include <mutex>

#include "keel/engine/engine.h"
#include "keel/engine/trade_lifecycle.h"
#include "keel/model/json_writer.h"

namespace keel {

// The position the stream pushed on a trade's leg while its entry is being verified, shared with
// the verification running on a worker: a push is evidence as good as a REST read, and newer than
// a lagging one (chaos seed 100380: the fill's order event lost, position reads 21 s behind).
struct PushedPosition {
  std::mutex mu;
  std::optional<PositionReport> row;
  void Set(const PositionReport& r) {
    std::lock_guard<std::mutex> lock(mu);
    row = r;
  }
  std::optional<PositionReport> Get() {
    std::lock_guard<std::mutex> lock(mu);
    return row;
  }
};

// What only a resting entry has (the signal's entry is "maker" or "limit"): its price (a maker
// entry's following the book), its time limit, its amends. At namespace scope: clang cannot
// construct a nested class with default member initializers inside the enclosing class's own
// definition (std::optional's emplace).
struct MakerEntry {
  // A maker entry follows the book and is replaced through the guard when the venue ends it; a
  // limit entry stays at the signal's price, and the venue ending it ends the signal.
  bool follows_book = true;
  Decimal price;  // where it rests (or was sent)
  // The price the signal's first maker entry rested at: following the book or replacing the entry
  // goes at most max_reprice_pct away from it (seed 003: a pending order chased a runaway market).
  Decimal first_price;
  bool reprice_refused_logged = false;
  TimeMs deadline_ms = 0;  // the time limit (the signal's ttl_s)
  TimerId deadline_timer = 0;
  bool amend_in_flight = false;
  TimeMs last_amend_ms = 0;
};

// A move signal's work on a trade's exits (engine_move.cpp), or a move a restart found half done.
// The new order rests before the old one is cancelled: until the new stop is confirmed the old one
// protects the position, and a new stop that is refused leaves it.
struct ExitMove {
  std::string signal_id;  // the move signal ("" when a restart could not name it)
  ReplyFn reply;          // the sender, waiting for the outcome (none after a restart)
  bool stop_pending = false;
  std::string stop_from;  // the stop protecting the trade until the new one is confirmed
  PriceLevel stop_from_level;
  bool take_profit_pending = false;
  std::optional<std::string> take_profit_from;  // cancelled once the new take-profit rests
  std::optional<PriceLevel> take_profit_from_level;
  // take_profit_from is a limit take-profit: cancelled first, the new one placed once it has ended
  // (two full-size reduce-only orders: Binance refuses the second, -4118; both could fill).
  bool take_profit_after_cancel = false;
  std::vector<std::string> outcomes;  // one per part settled, for the reply and the record
  bool refused = false;               // a part did not take (its old order stays)
};

// An add signal's entry on a trade's leg (engine_add.cpp): one more order in the trade's
// direction, whose fill grows the position the trade's whole-position exits already cover.
struct AddEntry {
  SignalRecord record;  // the add signal's, as last saved
  std::string client_order_id;
  Decimal qty;
  bool limit = false;
  std::optional<Decimal> price;  // a limit add's
  TimeMs deadline_ms = 0;  // a limit add's time limit (0: until it fills or is cancelled)
  TimerId deadline_timer = 0;
  bool answered = false;  // its placement answered, or its order settled since
  // keel is cancelling it (its time limit, a cancel signal, the trade closing): why, and whether
  // the cancel is sent. A close's own job (a flatten's, CloseUntilFlat's) cancels it before the
  // position is read, and nothing else meanwhile; when that cancel does not end it, CancelOrder
  // takes over (ResumeAddCancels).
  std::string cancel_reason;
  bool cancel_sent = false;
  bool cancel_in_close_job = false;
  int checks = 0;  // reads of an order whose end the stream has not told
};

struct Engine::Trade {
  SignalRecord record;  // as last saved; its state is SignalStateOf(state), set by SaveSignal
  Signal signal;
  PositionSide leg = PositionSide::kBoth;
  Decimal entry_price;  // the verified fill's average price; the position's average once it changes
  // The position's average entry its exits (in percent) were last placed from; 0 after a restart:
  // checked against the position once (RepriceExits).
  Decimal exits_reckoned_from;
  // The exchange's time of its adds' latest fill: a position row older than it does not hold that
  // fill yet (a strategy sizing its next level from it would pass its cap).
  std::optional<TimeMs> last_add_fill_ms;
  TradeState state = TradeState::kEntering;  // moved only by Engine::Advance
  bool verify_in_flight = false;
  bool take_profit_done = false;  // placed, refused or skipped: not tried again
  // A limit take-profit the exchange ended, on its way to a replacement through the guard.
  std::optional<std::string> take_profit_replacing;
  // A limit take-profit filled while the position held more than it covered: placed again for the
  // rest once a position row from this time (the fill's) on shows what is left.
  std::optional<TimeMs> take_profit_refill_after;
  int stop_resends = 0;  // stops sent again because a placement's outcome was unknown
  // Stops sent before the one that protects the trade, found working: cancelled once it does.
  std::vector<std::string> spare_stops;
  // A market entry's guard stop, placed while its fill was not yet verified (PlaceGuardStop): one
  // per trade; a spare stop once the trade's own stop works.
  std::string guard_stop;
  int guard_refusals = 0;
  int guard_lost = 0;  // guard stops whose answer was lost, each followed by another at once
  int guard_mark_waits = 0;  // times the guard waited for a first mark price (after a restart)
  // Flat and recorded as closed; kept only until its exits' orders have ended, so that their ids
  // are cleared when they do.
  bool finished = false;
  // A rollback or flatten (SafeClose) is on its way: its own result closes the trade.
  bool close_in_flight = false;
  // That close's job has started on a worker, and when it was queued. A close queued longer than
  // Engine::kCloseStartAllowanceMs is not in flight: the watch protects its leg (chaos seed 949117:
  // a rollback's close queued 4 s behind settles while its leg waited out the grace period the close
  // was given). One queued moments ago is (e2e seed 001 under ASan: an emergency stop placed 1 ms
  // after the rollback began, beside a close that started at once).
  bool close_started = false;
  TimeMs close_queued_ms = 0;
  // The trade must end flat (CloseUntilFlat): set from the first attempt until one is verified,
  // the waits between attempts included. Empty: no such close. The text is why (for the record).
  std::string closing_because;
  bool rollback = false;  // that close is a rollback: the signal ends rolled back, not closed
  // The entry order as sent, and while it rests on the exchange (a maker entry: until it fills, its
  // time limit cancels it, or the venue does).
  Decimal entry_qty;
  Side entry_side = Side::kBuy;
  bool entry_resting = false;
  std::optional<MakerEntry> maker_entry;  // set exactly when the signal's entry rests (maker, limit)
  // The entry answered "unknown order": it is not amended again; one query settles it.
  bool ghost = false;
  // The matching engine itself answered an amend "unknown order": the order is no longer open,
  // whatever a lagging read says afterwards. Never amended again.
  bool amend_refused = false;
  TimeMs ghost_since = 0;
  // The stream showed a position on the leg while the entry rested, its order event not (yet):
  // a fill, most likely. Not amended; verified by REST until a read agrees (chaos seeds 218, 784).
  TimeMs fill_suspected_since = 0;
  std::shared_ptr<PushedPosition> pushed = std::make_shared<PushedPosition>();
  TimeMs last_poll_ms = 0;  // asked about by REST while the stream was down
  bool replace_in_flight = false;  // the guard's reads or a replacement on their way
  bool expiring = false;           // keel is cancelling the entry: its time limit, a cancel signal
  std::string entry_cancel_asked;  // a cancel asked for while the entry was not known resting
  std::string entry_cancel_reason;  // why, as the entry's end says it ("at its time limit", "cancelled by signal X")

  std::optional<ExitMove> exit_move;  // a move of its stop and/or take-profit on its way
  // Its trailing stop (engine_trailing.cpp), the venue's own, beside its stop. Where it is an
  // order (Binance) its client id, until the order has ended; the level as last set (none after a
  // restart: the order's record and the trail signals tell what it was).
  std::optional<std::string> trailing_order;
  // Its other trailing orders not known ended: one replaced (its cancel sent), one whose placement
  // is not settled. Found by TradeByOrder, cancelled with the trade's exits, dropped once ended.
  std::vector<std::string> trailing_spares;
  std::optional<TrailingLevel> trailing_level;
  bool trailing_in_flight = false;  // a trail signal's request on its way
  // Add signals' entries not yet ended (engine_add.cpp): the trade is not forgotten before they are.
  std::vector<AddEntry> adds;
  AddEntry* AddByOrder(const std::string& client_order_id) {
    for (auto& a : adds)
      if (a.client_order_id == client_order_id) return &a;
    return nullptr;
  }
  // What its adds not yet ended would add if they all filled.
  Result<Decimal> AddsQty() const {
    Decimal sum;
    for (const auto& a : adds) {
      auto next = sum.Add(a.qty);
      if (!next.ok()) return next.status();
      sum = *next;
    }
    return sum;
  }
  AddEntry* AddBySignal(const std::string& signal_id) {
    for (auto& a : adds)
      if (a.record.id == signal_id) return &a;
    return nullptr;
  }

  bool maker() const { return maker_entry.has_value(); }
};


// A signal's record as it is received: who sent what, when, and the state it starts in.
// "SYMBOL/SIDE": how the engine's per-leg maps name a leg.
inline std::string KeyOf(const std::string& symbol, PositionSide side) { return symbol + "/" + to_string(side); }

inline SignalRecord ReceivedSignal(const std::string& id, const std::string& symbol, const std::string& action,
                                   const std::string& origin, std::string payload, SignalState state, TimeMs now) {
  SignalRecord r;
  r.id = id;
  r.symbol = symbol;
  r.action = action;
  r.origin = origin;
  r.payload = std::move(payload);
  r.state = state;
  r.received_ms = r.updated_ms = now;
  return r;
}

// An answer to a signal or command: {"result":…,"id":…,"detail":…} plus what `more` writes.
EngineReply ReplyOf(int code, const std::string& result, const std::string& id, const std::string& detail,
                    const std::function<void(JsonWriter&)>& more = {});

// The status a REST job's result carries, when it is a Result (what the exchange said of it).
template <typename T>
const Status* OutcomeOf(const Result<T>& r) {
  return &r.status();
}
template <typename R>
const Status* OutcomeOf(const R&) {
  return nullptr;
}

// REST work: runs on a worker, its result comes back to the engine thread.
template <typename R>
void Engine::OnWorker(std::function<R(Exchange&)> job, std::function<void(R)> done, JobPriority priority) {
  ++jobs_in_flight_;
  ++counters_.rest_jobs;
  if (event_started_) {
    latency_.Record(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - *event_started_)
                        .count());
  }
  workers_.Submit([this, priority, job = std::move(job), done = std::move(done)](Exchange& ex) mutable {
    const TimeMs began = clock_.NowMs();
    auto result = std::make_shared<R>(job(ex));
    const TimeMs took = clock_.NowMs() - began;
    loop_.Post([this, priority, took, result, done = std::move(done)] {
      --jobs_in_flight_;
      if (priority == JobPriority::kProtective) RecordProtectiveJob(took);
      if (const Status* outcome = OutcomeOf(*result)) ObserveExchange(*outcome);
      done(std::move(*result));
      MaybeFinishShutdown();
    });
  }, priority);
}


}  // namespace keel
