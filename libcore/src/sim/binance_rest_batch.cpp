// POST, PUT and DELETE /fapi/v1/batchOrders: up to 5 placements or modifications (10 cancels) in one
// request; each item answered on its own, an order object or {"code","msg"}, in the request's order.
#include <rapidjson/document.h>

#include "binance_rest_call.h"
#include "keel/model/json_limits.h"
#include "keel/sim/binance_json.h"

namespace keel::sim::rest {
namespace {

Status invalid_list(const char* name) {
  return binance_error(-1130, std::string("Data sent for parameter '") + name + "' is not valid.");
}

// The list parameter's JSON objects, each as the parameters of one request.
Result<std::vector<net::Params>> batch_items(Call& c, std::size_t max) {
  auto raw = c.Req("batchOrders");
  if (!raw.ok()) return raw.status();
  if (!CheckJsonLimits(*raw, "batchOrders").ok()) return invalid_list("batchOrders");
  rapidjson::Document d;
  d.Parse(raw->c_str(), raw->size());
  if (d.HasParseError() || !d.IsArray() || d.Empty() || d.Size() > max) return invalid_list("batchOrders");
  std::vector<net::Params> items;
  for (const auto& item : d.GetArray()) {
    if (!item.IsObject()) return invalid_list("batchOrders");
    net::Params p;
    for (const auto& m : item.GetObject()) {
      std::string value;
      if (m.value.IsString()) value.assign(m.value.GetString(), m.value.GetStringLength());
      else if (m.value.IsBool()) value = m.value.GetBool() ? "true" : "false";
      else if (m.value.IsInt64()) value = std::to_string(m.value.GetInt64());
      else if (m.value.IsNumber()) return invalid_list("batchOrders");  // a price as a float: refused
      else continue;
      p.Add(m.name.GetString(), value);
    }
    items.push_back(std::move(p));
  }
  return items;
}

void write_error(JsonWriter& w, const Status& refused) {
  const Status s = ToBinance(refused);
  w.StartObject().Key("code").Int(s.venue_code().value_or(-1000)).Key("msg").String(s.message()).EndObject();
}

template <typename One>
Body each(Call& c, std::size_t max, One&& one) {
  auto items = batch_items(c, max);
  if (!items.ok()) return items.status();
  return json([&](JsonWriter& w) {
    w.StartArray();
    for (auto& params : *items) {
      Call item = c;
      item.params = std::move(params);
      one(item, w);
    }
    w.EndArray();
  });
}

}  // namespace

Body post_batch_orders(Call& c) {
  c.counts_orders = true;
  return each(c, 5, [&](Call& item, JsonWriter& w) {
    auto symbol = item.Symbol();
    Result<NewOrderRequest> r = symbol.ok() ? new_order_request(item, *symbol) : Result<NewOrderRequest>(symbol.status());
    if (!r.ok()) return write_error(w, r.status());
    auto placed = c.ex.PlaceOrder(c.account, *r);
    if (!placed.ok()) return write_error(w, placed.status());
    binance::WriteOrder(w, *placed, inst(c, placed->symbol), true, false);
  });
}

Body put_batch_orders(Call& c) {
  c.counts_orders = true;
  return each(c, 5, [&](Call& item, JsonWriter& w) {
    auto symbol = item.Symbol();
    Result<ModifyRequest> m = symbol.ok() ? modify_request(item, *symbol) : Result<ModifyRequest>(symbol.status());
    if (!m.ok()) return write_error(w, m.status());
    auto modified = c.ex.ModifyOrder(c.account, *m);
    if (!modified.ok()) return write_error(w, modified.status());
    binance::WriteOrder(w, *modified, inst(c, modified->symbol), false, false);
  });
}

Body delete_batch_orders(Call& c) {
  auto symbol = c.Symbol();
  if (!symbol.ok()) return symbol.status();
  const auto ids = c.Opt("orderIdList");
  const auto cids = c.Opt("origClientOrderIdList");
  if (!ids && !cids) return c.Req("orderIdList").status();
  rapidjson::Document d;
  const std::string& raw = ids ? *ids : *cids;
  const char* name = ids ? "orderIdList" : "origClientOrderIdList";
  if (!CheckJsonLimits(raw, name).ok()) return invalid_list(name);
  d.Parse(raw.c_str(), raw.size());
  if (d.HasParseError() || !d.IsArray() || d.Empty() || d.Size() > 10) return invalid_list(name);
  std::vector<OrderRef> refs;
  for (const auto& v : d.GetArray()) {
    OrderRef ref;
    if (ids && v.IsInt64()) ref.order_id = v.GetInt64();
    else if (!ids && v.IsString()) ref.client_order_id = std::string(v.GetString(), v.GetStringLength());
    else return invalid_list(name);
    refs.push_back(ref);
  }
  return json([&](JsonWriter& w) {
    w.StartArray();
    for (const auto& ref : refs) {
      auto cancelled = c.ex.CancelOrder(c.account, *symbol, ref);
      if (cancelled.ok()) binance::WriteOrder(w, *cancelled, inst(c, *symbol), false, false);
      else write_error(w, cancelled.status());
    }
    w.EndArray();
  });
}

}  // namespace keel::sim::rest
