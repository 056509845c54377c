#include "keel/control/control_request.h"

#include "keel/model/json_fields.h"
#include "keel/model/json_writer.h"

namespace keel::control {
namespace {

constexpr const char* kCommands = "status, positions, orders, pause, resume, watch, flatten, protect, signal or tool";

template <typename T>
Status Take(Result<std::optional<T>> r, std::optional<T>& out) {
  if (!r.ok()) return r.status();
  out = std::move(*r);
  return Status::Ok();
}

Result<ControlRequest> Read(JsonFields& f, const std::string& cmd) {
  if (cmd == "status") return ControlRequest(StatusRequest{StatusRequest::Part::kAll});
  if (cmd == "positions") return ControlRequest(StatusRequest{StatusRequest::Part::kPositions});
  if (cmd == "orders") return ControlRequest(StatusRequest{StatusRequest::Part::kOrders});
  if (cmd == "pause") return ControlRequest(PauseRequest{});
  if (cmd == "resume") return ControlRequest(ResumeRequest{});
  if (cmd == "watch") return ControlRequest(WatchRequest{});
  if (cmd == "flatten") {
    FlattenRequest r;
    KEEL_RETURN_IF_ERROR(Take(f.String("symbol"), r.symbol));
    std::optional<std::string> side;
    KEEL_RETURN_IF_ERROR(Take(f.String("position_side"), side));
    if (side) {
      if (*side != "LONG" && *side != "SHORT")
        return Status::InvalidInput("position_side: expected LONG or SHORT, found \"" + *side + "\"");
      if (!r.symbol) return Status::InvalidInput("position_side: a leg is closed on one symbol: give symbol too");
      r.position_side = *side == "LONG" ? PositionSide::kLong : PositionSide::kShort;
    }
    return ControlRequest(r);
  }
  if (cmd == "protect") {
    ProtectRequest r;
    KEEL_RETURN_IF_ERROR(Take(f.String("symbol"), r.symbol));
    KEEL_RETURN_IF_ERROR(Take(f.Number("stop_pct"), r.stop_pct));
    if (r.stop_pct && (!r.stop_pct->is_positive() || *r.stop_pct >= Decimal::FromInteger(100).value()))
      return Status::InvalidInput("stop_pct: expected a percentage above 0 and below 100, found " + r.stop_pct->ToString());
    return ControlRequest(r);
  }
  if (cmd == "signal") {
    SignalRequest r;
    auto signal = f.Object("signal");
    if (!signal.ok()) return signal.status();
    if (!*signal) return Status::InvalidInput("signal: required, the signal object");
    r.signal_json = (*signal)->Text();
    KEEL_RETURN_IF_ERROR(Take(f.String("origin"), r.origin));
    return ControlRequest(r);
  }
  if (cmd == "tool") {
    ToolRequest r;
    std::optional<std::string> tool;
    KEEL_RETURN_IF_ERROR(Take(f.String("tool"), tool));
    if (!tool || tool->empty()) return Status::InvalidInput("tool: required, the tool's name");
    r.tool = *tool;
    auto options = f.Object("options");
    if (!options.ok()) return options.status();
    if (*options) r.options_json = (*options)->Text();
    return ControlRequest(r);
  }
  return Status::InvalidInput("cmd: expected " + std::string(kCommands) + ", found \"" + cmd + "\"");
}

}  // namespace

Result<ControlRequest> ParseControlRequest(std::string_view line) {
  auto fields = JsonFields::Parse(line, "request");
  if (!fields.ok()) return fields.status();
  auto cmd = fields->String("cmd");
  if (!cmd.ok()) return cmd.status();
  if (!*cmd) return Status::InvalidInput("cmd: required (" + std::string(kCommands) + ")");
  auto request = Read(*fields, **cmd);
  if (!request.ok()) return request.status();
  KEEL_RETURN_IF_ERROR(fields->RejectUnknown());
  return request;
}

const char* CommandOf(const ControlRequest& request) {
  struct Name {
    const char* operator()(const StatusRequest& r) const {
      return r.part == StatusRequest::Part::kPositions ? "positions" : r.part == StatusRequest::Part::kOrders ? "orders" : "status";
    }
    const char* operator()(const PauseRequest&) const { return "pause"; }
    const char* operator()(const ResumeRequest&) const { return "resume"; }
    const char* operator()(const WatchRequest&) const { return "watch"; }
    const char* operator()(const FlattenRequest&) const { return "flatten"; }
    const char* operator()(const ProtectRequest&) const { return "protect"; }
    const char* operator()(const SignalRequest&) const { return "signal"; }
    const char* operator()(const ToolRequest&) const { return "tool"; }
  };
  return std::visit(Name{}, request);
}

std::string ControlRequestJson(const ControlRequest& request) {
  JsonWriter w;
  w.StartObject().Key("cmd").String(CommandOf(request));
  if (const auto* r = std::get_if<FlattenRequest>(&request)) {
    if (r->symbol) w.Key("symbol").String(*r->symbol);
    if (r->position_side) w.Key("position_side").String(to_string(*r->position_side));
  } else if (const auto* p = std::get_if<ProtectRequest>(&request)) {
    if (p->symbol) w.Key("symbol").String(*p->symbol);
    if (p->stop_pct) w.Key("stop_pct").String(p->stop_pct->ToString());
  } else if (const auto* s = std::get_if<SignalRequest>(&request)) {
    w.Key("signal").Raw(s->signal_json);
    if (s->origin) w.Key("origin").String(*s->origin);
  } else if (const auto* t = std::get_if<ToolRequest>(&request)) {
    w.Key("tool").String(t->tool).Key("options").Raw(t->options_json);
  }
  w.EndObject();
  return w.str();
}

}  // namespace keel::control
