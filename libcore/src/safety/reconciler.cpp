#include "keel/safety/reconciler.h"

#include "keel/model/enum_names.h"
#include "keel/model/json_writer.h"
#include "keel/safety/client_ids.h"
#include "keel/store/record_json.h"

namespace keel {
namespace {

constexpr detail::EnumNames<MismatchKind, 6> kKinds{{{MismatchKind::kStoreOpenExchangeFlat, "store-open-exchange-flat"},
                                                    {MismatchKind::kExchangeOpenStoreFlat, "exchange-open-store-flat"},
                                                    {MismatchKind::kQuantity, "quantity"},
                                                    {MismatchKind::kSide, "side"},
                                                    {MismatchKind::kOrderStoreOnly, "order-store-only"},
                                                    {MismatchKind::kOrderExchangeOnly, "order-exchange-only"}}};

Decimal rounded(Decimal amount, const std::string& symbol, const ReconcileOptions& o) {
  auto it = o.step_sizes.find(symbol);
  if (it == o.step_sizes.end()) return amount;
  auto r = amount.RoundTo(it->second, Rounding::kNearest);
  return r.ok() ? *r : amount;
}

}  // namespace

const char* to_string(MismatchKind k) { return detail::enum_name(kKinds, k); }
Result<MismatchKind> parse_mismatch_kind(std::string_view t) { return detail::parse_enum(kKinds, t, "kind"); }

Reconciliation Reconcile(const AccountReport& exchange, const StoreView& store, const ReconcileOptions& o) {
  Reconciliation r;
  std::set<std::pair<std::string, PositionSide>> on_exchange;
  for (const auto& p : exchange.positions) {
    if (p.amount.is_zero()) continue;
    on_exchange.insert({p.symbol, p.position_side});
    const std::string key = p.symbol + "/" + to_string(p.position_side);
    const PositionRecord* mine = store.OpenPosition(p.symbol, p.position_side);
    Mismatch m{MismatchKind::kExchangeOpenStoreFlat, p.symbol, p.position_side, Decimal(), p.amount,
               p.entry_price, p.update_time, "", ""};
    if (!mine) {
      m.detail = "open on the exchange (" + p.amount.ToString() + " @ " + p.entry_price.ToString() + "), flat in the store";
    } else {
      m.store_amount = mine->qty;
      m.detail = "store holds " + mine->qty.ToString() + ", exchange " + p.amount.ToString();
      if (mine->qty.sign() != p.amount.sign()) {
        m.kind = MismatchKind::kSide;
      } else if (rounded(mine->qty, p.symbol, o) != rounded(p.amount, p.symbol, o)) {
        m.kind = MismatchKind::kQuantity;
      } else {
        continue;  // they agree, whatever the read's age: an unchanged position keeps its old time
      }
    }
    // A read no newer than what keel applied cannot overrule it (seed 004): it is reported, not a mismatch.
    const TimeMs newest = store.NewestPositionTime(p.symbol, p.position_side);
    if (IsStaleObservation(p.update_time, newest)) {
      r.ignored.push_back(key + ": not compared, the exchange's read (updated " + format_utc(p.update_time) +
                          ") is not newer than what keel applied (" + format_utc(newest) + "): stale");
      continue;
    }
    r.mismatches.push_back(m);
  }
  for (const auto& mine : store.open_positions) {
    if (on_exchange.count({mine.symbol, mine.position_side})) continue;
    const std::string key = mine.symbol + "/" + to_string(mine.position_side);
    if (o.now - mine.opened_ms < o.grace_ms) {
      r.ignored.push_back(key + ": not compared yet, opened in the store " + std::to_string(o.now - mine.opened_ms) +
                          " ms ago (grace period " + std::to_string(o.grace_ms) + " ms)");
      continue;
    }
    // No evidence time yet: the account-wide read has no row for a flat position, and another
    // symbol's time would make the stale-read guard hide this one's next real row.
    r.mismatches.push_back({MismatchKind::kStoreOpenExchangeFlat, mine.symbol, mine.position_side, mine.qty, Decimal(),
                            Decimal(), 0, "", "open in the store (" + mine.qty.ToString() + "), flat on the exchange"});
  }
  std::set<std::string> exchange_ids;
  for (const auto& x : exchange.open_orders) {
    exchange_ids.insert(x.client_order_id);
    if (IsOwnClientOrderId(o.account, x.client_order_id) && !store.Order(x.client_order_id)) {
      r.mismatches.push_back({MismatchKind::kOrderExchangeOnly, x.symbol, x.position_side, Decimal(), Decimal(),
                              Decimal(), x.update_time, x.client_order_id,
                              "open on the exchange (" + std::string(to_string(x.book)) + "), unknown to the store"});
    }
  }
  for (const auto& mine : store.open_orders) {
    if (exchange_ids.count(mine.client_order_id)) continue;
    r.mismatches.push_back({MismatchKind::kOrderStoreOnly, mine.symbol, mine.position_side, Decimal(), Decimal(),
                            Decimal(), 0, mine.client_order_id,
                            std::string(to_string(mine.state)) + " in the store, not open on the exchange"});
  }
  return r;
}

Status AttachFlatEvidence(Exchange& exchange, const StoreView& store, std::vector<Mismatch>& mismatches) {
  for (auto& m : mismatches) {
    if (m.kind != MismatchKind::kStoreOpenExchangeFlat) continue;
    auto rows = exchange.PositionRows(m.symbol);
    if (!rows.ok()) return rows.status().WithContext("reading the evidence for " + m.symbol);
    const TimeMs known = store.NewestPositionTime(m.symbol, m.position_side);
    // A flat row as new as keel's record, not newer: a position closed in the millisecond it opened
    // (a liquidation in the entry's own ms) reads flat with that very time, and no later read is
    // ever newer. It is proof when no fill in the symbol is newer either (as in SafeClose, 602484).
    auto same_ms_close = [&](TimeMs row_time, TimeMs record_time) {
      if (record_time <= 0 || row_time != record_time) return false;
      auto last_fill = exchange.LastFillTime(m.symbol);
      return last_fill.ok() && row_time >= last_fill->value_or(0);
    };
    m.exchange_time = 0;
    for (const auto& row : *rows) {
      if (row.position_side != m.position_side) continue;
      if (!row.amount.is_zero()) {
        m.detail += "; its own row now shows " + row.amount.ToString() + ": not fixed";
      } else if (IsStaleObservation(row.update_time, known) && !same_ms_close(row.update_time, known)) {
        m.detail += "; its flat row (" + format_utc(row.update_time) + ") is not newer than keel's record (" +
                    format_utc(known) + "): not proven, not fixed";
      } else {
        m.exchange_time = row.update_time;
        m.detail += "; flat since " + format_utc(row.update_time);
      }
    }
  }
  return Status::Ok();
}

Result<std::vector<Mismatch>> ApplyReconcileFixes(StateStore& store, const std::vector<Mismatch>& mismatches,
                                                  const std::set<MismatchKind>& fix, TimeMs now) {
  std::vector<Mismatch> applied;
  auto view = LoadStoreView(store);
  if (!view.ok()) return view.status();
  for (const auto& m : mismatches) {
    if (!fix.count(m.kind)) continue;
    if (m.kind == MismatchKind::kOrderStoreOnly || m.kind == MismatchKind::kOrderExchangeOnly) continue;
    if (m.exchange_time == 0) continue;  // no evidence of its own: nothing is changed
    const Provenance evidence{Source::kRest, m.exchange_time ? std::optional<TimeMs>(m.exchange_time) : std::nullopt,
                              std::string("reconcile ") + to_string(m.kind)};
    WriteBatch b(now);
    const PositionRecord* before = view->OpenPosition(m.symbol, m.position_side);
    JsonWriter payload;
    payload.StartObject().Key("before");
    if (before) WriteJson(payload, *before);
    else payload.Null();
    std::string action;
    if (m.kind == MismatchKind::kStoreOpenExchangeFlat) {
      b.ClosePosition(m.symbol, m.position_side, now, "reconciled: flat on the exchange", evidence);
      payload.Key("after").Null();
      action = "closed in the store";
    } else {
      PositionRecord after = before ? *before : PositionRecord{};
      after.symbol = m.symbol;
      after.position_side = m.position_side;
      after.qty = m.exchange_amount;
      after.entry_price = m.exchange_entry_price;
      after.state = PositionState::kOpen;
      if (!before) after.opened_ms = now;
      after.exchange_updated_ms = m.exchange_time;
      b.PutOpenPosition(after, evidence);
      payload.Key("after");
      WriteJson(payload, after);
      action = before ? "store updated to the exchange's position" : "adopted into the store";
    }
    payload.Key("evidence").String(m.detail).EndObject();
    JournalEntry entry;
    entry.source = Source::kRest;
    entry.exchange_ms = evidence.exchange_ms;
    entry.entity = "reconcile";
    entry.entity_id = m.symbol + "/" + to_string(m.position_side);
    entry.symbol = m.symbol;
    entry.event = to_string(m.kind);
    entry.payload = payload.str();
    b.AppendJournal(entry);
    IncidentRecord incident;
    incident.kind = m.kind == MismatchKind::kExchangeOpenStoreFlat ? IncidentKind::kOrphanPosition : IncidentKind::kMismatch;
    incident.symbol = m.symbol;
    incident.position_side = m.position_side;
    incident.detail = m.detail;
    incident.action = action;
    b.RecordIncident(incident);
    Status s = store.Write(b);
    if (!s.ok()) return s.WithContext("fixing " + std::string(to_string(m.kind)) + " on " + m.symbol);
    applied.push_back(m);
  }
  return applied;
}

}  // namespace keel
