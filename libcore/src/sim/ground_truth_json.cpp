#include "keel/sim/ground_truth_json.h"

#include "keel/model/json_writer.h"
#include "keel/model/order_kind.h"
#include "keel/model/order_status.h"
#include "keel/model/side.h"

namespace keel::sim {

std::string GroundTruthJson(const SimExchange& ex, AccountId id, const std::vector<RestRefusal>& refusals) {
  JsonWriter w;
  w.StartObject();
  w.Key("account").String(ex.account_spec(id).name);
  w.Key("now").Int(ex.now());
  w.Key("requests").StartArray();
  for (const auto& e : ex.ledger()) {
    if (e.account != static_cast<std::int64_t>(id)) continue;
    w.StartObject();
    w.Key("time").Int(e.time);
    w.Key("action").String(to_string(e.action));
    w.Key("book").String(to_string(e.book));
    w.Key("symbol").String(e.symbol);
    w.Key("orderId").Int(e.order_id);
    w.Key("clientId").String(e.client_id);
    w.Key("refused").String(e.refused);
    w.Key("status").String(e.status);
    w.EndObject();
  }
  w.EndArray();
  w.Key("orders").StartArray();
  for (const Market* m : ex.Markets()) {
    for (const auto& o : ex.AllOrders(id, m->instrument().filters.symbol)) {
      w.StartObject();
      w.Key("orderId").Int(o.order_id);
      w.Key("clientOrderId").String(o.client_order_id);
      w.Key("symbol").String(o.symbol);
      w.Key("side").String(to_string(o.side));
      w.Key("positionSide").String(to_string(o.position_side));
      w.Key("type").String(to_string(o.orig_type));
      w.Key("status").String(to_string(o.status));
      w.Key("origQty").Number(o.orig_qty);
      w.Key("executedQty").Number(o.executed_qty);
      w.Key("price").Number(o.price);
      w.Key("reduceOnly").Bool(o.reduce_only);
      w.Key("closePosition").Bool(o.close_position);
      w.Key("time").Int(o.time);
      w.Key("updateTime").Int(o.update_time);
      w.EndObject();
    }
  }
  w.EndArray();
  w.Key("algoOrders").StartArray();
  for (const auto& a : ex.AllAlgoOrders(id, "")) {
    w.StartObject();
    w.Key("algoId").Int(a.algo_id);
    w.Key("clientAlgoId").String(a.client_algo_id);
    w.Key("symbol").String(a.symbol);
    w.Key("side").String(to_string(a.side));
    w.Key("positionSide").String(to_string(a.position_side));
    w.Key("type").String(to_string(a.type));
    w.Key("status").String(to_string(a.status));
    w.Key("quantity").Number(a.quantity);
    w.Key("triggerPrice").Number(a.trigger_price);
    w.Key("reduceOnly").Bool(a.reduce_only);
    w.Key("closePosition").Bool(a.close_position);
    if (a.close_up_to) w.Key("closeUpTo").Number(*a.close_up_to);
    // The venue made it for the position's own TP/SL or trailing stop (Bybit's stopOrderType).
    if (!a.position_tpsl.empty()) w.Key("positionTpsl").String(a.position_tpsl);
    w.Key("createTime").Int(a.create_time);
    w.Key("updateTime").Int(a.update_time);
    w.EndObject();
  }
  w.EndArray();
  w.Key("trades").StartArray();
  for (const auto& t : ex.Trades(id, "")) {
    w.StartObject();
    w.Key("orderId").Int(t.order_id);
    w.Key("symbol").String(t.symbol);
    w.Key("side").String(to_string(t.side));
    w.Key("positionSide").String(to_string(t.position_side));
    w.Key("price").Number(t.price);
    w.Key("qty").Number(t.qty);
    w.Key("time").Int(t.time);
    w.EndObject();
  }
  w.EndArray();
  w.Key("positions").StartArray();
  for (const auto& p : ex.Positions(id)) {
    w.StartObject();
    w.Key("symbol").String(p.symbol);
    w.Key("positionSide").String(to_string(p.position_side));
    w.Key("amount").Number(p.amount);
    w.EndObject();
  }
  w.EndArray();
  w.Key("refusals").StartArray();
  for (const auto& r : refusals) {
    w.StartObject();
    w.Key("time").Int(r.time);
    w.Key("status").Int(r.http_status);
    w.Key("retryAfterMs").Int(r.retry_after_ms);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.str();
}

}  // namespace keel::sim
