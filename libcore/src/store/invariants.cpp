#include "keel/store/invariants.h"

#include "keel/model/protection.h"

#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace keel {
namespace {

std::string key_of(const std::string& symbol, PositionSide side) { return symbol + "/" + to_string(side); }

}  // namespace

std::vector<Finding> FindInvariantViolations(const InvariantSnapshot& s, const InvariantOptions& opt) {
  std::vector<Finding> findings;
  for (const auto& problem : s.integrity_problems) findings.push_back({"integrity", "store", problem});
  for (const auto& gap : s.journal_gaps) {
    findings.push_back({"journal-gap", "journal",
                        "journal entries " + std::to_string(gap.after_seq + 1) + ".." +
                            std::to_string(gap.before_seq - 1) + " are missing"});
  }

  std::unordered_map<std::string, const OrderRecord*> orders_by_id;
  for (const auto& o : s.orders) orders_by_id.emplace(o.client_order_id, &o);

  std::map<std::string, int> open_count;
  std::map<std::string, std::set<PositionSide>> sides_by_symbol;
  for (const auto& p : s.open_positions) {
    const std::string key = key_of(p.symbol, p.position_side);
    ++open_count[key];
    sides_by_symbol[p.symbol].insert(p.position_side);
    const bool past_grace = opt.now_ms - p.opened_ms > opt.protect_grace_ms;
    const std::string since = "open since " + format_utc(p.opened_ms);
    if (!p.stop_client_order_id) {
      if (past_grace) findings.push_back({"unprotected-position", key, since + " with no protective stop"});
      continue;
    }
    const std::string& stop_id = *p.stop_client_order_id;
    auto it = orders_by_id.find(stop_id);
    if (it == orders_by_id.end()) {
      findings.push_back({"unprotected-position", key, since + "; its stop " + stop_id + " is not in the store"});
      continue;
    }
    const OrderRecord& stop = *it->second;
    if (stop.symbol != p.symbol || stop.position_side != p.position_side) {
      findings.push_back({"stop-mismatch", key,
                          "its stop " + stop_id + " is on " + key_of(stop.symbol, stop.position_side)});
      continue;
    }
    if (is_terminal(stop.state)) {
      findings.push_back({"terminal-stop", key,
                          "its stop " + stop_id + " is " + to_string(stop.state) + ": the position is unprotected"});
      continue;
    }
    if (!is_protective(stop.purpose)) {
      findings.push_back({"stop-mismatch", key,
                          "its stop " + stop_id + " has purpose " + to_string(stop.purpose) + ", not a stop"});
      continue;
    }
    if (!is_confirmed_working(stop.state)) {
      if (past_grace) {
        findings.push_back({"unprotected-position", key,
                            since + "; its stop " + stop_id + " is " + to_string(stop.state) + ", not confirmed working"});
      }
      continue;
    }
    // The same rule as the orphan scanner's (model/protection.h), over the stops the store holds
    // working for this position.
    std::vector<StopOrder> working;
    for (const auto& o : s.orders) {
      if (o.symbol != p.symbol || !is_confirmed_working(o.state) || !is_protective(o.purpose)) continue;
      working.push_back(StopOrderOf(o));
      working.back().close_up_to = o.close_up_to;  // Bybit's qty "0" stop: as much as it closes
    }
    if (!ProtectsPosition(StopOrderOf(stop), p.symbol, p.position_side, p.qty)) {
      findings.push_back({"stop-mismatch", key,
                          "its stop " + stop_id + " (" + to_string(stop.side) + ", " +
                              (stop.reduce_only || stop.close_position ? "reduce-only" : "not reduce-only") +
                              ") would not close a position of " + p.qty.ToString()});
      continue;
    }
    const CoverageReport cover = CoverageOf(p.symbol, p.position_side, p.qty, working);
    if (cover.coverage == Coverage::kPartial && past_grace) {
      findings.push_back({"partially-protected-position", key,
                          since + "; its stops close " + cover.covered.ToString() + " of " + p.qty.abs().ToString()});
    }
  }
  for (const auto& [key, count] : open_count) {
    if (count > 1)
      findings.push_back({"duplicate-open-position", key, std::to_string(count) + " open positions, expected at most 1"});
  }
  for (const auto& [symbol, sides] : sides_by_symbol) {
    if (sides.count(PositionSide::kBoth) && sides.size() > 1) {
      findings.push_back({"mixed-position-mode", symbol, "open positions in both one-way (BOTH) and hedge (LONG/SHORT) mode"});
    }
  }
  // A trade the store calls open (its entry verified, protected or being protected) on a leg
  // where the store holds no open position: keel would go on protecting, or report, a position
  // that is gone (a stop that fired while keel was down). Young ones may be closing right now.
  for (const auto& sig : s.unfinished_signals) {
    if (sig.action != "open" || sig.state != SignalState::kOpen || !sig.position_side) continue;
    if (opt.now_ms - sig.updated_ms <= opt.protect_grace_ms) continue;
    if (open_count.count(key_of(sig.symbol, *sig.position_side))) continue;
    findings.push_back({"trade-without-position", key_of(sig.symbol, *sig.position_side),
                        "signal " + sig.id + " is open (since " + format_utc(sig.updated_ms) +
                            ") but the store holds no open position on its leg"});
  }
  for (const auto& intent : s.intents) {
    if (orders_by_id.count(intent.client_order_id)) continue;
    if (opt.now_ms - intent.created_ms <= opt.crash_window_ms) continue;
    findings.push_back({"unresolved-intent", intent.client_order_id,
                        std::string(to_string(intent.purpose)) + " " + to_string(intent.side) + " " +
                            intent.qty.ToString() + " " + intent.symbol + " intended at " +
                            format_utc(intent.created_ms) + " has no order: settle it by client order id"});
  }
  return findings;
}

Result<InvariantSnapshot> LoadInvariantSnapshot(StateStore& store) {
  InvariantSnapshot s;
  auto integrity = store.IntegrityProblems();
  if (!integrity.ok()) return integrity.status();
  s.integrity_problems = std::move(integrity).value();
  auto gaps = store.JournalGaps();
  if (!gaps.ok()) return gaps.status();
  s.journal_gaps = std::move(gaps).value();
  PositionFilter open;
  open.state = PositionState::kOpen;
  auto positions = store.Positions(open);
  if (!positions.ok()) return positions.status();
  s.open_positions = std::move(positions).value();
  auto orders = store.Orders(OrderFilter{});
  if (!orders.ok()) return orders.status();
  s.orders = std::move(orders).value();
  auto intents = store.Intents(RecordFilter{});
  if (!intents.ok()) return intents.status();
  s.intents = std::move(intents).value();
  SignalFilter unfinished;
  unfinished.unfinished_only = true;
  auto signals = store.Signals(unfinished);
  if (!signals.ok()) return signals.status();
  s.unfinished_signals = std::move(signals).value();
  return s;
}

Result<std::vector<Finding>> CheckStoreInvariants(StateStore& store, const InvariantOptions& options) {
  auto snapshot = LoadInvariantSnapshot(store);
  if (!snapshot.ok()) return snapshot.status();
  return FindInvariantViolations(*snapshot, options);
}

}  // namespace keel
