// The engine's core: start-up, the stream, timers and the helpers every part uses.
#include "keel/engine/engine.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "engine_trade.h"
#include "keel/engine/event_applier.h"
#include "keel/model/json_writer.h"
#include "keel/model/log_text.h"
#include "keel/safety/client_ids.h"
#include "keel/safety/ghost_sweep.h"
#include "keel/safety/reconciler.h"
#include "keel/safety/store_view.h"

namespace keel {
namespace {

// Marks a stream event's handling, so that the REST commands it leads to are timed from it.
class EventScope {
 public:
  explicit EventScope(std::optional<std::chrono::steady_clock::time_point>& started) : started_(started) {
    started_ = std::chrono::steady_clock::now();
  }
  ~EventScope() { started_.reset(); }

 private:
  std::optional<std::chrono::steady_clock::time_point>& started_;
};

AlertKind AlertKindOf(ExchangeHealth::Condition c) {
  switch (c) {
    case ExchangeHealth::Condition::kNotAnswering: return AlertKind::kExchangeNotAnswering;
    case ExchangeHealth::Condition::kRateRefused: return AlertKind::kRateLimited;
    case ExchangeHealth::Condition::kClockSkew: return AlertKind::kClockSkew;
    case ExchangeHealth::Condition::kKeyRefused: return AlertKind::kKeyRefused;
  }
  return AlertKind::kExchangeNotAnswering;
}

}  // namespace

const char* to_string(AlertKind k) {
  switch (k) {
    case AlertKind::kUnprotectedPosition: return "unprotected-position";
    case AlertKind::kRollback: return "rollback";
    case AlertKind::kRollbackFailed: return "rollback-failed";
    case AlertKind::kOrphan: return "orphan";
    case AlertKind::kReconcileMismatch: return "reconcile-mismatch";
    case AlertKind::kBreaker: return "breaker";
    case AlertKind::kStreamDown: return "stream-down";
    case AlertKind::kExchangeNotAnswering: return "exchange-not-answering";
    case AlertKind::kRateLimited: return "rate-limited";
    case AlertKind::kClockSkew: return "clock-skew";
    case AlertKind::kKeyRefused: return "key-refused";
    case AlertKind::kUnknownOutcome: return "unknown-outcome";
    case AlertKind::kLiquidation: return "liquidation";
    case AlertKind::kEntryFailed: return "entry-failed";
  }
  return "unknown";
}


struct Engine::StartupReport {
  bool hedge_mode = false;
  bool trailing_is_order = false;
  bool good_till_date = false;
  InstrumentList instruments;
  AccountReport account;
  std::vector<std::string> lines;
  std::vector<std::string> unproven_legs;  // "SYMBOL/SIDE": open in the store, read flat, not proven
};

Engine::Engine(EngineSettings settings, StateStore& store, const Clock& clock, EngineLoop& loop, RestWorkers& workers,
               AlertSink& alerts)
    : settings_(std::move(settings)),
      store_(store),
      clock_(clock),
      loop_(loop),
      workers_(workers),
      alerts_(alerts),
      worker_store_(store, loop) {
  exchange_health_ = ExchangeHealth(settings_.daemon.stream_down_alert_ms);
  GuardLimits limits;
  limits.enabled = settings_.daemon.auto_replace_cancelled_orders;
  guard_.set_limits(limits);
}

Engine::~Engine() {
  for (TimerId timer : {watch_timer_, orphan_timer_, reconcile_timer_})
    if (timer) loop_.CancelTimer(timer);
}

EngineReply ReplyOf(int code, const std::string& result, const std::string& id, const std::string& detail,
                    const std::function<void(JsonWriter&)>& more) {
  JsonWriter w;
  w.StartObject().Key("result").String(result);
  if (!id.empty()) w.Key("id").String(id);
  w.Key("detail").String(detail);
  if (more) more(w);
  w.EndObject();
  return EngineReply{code, w.str()};
}

Status Engine::ReadOpen(std::vector<PositionRecord>& positions, std::vector<OrderRecord>& orders) {
  PositionFilter open;
  open.state = PositionState::kOpen;
  auto p = store_.Positions(open);
  if (!p.ok()) return p.status();
  OrderFilter working;
  working.open_only = true;
  auto o = store_.Orders(working);
  if (!o.ok()) return o.status();
  positions = std::move(*p);
  orders = std::move(*o);
  return Status::Ok();
}

bool Engine::WriteOrLog(const WriteBatch& batch, const std::string& what) {
  Status st = store_.Write(batch);
  if (!st.ok()) Log("store error " + what + ": " + st.message());
  return st.ok();
}

void Engine::LogWarning(const std::string& line) {
  spdlog::warn("{}", LogText(line));
  log_.push_back(format_utc(clock_.NowMs()) + " WARNING " + line);
  if (log_.size() > 2000) log_.pop_front();
}

void Engine::ObserveExchange(const Status& outcome) {
  if (outcome.IsTransport() || outcome.IsUnknownOutcome()) ++counters_.rest_unanswered;
  if (IsRateRefusal(outcome)) {
    ++counters_.rate_refusals;
    if (outcome.retry_after_ms() > 0) LookAfterRateWait(clock_.NowMs() + outcome.retry_after_ms());
  }
  exchange_health_.Observe(outcome, clock_.NowMs());
}

// While keel waited out a rate refusal it read nothing: whatever opened meanwhile (outside keel, or
// a fill whose push was lost) is unseen. The wait's end is the first moment to look, not the next
// periodic reconcile up to its interval later (chaos seed 500362: an orphan unprotected 7 s more).
void Engine::LookAfterRateWait(TimeMs until) {
  rate_wait_until_ = std::max(rate_wait_until_, until);
  if (rate_wait_look_pending_) return;  // the pending look moves itself to the later end
  rate_wait_look_pending_ = true;
  loop_.After(rate_wait_until_ - clock_.NowMs() + 10, [this] { RateWaitOver(); });
}

void Engine::RateWaitOver() {
  const TimeMs now = clock_.NowMs();
  if (now < rate_wait_until_) {
    loop_.After(rate_wait_until_ - now + 10, [this] { RateWaitOver(); });
    return;
  }
  rate_wait_look_pending_ = false;
  if (shutting_down_ || !ready_) return;
  Log("the exchange's rate wait is over: reading the whole account again");
  ResyncSymbols(ListedSymbols(), /*settle_stray_orders=*/true);
}

void Engine::CheckExchange(TimeMs now) {
  for (const auto& c : exchange_health_.Check(now)) {
    RaiseAlert(AlertKindOf(c.condition), c.raised ? "exchange" : "exchange cleared", "", c.message);
  }
  // Silence is only seen by asking: when nothing has answered for half the alert time, one cheap
  // public read (the mark price) goes out, so a frozen exchange is found within about twice the
  // alert time even when keel has nothing else to ask.
  if (probe_in_flight_ || !ready_ || shutting_down_ || instruments_.empty()) return;
  const TimeMs quiet = now - std::max({exchange_health_.last_answer_ms(), started_ms_, last_probe_ms_});
  if (quiet < settings_.daemon.stream_down_alert_ms / 2) return;
  probe_in_flight_ = true;
  last_probe_ms_ = now;
  const std::string symbol = instruments_.begin()->first;
  OnWorker<Result<Decimal>>([symbol](Exchange& ex) { return ex.MarkPrice(symbol); },
                            [this, symbol](Result<Decimal> mark) {
                              probe_in_flight_ = false;
                              if (!mark.ok()) LogWarning("exchange probe (mark price of " + symbol + "): " + mark.status().message());
                            });
}

void Engine::Log(const std::string& line) {
  spdlog::info("{}", LogText(line));
  log_.push_back(format_utc(clock_.NowMs()) + " " + line);
  if (log_.size() > 2000) log_.pop_front();
  if (watchers_.empty()) return;
  JsonWriter w;
  w.StartObject().Key("at_ms").Int(clock_.NowMs()).Key("kind").String("log").Key("line").String(line).EndObject();
  Broadcast(w.str());
}

void Engine::Watch(Watcher watcher) { watchers_.push_back(std::move(watcher)); }

void Engine::Broadcast(const std::string& json_line) {
  // A watcher that has gone is dropped; the rest keep watching.
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(), [&](const Watcher& w) { return !w(json_line); }),
                  watchers_.end());
}

void Engine::RaiseAlert(AlertKind kind, const std::string& subject, const std::string& symbol,
                        const std::string& message) {
  Alert a;
  a.kind = kind;
  a.key = std::string(to_string(kind)) + " " + subject;
  a.symbol = symbol;
  a.message = message;
  a.at = clock_.NowMs();
  spdlog::warn("alert kind={} subject={} {}", to_string(kind), LogText(subject), LogText(message));
  recent_alerts_.push_back(a);
  if (!watchers_.empty()) {
    JsonWriter w;
    w.StartObject().Key("at_ms").Int(a.at).Key("kind").String("alert").Key("alert").String(to_string(kind));
    w.Key("symbol").String(symbol).Key("message").String(message).EndObject();
    Broadcast(w.str());
  }
  if (recent_alerts_.size() > 200) recent_alerts_.erase(recent_alerts_.begin(), recent_alerts_.begin() + 100);
  alerts_.Raise(a);
}

std::vector<std::string> Engine::ListedSymbols() const {
  std::vector<std::string> out;
  for (const auto& [symbol, i] : instruments_) out.push_back(symbol);
  return out;
}

PositionSide Engine::LegFor(PositionSide direction) const { return hedge_mode_ ? direction : PositionSide::kBoth; }

std::string Engine::NewClientId(OrderPurpose purpose, const std::string& symbol) {
  // Ids are deterministic in (purpose, symbol, ms): two in one millisecond take the next one.
  const std::string key = std::string(to_string(purpose)) + "/" + symbol;
  TimeMs at = clock_.NowMs();
  auto it = last_client_id_ms_.find(key);
  if (it != last_client_id_ms_.end() && at <= it->second) at = it->second + 1;
  last_client_id_ms_[key] = at;
  return MakeClientOrderId(settings_.account, purpose, symbol, at);
}

Engine::Trade* Engine::TradeOf(const std::string& id) {
  auto it = trades_.find(id);
  return it == trades_.end() ? nullptr : it->second.get();
}

Engine::Trade* Engine::TradeByOrder(const std::string& cid) {
  for (auto& [id, t] : trades_) {
    const auto& r = t->record;
    if (r.entry_client_order_id == cid || r.stop_client_order_id == cid || r.take_profit_client_order_id == cid)
      return t.get();
    // Its other exits: stops sent before the one that protects it (a move's old stop, one sent
    // again after a lost answer), a moved take-profit's old one.
    if (std::find(t->spare_stops.begin(), t->spare_stops.end(), cid) != t->spare_stops.end()) return t.get();
    if (t->exit_move && t->exit_move->take_profit_from == cid) return t.get();
    if (t->AddByOrder(cid)) return t.get();
    if (t->trailing_order == cid) return t.get();
    if (std::find(t->trailing_spares.begin(), t->trailing_spares.end(), cid) != t->trailing_spares.end()) return t.get();
  }
  return nullptr;
}

Engine::Trade* Engine::ActiveTradeOn(const std::string& symbol, PositionSide leg) {
  for (auto& [id, t] : trades_)
    if (!t->finished && t->signal.symbol == symbol && t->leg == leg) return t.get();
  return nullptr;
}

bool Engine::Advance(Trade& t, TradeState to, const std::string& why) {
  Status legal = CheckTradeTransition(t.state, to);
  if (!legal.ok()) {
    // A bug in the engine: the trade stays where it was, and the operator sees it.
    ++counters_.illegal_trade_transitions;
    LogWarning("signal " + t.record.id + ": " + legal.message() + " refused (" + why + ")");
    return false;
  }
  t.state = to;
  // A close owns the trade from here: what a move of its exits had left is not done.
  if (t.exit_move && (is_closing(to) || is_final(to))) AbandonExitMove(t, why);
  return true;
}

void Engine::SaveSignal(Trade& t, const std::string& detail, Provenance provenance, WriteBatch* batch) {
  t.record.state = SignalStateOf(t.state);
  t.record.detail = detail;
  t.record.updated_ms = clock_.NowMs();
  if (batch) {
    batch->PutSignal(t.record, std::move(provenance));
    return;
  }
  WriteBatch b(clock_.NowMs());
  b.PutSignal(t.record, std::move(provenance));
  WriteOrLog(b, "saving signal " + t.record.id);
}

// ---- start-up ----

void Engine::Start(std::function<void(Status)> done) {
  Log("starting: reading the exchange and reconciling the store (policy " +
      std::string(to_string(settings_.daemon.reconcile_policy)) + ")");
  const std::string account = settings_.account;
  const TimeMs grace = settings_.daemon.protect_grace_ms;
  const bool fix = settings_.daemon.reconcile_policy == ReconcilePolicy::kFix;
  OnWorker<Result<StartupReport>>(
      [this, account, grace, fix](Exchange& ex) -> Result<StartupReport> {
        StartupReport r;
        auto hedge = ex.HedgeMode();
        if (!hedge.ok()) return hedge.status();  // the adapter names what it was reading
        r.hedge_mode = *hedge;
        r.trailing_is_order = ex.TrailingStopIsAnOrder();
        r.good_till_date = ex.SupportsGoodTillDate();
        auto both = ex.AccountAndInstruments();
        if (!both.ok()) return both.status().WithContext("reading the account");
        r.instruments = std::move(both->instruments);
        r.account = std::move(both->account);
        // Orders whose outcome the store does not know (a crash between intent and answer) are
        // settled by client order id; keel stops the store lost are adopted.
        auto view = LoadStoreView(worker_store_);
        if (!view.ok()) return view.status();
        GhostSweepOptions sweep;
        sweep.account = account;
        sweep.act = true;
        sweep.now = clock_.NowMs();
        for (const auto& g : SweepGhosts(ex, &worker_store_, *view, r.account, sweep)) {
          r.lines.push_back("order " + g.client_order_id + " " + g.symbol + ": " + g.action);
        }
        // Reconcile by policy, with each flat position's own evidence.
        view = LoadStoreView(worker_store_);
        if (!view.ok()) return view.status();
        ReconcileOptions ro;
        ro.account = account;
        ro.now = clock_.NowMs();
        ro.grace_ms = grace;
        for (const auto& i : r.instruments.instruments) ro.step_sizes[i.symbol] = i.step_size;
        auto rec = Reconcile(r.account, *view, ro);
        KEEL_RETURN_IF_ERROR(AttachFlatEvidence(ex, *view, rec.mismatches));
        for (const auto& m : rec.mismatches) r.lines.push_back(std::string("mismatch ") + to_string(m.kind) + " " + m.symbol + ": " + m.detail);
        if (fix) {
          auto applied = ApplyReconcileFixes(worker_store_, rec.mismatches,
                                             {MismatchKind::kStoreOpenExchangeFlat, MismatchKind::kExchangeOpenStoreFlat,
                                              MismatchKind::kQuantity, MismatchKind::kSide},
                                             clock_.NowMs());
          if (!applied.ok()) return applied.status();
          for (const auto& m : *applied) r.lines.push_back(std::string("fixed ") + to_string(m.kind) + " " + m.symbol);
        }
        for (const auto& m : rec.mismatches) {
          if (m.kind != MismatchKind::kStoreOpenExchangeFlat) continue;
          auto still = OpenPositionOf(worker_store_, m.symbol, m.position_side);
          if (still.ok() && *still) r.unproven_legs.push_back(KeyOf(m.symbol, m.position_side));
        }
        return r;
      },
      [this, done](Result<StartupReport> r) { FinishStart(std::move(r), done); });
}

void Engine::FinishStart(Result<StartupReport> report, std::function<void(Status)> done) {
  if (!report.ok()) {
    Log("start-up failed: " + report.status().message());
    done(report.status());
    return;
  }
  hedge_mode_ = report->hedge_mode;
  trailing_is_order_ = report->trailing_is_order;
  good_till_date_venue_ = report->good_till_date;
  for (const auto& i : report->instruments.instruments) instruments_[i.symbol] = i;
  for (const auto& line : report->lines) Log("start-up: " + line);
  for (const auto& key : report->unproven_legs) unproven_legs_.insert(key);
  RestoreTrades();
  ready_ = true;
  started_ms_ = clock_.NowMs();
  Log("ready: " + std::to_string(trades_.size()) + " active trade(s), " + (hedge_mode_ ? "hedge" : "one-way") +
      " mode, " + std::to_string(queued_events_.size()) + " stream event(s) queued during start-up");
  // Stream events that arrived meanwhile, in the order they arrived.
  auto queued = std::move(queued_events_);
  queued_events_.clear();
  for (auto& fn : queued) fn();
  StartProtectionWatch();  // protects what start-up found unprotected at once, then every interval
  StartStrategies();
  // Start-up has just scanned and reconciled: the periodic ones begin one interval from now. But
  // what the stream pushed while keel was down is lost, and start-up's read may lag behind it
  // (chaos seed 856156: a position opened during the kill, read flat at start, seen 20 s later).
  // Whether keel ran before cannot be told from the store (it may have acted on nothing yet, or
  // be new to an account someone trades by hand), so the first orphan scan always comes soon.
  orphan_timer_ = loop_.After(std::min(settings_.daemon.orphan_scan_interval_ms, kScanAgainAfterStartMs),
                              [this] { PeriodicOrphanScan(); });
  reconcile_timer_ = loop_.After(settings_.daemon.reconcile_interval_ms, [this] { PeriodicReconcile(); });
  done(Status::Ok());
}

// ---- the stream ----

void Engine::ApplyStreamResult(const Result<ApplyResult>& r, const std::string& what) {
  if (!r.ok()) {
    Log("store error applying " + what + ": " + r.status().message());
    return;
  }
  for (const auto& note : r->notes) Log("stream: " + note);
  if (!r->rest_reads.empty()) ResyncSymbols(r->rest_reads);
  for (const auto& key : r->untracked) HandleUntracked(key);
  for (const auto& key : r->reopened) OnLegReopened(key);
}

void Engine::OnOrderEvent(const OrderEvent& e) {
  if (!ready_) {
    queued_events_.push_back([this, e] { OnOrderEvent(e); });
    return;
  }
  ++counters_.stream_events;
  EventScope scope(event_started_);
  if (e.exchange_generated && e.is_fill()) {
    const std::string key = e.symbol + "/" + to_string(e.position_side);
    RaiseAlert(AlertKind::kLiquidation, key, e.symbol,
               key + ": the exchange " + (e.type == OrderType::kAdl || e.venue_type == "ADL" ? "auto-deleveraged" : "liquidated") + " " +
                   e.last_qty.ToString() + " @ " + e.last_price.ToString() + " (" +
                   (e.client_order_id.empty() ? "order " + e.exchange_order_id : e.client_order_id) + ")");
  }
  auto r = ApplyOrderEvent(store_, e, clock_.NowMs(), &reported_changes_);
  ApplyStreamResult(r, std::string(e.venue_event) + " " + e.client_order_id);
  AfterOrderChange(e.client_order_id);
}

void Engine::OnPositionEvent(const PositionEvent& e) {
  if (!ready_) {
    queued_events_.push_back([this, e] { OnPositionEvent(e); });
    return;
  }
  ++counters_.stream_events;
  EventScope scope(event_started_);
  auto r = ApplyPositionEvent(store_, e, clock_.NowMs(), &reported_changes_);
  for (const auto& p : e.positions) {
    const std::string key = p.symbol + "/" + to_string(p.position_side);
    unproven_legs_.erase(key);  // the exchange's own push: newer than any read that lagged
    auto it = pushed_untracked_.find(key);
    if (p.amount.is_zero()) flat_pushed_ms_[key] = clock_.NowMs();
    if (p.amount.is_zero()) {
      if (it != pushed_untracked_.end() && p.update_time >= it->second.exchange_updated_ms.value_or(0))
        pushed_untracked_.erase(it);
      continue;
    }
    if (!r.ok() || std::find(r->untracked.begin(), r->untracked.end(), key) == r->untracked.end()) continue;
    PositionRecord pushed;
    pushed.symbol = p.symbol;
    pushed.position_side = p.position_side;
    pushed.qty = p.amount;
    pushed.entry_price = p.entry_price;
    pushed.opened_ms = it != pushed_untracked_.end() ? it->second.opened_ms : clock_.NowMs();
    pushed.exchange_updated_ms = p.update_time;
    pushed_untracked_[key] = pushed;
  }
  ApplyStreamResult(r, std::string(e.venue_event) + " " + e.reason);
  for (const auto& p : e.positions) AfterPositionChange(p.symbol, p.position_side);
}

void Engine::OnSnapshot(const AccountReport& snapshot) {
  if (!ready_) return;  // start-up reads the account itself
  std::set<std::string> symbols;
  for (const auto& p : snapshot.positions) symbols.insert(p.symbol);
  for (const auto& o : snapshot.open_orders) symbols.insert(o.symbol);
  auto view = LoadStoreView(store_);
  if (view.ok()) {
    for (const auto& p : view->open_positions) symbols.insert(p.symbol);
    for (const auto& o : view->open_orders) symbols.insert(o.symbol);
  }
  Log("stream snapshot: " + std::to_string(snapshot.positions.size()) + " position(s), " +
      std::to_string(snapshot.open_orders.size()) + " open order(s)");
  ResyncSymbols(std::vector<std::string>(symbols.begin(), symbols.end()));
}

void Engine::OnStreamState(bool live, const std::string& detail) {
  const TimeMs now = clock_.NowMs();
  if (live) {
    if (!stream_live_ && stream_down_since_) Log("stream live again after " + std::to_string(now - stream_down_since_) + " ms");
    stream_live_ = true;
    stream_down_since_ = 0;
    stream_down_alerted_ = false;
    return;
  }
  if (stream_live_) ++counters_.stream_drops;
  if (stream_live_ || !stream_down_since_) stream_down_since_ = now;
  stream_live_ = false;
  Log("stream down: " + detail);
}

void Engine::OnStreamFrameRefused(const std::string& stream, const std::string& detail) {
  ++counters_.stream_frames_refused;
  LogWarning(stream + " stream: refused a frame: " + detail);
}

void Engine::OnBookTicker(const std::string& symbol, Decimal bid, Decimal ask) {
  EventScope scope(event_started_);
  books_[symbol] = {bid, ask};
  FollowBook(symbol);
}
void Engine::OnMarkPrice(const std::string& symbol, Decimal mark) {
  marks_[symbol] = mark;
  mark_seen_ms_[symbol] = clock_.NowMs();
}

// ---- shutdown ----

void Engine::Shutdown(std::function<void()> done) {
  shutting_down_ = true;
  on_shutdown_done_ = std::move(done);
  Log("shutting down: no new signals; " + std::to_string(jobs_in_flight_) + " REST job(s) in flight");
  for (TimerId* timer : {&watch_timer_, &orphan_timer_, &reconcile_timer_, &strategy_timer_}) {
    if (*timer) loop_.CancelTimer(*timer);
    *timer = 0;
  }
  if (settings_.daemon.cancel_entries_on_shutdown) {
    OrderFilter open;
    open.open_only = true;
    auto orders = store_.Orders(open);
    if (orders.ok()) {
      for (const auto& o : *orders) {
        if (o.purpose == OrderPurpose::kEntry && o.state != OrderState::kPendingNew && o.state != OrderState::kPendingCancel)
          CancelOrder(OrderBook::kRegular, o.symbol, o.client_order_id, "shutdown: resting entries are cancelled");
      }
    }
  }
  MaybeFinishShutdown();
}

void Engine::MaybeFinishShutdown() {
  if (!shutting_down_ || jobs_in_flight_ > 0 || !on_shutdown_done_) return;
  auto done = std::move(on_shutdown_done_);
  on_shutdown_done_ = nullptr;
  Log("shut down: nothing in flight; positions keep their exchange-side stops");
  done();
}

}  // namespace keel
