#pragma once
// Binance USD-M's user-data stream, kept alive: a listen key created over REST, the connection on
// the current split path (<ws_url>/private/ws?listenKey=K), a keepalive every 30 minutes, a new key
// and connection on listenKeyExpired, and a reconnect with jittered exponential back-off after any
// close. After every (re)connect a REST snapshot of positions and open orders is taken and handed
// over, so nothing that happened while disconnected goes unseen; events carry the exchange's E and T
// for the consumer to order observations. An event that cannot be decoded at all is not dropped
// silently: a REST snapshot is taken in its place.
//
// Runs on the EventLoop's thread, and so do its handlers. The REST calls it makes (listen keys,
// snapshots) go to `offload` when one is given (the daemon's: the loop never waits on the network)
// and come back to the loop as results; without one they run on the loop's thread (tools, tests).

#include <functional>
#include <memory>
#include <string>

#include "keel/binance/codec.h"
#include "keel/binance/rest_client.h"
#include "keel/exchange/exchange.h"
#include "keel/exchange/stream_link.h"
#include "keel/net/backoff.h"
#include "keel/net/ws_client.h"

namespace keel::binance {

struct UserStreamOptions {
  std::string ws_url;  // the stream base: wss://fstream.binance.com, or ws://127.0.0.1:PORT
  std::optional<std::string> ca_path;
  TimeMs keepalive_ms = 30 * 60 * 1000;
  TimeMs backoff_initial_ms = 1000;
  TimeMs backoff_max_ms = 30'000;
  std::uint64_t jitter_seed = 0;  // 0: seeded from the clock
  // Runs a blocking job elsewhere (a net::WorkerThreads); empty: on the loop's thread.
  std::function<void(std::function<void()>)> offload;
};

struct UserStreamHandler {
  std::function<void(const UserDataEvent&)> on_event;
  std::function<void(const AccountReport&)> on_snapshot;  // after every (re)connect
  // What the stream is doing, one line each: "live", "reconnecting in 1200 ms: closed", errors.
  std::function<void(const std::string&)> on_state;
  // A frame that could not be read (malformed, nested too deep, a shape keel does not know). The
  // connection stays up, so this is not a state: the private streams read the account by REST.
  std::function<void(const std::string&)> on_refused;
};

class UserDataStream {
 public:
  UserDataStream(net::EventLoop& loop, Exchange& exchange, RestClient& rest, UserStreamOptions options,
                 UserStreamHandler handler);
  ~UserDataStream();
  UserDataStream(const UserDataStream&) = delete;
  UserDataStream& operator=(const UserDataStream&) = delete;

  // Creates the listen key and connects. Only a missing URL is an error here; a failed key request
  // is reported through on_state and retried with back-off like any lost connection.
  Status Start();
  void Stop();

  const std::string& listen_key() const { return listen_key_; }
  int connects() const { return connects_; }
  int snapshots() const { return link_.snapshots(); }
  int reconnects_scheduled() const { return link_.reconnects_scheduled(); }

 private:
  // A new listen key, then a connection with it (retried with back-off when the key fails).
  void NewKeyThenConnect();
  // Extends the current key (a new one if it lapsed), then connects.
  void KeepKeyThenConnect();
  // After a lost connection: the key kept if there is one, else a new one.
  void Reconnect();
  void Connect();
  void OnOpen();
  void TakeSnapshot(const std::string& on_failure);
  void OnText(const std::string& text);
  void OnClose(const std::string& reason);
  void ScheduleReconnect(const std::string& reason);
  void KeepAlive();
  void State(const std::string& line) { link_.State(line); }

  Exchange& exchange_;
  RestClient& rest_;
  UserStreamOptions options_;
  UserStreamHandler handler_;
  StreamLink link_;
  std::string listen_key_;
  int connects_ = 0;
  bool renewing_key_ = false;
};

}  // namespace keel::binance
