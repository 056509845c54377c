// POST /v5/position/trading-stop (docs/v5/position/trading-stop.mdx): the position's own
// take-profit and stop-loss. Bybit makes them conditional orders of its own, without a link id,
// that it cancels when the position closes; on the simulated venue they are algo orders marked
// with their stopOrderType (SimAlgoOrder::position_tpsl), market orders on trigger.
//   tpslMode Full: one stop-loss and one take-profit per position, for all of it. A new price
//     replaces the order, "0" cancels it, and a call that changes nothing is 34040.
//   tpslMode Partial: each call adds orders for tpSize / slSize (equal when both are given).
//   trailingStop ("by price distance", "0" cancels it) with activePrice: one TrailingStop order per
//     position, for all of it, triggered by LastPrice; a new distance or activation price amends
//     it. Full mode only: the page says nothing of a partial one, so Partial refuses it.
// Not modelled, and refused with 10001 saying so: Limit TP/SL orders.
#include <vector>

#include "bybit_rest_call.h"

namespace keel::sim::bybit_rest {
namespace {

struct Leg {
  const char* price_name;   // takeProfit | stopLoss
  const char* kind_full;    // TakeProfit | StopLoss
  const char* kind_partial;
  bool stop = false;
  std::optional<Decimal> price;
  WorkingType by = WorkingType::kContractPrice;
  std::optional<Decimal> size;
};

const char* TriggerName(WorkingType by) { return by == WorkingType::kMarkPrice ? "MarkPrice" : "LastPrice"; }

// A long's stop-loss below the base price and its take-profit above; a short's the other way.
Status CheckAgainstBase(const Leg& leg, bool long_position, Decimal base) {
  const Decimal p = *leg.price;
  const bool below = leg.stop == long_position;
  if (below ? p < base : p > base) return Status::Ok();
  return bybit_error(10001, std::string(leg.kind_full) + ":" + p.ToString() + " set for " +
                                (long_position ? "Buy" : "Sell") + " position should " +
                                (below ? "lower" : "higher") + " than base_price:" + base.ToString() + "??" +
                                TriggerName(leg.by));
}

const SimAlgoOrder* FullOrderOf(const std::vector<SimAlgoOrder>& open, const std::string& kind, PositionSide ps) {
  for (const auto& a : open)
    if (a.position_tpsl == kind && a.position_side == ps) return &a;
  return nullptr;
}

// The venue's own order closing the position, of this kind (SimAlgoOrder::position_tpsl).
NewAlgoOrderRequest PositionOrder(const std::string& symbol, bool long_position, PositionSide ps, const char* kind) {
  NewAlgoOrderRequest r;
  r.symbol = symbol;
  r.side = long_position ? Side::kSell : Side::kBuy;
  r.position_side = ps;
  r.position_tpsl = kind;
  return r;
}

Status CheckOnTick(const char* name, const std::optional<Decimal>& price, Decimal tick) {
  // The page gives no rule; the simulator refuses what it would otherwise have to round.
  if (price && price->is_positive() && !price->IsMultipleOf(tick))
    return params_error(std::string(name) + " is not a multiple of tickSize");
  return Status::Ok();
}

}  // namespace

Body trading_stop(Call& c) {
  KEEL_RETURN_IF_ERROR(c.Linear());
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  auto mode = c.Req("tpslMode");
  if (!mode.ok()) return mode.status();
  if (*mode != "Full" && *mode != "Partial") return params_error("tpslMode invalid");
  const bool full = *mode == "Full";
  auto leg_side = PositionLeg(c);
  if (!leg_side.ok()) return leg_side.status();
  const PositionSide ps = *leg_side;

  auto trailing = c.OptDecimal("trailingStop");
  if (!trailing.ok()) return trailing.status();
  auto active_price = c.OptDecimal("activePrice");
  if (!active_price.ok()) return active_price.status();
  if (*active_price && !*trailing) return params_error("activePrice goes with trailingStop");
  if (*trailing && !full) return params_error("trailingStop is set in tpslMode Full only");
  for (const char* name : {"tpOrderType", "slOrderType"}) {
    auto type = c.Opt(name);
    if (type && *type != "Market")
      return params_error(std::string(name) + " " + *type + " is not modelled by the simulator (Market only)");
  }

  Leg take_profit{"takeProfit", "TakeProfit", "PartialTakeProfit", false, {}, {}, {}};
  Leg stop_loss{"stopLoss", "StopLoss", "PartialStopLoss", true, {}, {}, {}};
  std::vector<Leg*> given;
  for (auto [leg, by_name, size_name] : {std::make_tuple(&take_profit, "tpTriggerBy", "tpSize"),
                                         std::make_tuple(&stop_loss, "slTriggerBy", "slSize")}) {
    auto price = c.OptDecimal(leg->price_name);
    if (!price.ok()) return price.status();
    auto by = TriggerBy(c, by_name);
    if (!by.ok()) return by.status();
    auto size = c.OptDecimal(size_name);
    if (!size.ok()) return size.status();
    leg->price = *price;
    leg->by = *by;
    leg->size = *size;
    if (leg->price) given.push_back(leg);
  }

  const SimPosition position = c.ex.Position(c.account, *symbol, ps);
  if (position.amount.is_zero()) return bybit_error(10001, "can not set tp/sl/ts for zero position");
  if (given.empty() && !*trailing) return bybit_error(34040, "not modified");
  const bool long_position = position.amount.is_positive();
  const Market& market = *c.ex.FindMarket(*symbol);
  // A long's trailing stop starts once the price rises to its activePrice, a short's once it
  // falls to it: checked as a take-profit's price is (no text of its own is documented).
  Leg activation{"activePrice", "TrailingStop", "TrailingStop", false, *active_price, {}, {}};
  std::vector<const Leg*> checked(given.begin(), given.end());
  if (activation.price) checked.push_back(&activation);
  for (const Leg* leg : checked) {
    if (leg->price->is_zero()) continue;
    const Decimal base = leg->by == WorkingType::kMarkPrice ? market.mark() : market.last();
    KEEL_RETURN_IF_ERROR(CheckAgainstBase(*leg, long_position, base));
  }
  const Decimal tick = market.instrument().filters.tick_size;
  KEEL_RETURN_IF_ERROR(CheckOnTick("trailingStop", *trailing, tick));
  KEEL_RETURN_IF_ERROR(CheckOnTick("activePrice", *active_price, tick));
  if (!full) {
    if (take_profit.size && stop_loss.size && *take_profit.size != *stop_loss.size)
      return params_error("tpSize and slSize must be equal");
    for (const Leg* leg : given) {
      if (leg->price->is_zero()) return params_error(std::string(leg->price_name) + " 0 cancels only in Full mode");
      if (!leg->size || leg->size->is_zero()) return params_error(std::string(leg->stop ? "slSize" : "tpSize") + " invalid");
      if (*leg->size > position.amount.abs())
        return bybit_error(110058, "You can't set take profit and stop loss due to insufficient size of remaining position size.");
    }
  }

  // Decided in full before anything changes, so that a refusal leaves the position as it was.
  // A Full order keeps its id when only its price changes, as on Bybit; a new trigger type
  // replaces it.
  const std::vector<SimAlgoOrder> open = c.ex.OpenAlgoOrders(c.account, *symbol);
  std::vector<std::int64_t> cancels;
  std::vector<ModifyAlgoRequest> moves;
  std::vector<const Leg*> places;
  for (const Leg* leg : given) {
    const SimAlgoOrder* existing = full ? FullOrderOf(open, leg->kind_full, ps) : nullptr;
    if (existing && leg->price->is_positive() && existing->working_type == leg->by) {
      if (existing->trigger_price != *leg->price) {
        ModifyAlgoRequest m;
        m.ref.order_id = existing->algo_id;
        m.trigger_price = *leg->price;
        moves.push_back(m);
      }
      continue;
    }
    if (existing) cancels.push_back(existing->algo_id);
    if (leg->price->is_positive()) places.push_back(leg);
  }
  bool place_trailing = false;
  if (*trailing) {
    const SimAlgoOrder* existing = FullOrderOf(open, "TrailingStop", ps);
    if ((*trailing)->is_zero()) {
      if (existing) cancels.push_back(existing->algo_id);
    } else if (!existing || !existing->trailing) {
      place_trailing = true;
    } else {
      ModifyAlgoRequest m;
      m.ref.order_id = existing->algo_id;
      if (existing->trailing->distance != **trailing) m.trail_distance = **trailing;
      if (*active_price && existing->trailing->activate_price != **active_price) m.activate_price = **active_price;
      if (m.trail_distance || m.activate_price) moves.push_back(m);
    }
  }
  if (cancels.empty() && moves.empty() && places.empty() && !place_trailing) return bybit_error(34040, "not modified");

  for (const ModifyAlgoRequest& m : moves) {
    auto moved = c.ex.ModifyAlgoOrder(c.account, m);
    if (!moved.ok()) return ToBybit(moved.status());
  }
  for (std::int64_t algo_id : cancels) {
    OrderRef ref;
    ref.order_id = algo_id;
    auto cancelled = c.ex.CancelAlgoOrder(c.account, ref);
    if (!cancelled.ok()) return ToBybit(cancelled.status());
  }
  const bool dual = c.ex.dual_side_position(c.account);
  std::vector<NewAlgoOrderRequest> orders;
  for (const Leg* leg : places) {
    NewAlgoOrderRequest r = PositionOrder(*symbol, long_position, ps, full ? leg->kind_full : leg->kind_partial);
    r.type = leg->stop ? OrderType::kStopMarket : OrderType::kTakeProfitMarket;
    r.trigger_price = *leg->price;
    r.working_type = leg->by;
    r.close_position = full;
    if (!full) {
      r.quantity = *leg->size;
      if (!dual) r.reduce_only = true;  // hedge mode: the closing side of a leg can only reduce
    }
    orders.push_back(r);
  }
  if (place_trailing) {
    NewAlgoOrderRequest r = PositionOrder(*symbol, long_position, ps, "TrailingStop");
    r.type = OrderType::kTrailingStopMarket;
    r.trail_distance = **trailing;
    r.activate_price = *active_price;
    r.close_position = true;
    orders.push_back(r);
  }
  for (const NewAlgoOrderRequest& r : orders) {
    auto placed = c.ex.PlaceAlgoOrder(c.account, r);
    if (!placed.ok()) return ToBybit(placed.status());
  }
  return std::string("{}");
}

}  // namespace keel::sim::bybit_rest
