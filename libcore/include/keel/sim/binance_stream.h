#pragma once
// One WebSocket connection to the simulator's streams, without the socket: which streams it
// carries (from its URL and its SUBSCRIBE messages), how it answers control messages, and how an
// event is framed for it. Paths served, as Binance USD-M has them since the 2026 split:
//   /public/ws[/<stream>…][/N]                   raw: bookTicker, depth, trade (N: a client's bucket)
//   /market/ws[/<stream>…][/N]                   raw: aggTrade, markPrice, kline, ticker, …
//   /public/stream?streams=a/b, /market/stream…  combined: {"stream":…,"data":…}
//   /private/ws?listenKey=K[&events=E1/E2]       the user-data stream (also /private/ws/<K>,
//   /private/stream?listenKey=K                  /private/stream); events keeps only those types
// A stream subscribed on the wrong category is acknowledged and stays silent, as on the exchange.
// The legacy /ws, /ws/<x> and /stream paths were retired on 2026-04-23: served only with
// legacy_paths (keel-exchange-sim --legacy-ws-paths), for older clients, carrying everything.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "keel/sim/sim_exchange.h"

namespace keel::sim {

struct StreamOptions {
  bool legacy_paths = false;  // serve /ws, /ws/<x> and /stream as before 2026-04-23
};

class StreamSession {
 public:
  // Parses the request target; an unknown path or listen key is an error (the server refuses the
  // handshake).
  static Result<StreamSession> Open(const std::string& target, const SimExchange& exchange,
                                    const StreamOptions& options = {});

  // Answers a client text message (SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS); nullopt when no
  // answer is due.
  std::optional<std::string> OnText(const std::string& text);

  // The frame to send for an event, or nullopt when this connection does not carry it.
  std::optional<std::string> Render(const MarketEvent& event, const SimExchange& exchange);
  std::optional<std::string> Render(const UserEvent& event, const SimExchange& exchange);

  // Set once this connection's listen key expired: the socket stays open, but nothing more arrives.
  bool expired() const { return expired_; }
  std::optional<AccountId> account() const { return account_; }
  const std::set<std::string>& subscriptions() const { return streams_; }

 private:
  std::string Frame(const std::string& stream, const std::string& payload) const;
  // "public", "market", "private", or "" on a legacy path (which carries every kind).
  std::string category_;
  bool combined_ = false;
  std::set<std::string> events_;  // /private events filter; empty: every event
  std::set<std::string> streams_;  // lower-cased stream names: "btcusdt@bookticker"
  std::map<std::string, TimeMs> last_sent_;  // throttles "@markPrice" to every 3 s
  std::optional<std::string> listen_key_;
  std::optional<AccountId> account_;
  bool expired_ = false;
};

// The category a market stream kind belongs to: "public" (bookTicker, depth…, trade) or "market"
// (everything else: aggTrade, markPrice, kline_…, ticker, …).
const char* StreamCategory(std::string_view stream_kind);

}  // namespace keel::sim
