#pragma once
// Bybit v5's public linear stream for a set of symbols (docs/v5/websocket/public/orderbook.mdx,
// ticker.mdx): <ws_url>/v5/public/linear, subscribed to orderbook.1.<S> (the best bid and ask) and
// tickers.<S> (the mark price) after each connect. A ticker starts with a snapshot and continues
// with deltas carrying only what changed: the tracker merges them, and a delta without markPrice
// leaves the mark as it was. Pinged every 20 s; reconnected with back-off after any close. Runs on
// the EventLoop's thread; handlers run there too.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "keel/exchange/stream_link.h"
#include "keel/model/decimal.h"

namespace keel::bybit {

struct PublicStreamOptions {
  std::string ws_url;
  std::optional<std::string> ca_path;
  std::vector<std::string> symbols;
  TimeMs ping_ms = 20'000;
  TimeMs backoff_initial_ms = 1000;
  TimeMs backoff_max_ms = 30'000;
  std::uint64_t jitter_seed = 1;
};

struct PublicStreamHandler {
  std::function<void(const std::string& symbol, Decimal bid, Decimal ask)> on_book;
  std::function<void(const std::string& symbol, Decimal mark)> on_mark;
  std::function<void(const std::string&)> on_state;
  // A frame that could not be read (malformed, nested too deep, a shape keel does not know). The
  // connection stays up, so this is not a state: the private streams read the account by REST.
  std::function<void(const std::string&)> on_refused;
};

// One public message read: what it changed, if anything keel uses.
struct PublicUpdate {
  std::string symbol;
  std::optional<Decimal> bid, ask;  // orderbook.1: the best levels sent (absent side unchanged)
  std::optional<Decimal> mark;      // tickers: markPrice when the message carries it
  bool control = false;             // a subscribe reply or a pong
};
// Parses a public linear message; kInvalidInput naming what is wrong.
Result<PublicUpdate> ParsePublicMessage(std::string_view json);

class PublicStream {
 public:
  PublicStream(net::EventLoop& loop, PublicStreamOptions options, PublicStreamHandler handler);
  ~PublicStream();
  PublicStream(const PublicStream&) = delete;
  PublicStream& operator=(const PublicStream&) = delete;

  Status Start();
  void Stop();
  int connects() const { return connects_; }

 private:
  void Connect();
  void OnOpen();
  void OnText(const std::string& text);

  PublicStreamOptions options_;
  PublicStreamHandler handler_;
  StreamLink link_;
  struct Book {
    Decimal bid, ask;
  };
  std::map<std::string, Book> books_;
  int connects_ = 0;
};

}  // namespace keel::bybit
