// Signals and the atomic open: entry -> verified fill -> stop -> take-profit; rollback when the
// stop cannot be placed; exits and closes.
#include "engine_trade.h"
#include "keel/model/json_fields.h"
#include "keel/model/json_writer.h"
#include "keel/safety/safe_close.h"
#include "keel/safety/sent_order.h"
#include "keel/safety/settle.h"
#include "keel/store/record_json.h"

namespace keel {
namespace {

EngineReply ReplyOf(int code, const std::string& result, const std::string& id, const std::string& detail,
                    const std::function<void(JsonWriter&)>& more = {}) {
  JsonWriter w;
  w.StartObject().Key("result").String(result);
  if (!id.empty()) w.Key("id").String(id);
  w.Key("detail").String(detail);
  if (more) more(w);
  w.EndObject();
  return EngineReply{code, w.str()};
}

int ExitFor(const Status& s) {
  switch (s.category()) {
    case ErrorCategory::kOk: return 0;
    case ErrorCategory::kExchange:
    case ErrorCategory::kTransport:
    case ErrorCategory::kUnknownOutcome: return 3;
    default: return 2;
  }
}

Side OpeningSide(PositionSide direction) { return direction == PositionSide::kLong ? Side::kBuy : Side::kSell; }

}  // namespace

// ---- signals ----

void Engine::SubmitSignal(const std::string& json, const std::string& origin, ReplyFn reply) {
  // Transient refusals are not recorded: the same signal may be sent again once they pass.
  if (!ready_) return reply(ReplyOf(3, "refused", "", "the daemon is starting: signals are taken once it is ready"));
  if (shutting_down_) return reply(ReplyOf(3, "refused", "", "the daemon is shutting down"));
  auto parsed = ParseSignal(json);
  if (!parsed.ok()) {
    // Recorded under its id when it has one: an id is acted on once, refused or not.
    std::string id, symbol = "?";
    if (auto fields = JsonFields::Parse(json, "signal"); fields.ok()) {
      if (auto i = fields->String("id"); i.ok() && *i && !(*i)->empty() && (*i)->size() <= 64) id = **i;
      if (auto s = fields->String("symbol"); s.ok() && *s && !(*s)->empty()) symbol = (*s)->substr(0, 32);
    }
    if (!id.empty()) {
      auto seen = store_.Signal(id);
      if (seen.ok() && seen->has_value()) {
        ++counters_.signals_duplicate;
        return reply(ReplyOf(1, "duplicate", id, "signal " + id + " was seen before (" + to_string((*seen)->state) + "): ignored"));
      }
      JsonWriter raw;
      raw.StartObject().Key("unparsed").String(json.substr(0, 4096)).EndObject();
      return Reject(id, symbol, origin, raw.str(), parsed.status(), reply);
    }
    ++counters_.signals_rejected;
    Log("signal refused (no id): " + parsed.status().message());
    return reply(ReplyOf(2, "rejected", "", parsed.status().message()));
  }
  const Signal& s = *parsed;
  auto seen = store_.Signal(s.id);
  if (!seen.ok()) return reply(ReplyOf(2, "error", s.id, seen.status().message()));
  if (seen->has_value()) {
    ++counters_.signals_duplicate;
    Log("signal " + s.id + " seen before (" + to_string((*seen)->state) + "): ignored");
    return reply(ReplyOf(1, "duplicate", s.id, "signal " + s.id + " was seen before (" + to_string((*seen)->state) + "): ignored"));
  }
  if (s.action == SignalAction::kClose) return CloseTrade(s, origin, reply);
  if (paused_) return reply(ReplyOf(2, "refused", s.id, "paused: no new entries (keel-ctl resume)"));
  Decimal qty, reference;
  Status ok = CheckSignal(s, qty, reference);
  if (!ok.ok()) return Reject(s.id, s.symbol, origin, SignalJson(s), ok, reply);
  OpenTrade(s, qty, origin, reply);
}

void Engine::Reject(const std::string& id, const std::string& symbol, const std::string& origin,
                    const std::string& payload, const Status& why, const ReplyFn& reply) {
  ++counters_.signals_rejected;
  SignalRecord r;
  r.id = id;
  r.symbol = symbol;
  r.action = payload.find("\"action\":\"close\"") != std::string::npos ? "close" : "open";
  r.origin = origin;
  r.payload = payload;
  r.state = SignalState::kRejected;
  r.detail = why.message();
  r.received_ms = r.updated_ms = clock_.NowMs();
  WriteBatch b(clock_.NowMs());
  b.PutSignal(r, Provenance{Source::kEngine, std::nullopt, "signal refused"});
  Status st = store_.Write(b);
  if (!st.ok()) Log("store error recording refused signal " + id + ": " + st.message());
  Log("signal " + id + " refused: " + why.message());
  reply(ReplyOf(2, "rejected", id, why.message()));
}

Status Engine::CheckSignal(const Signal& s, Decimal& qty, Decimal& reference) {
  auto inst = instruments_.find(s.symbol);
  if (inst == instruments_.end())
    return Status::InvalidInput("symbol: " + s.symbol + " is not a perpetual the exchange lists for trading");
  const Instrument& instrument = inst->second;
  const PositionSide leg = LegFor(s.direction);
  if (Trade* t = ActiveTradeOn(s.symbol, leg))
    return Status::Conflict("symbol: " + s.symbol + " already has an active trade (signal " + t->record.id + ", " +
                            Trade::PhaseName(t->phase) + ")");
  auto held = OpenPositionOf(store_, s.symbol, leg);
  if (!held.ok()) return held.status();
  if (*held)
    return Status::Conflict("symbol: " + s.symbol + " already has an open " + to_string(leg) + " position of " +
                            (*held)->qty.ToString() + ": close it first");
  // The price the size is worked out at: the side of the book the entry takes, else the mark.
  auto book = books_.find(s.symbol);
  auto mark = marks_.find(s.symbol);
  if (book != books_.end()) reference = s.direction == PositionSide::kLong ? book->second.second : book->second.first;
  else if (mark != marks_.end()) reference = mark->second;
  else reference = Decimal();
  if (s.qty) {
    qty = *s.qty;
  } else {
    if (!reference.is_positive())
      return Status::Conflict("notional: no price for " + s.symbol + " yet (no market data): give qty instead");
    auto raw = s.notional->Div(reference, Rounding::kDown);
    if (!raw.ok()) return raw.status();
    qty = *raw;
  }
  auto rounded = instrument.RoundQuantity(qty, Rounding::kDown);
  if (!rounded.ok()) return rounded.status();
  if (*rounded < instrument.min_qty || !rounded->is_positive())
    return Status::InvalidInput((s.qty ? "qty: " : "notional: ") + s.symbol + " needs at least " +
                                instrument.min_qty.ToString() + " (step " + instrument.step_size.ToString() + "), the signal gives " +
                                qty.ToString());
  if (*rounded != qty && s.qty)
    return Status::InvalidInput("qty: " + qty.ToString() + " is not a multiple of " + s.symbol + "'s step " +
                                instrument.step_size.ToString());
  qty = *rounded;
  Decimal notional;
  if (reference.is_positive()) {
    auto n = qty.Mul(reference, Rounding::kUp);
    if (!n.ok()) return n.status();
    notional = *n;
    if (notional < instrument.min_notional)
      return Status::InvalidInput((s.qty ? "qty: " : "notional: ") + qty.ToString() + " " + s.symbol + " is worth " +
                                  notional.ToString() + ", below the exchange's minimum notional " +
                                  instrument.min_notional.ToString());
  }
  // Risk: what the account holds now (positions at the mark, else entry) and the orders resting.
  RiskExposure exposure;
  PositionFilter open;
  open.state = PositionState::kOpen;
  auto positions = store_.Positions(open);
  if (!positions.ok()) return positions.status();
  for (const auto& p : *positions) {
    auto m = marks_.find(p.symbol);
    auto v = p.qty.abs().Mul(m != marks_.end() ? m->second : p.entry_price, Rounding::kUp);
    if (!v.ok()) return v.status();
    exposure.notional[p.symbol] = exposure.notional[p.symbol].Add(*v).value();
    exposure.account_notional = exposure.account_notional.Add(*v).value();
  }
  OrderFilter orders;
  orders.open_only = true;
  auto open_orders = store_.Orders(orders);
  if (!open_orders.ok()) return open_orders.status();
  for (const auto& o : *open_orders) {
    ++exposure.account_open_orders;
    ++exposure.open_orders[o.symbol];
  }
  const int added_orders = 1 + (s.take_profit ? 1 : 0) + (s.entry == EntryKind::kMaker ? 1 : 0);
  KEEL_RETURN_IF_ERROR(CheckRiskLimits(settings_.daemon.risk, exposure, signal_rate_,
                                       RiskRequest{s.symbol, notional, added_orders}, clock_.NowMs()));
  if (s.entry == EntryKind::kMaker)
    return Status::InvalidInput("entry: maker entries are not available yet in this keel; use market");
  return Status::Ok();
}

void Engine::OpenTrade(const Signal& s, Decimal qty, const std::string& origin, ReplyFn reply) {
  const TimeMs now = clock_.NowMs();
  auto t = std::make_unique<Trade>();
  t->signal = s;
  t->leg = LegFor(s.direction);
  t->qty = qty;
  PlaceOrder entry;
  entry.book = OrderBook::kRegular;
  entry.client_order_id = NewClientId(OrderPurpose::kEntry, s.symbol);
  entry.symbol = s.symbol;
  entry.side = OpeningSide(s.direction);
  entry.position_side = t->leg;
  entry.type = OrderType::kMarket;
  entry.qty = qty;

  SignalRecord& r = t->record;
  r.id = s.id;
  r.symbol = s.symbol;
  r.action = "open";
  r.origin = origin;
  r.payload = SignalJson(s);
  r.state = SignalState::kEntering;
  r.position_side = t->leg;
  r.entry_client_order_id = entry.client_order_id;
  r.entry_attempts = 1;
  r.received_ms = now;
  WriteBatch b(now);
  SaveSignal(*t, "entry " + entry.client_order_id + " sent: " + to_string(entry.side) + " " + qty.ToString() + " MARKET",
             Provenance{Source::kEngine, std::nullopt, "signal taken"}, &b);
  b.PutIntent(IntentRecord{entry.client_order_id, OrderPurpose::kEntry, s.symbol, entry.side, t->leg, qty, std::nullopt,
                           "signal " + s.id, now},
              Provenance{Source::kEngine, std::nullopt, "entry of signal " + s.id});
  b.PutOrder(PendingRecordOf(entry, OrderPurpose::kEntry, qty, now),
             Provenance{Source::kEngine, std::nullopt, "sending entry of signal " + s.id});
  Status st = store_.Write(b);
  if (!st.ok()) {
    Log("store error taking signal " + s.id + ": " + st.message());
    return reply(ReplyOf(2, "error", s.id, "the store refused the signal's intent: " + st.message()));
  }
  ++counters_.signals_taken;
  signal_rate_.Record(s.symbol, now);
  const std::string id = s.id;
  Log("signal " + id + " taken: entry " + entry.client_order_id + " " + s.symbol + " " + to_string(entry.side) + " " +
      qty.ToString() + " reason=signal");
  trades_[id] = std::move(t);
  reply(ReplyOf(0, "accepted", id, "entry sent", [&](JsonWriter& w) {
    w.Key("entry_client_order_id").String(entry.client_order_id).Key("qty").Number(qty);
  }));
  SettleOptions settle{settings_.settle_attempts, settings_.settle_interval_ms, settings_.sleep};
  OnWorker<Result<OrderReport>>(
      [entry, settle](Exchange& ex) {
        auto placed = ex.Place(entry);
        if (!placed.ok() && placed.status().IsUnknownOutcome())
          return SettleByClientId(ex, OrderBook::kRegular, entry.symbol, entry.client_order_id, settle);
        return placed;
      },
      [this, id](Result<OrderReport> placed) { OnEntryPlaced(id, std::move(placed)); });
}

// Brings the store's record of a keel order up to an exchange report, unless the record already
// holds something newer (the stream often is) or the change would break the lifecycle.
static void RecordReport(StateStore& store, const Clock& clock, const OrderReport& report, const std::string& why,
                         std::vector<std::string>* log) {
  auto rec = store.Order(report.client_order_id);
  if (!rec.ok() || !*rec) return;
  const OrderRecord& before = **rec;
  if (is_terminal(before.state)) return;
  if (before.exchange_updated_ms && report.update_time && report.update_time < *before.exchange_updated_ms) return;
  OrderRecord after = UpdatedRecordOf(before, report, clock.NowMs());
  if (after.state == before.state && after.filled_qty == before.filled_qty && after.exchange_order_id == before.exchange_order_id)
    return;
  if (after.state != before.state && !check_transition(before.state, after.state).ok()) return;
  WriteBatch b(clock.NowMs());
  b.PutOrder(after, Provenance{Source::kRest, report.update_time ? std::optional<TimeMs>(report.update_time) : std::nullopt, why});
  Status st = store.Write(b);
  if (!st.ok() && log) log->push_back("store error recording " + report.client_order_id + ": " + st.message());
}

static void RecordRefused(StateStore& store, const Clock& clock, const std::string& cid, const std::string& why) {
  auto rec = store.Order(cid);
  if (!rec.ok() || !*rec || (*rec)->state != OrderState::kPendingNew) return;
  OrderRecord after = **rec;
  after.state = OrderState::kRejected;
  after.updated_ms = clock.NowMs();
  WriteBatch b(clock.NowMs());
  b.PutOrder(after, Provenance{Source::kRest, std::nullopt, why});
  (void)store.Write(b);
}

void Engine::OnEntryPlaced(const std::string& id, Result<OrderReport> placed) {
  Trade* t = TradeOf(id);
  if (!t) return;
  const std::string cid = *t->record.entry_client_order_id;
  if (placed.ok()) {
    ++counters_.orders_placed;
    RecordReport(store_, clock_, *placed, "entry placed", &log_);
    Log("entry " + cid + " placed: " + to_string(placed->status));
    const bool dead = placed->status == OrderStatus::kCanceled || placed->status == OrderStatus::kExpired ||
                      placed->status == OrderStatus::kRejected;
    if (dead && placed->filled_qty.is_zero()) {
      t->record.state = SignalState::kFailed;
      SaveSignal(*t, std::string("entry ended ") + to_string(placed->status) + " without a fill",
                 Provenance{Source::kRest, placed->update_time, "entry ended"});
      RaiseAlert(AlertKind::kEntryFailed, id, t->signal.symbol, "signal " + id + ": entry " + cid + " ended " + to_string(placed->status));
      trades_.erase(id);
      return;
    }
    VerifyEntry(id);
    return;
  }
  if (placed.status().IsUnknownOutcome()) {
    ++counters_.orders_unknown;
    SaveSignal(*t, "entry outcome unknown: " + placed.status().message() + "; still asking",
               Provenance{Source::kRest, std::nullopt, "entry unknown"});
    RaiseAlert(AlertKind::kUnknownOutcome, cid, t->signal.symbol,
               "signal " + id + ": the entry " + cid + " may or may not be on the exchange: " + placed.status().message());
    loop_.After(5000, [this, id] { VerifyEntry(id); });
    return;
  }
  ++counters_.orders_rejected;
  RecordRefused(store_, clock_, cid, "refused: " + placed.status().message());
  t->record.state = SignalState::kFailed;
  SaveSignal(*t, "entry refused by the exchange: " + placed.status().message(),
             Provenance{Source::kRest, std::nullopt, "entry refused"});
  RaiseAlert(AlertKind::kEntryFailed, id, t->signal.symbol, "signal " + id + ": entry refused: " + placed.status().message());
  trades_.erase(id);
}

void Engine::VerifyEntry(const std::string& id) {
  Trade* t = TradeOf(id);
  if (!t || t->phase != Trade::Phase::kEntering || t->verify_in_flight) return;
  t->verify_in_flight = true;
  const std::string cid = *t->record.entry_client_order_id;
  const std::string symbol = t->signal.symbol;
  const PositionSide leg = t->leg;
  const Decimal sign = t->signal.direction == PositionSide::kLong ? Decimal::FromInteger(1).value()
                                                                  : Decimal::FromInteger(-1).value();
  // What the stream already proved saves the order query.
  std::optional<OrderReport> known;
  if (auto rec = store_.Order(cid); rec.ok() && *rec && (*rec)->state == OrderState::kFilled) {
    OrderReport r;
    r.client_order_id = cid;
    r.symbol = symbol;
    r.status = OrderStatus::kFilled;
    r.qty = (*rec)->qty;
    r.filled_qty = (*rec)->filled_qty;
    r.avg_price = (*rec)->avg_price.value_or(Decimal());
    r.update_time = (*rec)->exchange_updated_ms.value_or(0);
    known = r;
  }
  const int attempts = settings_.verify_attempts;
  const TimeMs interval = settings_.verify_interval_ms;
  auto sleep = settings_.sleep;
  using Verified = Result<std::pair<OrderReport, PositionReport>>;
  OnWorker<Verified>(
      [=](Exchange& ex) -> Verified {
        std::string last = "not asked yet";
        std::optional<OrderReport> order = known;
        for (int i = 0; i < attempts; ++i) {
          if (i > 0) sleep(interval);
          if (!order || order->status != OrderStatus::kFilled) {
            auto q = ex.Query(OrderBook::kRegular, symbol, cid);
            if (!q.ok()) {
              last = q.status().IsNotFound() ? "the exchange does not show the order yet" : q.status().message();
              continue;  // "not seen yet" is not "not there"
            }
            order = *q;
            const bool ended = q->status == OrderStatus::kCanceled || q->status == OrderStatus::kExpired ||
                               q->status == OrderStatus::kRejected;
            if (ended && q->filled_qty.is_zero()) return std::make_pair(*q, PositionReport{});
            if (q->status != OrderStatus::kFilled && !ended) {
              last = std::string("order ") + to_string(q->status);
              continue;
            }
          }
          auto rows = ex.PositionRows(symbol);
          if (!rows.ok()) {
            last = rows.status().message();
            continue;
          }
          for (const auto& row : *rows) {
            if (row.position_side != leg) continue;
            const bool right_way = row.amount.sign() == sign.sign();
            if (right_way && row.amount.abs() >= order->filled_qty) return std::make_pair(*order, row);
            last = "position reads " + row.amount.ToString() + ", the fill was " + order->filled_qty.ToString();
          }
        }
        return Status::UnknownOutcome("entry " + cid + " not verified after " + std::to_string(attempts) +
                                      " attempts: " + last);
      },
      [this, id](Verified v) { OnEntryVerified(id, std::move(v)); });
}

void Engine::OnEntryVerified(const std::string& id, Result<std::pair<OrderReport, PositionReport>> v) {
  Trade* t = TradeOf(id);
  if (!t) return;
  t->verify_in_flight = false;
  if (t->phase != Trade::Phase::kEntering) return;
  if (!v.ok()) {
    SaveSignal(*t, v.status().message() + "; asking again", Provenance{Source::kRest, std::nullopt, "entry unverified"});
    RaiseAlert(AlertKind::kUnknownOutcome, *t->record.entry_client_order_id, t->signal.symbol,
               "signal " + id + ": " + v.status().message());
    loop_.After(5000, [this, id] { VerifyEntry(id); });
    return;
  }
  const OrderReport& order = v->first;
  const PositionReport& row = v->second;
  RecordReport(store_, clock_, order, "entry verified", &log_);
  if (row.amount.is_zero()) {
    t->record.state = SignalState::kFailed;
    SaveSignal(*t, std::string("entry ended ") + to_string(order.status) + " without a fill",
               Provenance{Source::kRest, order.update_time, "entry ended"});
    trades_.erase(id);
    return;
  }
  // The position: the stream's record when it has one (it is at least as new), else this read.
  auto held = OpenPositionOf(store_, t->signal.symbol, t->leg);
  if (held.ok() && !*held) {
    PositionRecord p;
    p.symbol = row.symbol;
    p.position_side = row.position_side;
    p.qty = row.amount;
    p.entry_price = row.entry_price;
    p.opened_ms = clock_.NowMs();
    p.exchange_updated_ms = row.update_time;
    WriteBatch b(clock_.NowMs());
    b.PutOpenPosition(p, Provenance{Source::kRest, row.update_time, "entry of signal " + id + " verified"});
    Status st = store_.Write(b);
    if (!st.ok()) Log("store error recording the position of " + id + ": " + st.message());
  }
  t->entry_price = order.avg_price.is_positive() ? order.avg_price : row.entry_price;
  t->phase = Trade::Phase::kProtecting;
  t->record.state = SignalState::kOpen;
  SaveSignal(*t, "entry filled: " + order.filled_qty.ToString() + " @ " + t->entry_price.ToString() + "; placing the stop",
             Provenance{Source::kRest, row.update_time, "entry verified"});
  Log("signal " + id + ": entry verified " + row.symbol + " " + row.amount.ToString() + " @ " + t->entry_price.ToString());
  PlaceExit(id, OrderPurpose::kStop);
}

void Engine::PlaceExit(const std::string& id, OrderPurpose purpose) {
  Trade* t = TradeOf(id);
  if (!t) return;
  const bool is_stop = purpose == OrderPurpose::kStop;
  const std::string& symbol = t->signal.symbol;
  const std::string key = symbol + "/" + to_string(t->leg);
  auto held = OpenPositionOf(store_, symbol, t->leg);
  if (!held.ok() || !*held) {
    Log("signal " + id + ": no open position to place the " + to_string(purpose) + " under");
    return;
  }
  const PositionRecord position = **held;
  const bool long_position = position.qty.is_positive();
  const PriceLevel level = is_stop ? t->signal.stop_loss : *t->signal.take_profit;
  const Decimal entry = t->entry_price.is_positive() ? t->entry_price : position.entry_price;
  auto raw = LevelPrice(level, entry, long_position ? PositionSide::kLong : PositionSide::kShort, is_stop);
  const Instrument& instrument = instruments_.at(symbol);
  // Away from the entry for a stop (never closer than asked), toward it for a take-profit.
  const bool round_down = long_position == is_stop;
  auto trigger = raw.ok() ? instrument.RoundPrice(*raw, round_down ? Rounding::kFloor : Rounding::kCeiling) : raw;
  std::string problem;
  if (!trigger.ok()) problem = trigger.status().message();
  else if (!trigger->is_positive()) problem = "the level is at or below zero";
  if (problem.empty()) {
    // A trigger already passed would fire at once (Binance -2021): for a stop that means the loss
    // it limits is already there.
    auto mark = marks_.find(symbol);
    if (mark != marks_.end()) {
      const bool below = long_position == is_stop;
      if (below ? *trigger >= mark->second : *trigger <= mark->second)
        problem = "the " + std::string(is_stop ? "stop" : "take-profit") + " level " + trigger->ToString() +
                  " is already passed (mark " + mark->second.ToString() + ")";
    }
  }
  if (!problem.empty()) {
    if (is_stop) return Rollback(id, "the stop cannot be placed: " + problem);
    t->take_profit_done = true;
    SaveSignal(*t, "take-profit not placed: " + problem, Provenance{Source::kEngine, std::nullopt, "take-profit skipped"});
    return;
  }
  PlaceOrder order;
  order.book = OrderBook::kConditional;
  order.client_order_id = NewClientId(purpose, symbol);
  order.symbol = symbol;
  order.side = long_position ? Side::kSell : Side::kBuy;
  order.position_side = t->leg;
  order.type = is_stop ? OrderType::kStopMarket : OrderType::kTakeProfitMarket;
  order.trigger_price = *trigger;
  order.close_position = true;
  order.mark_price_trigger = true;
  const TimeMs now = clock_.NowMs();
  WriteBatch b(now);
  if (is_stop) t->record.stop_client_order_id = order.client_order_id;
  else t->record.take_profit_client_order_id = order.client_order_id;
  SaveSignal(*t, std::string("placing the ") + to_string(purpose) + " " + order.client_order_id + " at " + trigger->ToString(),
             Provenance{Source::kEngine, std::nullopt, std::string(to_string(purpose)) + " of signal " + id}, &b);
  b.PutIntent(IntentRecord{order.client_order_id, purpose, symbol, order.side, t->leg, position.qty.abs(), *trigger,
                           "signal " + id, now},
              Provenance{Source::kEngine, std::nullopt, std::string(to_string(purpose)) + " of signal " + id});
  b.PutOrder(PendingRecordOf(order, purpose, position.qty.abs(), now),
             Provenance{Source::kEngine, std::nullopt, std::string("sending ") + to_string(purpose)});
  Status st = store_.Write(b);
  if (!st.ok()) {
    Log("store error before placing the " + std::string(to_string(purpose)) + " of " + id + ": " + st.message());
    if (is_stop) Rollback(id, "the stop's intent could not be recorded: " + st.message());
    return;
  }
  if (is_stop) repairing_.insert(key);
  Log("signal " + id + ": " + to_string(purpose) + " " + order.client_order_id + " " + symbol + " " + to_string(order.side) +
      " closePosition trigger " + trigger->ToString() + " MARK_PRICE reason=signal");
  SettleOptions settle{settings_.settle_attempts, settings_.settle_interval_ms, settings_.sleep};
  const std::string cid = order.client_order_id;
  OnWorker<Result<OrderReport>>(
      [order, settle](Exchange& ex) {
        auto placed = ex.Place(order);
        if (!placed.ok() && placed.status().IsUnknownOutcome())
          return SettleByClientId(ex, OrderBook::kConditional, order.symbol, order.client_order_id, settle);
        return placed;
      },
      [this, id, purpose, cid](Result<OrderReport> placed) { OnExitPlaced(id, purpose, cid, std::move(placed)); });
}

void Engine::OnExitPlaced(const std::string& id, OrderPurpose purpose, const std::string& cid, Result<OrderReport> placed) {
  Trade* t = TradeOf(id);
  const bool is_stop = purpose == OrderPurpose::kStop;
  if (t && is_stop) repairing_.erase(t->signal.symbol + "/" + to_string(t->leg));
  if (placed.ok()) {
    ++counters_.orders_placed;
    RecordReport(store_, clock_, *placed, std::string(to_string(purpose)) + " placed", &log_);
  } else if (placed.status().IsUnknownOutcome()) {
    ++counters_.orders_unknown;
  } else {
    ++counters_.orders_rejected;
    RecordRefused(store_, clock_, cid, "refused: " + placed.status().message());
  }
  if (!t) return;
  const bool working = placed.ok() && (placed->status == OrderStatus::kNew || placed->status == OrderStatus::kPartiallyFilled);
  if (!is_stop) {
    t->take_profit_done = true;
    if (!working) {
      if (t->record.take_profit_client_order_id == cid) t->record.take_profit_client_order_id.reset();
      const std::string why = placed.ok() ? std::string("ended ") + to_string(placed->status) : placed.status().message();
      SaveSignal(*t, "take-profit not placed: " + why, Provenance{Source::kRest, std::nullopt, "take-profit refused"});
      RaiseAlert(AlertKind::kEntryFailed, cid, t->signal.symbol, "signal " + id + ": take-profit not placed: " + why);
      return;
    }
    SaveSignal(*t, "protected; take-profit " + cid + " resting", Provenance{Source::kRest, placed->update_time, "take-profit placed"});
    return;
  }
  if (!working) {
    const std::string why = placed.ok() ? std::string("the stop ended ") + to_string(placed->status)
                                        : "the stop was not placed: " + placed.status().message();
    return Rollback(id, why);
  }
  // The position names its stop.
  if (auto held = OpenPositionOf(store_, t->signal.symbol, t->leg); held.ok() && *held) {
    PositionRecord p = **held;
    p.stop_client_order_id = cid;
    WriteBatch b(clock_.NowMs());
    b.PutOpenPosition(p, Provenance{Source::kRest, placed->update_time, "protected by " + cid});
    Status st = store_.Write(b);
    if (!st.ok()) Log("store error naming the stop of " + id + ": " + st.message());
  }
  t->phase = Trade::Phase::kProtected;
  SaveSignal(*t, "protected by stop " + cid + " at " + placed->trigger_price.ToString(),
             Provenance{Source::kRest, placed->update_time, "stop placed"});
  if (t->signal.take_profit && !t->take_profit_done && !t->record.take_profit_client_order_id)
    PlaceExit(id, OrderPurpose::kTakeProfit);
}

void Engine::Rollback(const std::string& id, const std::string& why) {
  Trade* t = TradeOf(id);
  if (!t) return;
  ++counters_.rollbacks;
  t->close_in_flight = true;
  t->phase = Trade::Phase::kClosing;
  t->record.state = SignalState::kClosing;
  SaveSignal(*t, "rolling back: " + why, Provenance{Source::kEngine, std::nullopt, "rollback"});
  Log("signal " + id + ": rolling back " + t->signal.symbol + ": " + why);
  SafeCloseOptions o;
  o.account = settings_.account;
  o.symbol = t->signal.symbol;
  if (hedge_mode_) o.position_side = t->leg;
  o.verify_attempts = settings_.verify_attempts;
  o.verify_interval_ms = settings_.verify_interval_ms;
  o.settle_attempts = settings_.settle_attempts;
  o.settle_interval_ms = settings_.settle_interval_ms;
  const Clock* clock = &clock_;
  o.now = [clock] { return clock->NowMs(); };
  o.sleep = settings_.sleep;
  o.reason = "rollback of signal " + id + ": " + why;
  OnWorker<Result<SafeCloseResult>>(
      [this, o](Exchange& ex) { return SafeClose(ex, &worker_store_, o); },
      [this, id, why](Result<SafeCloseResult> r) {
        Trade* tr = TradeOf(id);
        if (!tr) return;
        tr->close_in_flight = false;
        const std::string symbol = tr->signal.symbol;
        if (r.ok() && (r->verified_flat || r->was_flat)) {
          tr->record.state = SignalState::kRolledBack;
          SaveSignal(*tr, "rolled back (" + why + "): " + (r->was_flat ? std::string("already flat") :
                          "closed " + r->closed_amount.ToString() + ", verified flat"),
                     Provenance{Source::kRest, r->flat_as_of ? std::optional<TimeMs>(r->flat_as_of) : std::nullopt, "rolled back"});
          RaiseAlert(AlertKind::kRollback, id, symbol, "signal " + id + " rolled back on " + symbol + ": " + why +
                                                          (r->was_flat ? "; nothing was open" : "; closed and verified flat"));
        } else {
          tr->record.state = SignalState::kUnresolved;
          const std::string detail = r.ok() ? "close sent but not verified flat" : r.status().message();
          SaveSignal(*tr, "rollback failed (" + why + "): " + detail, Provenance{Source::kRest, std::nullopt, "rollback failed"});
          RaiseAlert(AlertKind::kRollbackFailed, id, symbol,
                     "signal " + id + ": rollback on " + symbol + " not verified: " + detail + " (keel-close-position)");
        }
        tr->finished = true;
        ScheduleExitCleanup(id, "rolled back");
        ForgetIfDone(id);
      });
}

// ---- close signals, flatten ----

void Engine::CloseTrade(const Signal& s, const std::string& origin, ReplyFn reply) {
  SignalRecord r;
  r.id = s.id;
  r.symbol = s.symbol;
  r.action = "close";
  r.origin = origin;
  r.payload = SignalJson(s);
  r.state = SignalState::kClosing;
  r.detail = "closing " + s.symbol;
  r.received_ms = r.updated_ms = clock_.NowMs();
  WriteBatch b(clock_.NowMs());
  b.PutSignal(r, Provenance{Source::kEngine, std::nullopt, "close signal taken"});
  Status st = store_.Write(b);
  if (!st.ok()) return reply(ReplyOf(2, "error", s.id, st.message()));
  ++counters_.signals_taken;
  Flatten(s.symbol, [this, r, reply](EngineReply result) mutable {
    r.state = result.exit_code == 0 ? SignalState::kClosed : SignalState::kUnresolved;
    r.detail = result.exit_code == 0 ? "closed" : "close not verified (exit " + std::to_string(result.exit_code) + ")";
    r.updated_ms = clock_.NowMs();
    WriteBatch done(clock_.NowMs());
    done.PutSignal(r, Provenance{Source::kEngine, std::nullopt, "close signal done"});
    (void)store_.Write(done);
    reply(std::move(result));
  });
}

void Engine::Flatten(std::optional<std::string> symbol, ReplyFn reply) {
  if (!ready_) return reply(ReplyOf(3, "refused", "", "the daemon is starting"));
  if (symbol && !instruments_.count(*symbol))
    return reply(ReplyOf(2, "refused", "", "symbol: " + *symbol + " is not a perpetual the exchange lists for trading"));
  PositionFilter open;
  open.state = PositionState::kOpen;
  if (symbol) open.symbol = symbol;
  auto positions = store_.Positions(open);
  if (!positions.ok()) return reply(ReplyOf(2, "error", "", positions.status().message()));
  // The store's positions, and a read of the exchange for the named symbol (the store may not know
  // one), are closed one leg at a time by SafeClose: side from the exchange, verified flat.
  struct Leg { std::string symbol; std::optional<PositionSide> side; };
  std::vector<Leg> legs;
  for (const auto& p : *positions) legs.push_back({p.symbol, hedge_mode_ ? std::optional<PositionSide>(p.position_side) : std::nullopt});
  if (symbol && legs.empty()) legs.push_back({*symbol, std::nullopt});
  if (legs.empty()) return reply(ReplyOf(0, "flat", "", "no open position in the store"));
  for (auto& [id, t] : trades_) {
    if (symbol && t->signal.symbol != *symbol) continue;
    t->phase = Trade::Phase::kClosing;
    t->close_in_flight = true;
  }
  auto results = std::make_shared<std::vector<std::string>>();
  auto worst = std::make_shared<int>(0);
  auto left = std::make_shared<int>(static_cast<int>(legs.size()));
  const Clock* clock = &clock_;
  for (const auto& leg : legs) {
    SafeCloseOptions o;
    o.account = settings_.account;
    o.symbol = leg.symbol;
    o.position_side = leg.side;
    o.verify_attempts = settings_.verify_attempts;
    o.verify_interval_ms = settings_.verify_interval_ms;
    o.settle_attempts = settings_.settle_attempts;
    o.settle_interval_ms = settings_.settle_interval_ms;
    o.now = [clock] { return clock->NowMs(); };
    o.sleep = settings_.sleep;
    o.reason = "flatten";
    Log("flatten " + leg.symbol + (leg.side ? std::string("/") + to_string(*leg.side) : std::string()) + " reason=operator");
    OnWorker<Result<SafeCloseResult>>(
        [this, o](Exchange& ex) { return SafeClose(ex, &worker_store_, o); },
        [this, leg, results, worst, left, reply](Result<SafeCloseResult> r) {
          std::string line = leg.symbol + ": ";
          int code = 0;
          if (!r.ok()) {
            code = ExitFor(r.status());
            line += r.status().message();
          } else if (r->was_flat) {
            line += "already flat";
          } else if (r->verified_flat) {
            line += "closed " + r->closed_amount.ToString() + ", verified flat";
          } else {
            code = 4;
            line += "close sent, not verified flat";
          }
          Log("flatten " + line);
          results->push_back(line);
          *worst = std::max(*worst, code);
          for (auto& [tid, t] : trades_)
            if (t->signal.symbol == leg.symbol) t->close_in_flight = false;
          AfterPositionChange(leg.symbol, leg.side.value_or(PositionSide::kBoth));
          if (--*left > 0) return;
          reply(ReplyOf(*worst, *worst == 0 ? "flat" : "not-verified", "", "flatten", [&](JsonWriter& w) {
            w.Key("legs").StartArray();
            for (const auto& l : *results) w.String(l);
            w.EndArray();
          }));
        });
  }
}

// ---- start-up: trades that were under way ----

void Engine::RestoreTrades() {
  SignalFilter f;
  f.unfinished_only = true;
  auto signals = store_.Signals(f);
  if (!signals.ok()) {
    Log("store error reading unfinished signals: " + signals.status().message());
    return;
  }
  for (const auto& r : *signals) {
    if (r.action != "open") continue;
    auto s = ParseSignal(r.payload);
    if (!s.ok()) {
      Log("signal " + r.id + ": stored payload unreadable: " + s.status().message());
      continue;
    }
    auto t = std::make_unique<Trade>();
    t->record = r;
    t->signal = *s;
    t->leg = r.position_side.value_or(LegFor(s->direction));
    auto held = OpenPositionOf(store_, r.symbol, t->leg);
    if (held.ok() && *held) {
      t->qty = (*held)->qty.abs();
      t->entry_price = (*held)->entry_price;
    }
    if (r.state == SignalState::kEntering) t->phase = Trade::Phase::kEntering;
    else if (r.state == SignalState::kClosing) t->phase = Trade::Phase::kClosing;
    else t->phase = r.stop_client_order_id ? Trade::Phase::kProtected : Trade::Phase::kProtecting;
    t->take_profit_done = !s->take_profit || r.take_profit_client_order_id.has_value();
    Log("restored signal " + r.id + " (" + to_string(r.state) + ")");
    const std::string id = r.id;
    const SignalState state = r.state;
    trades_[id] = std::move(t);
    if (state == SignalState::kEntering) VerifyEntry(id);
  }
}

// ---- operator commands ----

void Engine::Pause(ReplyFn reply) {
  paused_ = true;
  Log("paused by operator: no new entries");
  reply(ReplyOf(0, "paused", "", "no new entries until resume; protection and exits go on"));
}

void Engine::Resume(ReplyFn reply) {
  paused_ = false;
  Log("resumed by operator");
  reply(ReplyOf(0, "resumed", "", "taking signals"));
}

void Engine::StatusReport(ReplyFn reply) {
  PositionFilter open;
  open.state = PositionState::kOpen;
  auto positions = store_.Positions(open);
  OrderFilter orders;
  orders.open_only = true;
  auto open_orders = store_.Orders(orders);
  JsonWriter w;
  w.StartObject().Key("result").String("status");
  w.Key("account").String(settings_.account);
  w.Key("ready").Bool(ready_).Key("paused").Bool(paused_).Key("shutting_down").Bool(shutting_down_);
  w.Key("hedge_mode").Bool(hedge_mode_).Key("stream_live").Bool(stream_live_);
  w.Key("now_ms").Int(clock_.NowMs());
  w.Key("trades").StartArray();
  for (const auto& [id, t] : trades_) {
    w.StartObject().Key("id").String(id).Key("symbol").String(t->signal.symbol);
    w.Key("phase").String(Trade::PhaseName(t->phase)).Key("detail").String(t->record.detail).EndObject();
  }
  w.EndArray();
  w.Key("positions").StartArray();
  if (positions.ok())
    for (const auto& p : *positions) WriteJson(w, p);
  w.EndArray();
  w.Key("open_orders").StartArray();
  if (open_orders.ok())
    for (const auto& o : *open_orders) WriteJson(w, o);
  w.EndArray();
  const auto& c = counters_;
  w.Key("counters").StartObject();
  w.Key("signals_taken").Int(c.signals_taken).Key("signals_rejected").Int(c.signals_rejected);
  w.Key("signals_duplicate").Int(c.signals_duplicate).Key("orders_placed").Int(c.orders_placed);
  w.Key("orders_rejected").Int(c.orders_rejected).Key("orders_unknown").Int(c.orders_unknown);
  w.Key("cancels").Int(c.cancels).Key("rollbacks").Int(c.rollbacks);
  w.Key("protections_repaired").Int(c.protections_repaired).Key("orphans").Int(c.orphans);
  w.Key("mismatches").Int(c.mismatches).Key("stream_events").Int(c.stream_events).Key("rest_jobs").Int(c.rest_jobs);
  w.EndObject();
  w.Key("alerts").StartArray();
  const std::size_t from = recent_alerts_.size() > 20 ? recent_alerts_.size() - 20 : 0;
  for (std::size_t i = from; i < recent_alerts_.size(); ++i) {
    const Alert& a = recent_alerts_[i];
    w.StartObject().Key("kind").String(to_string(a.kind)).Key("symbol").String(a.symbol);
    w.Key("message").String(a.message).Key("at_ms").Int(a.at).EndObject();
  }
  w.EndArray().EndObject();
  const bool store_ok = positions.ok() && open_orders.ok();
  reply(EngineReply{store_ok ? 0 : 2, w.str()});
}

}  // namespace keel
