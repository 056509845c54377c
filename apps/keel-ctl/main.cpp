// keel-ctl: talks to a running keel-traderd over its control socket. One request, one answer; the
// exit code is the daemon's (the tools' codes), 3 when no daemon answers.
#include <CLI/CLI.hpp>

#include <iostream>

#include "keel/config/config.h"
#include "keel/control/control_request.h"
#include "keel/engine/signal.h"
#include "keel/model/json_fields.h"
#include "keel/model/json_writer.h"
#include "keel/model/log_text.h"
#include "keel/net/line_server.h"
#include "keel/ops/exit_code.h"
#include "keel/ops/process_hardening.h"
#include "keel/ops/status_text.h"
#include "keel/ops/tool.h"

using namespace keel;

namespace {

int Fail(const std::string& message, int code) {
  std::cerr << "keel-ctl: " << message << "\n";
  return code;
}

// The answer for a person: its result and detail, and for status the trades and positions. What the
// daemon relays from outside (ids, symbols, the exchange's messages) is escaped for the terminal.
void PrintHuman(const std::string& answer) {
  auto f = JsonFields::Parse(answer, "answer");
  if (!f.ok()) {
    std::cout << TerminalText(answer) << "\n";
    return;
  }
  auto result = f->String("result");
  auto detail = f->String("detail");
  // A tool's action run by the daemon: what the tool printed.
  if (auto output = f->String("output"); output.ok() && *output) {
    std::cout << TerminalText(**output);
    if (auto error = f->String("error"); error.ok() && *error) std::cerr << TerminalText(**error) << "\n";
    return;
  }
  const bool status = result.ok() && *result && **result == "status";
  if (!status) {
    std::cout << (result.ok() && *result ? LogText(**result) : "?");
    if (detail.ok() && *detail) std::cout << ": " << TerminalText(**detail);
    std::cout << "\n";
  }
  if (status) {
    auto text = ops::StatusText(answer);
    std::cout << TerminalText(text.ok() ? *text : answer + "\n");
  }
}

struct SignalOptions {
  std::string id, symbol, side, entry = "market";
  std::string qty, notional, stop_pct, stop_price, tp_pct, tp_price, price;
  bool post_only = false;
  bool tp_limit = false;
  bool tp_post_only = false;
  bool flip = false;
  int ttl_s = 0;
  int offset_bps = 0;
};

// flatten closes positions: confirmed with --yes or on the terminal, never assumed.
Result<control::ControlRequest> FlattenRequest(const std::string& account, const std::string& symbol,
                                               const std::string& leg, bool yes) {
  if (!leg.empty() && symbol.empty()) return Status::InvalidInput("flatten: --position-side needs a SYMBOL");
  const std::string what = symbol.empty() ? std::string("every position") : symbol + (leg.empty() ? "" : " " + leg);
  KEEL_RETURN_IF_ERROR(ops::ConfirmAction("keel-ctl", yes, "close " + what + " of account " + account));
  control::FlattenRequest r;
  if (!symbol.empty()) r.symbol = symbol;
  if (!leg.empty()) r.position_side = leg == "LONG" ? PositionSide::kLong : PositionSide::kShort;
  return control::ControlRequest(r);
}

Result<control::ControlRequest> ProtectRequest(const std::string& symbol, const std::string& pct_text) {
  control::ProtectRequest r;
  if (!symbol.empty()) r.symbol = symbol;
  if (!pct_text.empty()) {
    auto pct = Decimal::Parse(pct_text);
    if (!pct.ok() || !pct->is_positive() || *pct >= Decimal::FromInteger(100).value())
      return Status::InvalidInput("protect: --stop-pct: expected a percentage above 0 and below 100, found \"" +
                                  pct_text + "\"");
    r.stop_pct = *pct;
  }
  return control::ControlRequest(r);
}

// Checked here by the daemon's own reader: a typo is refused before anything is sent or recorded.
Result<control::ControlRequest> SignalRequest(SignalOptions o) {
  if (o.qty.empty() == o.notional.empty()) return Status::InvalidInput("signal: give exactly one of --qty and --notional");
  if (o.stop_pct.empty() == o.stop_price.empty())
    return Status::InvalidInput("signal: give exactly one of --stop-pct and --stop-price (keel opens nothing without a stop)");
  if (!o.tp_pct.empty() && !o.tp_price.empty()) return Status::InvalidInput("signal: give at most one of --tp-pct and --tp-price");
  if (o.id.empty()) o.id = "ctl-" + std::to_string(SystemClock().NowMs());
  JsonWriter sig;
  sig.StartObject().Key("id").String(o.id).Key("symbol").String(o.symbol);
  if (o.flip) sig.Key("action").String("flip");
  sig.Key("side").String(o.side);
  if (!o.qty.empty()) sig.Key("qty").String(o.qty);
  if (!o.notional.empty()) sig.Key("notional").String(o.notional);
  sig.Key("entry").String(o.entry);
  if (!o.price.empty()) sig.Key("price").String(o.price);
  if (o.post_only) sig.Key("post_only").Bool(true);
  if (o.offset_bps) sig.Key("offset_bps").Int(o.offset_bps);
  sig.Key("stop_loss").StartObject().Key(o.stop_pct.empty() ? "price" : "pct").String(o.stop_pct.empty() ? o.stop_price : o.stop_pct).EndObject();
  if ((o.tp_limit || o.tp_post_only) && o.tp_pct.empty() && o.tp_price.empty())
    return Status::InvalidInput("signal: --tp-limit and --tp-post-only need a take-profit (--tp-pct or --tp-price)");
  if (!o.tp_pct.empty() || !o.tp_price.empty()) {
    sig.Key("take_profit").StartObject().Key(o.tp_pct.empty() ? "price" : "pct").String(o.tp_pct.empty() ? o.tp_price : o.tp_pct);
    // --tp-post-only is a limit take-profit's word: it implies --tp-limit.
    if (o.tp_limit || o.tp_post_only) sig.Key("limit").Bool(true);
    if (o.tp_post_only) sig.Key("post_only").Bool(true);
    sig.EndObject();
  }
  if (o.ttl_s) sig.Key("ttl_s").Int(o.ttl_s);
  sig.EndObject();
  auto checked = ParseSignal(sig.str());
  if (!checked.ok()) return Status::InvalidInput("signal: " + checked.status().message());
  return control::ControlRequest(control::SignalRequest{sig.str(), "keel-ctl"});
}

struct MoveOptions {
  std::string id, symbol, leg, stop_pct, stop_price, tp_pct, tp_price;
  bool break_even = false;
};

// A move signal: the open trade's stop and/or take-profit to a new level, the new one resting before
// the old one is cancelled. Checked by the daemon's reader before it is sent.
Result<control::ControlRequest> MoveRequest(MoveOptions o) {
  const int stops = !o.stop_pct.empty() + !o.stop_price.empty() + o.break_even;
  if (stops > 1) return Status::InvalidInput("move: give at most one of --stop-pct, --stop-price and --break-even");
  if (!o.tp_pct.empty() && !o.tp_price.empty()) return Status::InvalidInput("move: give at most one of --tp-pct and --tp-price");
  if (stops == 0 && o.tp_pct.empty() && o.tp_price.empty())
    return Status::InvalidInput("move: give a new stop (--stop-pct, --stop-price, --break-even) and/or take-profit (--tp-pct, --tp-price)");
  if (o.id.empty()) o.id = "ctl-move-" + std::to_string(SystemClock().NowMs());
  JsonWriter sig;
  sig.StartObject().Key("id").String(o.id).Key("symbol").String(o.symbol).Key("action").String("move");
  if (!o.leg.empty()) sig.Key("side").String(o.leg);
  if (o.break_even) sig.Key("stop_loss").StartObject().Key("break_even").Bool(true).EndObject();
  else if (stops) sig.Key("stop_loss").StartObject().Key(o.stop_pct.empty() ? "price" : "pct").String(o.stop_pct.empty() ? o.stop_price : o.stop_pct).EndObject();
  if (!o.tp_pct.empty() || !o.tp_price.empty())
    sig.Key("take_profit").StartObject().Key(o.tp_pct.empty() ? "price" : "pct").String(o.tp_pct.empty() ? o.tp_price : o.tp_pct).EndObject();
  sig.EndObject();
  auto checked = ParseSignal(sig.str());
  if (!checked.ok()) return Status::InvalidInput("move: " + checked.status().message());
  return control::ControlRequest(control::SignalRequest{sig.str(), "keel-ctl"});
}

struct TrailOptions {
  std::string id, symbol, leg, callback_pct, activation_price;
  bool off = false;
};

// A trail signal: the venue's own trailing stop beside the open trade's stop, or (--off) removed.
Result<control::ControlRequest> TrailRequest(TrailOptions o) {
  if (o.off == !o.callback_pct.empty()) return Status::InvalidInput("trail: give exactly one of --callback-pct and --off");
  if (o.off && !o.activation_price.empty()) return Status::InvalidInput("trail: --activation-price goes with --callback-pct");
  if (o.id.empty()) o.id = "ctl-trail-" + std::to_string(SystemClock().NowMs());
  JsonWriter sig;
  sig.StartObject().Key("id").String(o.id).Key("symbol").String(o.symbol).Key("action").String("trail");
  if (!o.leg.empty()) sig.Key("side").String(o.leg);
  if (o.off) sig.Key("off").Bool(true);
  if (!o.callback_pct.empty()) sig.Key("callback_pct").String(o.callback_pct);
  if (!o.activation_price.empty()) sig.Key("activation_price").String(o.activation_price);
  sig.EndObject();
  auto checked = ParseSignal(sig.str());
  if (!checked.ok()) return Status::InvalidInput("trail: " + checked.status().message());
  return control::ControlRequest(control::SignalRequest{sig.str(), "keel-ctl"});
}

// A cancel signal: the symbol's pending entries (one leg's), checked by the daemon's reader.
Result<control::ControlRequest> CancelEntriesRequest(const std::string& symbol, const std::string& leg, std::string id) {
  if (id.empty()) id = "ctl-cancel-" + std::to_string(SystemClock().NowMs());
  JsonWriter sig;
  sig.StartObject().Key("id").String(id).Key("symbol").String(symbol).Key("action").String("cancel");
  if (!leg.empty()) sig.Key("side").String(leg);
  sig.EndObject();
  auto checked = ParseSignal(sig.str());
  if (!checked.ok()) return Status::InvalidInput("cancel-entries: " + checked.status().message());
  return control::ControlRequest(control::SignalRequest{sig.str(), "keel-ctl"});
}

struct AddOptions {
  std::string id, symbol, leg, trade, entry = "market", qty, notional, price;
  bool post_only = false;
  int ttl_s = 0;
};

// An add signal: one more entry on the open trade's leg, covered by the trade's exits. Checked by
// the daemon's reader before it is sent.
Result<control::ControlRequest> AddRequest(AddOptions o) {
  if (o.qty.empty() == o.notional.empty()) return Status::InvalidInput("add: give exactly one of --qty and --notional");
  if (o.id.empty()) o.id = "ctl-add-" + std::to_string(SystemClock().NowMs());
  JsonWriter sig;
  sig.StartObject().Key("id").String(o.id).Key("symbol").String(o.symbol).Key("action").String("add");
  if (!o.leg.empty()) sig.Key("side").String(o.leg);
  if (!o.trade.empty()) sig.Key("trade").String(o.trade);
  if (!o.qty.empty()) sig.Key("qty").String(o.qty);
  if (!o.notional.empty()) sig.Key("notional").String(o.notional);
  sig.Key("entry").String(o.entry);
  if (!o.price.empty()) sig.Key("price").String(o.price);
  if (o.post_only) sig.Key("post_only").Bool(true);
  if (o.ttl_s) sig.Key("ttl_s").Int(o.ttl_s);
  sig.EndObject();
  auto checked = ParseSignal(sig.str());
  if (!checked.ok()) return Status::InvalidInput("add: " + checked.status().message());
  return control::ControlRequest(control::SignalRequest{sig.str(), "keel-ctl"});
}

}  // namespace

int main(int argc, char** argv) {
  if (!keel::ops::StartHardened("keel-ctl")) return keel::ops::kExitUsage;
  CLI::App app{"keel-ctl: talk to a running keel-traderd (status, signal, add, move, trail, cancel-entries, pause, resume, flatten, protect, watch)"};
  app.require_subcommand(1);
  std::string config_path, account;
  bool json = false;
  int timeout_ms = 30'000;
  app.add_option("--config", config_path, "the account's TOML config (names the control socket)");
  app.add_option("--account", account, "the account; reads $KEEL_CONFIG_DIR/NAME.toml (default /etc/keel)");
  app.add_flag("--json", json, "print the daemon's answer as one JSON document");
  app.add_option("--timeout-ms", timeout_ms, "how long to wait for the answer")->check(CLI::Range(100, 600'000));

  auto* status = app.add_subcommand("status", "what the daemon holds: trades, positions, orders, counters, alerts");
  auto* pause = app.add_subcommand("pause", "take no new entries (protection and exits go on)");
  auto* resume = app.add_subcommand("resume", "take signals again");
  auto* flatten = app.add_subcommand("flatten", "close every position (or one symbol's), verified flat");
  auto* protect = app.add_subcommand("protect", "give every position without covering protection a stop now (never closes)");
  std::string protect_symbol, protect_pct;
  protect->add_option("symbol", protect_symbol, "only this symbol (BTCUSDT)");
  protect->add_option("--stop-pct", protect_pct, "stop distance in percent (default: the daemon's protect_stop_pct)");
  auto* watch = app.add_subcommand("watch", "follow the daemon's events live (its log lines and alerts) until Ctrl-C");
  std::string flatten_symbol, flatten_leg;
  bool yes = false;
  flatten->add_option("symbol", flatten_symbol, "only this symbol (BTCUSDT)");
  flatten->add_option("--position-side", flatten_leg, "only this leg of the symbol (hedge mode)")
      ->check(CLI::IsMember({"LONG", "SHORT"}));
  flatten->add_flag("--yes", yes, "do not ask for confirmation");
  auto* signal = app.add_subcommand("signal", "send a trading signal");
  SignalOptions signal_options;
  SignalOptions& o = signal_options;
  signal->add_option("--id", o.id, "the signal's id (default: ctl-<time>)");
  signal->add_option("--symbol", o.symbol, "BTCUSDT")->required();
  signal->add_option("--side", o.side, "LONG or SHORT")->required()->check(CLI::IsMember({"LONG", "SHORT"}));
  signal->add_option("--qty", o.qty, "contracts");
  signal->add_option("--notional", o.notional, "quote currency (USDT)");
  signal->add_option("--entry", o.entry, "market (default); maker: post-only at the best price, following the book, until --ttl-s; limit: at --price")
      ->check(CLI::IsMember({"market", "maker", "limit"}));
  signal->add_option("--price", o.price, "a limit entry's price");
  signal->add_flag("--post-only", o.post_only, "a limit entry that must rest as a maker (refused if it would take)");
  signal->add_option("--offset-bps", o.offset_bps, "a maker entry's distance behind the best price, in basis points")
      ->check(CLI::Range(0, 1000));
  signal->add_flag("--flip", o.flip, "close the symbol (in hedge mode the other leg) first, proven flat, then open this side");
  signal->add_option("--stop-pct", o.stop_pct, "stop-loss distance in percent");
  signal->add_option("--stop-price", o.stop_price, "stop-loss price");
  signal->add_option("--tp-pct", o.tp_pct, "take-profit distance in percent");
  signal->add_option("--tp-price", o.tp_price, "take-profit price");
  signal->add_flag("--tp-limit", o.tp_limit, "the take-profit rests as a reduce-only limit order in the book (a maker's exit)");
  signal->add_flag("--tp-post-only", o.tp_post_only, "a limit take-profit that must rest as a maker (implies --tp-limit)");
  signal->add_option("--ttl-s", o.ttl_s, "a resting entry's time limit (maker: a day at most; limit: 30 days; none: until cancelled)")
      ->check(CLI::Range(1, 2'592'000));
  auto* add = app.add_subcommand("add", "add to an open trade: one more entry on its leg, market or limit (several limits: a ladder)");
  AddOptions add_options;
  add->add_option("symbol", add_options.symbol, "BTCUSDT")->required();
  add->add_option("--position-side", add_options.leg, "the leg (hedge mode, when both legs have a trade)")
      ->check(CLI::IsMember({"LONG", "SHORT"}));
  add->add_option("--id", add_options.id, "the signal's id (default: ctl-add-<time>)");
  add->add_option("--trade", add_options.trade, "the open signal whose trade this adds to (refused if the leg's trade is another)");
  add->add_option("--qty", add_options.qty, "contracts");
  add->add_option("--notional", add_options.notional, "quote currency (USDT)");
  add->add_option("--entry", add_options.entry, "market (default) or limit (at --price)")->check(CLI::IsMember({"market", "limit"}));
  add->add_option("--price", add_options.price, "a limit add's price");
  add->add_flag("--post-only", add_options.post_only, "a limit add that must rest as a maker (refused if it would take)");
  add->add_option("--ttl-s", add_options.ttl_s, "a limit add's time limit (30 days at most; none: until it fills or is cancelled)")
      ->check(CLI::Range(1, 2'592'000));
  auto* move = app.add_subcommand("move", "move an open trade's stop and/or take-profit (the new one rests before the old goes)");
  MoveOptions move_options;
  move->add_option("symbol", move_options.symbol, "BTCUSDT")->required();
  move->add_option("--position-side", move_options.leg, "the leg (hedge mode, when both legs have a trade)")
      ->check(CLI::IsMember({"LONG", "SHORT"}));
  move->add_option("--id", move_options.id, "the signal's id (default: ctl-move-<time>)");
  move->add_option("--stop-pct", move_options.stop_pct, "new stop-loss distance from the average entry, in percent");
  move->add_option("--stop-price", move_options.stop_price, "new stop-loss price");
  move->add_flag("--break-even", move_options.break_even, "stop-loss to the average entry price");
  move->add_option("--tp-pct", move_options.tp_pct, "new take-profit distance from the average entry, in percent");
  move->add_option("--tp-price", move_options.tp_price, "new take-profit price");
  auto* trail = app.add_subcommand("trail", "set (or --off) the exchange's own trailing stop beside an open trade's stop");
  TrailOptions trail_options;
  trail->add_option("symbol", trail_options.symbol, "BTCUSDT")->required();
  trail->add_option("--position-side", trail_options.leg, "the leg (hedge mode, when both legs have a trade)")
      ->check(CLI::IsMember({"LONG", "SHORT"}));
  trail->add_option("--id", trail_options.id, "the signal's id (default: ctl-trail-<time>)");
  trail->add_option("--callback-pct", trail_options.callback_pct, "how far back from the best price it closes, in percent (0.1 to 10)");
  trail->add_option("--activation-price", trail_options.activation_price, "the price it starts trailing at (default: at once)");
  trail->add_flag("--off", trail_options.off, "remove the trailing stop (the stop stays)");
  auto* cancel = app.add_subcommand("cancel-entries", "cancel the pending entries of a symbol (or one leg); what filled stays, protected");
  std::string cancel_symbol, cancel_leg, cancel_id;
  cancel->add_option("symbol", cancel_symbol, "BTCUSDT")->required();
  cancel->add_option("--position-side", cancel_leg, "only this leg's entries (hedge mode)")->check(CLI::IsMember({"LONG", "SHORT"}));
  cancel->add_option("--id", cancel_id, "the signal's id (default: ctl-cancel-<time>)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return e.get_exit_code() == 0 ? app.exit(e) : (app.exit(e), ops::kExitUsage);
  }
  if (config_path.empty() && account.empty()) return Fail("no account given: use --config FILE or --account NAME", 2);
  if (config_path.empty()) config_path = ops::account_config_path(account);
  auto config = LoadAccountConfig(config_path);
  if (!config.ok()) return Fail(config.status().message(), ops::kExitUsage);

  if (*watch) {
    // Runs until the operator stops it; the daemon going away is reported, not taken for success.
    bool first = true;
    int refused = 0;  // the daemon's exit code when it answers anything but "watching"
    Status followed = net::FollowLines(config->daemon.control_socket, control::ControlRequestJson(control::WatchRequest{}), [&](const std::string& line) {
      if (first) {
        first = false;
        if (line.find(R"("result":"watching")") != std::string::npos) return true;
        std::cout << LogText(line) << "\n";
        refused = ops::kExitUsage;
        return false;
      }
      if (json) {
        std::cout << line << std::endl;
      } else {
        auto f = JsonFields::Parse(line, "event");
        if (!f.ok()) {
          std::cout << LogText(line) << std::endl;
        } else {
          auto at = f->Integer("at_ms");
          auto kind = f->String("kind");
          auto text = f->String(kind.ok() && *kind && **kind == "alert" ? "message" : "line");
          auto alert = f->String("alert");
          std::cout << (at.ok() && *at ? format_utc(**at) : std::string("?")) << " "
                    << (alert.ok() && *alert ? "ALERT " + LogText(**alert) + " " : std::string())
                    << LogText(text.ok() && *text ? **text : line) << std::endl;
        }
      }
      return true;
    });
    if (refused) return refused;
    return Fail(followed.message(), ops::kExitExchange);
  }
  Result<control::ControlRequest> request = Status::InvalidInput("no subcommand");
  if (*status) request = control::ControlRequest(control::StatusRequest{});
  else if (*pause) request = control::ControlRequest(control::PauseRequest{});
  else if (*resume) request = control::ControlRequest(control::ResumeRequest{});
  else if (*flatten) request = FlattenRequest(config->account_name, flatten_symbol, flatten_leg, yes);
  else if (*protect) request = ProtectRequest(protect_symbol, protect_pct);
  else if (*signal) request = SignalRequest(signal_options);
  else if (*add) request = AddRequest(add_options);
  else if (*move) request = MoveRequest(move_options);
  else if (*trail) request = TrailRequest(trail_options);
  else if (*cancel) request = CancelEntriesRequest(cancel_symbol, cancel_leg, cancel_id);
  if (!request.ok()) return Fail(request.status().message(), ops::kExitUsage);
  auto answer = net::RequestLine(config->daemon.control_socket, control::ControlRequestJson(*request), timeout_ms);
  if (!answer.ok()) return Fail(answer.status().message(), ops::kExitExchange);
  auto fields = JsonFields::Parse(*answer, "answer");
  int code = ops::kExitExchange;
  if (fields.ok()) {
    auto c = fields->Integer("exit_code");
    if (c.ok() && *c) code = static_cast<int>(**c);
  }
  if (json) std::cout << *answer << "\n";
  else PrintHuman(*answer);
  return code;
}
