#pragma once
// An incident's timeline from the store's journal: every row of one symbol in a window, as a
// table, as JSON, or as one self-contained HTML page (inline SVG and CSS, no script, nothing
// fetched) that draws the orders at their prices, the fills, the position and the rows by source
// (stream, REST, engine, operator) over time. Post-mortems are timelines: every seed report is one.
//
// The page is well-formed XML as well as HTML, so that a strict parser can check it.
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "keel/store/state_store.h"

namespace keel::ops {

struct TimelineOptions {
  std::string symbol;
  std::optional<TimeMs> from_ms;  // by keel's clock (the journal's local time), inclusive
  std::optional<TimeMs> to_ms;    // inclusive
  std::string title;              // the page's heading; the store's path by default
};

// One journal row with what the timeline reads from its payload.
struct TimelineRow {
  JournalEntry entry;
  std::string detail;  // "BUY LIMIT 0.010 @ 96250 New", "qty 0.010 @ 96250.5", or the event
  // For the drawing, when the row is an order or a position.
  std::string order_id;            // client order id
  std::string purpose;             // entry | stop | take-profit | close | …
  std::string state;               // the order's lifecycle state, or the position's
  std::optional<Decimal> price;    // the order's limit or trigger price
  std::optional<Decimal> fill_price;  // avg price once something filled
  std::optional<Decimal> filled;      // filled quantity
  std::optional<Decimal> position;    // the position's signed quantity (0 once closed)
};

Result<std::vector<TimelineRow>> ReadTimeline(StateStore& store, const TimelineOptions& options);

void PrintTimelineTable(const std::vector<TimelineRow>& rows, std::ostream& out);
void PrintTimelineJson(const std::vector<TimelineRow>& rows, const TimelineOptions& options, std::ostream& out);
std::string TimelineHtml(const std::vector<TimelineRow>& rows, const TimelineOptions& options);

}  // namespace keel::ops
