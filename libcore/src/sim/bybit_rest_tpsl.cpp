// POST /v5/position/trading-stop (docs/v5/position/trading-stop.mdx): the position's own
// take-profit and stop-loss. Bybit makes them conditional orders of its own, without a link id,
// that it cancels when the position closes; on the simulated venue they are algo orders marked
// with their stopOrderType (SimAlgoOrder::position_tpsl), market orders on trigger.
//   tpslMode Full: one stop-loss and one take-profit per position, for all of it. A new price
//     replaces the order, "0" cancels it, and a call that changes nothing is 34040.
//   tpslMode Partial: each call adds orders for tpSize / slSize (equal when both are given).
// Not modelled, and refused with 10001 saying so: trailingStop, activePrice, Limit TP/SL orders.
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

const SimAlgoOrder* FullOrderOf(const std::vector<SimAlgoOrder>& open, const Leg& leg, PositionSide ps) {
  for (const auto& a : open)
    if (a.position_tpsl == leg.kind_full && a.position_side == ps) return &a;
  return nullptr;
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
  if ((*trailing && (*trailing)->is_positive()) || c.Opt("activePrice"))
    return params_error("trailingStop and activePrice are not modelled by the simulator");
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
  if (given.empty()) return bybit_error(34040, "not modified");
  const bool long_position = position.amount.is_positive();
  const Market& market = *c.ex.FindMarket(*symbol);
  for (const Leg* leg : given) {
    if (leg->price->is_zero()) continue;
    const Decimal base = leg->by == WorkingType::kMarkPrice ? market.mark() : market.last();
    KEEL_RETURN_IF_ERROR(CheckAgainstBase(*leg, long_position, base));
  }
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
  std::vector<std::pair<std::int64_t, Decimal>> moves;
  std::vector<const Leg*> places;
  for (const Leg* leg : given) {
    const SimAlgoOrder* existing = full ? FullOrderOf(open, *leg, ps) : nullptr;
    if (existing && leg->price->is_positive() && existing->working_type == leg->by) {
      if (existing->trigger_price != *leg->price) moves.emplace_back(existing->algo_id, *leg->price);
      continue;
    }
    if (existing) cancels.push_back(existing->algo_id);
    if (leg->price->is_positive()) places.push_back(leg);
  }
  if (cancels.empty() && moves.empty() && places.empty()) return bybit_error(34040, "not modified");

  for (const auto& [algo_id, price] : moves) {
    ModifyAlgoRequest m;
    m.ref.order_id = algo_id;
    m.trigger_price = price;
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
  for (const Leg* leg : places) {
    NewAlgoOrderRequest r;
    r.symbol = *symbol;
    r.side = long_position ? Side::kSell : Side::kBuy;
    r.position_side = ps;
    r.type = leg->stop ? OrderType::kStopMarket : OrderType::kTakeProfitMarket;
    r.trigger_price = *leg->price;
    r.working_type = leg->by;
    r.position_tpsl = full ? leg->kind_full : leg->kind_partial;
    r.close_position = full;
    if (!full) {
      r.quantity = *leg->size;
      if (!dual) r.reduce_only = true;  // hedge mode: the closing side of a leg can only reduce
    }
    auto placed = c.ex.PlaceAlgoOrder(c.account, r);
    if (!placed.ok()) return ToBybit(placed.status());
  }
  return std::string("{}");
}

}  // namespace keel::sim::bybit_rest
