#pragma once
// The state store port. The engine, the safety rules and the tools speak only to this interface;
// SQLite is the embedded default and a PostgreSQL store can implement it later.
//
// Threading: a StateStore object is used by one thread at a time. One writer per account exists at
// any moment (enforced by the implementation); any number of readers may run beside it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "keel/store/records.h"
#include "keel/store/write_batch.h"

namespace keel {

// Filters shared by every view. Results come oldest first; limit keeps the newest N.
struct RecordFilter {
  std::optional<std::string> symbol;
  std::optional<TimeMs> since_ms;  // by the record's local time (updated, opened, created)
  std::optional<std::int64_t> limit;
};

struct OrderFilter : RecordFilter {
  std::optional<OrderState> state;
  bool open_only = false;  // not in a terminal state
};

struct PositionFilter : RecordFilter {
  std::optional<PositionState> state;
};

struct SignalFilter : RecordFilter {
  bool unfinished_only = false;  // not in a final state
};

struct JournalGap {
  std::int64_t after_seq;   // last seq present before the gap (0 if the journal starts late)
  std::int64_t before_seq;  // first seq present after it
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // The schema version this build writes.
  static constexpr int kSchemaVersion = 8;

  virtual Status Write(const WriteBatch& batch) = 0;

  virtual Result<std::vector<Instrument>> Instruments() = 0;
  virtual Result<std::vector<IntentRecord>> Intents(const RecordFilter& filter) = 0;
  virtual Result<std::vector<OrderRecord>> Orders(const OrderFilter& filter) = 0;
  virtual Result<std::optional<OrderRecord>> Order(const std::string& client_order_id) = 0;
  virtual Result<std::vector<PositionRecord>> Positions(const PositionFilter& filter) = 0;
  virtual Result<std::vector<JournalEntry>> Journal(const RecordFilter& filter) = 0;
  virtual Result<std::vector<IncidentRecord>> Incidents(const RecordFilter& filter) = 0;
  // Oldest first by received time; since_ms filters on the last update.
  virtual Result<std::vector<SignalRecord>> Signals(const SignalFilter& filter) = 0;
  virtual Result<std::optional<SignalRecord>> Signal(const std::string& id) = 0;
  // Whether a fill with this venue id was applied before (by this process or an earlier one).
  virtual Result<bool> ExecutionSeen(const std::string& exec_id) = 0;

  virtual Result<int> SchemaVersion() = 0;
  // The storage engine's own consistency check; an empty list means intact.
  virtual Result<std::vector<std::string>> IntegrityProblems() = 0;
  virtual Result<std::vector<JournalGap>> JournalGaps() = 0;
};

// The store's open record of (symbol, position side), if it holds one.
Result<std::optional<PositionRecord>> OpenPositionOf(StateStore& store, const std::string& symbol, PositionSide side);
// What the store holds for (symbol, position side), in one read: its open record, if any, and the
// newest exchange time applied to it, open or closed (0 when none), which is what the stale-read
// guard compares an observation against.
struct HeldPosition {
  std::optional<PositionRecord> open;
  TimeMs newest_exchange_ms = 0;
};
Result<HeldPosition> HeldPositionOf(StateStore& store, const std::string& symbol, PositionSide side);

}  // namespace keel
