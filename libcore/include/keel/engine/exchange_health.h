#pragma once
// What keel knows of the exchange from the answers its own REST calls get: since when it has not
// answered, whether it refuses for the rate, whether it says keel's clock is off, whether it
// refuses keel's key. Silence is
// blindness and blindness is an alert (issue [1/6] case 7): each condition raises one alert once
// it has lasted alert_after_ms, and one "cleared" message when it ends. Pure bookkeeping, fed and
// read on the engine thread.

#include <optional>
#include <string>
#include <vector>

#include "keel/model/status.h"
#include "keel/model/time.h"

namespace keel {

class ExchangeHealth {
 public:
  enum class Condition { kNotAnswering, kRateRefused, kClockSkew, kKeyRefused };
  struct Change {
    Condition condition;
    bool raised = true;  // false: it ended
    TimeMs since = 0;    // when it began (for kNotAnswering: the last answer before it)
    std::string message;
  };

  explicit ExchangeHealth(TimeMs alert_after_ms) : alert_after_ms_(alert_after_ms) {}

  // One REST call's outcome: OK, or the error it ended with. Errors that say nothing about the
  // exchange (keel's store, keel's own bugs) are ignored.
  void Observe(const Status& outcome, TimeMs now);
  // What the operator must be told now: conditions that have lasted past the threshold (once),
  // and those that ended after being told.
  std::vector<Change> Check(TimeMs now);

  // When the condition began, while it holds.
  std::optional<TimeMs> Since(Condition c) const;
  TimeMs last_answer_ms() const { return last_answer_ms_; }
  // One line for `status`: empty when all is well, else e.g. "exchange not answering since
  // 2026-…Z (48 s): connection refused".
  std::string Describe(TimeMs now) const;

 private:
  struct State {
    std::optional<TimeMs> since;
    bool alerted = false;
    std::string detail;  // the last error seen
    std::optional<TimeMs> ended_at;  // ended after an alert, not yet reported
  };
  State& Of(Condition c) { return states_[static_cast<int>(c)]; }
  const State& Of(Condition c) const { return states_[static_cast<int>(c)]; }
  void Begin(Condition c, TimeMs since, const std::string& detail);
  void End(Condition c, TimeMs now);

  TimeMs alert_after_ms_;
  TimeMs last_answer_ms_ = 0;
  State states_[4];
};

const char* to_string(ExchangeHealth::Condition c);

// True for the exchange saying keel's timestamp is outside its window (Refusal::kClock).
bool IsClockSkewRefusal(const Status& status);
// True for the exchange refusing keel's API key: its signature, permissions, bound IP, expiry, or
// the account itself (Refusal::kKey). Nothing keel sends will pass until the operator acts.
bool IsKeyRefusal(const Status& status);

}  // namespace keel
