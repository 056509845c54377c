#pragma once
// One WebSocket connection to the simulator's Bybit v5 streams, without the socket:
//   /v5/private[?max_active_time=…]  auth ({"op":"auth","args":[key, expires, HMAC("GET/realtime"+expires)]}),
//                                    then order, execution, position and wallet (also order.linear, …)
//   /v5/public/linear                tickers.<SYMBOL> (a snapshot on subscribing, deltas of the mark
//                                    after) and orderbook.1.<SYMBOL> (snapshots)
// ping is answered with pong as each path does it (private: op "pong" with the time; public: op
// "ping", ret_msg "pong"). A connection with no ping and nothing sent for max_active_time (private;
// 10 minutes otherwise) is cut by the server, as Bybit does.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "keel/sim/sim_exchange.h"

namespace keel::sim {

class BybitStreamSession {
 public:
  // kNotFound for a path that is not a Bybit stream (the Binance sessions may serve it).
  static Result<BybitStreamSession> Open(const std::string& target, const SimExchange& exchange, std::uint64_t conn_no);

  // The replies to a client message (none, one, or a reply and a snapshot).
  std::vector<std::string> OnText(const std::string& text, const SimExchange& exchange);
  // The frames for an event on this connection (none when it does not carry it).
  std::vector<std::string> Render(const MarketEvent& event, const SimExchange& exchange);
  std::vector<std::string> Render(const UserEvent& event, const SimExchange& exchange);
  // A unified account's spot trade: its order and execution rows (category "spot") on the
  // all-in-one topics, as Bybit sends them; nothing on the categorised linear ones.
  std::vector<std::string> Render(const SpotTrade& trade, const SimExchange& exchange);
  // True once the connection has been idle (no ping, nothing sent) longer than it may be.
  bool IdleTooLong(TimeMs now) const { return now - last_activity_ > max_idle_ms_; }

  bool is_private() const { return private_; }
  std::optional<AccountId> account() const { return account_; }
  const std::set<std::string>& topics() const { return topics_; }

 private:
  std::string Push(const std::string& topic, TimeMs creation_time, const std::string& data_json);
  bool Carries(const std::string& topic) const;
  // The names this session hears a private topic under: "order" (all-in-one), "order.linear"
  // (categorised), both when both were subscribed, or none.
  std::vector<std::string> SubscribedAs(const std::string& base) const;

  bool private_ = false;
  std::string conn_id_;
  std::optional<AccountId> account_;
  std::set<std::string> topics_;
  TimeMs last_activity_ = 0;
  TimeMs max_idle_ms_ = 600'000;
  std::uint64_t pushes_ = 0;
};

// "30s", "600s", "1m", "10m": 30 s to 10 min (docs/v5/ws/connect); nullopt when malformed or out of range.
std::optional<TimeMs> ParseMaxActiveTime(const std::string& text);

}  // namespace keel::sim
