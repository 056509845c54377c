#include "keel/engine/exchange_health.h"

#include "keel/exchange/exchange.h"

namespace keel {

const char* to_string(ExchangeHealth::Condition c) {
  switch (c) {
    case ExchangeHealth::Condition::kNotAnswering: return "not answering";
    case ExchangeHealth::Condition::kRateRefused: return "refusing for the rate";
    case ExchangeHealth::Condition::kClockSkew: return "refusing keel's clock";
    case ExchangeHealth::Condition::kKeyRefused: return "refusing keel's API key";
  }
  return "?";
}

bool IsClockSkewRefusal(const Status& status) { return status.IsExchange() && status.refusal() == Refusal::kClock; }

bool IsKeyRefusal(const Status& status) { return status.IsExchange() && status.refusal() == Refusal::kKey; }

void ExchangeHealth::Begin(Condition c, TimeMs since, const std::string& detail) {
  State& s = Of(c);
  s.detail = detail;
  if (s.since) return;
  s.since = since;
  s.alerted = false;
  s.ended_at.reset();
}

void ExchangeHealth::End(Condition c, TimeMs now) {
  State& s = Of(c);
  if (!s.since) return;
  if (s.alerted) s.ended_at = now;
  else s = State{};
}

void ExchangeHealth::Observe(const Status& outcome, TimeMs now) {
  if (outcome.IsStorage() || outcome.category() == ErrorCategory::kInternal || outcome.IsConflict()) return;
  if (outcome.IsTransport() || outcome.IsUnknownOutcome()) {
    // No answer: blind since the last one (or since now, if there never was one).
    Begin(Condition::kNotAnswering, last_answer_ms_ ? last_answer_ms_ : now, outcome.message());
    return;
  }
  // Anything else is an answer: the exchange is there.
  last_answer_ms_ = now;
  End(Condition::kNotAnswering, now);
  if (IsRateRefusal(outcome)) {
    Begin(Condition::kRateRefused, now, outcome.message());
    return;
  }
  if (IsClockSkewRefusal(outcome)) {
    Begin(Condition::kClockSkew, now, outcome.message());
    return;
  }
  if (IsKeyRefusal(outcome)) {
    Begin(Condition::kKeyRefused, now, outcome.message());
    return;
  }
  // Accepted, or refused for a reason of its own: neither the rate, the clock nor the key stands in
  // the way.
  End(Condition::kRateRefused, now);
  End(Condition::kClockSkew, now);
  End(Condition::kKeyRefused, now);
}

std::vector<ExchangeHealth::Change> ExchangeHealth::Check(TimeMs now) {
  std::vector<Change> out;
  for (Condition c : {Condition::kNotAnswering, Condition::kRateRefused, Condition::kClockSkew, Condition::kKeyRefused}) {
    State& s = Of(c);
    if (!s.since) continue;
    if (s.ended_at) {
      out.push_back({c, false, *s.since,
                     std::string("cleared: the exchange is no longer ") + to_string(c) + " (it lasted " +
                         std::to_string((*s.ended_at - *s.since) / 1000) + " s)"});
      s = State{};
      continue;
    }
    if (s.alerted || now - *s.since < alert_after_ms_) continue;
    s.alerted = true;
    out.push_back({c, true, *s.since,
                   std::string("the exchange has been ") + to_string(c) + " since " + format_utc(*s.since) + " (" +
                       std::to_string((now - *s.since) / 1000) + " s): " + s.detail});
  }
  return out;
}

std::optional<TimeMs> ExchangeHealth::Since(Condition c) const {
  const State& s = Of(c);
  if (!s.since || s.ended_at) return std::nullopt;
  return s.since;
}

std::string ExchangeHealth::Describe(TimeMs now) const {
  std::string out;
  for (Condition c : {Condition::kNotAnswering, Condition::kRateRefused, Condition::kClockSkew, Condition::kKeyRefused}) {
    auto since = Since(c);
    if (!since) continue;
    if (!out.empty()) out += "; ";
    out += std::string("exchange ") + to_string(c) + " since " + format_utc(*since) + " (" +
           std::to_string((now - *since) / 1000) + " s): " + Of(c).detail;
  }
  return out;
}

}  // namespace keel
