#pragma once
// Bybit v5's private stream, kept alive (docs/v5/ws/connect, websocket/private/*):
//   - <ws_url>/v5/private[?max_active_time=…]; on open, {"op":"auth","args":[key, expires, sign]}
//     with expires a few seconds past the exchange's time, then a subscription to order,
//     execution, position and wallet;
//   - once subscribed, a REST snapshot of positions and open orders is taken and handed over, so
//     nothing that happened while disconnected goes unseen;
//   - a ping every 20 s; no pong within pong_timeout_ms, or any close (the server's cut after
//     max_active_time among them), and it reconnects with jittered exponential back-off;
//   - order rows tell orders' lifecycles, execution rows their fills (each execId once), position
//     rows sizes; fills and sizes are joined by seq (SequenceJoin) so that none counts twice;
//   - a message it cannot read is not dropped silently: a REST snapshot is taken in its place.
// Runs on the EventLoop's thread, and so do its handlers; the snapshot's REST calls go to
// `offload` when given.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "keel/bybit/sequence_join.h"
#include "keel/config/config.h"
#include "keel/exchange/exchange.h"
#include "keel/exchange/stream_events.h"
#include "keel/exchange/stream_link.h"
#include "keel/net/hmac.h"
#include "keel/net/ws_client.h"

namespace keel::bybit {

struct PrivateStreamOptions {
  std::string ws_url;  // the stream base: wss://stream.bybit.com, or ws://127.0.0.1:PORT
  std::optional<std::string> ca_path;
  std::string api_key;
  std::optional<std::string> max_active_time;  // "30s" … "600s", "1m" … "10m"; the server's default otherwise
  TimeMs ping_ms = 20'000;
  TimeMs pong_timeout_ms = 10'000;
  TimeMs auth_expiry_ms = 10'000;  // how far past the exchange's time the auth request stays valid
  TimeMs backoff_initial_ms = 1000;
  TimeMs backoff_max_ms = 30'000;
  std::uint64_t jitter_seed = 0;  // 0: seeded from the clock
  std::function<void(std::function<void()>)> offload;
  TimeMs fill_join_window_ms = kFillJoinWindowMs;  // how long a fill waits for its position's report
};

struct PrivateStreamHandler {
  std::function<void(const OrderEvent&)> on_order;
  std::function<void(const PositionEvent&)> on_position;
  std::function<void(const AccountReport&)> on_snapshot;  // after every (re)subscription
  // "live", "reconnecting in 1200 ms: …", "auth refused: …".
  std::function<void(const std::string&)> on_state;
  // A frame that could not be read (malformed, nested too deep, a shape keel does not know). The
  // connection stays up, so this is not a state: the private streams read the account by REST.
  std::function<void(const std::string&)> on_refused;
};

class PrivateStream {
 public:
  // server_offset_ms: the exchange's clock minus ours (the REST client measures it).
  PrivateStream(net::EventLoop& loop, Exchange& exchange, const Clock& clock, std::function<TimeMs()> server_offset_ms,
                Secret secret, PrivateStreamOptions options, PrivateStreamHandler handler);
  ~PrivateStream();
  PrivateStream(const PrivateStream&) = delete;
  PrivateStream& operator=(const PrivateStream&) = delete;

  Status Start();
  void Stop();
  int connects() const { return connects_; }
  int subscriptions() const { return subscriptions_; }
  int snapshots() const { return link_.snapshots(); }
  int reconnects_scheduled() const { return link_.reconnects_scheduled(); }
  long executions_seen() const { return executions_; }
  const SequenceJoin& join() const { return join_; }

 private:
  void Connect();
  void OnOpen();
  void OnText(const std::string& text);
  void OnClose(const std::string& reason);
  void Ping();
  void State(const std::string& line) { link_.State(line); }
  std::string Url() const;

  Exchange& exchange_;
  const Clock& clock_;
  std::function<TimeMs()> server_offset_ms_;
  Secret secret_;
  net::HmacSha256 signer_;
  PrivateStreamOptions options_;
  PrivateStreamHandler handler_;
  StreamLink link_;
  SequenceJoin join_;
  TimeMs last_pong_ = 0;
  int connects_ = 0;
  int subscriptions_ = 0;
  long executions_ = 0;
  long requests_ = 0;  // req_id counter
};

}  // namespace keel::bybit
