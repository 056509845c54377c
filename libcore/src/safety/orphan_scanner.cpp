#include "keel/safety/orphan_scanner.h"

#include <algorithm>

#include "keel/safety/client_ids.h"

namespace keel {
namespace {

bool wanted(const OrphanOptions& o, const std::string& symbol) {
  return o.symbols.empty() || std::find(o.symbols.begin(), o.symbols.end(), symbol) != o.symbols.end();
}

std::string describe(const PositionReport& p) {
  return std::string(p.amount.is_negative() ? "short " : "long ") + p.amount.abs().ToString() + " @ " +
         p.entry_price.ToString();
}

}  // namespace

const char* to_string(OrphanKind kind) {
  switch (kind) {
    case OrphanKind::kUntrackedPosition: return "untracked-position";
    case OrphanKind::kUnprotectedPosition: return "unprotected-position";
    case OrphanKind::kPartiallyProtectedPosition: return "partially-protected-position";
    case OrphanKind::kUnknownOrder: return "unknown-order";
    case OrphanKind::kForeignOrder: return "foreign-order";
  }
  return "?";
}

std::vector<StopOrder> StopsAmong(const std::vector<OrderReport>& open_orders) {
  std::vector<StopOrder> stops;
  for (const auto& o : open_orders) {
    if (o.book != OrderBook::kConditional) continue;  // a triggered stop's market order protects nothing more
    stops.push_back(StopOrderOf(o));
  }
  return stops;
}

CoverageReport RestingCoverage(const PositionReport& p, const std::vector<OrderReport>& open_orders,
                               std::optional<Decimal> close_up_to) {
  // The position's own stop-loss or trailing stop closes all of it when it fires, whatever else rests.
  if (!p.amount.is_zero() && (p.stop_loss.is_positive() || p.trailing_stop.is_positive())) {
    CoverageReport full;
    full.coverage = Coverage::kFull;
    full.covered = p.amount.abs();
    if (p.stop_loss.is_positive()) full.covering.push_back("position stop-loss " + p.stop_loss.ToString());
    if (p.trailing_stop.is_positive()) full.covering.push_back("position trailing stop " + p.trailing_stop.ToString());
    return full;
  }
  return CoverageOf(p.symbol, p.position_side, p.amount, StopsAmong(open_orders), close_up_to);
}

std::map<std::string, Decimal> CloseStopCaps(const std::vector<Instrument>& instruments) {
  std::map<std::string, Decimal> caps;
  for (const auto& i : instruments)
    if (i.close_stop_max_qty) caps.emplace(i.symbol, *i.close_stop_max_qty);
  return caps;
}

OrphanScan ScanForOrphans(const AccountReport& exchange, const StoreView& store, const OrphanOptions& options) {
  OrphanScan scan;
  for (const auto& p : exchange.positions) {
    if (!wanted(options, p.symbol) || p.amount.is_zero()) continue;
    const std::string key = p.symbol + "/" + to_string(p.position_side);
    const TimeMs newest = store.NewestPositionTime(p.symbol, p.position_side);
    const PositionRecord* tracked = store.OpenPosition(p.symbol, p.position_side);
    if (!tracked && IsStaleObservation(p.update_time, newest)) {
      scan.ignored.push_back(key + ": not judged, the exchange's read (updated " + format_utc(p.update_time) +
                             ") is not newer than the close keel applied (" + format_utc(newest) + "): stale");
      continue;
    }
    if (options.now - p.update_time < options.grace_ms) {
      scan.ignored.push_back(key + ": not judged yet, opened or changed " + std::to_string(options.now - p.update_time) +
                             " ms ago (grace period " + std::to_string(options.grace_ms) + " ms)");
      const TimeMs judgeable = p.update_time + options.grace_ms;
      if (!tracked && (!scan.judge_again_at || judgeable < *scan.judge_again_at)) scan.judge_again_at = judgeable;
      continue;
    }
    if (!tracked) {
      scan.findings.push_back({OrphanKind::kUntrackedPosition, p.symbol, p.position_side, p.amount, p.entry_price, "",
                               OrderBook::kRegular, describe(p) + " on the exchange, not in keel's store"});
    }
    const auto cap = options.close_stop_max_qty.find(p.symbol);
    const CoverageReport cover = RestingCoverage(
        p, exchange.open_orders, cap == options.close_stop_max_qty.end() ? std::nullopt : std::optional<Decimal>(cap->second));
    if (cover.coverage == Coverage::kNone) {
      scan.findings.push_back({OrphanKind::kUnprotectedPosition, p.symbol, p.position_side, p.amount, p.entry_price,
                               "", OrderBook::kRegular, describe(p) + " with no resting stop that closes it"});
    } else if (cover.coverage == Coverage::kPartial) {
      scan.findings.push_back({OrphanKind::kPartiallyProtectedPosition, p.symbol, p.position_side, p.amount,
                               p.entry_price, "", OrderBook::kRegular,
                               describe(p) + ": resting reduce-only stops close only " + cover.covered.ToString()});
    }
  }
  for (const auto& o : exchange.open_orders) {
    if (!wanted(options, o.symbol)) continue;
    const std::string what = std::string(to_string(o.type)) + " " + to_string(o.side) + " " +
                             (o.close_position ? std::string("closePosition") : o.qty.ToString()) +
                             (o.price.is_positive() ? " @ " + o.price.ToString() : "") +
                             (o.trigger_price.is_positive() ? " trigger " + o.trigger_price.ToString() : "");
    if (o.position_tpsl) {
      scan.findings.push_back({OrphanKind::kForeignOrder, o.symbol, o.position_side, Decimal(), Decimal(),
                               o.client_order_id, o.book,
                               what + " (order " + o.exchange_order_id +
                                   ") is the position's own TP/SL, made by the exchange (left alone)",
                               true, o.type});
    } else if (!IsOwnClientOrderId(options.account, o.client_order_id)) {
      const std::string id = o.client_order_id.empty() ? " (order " + o.exchange_order_id + ", no client id)" : "";
      scan.findings.push_back({OrphanKind::kForeignOrder, o.symbol, o.position_side, Decimal(), Decimal(),
                               o.client_order_id, o.book, what + id + " not placed by keel (left alone)"});
    } else if (!store.Order(o.client_order_id)) {
      scan.findings.push_back({OrphanKind::kUnknownOrder, o.symbol, o.position_side, Decimal(), Decimal(),
                               o.client_order_id, o.book, what + " has keel's prefix but is not in the store"});
    }
  }
  return scan;
}

}  // namespace keel
