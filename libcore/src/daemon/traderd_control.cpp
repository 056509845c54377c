#include <variant>

#include "keel/control/control_request.h"
#include "keel/model/json_fields.h"
#include "keel/model/json_writer.h"
#include "keel/model/side.h"
#include "keel/ops/safety_tools.h"
#include "keel/ops/tool_forward.h"
#include "traderd_parts.h"

namespace keel::ops {
namespace {

// A tool's library call run by the daemon on its store and a worker's exchange (ops/tool_forward.h).
void RunAsTool(Engine& engine, const AccountConfig& config, const Clock& clock, const std::string& name, ReplyFn answer,
               std::function<Result<int>(ToolContext&)> body, std::optional<Engine::ToolCloses> closes = std::nullopt) {
  engine.RunToolAction(
      name,
      [&config, &clock, name, body = std::move(body)](Exchange& ex, StateStore& store, std::ostream& out) -> Result<int> {
        const ToolSpec spec{name, "", StoreAccess::kWriter, false, true};
        ToolContext ctx{spec, CommonOptions{}, config, OwnedOrBorrowed<StateStore>::Borrow(store), config.store_path, out,
                        clock, OwnedOrBorrowed<Exchange>::Borrow(ex)};
        return body(ctx);
      },
      std::move(answer), std::move(closes));
}

// What a forwarded keel-close-position closes, from its options (nothing when they do not parse:
// the tool itself refuses them).
std::optional<Engine::ToolCloses> ClosesOf(const std::string& tool, const std::string& options_json) {
  if (tool != "keel-close-position") return std::nullopt;
  auto f = JsonFields::Parse(options_json, "options");
  if (!f.ok()) return std::nullopt;
  auto symbol = f->String("symbol");
  if (!symbol.ok() || !*symbol || (*symbol)->empty()) return std::nullopt;
  Engine::ToolCloses c{**symbol, std::nullopt};
  if (auto side = f->String("position_side"); side.ok() && *side)
    if (auto parsed = parse_position_side(**side); parsed.ok()) c.leg = *parsed;
  return c;
}

}  // namespace

// One control request (control/control_request.h), answered on the engine thread.
void HandleControl(Engine& engine, const AccountConfig& config, const Clock& clock, const std::string& line,
                   net::LineReply reply, net::LinePush push) {
  auto request = control::ParseControlRequest(line);
  if (!request.ok()) return reply(ErrorReply(request.status().message()));
  auto answer = [reply](EngineReply r) { reply(WithExitCode(r)); };
  struct Handle {
    Engine& engine;
    const AccountConfig& config;
    const Clock& clock;
    net::LineReply& reply;
    net::LinePush& push;
    ReplyFn answer;
    void operator()(const control::StatusRequest& r) {
      using Part = control::StatusRequest::Part;
      engine.StatusReport(answer, r.part == Part::kPositions ? Engine::StatusPart::kPositions
                                  : r.part == Part::kOrders  ? Engine::StatusPart::kOrders
                                                             : Engine::StatusPart::kAll);
    }
    void operator()(const control::PauseRequest&) { engine.Pause(answer); }
    void operator()(const control::ResumeRequest&) { engine.Resume(answer); }
    void operator()(const control::WatchRequest&) {
      reply(R"({"result":"watching","detail":"every engine event from now on, one per line","exit_code":0})");
      engine.Watch(std::move(push));
    }
    void operator()(const control::FlattenRequest& r) { engine.OperatorFlatten(r.symbol, answer, r.position_side); }
    void operator()(const control::SignalRequest& r) {
      engine.SubmitSignal(r.signal_json, r.origin ? "socket:" + *r.origin : std::string("socket"), answer);
    }
    void operator()(const control::ToolRequest& r) {
      RunAsTool(engine, config, clock, r.tool, answer,
                [name = r.tool, options = r.options_json](ToolContext& ctx) { return RunForwardedTool(ctx, name, options); },
                ClosesOf(r.tool, r.options_json));
    }
    void operator()(const control::ProtectRequest& r) {
      // keel-scan-orphans --protect run by the daemon: every position without covering protection
      // gets a stop now (the configured distance unless one is given), none is closed.
      ScanOrphansOptions o;
      o.protect = true;
      o.yes = true;
      o.stop_pct = r.stop_pct.value_or(config.daemon.protect_stop_pct);
      o.grace_ms = config.daemon.protect_grace_ms;
      if (r.symbol) o.symbols = {*r.symbol};
      RunAsTool(engine, config, clock, "keel-scan-orphans", answer,
                [o](ToolContext& ctx) { return RunScanOrphans(ctx, o); });
    }
  };
  std::visit(Handle{engine, config, clock, reply, push, answer}, *request);
}

std::string ErrorReply(const std::string& detail) {
  JsonWriter w;
  w.StartObject().Key("result").String("error").Key("detail").String(detail).Key("exit_code").Int(2).EndObject();
  return w.str();
}

// The engine's reply with its exit code inside, as one line.
std::string WithExitCode(const EngineReply& r) {
  std::string json = r.json;
  if (!json.empty() && json.back() == '}') {
    json.pop_back();
    json += std::string(json.size() > 1 ? "," : "") + "\"exit_code\":" + std::to_string(r.exit_code) + "}";
  }
  return json;
}

}  // namespace keel::ops
