#pragma once
// A set of changes the store applies atomically: all of them or none. The engine is the single
// writer and builds one batch per event it handles.
//
// Every order and position change is journaled by the store itself, in the same transaction, with
// the provenance given here: a state change cannot be written without its journal entry.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "keel/store/records.h"

namespace keel {

struct Provenance {
  Source source = Source::kEngine;
  std::optional<TimeMs> exchange_ms;
  std::string reason;
};

class WriteBatch {
 public:
  struct PutInstrumentOp { Instrument instrument; Provenance provenance; };
  struct PutIntentOp { IntentRecord intent; Provenance provenance; };
  // Inserts, or updates the order with the same client_order_id. An update must be a legal
  // lifecycle transition, or the whole batch is refused with kConflict.
  struct PutOrderOp { OrderRecord order; Provenance provenance; };
  // Inserts the open position for (symbol, position_side), or updates it if one is open.
  struct PutOpenPositionOp { PositionRecord position; Provenance provenance; };
  // Closes the open position for (symbol, position_side); kNotFound if none is open. The
  // provenance's exchange time, when newer, becomes the position's exchange_updated_ms: an exchange
  // time never moves backwards (the stale-read guard compares against it).
  struct ClosePositionOp {
    std::string symbol;
    PositionSide position_side;
    TimeMs closed_ms;
    std::string exit_reason;
    Provenance provenance;
  };
  // Inserts the signal, or updates the one with the same id.
  struct PutSignalOp { SignalRecord signal; Provenance provenance; };
  struct RecordIncidentOp { IncidentRecord incident; };
  // Fails the batch with kConflict if the execution id was recorded before.
  struct RecordExecutionOp { ExecutionRecord execution; };
  struct AppendJournalOp { JournalEntry entry; };
  using Op = std::variant<PutInstrumentOp, PutIntentOp, PutOrderOp, PutOpenPositionOp, ClosePositionOp,
                          PutSignalOp, RecordIncidentOp, RecordExecutionOp, AppendJournalOp>;

  // local_ms: keel's clock when the batch is built; stamped on every journal entry it produces.
  explicit WriteBatch(TimeMs local_ms) : local_ms_(local_ms) {}

  WriteBatch& PutInstrument(Instrument instrument, Provenance provenance);
  // Fails the batch with kConflict if the client order id was ever used before.
  WriteBatch& PutIntent(IntentRecord intent, Provenance provenance);
  WriteBatch& PutOrder(OrderRecord order, Provenance provenance);
  WriteBatch& PutOpenPosition(PositionRecord position, Provenance provenance);
  WriteBatch& ClosePosition(std::string symbol, PositionSide position_side, TimeMs closed_ms, std::string exit_reason,
                            Provenance provenance);
  WriteBatch& PutSignal(SignalRecord signal, Provenance provenance);
  WriteBatch& RecordIncident(IncidentRecord incident);
  WriteBatch& RecordExecution(ExecutionRecord execution);
  WriteBatch& AppendJournal(JournalEntry entry);

  TimeMs local_ms() const { return local_ms_; }
  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  // Intents, orders, positions, signals and executions are written with full durability (fsync before commit returns).
  bool needs_full_durability() const;

 private:
  TimeMs local_ms_;
  std::vector<Op> ops_;
};

}  // namespace keel
