#include "keel/engine/engine_store.h"

#include <future>

namespace keel {

template <typename R>
R EngineStore::OnEngine(std::function<R(StateStore&)> fn) {
  if (loop_.OnLoopThread()) return fn(store_);
  std::promise<R> done;
  auto result = done.get_future();
  loop_.Post([&] { done.set_value(fn(store_)); });
  return result.get();
}

Status EngineStore::Write(const WriteBatch& batch) {
  return OnEngine<Status>([&](StateStore& s) { return s.Write(batch); });
}
Result<std::vector<Instrument>> EngineStore::Instruments() {
  return OnEngine<Result<std::vector<Instrument>>>([](StateStore& s) { return s.Instruments(); });
}
Result<std::vector<IntentRecord>> EngineStore::Intents(const RecordFilter& f) {
  return OnEngine<Result<std::vector<IntentRecord>>>([&](StateStore& s) { return s.Intents(f); });
}
Result<std::vector<OrderRecord>> EngineStore::Orders(const OrderFilter& f) {
  return OnEngine<Result<std::vector<OrderRecord>>>([&](StateStore& s) { return s.Orders(f); });
}
Result<std::optional<OrderRecord>> EngineStore::Order(const std::string& id) {
  return OnEngine<Result<std::optional<OrderRecord>>>([&](StateStore& s) { return s.Order(id); });
}
Result<std::vector<PositionRecord>> EngineStore::Positions(const PositionFilter& f) {
  return OnEngine<Result<std::vector<PositionRecord>>>([&](StateStore& s) { return s.Positions(f); });
}
Result<std::vector<JournalEntry>> EngineStore::Journal(const RecordFilter& f) {
  return OnEngine<Result<std::vector<JournalEntry>>>([&](StateStore& s) { return s.Journal(f); });
}
Result<std::vector<IncidentRecord>> EngineStore::Incidents(const RecordFilter& f) {
  return OnEngine<Result<std::vector<IncidentRecord>>>([&](StateStore& s) { return s.Incidents(f); });
}
Result<std::vector<SignalRecord>> EngineStore::Signals(const SignalFilter& f) {
  return OnEngine<Result<std::vector<SignalRecord>>>([&](StateStore& s) { return s.Signals(f); });
}
Result<std::optional<SignalRecord>> EngineStore::Signal(const std::string& id) {
  return OnEngine<Result<std::optional<SignalRecord>>>([&](StateStore& s) { return s.Signal(id); });
}
Result<bool> EngineStore::ExecutionSeen(const std::string& exec_id) {
  return OnEngine<Result<bool>>([&](StateStore& s) { return s.ExecutionSeen(exec_id); });
}
Result<int> EngineStore::SchemaVersion() {
  return OnEngine<Result<int>>([](StateStore& s) { return s.SchemaVersion(); });
}
Result<std::vector<std::string>> EngineStore::IntegrityProblems() {
  return OnEngine<Result<std::vector<std::string>>>([](StateStore& s) { return s.IntegrityProblems(); });
}
Result<std::vector<JournalGap>> EngineStore::JournalGaps() {
  return OnEngine<Result<std::vector<JournalGap>>>([](StateStore& s) { return s.JournalGaps(); });
}

}  // namespace keel
