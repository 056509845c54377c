#include "keel/store/record_json.h"

namespace keel {

void WriteJson(JsonWriter& w, const Instrument& v) {
  w.StartObject();
  w.Key("symbol").String(v.symbol);
  w.Key("tick_size").Number(v.tick_size);
  w.Key("step_size").Number(v.step_size);
  w.Key("min_qty").Number(v.min_qty);
  w.Key("min_notional").Number(v.min_notional);
  w.EndObject();
}

void WriteJson(JsonWriter& w, const IntentRecord& v) {
  w.StartObject();
  w.Key("client_order_id").String(v.client_order_id);
  w.Key("purpose").String(to_string(v.purpose));
  w.Key("symbol").String(v.symbol);
  w.Key("side").String(to_string(v.side));
  w.Key("position_side").String(to_string(v.position_side));
  w.Key("qty").Number(v.qty);
  w.Key("price").Number(v.price);
  w.Key("reason").String(v.reason);
  w.Key("created_ms").Int(v.created_ms);
  w.EndObject();
}

void WriteJson(JsonWriter& w, const OrderRecord& v) {
  w.StartObject();
  w.Key("client_order_id").String(v.client_order_id);
  w.Key("exchange_order_id").String(v.exchange_order_id);
  w.Key("symbol").String(v.symbol);
  w.Key("side").String(to_string(v.side));
  w.Key("position_side").String(to_string(v.position_side));
  w.Key("type").String(to_string(v.type));
  if (v.time_in_force) w.Key("time_in_force").String(to_string(*v.time_in_force));
  else w.Key("time_in_force").Null();
  w.Key("purpose").String(to_string(v.purpose));
  w.Key("state").String(to_string(v.state));
  w.Key("qty").Number(v.qty);
  w.Key("price").Number(v.price);
  w.Key("stop_price").Number(v.stop_price);
  w.Key("filled_qty").Number(v.filled_qty);
  w.Key("avg_price").Number(v.avg_price);
  w.Key("reduce_only").Bool(v.reduce_only);
  w.Key("close_position").Bool(v.close_position);
  if (v.close_up_to) w.Key("close_up_to").Number(*v.close_up_to);
  w.Key("exchange_created_ms").Int(v.exchange_created_ms);
  w.Key("exchange_updated_ms").Int(v.exchange_updated_ms);
  w.Key("created_ms").Int(v.created_ms);
  w.Key("updated_ms").Int(v.updated_ms);
  w.EndObject();
}

void WriteJson(JsonWriter& w, const PositionRecord& v) {
  w.StartObject();
  w.Key("id").Int(v.id);
  w.Key("symbol").String(v.symbol);
  w.Key("position_side").String(to_string(v.position_side));
  w.Key("qty").Number(v.qty);
  w.Key("entry_price").Number(v.entry_price);
  w.Key("state").String(to_string(v.state));
  w.Key("opened_ms").Int(v.opened_ms);
  w.Key("closed_ms").Int(v.closed_ms);
  w.Key("exit_reason").String(v.exit_reason);
  w.Key("stop_client_order_id").String(v.stop_client_order_id);
  w.Key("exchange_updated_ms").Int(v.exchange_updated_ms);
  w.EndObject();
}

void WriteJson(JsonWriter& w, const JournalEntry& v) {
  w.StartObject();
  w.Key("seq").Int(v.seq);
  w.Key("local_ms").Int(v.local_ms);
  w.Key("exchange_ms").Int(v.exchange_ms);
  w.Key("source").String(to_string(v.source));
  w.Key("entity").String(v.entity);
  w.Key("entity_id").String(v.entity_id);
  w.Key("symbol").String(v.symbol);
  w.Key("event").String(v.event);
  w.Key("payload");
  if (v.payload.empty()) w.Null(); else w.Raw(v.payload);
  w.EndObject();
}

void WriteJson(JsonWriter& w, const IncidentRecord& v) {
  w.StartObject();
  w.Key("id").Int(v.id);
  w.Key("local_ms").Int(v.local_ms);
  w.Key("kind").String(to_string(v.kind));
  w.Key("symbol").String(v.symbol);
  if (v.position_side) w.Key("position_side").String(to_string(*v.position_side));
  else w.Key("position_side").Null();
  w.Key("client_order_id").String(v.client_order_id);
  w.Key("detail").String(v.detail);
  w.Key("action").String(v.action);
  w.EndObject();
}

void WriteJson(JsonWriter& w, const SignalRecord& v) {
  w.StartObject();
  w.Key("id").String(v.id);
  w.Key("symbol").String(v.symbol);
  w.Key("action").String(v.action);
  w.Key("origin").String(v.origin);
  w.Key("state").String(to_string(v.state));
  w.Key("detail").String(v.detail);
  if (v.position_side) w.Key("position_side").String(to_string(*v.position_side));
  else w.Key("position_side").Null();
  w.Key("entry_client_order_id").String(v.entry_client_order_id);
  w.Key("stop_client_order_id").String(v.stop_client_order_id);
  w.Key("take_profit_client_order_id").String(v.take_profit_client_order_id);
  w.Key("entry_attempts").Int(v.entry_attempts);
  w.Key("received_ms").Int(v.received_ms);
  w.Key("updated_ms").Int(v.updated_ms);
  w.Key("signal");
  if (v.payload.empty()) w.Null(); else w.Raw(v.payload);
  w.EndObject();
}

}  // namespace keel
