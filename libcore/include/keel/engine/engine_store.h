#pragma once
// The engine's store as REST workers see it. The safety functions the tools use (SafeClose,
// ProtectPosition, the ghost sweep) write their intents before they send, and they run on a
// worker in the daemon; every read and write they make is carried out on the engine thread, in
// order with the engine's own, so the store keeps a single writer and an intent is still committed
// before its order leaves. A call from the engine thread itself goes straight through.

#include <functional>

#include "keel/engine/engine_loop.h"
#include "keel/store/state_store.h"

namespace keel {

class EngineStore final : public StateStore {
 public:
  EngineStore(StateStore& store, EngineLoop& loop) : store_(store), loop_(loop) {}

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

 private:
  template <typename R>
  R OnEngine(std::function<R(StateStore&)> fn);

  StateStore& store_;
  EngineLoop& loop_;
};

}  // namespace keel
