#pragma once
// The control protocol: one request per line on keel-traderd's control socket, one JSON answer
// line back ({"result":…,"detail":…,"exit_code":N,…}). This type is the protocol: the daemon reads
// requests with ParseControlRequest, keel-ctl, the tools' forwarding and the chaos soak write them
// with ControlRequestJson, and docs/control.schema.json describes the same shapes.
//
//   {"cmd":"status"} {"cmd":"positions"} {"cmd":"orders"} {"cmd":"pause"} {"cmd":"resume"} {"cmd":"watch"}
//   {"cmd":"flatten"[,"symbol":"BTCUSDT"[,"position_side":"LONG"]]}     one leg: hedge mode
//   {"cmd":"protect"[,"symbol":"BTCUSDT"][,"stop_pct":"1.5"]}
//   {"cmd":"signal","signal":{…}[,"origin":"keel-ctl"]}            the signal as signal.h reads it
//   {"cmd":"tool","tool":"keel-close-position","options":{…}}      a tool's forwarded action

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "keel/model/decimal.h"
#include "keel/model/side.h"
#include "keel/model/status.h"

namespace keel::control {

struct StatusRequest {
  enum class Part { kAll, kPositions, kOrders };  // "status", "positions", "orders"
  Part part = Part::kAll;
};
struct PauseRequest {};
struct ResumeRequest {};
struct WatchRequest {};
struct FlattenRequest {
  std::optional<std::string> symbol;  // none: every position
  std::optional<PositionSide> position_side;  // one leg of the symbol (hedge mode)
};
struct ProtectRequest {
  std::optional<std::string> symbol;
  std::optional<Decimal> stop_pct;  // none: the daemon's protect_stop_pct
};
struct SignalRequest {
  std::string signal_json;  // one JSON object, read by ParseSignal on the daemon's side
  std::optional<std::string> origin;
};
struct ToolRequest {
  std::string tool;
  std::string options_json = "{}";
};

using ControlRequest = std::variant<StatusRequest, PauseRequest, ResumeRequest, WatchRequest, FlattenRequest,
                                    ProtectRequest, SignalRequest, ToolRequest>;

// kInvalidInput naming the field: a line that is not one object, an unknown cmd, a missing or
// misspelt field, a stop_pct outside (0, 100).
Result<ControlRequest> ParseControlRequest(std::string_view line);
// The request as one line of JSON; ParseControlRequest reads it back as it was.
std::string ControlRequestJson(const ControlRequest& request);
// The "cmd" the request is sent with.
const char* CommandOf(const ControlRequest& request);

}  // namespace keel::control
