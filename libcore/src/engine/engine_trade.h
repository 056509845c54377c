#pragma once
// The engine's in-memory state of one active trade (private to the engine's .cpp files).

#include <memory>

#include "keel/engine/engine.h"
#include "keel/model/json_writer.h"

namespace keel {

struct Engine::Trade {
  enum class Phase { kEntering, kProtecting, kProtected, kClosing };
  SignalRecord record;  // as last saved
  Signal signal;
  PositionSide leg = PositionSide::kBoth;
  Decimal entry_price;  // the verified fill's average price
  Phase phase = Phase::kEntering;
  bool verify_in_flight = false;
  bool take_profit_done = false;  // placed, refused or skipped: not tried again
  // Flat and recorded as closed; kept only until its exits' orders have ended, so that their ids
  // are cleared when they do.
  bool finished = false;
  // A rollback or flatten (SafeClose) is on its way: its own result closes the trade.
  bool close_in_flight = false;

  static const char* PhaseName(Phase phase);
};


// An answer to a signal or command: {"result":…,"id":…,"detail":…} plus what `more` writes.
EngineReply ReplyOf(int code, const std::string& result, const std::string& id, const std::string& detail,
                    const std::function<void(JsonWriter&)>& more = {});

// REST work: runs on a worker, its result comes back to the engine thread.
template <typename R>
void Engine::OnWorker(std::function<R(Exchange&)> job, std::function<void(R)> done) {
  ++jobs_in_flight_;
  ++counters_.rest_jobs;
  workers_.Submit([this, job = std::move(job), done = std::move(done)](Exchange& ex) mutable {
    auto result = std::make_shared<R>(job(ex));
    loop_.Post([this, result, done = std::move(done)] {
      --jobs_in_flight_;
      done(std::move(*result));
      MaybeFinishShutdown();
    });
  });
}


}  // namespace keel
