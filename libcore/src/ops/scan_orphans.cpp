#include <algorithm>
#include <chrono>
#include <map>
#include <ostream>
#include <thread>

#include "keel/model/json_writer.h"
#include "keel/ops/exit_code.h"
#include "keel/ops/safety_tools.h"
#include "keel/ops/table.h"
#include "keel/safety/client_ids.h"
#include "keel/safety/orphan_scanner.h"
#include "keel/safety/protect.h"
#include "keel/safety/safe_close.h"

namespace keel::ops {
namespace {

struct Action {
  std::string symbol;
  PositionSide position_side;
  std::string action;
  bool ok;
  std::string detail;
};

// How far back a fill can make a read suspect: reads have been seen 30 s behind (seed 004, the
// soak's faults); a fill older than this that no read shows is history, not lag.
constexpr TimeMs kReadLagHorizonMs = 5 * 60 * 1000;

// Issue [1/6] case 5: an account read that lags shows no position where one is open, and a scan
// that believes it says "no orphans". A symbol with a recent fill is judged only when a read at
// least as new as that fill shows it: the account read's rows, else the symbol's own rows (flat
// ones carry their time too). Each symbol that cannot be proven is a line saying why.
Result<std::vector<std::string>> UnprovenSymbols(Exchange& ex, const AccountReport& account, const StoreView& store,
                                                 const std::vector<std::string>& only, TimeMs now) {
  auto fills = ex.RecentFills();
  if (!fills.ok()) return fills.status().WithContext("reading the recent fills to judge the reads by");
  std::vector<std::string> unproven;
  for (const auto& [symbol, filled_at] : *fills) {
    if (!only.empty() && std::find(only.begin(), only.end(), symbol) == only.end()) continue;
    if (now - filled_at > kReadLagHorizonMs) continue;
    // keel applied a change of the symbol at least as new as the fill (its stream, its own close):
    // the fill is explained, and a read older than it is judged by the stale-read guard (seed 004).
    TimeMs applied = -1;
    for (const auto& [key, at] : store.newest_position_time)
      if (key.first == symbol) applied = std::max(applied, at);
    if (applied >= filled_at) continue;
    TimeMs shown = -1;
    for (const auto& p : account.positions)
      if (p.symbol == symbol) shown = std::max(shown, p.update_time);
    if (shown >= filled_at) continue;
    auto rows = ex.PositionRows(symbol);
    if (!rows.ok()) {
      unproven.push_back(symbol + ": " + rows.status().message());
      continue;
    }
    TimeMs row_time = -1;
    bool open = false;
    for (const auto& r : *rows) {
      row_time = std::max(row_time, r.update_time);
      open |= !r.amount.is_zero();
    }
    if (row_time < filled_at) {
      unproven.push_back(symbol + ": a fill at " + format_utc(filled_at) + " is newer than every position read (" +
                         (row_time < 0 ? std::string("no row") : row_time == 0 ? std::string("a row with no time") : format_utc(row_time)) +
                         "): reads lag, cannot prove it flat or protected; run the scan again in a minute");
    } else if (open && shown < 0) {
      unproven.push_back(symbol + ": open on the symbol's own read, missing from the account's: reads lag; run the scan again in a minute");
    }
  }
  return unproven;
}

}  // namespace

Result<int> RunScanOrphans(ToolContext& ctx, const ScanOrphansOptions& o) {
  KEEL_RETURN_IF_ERROR(CheckOptions(o));
  if (o.close) KEEL_RETURN_IF_ERROR(ctx.RequireStore("close orphan positions"));
  // The instruments are needed to check --symbol and to place stops: read them with the account,
  // in the same round trip.
  Result<Exchange::AccountAndListing> read = Status::Internal("unread");
  // On Bybit a whole-position stop closes only up to a cap the listing says: read it too.
  if (!o.symbols.empty() || o.protect || ctx.exchange->WholePositionStopIsCapped()) {
    read = ctx.exchange->AccountAndInstruments();
  } else {
    auto only = ctx.exchange->Account();
    read = only.ok() ? Result<Exchange::AccountAndListing>(Exchange::AccountAndListing{std::move(only).value(), {}})
                     : Result<Exchange::AccountAndListing>(only.status());
  }
  if (!read.ok()) return read.status().WithContext("reading the account from the exchange");
  // A typo must not read as "no orphans": every symbol asked about must be one the exchange lists.
  for (const auto& symbol : o.symbols)
    if (!read->instruments.Lists(symbol)) return Status::InvalidInput("--symbol: the exchange does not list " + symbol);
  const AccountReport* account = &read->account;
  auto view = LoadStoreView(*ctx.store);
  if (!view.ok()) return view.status();
  OrphanOptions options;
  options.account = ctx.account();
  options.now = ctx.clock.NowMs();
  options.grace_ms = o.grace_ms;
  options.symbols = o.symbols;
  options.close_stop_max_qty = CloseStopCaps(read->instruments.instruments);
  OrphanScan scan = ScanForOrphans(*account, *view, options);
  auto unproven = UnprovenSymbols(*ctx.exchange, *account, *view, o.symbols, ctx.clock.NowMs());
  if (!unproven.ok()) return unproven.status();
  scan.ignored.insert(scan.ignored.end(), unproven->begin(), unproven->end());
  const bool reads_lag = !unproven->empty();

  // Each orphan position once, with what is wrong with it.
  std::map<std::pair<std::string, PositionSide>, std::pair<bool, bool>> positions;  // untracked, unprotected
  for (const auto& f : scan.findings) {
    if (f.kind == OrphanKind::kUntrackedPosition) positions[{f.symbol, f.position_side}].first = true;
    if (f.kind == OrphanKind::kUnprotectedPosition || f.kind == OrphanKind::kPartiallyProtectedPosition)
      positions[{f.symbol, f.position_side}].second = true;
  }
  std::vector<Action> actions;
  std::map<std::string, TimeMs> last_stop_ms;  // by symbol: the time the last stop's id was made from
  if ((o.protect || o.close) && !positions.empty()) {
    KEEL_RETURN_IF_ERROR(ctx.Confirm(o.yes, std::string(o.protect ? "protect " : "close ") +
                                               std::to_string(positions.size()) + " orphan position(s)"));
    KEEL_RETURN_IF_ERROR(ctx.OpenWriter(o.close ? StoreCreation::kMustExist : StoreCreation::kMayCreate,
                                        o.close ? "close orphan positions" : "protect orphan positions"));
    const InstrumentList& instruments = read->instruments;
    for (const auto& [key, problems] : positions) {
      const auto& [symbol, side] = key;
      const PositionReport* p = nullptr;
      for (const auto& candidate : account->positions)
        if (candidate.symbol == symbol && candidate.position_side == side) p = &candidate;
      if (!p) continue;
      if (o.close) {
        SafeCloseOptions close;
        close.account = ctx.account();
        close.symbol = symbol;
        close.position_side = side;
        close.now = [&ctx] { return ctx.clock.NowMs(); };
        close.sleep = [&ctx](TimeMs ms) { ctx.clock.SleepMs(ms); };
        close.reason = "orphan closed by keel-scan-orphans --close";
        auto closed = SafeClose(*ctx.exchange, ctx.store.get(), close);
        if (!closed.ok()) actions.push_back({symbol, side, "close", false, closed.status().message()});
        else actions.push_back({symbol, side, "close", closed->verified_flat, closed->steps.back()});
        continue;
      }
      if (!problems.second) {
        // Untracked but already protected: adopt it so keel tracks it from now on.
        PositionRecord adopt;
        adopt.symbol = symbol;
        adopt.position_side = side;
        adopt.qty = p->amount;
        adopt.entry_price = p->entry_price;
        adopt.opened_ms = ctx.clock.NowMs();
        adopt.exchange_updated_ms = p->update_time;
        WriteBatch b(ctx.clock.NowMs());
        b.PutOpenPosition(adopt, Provenance{Source::kOperator, p->update_time, "adopted by keel-scan-orphans"});
        Status s = ctx.store->Write(b);
        actions.push_back({symbol, side, "adopt", s.ok(), s.ok() ? "tracked from now on (it has a stop)" : s.message()});
        continue;
      }
      auto inst = instruments.Find(symbol);
      if (!inst.ok()) {
        actions.push_back({symbol, side, "protect", false, inst.status().message()});
        continue;
      }
      ProtectOptions protect;
      protect.account = ctx.account();
      protect.stop_pct = *o.stop_pct;
      protect.now = ctx.clock.NowMs();
      // Both legs of a symbol in one millisecond (hedge mode) would share an id made from it.
      TimeMs& last = last_stop_ms[symbol];
      last = std::max(protect.now, last + 1);
      protect.client_order_id = MakeClientOrderId(ctx.account(), OrderPurpose::kEmergencyStop, symbol, last);
      // (an init-capture: clang's C++17 cannot capture the structured binding itself)
      protect.next_client_order_id = [&ctx, &last, of = symbol] {
        return MakeClientOrderId(ctx.account(), OrderPurpose::kEmergencyStop, of, ++last);
      };
      protect.settle.sleep = [&ctx](TimeMs ms) { ctx.clock.SleepMs(ms); };
      auto protected_ = ProtectPosition(*ctx.exchange, *ctx.store, *p, *inst, protect);
      if (!protected_.ok()) {
        actions.push_back({symbol, side, "protect", false, protected_.status().message()});
      } else {
        std::string detail = "STOP_MARKET closePosition at " + protected_->trigger_price.ToString() + " (" +
                             protected_->stop.client_order_id + ")" + (protected_->adopted ? ", adopted" : "");
        // Above what one whole-position stop closes: the rest in reduce-only stops.
        for (const auto& extra : protected_->remainder_stops)
          detail += ", reduce-only " + extra.qty.ToString() + " (" + extra.client_order_id + ")";
        if (protected_->uncovered.is_positive())
          detail += "; " + protected_->uncovered.ToString() + " not covered: " + protected_->uncovered_reason;
        actions.push_back({symbol, side, "protect",
                           protected_->stop.status == OrderStatus::kNew && !protected_->uncovered.is_positive(), detail});
      }
    }
  }

  if (ctx.common.json) {
    JsonWriter w(true);
    w.StartObject().Key("findings").StartArray();
    for (const auto& f : scan.findings) {
      w.StartObject();
      w.Key("kind").String(to_string(f.kind)).Key("symbol").String(f.symbol);
      w.Key("position_side").String(to_string(f.position_side));
      if (f.kind == OrphanKind::kUntrackedPosition || f.kind == OrphanKind::kUnprotectedPosition ||
          f.kind == OrphanKind::kPartiallyProtectedPosition) {
        w.Key("amount").Number(f.amount).Key("entry_price").Number(f.entry_price);
      } else {
        w.Key("client_order_id").String(f.client_order_id).Key("book").String(to_string(f.book));
      }
      w.Key("detail").String(f.detail).EndObject();
    }
    w.EndArray().Key("ignored").StartArray();
    for (const auto& i : scan.ignored) w.String(i);
    w.EndArray().Key("actions").StartArray();
    for (const auto& a : actions) {
      w.StartObject().Key("symbol").String(a.symbol).Key("position_side").String(to_string(a.position_side));
      w.Key("action").String(a.action).Key("ok").Bool(a.ok).Key("detail").String(a.detail).EndObject();
    }
    w.EndArray().EndObject();
    ctx.out << w.str() << '\n';
  } else {
    if (scan.findings.empty() && scan.ignored.empty()) {
      ctx.out << "no orphans: every position on the exchange is tracked and protected, every order accounted for\n";
    } else if (scan.findings.empty()) {
      // What was not judged is said, never summed up as "every position is protected".
      ctx.out << "no orphans among what was judged; " << scan.ignored.size() << " position(s) not judged:\n";
    } else {
      Table t({"KIND", "SYMBOL", "SIDE", "DETAIL"});
      for (const auto& f : scan.findings) t.AddRow({to_string(f.kind), f.symbol, to_string(f.position_side), f.detail});
      t.Print(ctx.out);
      if (!scan.ignored.empty()) ctx.out << "\nnot judged:\n";
    }
    for (const auto& i : scan.ignored) ctx.out << "  " << i << '\n';
    if (!actions.empty()) {
      ctx.out << '\n';
      Table a({"ACTION", "SYMBOL", "SIDE", "RESULT", "DETAIL"});
      for (const auto& x : actions)
        a.AddRow({x.action, x.symbol, to_string(x.position_side), x.ok ? "ok" : "FAILED", x.detail});
      a.Print(ctx.out);
    }
  }
  for (const auto& a : actions)
    if (!a.ok) return kExitNotVerified;
  if (!scan.findings.empty()) return kExitFindings;
  // Nothing found, but reads too old to judge by: "cannot prove", never the all-clear. (A young
  // position inside its grace period is listed as not judged with exit 0: that is normal.)
  return reads_lag ? kExitNotVerified : kExitAllClear;
}

}  // namespace keel::ops
