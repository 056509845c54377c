#pragma once
// The memory behind the stale-read fault, so that a read can be answered as of N ms ago (seed 004:
// a REST position read 100 ms after a close still showed the position): a minute of each account's
// positions, always, and snapshots of its orders while the fault is on.

#include <deque>
#include <map>
#include <vector>

#include "keel/sim/sim_exchange.h"

namespace keel::sim {

struct AccountSnapshot {
  TimeMs taken_at = 0;
  std::vector<SimOrder> orders;       // every order, for queries by id
  std::vector<SimOrder> open_orders;
  std::vector<SimAlgoOrder> open_algo_orders;
};

class StaleReads {
 public:
  // Positions are remembered always (the last minute of them): a lagging replica answers from
  // before the moment the fault was switched on. Orders are remembered while the fault is on.
  void ObservePositions(const SimExchange& ex, TimeMs now);
  // The positions as they were at t (the newest record at or before t), or nullptr if none is kept.
  const std::vector<SimPosition>* PositionsAt(AccountId id, TimeMs t) const;

  // Starts remembering from now (a fresh snapshot of every account).
  void Start(const SimExchange& ex, TimeMs now);
  void Stop();
  bool active() const { return active_; }
  // Takes a snapshot of every account that changed since the last one.
  void Observe(const SimExchange& ex, TimeMs now);
  // The newest snapshot taken at or before t, else the oldest one kept.
  const AccountSnapshot* At(AccountId id, TimeMs t) const;
  // Forgets snapshots no read at lag_ms can need any more.
  void Trim(TimeMs now, TimeMs lag_ms);
  // The position rows a REST read shows, whichever the dialect: as of lag_ms ago when the stale-read
  // fault covers positions (lag_ms > 0), else now. with_flat: every row of `symbol` (all symbols
  // when empty), both legs in hedge mode, flat ones included (a lagging read's flat rows know
  // nothing of what came after it: update time 0); else only the open positions of `symbol` (all
  // when empty).
  std::vector<SimPosition> PositionRows(const SimExchange& ex, AccountId id, TimeMs now, TimeMs lag_ms,
                                        const std::string& symbol, bool with_flat) const;
  // What every REST request does around its handler, whichever the dialect: brings the exchange to
  // now, starts or stops remembering as the fault (lag_ms, 0 when off) says, and records the state
  // before and after.
  void BeforeRequest(SimExchange& ex, TimeMs lag_ms);
  void AfterRequest(const SimExchange& ex, TimeMs lag_ms);

 private:
  void Take(const SimExchange& ex, AccountId id, TimeMs now);
  struct PositionRecord {
    TimeMs at;
    std::vector<SimPosition> positions;
  };
  std::map<AccountId, std::deque<PositionRecord>> positions_;
  std::map<AccountId, std::uint64_t> positions_version_;
  bool active_ = false;
  std::map<AccountId, std::deque<AccountSnapshot>> history_;
  std::map<AccountId, std::uint64_t> seen_version_;
};

}  // namespace keel::sim
