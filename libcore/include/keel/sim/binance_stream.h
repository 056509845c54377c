#pragma once
// One WebSocket connection to the simulator's streams, without the socket: which streams it
// carries (from its URL and its SUBSCRIBE messages), how it answers control messages, and how an
// event is framed for it. Paths served, as Binance USD-M and current clients use them:
//   /ws/<listenKey>, /ws/<stream>, /ws            raw payloads (legacy)
//   /stream?streams=a/b                            combined: {"stream":…,"data":…} (legacy)
//   /public/ws[/N], /market/ws[/N]                 raw (2026 split; N is a client bucket, ignored)
//   /public/stream[/N]?streams=…, /market/stream…  combined
//   /private/ws?listenKey=K, /private/stream?listenKey=K   the user-data stream

#include <map>
#include <optional>
#include <set>
#include <string>

#include "keel/sim/sim_exchange.h"

namespace keel::sim {

class StreamSession {
 public:
  // Parses the request target; an unknown path or listen key is an error (the server refuses the
  // handshake).
  static Result<StreamSession> Open(const std::string& target, const SimExchange& exchange);

  // Answers a client text message (SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS); nullopt when no
  // answer is due.
  std::optional<std::string> OnText(const std::string& text);

  // The frame to send for an event, or nullopt when this connection does not carry it.
  std::optional<std::string> Render(const MarketEvent& event, const SimExchange& exchange);
  std::optional<std::string> Render(const UserEvent& event, const SimExchange& exchange);

  // Set after this connection's listen key expired: send what is pending, then close.
  bool closing() const { return closing_; }
  std::optional<AccountId> account() const { return account_; }
  const std::set<std::string>& subscriptions() const { return streams_; }

 private:
  std::string Frame(const std::string& stream, const std::string& payload) const;
  bool combined_ = false;
  std::set<std::string> streams_;  // lower-cased stream names: "btcusdt@bookticker"
  std::map<std::string, TimeMs> last_sent_;  // throttles "@markPrice" to every 3 s
  std::optional<std::string> listen_key_;
  std::optional<AccountId> account_;
  bool closing_ = false;
};

}  // namespace keel::sim
