#pragma once
// Between the exchange and its user-data streams: the place where stream faults happen. Events go
// in as the exchange emits them and come out when due, possibly late, twice, out of order or never.
// The server and in-process scenario tests both read from here, so both see the same faults.

#include <cstdint>
#include <random>
#include <vector>

#include "keel/sim/faults.h"
#include "keel/sim/sim_types.h"

namespace keel::sim {

class EventOutbox {
 public:
  explicit EventOutbox(std::uint64_t seed) : rng_(seed) {}

  // Applies the stream faults to each event (consuming one-shot rules) and queues what survives.
  void Push(std::vector<UserEvent> events, TimeMs now, StreamFaults& faults);
  // Events due at now, in delivery order.
  std::vector<UserEvent> TakeDue(TimeMs now);
  bool empty() const { return queue_.empty(); }

  struct Counters {
    std::int64_t queued = 0;
    std::int64_t delivered = 0;
    std::int64_t dropped = 0;
    std::int64_t duplicated = 0;
    std::int64_t reordered = 0;
  };
  const Counters& counters() const { return counters_; }

 private:
  struct Entry {
    TimeMs due;
    std::uint64_t seq;
    UserEvent event;
  };
  std::vector<Entry> queue_;
  std::mt19937_64 rng_;
  std::uint64_t next_seq_ = 0;
  TimeMs last_latency_due_ = 0;
  Counters counters_;
};

// The "x" of an ORDER_TRADE_UPDATE or the "X" of an ALGO_UPDATE, for drop rules; else empty.
std::string event_detail(const UserEvent& e);

}  // namespace keel::sim
