#include "keel/ops/tool_forward.h"

#include <functional>
#include <iostream>
#include <limits>
#include <ostream>
#include <type_traits>

#include "keel/control/control_request.h"
#include "keel/model/json_fields.h"
#include "keel/model/json_writer.h"
#include "keel/net/line_server.h"

namespace keel::ops {
namespace {

// Forwarded actions wait for verification on the daemon's side (a close reads the position up to
// its verify attempts): a generous limit, still finite.
constexpr int kForwardTimeoutMs = 120'000;

std::string Request(const std::string& tool, const std::function<void(JsonWriter&)>& options) {
  JsonWriter w;
  w.StartObject();
  options(w);
  w.EndObject();
  return control::ControlRequestJson(control::ToolRequest{tool, w.str()});
}

std::string Joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    const auto comma = text.find(',', start);
    out.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Reads one option into `out` (left as it is when absent). A whole number must fit `out` as it
// is: a value cut to fit would pass the bounds checks as some other number.
template <typename T, typename U>
Status Take(const Result<std::optional<T>>& r, U& out) {
  if (!r.ok()) return r.status();
  if (!*r) return Status::Ok();
  if constexpr (std::is_integral_v<U> && !std::is_same_v<U, bool>) {
    if (**r < std::numeric_limits<U>::min() || **r > std::numeric_limits<U>::max())
      return Status::InvalidInput("options: " + std::to_string(**r) + " is out of range");
  }
  out = static_cast<U>(**r);
  return Status::Ok();
}

}  // namespace

std::string ForwardRequest(const ScanOrphansOptions& o) {
  return Request("keel-scan-orphans", [&](JsonWriter& w) {
    w.Key("symbols").String(Joined(o.symbols)).Key("protect").Bool(o.protect).Key("close").Bool(o.close);
    if (o.stop_pct) w.Key("stop_pct").String(o.stop_pct->ToString());
    w.Key("grace_ms").Int(o.grace_ms);
  });
}

std::string ForwardRequest(const ReconcileOptions& o) {
  std::vector<std::string> kinds;
  for (MismatchKind k : o.kinds) kinds.push_back(to_string(k));
  return Request("keel-reconcile", [&](JsonWriter& w) {
    w.Key("fix").Bool(o.fix).Key("kinds").String(Joined(kinds)).Key("grace_ms").Int(o.grace_ms);
  });
}

std::string ForwardRequest(const CancelGhostsOptions& o) {
  return Request("keel-cancel-ghosts", [&](JsonWriter& w) { w.Key("cancel").Bool(o.cancel); });
}

std::string ForwardRequest(const ClosePositionOptions& o) {
  return Request("keel-close-position", [&](JsonWriter& w) {
    w.Key("symbol").String(o.symbol);
    if (o.position_side) w.Key("position_side").String(to_string(*o.position_side));
    if (o.qty) w.Key("qty").String(o.qty->ToString());
    if (o.pct) w.Key("pct").String(o.pct->ToString());
    w.Key("verify_attempts").Int(o.verify_attempts).Key("verify_interval_ms").Int(o.verify_interval_ms);
  });
}

bool DaemonListens(const ToolContext& ctx) {
  return ctx.config && net::SomeoneListens(ctx.config->daemon.control_socket);
}

Result<std::optional<int>> ForwardToDaemon(ToolContext& ctx, const std::string& request) {
  if (!ctx.config) return std::optional<int>();
  const std::string& socket = ctx.config->daemon.control_socket;
  if (!DaemonListens(ctx)) return std::optional<int>();  // no daemon: the tool runs itself
  auto answer = net::RequestLine(socket, request, kForwardTimeoutMs);
  if (!answer.ok()) {
    // Sent, or maybe sent: the daemon may be acting on it. Running it here as well could act twice.
    return Status::UnknownOutcome("the action was sent to keel-traderd on " + socket + " but no answer came (" +
                                  answer.status().message() + "): check with keel-ctl status before trying again");
  }
  auto f = JsonFields::Parse(*answer, "the daemon's answer");
  if (!f.ok()) return Status::UnknownOutcome("keel-traderd answered something unreadable: " + f.status().message());
  auto code = f->Integer("exit_code");
  auto output = f->String("output");
  auto error = f->String("error");
  auto detail = f->String("detail");
  if (!code.ok() || !*code) return Status::UnknownOutcome("keel-traderd's answer has no exit_code: " + *answer);
  ctx.out << "(run by keel-traderd, which holds account " << ctx.account() << ")\n";
  if (output.ok() && *output) ctx.out << **output;
  else if (detail.ok() && *detail && !(error.ok() && *error)) ctx.out << **detail << "\n";
  // The error that ended it goes where the tool's own would: stderr, one line.
  if (error.ok() && *error) std::cerr << **error << "\n";
  return std::optional<int>(static_cast<int>(**code));
}

Result<std::optional<int>> ForwardIfDaemonHolds(ToolContext& ctx, bool yes, const std::string& action,
                                                const std::string& request) {
  if (!DaemonListens(ctx)) return std::optional<int>();
  KEEL_RETURN_IF_ERROR(ctx.Confirm(yes, action + " (keel-traderd holds the account: it will run this)"));
  return ForwardToDaemon(ctx, request);
}

Result<int> RunForwardedTool(ToolContext& ctx, const std::string& tool, const std::string& options_json) {
  auto f = JsonFields::Parse(options_json, "options");
  if (!f.ok()) return f.status();
  if (tool == "keel-close-position") {
    ClosePositionOptions o;
    o.yes = true;
    o.run_by_daemon = true;
    auto symbol = f->String("symbol");
    if (!symbol.ok()) return symbol.status();
    if (!*symbol || (*symbol)->empty()) return Status::InvalidInput("options.symbol: required");
    o.symbol = **symbol;
    auto side = f->String("position_side");
    if (!side.ok()) return side.status();
    if (*side) {
      auto parsed = parse_position_side(**side);
      if (!parsed.ok()) return parsed.status();
      o.position_side = *parsed;
    }
    KEEL_RETURN_IF_ERROR(Take(f->Integer("verify_attempts"), o.verify_attempts));
    KEEL_RETURN_IF_ERROR(Take(f->Integer("verify_interval_ms"), o.verify_interval_ms));
    auto qty = f->Number("qty");
    if (!qty.ok()) return qty.status();
    o.qty = *qty;
    auto pct = f->Number("pct");
    if (!pct.ok()) return pct.status();
    o.pct = *pct;
    KEEL_RETURN_IF_ERROR(f->RejectUnknown());
    return RunClosePosition(ctx, o);
  }
  if (tool == "keel-scan-orphans") {
    ScanOrphansOptions o;
    o.yes = true;
    std::string symbols;
    KEEL_RETURN_IF_ERROR(Take(f->String("symbols"), symbols));
    o.symbols = Split(symbols);
    KEEL_RETURN_IF_ERROR(Take(f->Bool("protect"), o.protect));
    KEEL_RETURN_IF_ERROR(Take(f->Bool("close"), o.close));
    auto pct = f->Number("stop_pct");
    if (!pct.ok()) return pct.status();
    o.stop_pct = *pct;
    KEEL_RETURN_IF_ERROR(Take(f->Integer("grace_ms"), o.grace_ms));
    KEEL_RETURN_IF_ERROR(f->RejectUnknown());
    return RunScanOrphans(ctx, o);
  }
  if (tool == "keel-reconcile") {
    ReconcileOptions o;
    o.yes = true;
    KEEL_RETURN_IF_ERROR(Take(f->Bool("fix"), o.fix));
    std::string kinds;
    KEEL_RETURN_IF_ERROR(Take(f->String("kinds"), kinds));
    for (const auto& k : Split(kinds)) {
      auto kind = parse_mismatch_kind(k);
      if (!kind.ok()) return kind.status();
      o.kinds.insert(*kind);
    }
    KEEL_RETURN_IF_ERROR(Take(f->Integer("grace_ms"), o.grace_ms));
    KEEL_RETURN_IF_ERROR(f->RejectUnknown());
    return RunReconcile(ctx, o);
  }
  if (tool == "keel-cancel-ghosts") {
    CancelGhostsOptions o;
    o.yes = true;
    KEEL_RETURN_IF_ERROR(Take(f->Bool("cancel"), o.cancel));
    KEEL_RETURN_IF_ERROR(f->RejectUnknown());
    return RunCancelGhosts(ctx, o);
  }
  return Status::InvalidInput("tool: expected keel-close-position, keel-scan-orphans, keel-reconcile or "
                              "keel-cancel-ghosts, found \"" + tool + "\"");
}

}  // namespace keel::ops
