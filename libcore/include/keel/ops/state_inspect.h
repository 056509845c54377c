#pragma once
// What keel-state-inspect does, as library code: views of the store as tables or JSON, the
// invariant check, and the export. The binary only parses flags and calls RunStateInspect.

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "keel/store/invariants.h"
#include "keel/store/state_store.h"

namespace keel::ops {

enum class InspectView { kSummary, kOrders, kPositions, kIntents, kJournal, kIncidents, kSignals, kTimeline };
Result<InspectView> parse_inspect_view(std::string_view text);

enum class InspectMode { kView, kCheck, kExport };

struct InspectOptions {
  InspectView view = InspectView::kSummary;
  InspectMode mode = InspectMode::kView;
  std::optional<std::string> symbol;
  std::optional<TimeMs> since_ms;
  // orders: a lifecycle state (New, Filled, ...) or "open" (not terminal); positions: open | closed;
  // signals: a signal state (entering, open, rejected, ...) or "unfinished".
  std::optional<std::string> state;
  std::optional<std::int64_t> limit;
  bool json = false;
  InvariantOptions invariants;     // kCheck
  std::string export_path;         // kExport
  std::string store_label;         // shown in headers
  // timeline (timeline.h): the window, by keel's clock, and the page to write instead of a table.
  std::optional<TimeMs> from_ms;
  std::optional<TimeMs> to_ms;
  std::string html_path;
};

// Validates the combination of options (e.g. --state on a view without states) before anything
// is read.
Status ValidateInspectOptions(const InspectOptions& options);

// Returns the exit code: 0, or 1 when --check found violations.
Result<int> RunStateInspect(StateStore& store, const InspectOptions& options, TimeMs now_ms, std::ostream& out);

}  // namespace keel::ops
