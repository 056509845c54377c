#include "keel/sim/bybit_stream.h"

#include <algorithm>

#include <rapidjson/document.h>

#include "keel/model/json_limits.h"
#include "keel/model/json_writer.h"
#include "keel/net/hmac.h"
#include "keel/net/query_string.h"
#include "keel/sim/bybit_json.h"

namespace keel::sim {
namespace {

std::string Text(const JsonWriter& w) { return w.str(); }

// {"success":…,"ret_msg":…,"op":…,"conn_id":…,"req_id":…}: the reply to auth and subscribe.
std::string Reply(bool success, const std::string& ret_msg, const std::string& op, const std::string& conn_id,
                  const std::optional<std::string>& req_id) {
  JsonWriter w;
  w.StartObject().Key("success").Bool(success).Key("ret_msg").String(ret_msg).Key("op").String(op);
  w.Key("conn_id").String(conn_id);
  if (req_id) w.Key("req_id").String(*req_id);
  w.EndObject();
  return Text(w);
}

// A JSON value as text: strings as they are, numbers as their digits.
std::optional<std::string> Scalar(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsNumber() && v.IsInt64()) return std::to_string(v.GetInt64());
  return std::nullopt;
}

bool PrivateTopic(const std::string& t) {
  for (const char* base : {"order", "execution", "position", "wallet"})
    if (t == base || (t == std::string(base) + ".linear" && std::string(base) != "wallet")) return true;
  return false;
}

}  // namespace

std::optional<TimeMs> ParseMaxActiveTime(const std::string& text) {
  if (text.size() < 2 || text.size() > 5) return std::nullopt;
  const char unit = text.back();
  const std::string digits = text.substr(0, text.size() - 1);
  if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const TimeMs n = std::stoll(digits);
  const TimeMs ms = unit == 's' ? n * 1000 : unit == 'm' ? n * 60'000 : -1;
  if (ms < 30'000 || ms > 600'000) return std::nullopt;
  return ms;
}

Result<BybitStreamSession> BybitStreamSession::Open(const std::string& target, const SimExchange& exchange,
                                                    std::uint64_t conn_no) {
  const auto q = target.find('?');
  const std::string path = q == std::string::npos ? target : target.substr(0, q);
  auto params = net::Params::Parse(q == std::string::npos ? std::string() : target.substr(q + 1));
  if (!params.ok()) return Status::InvalidInput("malformed query in " + target);
  BybitStreamSession s;
  if (path == "/v5/private") {
    s.private_ = true;
    if (auto max = params->Get("max_active_time")) {
      auto ms = ParseMaxActiveTime(*max);
      if (!ms) return Status::InvalidInput("max_active_time " + *max + ": expected 30s to 600s, or 1m to 10m");
      s.max_idle_ms_ = *ms;
    }
  } else if (path != "/v5/public/linear") {
    return Status::NotFound("no Bybit stream at " + path + ": /v5/private and /v5/public/linear are served");
  }
  s.conn_id_ = "keel-sim-" + std::to_string(conn_no);
  s.last_activity_ = exchange.now();
  return s;
}

bool BybitStreamSession::Carries(const std::string& topic) const { return !SubscribedAs(topic).empty(); }

std::vector<std::string> BybitStreamSession::SubscribedAs(const std::string& base) const {
  std::vector<std::string> out;
  if (topics_.count(base)) out.push_back(base);
  if (private_ && topics_.count(base + ".linear")) out.push_back(base + ".linear");
  return out;
}

std::string BybitStreamSession::Push(const std::string& topic, TimeMs creation_time, const std::string& data_json) {
  last_activity_ = creation_time;
  JsonWriter w;
  w.StartObject().Key("id").String(conn_id_ + "-" + std::to_string(++pushes_)).Key("topic").String(topic);
  w.Key("creationTime").Int(creation_time).Key("data").Raw(data_json).EndObject();
  return Text(w);
}

std::vector<std::string> BybitStreamSession::OnText(const std::string& text, const SimExchange& exchange) {
  const TimeMs now = exchange.now();
  if (auto limits = CheckJsonLimits(text, "Invalid request"); !limits.ok())
    return {Reply(false, limits.message(), "", conn_id_, std::nullopt)};
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("op") || !d["op"].IsString())
    return {Reply(false, "Invalid request: expected {\"op\":…}", "", conn_id_, std::nullopt)};
  const std::string op = d["op"].GetString();
  std::optional<std::string> req_id;
  if (d.HasMember("req_id")) req_id = Scalar(d["req_id"]);
  std::vector<std::string> args;
  if (d.HasMember("args") && d["args"].IsArray())
    for (const auto& a : d["args"].GetArray())
      if (auto s = Scalar(a)) args.push_back(*s);

  if (op == "ping") {
    last_activity_ = now;
    JsonWriter w;
    if (private_) {
      w.StartObject().Key("req_id").String(req_id.value_or("")).Key("op").String("pong");
      w.Key("args").StartArray().String(std::to_string(now)).EndArray().Key("conn_id").String(conn_id_).EndObject();
    } else {
      w.StartObject().Key("success").Bool(true).Key("ret_msg").String("pong").Key("conn_id").String(conn_id_);
      w.Key("req_id").String(req_id.value_or("")).Key("op").String("ping").EndObject();
    }
    return {Text(w)};
  }
  if (op == "auth") {
    if (!private_) return {Reply(false, "auth is for /v5/private", op, conn_id_, req_id)};
    if (args.size() != 3) return {Reply(false, "Params Error: args [api_key, expires, signature]", op, conn_id_, req_id)};
    auto account = exchange.FindAccountByKey(args[0]);
    if (!account) return {Reply(false, "Invalid apikey", op, conn_id_, req_id)};
    const std::string& expires = args[1];
    if (expires.empty() || expires.size() > 16 || expires.find_first_not_of("0123456789") != std::string::npos)
      return {Reply(false, "Params Error: expires", op, conn_id_, req_id)};
    const std::string expected =
        net::hmac_sha256_hex(exchange.account_spec(*account).api_secret, "GET/realtime" + expires);
    if (!net::signatures_equal(expected, args[2])) return {Reply(false, "Invalid sign", op, conn_id_, req_id)};
    if (std::stoll(expires) <= now) return {Reply(false, "Params Error: expires is in the past", op, conn_id_, req_id)};
    account_ = *account;
    return {Reply(true, "", op, conn_id_, req_id)};
  }
  if (op == "subscribe" || op == "unsubscribe") {
    if (private_ && !account_) return {Reply(false, "Request not authorized", op, conn_id_, req_id)};
    std::vector<std::string> snapshots;
    // order.mdx: "All-In-One topic and Categorised topic cannot be in the same subscription request".
    const bool all_in_one = std::any_of(args.begin(), args.end(), [](const std::string& t) {
      return t == "order" || t == "execution" || t == "position";
    });
    const bool categorised = std::any_of(args.begin(), args.end(),
                                         [](const std::string& t) { return t.find('.') != std::string::npos; });
    if (private_ && all_in_one && categorised)
      return {Reply(false, "All-In-One topic and Categorised topic cannot be in the same subscription request", op,
                    conn_id_, req_id)};
    for (const auto& topic : args) {
      bool known = private_ && PrivateTopic(topic);
      std::string symbol;
      if (!private_) {
        for (const char* prefix : {"tickers.", "orderbook.1."}) {
          if (topic.rfind(prefix, 0) == 0) symbol = topic.substr(std::string(prefix).size());
        }
        known = !symbol.empty() && exchange.FindMarket(symbol) != nullptr;
      }
      if (!known) return {Reply(false, "Invalid topic: " + topic, op, conn_id_, req_id)};
      if (op == "unsubscribe") {
        topics_.erase(topic);
        continue;
      }
      topics_.insert(topic);
      if (topic.rfind("tickers.", 0) == 0) {
        // A ticker subscription starts with the whole ticker; the deltas after it carry what changed.
        JsonWriter data;
        bybit::WriteTicker(data, *exchange.FindMarket(symbol), now);
        JsonWriter w;
        w.StartObject().Key("topic").String(topic).Key("type").String("snapshot").Key("data").Raw(data.str());
        w.Key("cs").Int(static_cast<std::int64_t>(++pushes_)).Key("ts").Int(now).EndObject();
        snapshots.push_back(Text(w));
      }
    }
    std::vector<std::string> out{Reply(true, "", op, conn_id_, req_id)};
    out.insert(out.end(), snapshots.begin(), snapshots.end());
    last_activity_ = now;
    return out;
  }
  return {Reply(false, "Invalid op: " + op, op, conn_id_, req_id)};
}

std::vector<std::string> BybitStreamSession::Render(const MarketEvent& event, const SimExchange& exchange) {
  if (private_) return {};
  const std::string& symbol = event.symbol();
  if (const auto* b = std::get_if<BookTickerUpdate>(&event.body)) {
    const std::string topic = "orderbook.1." + symbol;
    if (!topics_.count(topic)) return {};
    const SimInstrument& i = exchange.FindMarket(symbol)->instrument();
    JsonWriter w;
    w.StartObject().Key("topic").String(topic).Key("type").String("snapshot").Key("ts").Int(event.event_time);
    w.Key("data").StartObject().Key("s").String(symbol);
    w.Key("b").StartArray().StartArray().String(b->quote.bid.Format(i.price_precision));
    w.String(b->quote.bid_qty.Format(i.quantity_precision)).EndArray().EndArray();
    w.Key("a").StartArray().StartArray().String(b->quote.ask.Format(i.price_precision));
    w.String(b->quote.ask_qty.Format(i.quantity_precision)).EndArray().EndArray();
    w.Key("u").Int(b->update_id).Key("seq").Int(b->update_id).EndObject();
    w.Key("cts").Int(event.transaction_time).EndObject();
    last_activity_ = event.event_time;
    return {Text(w)};
  }
  if (const auto* m = std::get_if<MarkPriceUpdate>(&event.body)) {
    const std::string topic = "tickers." + symbol;
    if (!topics_.count(topic)) return {};
    const SimInstrument& i = exchange.FindMarket(symbol)->instrument();
    JsonWriter w;
    w.StartObject().Key("topic").String(topic).Key("type").String("delta");
    w.Key("data").StartObject().Key("symbol").String(symbol);
    w.Key("markPrice").String(m->mark_price.Format(i.price_precision));
    w.Key("indexPrice").String(m->index_price.Format(i.price_precision));
    w.Key("fundingRate").String(m->funding_rate.ToString());
    w.Key("nextFundingTime").String(std::to_string(m->next_funding_time)).EndObject();
    w.Key("cs").Int(static_cast<std::int64_t>(++pushes_)).Key("ts").Int(event.event_time).EndObject();
    last_activity_ = event.event_time;
    return {Text(w)};
  }
  return {};
}

std::vector<std::string> BybitStreamSession::Render(const UserEvent& event, const SimExchange& exchange) {
  if (!private_ || !account_ || event.account != *account_) return {};
  std::vector<std::string> out;
  const TimeMs t = event.event_time;
  auto order_push = [&](const bybit::OrderView& view) {
    const auto names = SubscribedAs("order");
    if (names.empty()) return;
    JsonWriter data;
    data.StartArray();
    bybit::WriteOrder(data, view, exchange.FindMarket(view.symbol)->instrument(), true);
    data.EndArray();
    for (const auto& name : names) out.push_back(Push(name, t, data.str()));
  };
  // position.mdx: "Every time when you create/amend/cancel an order, the position topic will
  // generate a new message (regardless if there's any actual change)": the position as it is now,
  // with the seq of its last fill.
  auto position_push = [&](const bybit::OrderView& view) {
    const auto names = SubscribedAs("position");
    if (names.empty()) return;
    JsonWriter data;
    data.StartArray();
    bybit::WritePosition(data, exchange, *account_, exchange.Position(*account_, view.symbol, view.position_side), true);
    data.EndArray();
    for (const auto& name : names) out.push_back(Push(name, t, data.str()));
  };
  if (const auto* u = std::get_if<OrderUpdate>(&event.body)) {
    const SimAlgoOrder* algo = u->order.algo_id ? exchange.FindAlgo(*account_, *u->order.algo_id) : nullptr;
    bybit::OrderView view = algo ? bybit::ViewOf(*algo, &u->order) : bybit::ViewOf(u->order);
    if (u->execution_type == "CANCEL_REJECTED") {  // order.mdx: the second Filled push of the race
      view.cancel_type = "CancelByUser";
      view.reject_reason = "EC_OrigClOrdIDDoesNotExist";
    }
    // Every fill is an execution: a liquidation's (Binance's CALCULATED) and an ADL's among them.
    if (u->last_qty.is_positive() && Carries("execution")) {
      const SimInstrument& i = exchange.FindMarket(view.symbol)->instrument();
      const SimPosition p = exchange.Position(*account_, view.symbol, view.position_side);
      // closedSize: what the fill took off an opposite position (0 when it opened or added).
      const bool closing = u->realized_pnl.is_positive() || u->realized_pnl.is_negative() || view.reduce_only;
      JsonWriter data;
      data.StartArray();
      bybit::WriteExecution(data, view, i, std::to_string(u->trade_id), u->last_price, u->last_qty, u->commission,
                            u->maker, closing ? u->last_qty : Decimal(), t, u->seq, u->realized_pnl);
      data.EndArray();
      for (const auto& name : SubscribedAs("execution")) out.push_back(Push(name, t, data.str()));
    }
    order_push(view);
    if (!u->last_qty.is_positive()) position_push(view);
  } else if (const auto* a = std::get_if<AlgoUpdate>(&event.body)) {
    // A push says the order as it was when the venue acted. The order a trigger set off is read as
    // it is now, so it may be told only once it has finished: while it works, its own events say
    // how it goes (rendered later, a "Filled" here would come before their "New").
    const bool finished = a->algo.status == AlgoStatus::kFinished && a->algo.actual_order_id;
    const SimOrder* actual = finished ? exchange.FindOrder(*account_, *a->algo.actual_order_id) : nullptr;
    const bybit::OrderView view = bybit::ViewOf(a->algo, actual);
    order_push(view);
    position_push(view);
  } else if (const auto* acc = std::get_if<AccountUpdate>(&event.body)) {
    if (acc->funded && Carries("execution")) {
      const Market* market = exchange.FindMarket(acc->funded->symbol);
      JsonWriter data;
      data.StartArray();
      bybit::WriteFundingExecution(data, *acc->funded, market->instrument(), market->mark(), acc->balance_change.negated(),
                                   exchange.config().funding_rate, acc->funded_number, t);
      data.EndArray();
      for (const auto& name : SubscribedAs("execution")) out.push_back(Push(name, t, data.str()));
    }
    if (Carries("position") && !acc->positions.empty()) {
      JsonWriter data;
      data.StartArray();
      for (const auto& p : acc->positions) bybit::WritePosition(data, exchange, *account_, p, true, acc->position_status);
      data.EndArray();
      for (const auto& name : SubscribedAs("position")) out.push_back(Push(name, t, data.str()));
    }
    if (topics_.count("wallet")) {
      JsonWriter data;
      data.StartArray();
      bybit::WriteWallet(data, exchange, *account_);
      data.EndArray();
      out.push_back(Push("wallet", t, data.str()));
    }
  }
  return out;
}

std::vector<std::string> BybitStreamSession::Render(const SpotTrade& trade, const SimExchange& exchange) {
  if (!private_ || !account_ || trade.account != *account_) return {};
  const Market* market = exchange.FindMarket(trade.symbol);
  if (!market) return {};
  bybit::OrderView view;
  view.category = "spot";
  view.order_id = "spot-" + std::to_string(trade.number);
  view.symbol = trade.symbol;
  view.side = trade.side;
  view.market = true;
  view.status = "Filled";
  view.time_in_force = TimeInForce::kIoc;
  view.price = trade.price;
  view.qty = trade.qty;
  view.cum_qty = trade.qty;
  view.cum_value = trade.qty.Mul(trade.price, Rounding::kNearest).value();
  view.avg_price = trade.price;
  view.created = trade.time;
  view.updated = trade.time;
  std::vector<std::string> out;
  if (topics_.count("execution")) {
    JsonWriter data;
    data.StartArray();
    bybit::WriteExecution(data, view, market->instrument(), "spot-exec-" + std::to_string(trade.number), trade.price,
                          trade.qty, Decimal(), false, Decimal(), trade.time, 0, Decimal());
    data.EndArray();
    out.push_back(Push("execution", trade.time, data.str()));
  }
  if (topics_.count("order")) {
    JsonWriter data;
    data.StartArray();
    bybit::WriteOrder(data, view, market->instrument(), true);
    data.EndArray();
    out.push_back(Push("order", trade.time, data.str()));
  }
  return out;
}

}  // namespace keel::sim
