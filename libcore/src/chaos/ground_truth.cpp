#include "keel/chaos/ground_truth.h"

#include <rapidjson/document.h>

#include "keel/model/json_limits.h"

namespace keel::chaos {

namespace {

using Value = rapidjson::Value;

struct Reader {
  const Value& v;
  std::string where;
  Status error;

  std::string Str(const char* k) {
    auto it = v.FindMember(k);
    if (it == v.MemberEnd() || !it->value.IsString()) return Fail(k, "a string"), std::string();
    return it->value.GetString();
  }
  std::int64_t Int(const char* k) {
    auto it = v.FindMember(k);
    if (it == v.MemberEnd() || !it->value.IsInt64()) return Fail(k, "an integer"), 0;
    return it->value.GetInt64();
  }
  bool Bool(const char* k) {
    auto it = v.FindMember(k);
    if (it == v.MemberEnd() || !it->value.IsBool()) return Fail(k, "true or false"), false;
    return it->value.GetBool();
  }
  Decimal Dec(const char* k) {
    const std::string text = Str(k);
    if (!error.ok()) return Decimal();
    auto d = Decimal::Parse(text);
    if (!d.ok()) return Fail(k, "a decimal"), Decimal();
    return *d;
  }
  void Fail(const char* k, const char* expected) {
    if (error.ok()) error = Status::InvalidInput("ground truth: " + where + "." + k + ": expected " + expected);
  }
};

const Value* ArrayOf(const Value& doc, const char* name) {
  auto it = doc.FindMember(name);
  if (it == doc.MemberEnd() || !it->value.IsArray()) return nullptr;
  return &it->value;
}

}  // namespace

bool TruthOrder::open() const {
  if (algo) return status == "NEW" || status == "TRIGGERING" || status == "TRIGGERED";
  return status == "NEW" || status == "PARTIALLY_FILLED";
}

Result<GroundTruth> ParseGroundTruth(std::string_view json) {
  KEEL_RETURN_IF_ERROR(CheckJsonLimits(json, "ground truth"));
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return Status::InvalidInput("ground truth: not one JSON object");
  GroundTruth t;
  Reader top{doc, "", Status::Ok()};
  t.account = top.Str("account");
  t.now = top.Int("now");
  if (!top.error.ok()) return top.error;
  for (const char* name : {"requests", "orders", "algoOrders", "trades", "positions", "refusals"})
    if (!ArrayOf(doc, name)) return Status::InvalidInput(std::string("ground truth: ") + name + ": expected an array");
  for (const auto& v : ArrayOf(doc, "requests")->GetArray()) {
    Reader r{v, "requests[]", Status::Ok()};
    TruthRequest q{r.Int("time"), r.Str("action"), r.Str("book"), r.Str("symbol"), r.Int("orderId"),
                   r.Str("clientId"), r.Str("refused"), r.Str("status")};
    if (!r.error.ok()) return r.error;
    t.requests.push_back(std::move(q));
  }
  for (const auto& v : ArrayOf(doc, "orders")->GetArray()) {
    Reader r{v, "orders[]", Status::Ok()};
    TruthOrder o;
    o.id = r.Int("orderId");
    o.client_id = r.Str("clientOrderId");
    o.symbol = r.Str("symbol");
    o.side = r.Str("side");
    o.position_side = r.Str("positionSide");
    o.type = r.Str("type");
    o.status = r.Str("status");
    o.qty = r.Dec("origQty");
    o.reduce_only = r.Bool("reduceOnly");
    o.close_position = r.Bool("closePosition");
    o.created = r.Int("time");
    o.updated = r.Int("updateTime");
    if (!r.error.ok()) return r.error;
    t.orders.push_back(std::move(o));
  }
  for (const auto& v : ArrayOf(doc, "algoOrders")->GetArray()) {
    Reader r{v, "algoOrders[]", Status::Ok()};
    TruthOrder o;
    o.algo = true;
    o.id = r.Int("algoId");
    o.client_id = r.Str("clientAlgoId");
    o.symbol = r.Str("symbol");
    o.side = r.Str("side");
    o.position_side = r.Str("positionSide");
    o.type = r.Str("type");
    o.status = r.Str("status");
    o.qty = r.Dec("quantity");
    o.trigger_price = r.Dec("triggerPrice");
    o.reduce_only = r.Bool("reduceOnly");
    o.close_position = r.Bool("closePosition");
    if (v.HasMember("closeUpTo")) o.close_up_to = r.Dec("closeUpTo");
    if (v.HasMember("positionTpsl")) o.position_tpsl = r.Str("positionTpsl");
    o.created = r.Int("createTime");
    o.updated = r.Int("updateTime");
    if (!r.error.ok()) return r.error;
    t.orders.push_back(std::move(o));
  }
  for (const auto& v : ArrayOf(doc, "trades")->GetArray()) {
    Reader r{v, "trades[]", Status::Ok()};
    TruthTrade x{r.Int("orderId"), r.Str("symbol"), r.Str("side"), r.Str("positionSide"), r.Dec("qty"), r.Int("time")};
    if (!r.error.ok()) return r.error;
    t.trades.push_back(std::move(x));
  }
  for (const auto& v : ArrayOf(doc, "positions")->GetArray()) {
    Reader r{v, "positions[]", Status::Ok()};
    TruthPosition p{r.Str("symbol"), r.Str("positionSide"), r.Dec("amount")};
    if (!r.error.ok()) return r.error;
    t.positions.push_back(std::move(p));
  }
  for (const auto& v : ArrayOf(doc, "refusals")->GetArray()) {
    Reader r{v, "refusals[]", Status::Ok()};
    TruthRefusal x{r.Int("time"), static_cast<int>(r.Int("status")), r.Int("retryAfterMs")};
    if (!r.error.ok()) return r.error;
    t.refusals.push_back(x);
  }
  return t;
}

}  // namespace keel::chaos
