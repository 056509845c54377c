#pragma once
// keel-traderd's engine: the one thread that turns signals into protected positions and keeps the
// store true to the exchange. Everything it does is a task on its EngineLoop: stream events,
// REST results (from RestWorkers), timers, signals and operator commands. Domain state has no
// locks and there is no "syncing" flag: a close event is applied the moment it arrives.
//
// A trade (one signal) goes: entry placed (intent first) -> fill verified from the stream, an order
// query and a position read, with bounded retries -> protective stop placed (conditional book,
// closePosition, mark-price trigger) and confirmed -> take-profit. A stop that cannot be placed is
// a rollback through SafeClose (side from the exchange position, proven flat) and an alert. When an
// exit fills the other is cancelled; an exit's id is cleared the moment its order is terminal.
//
// Watched all the time: a position without covering protection longer than protect_grace_ms is
// given a stop and alerted; a position keel does not track (seen on the stream or in a scan) is
// alerted and, by policy, protected, never closed on its own.

#include <chrono>
#include <deque>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "keel/config/daemon_config.h"
#include "keel/engine/alert.h"
#include "keel/engine/engine_loop.h"
#include "keel/engine/engine_store.h"
#include "keel/engine/event_applier.h"
#include "keel/engine/exchange_health.h"
#include "keel/engine/latency.h"
#include "keel/engine/replacement_guard.h"
#include "keel/engine/risk_limits.h"
#include "keel/engine/signal.h"
#include "keel/engine/trade_lifecycle.h"
#include "keel/exchange/stream_events.h"
#include "keel/safety/safe_close.h"
#include "keel/store/state_store.h"
#include "keel/strategy/strategy.h"

namespace keel {

struct EngineSettings {
  std::string account;
  DaemonConfig daemon;
  // How long REST work waits between retries (workers block; the engine never does). Real sleep in
  // the daemon; the scenario's clock in tests.
  std::function<void(TimeMs)> sleep;
  int verify_attempts = 10;         // entry fill verification: order query + position read
  TimeMs verify_interval_ms = 500;
  int settle_attempts = 5;          // an unknown placement outcome: queries by client order id
  TimeMs settle_interval_ms = 1000;
  TimeMs watch_interval_ms = 250;   // how often protection is checked
  // An order whose placement had an unknown outcome and that the exchange still does not show this
  // long after it was sent was never accepted: Binance answers -1007 when its matching engine takes
  // longer than 10 s, and refuses a request older than its timestamp + recvWindow (5 s).
  TimeMs absent_after_ms = 20'000;
};

// The answer to a signal or an operator command: the tools' exit code and one JSON object.
struct EngineReply {
  int exit_code = 0;
  std::string json;
};
using ReplyFn = std::function<void(EngineReply)>;

struct EngineCounters {
  std::int64_t signals_taken = 0;
  std::int64_t signals_rejected = 0;
  std::int64_t signals_duplicate = 0;
  std::int64_t orders_placed = 0;
  std::int64_t orders_rejected = 0;
  std::int64_t orders_unknown = 0;
  std::int64_t cancels = 0;
  std::int64_t amends = 0;
  std::int64_t replacements = 0;
  std::int64_t ghosts = 0;           // amends or cancels answered "unknown order"
  std::int64_t rollbacks = 0;
  std::int64_t protections_repaired = 0;
  std::int64_t orphans = 0;
  std::int64_t orphan_scans = 0;
  std::int64_t reconciles = 0;
  std::int64_t mismatches = 0;
  std::int64_t stream_events = 0;
  std::int64_t stream_drops = 0;     // live -> down transitions
  std::int64_t stream_frames_refused = 0;  // frames no stream could read (the connection stayed up)
  std::int64_t rest_jobs = 0;
  std::int64_t unprotected_ms = 0;  // summed over positions past the grace period
  std::int64_t rest_unanswered = 0;  // REST jobs that ended with no answer (transport, timeout, 5xx)
  std::int64_t rate_refusals = 0;    // REST jobs the exchange refused for the rate
  std::int64_t illegal_trade_transitions = 0;  // a bug: a trade asked to move where it cannot
};

struct EntriesEnded;

class Engine {
 public:
  // The first orphan scan after a start, sooner than the interval: start-up's own read may lag
  // behind what happened while keel was not running.
  static constexpr TimeMs kScanAgainAfterStartMs = 5000;
  // A rollback's or flatten's close counts as on its way (its leg gets the grace period, no
  // emergency stop beside it) once its job has started, or for this long while it waits for a
  // worker: long enough for a job behind a busy loop, short of a queue behind settles.
  static constexpr TimeMs kCloseStartAllowanceMs = 500;
  // How long after the venue's own expiry (GTD) of a limit entry keel's time limit cancels what is
  // left: the venue's EXPIRED is on its way by then.
  static constexpr TimeMs kAfterGoodTillDateMs = 2000;
  // A bot's move or trail signal waits this long at most for keel's own re-price of the trade's
  // exits (new before old: seconds when a lost answer is settled), asking again this often.
  static constexpr TimeMs kOwnMoveWaitMs = 90'000;
  static constexpr TimeMs kOwnMoveRetryMs = 100;
  // How far back a restart looks for cancels answered "unknown order" (RememberUnknownOrders).
  static constexpr TimeMs kUnknownOrderMemoryMs = 24LL * 3600 * 1000;

  Engine(EngineSettings settings, StateStore& store, const Clock& clock, EngineLoop& loop, RestWorkers& workers,
         AlertSink& alerts);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // The start-up sequence: load the store, read the exchange, reconcile by policy, settle orders
  // whose outcome was unknown, protect every open position lacking protection; then stream events
  // queued meanwhile are applied in order and signals are taken. done runs on the engine thread.
  void Start(std::function<void(Status)> done);
  bool ready() const { return ready_; }

  // The private stream, decoded (engine thread).
  void OnOrderEvent(const OrderEvent& event);
  void OnPositionEvent(const PositionEvent& event);
  // A REST snapshot taken after a (re)connect: merged by exchange time.
  void OnSnapshot(const AccountReport& snapshot);
  void OnStreamState(bool live, const std::string& detail);
  // A frame a stream could not read; the stream itself is still up (a warning and a count, not "down").
  void OnStreamFrameRefused(const std::string& stream, const std::string& detail);
  // Market data.
  void OnBookTicker(const std::string& symbol, Decimal bid, Decimal ask);
  void OnMarkPrice(const std::string& symbol, Decimal mark);

  // Signals (socket, spool, keel-ctl) and operator commands. reply runs on the engine thread.
  void SubmitSignal(const std::string& json, const std::string& origin, ReplyFn reply);
  void Pause(ReplyFn reply);
  void Resume(ReplyFn reply);
  // leg: only that leg of the symbol (hedge mode; a symbol is then required).
  void Flatten(std::optional<std::string> symbol, ReplyFn reply, std::optional<PositionSide> leg = std::nullopt);
  // The operator's flatten: the same, and the strategies trading what it closes are paused first
  // (a grid would reopen what was just closed) until keel-ctl resume.
  void OperatorFlatten(std::optional<std::string> symbol, ReplyFn reply, std::optional<PositionSide> leg = std::nullopt);
  // Everything ({"result":"status",…}), or only the open positions ({"result":"positions",
  // "positions":[…]}) or the open orders ({"result":"orders","open_orders":[…]}), as the store holds them.
  enum class StatusPart { kAll, kPositions, kOrders };
  void StatusReport(ReplyFn reply, StatusPart part = StatusPart::kAll);
  // keel-ctl watch: every line the engine logs and every alert it raises, as one JSON object per
  // line ({"at_ms","kind":"log"|"alert",…}), until the watcher returns false (its client left).
  using Watcher = std::function<bool(const std::string& json_line)>;
  void Watch(Watcher watcher);
  // A keel tool's action forwarded by the tool because this daemon holds the account: run on a
  // worker with the daemon's store (through the engine thread) and a worker's exchange, the same
  // library code as the tool. The reply carries its exit code and everything it printed.
  using ToolAction = std::function<Result<int>(Exchange& exchange, StateStore& store, std::ostream& out)>;
  // closes: what a keel-close-position closes (a symbol, and its leg when named): an open signal
  // there is refused while it runs, as during a flatten (its "flat" speaks for it).
  struct ToolCloses {
    std::string symbol;
    std::optional<PositionSide> leg;
  };
  void RunToolAction(const std::string& tool, ToolAction action, ReplyFn reply,
                     std::optional<ToolCloses> closes = std::nullopt);
  // SIGHUP: takes the [daemon] settings that can change while running (grace, intervals, policies,
  // stop distance, risk limits, alerts). Returns one line per setting that needs a restart instead.
  std::vector<std::string> Reconfigure(const DaemonConfig& next);
  // Stop taking signals, cancel resting entries if configured, let in-flight work finish; done
  // runs on the engine thread when nothing is left in flight.
  void Shutdown(std::function<void()> done);

  const EngineCounters& counters() const { return counters_; }
  // Replacement blocks by reason (ReplacementGuard), and event -> command latency.
  const std::map<GuardBlock, std::int64_t>& guard_blocks() const { return guard_.blocks(); }
  const LatencyHistogram& latency() const { return latency_; }
  // The symbols the exchange lists for trading (known once started).
  std::vector<std::string> ListedSymbols() const;
  const std::vector<Alert>& recent_alerts() const { return recent_alerts_; }
  bool paused() const { return paused_; }
  // Every line the engine logged, newest last (bounded), for status and tests.
  const std::deque<std::string>& log() const { return log_; }

 private:
  struct Trade;
  struct StartupReport;
  friend class EngineStrategyContext;

  // Each group below is one file of libcore/src/engine/, and says what state its functions may
  // write. Every trade state change goes through Advance (engine.cpp); a trade's record is saved
  // only by SaveSignal, which derives the stored state from it.

  // ---- engine.cpp: start-up, stream events, shutdown, the shared helpers ----
  // Writes: ready_, hedge_mode_, instruments_, marks_, mark_seen_ms_, books_, queued_events_,
  // stream_live_, exchange_health_ and the rate wait; a trade's state (Advance) and record (SaveSignal).
  void FinishStart(Result<StartupReport> report, std::function<void(Status)> done);
  void ApplyStreamResult(const Result<struct ApplyResult>& result, const std::string& what);
  void MaybeFinishShutdown();
  // The one way a trade's state changes: checked against the lifecycle's table
  // (trade_lifecycle.h); an illegal move is refused, counted and logged as a warning.
  bool Advance(Trade& t, TradeState to, const std::string& why);
  Trade* TradeOf(const std::string& signal_id);
  Trade* TradeByOrder(const std::string& client_order_id);
  Trade* ActiveTradeOn(const std::string& symbol, PositionSide leg);
  PositionSide LegFor(PositionSide direction) const;
  std::string NewClientId(OrderPurpose purpose, const std::string& symbol);
  // The store's open positions and not-terminal orders.
  Status ReadOpen(std::vector<PositionRecord>& positions, std::vector<OrderRecord>& orders);
  // Writes the batch; a failure is logged with `what` and returned as false.
  bool WriteOrLog(const WriteBatch& batch, const std::string& what);
  // Into `batch` when given (the caller writes it), else written at once; a failed write is logged
  // by WriteOrLog, which is all a caller could do with it.
  void SaveSignal(Trade& t, const std::string& detail, Provenance provenance, WriteBatch* batch = nullptr);
  void RaiseAlert(AlertKind kind, const std::string& subject, const std::string& symbol, const std::string& message);
  void Log(const std::string& line);
  void LogWarning(const std::string& line);  // logged as a warning: something the operator should see
  void Broadcast(const std::string& json_line);
  // What a REST job's result says of the exchange (answering, refusing for the rate, silent).
  void ObserveExchange(const Status& outcome);
  // Alerts (and their all-clears) for an exchange that does not answer, refuses for the rate or
  // refuses keel's clock; a cheap read when nothing has answered for a while, so silence is seen.
  void CheckExchange(TimeMs now);
  void LookAfterRateWait(TimeMs until);
  void RateWaitOver();
  template <typename R>
  void OnWorker(std::function<R(Exchange&)> job, std::function<void(R)> done,
                JobPriority priority = JobPriority::kNormal);

  // ---- engine_signals.cpp: taking or refusing a signal ----
  // Writes: signal records of refused and close signals, signal_rate_, notional_caps_; opens a
  // trade through OpenTrade, closes one through CloseUntilFlat.
  // A parsed signal from the duplicate check on; mark_read: the mark price was read for it by REST.
  void TakeSignal(const Signal& s, const std::string& origin, ReplyFn reply, bool mark_read);
  // The quantity to enter, rounded to the step, or why the signal is refused. leg_being_closed: a
  // flip's check before its close, on a one-way account: the trade and position on the leg are the
  // ones the flip closes first.
  Status CheckSignal(const Signal& s, Decimal& qty_out, bool leg_being_closed = false);
  void Reject(const std::string& id, const std::string& symbol, const std::string& action, const std::string& origin,
              const std::string& payload, const Status& why, const ReplyFn& reply);
  void CloseTrade(const Signal& s, const std::string& origin, ReplyFn reply);

  // ---- engine_open.cpp: a trade's entry, its verification, its exits, rollback and close ----
  // Writes: trades_ (new trades; EndEntry erases), a trade's entry and exit ids, its state
  // (Entering -> Protecting -> Protected; Closing, Unresolved, Closed, RolledBack, Failed), its
  // stop bookkeeping (stop_resends, spare_stops), the orders' records (intents first).
  void OpenTrade(const Signal& s, Decimal qty, const std::string& origin, ReplyFn reply);
  // Where a stop or take-profit at `level` triggers for the position, rounded to the tick (a stop
  // away from the entry, a take-profit toward it, a break-even stop toward profit); kConflict when
  // the mark has already passed it.
  // check_passed false: a limit take-profit, for which a passed level is a profit to take.
  Result<Decimal> ExitTrigger(const Trade& t, const PriceLevel& level, const PositionRecord& position, bool is_stop,
                              bool check_passed = true) const;
  // Records a new entry order for the trade (intent first, in b with the signal) and returns it.
  Result<PlaceOrder> SendEntry(Trade& t, const std::string& why, WriteBatch& b);
  void SubmitEntry(const std::string& signal_id, const PlaceOrder& entry);
  void OnEntryPlaced(const std::string& signal_id, const std::string& client_order_id, Result<OrderReport> placed);
  // The signal failed without a position: recorded, forgotten.
  void EndEntry(const std::string& signal_id, const std::string& detail, Provenance provenance);
  void VerifyEntry(const std::string& signal_id);
  void OnEntryVerified(const std::string& signal_id, Result<std::pair<OrderReport, PositionReport>> verified);
  void PlaceExit(const std::string& signal_id, OrderPurpose purpose);
  // A placement whose answer is unknown (its read-back lagged: Bybit acknowledges with ids only,
  // Binance's minimal answer) that the stream has already shown on the exchange: the stream's word,
  // as keel's record holds it, is the answer. Otherwise `placed` as it came.
  Result<OrderReport> WithStreamsWord(const std::string& client_order_id, Result<OrderReport> placed);
  void OnExitPlaced(const std::string& signal_id, OrderPurpose purpose, const std::string& client_order_id,
                    Result<OrderReport> placed);
  // An exit whose answer was lost and that is not sent again: settled by client order id in a job
  // of its own, never in the placement's protective job (seconds of queries there held the worker
  // kept for stops while a new position waited for its own: chaos seed 945517).
  void SettleExit(const std::string& signal_id, OrderPurpose purpose, const std::string& client_order_id);
  // A stop or take-profit whose outcome is unknown, asked after by client order id (in the book
  // its record names) on a worker (settle_attempts queries, settle_interval_ms apart), then `done`
  // on the engine thread.
  void SettleExitOrder(const std::string& symbol, const std::string& client_order_id,
                       std::function<void(Result<OrderReport>)> done, JobPriority priority);
  // A stop sent again after its placement's answer was lost: found working, it is cancelled once
  // the other protects the trade.
  void SettleDuplicateStop(const std::string& signal_id, const std::string& client_order_id);
  void Rollback(const std::string& signal_id, const std::string& why);
  // The close of a trade that must end flat (a rollback, or a close a restart cut short), run until
  // a read proves it flat: each attempt not verified leaves the signal unresolved, alerts once and
  // tries again after a back-off (or the exchange's Retry-After). `rollback`: the trade ends rolled
  // back, else closed.
  void CloseUntilFlat(const std::string& signal_id, int attempt);
  // SafeClose's settings for one leg (nullopt: the only one), with the engine's retries and clock.
  SafeCloseOptions CloseOptions(const std::string& symbol, std::optional<PositionSide> leg,
                                const std::string& reason) const;
  void RecordOrderReport(const OrderReport& report, const std::string& why);
  void RecordRefusedOrder(const std::string& client_order_id, const std::string& why);

  // ---- engine_limit_exit.cpp: a take-profit resting as a reduce-only limit order ----
  // Writes: a trade's take_profit_replacing, its take-profit id (a replacement), the replacement
  // guard's attempts (under "<signal>/take-profit").
  // The book an order of keel's rests in, from its record (conditional when there is none).
  OrderBook BookOfOrder(const std::string& client_order_id);
  // The limit take-profits of keel's trades resting on a symbol (one leg, or every leg): a close
  // ends them in its own job before it sends its order (Binance counts resting reduce-only orders
  // against the position: a close beside a full-size one is refused, -4118).
  std::vector<std::string> RestingLimitExits(const std::string& symbol, std::optional<PositionSide> leg);
  // Their ends, as the close's job left them: recorded, and each trade told.
  void RecordLimitExitsEnded(const EntriesEnded& ended, const std::string& why);
  // Cancels an exit (stop, take-profit, trailing stop) in the book its record names.
  void CancelExit(const std::string& symbol, const std::string& client_order_id, const std::string& why);
  // Where a limit take-profit at `level_price` rests: there, or, post-only, no nearer the book than
  // the best price of its side (a sell at the ask or above), so that it never takes.
  Result<Decimal> LimitExitPrice(const Trade& t, const PriceLevel& level, Decimal level_price, bool long_position) const;
  // Why the trade's limit take-profit must go again for the whole position: the position grew
  // past what it still has to fill (an add, a ladder's level); nullopt when it covers it (a smaller
  // position needs nothing: a reduce-only order closes no more than there is). RepriceExits sends
  // it again, new before old.
  std::optional<std::string> TakeProfitShortOf(const Trade& t, const PositionRecord& position);
  // The exchange ended the limit take-profit `client_order_id` without keel asking (a post-only
  // that would have taken, a venue cancel): a new one only through the ReplacementGuard, which
  // reads the order and the position first. `queried`: its terminal state, known a moment ago.
  // After a forwarded tool: limit take-profits it ended (the store says so, the stream may not
  // have yet) are placed again by their trades for what the position holds now.
  void TakeProfitsAfterTool();
  // A protected trade's take-profit is to be placed now: its signal has one, none is on its way,
  // and no move waits for the old one's cancel to place it (chaos seed 1112514: a stop confirmed
  // meanwhile placed it too, and the move placed a second).
  bool TakeProfitDue(const Trade& t) const;
  // The watch's repair stops working on the trade's leg (placed while the trade was not yet
  // protected, a restart cut its entry short) once its own stop is confirmed: spares, cancelled.
  void CancelRepairStopsBeside(const Trade& t);
  // A resync's rows of `symbols` that show a leg closed and opened again while keel was blind:
  // recorded, and handled as a push showing it would be (OnLegReopened).
  void ReopenedWhileBlind(const std::vector<std::string>& symbols, const std::vector<PositionReport>& rows);
  void ReplaceTakeProfit(const std::string& signal_id, const std::string& client_order_id, const std::string& why,
                         std::optional<OrderReport> queried);
  // Asks again after after_ms, unless the replacement was given up or done meanwhile.
  void RetryTakeProfitReplacement(const std::string& signal_id, const std::string& client_order_id, const std::string& why,
                                  std::optional<OrderReport> queried, TimeMs after_ms);
  void OnTakeProfitFacts(const std::string& signal_id, const std::string& why,
                         Result<std::pair<ReplacementFacts, std::vector<std::string>>> facts);
  // The guard said no: the stop protects on; the operator is told unless the trade is closing.
  void TakeProfitNotReplaced(Trade& t, const std::string& client_order_id, const std::string& why,
                             const GuardDecision& decision);

  // ---- engine_move.cpp: a move signal: a trade's stop and take-profit moved, new before old ----
  // Writes: a trade's exit_move, its signal's levels (and stored payload), its exit ids back to the
  // old orders when a new one is refused, Protected -> Protecting -> Protected; the move signal's
  // record.
  // waiting_since: when the signal began waiting for keel's own re-price of the trade's exits.
  void MoveExits(const Signal& s, const std::string& origin, ReplyFn reply, TimeMs waiting_since = 0);
  // keel's own re-price of the trade's exits (a fill moved its average), the guard's replacement
  // of its limit take-profit, or an operator's forwarded tool is on its way: a bot's move or trail signal waits for it (again() called every kOwnMoveRetryMs, up to kOwnMoveWaitMs), not
  // refused for work keel started itself. True when it waits.
  bool WaitForOwnExitMove(const Trade& t, TimeMs& waiting_since, std::function<void(TimeMs)> again);
  // The trigger of a conditional order as the store holds it (none: unknown).
  std::optional<Decimal> TriggerOf(const std::optional<std::string>& client_order_id);
  // The move itself: the stop and/or take-profit to these levels (nullopt: stays), for the move
  // signal move_id ("" for keel's own re-price), answering reply once settled.
  void StartExitMove(Trade& t, std::optional<PriceLevel> stop, std::optional<PriceLevel> take_profit,
                     const std::string& move_id, ReplyFn reply, std::vector<std::string> outcomes);
  // A fill moved the position's average entry: its exits given in percent (or at break-even) move
  // to the new average, new before old; those given as a price stay. A limit take-profit the
  // position outgrew goes again for all of it (TakeProfitShortOf).
  void RepriceExits(Trade& t, const PositionRecord& position);
  // The new stop (or take-profit) of a move: working at `trigger`, or not (nullopt, `detail` says
  // why: the old order stays and is the trade's again).
  // passed_level: the new stop's trigger, which the exchange refused as already passed.
  void StopMoveSettled(Trade& t, std::optional<Decimal> trigger, const std::string& detail,
                       std::optional<Decimal> passed_level = std::nullopt);
  void TakeProfitMoveSettled(Trade& t, std::optional<Decimal> trigger, const std::string& detail);
  // A limit take-profit a move cancelled first has ended: the new one goes out now (or, filled
  // before the cancel, the move is over).
  // The cancel of a limit take-profit a move is replacing gave up (CancelOrder's retries): the move's
  // take-profit part ends refused, the old one the trade's again.
  void OldTakeProfitNotCancelled(Trade& t, const std::string& why);
  void OldTakeProfitEnded(Trade& t, const OrderRecord& old);
  // Both parts settled: the move signal's record and the sender's answer.
  void FinishExitMove(Trade& t);
  // The trade is closing: whatever the move had left is not done.
  void AbandonExitMove(Trade& t, const std::string& why);
  // A cancel signal: the pending entries of a symbol (or one leg) cancelled; answered once each
  // has ended on the exchange (what filled stays, protected), or "not verified" (exit 4).
  void CancelEntries(const Signal& s, const std::string& origin, ReplyFn reply);
  void AwaitEntriesEnded(const std::string& cancel_id, std::vector<std::string> trade_ids, TimeMs until, ReplyFn reply);
  // After a restart: a move the store shows half done (the position names a stop other than the
  // trade's), resumed with the old stop kept until the new one is confirmed.
  void RestoreExitMove(Trade& t, const PositionRecord& position, const std::vector<SignalRecord>& unfinished);

  // ---- engine_add.cpp: add signals: one more entry on the leg of an open, protected trade ----
  // Writes: a trade's adds, the add signals' records, the add orders' records (intents first).
  // The trade a close, move or add signal names: its leg's in hedge mode, the symbol's only one
  // otherwise; kInvalidInput/kConflict saying why there is none.
  Result<Trade*> TradeNamedBy(const Signal& s, const std::string& verb);
  void AddToTrade(const Signal& s, const std::string& origin, ReplyFn reply);
  void SubmitAdd(const std::string& trade_id, const std::string& add_id, const PlaceOrder& order);
  void OnAddPlaced(const std::string& trade_id, const std::string& add_id, Result<OrderReport> placed);
  // The add's order as the store holds it now: an end ends the add signal (done with what filled,
  // failed with nothing filled); a working order keel is cancelling gets its cancel.
  void AfterAddChange(Trade& t, const std::string& client_order_id);
  // An add whose end the stream has not told (a market order answered NEW, an unknown outcome):
  // its order read by client id.
  void CheckAdd(const std::string& trade_id, const std::string& add_id);
  void CancelAdds(Trade& t, const std::string& why);
  // A close's own job tried to end the adds of the symbol (one leg's): those it did not end are
  // cancelled by CancelOrder from here (sent again after a failure, never given up on).
  void ResumeAddCancels(const std::string& symbol, std::optional<PositionSide> leg);
  // The cancels of a close's job answered "unknown order", into answered_unknown_order_ (before
  // ResumeAddCancels: settled by query from then on).
  void RememberUnknownToExchange(const EntriesEnded& job);
  void CancelAdd(Trade& t, const std::string& add_id, const std::string& why);
  // After a restart: unfinished add signals back on their trades; one whose trade has ended is
  // cancelled and settled on its own.
  void RestoreAdds(const std::vector<SignalRecord>& unfinished);
  void SettleLooseAdd(SignalRecord record, int attempt);

  // ---- engine_flip.cpp: flip signals: close, proven flat, then open the other side ----
  // Writes: the flip signal's record; closes through Flatten, opens through OpenTrade.
  void FlipTrade(const Signal& s, const std::string& origin, ReplyFn reply);
  // not_opened: why the open does not follow a proven close ("" when it may).
  void AfterFlipClose(const Signal& s, const std::string& origin, PositionSide from_leg, EngineReply closed, ReplyFn reply,
                      const std::string& not_opened = "");
  // A one-way flip's open waits until the stream has told the close (flat pushed since `since`):
  // a flat push of the close that arrived after the open was verified at the same millisecond would
  // close the new trade's record (chaos seed 1099072: a false "closed").
  void OpenAfterFlip(const Signal& s, const std::string& origin, PositionSide from_leg, TimeMs since, EngineReply closed,
                     ReplyFn reply);
  // After a restart: a flip whose close a restart cut short opens nothing (the bot's decision is
  // old by then); one whose open was taken is done.
  void RestoreFlips(const std::vector<SignalRecord>& unfinished);

  // ---- engine_trailing.cpp: trail signals: the venue's own trailing stop beside a trade's stop ----
  // Writes: a trade's trailing_order, trailing_level and trailing_in_flight; the trail signal's
  // record; where the venue's trailing stop is an order, its intent and order record.
  void TrailTrade(const Signal& s, const std::string& origin, ReplyFn reply, TimeMs waiting_since = 0);
  // A cancel the exchange acknowledged without the order (Binance's algo service): its record
  // ends Canceled unless it has ended already.
  void RecordCancelled(const std::string& cid);
  // Where the trailing stop is an order (Binance): its intent and pending record for the
  // position's size, in `b`; its client id.
  std::string TrailingIntent(Trade& t, const PositionRecord& position, const TrailingLevel& level, WriteBatch& b);
  // The position grew past what the trailing order covers: a new one for all of it, new before old.
  void FollowTrailingSize(Trade& t, const PositionRecord& position);
  struct TrailOutcome;
  void OnTrailSettled(const std::string& trade_id, const Signal& s, std::optional<std::string> cid, int rate_waits,
                      TrailOutcome outcome, ReplyFn reply);
  void SendTrail(const std::string& trade_id, const Signal& s, std::optional<std::string> cid, int rate_waits, ReplyFn reply);
  // A trail signal's end: its record and the sender's answer.
  void EndTrail(const std::string& signal_id, bool done, int code, const std::string& result, const std::string& detail,
                const ReplyFn& reply);
  // After a restart: the trade's trailing orders from the store, and trail signals a restart cut
  // short settled by what the venue shows.
  void RestoreTrails(const std::vector<SignalRecord>& unfinished);

  // ---- engine_strategy.cpp: strategies keel-traderd runs itself ([[strategy]]) ----
  // Writes: strategies_, strategy_timer_, take_profit_filled_. A strategy sends signals through
  // SubmitSignal, as a bot would, and is told their answers.
  void StartStrategies();
  void StrategyTick();
  // None: never taken, or the store could not say (logged): the strategy does nothing on it then.
  std::optional<TradeView> TradeViewOf(const std::string& signal_id);
  void PauseStrategies(const std::optional<std::string>& symbol, const std::string& why);
  void NoteTakeProfitFilled(const std::string& signal_id);

  // ---- engine_guard_stop.cpp: the stop of an entry not yet verified ----
  // Writes: a trade's guard_stop, guard counters and spare_stops; Entering -> Protected when the
  // guard becomes the trade's stop.
  // A market entry the exchange may have filled, not yet verified: its stop goes out now, from the
  // mark.
  void PlaceGuardStop(const std::string& signal_id, const std::string& why);
  // The guard stop is working at exactly the trade's stop level: it becomes the trade's stop.
  bool AdoptGuardStop(const std::string& signal_id, Decimal trigger);
  void CancelSpareStops(const std::string& signal_id, const std::string& why);

  // ---- engine_maker.cpp: a maker entry resting, following the book, replaced, timed out ----
  // Writes: a trade's maker_entry part, its ghost and resting flags, the replacement guard.
  void FollowBook(const std::string& symbol);
  // True when price is at most max_reprice_pct from first.
  bool WithinReprice(Decimal first, Decimal price) const;
  void AmendEntry(const std::string& signal_id, Decimal price);
  void OnEntryAmended(const std::string& signal_id, const std::string& client_order_id, Decimal price,
                      Result<OrderReport> amended);
  // An entry answered "unknown order": one targeted query settles what it became.
  void SettleGhost(const std::string& signal_id, const std::string& client_order_id, const std::string& why);
  // The matching engine answered an amend or cancel of the entry "unknown order": never amended or
  // cancelled again, and journaled as a ghost-order incident so that a restart knows it too
  // (RememberUnknownEntry reads it back).
  void RecordUnknownEntry(const std::string& signal_id, const std::string& client_order_id, const std::string& why);
  bool RememberUnknownEntry(const std::string& signal_id);
  // The entry ended on the exchange with nothing filled: a new one through the ReplacementGuard.
  // `queried`: the original's terminal state, read a moment ago (final; not asked again).
  void ReplaceEntry(const std::string& signal_id, const std::string& why, std::optional<OrderReport> queried);
  void OnReplacementFacts(const std::string& signal_id, const std::string& why, Result<ReplacementFacts> facts);
  void RefuseReplacement(const std::string& signal_id, const std::string& why, const GuardDecision& decision);
  // Why the engine's own state says the trade should not get a new entry ("" when it agrees).
  std::string EntryObjection(const Trade& t) const;
  void EntryTimeLimit(const std::string& signal_id);
  // A resting maker entry cancelled by keel (its time limit, a cancel signal): what filled of it
  // is the trade, protected; nothing filled, the signal ends failed.
  void CancelRestingEntry(const std::string& signal_id, const std::string& why);
  void CancelEntryTimeLimit(Trade& t);

  // ---- engine_watch.cpp: exits ending, positions closing, the protection watch, repairs ----
  // Writes: a trade's exit ids (cleared when terminal), Protected -> Protecting (a repair),
  // -> Closing (an exit filled), -> Closed (flat); unprotected_since_, repairing_, repair_failed_,
  // lost_repair_stop_, pushed_untracked_, resyncing_, protective_job_ms_, answered_unknown_order_,
  // reopened_at_.
  void AfterOrderChange(const std::string& client_order_id);
  void AfterPositionChange(const std::string& symbol, PositionSide side);
  // Why the leg's newest closed position closed, as the store has it.
  std::string LastCloseReason(const std::string& symbol, PositionSide side);
  // After a short wait, cancels the trade's exits that have not ended by themselves (the exchange
  // expires a closePosition order when the position goes flat; a cancel sent first is wasted).
  void ScheduleExitCleanup(const std::string& signal_id, const std::string& why);
  void ForgetIfDone(const std::string& signal_id);
  void CancelOrder(OrderBook book, const std::string& symbol, const std::string& client_order_id,
                   const std::string& why);
  // A cancel of an order that is not an entry answered "unknown order": journaled (a ghost-order
  // incident), so that after a restart it is settled by query, never cancelled again
  // (RememberUnknownOrders reads them back into answered_unknown_order_).
  void RecordUnknownOrder(const std::string& symbol, const std::string& client_order_id, const std::string& why);
  void RememberUnknownOrders();
  // A stop is no protection once a mark the stream gave after the stop was placed has passed its
  // trigger: the exchange fired it (or expired it with its position) and the store has not heard
  // (chaos seed 1105962: a stop that filled while keel was down, the store under lagging reads
  // still holding it working beside a position opened again since).
  bool StopPassedByMark(const OrderRecord& stop) const;
  // A position push whose leg shows a new average entry without having grown: the position the
  // trade's exits were placed for closed and another opened while keel did not see it (a resting
  // add filling after a stop or take-profit, while keel was down: chaos seeds 1105053, 1105596).
  // Its exits ended with the old position: the trade is protected again from the new one.
  void OnLegReopened(const std::string& key);
  // A stop placed before its leg was seen closed and opened again (reopened_at_).
  bool OfClosedLeg(const OrderRecord& stop) const;
  void StartProtectionWatch();
  void WatchProtection();
  void Repair(const PositionRecord& position);
  void HandleUntracked(const std::string& key);
  // Reads the account by REST and repairs what the stream missed on these symbols. With
  // settle_stray_orders (the periodic reconcile), the same read also settles orders the store holds
  // open, untouched for absent_after_ms, that the exchange no longer lists: one query each.
  void ResyncSymbols(const std::vector<std::string>& symbols, bool settle_stray_orders = false);
  // How long protective jobs (a stop's placement, a repair) took lately: a repair starts this much
  // before the grace period ends, so that it lands within it when the exchange answers slowly
  // (chaos seed 1049677: 280 ms a call, a repair started at the grace period's end landed 1.1 s
  // after it).
  void RecordProtectiveJob(TimeMs took);
  TimeMs RepairLeadMs() const;

  // ---- engine_scan.cpp: the periodic orphan scan and reconcile, the stream-down alert ----
  // Writes: orphan_scan_in_flight_, orphan_recheck_pending_, stream_down_alerted_ and the timers.
  void PeriodicOrphanScan();
  void StartOrphanScan();
  void OnOrphanScan(Result<AccountReport> account);
  void PeriodicReconcile();
  void CheckStream(TimeMs now);

  // ---- engine_commands.cpp: operator commands and restoring trades after a restart ----
  // Writes: trades_ (restored), -> Closing (a flatten), flatten_retries_, flattening_, entries_being_cancelled_,
  // paused_.
  void RestoreTrades();
  // A restored trade whose stop was not confirmed: settles it by client id, then protects with it
  // or with a new one.
  void ResumeProtecting(const std::string& signal_id);
  // A restored trade with take-profits beside its own (a move a restart cut short): its own, once
  // settled working, stays and the older go; else the old one is the trade's again.
  void ResumeTakeProfitMove(const std::string& signal_id, const std::vector<std::string>& older);
  // Flatten's work once the positions to close are known: the store's, the exchange's (a flatten
  // of everything reads them first), and every leg with a keel entry resting or in flight.
  void FlattenLegs(std::optional<std::string> symbol, std::optional<PositionSide> leg,
                   const std::vector<PositionReport>& on_exchange, ReplyFn reply);
  void RetryFlatten(const std::string& symbol, std::optional<PositionSide> leg, const std::string& why);
  static std::string FlatteningKey(const std::string& symbol, std::optional<PositionSide> leg);

  // ---- the state ----
  EngineSettings settings_;
  StateStore& store_;
  const Clock& clock_;
  EngineLoop& loop_;
  RestWorkers& workers_;
  AlertSink& alerts_;
  EngineStore worker_store_;

  bool ready_ = false;
  bool paused_ = false;
  bool shutting_down_ = false;
  bool hedge_mode_ = false;
  // The venue's trailing stop is an order keel names (Binance), not the position's own (Bybit).
  bool trailing_is_order_ = false;
  // The venue expires an order itself at a time it is given (Binance's GTD): a limit entry's time
  // limit goes with it, and holds while keel is down.
  bool good_till_date_venue_ = false;
  std::function<void()> on_shutdown_done_;
  int jobs_in_flight_ = 0;
  std::vector<std::function<void()>> queued_events_;  // stream events that arrived before ready

  std::map<std::string, Instrument> instruments_;
  std::map<std::string, Decimal> marks_;
  // When the stream last gave each symbol's mark (a REST read of it sets none: it may lag).
  std::map<std::string, TimeMs> mark_seen_ms_;
  std::map<std::string, std::pair<Decimal, Decimal>> books_;  // bid, ask
  // The account's cap on a position's notional by symbol (Exchange::MaxPositionNotional): read
  // when a signal first trades the symbol, again once older than kNotionalCapTtlMs (the operator
  // may change the leverage on the website). No cap: the read failed; the venue still refuses an
  // entry past it (-2027), keel only cannot say so first.
  struct NotionalCap {
    std::optional<Decimal> cap;
    TimeMs read_ms = 0;
  };
  static constexpr TimeMs kNotionalCapTtlMs = 10 * 60 * 1000;
  static constexpr TimeMs kNotionalCapRetryMs = 60 * 1000;  // after a failed read
  std::map<std::string, NotionalCap> notional_caps_;
  std::map<std::string, std::unique_ptr<Trade>> trades_;     // active (unfinished) signals by id
  std::map<std::string, TimeMs> unprotected_since_;          // "SYMBOL/SIDE"
  // "SYMBOL/SIDE" -> when a push showed the leg closed and opened again unseen (OnLegReopened):
  // stops the store holds from before it are no protection; forgotten once the leg is flat.
  std::map<std::string, TimeMs> reopened_at_;
  // Flattens in flight (FlattenLegs), by FlatteningKey of what their answer speaks for: "SYMBOL"
  // (every leg of it), or "SYMBOL/SIDE" (one leg); an open signal there is refused meanwhile.
  std::map<std::string, int> flattening_;
  // Client ids whose placement waits out a rate refusal, to be sent again under the same id: the
  // stray-order sweep leaves them alone.
  std::set<std::string> placements_waiting_;
  // Forwarded tools running (RunToolAction): a keel-close-position ends limit take-profits before
  // it closes; their trades place them again for what is left once it is over, not while it runs
  // (a new one beside the close is refused, -4118). Signal ids waiting for that.
  int tools_running_ = 0;
  // "SYMBOL/SIDE" legs the store holds open that a read showed flat without proving it (a read
  // older than keel's record): an add is refused there until a push or a read shows the leg.
  std::set<std::string> unproven_legs_;
  // Repair stops cancelled as spares beside their trade's own stop (CancelRepairStopsBeside).
  std::set<std::string> repair_stops_cancelled_;
  std::set<std::string> take_profits_after_tool_;
  std::set<std::string> repairing_;                          // "SYMBOL/SIDE" with a stop on its way
  // Positions the stream pushed (or an orphan scan found) that keel does not track, as seen
  // (amount, entry, the venue's time): a REST read older than the push is judged against it, and
  // the protection watch keeps at them until keel tracks them with a stop or a push says they are
  // flat (issue [1/6] case 3; chaos seed 856156: a scan's repair lost, tried again 10 s later).
  std::map<std::string, PositionRecord> pushed_untracked_;
  // "SYMBOL/SIDE" whose last repairs failed (refused, or the answer lost), how many in a row: tried
  // again at every watch, not after a grace period.
  std::map<std::string, int> repair_failed_;
  bool RepairFailed(const std::string& key) const { return repair_failed_.count(key) > 0; }
  // "SYMBOL/SIDE" -> the emergency stop of its last repair, lost on its way: the next repair is
  // protected by it if the stream has told it rests meanwhile, rather than sending a second.
  std::map<std::string, std::string> lost_repair_stop_;
  std::set<std::string> resyncing_;                          // symbols being read by REST
  // Cancels that failed (refused, no answer), by client order id: sent again a few times.
  static constexpr int kCancelRetries = 4;
  std::map<std::string, int> cancel_failures_;
  std::map<std::string, TimeMs> last_client_id_ms_;
  SignalRate signal_rate_;
  ReplacementGuard guard_;
  ReportedChanges reported_changes_;
  // While a stream event is being handled: when it entered (for latency_).
  std::optional<std::chrono::steady_clock::time_point> event_started_;
  LatencyHistogram latency_;
  TimerId watch_timer_ = 0;
  TimerId orphan_timer_ = 0;
  TimerId reconcile_timer_ = 0;
  bool orphan_scan_in_flight_ = false;
  bool stream_down_alerted_ = false;  // once per down period
  bool stream_live_ = false;
  TimeMs stream_down_since_ = 0;

  EngineCounters counters_;
  std::vector<Alert> recent_alerts_;
  std::deque<std::string> log_;
  std::vector<Watcher> watchers_;

  // The exchange's health (engine.cpp).
  ExchangeHealth exchange_health_{30'000};
  bool probe_in_flight_ = false;
  TimeMs last_probe_ms_ = 0;
  // The end of the latest wait a rate refusal asked for; a look at the whole account is due then.
  TimeMs rate_wait_until_ = 0;
  bool rate_wait_look_pending_ = false;
  TimeMs started_ms_ = 0;  // when the engine became ready
  bool orphan_recheck_pending_ = false;  // engine_scan.cpp
  std::deque<TimeMs> protective_job_ms_;  // engine_watch.cpp

  // Flattens (engine_commands.cpp).
  static constexpr int kMaxFlattenRetries = 8;
  std::map<std::string, int> flatten_retries_;  // "SYMBOL" or "SYMBOL/LEG" -> flattens sent again, not yet verified
  // Entries a flatten's job is cancelling now: a second flatten meanwhile only settles them by
  // query (a second cancel would reach an order that ended: chaos seed 727426).
  std::set<std::string> entries_being_cancelled_;
  // Strategies (engine_strategy.cpp), and the trades whose take-profit filled (newest last,
  // bounded): a grid reopens a leg only after its take-profit.
  std::vector<std::unique_ptr<Strategy>> strategies_;
  TimerId strategy_timer_ = 0;
  std::deque<std::string> take_profit_filled_;
  // "SYMBOL/SIDE" -> when the stream last pushed it flat (local time): a flip's open waits for it.
  std::map<std::string, TimeMs> flat_pushed_ms_;
  // Orders whose cancel the matching engine answered "unknown order", and when: not there, whatever
  // a read older than that answer says; never cancelled again on such a read's word (chaos seed
  // 857103: a lagging read said NEW, and the trade's exit cleanup cancelled the expired stop again).
  std::map<std::string, TimeMs> answered_unknown_order_;
};

}  // namespace keel
