// Spellings of the store's own enums, and WriteBatch.
#include "keel/model/enum_names.h"
#include "keel/store/records.h"
#include "keel/store/write_batch.h"

namespace keel {
namespace {

constexpr detail::EnumNames<Source, 4> kSources{
    {{Source::kStream, "stream"}, {Source::kRest, "rest"}, {Source::kOperator, "operator"}, {Source::kEngine, "engine"}}};

constexpr detail::EnumNames<PositionState, 2> kPositionStates{
    {{PositionState::kOpen, "open"}, {PositionState::kClosed, "closed"}}};

constexpr detail::EnumNames<IncidentKind, 8> kIncidentKinds{{{IncidentKind::kOrphanPosition, "orphan-position"},
                                                            {IncidentKind::kUnprotectedPosition, "unprotected-position"},
                                                            {IncidentKind::kUnknownOrder, "unknown-order"},
                                                            {IncidentKind::kForeignOrder, "foreign-order"},
                                                            {IncidentKind::kMismatch, "mismatch"},
                                                            {IncidentKind::kGhostOrder, "ghost-order"},
                                                            {IncidentKind::kIllegalTransition, "illegal-transition"},
                                                            {IncidentKind::kLiquidation, "liquidation"}}};

constexpr detail::EnumNames<SignalState, 9> kSignalStates{{{SignalState::kRejected, "rejected"},
                                                            {SignalState::kEntering, "entering"},
                                                            {SignalState::kOpen, "open"},
                                                            {SignalState::kClosing, "closing"},
                                                            {SignalState::kClosed, "closed"},
                                                            {SignalState::kRolledBack, "rolled-back"},
                                                            {SignalState::kFailed, "failed"},
                                                            {SignalState::kUnresolved, "unresolved"},
                                                            {SignalState::kDone, "done"}}};

}  // namespace

const char* to_string(SignalState v) { return detail::enum_name(kSignalStates, v); }
Result<SignalState> parse_signal_state(std::string_view t) {
  return detail::parse_enum(kSignalStates, t, "signal state");
}
bool is_final(SignalState s) {
  return s == SignalState::kRejected || s == SignalState::kClosed || s == SignalState::kRolledBack ||
         s == SignalState::kFailed || s == SignalState::kDone;
}

const char* to_string(Source v) { return detail::enum_name(kSources, v); }
Result<Source> parse_source(std::string_view t) { return detail::parse_enum(kSources, t, "source"); }
const char* to_string(PositionState v) { return detail::enum_name(kPositionStates, v); }
Result<PositionState> parse_position_state(std::string_view t) {
  return detail::parse_enum(kPositionStates, t, "position state");
}
const char* to_string(IncidentKind v) { return detail::enum_name(kIncidentKinds, v); }
Result<IncidentKind> parse_incident_kind(std::string_view t) {
  return detail::parse_enum(kIncidentKinds, t, "incident kind");
}

WriteBatch& WriteBatch::PutInstrument(Instrument instrument, Provenance provenance) {
  ops_.emplace_back(PutInstrumentOp{std::move(instrument), std::move(provenance)});
  return *this;
}
WriteBatch& WriteBatch::PutIntent(IntentRecord intent, Provenance provenance) {
  ops_.emplace_back(PutIntentOp{std::move(intent), std::move(provenance)});
  return *this;
}
WriteBatch& WriteBatch::PutOrder(OrderRecord order, Provenance provenance) {
  ops_.emplace_back(PutOrderOp{std::move(order), std::move(provenance)});
  return *this;
}
WriteBatch& WriteBatch::PutOpenPosition(PositionRecord position, Provenance provenance) {
  ops_.emplace_back(PutOpenPositionOp{std::move(position), std::move(provenance)});
  return *this;
}
WriteBatch& WriteBatch::ClosePosition(std::string symbol, PositionSide position_side, TimeMs closed_ms,
                                      std::string exit_reason, Provenance provenance) {
  ops_.emplace_back(
      ClosePositionOp{std::move(symbol), position_side, closed_ms, std::move(exit_reason), std::move(provenance)});
  return *this;
}
WriteBatch& WriteBatch::PutSignal(SignalRecord signal, Provenance provenance) {
  ops_.emplace_back(PutSignalOp{std::move(signal), std::move(provenance)});
  return *this;
}
WriteBatch& WriteBatch::RecordIncident(IncidentRecord incident) {
  ops_.emplace_back(RecordIncidentOp{std::move(incident)});
  return *this;
}
WriteBatch& WriteBatch::AppendJournal(JournalEntry entry) {
  ops_.emplace_back(AppendJournalOp{std::move(entry)});
  return *this;
}

WriteBatch& WriteBatch::RecordExecution(ExecutionRecord execution) {
  ops_.emplace_back(RecordExecutionOp{std::move(execution)});
  return *this;
}

bool WriteBatch::needs_full_durability() const {
  for (const auto& op : ops_) {
    if (std::holds_alternative<PutIntentOp>(op) || std::holds_alternative<PutOrderOp>(op) ||
        std::holds_alternative<PutOpenPositionOp>(op) || std::holds_alternative<ClosePositionOp>(op) ||
        std::holds_alternative<PutSignalOp>(op) || std::holds_alternative<RecordExecutionOp>(op)) {
      return true;
    }
  }
  return false;
}

}  // namespace keel
