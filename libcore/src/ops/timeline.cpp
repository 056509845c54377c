#include "keel/ops/timeline.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "keel/model/json_fields.h"
#include "keel/model/json_writer.h"
#include "keel/ops/table.h"
#include "keel/store/record_json.h"

namespace keel::ops {

namespace {

std::optional<std::string> Text(JsonFields& f, const char* name) {
  auto v = f.String(name);
  return v.ok() ? *v : std::nullopt;
}

std::optional<Decimal> Number(JsonFields& f, const char* name) {
  auto v = f.Number(name);
  return v.ok() ? *v : std::nullopt;
}

// What the drawing needs from an order's or a position's payload; anything else keeps its event.
void ReadPayload(TimelineRow& row) {
  const JournalEntry& e = row.entry;
  row.detail = e.event;
  if (e.payload.empty() || (e.entity != "order" && e.entity != "position")) return;
  auto fields = JsonFields::Parse(e.payload, e.entity);
  if (!fields.ok()) return;  // the table still shows the row and its event
  JsonFields& f = *fields;
  if (e.entity == "order") {
    row.order_id = e.entity_id;
    row.purpose = Text(f, "purpose").value_or("");
    row.state = Text(f, "state").value_or("");
    const auto type = Text(f, "type").value_or("?");
    auto stop = Number(f, "stop_price");
    row.price = stop ? stop : Number(f, "price");
    row.filled = Number(f, "filled_qty");
    if (row.filled && row.filled->is_positive()) row.fill_price = Number(f, "avg_price");
    std::string d = Text(f, "side").value_or("?") + " " + type + " " + (Number(f, "qty") ? Number(f, "qty")->ToString() : "?");
    if (row.price) d += " @ " + row.price->ToString();
    d += " " + row.state;
    if (row.fill_price) d += ", filled " + row.filled->ToString() + " @ " + row.fill_price->ToString();
    row.detail = e.event + ": " + d;
  } else {
    row.state = Text(f, "state").value_or("");
    auto qty = Number(f, "qty");
    row.position = row.state == "closed" ? Decimal() : qty;
    row.fill_price = Number(f, "entry_price");
    if (row.fill_price && row.fill_price->is_zero()) row.fill_price.reset();
    row.detail = e.event + ": " + (qty ? qty->ToString() : "?") + " " + row.state;
    if (row.fill_price) row.detail += " @ " + row.fill_price->ToString();
  }
}

std::string Escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Fixed(double v) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(1);
  s << v;
  return s.str();
}

std::string ExchangeTime(const JournalEntry& e) { return e.exchange_ms ? format_utc(*e.exchange_ms) : "-"; }

// The drawing's scales. Prices become doubles only here, to place pixels: never to decide.
struct Scale {
  TimeMs t0 = 0, t1 = 1;
  double p0 = 0, p1 = 1;
  double q_max = 1;
  static constexpr double kLeft = 90, kRight = 980, kPriceTop = 30, kPriceBottom = 250;
  static constexpr double kPosTop = 280, kPosBottom = 360, kLaneTop = 390;
  double X(TimeMs t) const { return kLeft + (kRight - kLeft) * static_cast<double>(t - t0) / static_cast<double>(t1 - t0); }
  double Y(Decimal p) const {
    const double v = std::stod(p.ToString());
    return kPriceBottom - (kPriceBottom - kPriceTop) * (v - p0) / (p1 - p0);
  }
  double Q(Decimal q) const {
    const double mid = (kPosTop + kPosBottom) / 2;
    return mid - (kPosBottom - kPosTop) / 2 * std::stod(q.ToString()) / q_max;
  }
};

const char* kSources[] = {"stream", "rest", "engine", "operator"};

}  // namespace

Result<std::vector<TimelineRow>> ReadTimeline(StateStore& store, const TimelineOptions& options) {
  if (options.symbol.empty()) return Status::InvalidInput("timeline: --symbol is required (the symbol of the incident)");
  if (options.from_ms && options.to_ms && *options.from_ms > *options.to_ms)
    return Status::InvalidInput("timeline: --from is later than --to");
  RecordFilter filter;
  filter.symbol = options.symbol;
  filter.since_ms = options.from_ms;
  auto journal = store.Journal(filter);
  if (!journal.ok()) return journal.status();
  std::vector<TimelineRow> rows;
  for (auto& e : *journal) {
    if (options.from_ms && e.local_ms < *options.from_ms) continue;
    if (options.to_ms && e.local_ms > *options.to_ms) continue;
    TimelineRow row;
    row.entry = std::move(e);
    ReadPayload(row);
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.entry.seq < b.entry.seq; });
  if (rows.empty()) {
    // An empty window is an answer; a symbol the store never saw is most likely a typo.
    RecordFilter any;
    any.symbol = options.symbol;
    any.limit = 1;
    auto seen = store.Journal(any);
    if (!seen.ok()) return seen.status();
    if (seen->empty())
      return Status::InvalidInput("timeline: --symbol: the store has no journal row for " + options.symbol +
                                  " (symbols as the exchange spells them, e.g. BTCUSDT)");
  }
  return rows;
}

void PrintTimelineTable(const std::vector<TimelineRow>& rows, std::ostream& out) {
  Table t({"SEQ", "LOCAL TIME", "EXCHANGE TIME", "SOURCE", "ENTITY", "ID", "WHAT"});
  for (const auto& r : rows)
    t.AddRow({std::to_string(r.entry.seq), format_utc(r.entry.local_ms), ExchangeTime(r.entry), to_string(r.entry.source),
              r.entry.entity, r.entry.entity_id, r.detail});
  t.Print(out);
}

void PrintTimelineJson(const std::vector<TimelineRow>& rows, const TimelineOptions& options, std::ostream& out) {
  JsonWriter w(true);
  w.StartObject();
  w.Key("symbol").String(options.symbol);
  w.Key("from_ms").Int(options.from_ms);
  w.Key("to_ms").Int(options.to_ms);
  w.Key("timeline").StartArray();
  for (const auto& r : rows) WriteJson(w, r.entry);
  w.EndArray();
  w.EndObject();
  out << w.str() << "\n";
}

std::string TimelineHtml(const std::vector<TimelineRow>& rows, const TimelineOptions& options) {
  Scale s;
  s.t0 = options.from_ms.value_or(rows.empty() ? 0 : rows.front().entry.local_ms);
  s.t1 = options.to_ms.value_or(rows.empty() ? 1 : rows.back().entry.local_ms);
  if (s.t1 <= s.t0) s.t1 = s.t0 + 1;
  bool have_price = false;
  auto widen = [&](const std::optional<Decimal>& p) {
    if (!p || !p->is_positive()) return;
    const double v = std::stod(p->ToString());
    if (!have_price) s.p0 = s.p1 = v;
    s.p0 = std::min(s.p0, v);
    s.p1 = std::max(s.p1, v);
    have_price = true;
  };
  for (const auto& r : rows) {
    widen(r.price);
    widen(r.fill_price);
    if (r.position) s.q_max = std::max(s.q_max, std::abs(std::stod(r.position->ToString())));
  }
  if (!have_price) s.p0 = 0, s.p1 = 1;
  const double pad = (s.p1 - s.p0) * 0.08 + (s.p1 == s.p0 ? s.p1 * 0.01 + 1e-8 : 0);
  s.p0 -= pad;
  s.p1 += pad;

  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" viewBox=\"0 0 1000 440\" width=\"1000\" height=\"440\">\n";
  svg << "<text x=\"10\" y=\"" << Scale::kPriceTop << "\" class=\"axis\">" << Escape(Fixed(s.p1)) << "</text>\n";
  svg << "<text x=\"10\" y=\"" << Scale::kPriceBottom << "\" class=\"axis\">" << Escape(Fixed(s.p0)) << "</text>\n";
  svg << "<text x=\"10\" y=\"" << (Scale::kPosTop + Scale::kPosBottom) / 2 << "\" class=\"axis\">position</text>\n";
  svg << "<text x=\"10\" y=\"" << Scale::kLaneTop + 12 << "\" class=\"axis\">journal</text>\n";
  svg << "<text x=\"" << Scale::kLeft << "\" y=\"435\" class=\"axis\">" << Escape(format_utc(s.t0)) << "</text>\n";
  svg << "<text x=\"" << Scale::kRight << "\" y=\"435\" class=\"axis\" text-anchor=\"end\">" << Escape(format_utc(s.t1))
      << "</text>\n";
  svg << "<line class=\"frame\" x1=\"" << Scale::kLeft << "\" y1=\"" << (Scale::kPosTop + Scale::kPosBottom) / 2 << "\" x2=\""
      << Scale::kRight << "\" y2=\"" << (Scale::kPosTop + Scale::kPosBottom) / 2 << "\"/>\n";

  // Orders: a segment at the order's price from the first row that knew it to the row that ended it.
  struct Span {
    TimeMs from = 0, to = 0;
    std::optional<Decimal> price;
    std::string purpose, state, last;
    bool ended = false;
  };
  std::map<std::string, Span> spans;
  std::vector<std::string> order_ids;
  for (const auto& r : rows) {
    if (r.order_id.empty()) continue;
    auto [it, fresh] = spans.try_emplace(r.order_id);
    Span& sp = it->second;
    if (fresh) {
      sp.from = r.entry.local_ms;
      order_ids.push_back(r.order_id);
    }
    if (sp.ended) continue;
    sp.to = r.entry.local_ms;
    if (r.price && r.price->is_positive()) sp.price = r.price;
    else if (!sp.price && r.fill_price) sp.price = r.fill_price;
    if (!r.purpose.empty()) sp.purpose = r.purpose;
    sp.state = r.state;
    sp.last = r.detail;
    sp.ended = r.state == "Filled" || r.state == "Canceled" || r.state == "Expired" || r.state == "Rejected";
  }
  svg << "<g class=\"orders\">\n";
  for (const auto& id : order_ids) {
    const Span& sp = spans.at(id);
    if (!sp.price) continue;
    const double x1 = s.X(sp.from), x2 = std::max(s.X(sp.ended ? sp.to : s.t1), x1 + 2), y = s.Y(*sp.price);
    svg << "<line class=\"order purpose-" << Escape(sp.purpose) << "\" x1=\"" << Fixed(x1) << "\" y1=\"" << Fixed(y)
        << "\" x2=\"" << Fixed(x2) << "\" y2=\"" << Fixed(y) << "\"><title>" << Escape(id + " " + sp.purpose + ": " + sp.last)
        << "</title></line>\n";
  }
  svg << "</g>\n<g class=\"fills\">\n";
  // Fills: where an order's filled quantity grew; the price line joins them and the position's
  // entry prices, the exchange's price as keel saw it.
  std::map<std::string, Decimal> filled;
  std::vector<std::pair<TimeMs, Decimal>> prices;
  for (const auto& r : rows) {
    if (!r.order_id.empty() && r.filled && r.fill_price) {
      Decimal& before = filled[r.order_id];
      if (*r.filled > before) {
        before = *r.filled;
        prices.emplace_back(r.entry.local_ms, *r.fill_price);
        svg << "<circle class=\"fill\" cx=\"" << Fixed(s.X(r.entry.local_ms)) << "\" cy=\"" << Fixed(s.Y(*r.fill_price))
            << "\" r=\"4\"><title>" << Escape(r.order_id + " filled " + r.filled->ToString() + " @ " + r.fill_price->ToString() +
                                             " (exchange time " + ExchangeTime(r.entry) + ")")
            << "</title></circle>\n";
      }
    } else if (r.entry.entity == "position" && r.fill_price) {
      prices.emplace_back(r.entry.local_ms, *r.fill_price);
    }
  }
  svg << "</g>\n";
  if (prices.size() > 1) {
    svg << "<polyline class=\"price\" points=\"";
    for (const auto& [t, p] : prices) svg << Fixed(s.X(t)) << "," << Fixed(s.Y(p)) << " ";
    svg << "\"/>\n";
  }
  // The position, as a step line.
  svg << "<g class=\"positions\">\n";
  std::string path;
  Decimal held;
  double last_x = Scale::kLeft;
  for (const auto& r : rows) {
    if (!r.position) continue;
    const double x = s.X(r.entry.local_ms);
    path += (path.empty() ? "M " : " L ") + Fixed(last_x) + " " + Fixed(s.Q(held)) + " L " + Fixed(x) + " " + Fixed(s.Q(held));
    held = *r.position;
    last_x = x;
    svg << "<circle class=\"position-change\" cx=\"" << Fixed(x) << "\" cy=\"" << Fixed(s.Q(held)) << "\" r=\"3\"><title>"
        << Escape(r.entry.entity_id + " " + r.detail) << "</title></circle>\n";
  }
  if (!path.empty()) {
    path += " L " + Fixed(last_x) + " " + Fixed(s.Q(held)) + " L " + Fixed(Scale::kRight) + " " + Fixed(s.Q(held));
    svg << "<path class=\"position\" d=\"" << path << "\"/>\n";
  }
  svg << "</g>\n<g class=\"rows\">\n";
  // Every journal row, in the lane of its source.
  for (const auto& r : rows) {
    const char* src = to_string(r.entry.source);
    int lane = 0;
    for (int i = 0; i < 4; ++i)
      if (std::string(src) == kSources[i]) lane = i;
    const double x = s.X(r.entry.local_ms), y = Scale::kLaneTop + lane * 10;
    svg << "<rect class=\"row source-" << src << "\" x=\"" << Fixed(x - 1) << "\" y=\"" << Fixed(y) << "\" width=\"2\" height=\"8\"><title>"
        << Escape("#" + std::to_string(r.entry.seq) + " " + src + " " + r.entry.entity + " " + r.entry.entity_id + ": " +
                  r.detail + " (exchange time " + ExchangeTime(r.entry) + ")")
        << "</title></rect>\n";
  }
  svg << "</g>\n</svg>\n";

  std::ostringstream html;
  const std::string title = "keel timeline: " + options.symbol + (options.title.empty() ? "" : " (" + options.title + ")");
  html << "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>"
       << Escape(title) << "</title>\n<style>\n"
       << "body{font:13px system-ui,sans-serif;margin:16px;color:#222}\n"
       << "table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:2px 8px;text-align:left;vertical-align:top}\n"
       << "td.num{text-align:right}.axis{font-size:11px;fill:#555}.frame{stroke:#ccc}\n"
       << ".order{stroke-width:3}.purpose-entry{stroke:#1f6feb}.purpose-stop{stroke:#d1242f}.purpose-take-profit{stroke:#1a7f37}"
       << ".purpose-close{stroke:#6e7781}\n"
       << ".fill{fill:#bf8700}.price{fill:none;stroke:#bf8700;stroke-dasharray:4 3}.position{fill:none;stroke:#8250df;stroke-width:2}"
       << ".position-change{fill:#8250df}\n"
       << ".source-stream{fill:#1f6feb}.source-rest{fill:#bf8700}.source-engine{fill:#6e7781}.source-operator{fill:#d1242f}\n"
       << "</style>\n</head>\n<body>\n<h1>" << Escape(title) << "</h1>\n<p class=\"window\">"
       << Escape(format_utc(s.t0) + " to " + format_utc(s.t1) + ", " + std::to_string(rows.size()) + " journal rows") << "</p>\n"
       << "<p class=\"legend\">Orders are lines at their price (blue entry, red stop, green take-profit, grey close); dots are "
          "fills; the dashed line is the price keel saw in fills; purple is the position; the bottom lanes are journal rows "
          "by source: stream, REST, engine, operator. Hover for details.</p>\n"
       << svg.str() << "<table class=\"journal\">\n<thead><tr><th>seq</th><th>local time</th><th>exchange time</th><th>source</th>"
       << "<th>entity</th><th>id</th><th>what</th></tr></thead>\n<tbody>\n";
  for (const auto& r : rows) {
    html << "<tr class=\"source-" << to_string(r.entry.source) << "\"><td class=\"num\">" << r.entry.seq << "</td><td>"
         << Escape(format_utc(r.entry.local_ms)) << "</td><td>" << Escape(ExchangeTime(r.entry)) << "</td><td>"
         << to_string(r.entry.source) << "</td><td>" << Escape(r.entry.entity) << "</td><td>" << Escape(r.entry.entity_id)
         << "</td><td>" << Escape(r.detail) << "</td></tr>\n";
  }
  html << "</tbody>\n</table>\n</body>\n</html>\n";
  return html.str();
}

}  // namespace keel::ops
