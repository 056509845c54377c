#include "keel/sim/binance_json.h"

#include "keel/sim/position_math.h"

namespace keel::sim::binance {
namespace {

std::string px(Decimal d, const SimInstrument& i) { return d.Format(i.price_precision); }
std::string qty(Decimal d, const SimInstrument& i) { return d.Format(i.quantity_precision); }
std::string money(Decimal d) { return d.Format(8); }
// A callback rate in percent, as the documented examples write it ("0.3", "5.0").
std::string rate(Decimal d) { return d.Format(1); }
bool trailing(const SimOrder& o) { return o.orig_type == OrderType::kTrailingStopMarket; }

const SimInstrument& instrument_of(const SimExchange& ex, const std::string& symbol) {
  return ex.FindMarket(symbol)->instrument();
}

}  // namespace

void WriteOrder(JsonWriter& w, const SimOrder& o, const SimInstrument& inst, bool ack, bool with_time) {
  const bool fresh = ack;  // the order as accepted: nothing executed yet
  w.StartObject();
  w.Key("orderId").Int(o.order_id);
  w.Key("symbol").String(o.symbol);
  w.Key("status").String(fresh ? "NEW" : to_string(o.status));
  w.Key("clientOrderId").String(o.client_order_id);
  w.Key("price").String(px(o.price, inst));
  w.Key("avgPrice").String(fresh ? px(Decimal(), inst) : o.avg_price.Format(std::max(5, inst.price_precision)));
  w.Key("origQty").String(qty(o.orig_qty, inst));
  w.Key("executedQty").String(qty(fresh ? Decimal() : o.executed_qty, inst));
  w.Key("cumQty").String(qty(fresh ? Decimal() : o.executed_qty, inst));
  w.Key("cumQuote").String(money(fresh ? Decimal() : o.cum_quote));
  w.Key("timeInForce").String(to_string(o.time_in_force));
  w.Key("type").String(to_string(o.type));
  w.Key("reduceOnly").Bool(o.reduce_only);
  w.Key("closePosition").Bool(o.close_position);
  w.Key("side").String(to_string(o.side));
  w.Key("positionSide").String(to_string(o.position_side));
  w.Key("stopPrice").String(px(o.stop_price, inst));
  w.Key("workingType").String(to_string(o.working_type));
  w.Key("priceProtect").Bool(false);
  w.Key("origType").String(to_string(o.orig_type));
  // "Trailing orders also carry activatePrice and priceRate" (the order pages' answers).
  if (trailing(o)) {
    w.Key("activatePrice").String(px(o.activate_price, inst));
    w.Key("priceRate").String(rate(o.price_rate));
  }
  w.Key("priceMatch").String("NONE");
  w.Key("selfTradePreventionMode").String("EXPIRE_MAKER");
  w.Key("goodTillDate").Int(o.good_till_date);
  if (with_time) w.Key("time").Int(o.time);
  w.Key("updateTime").Int(fresh ? o.time : o.update_time);
  w.EndObject();
}

void WriteMinimalAck(JsonWriter& w, const SimOrder& o) {
  w.StartObject();
  w.Key("orderId").Int(o.order_id);
  w.Key("symbol").String(o.symbol);
  w.Key("clientOrderId").String(o.client_order_id);
  w.Key("updateTime").Int(o.time);
  w.EndObject();
}

void WriteAlgoOrder(JsonWriter& w, const SimAlgoOrder& a, const SimInstrument& inst) {
  w.StartObject();
  w.Key("algoId").Int(a.algo_id);
  w.Key("clientAlgoId").String(a.client_algo_id);
  w.Key("algoType").String("CONDITIONAL");
  w.Key("orderType").String(to_string(a.type));
  w.Key("symbol").String(a.symbol);
  w.Key("side").String(to_string(a.side));
  w.Key("positionSide").String(to_string(a.position_side));
  w.Key("timeInForce").String(to_string(a.time_in_force));
  w.Key("quantity").String(qty(a.quantity, inst));
  w.Key("algoStatus").String(to_string(a.status));
  if (a.actual_order_id) w.Key("actualOrderId").String(std::to_string(*a.actual_order_id));
  else w.Key("actualOrderId").String("");
  w.Key("actualPrice").String(a.avg_price.is_zero() ? std::string("0") : px(a.avg_price, inst));
  w.Key("triggerPrice").String(px(a.trigger_price, inst));
  w.Key("price").String(px(a.price, inst));
  w.Key("icebergQuantity").Null();
  w.Key("selfTradePreventionMode").String("EXPIRE_MAKER");
  w.Key("workingType").String(to_string(a.working_type));
  w.Key("priceMatch").String("NONE");
  w.Key("closePosition").Bool(a.close_position);
  w.Key("priceProtect").Bool(a.price_protect);
  w.Key("reduceOnly").Bool(a.reduce_only);
  // New Algo Order's answer names the trailing terms activatePrice and callbackRate (the order
  // pages' priceRate is the same number), "" on other types.
  w.Key("activatePrice").String(a.trailing ? px(a.trailing->activate_price, inst) : std::string());
  w.Key("callbackRate").String(a.trailing ? rate(a.trailing->callback_rate) : std::string());
  w.Key("createTime").Int(a.create_time);
  w.Key("updateTime").Int(a.update_time);
  w.Key("triggerTime").Int(a.trigger_time);
  w.Key("goodTillDate").Int(a.good_till_date);
  w.EndObject();
}

void WritePositionRisk(JsonWriter& w, const SimExchange& ex, AccountId id, const SimPosition& p, bool v2) {
  const Market& m = *ex.FindMarket(p.symbol);
  const SimInstrument& inst = m.instrument();
  const Decimal mark = m.mark();
  const Decimal upnl = UnrealizedPnl(p.amount, p.entry_price, mark).value();
  const Decimal notional = p.amount.Mul(mark, Rounding::kNearest).value();
  const Decimal lev = Decimal::FromInteger(ex.leverage(id, p.symbol)).value();
  const Decimal initial = notional.abs().Div(lev, Rounding::kUp).value();
  const Decimal maint = ex.maintenance_margin(p.symbol, notional.abs());
  w.StartObject();
  w.Key("symbol").String(p.symbol);
  w.Key("positionSide").String(to_string(p.position_side));
  w.Key("positionAmt").String(qty(p.amount, inst));
  w.Key("entryPrice").String(p.entry_price.Format(std::max(1, inst.price_precision)));
  w.Key("breakEvenPrice").String(p.entry_price.Format(std::max(1, inst.price_precision)));
  w.Key("markPrice").String(money(mark));
  w.Key("unRealizedProfit").String(money(upnl));
  w.Key("liquidationPrice").String("0");
  w.Key("isolatedMargin").String("0");
  w.Key("notional").String(money(notional));
  w.Key("isolatedWallet").String("0");
  if (v2) {
    w.Key("leverage").String(std::to_string(ex.leverage(id, p.symbol)));
    w.Key("maxNotionalValue").String(ex.max_notional(id, p.symbol).ToString());
    w.Key("marginType").String(ex.margin_type(id, p.symbol));
    w.Key("isAutoAddMargin").String("false");
  } else {
    w.Key("marginAsset").String("USDT");
    w.Key("initialMargin").String(money(initial));
    w.Key("maintMargin").String(money(maint));
    w.Key("positionInitialMargin").String(money(initial));
    w.Key("openOrderInitialMargin").String("0");
    w.Key("adl").Int(p.amount.is_zero() ? 0 : 2);
    w.Key("bidNotional").String("0");
    w.Key("askNotional").String("0");
  }
  w.Key("updateTime").Int(p.update_time);
  w.EndObject();
}

void WriteAccount(JsonWriter& w, const SimExchange& ex, AccountId id, bool v2) {
  const AccountSummary s = ex.Summary(id);
  const std::string wallet = money(s.wallet_balance);
  const std::string margin_balance = money(s.wallet_balance.Add(s.unrealized_pnl).value());
  const std::string initial = money(s.position_initial_margin.Add(s.open_order_initial_margin).value());
  w.StartObject();
  if (v2) {
    w.Key("feeTier").Int(0);
    w.Key("feeBurn").Bool(false);
    w.Key("canTrade").Bool(true);
    w.Key("canDeposit").Bool(true);
    w.Key("canWithdraw").Bool(true);
    w.Key("multiAssetsMargin").Bool(false);
    w.Key("tradeGroupId").Int(-1);
    w.Key("updateTime").Int(0);
  }
  w.Key("totalInitialMargin").String(initial);
  w.Key("totalMaintMargin").String(money(s.maint_margin));
  w.Key("totalWalletBalance").String(wallet);
  w.Key("totalUnrealizedProfit").String(money(s.unrealized_pnl));
  w.Key("totalMarginBalance").String(margin_balance);
  w.Key("totalPositionInitialMargin").String(money(s.position_initial_margin));
  w.Key("totalOpenOrderInitialMargin").String(money(s.open_order_initial_margin));
  w.Key("totalCrossWalletBalance").String(wallet);
  w.Key("totalCrossUnPnl").String(money(s.unrealized_pnl));
  w.Key("availableBalance").String(money(s.available_balance));
  w.Key("maxWithdrawAmount").String(money(s.available_balance));
  w.Key("assets").StartArray();
  w.StartObject();
  w.Key("asset").String("USDT");
  w.Key("walletBalance").String(wallet);
  w.Key("unrealizedProfit").String(money(s.unrealized_pnl));
  w.Key("marginBalance").String(margin_balance);
  w.Key("maintMargin").String(money(s.maint_margin));
  w.Key("initialMargin").String(initial);
  w.Key("positionInitialMargin").String(money(s.position_initial_margin));
  w.Key("openOrderInitialMargin").String(money(s.open_order_initial_margin));
  w.Key("crossWalletBalance").String(wallet);
  w.Key("crossUnPnl").String(money(s.unrealized_pnl));
  w.Key("availableBalance").String(money(s.available_balance));
  w.Key("maxWithdrawAmount").String(money(s.available_balance));
  if (v2) w.Key("marginAvailable").Bool(true);
  w.Key("updateTime").Int(s.update_time);
  w.EndObject();
  w.EndArray();
  w.Key("positions").StartArray();
  for (const SimPosition& p : ex.Positions(id)) {
    if (!v2 && p.amount.is_zero()) continue;  // v3 lists only what is held
    const Market& m = *ex.FindMarket(p.symbol);
    const SimInstrument& inst = m.instrument();
    const Decimal notional = p.amount.Mul(m.mark(), Rounding::kNearest).value();
    const Decimal initial_margin =
        notional.abs().Div(Decimal::FromInteger(p.leverage).value(), Rounding::kUp).value();
    w.StartObject();
    w.Key("symbol").String(p.symbol);
    w.Key("positionSide").String(to_string(p.position_side));
    w.Key("positionAmt").String(qty(p.amount, inst));
    w.Key("unrealizedProfit").String(money(UnrealizedPnl(p.amount, p.entry_price, m.mark()).value()));
    w.Key("isolatedMargin").String("0");
    w.Key("notional").String(money(notional));
    w.Key("isolatedWallet").String("0");
    w.Key("initialMargin").String(money(initial_margin));
    w.Key("maintMargin").String(money(ex.maintenance_margin(p.symbol, notional.abs())));
    if (v2) {
      w.Key("leverage").String(std::to_string(p.leverage));
      w.Key("isolated").Bool(false);
      w.Key("entryPrice").String(p.entry_price.Format(std::max(1, inst.price_precision)));
      w.Key("maxNotional").String(ex.max_notional(id, p.symbol).ToString());
      w.Key("bidNotional").String("0");
      w.Key("askNotional").String("0");
    }
    w.Key("updateTime").Int(p.update_time);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void WriteBalance(JsonWriter& w, const SimExchange& ex, AccountId id) {
  const AccountSummary s = ex.Summary(id);
  w.StartArray();
  w.StartObject();
  w.Key("accountAlias").String("SgsR");
  w.Key("asset").String("USDT");
  w.Key("balance").String(money(s.wallet_balance));
  w.Key("crossWalletBalance").String(money(s.wallet_balance));
  w.Key("crossUnPnl").String(money(s.unrealized_pnl));
  w.Key("availableBalance").String(money(s.available_balance));
  w.Key("maxWithdrawAmount").String(money(s.available_balance));
  w.Key("marginAvailable").Bool(true);
  w.Key("updateTime").Int(s.update_time);
  w.EndObject();
  w.EndArray();
}

void WriteUserTrade(JsonWriter& w, const SimTrade& t, const SimInstrument& inst) {
  w.StartObject();
  w.Key("buyer").Bool(t.side == Side::kBuy);
  w.Key("commission").String(money(t.commission.negated()));
  w.Key("commissionAsset").String("USDT");
  w.Key("id").Int(t.id);
  w.Key("maker").Bool(t.maker);
  w.Key("orderId").Int(t.order_id);
  w.Key("price").String(px(t.price, inst));
  w.Key("qty").String(qty(t.qty, inst));
  w.Key("quoteQty").String(money(t.quote_qty));
  w.Key("realizedPnl").String(money(t.realized_pnl));
  w.Key("side").String(to_string(t.side));
  w.Key("positionSide").String(to_string(t.position_side));
  w.Key("symbol").String(t.symbol);
  w.Key("time").Int(t.time);
  w.EndObject();
}

void WriteExchangeInfo(JsonWriter& w, const SimExchange& ex) {
  const SimLimits& l = ex.config().limits;
  auto limit = [&](const char* type, const char* interval, int num, int value) {
    w.StartObject().Key("rateLimitType").String(type).Key("interval").String(interval);
    w.Key("intervalNum").Int(num).Key("limit").Int(value).EndObject();
  };
  w.StartObject();
  w.Key("timezone").String("UTC");
  w.Key("serverTime").Int(ex.now());
  w.Key("futuresType").String("U_MARGINED");
  w.Key("rateLimits").StartArray();
  limit("REQUEST_WEIGHT", "MINUTE", 1, l.request_weight_1m);
  limit("ORDERS", "MINUTE", 1, l.orders_1m);
  limit("ORDERS", "SECOND", 10, l.orders_10s);
  w.EndArray();
  w.Key("exchangeFilters").StartArray().EndArray();
  w.Key("assets").StartArray();
  w.StartObject().Key("asset").String("USDT").Key("marginAvailable").Bool(true);
  w.Key("autoAssetExchange").String("-10000").EndObject();
  w.EndArray();
  w.Key("symbols").StartArray();
  for (const Market* m : ex.Markets()) {
    const SimInstrument& i = m->instrument();
    const Instrument& f = i.filters;
    w.StartObject();
    w.Key("symbol").String(f.symbol);
    w.Key("pair").String(f.symbol);
    w.Key("contractType").String("PERPETUAL");
    w.Key("deliveryDate").Int(4133404800000);
    w.Key("onboardDate").Int(1569398400000);
    w.Key("status").String("TRADING");
    w.Key("maintMarginPercent").String("2.5000");
    w.Key("requiredMarginPercent").String("5.0000");
    w.Key("baseAsset").String(i.base_asset);
    w.Key("quoteAsset").String("USDT");
    w.Key("marginAsset").String("USDT");
    w.Key("pricePrecision").Int(i.price_precision);
    w.Key("quantityPrecision").Int(i.quantity_precision);
    w.Key("baseAssetPrecision").Int(8);
    w.Key("quotePrecision").Int(8);
    w.Key("underlyingType").String("COIN");
    w.Key("underlyingSubType").StartArray().EndArray();
    w.Key("settlePlan").Int(0);
    w.Key("triggerProtect").String("0.0500");
    w.Key("liquidationFee").String("0.012500");
    w.Key("marketTakeBound").String("0.05");
    w.Key("maxMoveOrderLimit").Int(10000);
    w.Key("filters").StartArray();
    w.StartObject().Key("filterType").String("PRICE_FILTER").Key("minPrice").String(px(i.min_price, i));
    w.Key("maxPrice").String(px(i.max_price, i)).Key("tickSize").String(px(f.tick_size, i)).EndObject();
    w.StartObject().Key("filterType").String("LOT_SIZE").Key("minQty").String(qty(f.min_qty, i));
    w.Key("maxQty").String(qty(i.max_qty, i)).Key("stepSize").String(qty(f.step_size, i)).EndObject();
    w.StartObject().Key("filterType").String("MARKET_LOT_SIZE").Key("minQty").String(qty(f.min_qty, i));
    w.Key("maxQty").String(qty(i.market_max_qty, i)).Key("stepSize").String(qty(f.step_size, i)).EndObject();
    w.StartObject().Key("filterType").String("MAX_NUM_ORDERS").Key("limit").Int(ex.config().limits.max_open_orders);
    w.EndObject();
    w.StartObject().Key("filterType").String("MAX_NUM_ALGO_ORDERS");
    w.Key("limit").Int(ex.config().limits.max_open_algo_orders).EndObject();
    w.StartObject().Key("filterType").String("MIN_NOTIONAL").Key("notional").String(f.min_notional.ToString());
    w.EndObject();
    w.StartObject().Key("filterType").String("PERCENT_PRICE").Key("multiplierUp").String(i.percent_price_up.Format(4));
    w.Key("multiplierDown").String(i.percent_price_down.Format(4)).Key("multiplierDecimal").Int(4).EndObject();
    w.EndArray();
    w.Key("orderTypes").StartArray();
    for (const char* t : {"LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
                          "TRAILING_STOP_MARKET"})
      w.String(t);
    w.EndArray();
    w.Key("timeInForce").StartArray();
    for (const char* t : {"GTC", "IOC", "FOK", "GTX", "GTD"}) w.String(t);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void WriteBookTicker(JsonWriter& w, const Market& m, TimeMs now) {
  const Quote q = m.quote();
  const SimInstrument& i = m.instrument();
  w.StartObject();
  w.Key("symbol").String(m.symbol());
  w.Key("bidPrice").String(px(q.bid, i));
  w.Key("bidQty").String(qty(q.bid_qty, i));
  w.Key("askPrice").String(px(q.ask, i));
  w.Key("askQty").String(qty(q.ask_qty, i));
  w.Key("time").Int(now);
  w.EndObject();
}

void WritePriceTicker(JsonWriter& w, const Market& m, TimeMs now) {
  w.StartObject().Key("symbol").String(m.symbol()).Key("price").String(px(m.last(), m.instrument()));
  w.Key("time").Int(now).EndObject();
}

void Write24hTicker(JsonWriter& w, const Market& m, TimeMs now) {
  const SimInstrument& i = m.instrument();
  const std::string last = px(m.last(), i);
  w.StartObject();
  w.Key("symbol").String(m.symbol());
  w.Key("priceChange").String(px(m.last().Sub(i.initial_price).value(), i));
  w.Key("priceChangePercent").String("0.000");
  w.Key("weightedAvgPrice").String(last);
  w.Key("lastPrice").String(last);
  w.Key("lastQty").String(qty(i.filters.min_qty, i));
  w.Key("openPrice").String(px(i.initial_price, i));
  w.Key("highPrice").String(last);
  w.Key("lowPrice").String(last);
  w.Key("volume").String("0");
  w.Key("quoteVolume").String("0");
  w.Key("openTime").Int(now - 86'400'000);
  w.Key("closeTime").Int(now);
  w.Key("firstId").Int(0);
  w.Key("lastId").Int(0);
  w.Key("count").Int(0);
  w.EndObject();
}

void WritePremiumIndex(JsonWriter& w, const Market& m, TimeMs now) {
  const TimeMs eight_hours = 8 * 3'600'000;
  w.StartObject();
  w.Key("symbol").String(m.symbol());
  w.Key("markPrice").String(money(m.mark()));
  w.Key("indexPrice").String(money(m.last()));
  w.Key("estimatedSettlePrice").String(money(m.last()));
  w.Key("lastFundingRate").String("0.00010000");
  w.Key("interestRate").String("0.00010000");
  w.Key("nextFundingTime").Int((now / eight_hours + 1) * eight_hours);
  w.Key("time").Int(now);
  w.EndObject();
}

void WriteDepth(JsonWriter& w, const Market& m, int limit, TimeMs now) {
  const SimInstrument& i = m.instrument();
  const int levels = std::min(limit, i.levels);
  const Quote q = m.quote();
  w.StartObject();
  w.Key("lastUpdateId").Int(m.update_id());
  w.Key("E").Int(now);
  w.Key("T").Int(now);
  auto side = [&](const char* key, Decimal start, bool up) {
    w.Key(key).StartArray();
    Decimal price = start;
    for (int k = 0; k < levels && price.is_positive(); ++k) {
      w.StartArray().String(px(price, i)).String(qty(i.depth_per_level, i)).EndArray();
      price = up ? price.Add(i.filters.tick_size).value() : price.Sub(i.filters.tick_size).value();
    }
    w.EndArray();
  };
  side("bids", q.bid, false);
  side("asks", q.ask, true);
  w.EndObject();
}

void WriteLeverageBracket(JsonWriter& w, const SimExchange&, AccountId, const Market& m) {
  w.StartObject();
  w.Key("symbol").String(m.symbol());
  w.Key("notionalCoef").Int(1);
  w.Key("brackets").StartArray();
  for (const LeverageBracket& b : m.instrument().brackets) {
    w.StartObject();
    w.Key("bracket").Int(b.bracket);
    w.Key("initialLeverage").Int(b.initial_leverage);
    w.Key("notionalCap").Int(b.notional_cap.units() / Decimal::kUnitsPerOne);
    w.Key("notionalFloor").Int(b.notional_floor.units() / Decimal::kUnitsPerOne);
    w.Key("maintMarginRatio").String(b.maint_margin_ratio.ToString());
    w.Key("cum").String(b.cum.Format(1));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

std::string UserEventJson(const UserEvent& e, const SimExchange& ex) {
  JsonWriter w;
  w.StartObject();
  w.Key("e").String(e.type_name());
  // The documented listenKeyExpired example has E as a string; every other event a number.
  if (std::holds_alternative<ListenKeyExpired>(e.body)) w.Key("E").String(std::to_string(e.event_time));
  else w.Key("E").Int(e.event_time);
  if (const auto* u = std::get_if<OrderUpdate>(&e.body)) {
    const SimOrder& o = u->order;
    const SimInstrument& i = instrument_of(ex, o.symbol);
    w.Key("T").Int(e.transaction_time);
    w.Key("o").StartObject();
    w.Key("s").String(o.symbol);
    w.Key("c").String(o.client_order_id);
    w.Key("S").String(to_string(o.side));
    w.Key("o").String(to_string(o.type));
    w.Key("f").String(to_string(o.time_in_force));
    w.Key("q").String(qty(o.orig_qty, i));
    w.Key("p").String(px(o.price, i));
    w.Key("ap").String(o.avg_price.Format(std::max(5, i.price_precision)));
    w.Key("sp").String(px(o.stop_price, i));
    w.Key("x").String(u->execution_type);
    w.Key("X").String(to_string(o.status));
    w.Key("i").Int(o.order_id);
    w.Key("l").String(qty(u->last_qty, i));
    w.Key("z").String(qty(o.executed_qty, i));
    w.Key("L").String(px(u->last_price, i));
    if (u->commission.is_positive()) {
      w.Key("N").String("USDT");
      w.Key("n").String(money(u->commission));
    }
    w.Key("T").Int(e.transaction_time);
    w.Key("t").Int(u->trade_id);
    w.Key("b").String("0");
    w.Key("a").String("0");
    w.Key("m").Bool(u->maker);
    w.Key("R").Bool(o.reduce_only);
    w.Key("wt").String(to_string(o.working_type));
    w.Key("ot").String(to_string(o.orig_type));
    w.Key("ps").String(to_string(o.position_side));
    w.Key("cp").Bool(o.close_position);
    if (trailing(o)) {  // "only pushed with TRAILING_STOP_MARKET order"
      w.Key("AP").String(px(o.activate_price, i));
      w.Key("cr").String(rate(o.price_rate));
    }
    w.Key("rp").String(money(u->realized_pnl));
    w.Key("pP").Bool(false);
    w.Key("si").Int(0);
    w.Key("ss").Int(0);
    w.Key("V").String("EXPIRE_MAKER");
    w.Key("pm").String("NONE");
    w.Key("gtd").Int(o.good_till_date);
    w.Key("er").String(u->expiry_reason.empty() ? "0" : u->expiry_reason);
    w.EndObject();
  } else if (const auto* g = std::get_if<AlgoUpdate>(&e.body)) {
    const SimAlgoOrder& a = g->algo;
    const SimInstrument& i = instrument_of(ex, a.symbol);
    w.Key("T").Int(e.transaction_time);
    w.Key("o").StartObject();
    w.Key("caid").String(a.client_algo_id);
    w.Key("aid").Int(a.algo_id);
    w.Key("at").String("CONDITIONAL");
    w.Key("o").String(to_string(a.type));
    w.Key("s").String(a.symbol);
    w.Key("S").String(to_string(a.side));
    w.Key("ps").String(to_string(a.position_side));
    w.Key("f").String(to_string(a.time_in_force));
    w.Key("q").String(qty(a.quantity, i));
    w.Key("X").String(to_string(a.status));
    w.Key("ai").String(a.actual_order_id ? std::to_string(*a.actual_order_id) : std::string());
    w.Key("ap").String(a.avg_price.Format(5));
    w.Key("aq").String(a.executed_qty.Format(5));
    w.Key("act").String(a.actual_order_id ? (a.type == OrderType::kStop || a.type == OrderType::kTakeProfit ? "LIMIT"
                                                                                                           : "MARKET")
                                          : "0");
    w.Key("tp").String(px(a.trigger_price, i));
    // Not on the ALGO_UPDATE page; named as ORDER_TRADE_UPDATE names them (NautilusTrader reads a
    // "cr" here), for trailing stops only.
    if (a.trailing) {
      w.Key("AP").String(px(a.trailing->activate_price, i));
      w.Key("cr").String(rate(a.trailing->callback_rate));
    }
    w.Key("p").String(px(a.price, i));
    w.Key("V").String("EXPIRE_MAKER");
    w.Key("wt").String(to_string(a.working_type));
    w.Key("pm").String("NONE");
    w.Key("cp").Bool(a.close_position);
    w.Key("pP").Bool(a.price_protect);
    w.Key("R").Bool(a.reduce_only);
    w.Key("tt").Int(a.trigger_time);
    w.Key("gtd").Int(a.good_till_date);
    if (!g->failure_reason.empty()) w.Key("rm").String(g->failure_reason);
    w.EndObject();
  } else if (const auto* acc = std::get_if<AccountUpdate>(&e.body)) {
    w.Key("T").Int(e.transaction_time);
    w.Key("a").StartObject();
    w.Key("m").String(acc->reason);
    w.Key("B").StartArray();
    w.StartObject().Key("a").String("USDT").Key("wb").String(money(acc->wallet_balance));
    w.Key("cw").String(money(acc->cross_wallet_balance)).Key("bc").String(money(acc->balance_change)).EndObject();
    w.EndArray();
    w.Key("P").StartArray();
    for (const SimPosition& p : acc->positions) {
      const Market& m = *ex.FindMarket(p.symbol);
      const SimInstrument& i = m.instrument();
      w.StartObject();
      w.Key("s").String(p.symbol);
      w.Key("pa").String(qty(p.amount, i));
      w.Key("ep").String(p.entry_price.Format(std::max(1, i.price_precision)));
      w.Key("bep").String(p.entry_price.Format(std::max(1, i.price_precision)));
      w.Key("cr").String(money(p.accumulated_realized));
      w.Key("up").String(money(UnrealizedPnl(p.amount, p.entry_price, m.mark()).value()));
      w.Key("mt").String(ex.margin_type(e.account, p.symbol));
      w.Key("iw").String("0");
      w.Key("ps").String(to_string(p.position_side));
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  } else if (const auto* k = std::get_if<ListenKeyExpired>(&e.body)) {
    w.Key("listenKey").String(k->listen_key);
  } else if (const auto* t = std::get_if<TradeLite>(&e.body)) {
    const SimInstrument& i = instrument_of(ex, t->order.symbol);
    w.Key("T").Int(e.transaction_time);
    w.Key("s").String(t->order.symbol);
    w.Key("q").String(qty(t->order.orig_qty, i));
    w.Key("p").String(t->order.price.is_zero() ? std::string("0") : px(t->order.price, i));
    w.Key("m").Bool(t->maker);
    w.Key("c").String(t->order.client_order_id);
    w.Key("S").String(to_string(t->order.side));
    w.Key("L").String(px(t->last_price, i));
    w.Key("l").String(qty(t->last_qty, i));
    w.Key("t").Int(t->trade_id);
    w.Key("i").Int(t->order.order_id);
  } else if (const auto* m = std::get_if<MarginCall>(&e.body)) {
    w.Key("cw").String(money(m->cross_wallet_balance));
    w.Key("p").StartArray();
    for (const SimPosition& p : m->positions) {
      const Market& market = *ex.FindMarket(p.symbol);
      const SimInstrument& i = market.instrument();
      const Decimal notional = p.amount.abs().Mul(market.mark(), Rounding::kUp).value();
      w.StartObject().Key("s").String(p.symbol).Key("ps").String(to_string(p.position_side));
      w.Key("pa").String(qty(p.amount, i));
      w.Key("mt").String(ex.margin_type(e.account, p.symbol) == "isolated" ? "ISOLATED" : "CROSSED");
      w.Key("iw").String("0").Key("mp").String(money(market.mark()));
      w.Key("up").String(money(UnrealizedPnl(p.amount, p.entry_price, market.mark()).value()));
      w.Key("mm").String(money(ex.maintenance_margin(p.symbol, notional))).EndObject();
    }
    w.EndArray();
  } else if (const auto* c = std::get_if<AccountConfigUpdate>(&e.body)) {
    w.Key("T").Int(e.transaction_time);
    w.Key("ac").StartObject().Key("s").String(c->symbol).Key("l").Int(c->leverage).EndObject();
  } else if (const auto* r = std::get_if<TriggerReject>(&e.body)) {
    w.Key("T").Int(e.transaction_time);
    w.Key("or").StartObject().Key("s").String(r->symbol).Key("i").Int(r->order_id).Key("r").String(r->reason);
    w.EndObject();
  }
  w.EndObject();
  return w.str();
}

std::string MarketEventJson(const MarketEvent& e, const SimExchange& ex) {
  JsonWriter w;
  w.StartObject();
  if (const auto* b = std::get_if<BookTickerUpdate>(&e.body)) {
    const SimInstrument& i = instrument_of(ex, b->symbol);
    w.Key("e").String("bookTicker").Key("u").Int(b->update_id).Key("E").Int(e.event_time);
    w.Key("T").Int(e.transaction_time).Key("s").String(b->symbol);
    w.Key("b").String(px(b->quote.bid, i)).Key("B").String(qty(b->quote.bid_qty, i));
    w.Key("a").String(px(b->quote.ask, i)).Key("A").String(qty(b->quote.ask_qty, i));
  } else if (const auto* m = std::get_if<MarkPriceUpdate>(&e.body)) {
    w.Key("e").String("markPriceUpdate").Key("E").Int(e.event_time).Key("s").String(m->symbol);
    w.Key("p").String(money(m->mark_price)).Key("i").String(money(m->index_price));
    w.Key("P").String(money(m->index_price)).Key("r").String(money(m->funding_rate));
    w.Key("T").Int(m->next_funding_time);
  } else if (const auto* t = std::get_if<AggTradeUpdate>(&e.body)) {
    const SimInstrument& i = instrument_of(ex, t->symbol);
    w.Key("e").String("aggTrade").Key("E").Int(e.event_time).Key("s").String(t->symbol);
    w.Key("a").Int(t->aggregate_id).Key("p").String(px(t->price, i)).Key("q").String(qty(t->qty, i));
    w.Key("f").Int(t->first_trade_id).Key("l").Int(t->last_trade_id).Key("T").Int(e.transaction_time);
    w.Key("m").Bool(t->buyer_is_maker);
  }
  w.EndObject();
  return w.str();
}

}  // namespace keel::sim::binance
