#include "keel/chaos/invariant_checker.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <limits>
#include <set>

#include "keel/model/json_limits.h"
#include "keel/model/order_state.h"
#include "keel/model/side.h"

namespace keel::chaos {

namespace {

constexpr TimeMs kForever = std::numeric_limits<TimeMs>::max();

std::string KeyOf(const std::string& symbol, const std::string& position_side) { return symbol + "/" + position_side; }

// Resting on the exchange, as opposed to on its way out (an algo order triggering or triggered).
bool Resting(const TruthOrder& o) {
  if (o.algo) return o.status == "NEW";
  return o.status == "NEW" || o.status == "PARTIALLY_FILLED";
}

TimeMs EndOf(const TruthOrder& o) { return o.open() ? kForever : o.updated; }

// How much of [from, to) the daemon was running.
TimeMs UpTime(TimeMs from, TimeMs to, const std::vector<std::pair<TimeMs, TimeMs>>& down) {
  TimeMs up = to - from;
  for (const auto& [d0, d1] : down) {
    const TimeMs a = std::max(from, d0), b = std::min(to, d1);
    if (b > a) up -= b - a;
  }
  return up;
}

// Overlapping intervals as one, so that no moment is subtracted twice.
std::vector<std::pair<TimeMs, TimeMs>> Merged(std::vector<std::pair<TimeMs, TimeMs>> v) {
  std::sort(v.begin(), v.end());
  std::vector<std::pair<TimeMs, TimeMs>> out;
  for (const auto& iv : v) {
    if (!out.empty() && iv.first <= out.back().second) out.back().second = std::max(out.back().second, iv.second);
    else out.push_back(iv);
  }
  return out;
}

Decimal Signed(const TruthTrade& t) { return t.side == "BUY" ? t.qty : t.qty.negated(); }

struct Checker {
  const GroundTruth& truth;
  const StoreView& store;
  const CheckInput& input;
  CheckFigures figures;
  std::vector<Violation> out;
  // Every window a leg was open without a covering stop, as the exchange saw it (by key).
  std::map<std::string, std::vector<std::pair<TimeMs, TimeMs>>> bare;

  void Add(std::string kind, std::string subject, std::string detail) {
    out.push_back({std::move(kind), std::move(subject), std::move(detail)});
  }

  // Position sizes and protection, from the fills and the stops over time.
  void Positions() {
    std::map<std::string, Decimal> asked;  // the largest quantity any signal asked for, by symbol
    for (const auto& s : input.signals) {
      auto [it, fresh] = asked.emplace(s.symbol, s.qty.abs());
      if (!fresh && s.qty.abs() > it->second) it->second = s.qty.abs();
    }
    // Someone else's orders add to the same one-way position: what they opened is allowed on top.
    for (const auto& s : input.outside) asked[s.symbol] = asked[s.symbol].Add(s.qty.abs()).value();
    // The exchange's ids of the orders keel sent (its store knows their client ids).
    std::set<std::string> keel_client_ids;
    for (const auto& o : store.orders) keel_client_ids.insert(o.client_order_id);
    std::set<std::int64_t> keel_orders;
    for (const auto& o : truth.orders)
      if (!o.algo && keel_client_ids.count(o.client_id)) keel_orders.insert(o.id);
    std::map<std::string, std::vector<const TruthTrade*>> trades;
    for (const auto& t : truth.trades) trades[KeyOf(t.symbol, t.position_side)].push_back(&t);
    for (auto& entry : trades) {
      // Named, not a structured binding: the lambdas below capture them (C++17).
      const std::string& key = entry.first;
      auto& list = entry.second;
      std::stable_sort(list.begin(), list.end(), [](auto* a, auto* b) { return a->time < b->time; });
      const std::string symbol = list.front()->symbol, position_side = list.front()->position_side;
      std::vector<const TruthOrder*> stops;
      for (const auto& o : truth.orders)
        if (o.algo && o.type == "STOP_MARKET" && o.symbol == symbol && o.position_side == position_side) stops.push_back(&o);
      std::set<TimeMs> times;
      for (auto* t : list) times.insert(t->time);
      for (auto* s : stops) {
        times.insert(s->created);
        if (!s->open()) times.insert(s->updated);
      }
      times.insert(truth.now);
      Decimal amount, largest;
      auto next_trade = list.begin();
      TimeMs window_start = -1;
      // Opened by someone else's order, and not pushed to the keel process running now: keel can
      // only read it, once reads no longer lag behind its opening. Returns from when keel was blind
      // to it (its opening, or the end of the last process told of it), or -1: it was told.
      auto unseen_from = [&](TimeMs start, TimeMs end) -> TimeMs {
        if (!input.pushes_known) return -1;
        const TruthTrade* opening = nullptr;
        for (auto* t : list)
          if (t->time == start) opening = t;
        if (!opening || keel_orders.count(opening->order_id)) return -1;
        TimeMs blind_from = start;
        auto told = input.pushes.find(key);
        if (told == input.pushes.end()) return blind_from;
        auto forgotten = input.pushes_forgotten_at.find(key);
        for (std::size_t i = 0; i < told->second.size(); ++i) {
          const TimeMs at = told->second[i];
          if (at < start || at >= end) continue;  // one that came as the window closed told nothing of it
          const TimeMs ended = forgotten != input.pushes_forgotten_at.end() && i < forgotten->second.size()
                                   ? forgotten->second[i]
                                   : CheckInput::kNever;
          if (ended >= end) return -1;  // the process told of it lived through the window
          blind_from = std::max(blind_from, ended);
        }
        return blind_from;
      };
      // When a read made then answers from before the position opened: the lag of a stale window
      // hides it for up to `lag` into the window, even when it opened before the window began
      // (chaos seed 855228: opened at 0.3 s, reads 29 s behind from 3.4 s to 15.4 s).
      auto unreadable = [&](TimeMs start) {
        std::vector<std::pair<TimeMs, TimeMs>> hidden;
        for (const auto& w : input.stale_position_reads) {
          const TimeMs from = std::max(w.from, start), to = std::min(w.to, start + w.lag_ms);
          if (from < to) hidden.emplace_back(from, to);
        }
        return hidden;
      };
      auto close_window = [&](TimeMs end) {
        if (window_start < 0) return;
        bare[key].emplace_back(window_start, end);
        TimeMs allowance = input.grace_ms + input.tolerance_ms;
        // Not held against keel: time its daemon was not running, and time the exchange had told
        // it not to send (a 429's or 418's Retry-After, which keel obeys).
        // Nor time the exchange answered nothing (a freeze): nothing can be placed then.
        std::vector<std::pair<TimeMs, TimeMs>> excused = input.daemon_down;
        if (const TimeMs blind_from = unseen_from(window_start, end); blind_from >= 0) {
          // Someone else's, not pushed to the process running: keel can only find it by reading,
          // so neither is time no read could show it (once no process knew of it), and its scan
          // interval is allowed on top.
          for (const auto& h : unreadable(window_start))
            if (std::max(h.first, blind_from) < h.second) excused.emplace_back(std::max(h.first, blind_from), h.second);
          allowance += input.unseen_allowance_ms;
        }
        excused.insert(excused.end(), input.blind.begin(), input.blind.end());
        for (const auto& r : truth.refusals) excused.emplace_back(r.time, r.time + r.retry_after_ms);
        const TimeMs up = UpTime(window_start, end, Merged(std::move(excused)));
        figures.unprotected_ms.push_back(up);
        if (up > allowance)
          Add("unprotected", key,
              "without a covering stop from " + std::to_string(window_start) + " to " + std::to_string(end) + ": " +
                  std::to_string(up) + " ms while the daemon ran and the exchange answered (grace " +
                  std::to_string(input.grace_ms) + " ms)");
        window_start = -1;
      };
      for (TimeMs t : times) {
        if (t > truth.now) break;
        while (next_trade != list.end() && (*next_trade)->time <= t) amount = amount.Add(Signed(**next_trade++)).value();
        if (amount.abs() > largest) largest = amount.abs();
        bool covered = amount.is_zero();
        for (auto* s : stops) {
          if (covered) break;
          if (s->created > t || EndOf(*s) <= t) continue;
          if (s->side != (amount.is_positive() ? "SELL" : "BUY")) continue;
          // A whole-position stop that closes at most close_up_to (Bybit) covers no more than that.
          covered = (s->close_position && (!s->close_up_to || *s->close_up_to >= amount.abs())) ||
                    (s->reduce_only && s->qty >= amount.abs());
        }
        if (covered) close_window(t);
        else if (window_start < 0) window_start = t;
      }
      close_window(truth.now);
      auto a = asked.find(symbol);
      if (a == asked.end() && largest.is_positive()) {
        Add("oversized-position", key, "reached " + largest.ToString() + " though no signal asked for " + symbol);
      } else if (a != asked.end() && largest > a->second) {
        Add("oversized-position", key,
            "reached " + largest.ToString() + "; the largest signal asked for " + a->second.ToString() +
                " (with what was opened outside keel)");
      }
    }
  }

  // The order a request concerned: by exchange id, else by client id (the latest placed by then).
  const TruthOrder* OrderOf(const TruthRequest& r) const {
    const bool algo = r.book == "algo";
    const TruthOrder* found = nullptr;
    for (const auto& o : truth.orders) {
      if (o.algo != algo) continue;
      if (r.order_id != 0 ? o.id == r.order_id
                          : (!r.client_id.empty() && o.client_id == r.client_id && o.created <= r.time)) {
        if (!found || o.created > found->created) found = &o;
      }
    }
    return found;
  }

  void Requests() {
    figures.requests = static_cast<std::int64_t>(truth.requests.size());
    std::map<std::string, int> after_end;  // "book/id" -> amends and cancels after the order ended
    std::map<std::string, int> accepted;   // "book/clientId" -> accepted placements
    for (const auto& r : truth.requests) {
      if (r.action == "place" && r.refused.empty()) ++accepted[r.book + "/" + r.client_id];
      // Binance's -4118: keel's own reduce-only orders already covered the position (a close sent
      // beside its limit take-profit). Not an exchange fault: keel ends those before it closes.
      if (r.action == "place" && r.refused == "reduce_only_orders_cover")
        Add("own-orders-cover", r.client_id,
            "refused at " + std::to_string(r.time) + ": the reduce-only orders resting on " + r.symbol +
                " already covered the position (-4118)");
      if ((r.action != "amend" && r.action != "cancel") || r.refused.empty()) continue;
      const TruthOrder* o = OrderOf(r);
      if (!o || o->open() || r.time < o->updated) continue;
      const std::string key = r.book + "/" + o->client_id;
      if (++after_end[key] == 2)
        Add("touched-terminal", o->client_id,
            std::string(o->algo ? "conditional " : "") + "order " + std::to_string(o->id) + " ended " + o->status + " at " +
                std::to_string(o->updated) + "; a second " + r.action + " reached it at " + std::to_string(r.time) +
                " (refused: " + r.refused + ")");
    }
    for (const auto& [key, n] : accepted)
      if (n > 1) Add("duplicate-order", key, std::to_string(n) + " accepted placements for one client order id");
  }

  // Once quiet: the store and the exchange agree on positions and on resting orders.
  void StoreAgrees() {
    std::map<std::string, Decimal> venue, kept;
    for (const auto& p : truth.positions)
      if (!p.amount.is_zero()) venue[KeyOf(p.symbol, p.position_side)] = p.amount;
    for (const auto& p : store.open_positions) kept[KeyOf(p.symbol, to_string(p.position_side))] = p.qty;
    for (const auto& [key, amount] : venue) {
      auto it = kept.find(key);
      if (it == kept.end()) Add("store-mismatch", key, "the exchange holds " + amount.ToString() + "; the store no open position");
      else if (it->second != amount)
        Add("store-mismatch", key, "the exchange holds " + amount.ToString() + "; the store " + it->second.ToString());
    }
    for (const auto& [key, qty] : kept)
      if (!venue.count(key)) Add("store-mismatch", key, "the store holds " + qty.ToString() + "; the exchange is flat");
    std::map<std::string, const TruthOrder*> resting;
    for (const auto& o : truth.orders)
      if (Resting(o) && o.position_tpsl.empty()) resting[o.client_id] = &o;  // the venue's own are not keel's
    std::set<std::string> working;
    for (const auto& o : store.orders) {
      if (is_terminal(o.state)) continue;
      working.insert(o.client_order_id);
      if (!resting.count(o.client_order_id))
        Add("store-mismatch", o.client_order_id,
            std::string("the store holds it ") + to_string(o.state) + "; the exchange has no such resting order");
    }
    for (const auto& [cid, o] : resting)
      if (!working.count(cid))
        Add("store-mismatch", cid, "resting on the exchange (" + o->type + " " + o->symbol + "); not working in the store");
    for (const auto& f : store.findings) Add("store-invariant", f.subject, f.kind + ": " + f.message);
  }

  // The position of a leg at t, from the fills up to and including t.
  Decimal AmountAt(const std::string& symbol, const std::string& position_side, TimeMs t) const {
    Decimal amount;
    for (const auto& tr : truth.trades)
      if (tr.symbol == symbol && tr.position_side == position_side && tr.time <= t) amount = amount.Add(Signed(tr)).value();
    return amount;
  }
  std::vector<std::string> LegsOf(const Claim& c) const {
    if (!c.position_side.empty()) return {c.position_side};
    return {"BOTH", "LONG", "SHORT"};
  }

  // What keel said, against the exchange at that moment. A claim stands when it held at some
  // moment within the tolerance before it was made (an event in flight: the stop that just fired,
  // the fill whose push is on its way).
  void Claims() {
    const TimeMs tol = input.tolerance_ms;
    for (const auto& c : input.claims) {
      if (c.kind == Claim::Kind::kAllProtected) {
        // False when a leg was bare from before the age the claim speaks of until the claim.
        for (const auto& [key, windows] : bare)
          for (const auto& [from, to] : windows)
            if (from <= c.at - c.older_than_ms - tol && to > c.at)
              Add("false-claim", key,
                  c.who + " at " + std::to_string(c.at) + " said every position protected; " + key +
                      " had no covering stop from " + std::to_string(from) + " to " + std::to_string(to));
        continue;
      }
      if (c.kind == Claim::Kind::kStopNotPlaced) {
        // Rolling a position back for a stop the exchange held resting throughout the window:
        // its placement's answer was lost, and something newer (the stream) said it rested.
        for (const auto& o : truth.orders)
          if (o.algo && o.client_id == c.stop_client_id && o.created <= c.at - tol && EndOf(o) > c.at)
            Add("false-claim", c.symbol,
                c.who + " at " + std::to_string(c.at) + " rolled back: the stop " + c.stop_client_id +
                    " was not placed; the exchange held it resting from " + std::to_string(o.created));
        continue;
      }
      for (const auto& leg : LegsOf(c)) {
        const Decimal now = AmountAt(c.symbol, leg, c.at);
        const Decimal before = AmountAt(c.symbol, leg, c.at - tol);
        if (now.is_zero() || before.is_zero()) continue;
        // A fill inside the window that made it flat for a moment counts as held too.
        bool flat_between = false;
        Decimal walk = before;
        for (const auto& tr : truth.trades) {
          if (tr.symbol != c.symbol || tr.position_side != leg || tr.time <= c.at - tol || tr.time > c.at) continue;
          walk = walk.Add(Signed(tr)).value();
          flat_between |= walk.is_zero();
        }
        if (flat_between) continue;
        if (c.kind == Claim::Kind::kFlat) {
          Add("false-claim", c.symbol + "/" + leg,
              c.who + " at " + std::to_string(c.at) + " said flat; the exchange held " + now.ToString());
          continue;
        }
        const TruthOrder* stop = nullptr;
        for (const auto& o : truth.orders)
          if (o.algo && o.client_id == c.stop_client_id) stop = &o;
        const bool held = stop && stop->created <= c.at && EndOf(*stop) > c.at - tol;
        if (!held)
          Add("false-claim", c.symbol + "/" + leg,
              c.who + " at " + std::to_string(c.at) + " said protected by " + c.stop_client_id + "; the exchange " +
                  (stop ? "held it from " + std::to_string(stop->created) + " to " +
                              (stop->open() ? std::string("now") : std::to_string(stop->updated))
                        : std::string("never had it")) +
                  ", the position " + now.ToString());
      }
    }
  }

  // The exchange silent past the alert time while the daemon ran: an alert must have said so.
  // The operator's flatten of a grid's symbol pauses the grid before anything else: from then it
  // sends nothing (its signals' ids carry the moment it made them) until a resume, or a restart
  // (the pause is held in memory). A signal the grid made before the flatten may still be taken
  // after it (docs/strategies.md, "Not yet"): only what it made after counts. Once the flatten
  // answers "flat", nothing of the symbol placed before it began rests on the exchange: its
  // pending levels were cancelled first.
  void Grid() {
    if (!input.grid) return;
    const auto& g = *input.grid;
    for (const auto& f : g.flattens) {
      for (const auto& s : store.signals) {
        if (s.id.rfind(g.id_prefix, 0) != 0 || s.id.size() < g.id_prefix.size() + 3) continue;
        const std::string rest = s.id.substr(g.id_prefix.size() + 2);
        const auto digits = rest.find_first_not_of("0123456789");
        const std::string ms_text = rest.substr(0, digits);
        if (ms_text.empty() || ms_text.size() > 15) continue;
        const TimeMs made = std::stoll(ms_text);
        // Both legs' signals of one tick are made a millisecond apart.
        if (made > f.began + g.slack_ms && made < f.paused_until)
          Add("grid-after-flatten", s.id,
              "the grid made it at " + std::to_string(made) + ", after the operator's flatten of " + g.symbol + " paused it at " +
                  std::to_string(f.began) + ", with no resume or restart between (" + to_string(s.state) + ": " + s.detail + ")");
      }
      if (f.exit_code != 0 || f.answered < 0) continue;
      for (const auto& o : truth.orders) {
        if (o.algo || o.symbol != g.symbol || o.created > f.began) continue;
        if (EndOf(o) > f.answered)
          Add("grid-after-flatten", o.client_id,
              "order " + std::to_string(o.id) + " of " + g.symbol + " (" + o.side + " " + o.position_side + ", placed at " +
                  std::to_string(o.created) + ") still rested when the flatten begun at " + std::to_string(f.began) +
                  " answered flat at " + std::to_string(f.answered));
      }
    }
  }

  void Blindness() {
    for (const auto& [from, to] : input.blind) {
      // Time the exchange had told keel to wait (a 429's Retry-After) keel spends not asking.
      std::vector<std::pair<TimeMs, TimeMs>> waits;
      for (const auto& r : truth.refusals) waits.emplace_back(r.time, r.time + r.retry_after_ms);
      if (UpTime(from, to, Merged(std::move(waits))) <= input.blind_alert_after_ms) continue;
      bool daemon_down = false;
      for (const auto& [d0, d1] : input.daemon_down) daemon_down |= d0 < to && d1 > from;
      if (daemon_down) continue;  // a daemon that cannot start cannot alert: its exit is the word
      bool alerted = false;
      for (const auto& [kind, at] : input.alerts)
        alerted |= (kind == "exchange-not-answering" || kind == "rate-limited") && at >= from &&
                   at <= to + input.tolerance_ms;
      if (!alerted)
        Add("silent-blindness", "exchange",
            "answered nothing from " + std::to_string(from) + " to " + std::to_string(to) + " (" +
                std::to_string((to - from) / 1000) + " s) and no exchange-not-answering alert was raised");
    }
  }

  // An order the exchange ended by itself: how long until the store knew.
  void GhostRecovery() {
    std::map<std::string, const OrderRecord*> by_id;
    for (const auto& o : store.orders) by_id[o.client_order_id] = &o;
    for (const auto& o : truth.orders) {
      if (o.open() || (o.status != "CANCELED" && o.status != "EXPIRED")) continue;
      bool by_client = false;
      for (const auto& r : truth.requests)
        by_client |= r.refused.empty() && r.time == o.updated && (r.action == "cancel" || r.action == "cancel_all") &&
                     (r.action == "cancel_all" ? r.symbol == o.symbol : (r.order_id == o.id || r.client_id == o.client_id));
      if (by_client) continue;
      auto it = by_id.find(o.client_id);
      if (it == by_id.end() || !is_terminal(it->second->state)) continue;
      figures.ghost_recovery_ms.push_back(std::max<TimeMs>(0, it->second->updated_ms - o.updated));
    }
  }
};

}  // namespace

Result<std::vector<Claim>> ClaimsInJournal(StateStore& store) {
  RecordFilter f;
  auto journal = store.Journal(f);
  if (!journal.ok()) return journal.status();
  std::vector<Claim> out;
  std::map<std::string, std::string> state_of;  // signal id -> its last state: a claim is a change
  for (const auto& e : *journal) {
    if (e.entity != "signal" || !CheckJsonLimits(e.payload, "journal payload").ok()) continue;
    rapidjson::Document d;
    d.Parse(e.payload.c_str(), e.payload.size());
    if (d.HasParseError() || !d.IsObject()) continue;
    auto text = [&d](const char* key) -> std::string {
      return d.HasMember(key) && d[key].IsString() ? std::string(d[key].GetString(), d[key].GetStringLength()) : "";
    };
    const std::string state = text("state"), detail = text("detail");
    std::string& before = state_of[e.entity_id];
    const bool changed = before != state;
    before = state;
    Claim c;
    c.at = e.local_ms;
    c.symbol = text("symbol");
    c.position_side = text("position_side");
    // A close signal speaks for every leg of the symbol; an open one for its own leg.
    if (text("action") == "close") c.position_side.clear();
    c.who = "signal " + e.entity_id + " " + state;
    if (!changed && state != "open") continue;
    if (state == "closed" || state == "rolled-back") {
      c.kind = Claim::Kind::kFlat;
      out.push_back(c);
    } else if (detail.rfind("rolling back: the stop was not placed", 0) == 0) {
      c.kind = Claim::Kind::kStopNotPlaced;
      c.stop_client_id = text("stop_client_order_id");
      if (!c.stop_client_id.empty()) out.push_back(c);
    } else if (state == "open" && detail.rfind("protected by stop ", 0) == 0) {
      c.kind = Claim::Kind::kProtected;
      c.stop_client_id = text("stop_client_order_id");
      if (!c.stop_client_id.empty()) out.push_back(c);
    }
  }
  return out;
}

Result<StoreView> ReadStoreView(StateStore& store, const InvariantOptions& options) {
  StoreView v;
  PositionFilter pf;
  pf.state = PositionState::kOpen;
  auto positions = store.Positions(pf);
  if (!positions.ok()) return positions.status();
  v.open_positions = std::move(*positions);
  auto orders = store.Orders(OrderFilter{});
  if (!orders.ok()) return orders.status();
  v.orders = std::move(*orders);
  auto findings = CheckStoreInvariants(store, options);
  if (!findings.ok()) return findings.status();
  v.findings = std::move(*findings);
  auto signals = store.Signals(SignalFilter{});
  if (!signals.ok()) return signals.status();
  v.signals = std::move(*signals);
  return v;
}

std::vector<Violation> CheckEpisode(const GroundTruth& truth, const StoreView& store, const CheckInput& input,
                                    CheckFigures* figures) {
  Checker c{truth, store, input, {}, {}, {}};
  c.Positions();
  c.Requests();
  c.StoreAgrees();
  c.GhostRecovery();
  c.Claims();
  c.Blindness();
  c.Grid();
  if (figures) *figures = std::move(c.figures);
  return std::move(c.out);
}

}  // namespace keel::chaos
