#include "keel/safety/ghost_sweep.h"

#include <map>

#include "keel/safety/client_ids.h"

namespace keel {
namespace {

Status record_settlement(StateStore& store, const OrderRecord& before, OrderState state, const OrderReport* report,
                         const std::string& why, TimeMs now,
                         const std::string& found = "not open on the exchange") {
  OrderRecord after = before;
  after.state = state;
  after.updated_ms = now;
  if (report) {
    after.filled_qty = report->filled_qty;
    if (report->avg_price.is_positive()) after.avg_price = report->avg_price;
    if (!report->exchange_order_id.empty()) after.exchange_order_id = report->exchange_order_id;
    after.exchange_updated_ms = report->update_time;
  }
  WriteBatch b(now);
  b.PutOrder(after, Provenance{Source::kRest, report ? std::optional<TimeMs>(report->update_time) : std::nullopt, why});
  IncidentRecord incident;
  incident.kind = IncidentKind::kGhostOrder;
  incident.symbol = before.symbol;
  incident.position_side = before.position_side;
  incident.client_order_id = before.client_order_id;
  incident.detail = std::string(to_string(before.state)) + " in the store, " + found;
  incident.action = "settled " + std::string(to_string(state)) + ": " + why;
  b.RecordIncident(incident);
  return store.Write(b);
}

}  // namespace

std::vector<GhostOutcome> SweepGhosts(Exchange& exchange, StateStore* store, const StoreView& view,
                                      const std::vector<OrderReport>& open_on_exchange, const GhostSweepOptions& o) {
  std::vector<GhostOutcome> out;
  std::map<std::string, const OrderReport*> open_ids;
  for (const auto& x : open_on_exchange) open_ids[x.client_order_id] = &x;

  for (const auto& mine : view.open_orders) {
    auto listed = open_ids.find(mine.client_order_id);
    if (listed != open_ids.end()) {
      // An order whose placement outcome keel never learned, now seen resting: it was accepted.
      if (mine.state != OrderState::kPendingNew) continue;
      const OrderReport& x = *listed->second;
      GhostOutcome g{mine.client_order_id, mine.symbol, x.book, true, "", true};
      const OrderState state = state_for(x.status);
      g.action = "settled " + std::string(to_string(state)) + " (PendingNew in the store, open on the exchange)";
      if (store) {
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
    if (store) {
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

  for (const auto& x : open_on_exchange) {
    if (!IsOwnClientOrderId(o.account, x.client_order_id) || view.Order(x.client_order_id)) continue;
    GhostOutcome g{x.client_order_id, x.symbol, x.book, false, "reported", true};
    if (o.cancel_unknown) {
      auto cancelled = exchange.Cancel(x.book, x.symbol, x.client_order_id);
      if (cancelled.ok() || cancelled.status().IsNotFound()) {
        g.action = cancelled.ok() ? "cancelled" : "already gone";
        if (store) {
          IncidentRecord incident;
          incident.kind = IncidentKind::kUnknownOrder;
          incident.symbol = x.symbol;
          incident.position_side = x.position_side;
          incident.client_order_id = x.client_order_id;
          incident.detail = "keel-prefixed order on the exchange, unknown to the store";
          incident.action = g.action;
          WriteBatch b(o.now);
          b.RecordIncident(incident);
          Status s = store->Write(b);
          if (!s.ok()) {
            g.ok = false;
            g.action += "; recording it failed: " + s.message();
          }
        }
      } else {
        g.ok = false;
        g.action = "error cancelling: " + cancelled.status().message();
      }
    }
    out.push_back(g);
  }
  return out;
}

}  // namespace keel
