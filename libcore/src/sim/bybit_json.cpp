#include "keel/sim/bybit_json.h"

#include "keel/sim/position_math.h"

namespace keel::sim::bybit {
namespace {

std::string px(Decimal d, const SimInstrument& i) { return d.Format(i.price_precision); }
std::string qty(Decimal d, const SimInstrument& i) { return d.Format(i.quantity_precision); }
std::string money(Decimal d) { return d.Format(8); }

const char* SideName(Side s) { return s == Side::kBuy ? "Buy" : "Sell"; }

int PositionIdx(PositionSide s) { return s == PositionSide::kLong ? 1 : s == PositionSide::kShort ? 2 : 0; }

const char* TifName(TimeInForce t, bool market) {
  if (market) return "IOC";  // Bybit runs every market order as IOC
  switch (t) {
    case TimeInForce::kIoc: return "IOC";
    case TimeInForce::kFok: return "FOK";
    case TimeInForce::kGtx: return "PostOnly";
    case TimeInForce::kRpi: return "RPI";
    default: return "GTC";
  }
}

// A matching-engine status in Bybit's words; an order of a derivatives category ended with fills is
// still "Cancelled" (its cumExecQty says how much).
const char* StatusOf(OrderStatus s) {
  switch (s) {
    case OrderStatus::kNew: return "New";
    case OrderStatus::kPartiallyFilled: return "PartiallyFilled";
    case OrderStatus::kFilled: return "Filled";
    case OrderStatus::kRejected: return "Rejected";
    default: return "Cancelled";
  }
}

Decimal CumValue(const SimOrder& o) { return o.cum_quote; }

}  // namespace

OrderView ViewOf(const SimOrder& o) {
  OrderView v;
  v.order_id = std::to_string(o.order_id);
  v.order_link_id = o.client_order_id;
  v.symbol = o.symbol;
  v.side = o.side;
  v.position_side = o.position_side;
  v.market = o.type == OrderType::kMarket || o.type == OrderType::kLiquidation || o.type == OrderType::kAdl;
  if (o.type == OrderType::kLiquidation) v.create_type = "CreateByTakeOver_PassThrough";
  if (o.type == OrderType::kAdl) v.create_type = "CreateByAdl_PassThrough";
  // The exchange's own orders carry its markers (createType), and no orderLinkId: Binance's
  // "autoclose-…" and "adl_autoclose" ids are Binance's.
  if (o.type == OrderType::kLiquidation || o.type == OrderType::kAdl) v.order_link_id.clear();
  v.status = StatusOf(o.status);
  // Binance tells a liquidation's or ADL's fill as NEW_INSURANCE or NEW_ADL; on Bybit the order
  // that filled is Filled.
  if (o.status == OrderStatus::kNewAdl || o.status == OrderStatus::kNewInsurance)
    v.status = o.executed_qty < o.orig_qty ? "PartiallyFilled" : "Filled";
  if (o.status == OrderStatus::kCanceled) v.cancel_type = o.reject_reason.empty() ? "CancelByUser" : "UNKNOWN";
  if (o.status == OrderStatus::kExpired && o.ended_with_position) {
    // order.mdx's cancelType: a reduce-only order cancelled because its position is gone.
    v.status = "Cancelled";
    v.cancel_type = "CancelByReduceOnly";
  } else if (o.status == OrderStatus::kExpired) {
    // Ended by the exchange, not by the user: what a market or IOC order could not fill at once, or
    // a resting order the venue took off (maintenance, a liquidation's sweep).
    const bool immediate = v.market || o.time_in_force == TimeInForce::kIoc || o.time_in_force == TimeInForce::kFok;
    if (immediate && o.reject_reason.empty()) v.reject_reason = "EC_NoImmediateQtyToFill";
    else v.cancel_type = "CancelByAdmin";
  }
  if (!o.reject_reason.empty()) v.reject_reason = o.reject_reason;
  v.time_in_force = o.time_in_force;
  v.price = o.price;
  v.qty = o.orig_qty;
  v.cum_qty = o.executed_qty;
  v.cum_value = CumValue(o);
  v.avg_price = o.avg_price;
  v.cum_fee = o.cum_commission;
  v.closed_pnl = o.cum_realized_pnl.Sub(o.cum_commission).value();
  v.reduce_only = o.reduce_only;
  v.close_on_trigger = o.close_position;
  v.created = o.time;
  v.updated = o.update_time;
  return v;
}

OrderView ViewOf(const SimAlgoOrder& a, const SimOrder* actual) {
  OrderView v;
  v.order_id = std::to_string(a.algo_id);
  // The position's own TP/SL has no link id; its createType names its kind (CreateByStopLoss, ...).
  v.order_link_id = a.position_tpsl.empty() ? a.client_algo_id : "";
  v.symbol = a.symbol;
  v.side = a.side;
  v.position_side = a.position_side;
  v.market = a.type == OrderType::kStopMarket || a.type == OrderType::kTakeProfitMarket ||
             a.type == OrderType::kTrailingStopMarket;
  v.conditional = true;
  v.stop_order_type = a.position_tpsl.empty() ? "Stop" : a.position_tpsl;
  if (!a.position_tpsl.empty()) v.create_type = "CreateBy" + a.position_tpsl;
  v.time_in_force = a.time_in_force;
  v.price = a.price;
  v.qty = a.quantity;
  // order-list.mdx, open-order.mdx and the order topic: "Trigger price. If stopOrderType=
  // TrailingStop, it is activate price": the level it trails at is not shown.
  v.trigger_price = a.trailing ? a.trailing->activate_price : a.trigger_price;
  const bool take_profit = a.type == OrderType::kTakeProfit || a.type == OrderType::kTakeProfitMarket;
  v.trigger_direction = (a.side == Side::kBuy) != take_profit ? 1 : 2;
  v.mark_trigger = a.working_type == WorkingType::kMarkPrice;
  v.reduce_only = a.reduce_only || a.close_position;
  v.close_on_trigger = a.close_position;
  v.created = a.create_time;
  v.updated = a.update_time;
  switch (a.status) {
    case AlgoStatus::kNew: v.status = "Untriggered"; break;
    case AlgoStatus::kCanceled:
      v.status = "Deactivated";
      v.cancel_type = "CancelByUser";
      break;
    case AlgoStatus::kExpired:
      // The position it would close is gone: the system deactivates the reduce-only order, or
      // clears the position's TP/SL.
      v.status = "Deactivated";
      v.cancel_type = a.position_tpsl.empty() ? "CancelByReduceOnly" : "CancelByTpSlTsClear";
      break;
    case AlgoStatus::kRejected: v.status = "Rejected"; break;
    default:
      if (!actual) {
        v.status = "Triggered";
        break;
      }
      v.status = StatusOf(actual->status);
      if (actual->status == OrderStatus::kCanceled) v.cancel_type = "CancelByUser";
      v.qty = actual->orig_qty;
      v.cum_qty = actual->executed_qty;
      v.cum_value = CumValue(*actual);
      v.cum_fee = actual->cum_commission;
      v.closed_pnl = actual->cum_realized_pnl.Sub(actual->cum_commission).value();
      v.avg_price = actual->avg_price;
      v.updated = std::max(v.updated, actual->update_time);
  }
  return v;
}

void WriteOrder(JsonWriter& w, const OrderView& o, const SimInstrument& inst, bool stream) {
  const Decimal leaves = o.open() ? o.qty.Sub(o.cum_qty).value() : Decimal();
  const std::string zero_px = Decimal().Format(inst.price_precision);
  w.StartObject();
  if (stream) w.Key("category").String(o.category);
  w.Key("orderId").String(o.order_id);
  w.Key("orderLinkId").String(o.order_link_id);
  w.Key("blockTradeId").String("");
  w.Key("symbol").String(o.symbol);
  w.Key("price").String(o.market ? zero_px : px(o.price, inst));
  w.Key("qty").String(qty(o.qty, inst));
  w.Key("side").String(SideName(o.side));
  w.Key("isLeverage").String("");
  w.Key("positionIdx").Int(PositionIdx(o.position_side));
  w.Key("orderStatus").String(o.status);
  w.Key("cancelType").String(o.cancel_type);
  w.Key("rejectReason").String(o.reject_reason);
  w.Key("avgPrice").String(o.avg_price.is_zero() ? std::string("0") : px(o.avg_price, inst));
  w.Key("leavesQty").String(qty(leaves, inst));
  w.Key("leavesValue").String(money(leaves.Mul(o.price, Rounding::kNearest).value()));
  w.Key("cumExecQty").String(qty(o.cum_qty, inst));
  w.Key("cumExecValue").String(money(o.cum_value));
  w.Key("cumExecFee").String(money(o.cum_fee));
  // The fee per coin it was paid in: USDT alone here.
  w.Key("cumFeeDetail").StartObject();
  if (o.cum_fee.is_positive()) w.Key("USDT").String(money(o.cum_fee));
  w.EndObject();
  w.Key("timeInForce").String(TifName(o.time_in_force, o.market));
  w.Key("orderType").String(o.market ? "Market" : "Limit");
  w.Key("stopOrderType").String(o.stop_order_type);
  w.Key("orderIv").String("");
  w.Key("triggerPrice").String(o.conditional ? px(o.trigger_price, inst) : zero_px);
  w.Key("takeProfit").String(zero_px);
  w.Key("stopLoss").String(zero_px);
  w.Key("tpTriggerBy").String("");
  w.Key("slTriggerBy").String("");
  w.Key("triggerDirection").Int(o.trigger_direction);
  w.Key("triggerBy").String(o.conditional ? (o.mark_trigger ? "MarkPrice" : "LastPrice") : "");
  w.Key("lastPriceOnCreated").String("");
  w.Key("reduceOnly").Bool(o.reduce_only);
  w.Key("closeOnTrigger").Bool(o.close_on_trigger);
  w.Key("smpType").String("None");
  w.Key("smpGroup").Int(0);
  w.Key("smpOrderId").String("");
  w.Key("tpslMode").String("");
  w.Key("tpLimitPrice").String("");
  w.Key("slLimitPrice").String("");
  w.Key("placeType").String("");
  w.Key("createType").String(o.create_type);
  if (stream) w.Key("closedPnl").String(money(o.closed_pnl));
  w.Key("createdTime").String(std::to_string(o.created));
  w.Key("updatedTime").String(std::to_string(o.updated));
  w.EndObject();
}

void WritePosition(JsonWriter& w, const SimExchange& ex, AccountId id, const SimPosition& p, bool stream,
                   const std::string& status) {
  const Market& m = *ex.FindMarket(p.symbol);
  const SimInstrument& inst = m.instrument();
  const Decimal mark = m.mark();
  const Decimal upnl = UnrealizedPnl(p.amount, p.entry_price, mark).value();
  const Decimal value = p.amount.abs().Mul(p.entry_price, Rounding::kNearest).value();
  const Decimal lev = Decimal::FromInteger(ex.leverage(id, p.symbol)).value();
  const Decimal notional = p.amount.abs().Mul(mark, Rounding::kNearest).value();
  w.StartObject();
  if (stream) w.Key("category").String("linear");
  w.Key("positionIdx").Int(PositionIdx(p.position_side));
  w.Key("riskId").Int(1);
  // The risk limit's cap, which the venue holds a position to (110090 past it).
  w.Key("riskLimitValue").String(ex.max_notional(id, p.symbol).ToString());
  w.Key("symbol").String(p.symbol);
  // An empty position's side is "" on a unified account.
  w.Key("side").String(p.amount.is_zero() ? "" : p.amount.is_negative() ? "Sell" : "Buy");
  w.Key("size").String(qty(p.amount.abs(), inst));
  w.Key(stream ? "entryPrice" : "avgPrice").String(p.amount.is_zero() ? std::string("0") : px(p.entry_price, inst));
  w.Key("positionValue").String(money(value));
  w.Key("tradeMode").Int(0);
  w.Key("positionStatus").String(status.empty() ? std::string("Normal") : status);
  w.Key("autoAddMargin").Int(0);
  w.Key("adlRankIndicator").Int(p.amount.is_zero() ? 0 : 2);
  w.Key("leverage").String(std::to_string(ex.leverage(id, p.symbol)));
  w.Key("positionBalance").String("0");
  w.Key("markPrice").String(px(mark, inst));
  w.Key("liqPrice").String("");
  w.Key("bustPrice").String("");
  w.Key("positionMM").String(money(ex.maintenance_margin(p.symbol, notional)));
  w.Key("positionIM").String(money(notional.Div(lev, Rounding::kUp).value()));
  // The position's own TP/SL: the trigger prices of its Full-mode orders, and its trailing stop's
  // distance (trading-stop).
  Decimal take_profit, stop_loss, trailing_stop;
  for (const SimAlgoOrder& a : ex.OpenAlgoOrders(id, p.symbol)) {
    if (a.position_side != p.position_side) continue;
    if (a.position_tpsl == "TakeProfit") take_profit = a.trigger_price;
    if (a.position_tpsl == "StopLoss") stop_loss = a.trigger_price;
    if (a.position_tpsl == "TrailingStop" && a.trailing) trailing_stop = a.trailing->distance;
  }
  auto price_or_zero = [&inst](Decimal d) { return d.is_zero() ? std::string("0") : px(d, inst); };
  w.Key("tpslMode").String("Full");
  w.Key("takeProfit").String(price_or_zero(take_profit));
  w.Key("stopLoss").String(price_or_zero(stop_loss));
  w.Key("trailingStop").String(price_or_zero(trailing_stop));
  w.Key("unrealisedPnl").String(money(upnl));
  w.Key("curRealisedPnl").String(money(p.accumulated_realized));
  w.Key("cumRealisedPnl").String(money(p.accumulated_realized));
  // The price at which closing makes nothing, both fees paid (the opening one, and the closing one
  // at the taker rate): entry * (1 ± fee) / (1 ∓ fee).
  {
    const Decimal fee = ex.config().taker_fee;
    const Decimal one = Decimal::FromInteger(1).value();
    const bool long_side = p.amount.is_positive();
    const Decimal up = long_side ? one.Add(fee).value() : one.Sub(fee).value();
    const Decimal down = long_side ? one.Sub(fee).value() : one.Add(fee).value();
    const Decimal even = p.entry_price.Mul(up, Rounding::kNearest).value().Div(down, Rounding::kNearest).value();
    w.Key("breakEvenPrice").String(p.amount.is_zero() ? std::string("0") : px(even, inst));
  }
  w.Key("seq").Int(p.seq);
  w.Key("isReduceOnly").Bool(false);
  w.Key("createdTime").String(std::to_string(p.update_time));
  w.Key("updatedTime").String(std::to_string(p.update_time));
  w.EndObject();
}

void WriteInstrument(JsonWriter& w, const Market& m) {
  const SimInstrument& i = m.instrument();
  w.StartObject();
  w.Key("symbol").String(m.symbol());
  w.Key("contractType").String("LinearPerpetual");
  w.Key("status").String("Trading");
  w.Key("baseCoin").String(i.base_asset);
  w.Key("quoteCoin").String("USDT");
  w.Key("launchTime").String("1585526400000");
  w.Key("deliveryTime").String("0");
  w.Key("deliveryFeeRate").String("");
  w.Key("priceScale").String(std::to_string(i.price_precision));
  w.Key("leverageFilter").StartObject();
  w.Key("minLeverage").String("1").Key("maxLeverage").String("100.00").Key("leverageStep").String("0.01");
  w.EndObject();
  w.Key("priceFilter").StartObject();
  w.Key("minPrice").String(i.min_price.ToString()).Key("maxPrice").String(i.max_price.ToString());
  w.Key("tickSize").String(i.filters.tick_size.ToString());
  w.EndObject();
  w.Key("lotSizeFilter").StartObject();
  w.Key("maxOrderQty").String(i.max_qty.ToString());
  w.Key("minOrderQty").String(i.filters.min_qty.ToString());
  w.Key("qtyStep").String(i.filters.step_size.ToString());
  w.Key("postOnlyMaxOrderQty").String(i.max_qty.ToString());
  w.Key("maxMktOrderQty").String(i.market_max_qty.ToString());
  w.Key("minNotionalValue").String(i.filters.min_notional.ToString());
  w.EndObject();
  w.Key("unifiedMarginTrade").Bool(true);
  w.Key("fundingInterval").Int(480);
  w.Key("settleCoin").String("USDT");
  w.Key("copyTrading").String("both");
  w.Key("upperFundingRate").String("0.00375");
  w.Key("lowerFundingRate").String("-0.00375");
  w.Key("isPreListing").Bool(false);
  w.Key("preListingInfo").Null();
  w.EndObject();
}

void WriteTicker(JsonWriter& w, const Market& m, TimeMs now) {
  const SimInstrument& i = m.instrument();
  const Quote q = m.quote();
  const TimeMs eight_hours = 8 * 3'600'000;
  w.StartObject();
  w.Key("symbol").String(m.symbol());
  w.Key("lastPrice").String(px(m.last(), i));
  w.Key("indexPrice").String(px(m.last(), i));
  w.Key("markPrice").String(px(m.mark(), i));
  w.Key("prevPrice24h").String(px(m.last(), i));
  w.Key("price24hPcnt").String("0");
  w.Key("highPrice24h").String(px(m.last(), i));
  w.Key("lowPrice24h").String(px(m.last(), i));
  w.Key("prevPrice1h").String(px(m.last(), i));
  w.Key("openInterest").String("0");
  w.Key("openInterestValue").String("0");
  w.Key("turnover24h").String("0");
  w.Key("volume24h").String("0");
  w.Key("fundingRate").String("0.0001");
  w.Key("nextFundingTime").String(std::to_string((now / eight_hours + 1) * eight_hours));
  w.Key("predictedDeliveryPrice").String("");
  w.Key("basisRate").String("");
  w.Key("deliveryFeeRate").String("");
  w.Key("deliveryTime").String("0");
  w.Key("ask1Size").String(qty(q.ask_qty, i));
  w.Key("bid1Price").String(px(q.bid, i));
  w.Key("ask1Price").String(px(q.ask, i));
  w.Key("bid1Size").String(qty(q.bid_qty, i));
  w.Key("basis").String("");
  w.EndObject();
}

void WriteWallet(JsonWriter& w, const SimExchange& ex, AccountId id) {
  const AccountSummary s = ex.Summary(id);
  const Decimal equity = s.wallet_balance.Add(s.unrealized_pnl).value();
  const Decimal initial = s.position_initial_margin.Add(s.open_order_initial_margin).value();
  // wallet-balance.mdx: the rates are the margins over the margin balance, four decimals.
  auto rate = [&equity](Decimal margin) {
    if (!equity.is_positive()) return std::string("0");
    return margin.Div(equity, Rounding::kUp).value().RoundTo(Decimal::Parse("0.0001").value(), Rounding::kCeiling).value().Format(4);
  };
  Decimal realized;
  for (const auto& i : ex.Income(id))
    if (i.type == "REALIZED_PNL") realized = realized.Add(i.income).value();
  w.StartObject();
  w.Key("totalEquity").String(money(equity));
  w.Key("accountIMRate").String(rate(initial));
  w.Key("totalMarginBalance").String(money(equity));
  w.Key("totalInitialMargin").String(money(s.position_initial_margin.Add(s.open_order_initial_margin).value()));
  w.Key("accountType").String("UNIFIED");
  w.Key("totalAvailableBalance").String(money(s.available_balance));
  w.Key("accountMMRate").String(rate(s.maint_margin));
  w.Key("totalPerpUPL").String(money(s.unrealized_pnl));
  w.Key("totalWalletBalance").String(money(s.wallet_balance));
  w.Key("accountLTV").String("0");
  w.Key("totalMaintenanceMargin").String(money(s.maint_margin));
  w.Key("coin").StartArray().StartObject();
  w.Key("availableToBorrow").String("");
  w.Key("bonus").String("0");
  w.Key("accruedInterest").String("0");
  w.Key("availableToWithdraw").String(money(s.available_balance));
  w.Key("totalOrderIM").String(money(s.open_order_initial_margin));
  w.Key("equity").String(money(equity));
  w.Key("totalPositionMM").String(money(s.maint_margin));
  w.Key("usdValue").String(money(equity));
  w.Key("unrealisedPnl").String(money(s.unrealized_pnl));
  w.Key("collateralSwitch").Bool(true);
  w.Key("borrowAmount").String("0");
  w.Key("totalPositionIM").String(money(s.position_initial_margin));
  w.Key("walletBalance").String(money(s.wallet_balance));
  w.Key("cumRealisedPnl").String(money(realized));
  w.Key("locked").String("0");
  w.Key("marginCollateral").Bool(true);
  w.Key("coin").String("USDT");
  w.EndObject().EndArray();
  w.EndObject();
}

void WriteFundingExecution(JsonWriter& w, const SimPosition& p, const SimInstrument& inst, Decimal mark,
                           Decimal payment, Decimal rate, std::int64_t number, TimeMs time) {
  w.StartObject();
  w.Key("category").String("linear");
  w.Key("symbol").String(p.symbol);
  w.Key("closedSize").String(qty(Decimal(), inst));
  w.Key("execFee").String(money(payment));
  w.Key("execId").String("funding-" + std::to_string(number));
  w.Key("execPrice").String(px(mark, inst));
  w.Key("execQty").String(qty(p.amount.abs(), inst));
  w.Key("execType").String("Funding");
  w.Key("execValue").String(money(p.amount.abs().Mul(mark, Rounding::kNearest).value()));
  w.Key("feeRate").String(rate.ToString());
  w.Key("markPrice").String(px(mark, inst));
  w.Key("leavesQty").String(qty(Decimal(), inst));
  w.Key("orderId").String("");
  w.Key("orderLinkId").String("");
  w.Key("orderPrice").String(px(Decimal(), inst));
  w.Key("orderQty").String(qty(Decimal(), inst));
  w.Key("orderType").String("UNKNOWN");
  w.Key("stopOrderType").String("UNKNOWN");
  w.Key("side").String(p.amount.is_negative() ? "Sell" : "Buy");
  w.Key("execTime").String(std::to_string(time));
  w.Key("isLeverage").String("0");
  w.Key("isMaker").Bool(false);
  w.Key("seq").Int(p.seq);
  w.Key("execPnl").String(money(Decimal()));
  w.Key("createType").String("");
  w.Key("feeCurrency").String("USDT");
  w.EndObject();
}

const char* ExecTypeOf(const std::string& create_type) {
  if (create_type == "CreateByTakeOver_PassThrough" || create_type == "CreateByLiq") return "BustTrade";
  if (create_type == "CreateByAdl_PassThrough") return "AdlTrade";
  return "Trade";
}

void WriteExecution(JsonWriter& w, const OrderView& order, const SimInstrument& inst, const std::string& exec_id,
                    Decimal price, Decimal exec_qty, Decimal fee, bool maker, Decimal closed_size, TimeMs time,
                    std::int64_t seq, Decimal pnl) {
  const Decimal leaves = order.open() ? order.qty.Sub(order.cum_qty).value() : Decimal();
  w.StartObject();
  w.Key("category").String(order.category);
  w.Key("symbol").String(order.symbol);
  w.Key("closedSize").String(qty(closed_size, inst));
  w.Key("execFee").String(money(fee));
  w.Key("execId").String(exec_id);
  w.Key("execPrice").String(px(price, inst));
  w.Key("execQty").String(qty(exec_qty, inst));
  w.Key("execType").String(ExecTypeOf(order.create_type));
  w.Key("execValue").String(money(exec_qty.Mul(price, Rounding::kNearest).value()));
  w.Key("feeRate").String("0.00055");
  w.Key("tradeIv").String("");
  w.Key("markIv").String("");
  w.Key("blockTradeId").String("");
  w.Key("markPrice").String(px(price, inst));
  w.Key("indexPrice").String("");
  w.Key("underlyingPrice").String("");
  w.Key("leavesQty").String(qty(leaves, inst));
  w.Key("orderId").String(order.order_id);
  w.Key("orderLinkId").String(order.order_link_id);
  w.Key("orderPrice").String(order.market ? Decimal().Format(inst.price_precision) : px(order.price, inst));
  w.Key("orderQty").String(qty(order.qty, inst));
  w.Key("orderType").String(order.market ? "Market" : "Limit");
  w.Key("stopOrderType").String(order.conditional ? order.stop_order_type : std::string("UNKNOWN"));
  w.Key("side").String(SideName(order.side));
  w.Key("execTime").String(std::to_string(time));
  w.Key("isLeverage").String("0");
  w.Key("isMaker").Bool(maker);
  w.Key("seq").Int(seq);
  w.Key("marketUnit").String("");
  w.Key("execPnl").String(money(pnl));
  w.Key("createType").String(order.create_type);
  w.Key("feeCurrency").String("");
  w.EndObject();
}

std::string Envelope(int ret_code, const std::string& ret_msg, const std::string& result_json, TimeMs now) {
  JsonWriter w;
  w.StartObject().Key("retCode").Int(ret_code).Key("retMsg").String(ret_msg).Key("result").Raw(result_json);
  w.Key("retExtInfo").StartObject().EndObject().Key("time").Int(now).EndObject();
  return w.str();
}

}  // namespace keel::sim::bybit
