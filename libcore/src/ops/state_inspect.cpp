#include "keel/ops/state_inspect.h"

#include <map>

#include "keel/model/enum_names.h"
#include "keel/ops/exit_code.h"
#include "keel/ops/table.h"
#include "keel/store/export.h"
#include "keel/store/record_json.h"

#include "keel/ops/timeline.h"
#include "keel/store/export.h"

namespace keel::ops {
namespace {

constexpr detail::EnumNames<InspectView, 8> kViews{{{InspectView::kSummary, "summary"},
                                                   {InspectView::kOrders, "orders"},
                                                   {InspectView::kPositions, "positions"},
                                                   {InspectView::kIntents, "intents"},
                                                   {InspectView::kJournal, "journal"},
                                                   {InspectView::kIncidents, "incidents"},
                                                   {InspectView::kSignals, "signals"},
                                                   {InspectView::kTimeline, "timeline"}}};

std::string opt(const std::optional<Decimal>& d) { return d ? d->ToString() : "-"; }
std::string opt(const std::optional<std::string>& s) { return s ? *s : "-"; }
std::string opt_time(const std::optional<TimeMs>& t) { return t ? format_utc(*t) : "-"; }

RecordFilter base_filter(const InspectOptions& o) {
  RecordFilter f;
  f.symbol = o.symbol;
  f.since_ms = o.since_ms;
  f.limit = o.limit;
  return f;
}

Result<OrderFilter> order_filter(const InspectOptions& o) {
  OrderFilter f;
  static_cast<RecordFilter&>(f) = base_filter(o);
  if (o.state) {
    if (*o.state == "open") {
      f.open_only = true;
    } else {
      auto s = parse_order_state(*o.state);
      if (!s.ok()) return Status::InvalidInput("--state: " + s.status().message() + " or open");
      f.state = *s;
    }
  }
  return f;
}

Result<PositionFilter> position_filter(const InspectOptions& o) {
  PositionFilter f;
  static_cast<RecordFilter&>(f) = base_filter(o);
  if (o.state) {
    auto s = parse_position_state(*o.state);
    if (!s.ok()) return Status::InvalidInput("--state: " + s.status().message());
    f.state = *s;
  }
  return f;
}

// The signals view's --state: one signal state or "unfinished"; filtered after reading.
Result<std::optional<SignalState>> signal_state_filter(const InspectOptions& o) {
  if (!o.state || *o.state == "unfinished") return std::optional<SignalState>();
  auto s = parse_signal_state(*o.state);
  if (!s.ok()) return Status::InvalidInput("--state: " + s.status().message() + " or unfinished");
  return std::optional<SignalState>(*s);
}

template <typename T>
void json_array(JsonWriter& w, const char* key, const std::vector<T>& rows) {
  w.Key(key).StartArray();
  for (const auto& r : rows) WriteJson(w, r);
  w.EndArray();
}

void order_table(const std::vector<OrderRecord>& orders, std::ostream& out) {
  Table t({"CLIENT ORDER ID", "SYMBOL", "SIDE", "POS", "TYPE", "PURPOSE", "STATE", "QTY", "FILLED", "PRICE", "STOP",
           "RO", "UPDATED"});
  for (const auto& o : orders) {
    t.AddRow({o.client_order_id, o.symbol, to_string(o.side), to_string(o.position_side), to_string(o.type),
              to_string(o.purpose), to_string(o.state), o.qty.ToString(), o.filled_qty.ToString(), opt(o.price),
              opt(o.stop_price), o.reduce_only ? "yes" : "no", format_utc(o.updated_ms)});
  }
  t.Print(out);
}

void incident_table(const std::vector<IncidentRecord>& incidents, std::ostream& out) {
  Table t({"ID", "TIME", "KIND", "SYMBOL", "POS", "ORDER", "DETAIL", "ACTION"});
  for (const auto& i : incidents) {
    t.AddRow({std::to_string(i.id), format_utc(i.local_ms), to_string(i.kind), i.symbol,
              i.position_side ? to_string(*i.position_side) : "-", opt(i.client_order_id), i.detail, i.action});
  }
  t.Print(out);
}

std::string protection_text(const PositionRecord& p, const std::map<std::string, OrderRecord>& orders) {
  if (!p.stop_client_order_id) return "NONE";
  auto it = orders.find(*p.stop_client_order_id);
  if (it == orders.end()) return "MISSING " + *p.stop_client_order_id;
  const OrderRecord& s = it->second;
  std::string text = std::string(to_string(s.type)) + " " + opt(s.stop_price) + " " + to_string(s.state);
  if (!is_confirmed_working(s.state)) text = "UNPROTECTED (" + text + ")";
  return text + " " + s.client_order_id;
}

Result<int> summary(StateStore& store, const InspectOptions& o, std::ostream& out) {
  PositionFilter pf;
  pf.symbol = o.symbol;
  pf.state = PositionState::kOpen;
  auto positions = store.Positions(pf);
  if (!positions.ok()) return positions.status();
  OrderFilter of;
  of.symbol = o.symbol;
  auto all_orders = store.Orders(of);  // stops named by positions may be in any state
  if (!all_orders.ok()) return all_orders.status();
  std::map<std::string, OrderRecord> by_id;
  std::vector<OrderRecord> open_orders;
  for (const auto& order : *all_orders) {
    by_id.emplace(order.client_order_id, order);
    if (!is_terminal(order.state)) open_orders.push_back(order);
  }
  RecordFilter inf = base_filter(o);
  if (!inf.limit) inf.limit = 10;
  auto incidents = store.Incidents(inf);
  if (!incidents.ok()) return incidents.status();

  if (o.json) {
    JsonWriter w(true);
    w.StartObject();
    w.Key("open_positions").StartArray();
    for (const auto& p : *positions) {
      w.StartObject();
      w.Key("position");
      WriteJson(w, p);
      w.Key("stop");
      auto it = p.stop_client_order_id ? by_id.find(*p.stop_client_order_id) : by_id.end();
      if (it == by_id.end()) w.Null(); else WriteJson(w, it->second);
      w.Key("protected").Bool(it != by_id.end() && is_confirmed_working(it->second.state));
      w.EndObject();
    }
    w.EndArray();
    json_array(w, "open_orders", open_orders);
    json_array(w, "latest_incidents", *incidents);
    w.EndObject();
    out << w.str() << '\n';
    return kExitAllClear;
  }
  out << "Store " << o.store_label << "\n\nOpen positions: " << positions->size() << '\n';
  Table pt({"SYMBOL", "SIDE", "QTY", "ENTRY", "OPENED", "PROTECTION"});
  for (const auto& p : *positions) {
    pt.AddRow({p.symbol, to_string(p.position_side), p.qty.ToString(), p.entry_price.ToString(),
               format_utc(p.opened_ms), protection_text(p, by_id)});
  }
  pt.Print(out);
  out << "\nOpen orders: " << open_orders.size() << '\n';
  order_table(open_orders, out);
  out << "\nLatest incidents: " << incidents->size() << '\n';
  incident_table(*incidents, out);
  return kExitAllClear;
}

// The journal of one symbol over a window: a table, JSON, or one self-contained HTML page.
Result<int> timeline_view(StateStore& store, const InspectOptions& o, std::ostream& out) {
  TimelineOptions t;
  t.symbol = *o.symbol;
  t.from_ms = o.from_ms;
  t.to_ms = o.to_ms;
  t.title = o.store_label;
  auto rows = ReadTimeline(store, t);
  if (!rows.ok()) return rows.status();
  if (!o.html_path.empty()) {
    KEEL_RETURN_IF_ERROR(WriteFileAtomically(o.html_path, TimelineHtml(*rows, t)));
    out << "wrote the timeline of " << t.symbol << " (" << rows->size() << " journal rows) to " << o.html_path << '\n';
    return kExitAllClear;
  }
  if (o.json) PrintTimelineJson(*rows, t, out);
  else PrintTimelineTable(*rows, out);
  return kExitAllClear;
}

Result<int> view(StateStore& store, const InspectOptions& o, std::ostream& out) {
  JsonWriter w(true);
  w.StartObject();
  switch (o.view) {
    case InspectView::kSummary: return summary(store, o, out);
    case InspectView::kTimeline: return timeline_view(store, o, out);
    case InspectView::kOrders: {
      auto f = order_filter(o);
      if (!f.ok()) return f.status();
      auto rows = store.Orders(*f);
      if (!rows.ok()) return rows.status();
      if (o.json) { json_array(w, "orders", *rows); break; }
      order_table(*rows, out);
      return kExitAllClear;
    }
    case InspectView::kPositions: {
      auto f = position_filter(o);
      if (!f.ok()) return f.status();
      auto rows = store.Positions(*f);
      if (!rows.ok()) return rows.status();
      if (o.json) { json_array(w, "positions", *rows); break; }
      Table t({"ID", "SYMBOL", "SIDE", "QTY", "ENTRY", "STATE", "OPENED", "CLOSED", "EXIT REASON", "STOP"});
      for (const auto& p : *rows) {
        t.AddRow({std::to_string(p.id), p.symbol, to_string(p.position_side), p.qty.ToString(),
                  p.entry_price.ToString(), to_string(p.state), format_utc(p.opened_ms), opt_time(p.closed_ms),
                  opt(p.exit_reason), opt(p.stop_client_order_id)});
      }
      t.Print(out);
      return kExitAllClear;
    }
    case InspectView::kIntents: {
      auto rows = store.Intents(base_filter(o));
      if (!rows.ok()) return rows.status();
      if (o.json) { json_array(w, "intents", *rows); break; }
      Table t({"CLIENT ORDER ID", "SYMBOL", "PURPOSE", "SIDE", "POS", "QTY", "PRICE", "CREATED", "REASON"});
      for (const auto& i : *rows) {
        t.AddRow({i.client_order_id, i.symbol, to_string(i.purpose), to_string(i.side), to_string(i.position_side),
                  i.qty.ToString(), opt(i.price), format_utc(i.created_ms), i.reason});
      }
      t.Print(out);
      return kExitAllClear;
    }
    case InspectView::kJournal: {
      auto rows = store.Journal(base_filter(o));
      if (!rows.ok()) return rows.status();
      if (o.json) { json_array(w, "journal", *rows); break; }
      Table t({"SEQ", "TIME", "EXCHANGE TIME", "SOURCE", "ENTITY", "ID", "EVENT"});
      for (const auto& j : *rows) {
        t.AddRow({std::to_string(j.seq), format_utc(j.local_ms), opt_time(j.exchange_ms), to_string(j.source),
                  j.entity, j.entity_id, j.event});
      }
      t.Print(out);
      return kExitAllClear;
    }
    case InspectView::kSignals: {
      auto state = signal_state_filter(o);
      if (!state.ok()) return state.status();
      SignalFilter f;
      static_cast<RecordFilter&>(f) = base_filter(o);
      f.unfinished_only = o.state && *o.state == "unfinished";
      auto read = store.Signals(f);
      if (!read.ok()) return read.status();
      std::vector<SignalRecord> rows;
      for (auto& r : *read)
        if (!*state || r.state == **state) rows.push_back(std::move(r));
      if (o.json) { json_array(w, "signals", rows); break; }
      Table t({"ID", "SYMBOL", "ACTION", "STATE", "SIDE", "ENTRY", "STOP", "TAKE PROFIT", "RECEIVED", "DETAIL"});
      for (const auto& r : rows) {
        t.AddRow({r.id, r.symbol, r.action, to_string(r.state), r.position_side ? to_string(*r.position_side) : "-",
                  opt(r.entry_client_order_id), opt(r.stop_client_order_id), opt(r.take_profit_client_order_id),
                  format_utc(r.received_ms), r.detail});
      }
      t.Print(out);
      return kExitAllClear;
    }
    case InspectView::kIncidents: {
      auto rows = store.Incidents(base_filter(o));
      if (!rows.ok()) return rows.status();
      if (o.json) { json_array(w, "incidents", *rows); break; }
      incident_table(*rows, out);
      return kExitAllClear;
    }
  }
  w.EndObject();
  out << w.str() << '\n';
  return kExitAllClear;
}

Result<int> check(StateStore& store, const InspectOptions& o, std::ostream& out) {
  auto findings = CheckStoreInvariants(store, o.invariants);
  if (!findings.ok()) return findings.status();
  if (o.json) {
    JsonWriter w(true);
    w.StartObject();
    w.Key("ok").Bool(findings->empty());
    w.Key("findings").StartArray();
    for (const auto& f : *findings) {
      w.StartObject().Key("kind").String(f.kind).Key("subject").String(f.subject).Key("message").String(f.message);
      w.EndObject();
    }
    w.EndArray().EndObject();
    out << w.str() << '\n';
  } else if (findings->empty()) {
    out << "ok: " << o.store_label << " is intact and every invariant holds\n";
  } else {
    for (const auto& f : *findings) out << f.kind << ' ' << f.subject << ": " << f.message << '\n';
  }
  return findings->empty() ? kExitAllClear : kExitFindings;
}

}  // namespace

Result<InspectView> parse_inspect_view(std::string_view text) { return detail::parse_enum(kViews, text, "view"); }

Status ValidateInspectOptions(const InspectOptions& o) {
  if (o.state && o.view != InspectView::kOrders && o.view != InspectView::kPositions && o.view != InspectView::kSignals)
    return Status::InvalidInput("--state applies to the orders, positions and signals views only");
  if (o.limit && *o.limit < 0) return Status::InvalidInput("--limit: expected a number >= 0");
  const bool timeline = o.view == InspectView::kTimeline;
  if (!timeline && (o.from_ms || o.to_ms || !o.html_path.empty()))
    return Status::InvalidInput("--from, --to and --html apply to the timeline view only");
  if (timeline && !o.symbol) return Status::InvalidInput("timeline: --symbol is required (the symbol of the incident)");
  if (timeline && (o.since_ms || o.limit)) return Status::InvalidInput("timeline: the window is --from and --to (not --since, --limit)");
  if (o.from_ms && o.to_ms && *o.from_ms > *o.to_ms) return Status::InvalidInput("--from: later than --to");
  if (timeline && o.json && !o.html_path.empty()) return Status::InvalidInput("timeline: --json or --html, not both");
  if (o.mode != InspectMode::kView && o.view != InspectView::kSummary)
    return Status::InvalidInput("--check and --export read the whole store: give no view with them");
  if (o.state && o.view == InspectView::kOrders) {
    auto f = order_filter(o);
    if (!f.ok()) return f.status();
  }
  if (o.state && o.view == InspectView::kPositions) {
    auto f = position_filter(o);
    if (!f.ok()) return f.status();
  }
  if (o.view == InspectView::kSignals) {
    auto f = signal_state_filter(o);
    if (!f.ok()) return f.status();
  }
  return Status::Ok();
}

Result<int> RunStateInspect(StateStore& store, const InspectOptions& o, TimeMs now_ms, std::ostream& out) {
  KEEL_RETURN_IF_ERROR(ValidateInspectOptions(o));
  switch (o.mode) {
    case InspectMode::kView: return view(store, o, out);
    case InspectMode::kCheck: return check(store, o, out);
    case InspectMode::kExport: {
      KEEL_RETURN_IF_ERROR(ExportStoreToFile(store, o.export_path, now_ms));
      if (o.json) {
        JsonWriter w(true);
        w.StartObject().Key("exported_to").String(o.export_path).EndObject();
        out << w.str() << '\n';
      } else {
        out << "exported " << o.store_label << " to " << o.export_path << '\n';
      }
      return kExitAllClear;
    }
  }
  return kExitAllClear;
}

}  // namespace keel::ops
