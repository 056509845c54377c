#pragma once
// The whole simulated venue behind one object: the exchange, its faults, the stream outbox, the
// Binance REST API and the control endpoint. keel-exchange-sim serves it over sockets; scenario
// tests drive it in process on a ManualClock. Single-threaded.

#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "keel/net/http_message.h"
#include "keel/sim/binance_rest.h"
#include "keel/sim/bybit_rest.h"
#include "keel/sim/event_outbox.h"
#include "keel/sim/sim_command.h"
#include "keel/sim/sim_exchange.h"
#include "keel/sim/stale_reads.h"

namespace keel::sim {

class SimVenue {
 public:
  static Result<std::unique_ptr<SimVenue>> Create(SimConfig config, const Clock& clock);

  SimExchange& exchange() { return *exchange_; }
  FaultState& faults() { return faults_; }
  const EventOutbox& outbox() const { return outbox_; }

  // Routes /_sim/… to the control endpoint, /v5/… to the Bybit API, anything else to the Binance API.
  net::HttpResponse HandleHttp(const net::HttpRequest& request);
  // Brings the exchange to now, runs due scenario steps, and moves new events into the outbox.
  void Tick();
  std::vector<UserEvent> TakeDueUserEvents();
  std::vector<MarketEvent> TakeMarketEvents() { return exchange_->TakeMarketEvents(); }
  // The network distance the latency fault sets (SimServer holds market events back by it).
  TimeMs latency_ms() const { return faults_.stream.latency.ms; }

  Status Apply(const SimCommand& command);
  // Timed steps (at_ms after now) from a TOML file: [[step]] at_ms = 1000, fault = "…", …
  Status LoadScenario(const std::string& path);
  Status LoadScenarioText(const std::string& toml_text, const std::string& source);
  // Set by {"fault":"disconnect"}; the server closes every stream connection and clears it.
  bool TakeDisconnectRequest();
  // Set by {"fault":"stream_garbage"}: frames the server sends as they are to every stream connection.
  std::vector<std::string> TakeGarbageFrames() { return std::exchange(garbage_frames_, {}); }
  // Set by {"act":"spot_trade"}: spot trades of unified accounts, for the Bybit streams to tell.
  std::vector<SpotTrade> TakeSpotTrades() { return std::exchange(spot_trades_, {}); }
  // Scenario steps that could not be applied, oldest first.
  const std::vector<std::string>& scenario_errors() const { return scenario_errors_; }

  // Counters as one JSON document (also printed at exit).
  std::string CountersJson() const;
  // Requests to the exchange APIs (both dialects) per "METHOD /path", per result.
  std::map<std::string, std::map<std::string, std::int64_t>> request_counts() const;
  // Every request either API refused for its rate, oldest first.
  std::vector<RestRefusal> refusals() const;
  void CountStreamMessages(std::int64_t sent) { stream_messages_sent_ += sent; }

 private:
  SimVenue(std::unique_ptr<SimExchange> exchange, const Clock& clock);
  net::HttpResponse HandleControl(const net::HttpRequest& request);
  void Collect();

  std::unique_ptr<SimExchange> exchange_;
  const Clock& clock_;
  FaultState faults_;
  StaleReads stale_;
  EventOutbox outbox_;
  BinanceRestApi rest_;
  BybitRestApi bybit_rest_;
  std::vector<std::pair<TimeMs, SimCommand>> scenario_;  // sorted by time
  bool disconnect_requested_ = false;
  std::vector<std::string> garbage_frames_;
  std::vector<SpotTrade> spot_trades_;
  std::int64_t spot_trades_made_ = 0;
  std::int64_t stream_messages_sent_ = 0;
  std::int64_t control_calls_ = 0;
  std::vector<std::string> scenario_errors_;
  std::mt19937_64 latency_rng_{0x1a7e};  // the REST answers' jitter
};

}  // namespace keel::sim
