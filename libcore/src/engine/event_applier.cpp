#include "keel/engine/event_applier.h"

#include <algorithm>

#include "keel/model/json_writer.h"

namespace keel {
namespace {

std::string key_of(const std::string& symbol, PositionSide side) { return symbol + "/" + to_string(side); }

void add_read(ApplyResult& r, const std::string& symbol) {
  if (std::find(r.rest_reads.begin(), r.rest_reads.end(), symbol) == r.rest_reads.end()) r.rest_reads.push_back(symbol);
}

// The event as the venue sent it, for the journal.
std::string payload_of(const OrderEvent& e) {
  JsonWriter w;
  w.StartObject().Key("book").String(to_string(e.book)).Key("client_order_id").String(e.client_order_id);
  w.Key("exchange_order_id").String(e.exchange_order_id).Key("symbol").String(e.symbol);
  w.Key("side").String(to_string(e.side)).Key("position_side").String(to_string(e.position_side));
  w.Key("type").String(e.venue_type).Key("status").String(e.venue_status);
  w.Key("execution").String(e.venue_execution).Key("time_in_force").String(e.time_in_force);
  w.Key("qty").Number(e.qty).Key("price").Number(e.price).Key("trigger_price").Number(e.trigger_price);
  w.Key("filled_qty").Number(e.filled_qty).Key("avg_price").Number(e.avg_price);
  w.Key("last_qty").Number(e.last_qty).Key("last_price").Number(e.last_price);
  w.Key("reduce_only").Bool(e.reduce_only).Key("close_position").Bool(e.close_position);
  if (!e.expiry_reason.empty()) w.Key("expiry_reason").String(e.expiry_reason);
  if (!e.reason.empty()) w.Key("reason").String(e.reason);
  if (!e.actual_order_id.empty()) w.Key("actual_order_id").String(e.actual_order_id);
  if (!e.exec_id.empty()) w.Key("exec_id").String(e.exec_id);
  if (e.seq) w.Key("seq").Int(*e.seq);
  if (!e.fee.is_zero()) w.Key("fee").Number(e.fee);
  if (!e.realized_profit.is_zero()) w.Key("realized_profit").Number(e.realized_profit);
  w.Key("exchange_generated").Bool(e.exchange_generated);
  w.Key("unrecognized").StartArray();
  for (const auto& u : e.unrecognized) w.String(u);
  w.EndArray().Key("event_time").Int(e.event_time).EndObject();
  return w.str();
}

std::string payload_of(const PositionEvent& e) {
  JsonWriter w;
  w.StartObject().Key("reason").String(e.reason).Key("positions").StartArray();
  for (const auto& p : e.positions) {
    w.StartObject().Key("symbol").String(p.symbol).Key("position_side").String(to_string(p.position_side));
    w.Key("amount").Number(p.amount).Key("entry_price").Number(p.entry_price);
    if (p.seq) w.Key("seq").Int(*p.seq);
    if (!p.venue_status.empty()) w.Key("status").String(p.venue_status);
    w.EndObject();
  }
  w.EndArray().Key("event_time").Int(e.event_time).EndObject();
  return w.str();
}

void journal_event(WriteBatch& b, const std::string& venue_event, TimeMs exchange_ms, const std::string& id,
                   const std::string& symbol, std::string payload) {
  JournalEntry j;
  j.source = Source::kStream;
  j.exchange_ms = exchange_ms;
  j.entity = "stream";
  j.entity_id = id;
  j.symbol = symbol;
  j.event = venue_event;
  j.payload = std::move(payload);
  b.AppendJournal(std::move(j));
}

// The order's own record: its lifecycle, if the event says something keel understands.
void apply_to_order(const OrderRecord& mine, const OrderEvent& e, TimeMs now, WriteBatch& b, ApplyResult& r) {
  if (!e.recognized() || !e.status) {
    r.notes.push_back(e.client_order_id + ": " + e.venue_status + " not applied (not understood): reading by REST");
    add_read(r, e.symbol);
    return;
  }
  if (mine.exchange_updated_ms && e.transaction_time < *mine.exchange_updated_ms) {
    r.notes.push_back(e.client_order_id + ": older than what the store holds: ignored");
    return;
  }
  // An order already ended (often known first from the placement's own answer) hears of its
  // earlier states from the stream in the same millisecond: they are not news, and not illegal.
  if (is_terminal(mine.state) && mine.exchange_updated_ms && e.transaction_time == *mine.exchange_updated_ms &&
      !is_terminal(state_for(*e.status))) {
    r.notes.push_back(e.client_order_id + ": " + e.venue_status + " at the time it ended: already past");
    return;
  }
  OrderRecord next = mine;
  next.state = state_for(*e.status);
  next.filled_qty = e.filled_qty;
  if (e.avg_price.is_positive()) next.avg_price = e.avg_price;
  if (!e.exchange_order_id.empty()) next.exchange_order_id = e.exchange_order_id;
  next.exchange_updated_ms = e.transaction_time;
  if (!next.exchange_created_ms) next.exchange_created_ms = e.transaction_time;
  next.updated_ms = now;
  if (next.state == mine.state && next.filled_qty == mine.filled_qty && is_terminal(mine.state)) return;
  Status legal = mine.state == next.state ? Status::Ok() : check_transition(mine.state, next.state);
  if (!legal.ok()) {
    IncidentRecord i;
    i.kind = IncidentKind::kIllegalTransition;
    i.symbol = e.symbol;
    i.position_side = e.position_side;
    i.client_order_id = e.client_order_id;
    i.detail = std::string(e.venue_event) + " " + e.venue_status + ": " + legal.message();
    i.action = "not applied; reading by REST";
    b.RecordIncident(i);
    add_read(r, e.symbol);
    r.notes.push_back(e.client_order_id + ": " + legal.message());
    return;
  }
  b.PutOrder(next, Provenance{Source::kStream, e.transaction_time, std::string(e.venue_event) + " " + e.venue_status});
  r.notes.push_back(e.client_order_id + ": " + to_string(mine.state) + " -> " + to_string(next.state));
}

// A weighted entry price after adding `add` at `price` to `qty` at `entry` (same sign).
Result<Decimal> blended_entry(Decimal qty, Decimal entry, Decimal add, Decimal price) {
  auto held = qty.abs().Mul(entry, Rounding::kNearest);
  auto added = add.abs().Mul(price, Rounding::kNearest);
  if (!held.ok() || !added.ok()) return Status::InvalidInput("entry price overflow");
  auto total = held->Add(*added);
  auto size = qty.abs().Add(add.abs());
  if (!total.ok() || !size.ok()) return Status::InvalidInput("entry price overflow");
  return total->Div(*size, Rounding::kNearest);
}

void record_liquidation(const OrderEvent& e, const std::string& action, WriteBatch& b, ApplyResult& r) {
  IncidentRecord i;
  i.kind = IncidentKind::kLiquidation;
  i.symbol = e.symbol;
  i.position_side = e.position_side;
  i.client_order_id = e.client_order_id.empty() ? e.exchange_order_id : e.client_order_id;
  i.detail = e.venue_type + " " + e.venue_status + " " + to_string(e.side) + " " + e.last_qty.ToString() + " @ " +
             e.last_price.ToString();
  i.action = action;
  b.RecordIncident(i);
  add_read(r, e.symbol);  // a liquidation touches margin and every order on the symbol
}

// A fill judged by its time against the position keel holds (or, joined by the venue, one no
// position report has counted).
Status apply_fill_by_time(StateStore& store, const OrderEvent& e, const std::string& key, bool keels_order,
                          bool reduce_only, TimeMs now, ReportedChanges* reported, WriteBatch& b, ApplyResult& r) {
  auto held = HeldPositionOf(store, e.symbol, e.position_side);
  if (!held.ok()) return held.status();
  if (e.fill_count == FillCount::kByTime && e.transaction_time < held->newest_exchange_ms) {
    r.notes.push_back(key + ": fill older than the position keel holds: already counted");
    return Status::Ok();
  }
  const Decimal delta = e.side == Side::kBuy ? e.last_qty : e.last_qty.negated();
  if (e.fill_count == FillCount::kNotReported) add_read(r, e.symbol);
  if (e.fill_count == FillCount::kNotReported && e.transaction_time <= held->newest_exchange_ms) {
    r.notes.push_back(key + ": fill with no position report, not newer than the position keel holds: reading by REST");
    return Status::Ok();
  }
  if (e.fill_count == FillCount::kByTime && e.transaction_time == held->newest_exchange_ms) {
    // The exchange reports a fill's position change (ACCOUNT_UPDATE) with the same time. Inside
    // the change that report brought, the fill is counted already; beyond it (two trades in one
    // millisecond, a report lost) nobody can tell: ask.
    if (reported && reported->Take(key, e.transaction_time, delta)) {
      r.notes.push_back(key + ": fill " + delta.ToString() + " already in the position report of its time");
      return Status::Ok();
    }
    r.notes.push_back(key + ": fill at the time of the last position report: reading by REST");
    add_read(r, e.symbol);
    return Status::Ok();
  }
  const bool adl = e.type == OrderType::kAdl || e.venue_type == "ADL" || e.venue_status == "NEW_ADL";
  const std::string why = e.exchange_generated ? (adl ? "auto-deleveraged" : "liquidated") : "filled " + e.client_order_id;
  if (!held->open) {
    if (keels_order && !reduce_only) {
      PositionRecord opened;
      opened.symbol = e.symbol;
      opened.position_side = e.position_side;
      opened.qty = delta;
      opened.entry_price = e.last_price;
      opened.opened_ms = now;
      opened.exchange_updated_ms = e.transaction_time;
      b.PutOpenPosition(opened, Provenance{Source::kStream, e.transaction_time, why});
      r.notes.push_back(key + ": opened " + delta.ToString() + " @ " + e.last_price.ToString());
    } else if (reduce_only && held->newest_exchange_ms > 0) {
      // A reduce-only or closePosition fill cannot open anything: on a leg the store has just
      // closed, it is the fill behind the position push that came first (pushes of different
      // topics arrive in any order; the simulator and the venues stamp the order after the
      // position). Journaled, and nothing to read (seed 004's wasted read).
      r.notes.push_back(key + ": reduce-only fill on a leg already closed by its position report: journaled");
    } else {
      r.notes.push_back(key + ": fill on a position the store does not track: reading by REST");
      add_read(r, e.symbol);
    }
    return Status::Ok();
  }
  PositionRecord p = *held->open;
  auto after = p.qty.Add(delta);
  if (!after.ok()) return after.status();
  if (after->is_zero()) {
    b.ClosePosition(e.symbol, e.position_side, now, why, Provenance{Source::kStream, e.transaction_time, why});
    r.notes.push_back(key + ": closed (" + why + ")");
  } else if (after->sign() != p.qty.sign()) {
    // Turned over: the new side's entry price is not in the event.
    r.notes.push_back(key + ": the fill turns the position over: reading by REST");
    add_read(r, e.symbol);
    return Status::Ok();
  } else {
    if (after->abs() > p.qty.abs()) {
      auto entry = blended_entry(p.qty, p.entry_price, delta, e.last_price);
      if (!entry.ok()) return entry.status();
      p.entry_price = *entry;
    }
    p.qty = *after;
    p.exchange_updated_ms = e.transaction_time;
    b.PutOpenPosition(p, Provenance{Source::kStream, e.transaction_time, why});
    r.notes.push_back(key + ": now " + after->ToString() + " (" + why + ")");
  }
  if (e.exchange_generated)
    record_liquidation(e, after->is_zero() ? "position closed in the store" : "position reduced in the store", b, r);
  return Status::Ok();
}

// The fill's effect on the store's position.
Status apply_fill(StateStore& store, const OrderEvent& e, bool keels_order, bool reduce_only, TimeMs now,
                  ReportedChanges* reported, WriteBatch& b, ApplyResult& r) {
  const std::string key = key_of(e.symbol, e.position_side);
  if (e.fill_count == FillCount::kInPositionReport) {
    auto held = HeldPositionOf(store, e.symbol, e.position_side);
    if (!held.ok()) return held.status();
    if (e.exchange_generated) record_liquidation(e, "position as the exchange reported it", b, r);
    // On a position the store does not hold, the report was one keel could not apply (not in the
    // store): the fill says whose it is, as a fill judged by time does.
    if (!held->open) return apply_fill_by_time(store, e, key, keels_order, reduce_only, now, reported, b, r);
    r.notes.push_back(key + ": fill " + e.last_qty.ToString() + " counted by the position report of seq " +
                      std::to_string(e.seq.value_or(-1)));
    return Status::Ok();
  }
  if (e.fill_count == FillCount::kUnknown) {
    r.notes.push_back(key + ": fill " + e.last_qty.ToString() + " that cannot be joined to a position: reading by REST");
    if (e.exchange_generated) record_liquidation(e, "position read by REST", b, r);
    add_read(r, e.symbol);
    return Status::Ok();
  }
  return apply_fill_by_time(store, e, key, keels_order, reduce_only, now, reported, b, r);
}

}  // namespace

void ReportedChanges::Record(const std::string& key, TimeMs at, Decimal change) {
  auto it = changes_.find(key);
  if (it != changes_.end() && it->second.at == at) {
    // Another report of the same moment adds what it changed (nothing, when it repeats a state
    // already recorded): what earlier reports brought and no fill has taken yet stays.
    auto sum = it->second.left.Add(change);
    if (sum.ok()) it->second.left = *sum;
    return;
  }
  if (it != changes_.end() && at < it->second.at) return;
  changes_[key] = Change{at, change};
}

bool ReportedChanges::Take(const std::string& key, TimeMs at, Decimal delta) {
  auto it = changes_.find(key);
  if (it == changes_.end() || it->second.at != at || delta.is_zero()) return false;
  Decimal& left = it->second.left;
  if (left.sign() != delta.sign() || delta.abs() > left.abs()) return false;
  auto rest = left.Sub(delta);
  if (!rest.ok()) return false;
  left = *rest;
  return true;
}

Result<ApplyResult> ApplyOrderEvent(StateStore& store, const OrderEvent& e, TimeMs now, ReportedChanges* reported) {
  ApplyResult r;
  WriteBatch b(now);
  journal_event(b, std::string(e.venue_event), e.transaction_time, e.client_order_id, e.symbol, payload_of(e));
  if (!e.recognized()) add_read(r, e.symbol);
  auto mine = store.Order(e.client_order_id);  // none: not keel's, or not known to this store
  if (!mine.ok()) return mine.status();
  if (*mine && e.carries_lifecycle) apply_to_order(**mine, e, now, b, r);
  if (e.is_fill() && e.book == OrderBook::kRegular && !e.exec_id.empty()) {
    // A fill the venue names is applied once: the stream adapter drops a repeat it remembers, the
    // store one an earlier process applied (a restart between two deliveries of one execution).
    auto seen = store.ExecutionSeen(e.exec_id);
    if (!seen.ok()) return seen.status();
    if (*seen) {
      r.notes.push_back(key_of(e.symbol, e.position_side) + ": execution " + e.exec_id + " applied before: journaled only");
      KEEL_RETURN_IF_ERROR(store.Write(b).WithContext("journaling a repeated execution " + e.exec_id));
      return r;
    }
    b.RecordExecution(ExecutionRecord{e.exec_id, now, e.transaction_time, e.symbol, e.client_order_id});
  }
  if (e.is_fill() && e.book == OrderBook::kRegular) {
    const bool keels = mine->has_value();
    const bool reduce_only = keels ? (*mine)->reduce_only || (*mine)->close_position : e.reduce_only || e.close_position;
    KEEL_RETURN_IF_ERROR(apply_fill(store, e, keels, reduce_only, now, reported, b, r));
  }
  KEEL_RETURN_IF_ERROR(store.Write(b).WithContext("applying " + std::string(e.venue_event) + " " + e.client_order_id));
  return r;
}

Result<ApplyResult> ApplyPositionEvent(StateStore& store, const PositionEvent& e, TimeMs now,
                                       ReportedChanges* reported) {
  ApplyResult r;
  WriteBatch b(now);
  journal_event(b, std::string(e.venue_event), e.transaction_time, e.reason, e.positions.empty() ? "" : e.positions[0].symbol,
                payload_of(e));
  for (const auto& p : e.positions) {
    const std::string key = key_of(p.symbol, p.position_side);
    auto held = HeldPositionOf(store, p.symbol, p.position_side);
    if (!held.ok()) return held.status();
    if (p.update_time < held->newest_exchange_ms) {  // the stream is ordered: only an older report is out of date
      r.notes.push_back(key + ": older than the position keel holds: ignored");
      continue;
    }
    const std::string why = std::string(e.venue_event) + " " + e.reason;
    if (reported) {
      auto change = p.amount.Sub(held->open ? held->open->qty : Decimal());
      if (change.ok()) reported->Record(key, p.update_time, *change);
    }
    if (p.amount.is_zero()) {
      if (held->open) {
        // Why, where the venue says: Binance's reason (ORDER, ADL, …), Bybit's positionStatus
        // while it closes the position itself (Liq, Adl).
        const std::string& cause = !p.venue_status.empty() && p.venue_status != "Normal" ? p.venue_status : e.reason;
        b.ClosePosition(p.symbol, p.position_side, now, "flat on the exchange" + (cause.empty() ? "" : " (" + cause + ")"),
                        Provenance{Source::kStream, p.update_time, why});
        r.notes.push_back(key + ": closed");
      }
      continue;
    }
    if (!held->open) {
      r.untracked.push_back(key);
      r.notes.push_back(key + ": " + p.amount.ToString() + " on the exchange, not in the store");
      continue;
    }
    PositionRecord next = *held->open;
    // A reduce keeps the average entry and only an add moves it: a new one on a leg that has not
    // grown is a position opened after the held one closed.
    const Decimal& was = held->open->qty;
    const bool other_side = p.amount.is_positive() != was.is_positive();
    const bool reopened = other_side || (p.amount.abs() <= was.abs() && held->open->entry_price.is_positive() &&
                                         p.entry_price.is_positive() && p.entry_price != held->open->entry_price);
    next.qty = p.amount;
    next.entry_price = p.entry_price;
    next.exchange_updated_ms = p.update_time;
    b.PutOpenPosition(next, Provenance{Source::kStream, p.update_time, why});
    if (reopened) {
      r.reopened.push_back(key);
      r.notes.push_back(key + ": now " + p.amount.ToString() + " @ " + p.entry_price.ToString() + " (held " + was.ToString() +
                        " @ " + held->open->entry_price.ToString() + "): closed and opened again unseen");
    } else {
      r.notes.push_back(key + ": now " + p.amount.ToString());
    }
  }
  KEEL_RETURN_IF_ERROR(store.Write(b).WithContext("applying " + std::string(e.venue_event)));
  return r;
}

}  // namespace keel
