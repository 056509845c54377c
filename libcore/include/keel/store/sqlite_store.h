#pragma once
// The embedded SQLite implementation of StateStore: WAL journal, foreign keys on, and
// synchronous=FULL for every batch that carries intents, orders or positions (a committed intent
// survives power loss); journal-only batches use synchronous=NORMAL (they survive a process crash).
//
// One writer per store: OpenWriter takes an exclusive lock on "<path>.lock" (released by the OS when
// the process dies, even on SIGKILL); a second writer gets kConflict naming the holder's pid.

#include <memory>
#include <string>

#include "keel/store/state_store.h"

namespace keel {

class SqliteStore final : public StateStore {
 public:
  // Creates the store if it does not exist and migrates an older schema to kSchemaVersion.
  // A store with a newer schema is refused.
  static Result<std::unique_ptr<SqliteStore>> OpenWriter(const std::string& path);
  // Read-only. The file must exist (a missing store is kNotFound, never created) and carry
  // kSchemaVersion.
  static Result<std::unique_ptr<SqliteStore>> OpenReader(const std::string& path);
  // An empty store in memory, for a read-only run over an account keel has no store for yet.
  static Result<std::unique_ptr<SqliteStore>> OpenEmptyInMemory();
  // Creates a new store at an older schema version, as an older keel would have. For migration
  // tests; fails if the file exists.
  static Status CreateAtSchemaVersion(const std::string& path, int version);

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Status Write(const WriteBatch& batch) override;
  Result<std::vector<Instrument>> Instruments() override;
  Result<std::vector<IntentRecord>> Intents(const RecordFilter& filter) override;
  Result<std::vector<OrderRecord>> Orders(const OrderFilter& filter) override;
  Result<std::optional<OrderRecord>> Order(const std::string& client_order_id) override;
  Result<std::vector<PositionRecord>> Positions(const PositionFilter& filter) override;
  Result<std::vector<JournalEntry>> Journal(const RecordFilter& filter) override;
  Result<std::vector<IncidentRecord>> Incidents(const RecordFilter& filter) override;
  Result<std::vector<SignalRecord>> Signals(const SignalFilter& filter) override;
  Result<std::optional<SignalRecord>> Signal(const std::string& id) override;
  Result<bool> ExecutionSeen(const std::string& exec_id) override;
  Result<int> SchemaVersion() override;
  Result<std::vector<std::string>> IntegrityProblems() override;
  Result<std::vector<JournalGap>> JournalGaps() override;

  const std::string& path() const { return path_; }

 private:
  struct Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl, std::string path);
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

}  // namespace keel
