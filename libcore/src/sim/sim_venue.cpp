#include "keel/sim/sim_venue.h"

#include "keel/net/query_string.h"
#include "keel/sim/ground_truth_json.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "keel/config/toml_limits.h"
#include "keel/model/json_writer.h"

namespace keel::sim {
namespace {

net::HttpResponse json_response(int status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

net::HttpResponse control_error(int status, const std::string& message) {
  JsonWriter w;
  w.StartObject().Key("error").String(message).EndObject();
  return json_response(status, w.str());
}

}  // namespace

SimVenue::SimVenue(std::unique_ptr<SimExchange> exchange, const Clock& clock)
    : exchange_(std::move(exchange)),
      clock_(clock),
      outbox_(exchange_->config().seed ^ 0x5eedULL),
      rest_(*exchange_, faults_, stale_),
      bybit_rest_(*exchange_, faults_, stale_) {}

Result<std::unique_ptr<SimVenue>> SimVenue::Create(SimConfig config, const Clock& clock) {
  auto exchange = SimExchange::Create(std::move(config), clock);
  if (!exchange.ok()) return exchange.status();
  return std::unique_ptr<SimVenue>(new SimVenue(std::move(exchange).value(), clock));
}

net::HttpResponse SimVenue::HandleHttp(const net::HttpRequest& request) {
  const bool control = request.path().rfind("/_sim/", 0) == 0;
  const bool bybit = !control && request.path().rfind("/v5/", 0) == 0;
  net::HttpResponse response = control  ? HandleControl(request)
                               : bybit ? bybit_rest_.Handle(request)
                                       : rest_.Handle(request);
  const Latency& l = faults_.latency();
  if (!control && (l.ms > 0 || l.jitter_ms > 0)) {
    // The exchange acted now; its answer reaches the client one network distance later.
    response.delay_ms = l.ms + (l.jitter_ms > 0 ? static_cast<long>(latency_rng_() % static_cast<std::uint64_t>(l.jitter_ms + 1)) : 0);
  }
  Collect();
  return response;
}

void SimVenue::Collect() { outbox_.Push(exchange_->TakeUserEvents(), clock_.NowMs(), faults_.stream); }

void SimVenue::Tick() {
  const TimeMs now = clock_.NowMs();
  while (!scenario_.empty() && scenario_.front().first <= now) {
    SimCommand step = scenario_.front().second;
    scenario_.erase(scenario_.begin());
    Status s = Apply(step);
    // A step that cannot apply (its order is already gone, say) does not stop the run; it is
    // reported in the counters and by the server's log.
    if (!s.ok()) scenario_errors_.push_back(step.verb + " " + step.what + ": " + s.message());
  }
  exchange_->Advance();
  stale_.Observe(*exchange_, now);
  stale_.ObservePositions(*exchange_, now);
  Collect();
}

std::vector<UserEvent> SimVenue::TakeDueUserEvents() { return outbox_.TakeDue(clock_.NowMs()); }

bool SimVenue::TakeDisconnectRequest() { return std::exchange(disconnect_requested_, false); }

Status SimVenue::Apply(const SimCommand& c) {
  auto account_of = [&]() -> Result<AccountId> {
    auto name = c.Get("account");
    if (!name) return AccountId{0};
    auto id = exchange_->FindAccountByName(*name);
    if (!id) return Status::NotFound(c.verb + " " + c.what + ": no account \"" + *name + "\"");
    return *id;
  };
  auto count = [&](const char* key) { return c.Int(key, 1); };
  if (c.verb == "clear") {
    if (c.what != "faults") return Status::InvalidInput("clear: only \"faults\" can be cleared");
    faults_.Clear();
    exchange_->RefuseStops(0);
    stale_.Stop();
    return Status::Ok();
  }
  if (c.verb == "fault") {
    if (c.what == "stale_reads") {
      auto ms = c.Int("ms", 0);
      if (!ms.ok()) return ms.status();
      const std::string what = c.Get("what").value_or("all");
      if (what == "all") faults_.stale_scope = FaultState::StaleScope::kAll;
      else if (what == "positions") faults_.stale_scope = FaultState::StaleScope::kPositions;
      else if (what == "orders") faults_.stale_scope = FaultState::StaleScope::kOrders;
      else return Status::InvalidInput("fault stale_reads: what is all, positions or orders");
      faults_.stale_reads_ms = *ms;
      if (*ms > 0) stale_.Start(*exchange_, clock_.NowMs());
      else stale_.Stop();
      return Status::Ok();
    }
    if (c.what == "placement") {
      PlacementFault f;
      const std::string when = c.Get("when").value_or("after");
      const std::string how = c.Get("how").value_or("timeout");
      if (when != "before" && when != "after") return Status::InvalidInput("fault placement: when is before or after");
      static const std::pair<const char*, PlacementFault::How> kHows[] = {
          {"timeout", PlacementFault::How::kTimeout},
          {"5xx", PlacementFault::How::kServerError},
          {"408", PlacementFault::How::kRequestTimeout408},
          {"-1006", PlacementFault::How::kUnexpectedResponse1006},
          {"-1007", PlacementFault::How::kBackendTimeout1007},
          {"garbled", PlacementFault::How::kGarbled}};
      bool known = false;
      for (const auto& [name, value] : kHows)
        if (how == name) f.how = value, known = true;
      if (!known) return Status::InvalidInput("fault placement: how is timeout, 5xx, 408, -1006, -1007 or garbled");
      f.when = when == "before" ? PlacementFault::When::kBeforeAccept : PlacementFault::When::kAfterAccept;
      auto n = count("count");
      if (!n.ok()) return n.status();
      f.count = static_cast<int>(*n);
      faults_.placement.push_back(f);
      return Status::Ok();
    }
    auto set_count = [&](int& field, const char* key) -> Status {
      auto n = count(key);
      if (!n.ok()) return n.status();
      field = static_cast<int>(*n);
      return Status::Ok();
    };
    if (c.what == "minimal_ack") return set_count(faults_.minimal_ack_next, "count");
    if (c.what == "rate_limit") {
      auto after = c.Int("after", 0);
      if (!after.ok()) return after.status();
      faults_.rate_limit_after = static_cast<int>(*after);
      return set_count(faults_.rate_limit_next, "count");
    }
    if (c.what == "refuse_stops") {
      int n = 0;
      KEEL_RETURN_IF_ERROR(set_count(n, "count"));
      exchange_->RefuseStops(n);
      return Status::Ok();
    }
    if (c.what == "stream_duplicate") return set_count(faults_.stream.duplicate_next, "count");
    if (c.what == "stream_reorder") return set_count(faults_.stream.reorder_next, "count");
    if (c.what == "fill_before_position") return set_count(faults_.stream.fill_before_position_next, "count");
    if (c.what == "stream_drop") return set_count(faults_.stream.drop_per_mille, "per_mille");
    if (c.what == "latency") {
      auto ms = c.Int("ms", 0);
      if (!ms.ok()) return ms.status();
      auto jitter = c.Int("jitter_ms", 0);
      if (!jitter.ok()) return jitter.status();
      if (*ms < 0 || *jitter < 0 || *ms > 60'000 || *jitter > 60'000)
        return Status::InvalidInput("fault latency: ms and jitter_ms are 0..60000");
      faults_.latency() = Latency{*ms, *jitter};
      return Status::Ok();
    }
    if (c.what == "stream_delay") {
      auto ms = c.Int("ms", 0);
      if (!ms.ok()) return ms.status();
      faults_.stream.delay_ms = *ms;
      return Status::Ok();
    }
    if (c.what == "stream_drop_next") {
      DropRule rule;
      auto event = c.Required("event");
      if (!event.ok()) return event.status();
      rule.event_type = *event;
      rule.detail = c.Get("detail").value_or("");
      auto n = count("count");
      if (!n.ok()) return n.status();
      rule.count = static_cast<int>(*n);
      faults_.stream.drop_rules.push_back(rule);
      return Status::Ok();
    }
    if (c.what == "disconnect") {
      disconnect_requested_ = true;
      return Status::Ok();
    }
    if (c.what == "stream_garbage") {
      // A hostile or broken frame: the text given, or `depth` opening brackets (RapidJSON's recursion).
      auto depth = c.Int("depth", 0);
      if (!depth.ok()) return depth.status();
      if (*depth < 0 || *depth > 10'000'000) return Status::InvalidInput("fault stream_garbage: depth is 0..10000000");
      std::string frame = *depth > 0 ? std::string(static_cast<std::size_t>(*depth), '[') : c.Get("frame").value_or("");
      if (frame.empty()) return Status::InvalidInput("fault stream_garbage: give frame (its text) or depth");
      garbage_frames_.push_back(std::move(frame));
      return Status::Ok();
    }
    if (c.what == "bybit_service_restart") {
      faults_.bybit_realtime_closed_cleared_at = clock_.NowMs();
      return Status::Ok();
    }
    if (c.what == "expire_listen_key") {
      auto id = account_of();
      if (!id.ok()) return id.status();
      auto key = exchange_->ActiveListenKey(*id);
      if (!key) return Status::NotFound("fault expire_listen_key: the account has no active listen key");
      return exchange_->ExpireListenKey(*key);
    }
    return Status::InvalidInput("unknown fault \"" + c.what + "\"");
  }
  if (c.verb == "act") {
    if (c.what == "move_price") {
      auto symbol = c.Required("symbol");
      if (!symbol.ok()) return symbol.status();
      auto percent = Decimal::Parse(c.Get("percent").value_or(""));
      if (!percent.ok()) return Status::InvalidInput("act move_price: percent: " + percent.status().message());
      auto over = c.Int("over_ms", 0);
      if (!over.ok()) return over.status();
      return exchange_->MovePrice(*symbol, *percent, *over);
    }
    if (c.what == "cancel" || c.what == "expire" || c.what == "fill" || c.what == "cancel_racing_fill") {
      auto id = account_of();
      if (!id.ok()) return id.status();
      auto symbol = c.Required("symbol");
      if (!symbol.ok()) return symbol.status();
      OrderRef ref;
      auto order_id = c.Int("orderId", -1);
      if (!order_id.ok()) return order_id.status();
      if (*order_id >= 0) ref.order_id = *order_id;
      ref.client_order_id = c.Get("clientOrderId");
      if (!ref.order_id && !ref.client_order_id)
        return Status::InvalidInput("act " + c.what + ": give orderId or clientOrderId");
      if (c.what == "cancel_racing_fill") {
        auto raced = exchange_->CancelRacingFill(*id, *symbol, ref);
        return raced.ok() ? Status::Ok() : raced.status();
      }
      if (c.what == "fill") {
        std::optional<Decimal> qty;
        if (auto q = c.Get("qty")) {
          auto d = Decimal::Parse(*q);
          if (!d.ok()) return Status::InvalidInput("act fill: qty: " + d.status().message());
          qty = *d;
        }
        auto filled = exchange_->ExchangeFill(*id, *symbol, ref, qty);
        return filled.ok() ? Status::Ok() : filled.status();
      }
      auto done = exchange_->ExchangeCancel(*id, *symbol, ref, c.what == "expire", c.Get("reason").value_or(""));
      return done.ok() ? Status::Ok() : done.status();
    }
    if (c.what == "liquidate" || c.what == "adl") {
      auto id = account_of();
      if (!id.ok()) return id.status();
      auto symbol = c.Required("symbol");
      if (!symbol.ok()) return symbol.status();
      auto side = parse_position_side(c.Get("position_side").value_or("BOTH"));
      if (!side.ok()) return Status::InvalidInput("act " + c.what + ": position_side: " + side.status().message());
      std::optional<Decimal> qty;
      if (auto q = c.Get("qty")) {
        auto d = Decimal::Parse(*q);
        if (!d.ok() || !d->is_positive()) return Status::InvalidInput("act " + c.what + ": qty: expected a positive number");
        qty = *d;
      }
      auto done = c.what == "adl" ? exchange_->AutoDeleverage(*id, *symbol, *side, qty)
                                  : exchange_->Liquidate(*id, *symbol, *side);
      return done.ok() ? Status::Ok() : done.status();
    }
    if (c.what == "spot_trade") {
      // A unified account trades spot on a symbol of the same name as a perpetual: nothing of the
      // perpetual changes; the Bybit stream's all-in-one topics carry it all the same.
      auto id = account_of();
      if (!id.ok()) return id.status();
      auto symbol = c.Required("symbol");
      if (!symbol.ok()) return symbol.status();
      const Market* market = exchange_->FindMarket(*symbol);
      if (!market) return Status::NotFound("act spot_trade: no market " + *symbol);
      auto side = parse_side(c.Get("side").value_or(""));
      if (!side.ok()) return Status::InvalidInput("act spot_trade: side: " + side.status().message());
      auto qty = Decimal::Parse(c.Get("qty").value_or(""));
      if (!qty.ok() || !qty->is_positive()) return Status::InvalidInput("act spot_trade: qty: expected a positive number");
      SpotTrade trade;
      trade.account = *id;
      trade.symbol = *symbol;
      trade.side = *side;
      trade.qty = *qty;
      trade.price = market->mark();
      trade.time = clock_.NowMs();
      trade.number = ++spot_trades_made_;
      spot_trades_.push_back(std::move(trade));
      return Status::Ok();
    }
    return Status::InvalidInput("unknown act \"" + c.what + "\"");
  }
  return Status::InvalidInput("unknown command \"" + c.verb + "\"");
}

net::HttpResponse SimVenue::HandleControl(const net::HttpRequest& request) {
  ++control_calls_;
  const std::string path = request.path();
  if (request.method == "GET" && path == "/_sim/counters") return json_response(200, CountersJson());
  if (request.method == "GET" && path == "/_sim/health") return json_response(200, R"({"ok":true})");
  if (request.method == "GET" && path == "/_sim/ground-truth") {
    auto query = net::Params::Parse(request.raw_query());
    const std::string name = query.ok() ? query->Get("account").value_or("") : "";
    auto id = exchange_->FindAccountByName(name);
    if (!id) return control_error(404, "ground-truth: no account \"" + name + "\" (?account=NAME)");
    exchange_->Advance();
    return json_response(200, GroundTruthJson(*exchange_, *id, refusals()));
  }
  if (request.method == "POST" && path == "/_sim/command") {
    auto command = ParseSimCommandJson(request.body);
    if (!command.ok()) return control_error(400, command.status().message());
    Status s = Apply(*command);
    if (!s.ok()) return control_error(s.IsNotFound() ? 404 : 400, s.message());
    exchange_->Advance();
    return json_response(200, R"({"ok":true})");
  }
  return control_error(404, "no control call " + request.method + " " + path +
                                ": GET /_sim/counters, GET /_sim/health, GET /_sim/ground-truth?account=NAME, "
                                "POST /_sim/command");
}

Status SimVenue::LoadScenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidInput("scenario file " + path + " cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return LoadScenarioText(text.str(), path);
}

Status SimVenue::LoadScenarioText(const std::string& toml_text, const std::string& source) {
  KEEL_RETURN_IF_ERROR(CheckTomlLimits(toml_text, source));
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    return Status::InvalidInput(source + ":" + std::to_string(e.source().begin.line) + ": TOML syntax error: " +
                                std::string(e.description()));
  }
  const toml::array* steps = root["step"].as_array();
  if (!steps) return Status::InvalidInput(source + ": expected [[step]] tables");
  const TimeMs start = clock_.NowMs();
  int n = 0;
  for (const auto& node : *steps) {
    const std::string where = source + ": step[" + std::to_string(n++) + "]";
    const toml::table* t = node.as_table();
    if (!t) return Status::InvalidInput(where + ": expected a table");
    SimCommand c;
    TimeMs at = -1;
    for (const auto& [key, value] : *t) {
      const std::string k(key.str());
      std::string v;
      if (value.is_string()) v = **value.as_string();
      else if (value.is_integer()) v = std::to_string(**value.as_integer());
      else if (value.is_boolean()) v = **value.as_boolean() ? "true" : "false";
      else return Status::InvalidInput(where + "." + k + ": expected a string, an integer or a boolean");
      if (k == "at_ms") {
        at = value.is_integer() ? **value.as_integer() : -1;
      } else if (k == "fault" || k == "act" || k == "clear") {
        c.verb = k;
        c.what = v;
      } else {
        c.args[k] = v;
      }
    }
    if (at < 0) return Status::InvalidInput(where + ": at_ms (milliseconds after start) is required");
    if (c.verb.empty()) return Status::InvalidInput(where + ": needs fault, act or clear");
    scenario_.emplace_back(start + at, c);
  }
  std::stable_sort(scenario_.begin(), scenario_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return Status::Ok();
}

std::map<std::string, std::map<std::string, std::int64_t>> SimVenue::request_counts() const {
  auto all = rest_.request_counts();
  for (const auto& [endpoint, results] : bybit_rest_.request_counts()) all[endpoint] = results;
  return all;
}

std::vector<RestRefusal> SimVenue::refusals() const {
  std::vector<RestRefusal> all = rest_.refusals();
  all.insert(all.end(), bybit_rest_.refusals().begin(), bybit_rest_.refusals().end());
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.time < b.time; });
  return all;
}

std::string SimVenue::CountersJson() const {
  JsonWriter w(true);
  w.StartObject();
  w.Key("requests").StartObject();
  for (const auto& [endpoint, results] : request_counts()) {
    w.Key(endpoint).StartObject();
    for (const auto& [result, n] : results) w.Key(result).Int(n);
    w.EndObject();
  }
  w.EndObject();
  const auto& x = exchange_->counters();
  w.Key("exchange").StartObject();
  w.Key("orders_placed").Int(x.orders_placed);
  w.Key("orders_rejected").Int(x.orders_rejected);
  w.Key("algo_orders_placed").Int(x.algo_orders_placed);
  w.Key("algo_orders_triggered").Int(x.algo_orders_triggered);
  w.Key("fills").Int(x.fills);
  w.Key("cancels").Int(x.cancels);
  w.Key("modifications").Int(x.modifications);
  w.Key("liquidations").Int(x.liquidations);
  w.EndObject();
  const auto& o = outbox_.counters();
  w.Key("user_events").StartObject();
  w.Key("queued").Int(o.queued);
  w.Key("delivered").Int(o.delivered);
  w.Key("dropped").Int(o.dropped);
  w.Key("duplicated").Int(o.duplicated);
  w.Key("reordered").Int(o.reordered);
  w.EndObject();
  w.Key("stream_messages_sent").Int(stream_messages_sent_);
  w.Key("control_calls").Int(control_calls_);
  w.Key("scenario_errors").StartArray();
  for (const auto& e : scenario_errors_) w.String(e);
  w.EndArray();
  w.EndObject();
  return w.str();
}

}  // namespace keel::sim
