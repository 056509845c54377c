#include "keel/safety/ghost_sweep.h"

#include <map>

#include "keel/model/protection.h"
#include "keel/safety/client_ids.h"
#include "keel/safety/sent_order.h"

namespace keel {
namespace {

IncidentRecord OrderIncident(IncidentKind kind, const std::string& symbol, PositionSide position_side,
                             const std::string& client_order_id, std::string detail, std::string action) {
  IncidentRecord incident;
  incident.kind = kind;
  incident.symbol = symbol;
  incident.position_side = position_side;
  incident.client_order_id = client_order_id;
  incident.detail = std::move(detail);
  incident.action = std::move(action);
  return incident;
}

Status record_settlement(StateStore& store, const OrderRecord& before, OrderState state, const OrderReport* report,
                         const std::string& why, TimeMs now,
                         const std::string& found = "not open on the exchange") {
  OrderRecord after = report ? UpdatedRecordOf(before, *report, now) : before;
  after.state = state;  // decided by the caller: the report's, or what its absence means
  after.updated_ms = now;
  WriteBatch b(now);
  b.PutOrder(after, Provenance{Source::kRest, report ? std::optional<TimeMs>(report->update_time) : std::nullopt, why});
  b.RecordIncident(OrderIncident(IncidentKind::kGhostOrder, before.symbol, before.position_side, before.client_order_id,
                                 std::string(to_string(before.state)) + " in the store, " + found,
                                 "settled " + std::string(to_string(state)) + ": " + why));
  return store.Write(b);
}

const PositionReport* CoveredPosition(const OrderReport& x, const std::vector<PositionReport>& positions) {
  if (x.book != OrderBook::kConditional) return nullptr;
  const StopOrder stop = StopOrderOf(x);
  for (const auto& p : positions)
    if (!p.amount.is_zero() && ProtectsPosition(stop, p.symbol, p.position_side, p.amount)) return &p;
  return nullptr;
}

// Records a keel stop found on the exchange and, when the store tracks its position without a
// working stop, names it as that position's stop.
Status adopt_stop(StateStore& store, const StoreView& view, const OrderReport& x, const PositionReport& covered,
                  TimeMs now) {
  const Decimal qty = x.close_position ? covered.amount.abs() : x.qty;
  const OrderRecord record = AdoptedRecordOf(x, OrderPurpose::kStop, qty, now);
  WriteBatch b(now);
  b.PutOrder(record, Provenance{Source::kRest, x.update_time, "adopted: keel's stop found on the exchange"});
  std::string linked = "position untracked in the store (see keel-scan-orphans)";
  if (const PositionRecord* mine = view.OpenPosition(covered.symbol, covered.position_side)) {
    const OrderRecord* current = mine->stop_client_order_id ? view.Order(*mine->stop_client_order_id) : nullptr;
    if (!current || !is_confirmed_working(current->state)) {
      PositionRecord p = *mine;
      p.stop_client_order_id = x.client_order_id;
      b.PutOpenPosition(p, Provenance{Source::kRest, x.update_time, "stop adopted"});
      linked = "named the position's stop";
    } else {
      linked = "the position keeps its stop " + current->client_order_id;
    }
  }
  b.RecordIncident(OrderIncident(IncidentKind::kUnknownOrder, x.symbol, x.position_side, x.client_order_id,
                                 "keel-prefixed stop on the exchange, unknown to the store, protecting an open position",
                                 "adopted; " + linked));
  return store.Write(b);
}

}  // namespace

std::vector<GhostOutcome> SweepGhosts(Exchange& exchange, StateStore* store, const StoreView& view,
                                      const AccountReport& exchange_state, const GhostSweepOptions& o) {
  std::vector<GhostOutcome> out;
  std::map<std::string, const OrderReport*> open_ids;
  for (const auto& x : exchange_state.open_orders) open_ids[x.client_order_id] = &x;

  const bool store_side_only = o.store_side_older_than_ms > 0;
  for (const auto& mine : view.open_orders) {
    if (store_side_only && o.now - mine.updated_ms < o.store_side_older_than_ms) continue;
    auto listed = open_ids.find(mine.client_order_id);
    if (listed != open_ids.end()) {
      // An order whose placement outcome keel never learned, now seen resting: it was accepted.
      if (mine.state != OrderState::kPendingNew) continue;
      const OrderReport& x = *listed->second;
      GhostOutcome g{mine.client_order_id, mine.symbol, x.book, true, "", true};
      const OrderState state = state_for(x.status);
      g.action = "settled " + std::string(to_string(state)) + " (PendingNew in the store, open on the exchange)";
      if (store && o.act) {
        Status s = record_settlement(*store, mine, state, &x, "found open on the exchange", o.now,
                                     "placement outcome was unknown");
        if (!s.ok()) g.ok = false, g.action = "error recording " + std::string(to_string(state)) + ": " + s.message();
      } else {
        g.action = "would be " + g.action;
      }
      out.push_back(g);
      continue;
    }
    GhostOutcome g{mine.client_order_id, mine.symbol,
                   is_conditional(mine.type) ? OrderBook::kConditional : OrderBook::kRegular, true, "", true};
    auto report = exchange.Query(g.book, mine.symbol, mine.client_order_id);
    OrderState state;
    std::string why;
    if (report.ok()) {
      state = state_for(report->status);
      if (!is_terminal(state)) {
        g.action = "found open on query (it was missing from the open-order list): left as it is";
        out.push_back(g);
        continue;
      }
      why = "the exchange reports " + std::string(to_string(report->status));
    } else if (report.status().IsNotFound() && o.now - mine.created_ms < o.absent_after_ms) {
      g.action = "not found yet, " + std::to_string(o.now - mine.created_ms) +
                 " ms after it was sent: left as it is (a lagging read is no proof it is gone)";
      out.push_back(g);
      continue;
    } else if (report.status().IsNotFound() && o.now - mine.created_ms >= exchange.UnfilledOrderRetentionMs()) {
      // Older than the exchange keeps an order that ended without a fill: it is not open, and
      // whether it was ever placed is not known (what it left is the position reads' to say).
      // Never "rejected": nothing is sent again on the strength of it.
      state = OrderState::kExpired;
      why = "too old to read: the exchange keeps an order that ended without a fill " +
            std::to_string(exchange.UnfilledOrderRetentionMs() / 3'600'000) +
            " h, and this one is older; it is not open, whether it was ever placed is unknown";
    } else if (report.status().IsNotFound() && mine.state != OrderState::kPendingNew && mine.exchange_order_id) {
      // The exchange has shown it (its id, a push or an answer), and keeps an order that ended
      // without a fill longer than this one has lived: "no such order" is a read lagging behind
      // its placement (chaos seed 1115631: a Bybit stop settled Expired at start-up while it rested).
      g.action = "not found, though the exchange has shown it (id " + *mine.exchange_order_id +
                 ") and keeps ended orders longer: a lagging read; left as it is";
      out.push_back(g);
      continue;
    } else if (report.status().IsNotFound()) {
      // Never accepted (PendingNew), or finished and purged by the exchange.
      state = mine.state == OrderState::kPendingNew ? OrderState::kRejected : OrderState::kExpired;
      why = "the exchange does not know the order";
    } else {
      g.ok = false;
      g.action = "error: " + report.status().message();
      out.push_back(g);
      continue;
    }
    g.action = "settled " + std::string(to_string(state)) + " (" + why + ")";
    if (store && o.act) {
      Status s = record_settlement(*store, mine, state, report.ok() ? &*report : nullptr, why, o.now);
      if (!s.ok()) {
        g.ok = false;
        g.action = "error recording " + std::string(to_string(state)) + ": " + s.message();
      }
    } else {
      g.action = "would be " + g.action;
    }
    out.push_back(g);
  }

  for (const auto& x : exchange_state.open_orders) {
    if (store_side_only) break;
    if (!IsOwnClientOrderId(o.account, x.client_order_id) || view.Order(x.client_order_id)) continue;
    GhostOutcome g{x.client_order_id, x.symbol, x.book, false, "reported", true};
    // The store may know it as finished while the exchange lists it open: the store is wrong, and a
    // cancel could take a live stop away. Left to a person.
    if (store) {
      auto known = store->Order(x.client_order_id);
      if (!known.ok()) {
        g.ok = false;
        g.action = "error reading the store: " + known.status().message();
        out.push_back(g);
        continue;
      }
      if (*known) {
        g.action = std::string("open on the exchange but ") + to_string((*known)->state) +
                   " in the store: left alone, check it by hand";
        out.push_back(g);
        continue;
      }
    }
    if (const PositionReport* covered = CoveredPosition(x, exchange_state.positions)) {
      // A stop of an open position, maybe its last one: adopted, never cancelled.
      const std::string key = covered->symbol + "/" + to_string(covered->position_side);
      if (!o.act || !store) {
        g.action = "would adopt: it protects open position " + key;
      } else {
        Status s = adopt_stop(*store, view, x, *covered, o.now);
        g.action = s.ok() ? "adopted: it protects open position " + key : "error adopting: " + s.message();
        g.ok = s.ok();
      }
      out.push_back(g);
      continue;
    }
    if (!o.act) {
      out.push_back(g);
      continue;
    }
    // Asked before cancelling: it may have filled or ended since the list was read.
    auto current = exchange.Query(x.book, x.symbol, x.client_order_id);
    if (!current.ok() && !current.status().IsNotFound()) {
      g.ok = false;
      g.action = "error querying before the cancel: " + current.status().message();
      out.push_back(g);
      continue;
    }
    if (!current.ok() || is_terminal(current->status)) {
      g.action = current.ok() ? std::string("already ") + to_string(current->status) : std::string("already gone");
    } else {
      auto cancelled = exchange.Cancel(x.book, x.symbol, x.client_order_id);
      if (cancelled.ok() || cancelled.status().IsNotFound()) {
        g.action = cancelled.ok() ? "cancelled" : "already gone";
      } else {
        g.ok = false;
        g.action = "error cancelling: " + cancelled.status().message();
      }
    }
    if (g.ok && store) {
      WriteBatch b(o.now);
      b.RecordIncident(OrderIncident(IncidentKind::kUnknownOrder, x.symbol, x.position_side, x.client_order_id,
                                     "keel-prefixed order on the exchange, unknown to the store", g.action));
      Status s = store->Write(b);
      if (!s.ok()) {
        g.ok = false;
        g.action += "; recording it failed: " + s.message();
      }
    }
    out.push_back(g);
  }
  return out;
}

}  // namespace keel
