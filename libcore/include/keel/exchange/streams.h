#pragma once
// The venue's streams behind one interface, as ConnectExchange is its REST: the account's private
// stream (orders, fills, positions; a REST snapshot after every (re)subscription) and the market
// streams (best bid and ask, mark price), built for the config's exchange.kind and feeding one
// StreamHandler whichever venue it is. The daemon knows no venue type.
// Runs on the EventLoop's thread, and so do the handler's callbacks; REST work of the streams (a
// snapshot, a listen key) goes to `offload` when given.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "keel/config/config.h"
#include "keel/exchange/exchange.h"
#include "keel/exchange/stream_events.h"
#include "keel/net/event_loop.h"

namespace keel {

struct StreamHandler {
  std::function<void(const OrderEvent&)> on_order;  // a fill is an order event with last_qty
  std::function<void(const PositionEvent&)> on_position;
  std::function<void(const AccountReport&)> on_snapshot;  // after every (re)subscription
  std::function<void(const std::string&)> on_state;       // the private stream: "live", "reconnecting …"
  std::function<void(const std::string& symbol, Decimal bid, Decimal ask)> on_book;
  std::function<void(const std::string& symbol, Decimal mark)> on_mark;
  std::function<void(const std::string&)> on_market_state;
  // A frame a stream could not read ("private" or "market"); the connection stays up.
  std::function<void(const std::string& stream, const std::string& why)> on_refused;
};

class VenueStreams {
 public:
  virtual ~VenueStreams() = default;
  virtual Status StartPrivate() = 0;
  // Market data for these symbols (none: nothing is started).
  virtual Status StartMarket(const std::vector<std::string>& symbols) = 0;
  virtual void Stop() = 0;
};

struct StreamSetup {
  // Runs a blocking job elsewhere (a net::WorkerThreads); empty: on the loop's thread.
  std::function<void(std::function<void()>)> offload;
};

// `exchange`: the private stream's own adapter, made by ConnectExchange for this config (its
// snapshots and listen keys go through it); it must outlive the streams.
Result<std::unique_ptr<VenueStreams>> ConnectStreams(net::EventLoop& loop, const AccountConfig& config,
                                                     const Credentials& credentials, Exchange& exchange,
                                                     const Clock& clock, StreamSetup setup, StreamHandler handler);

}  // namespace keel
