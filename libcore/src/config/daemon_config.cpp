// [daemon], [daemon.risk], [daemon.risk.symbols.SYMBOL], [[alert]] and [[strategy]] of an account config.
#include <charconv>

#include "config_validator.h"
#include "keel/model/instrument.h"
#include "plain_url.h"

namespace keel {
namespace {

const std::set<std::string> kDaemonKeys{"control_socket",
                                        "spool_dir",
                                        "metrics_listen",
                                        "protect_grace_ms",
                                        "orphan_scan_interval_s",
                                        "reconcile_interval_s",
                                        "reconcile_policy",
                                        "orphan_policy",
                                        "protect_stop_pct",
                                        "signal_ttl_s",
                                        "auto_replace_cancelled_orders",
                                        "max_reprice_pct",
                                        "cancel_entries_on_shutdown",
                                        "stream_down_alert_s",
                                        "rest_workers",
                                        "risk"};
const std::set<std::string> kRiskKeys{"max_position_notional", "max_open_orders", "max_signals_per_minute"};
const std::set<std::string> kGridKeys{"kind",         "symbol",          "legs",          "levels",
                                      "spacing_pct",  "qty",             "take_profit_pct", "stop_loss_pct",
                                      "reopen",       "max_notional",    "recenter_pct",  "take_profit_order"};
const std::set<std::string> kAlertKeys{"kind", "url", "format", "chat_id", "command", "min_interval_s", "allow_insecure"};

// The path of a Unix socket must fit sockaddr_un.sun_path (108 bytes with its NUL).
constexpr std::size_t kMaxSocketPath = 107;

std::string default_socket(const std::string& store_path) {
  const std::string ext = ".db";
  if (store_path.size() > ext.size() && store_path.compare(store_path.size() - ext.size(), ext.size(), ext) == 0)
    return store_path.substr(0, store_path.size() - ext.size()) + ".sock";
  return store_path + ".sock";
}

// "127.0.0.1:9464", "[::1]:9464" or a bare port (loopback); a port of 0 picks a free one.
std::optional<std::string> metrics_address(ConfigValidator& v, const std::string& text) {
  const std::string path = "daemon.metrics_listen";
  std::string host = "127.0.0.1";
  std::string port = text;
  const auto colon = text.rfind(':');
  if (colon != std::string::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  int n = -1;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (host.empty() || ec != std::errc() || end != port.data() + port.size() || n < 0 || n > 65535) {
    v.Problem(path, "found \"" + text + "\", expected HOST:PORT, a port (loopback), or \"off\"");
    return std::nullopt;
  }
  return host + ":" + std::to_string(n);
}

RiskLimit risk_limit(ConfigValidator& v, const toml::table& root, const std::string& path) {
  RiskLimit r;
  if (const auto* t = root.at_path(path).as_table()) {
    std::set<std::string> known = kRiskKeys;
    if (path == "daemon.risk") known.insert("symbols");
    v.UnknownKeys(*t, path, known);
  }
  r.max_position_notional = v.DecimalAt(root, path + ".max_position_notional");
  if (r.max_position_notional && !r.max_position_notional->is_positive()) {
    v.Problem(path + ".max_position_notional", "found " + r.max_position_notional->ToString() + ", expected above 0");
    r.max_position_notional.reset();
  }
  if (auto n = v.IntegerAt(root, path + ".max_open_orders", 1, 10'000)) r.max_open_orders = static_cast<int>(*n);
  if (auto n = v.IntegerAt(root, path + ".max_signals_per_minute", 1, 10'000)) r.max_signals_per_minute = static_cast<int>(*n);
  return r;
}

std::vector<AlertSinkConfig> alerts(ConfigValidator& v, const toml::table& root) {
  std::vector<AlertSinkConfig> out;
  const toml::node* node = root.get("alert");
  if (!node) return out;
  const toml::array* list = node->as_array();
  if (!list || !list->is_array_of_tables()) {
    v.Problem("alert", "found " + DescribeTomlNode(*node) + ", expected [[alert]] tables");
    return out;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::table& t = *list->get(i)->as_table();
    // The same path finds the value (toml++ reads "alert[0].url") and names it in messages.
    const std::string path = "alert[" + std::to_string(i) + "]";
    v.UnknownKeys(t, path, kAlertKeys);
    AlertSinkConfig a;
    a.label = path;
    auto kind = v.ChoiceAt(root, path + ".kind", {"webhook", "exec"});
    if (!t.get("kind")) v.Problem(path + ".kind", "missing, expected webhook or exec");
    auto format = v.ChoiceAt(root, path + ".format", {"json", "slack", "telegram"});
    if (format) a.format = *format == "slack" ? AlertSinkConfig::Format::kSlack
                           : *format == "telegram" ? AlertSinkConfig::Format::kTelegram
                                                   : AlertSinkConfig::Format::kJson;
    if (auto s = v.IntegerAt(root, path + ".min_interval_s", 0, 86'400)) a.min_interval_ms = *s * 1000;
    if (kind && *kind == "webhook") {
      a.kind = AlertSinkConfig::Kind::kWebhook;
      if (auto url = v.StringAt(root, path + ".url", false)) a.url = *url;
      if (a.url.rfind("http://", 0) != 0 && a.url.rfind("https://", 0) != 0)
        v.Problem(path + ".url", a.url.empty() ? "missing, expected the webhook's http:// or https:// URL"
                                               : "found \"" + a.url + "\", expected an http:// or https:// URL");
      RefusePlainUrl(v, path + ".url", a.url, v.BoolAt(root, path + ".allow_insecure").value_or(false),
                     path + ".allow_insecure", "the webhook's address (a bot token, a hook's secret path) and the alerts");
      if (auto chat = v.StringAt(root, path + ".chat_id", false)) a.chat_id = *chat;
      if (a.format == AlertSinkConfig::Format::kTelegram && a.chat_id.empty())
        v.Problem(path + ".chat_id", "missing, expected the Telegram chat id (format = \"telegram\")");
      if (t.get("command")) v.Problem(path + ".command", "only for kind = \"exec\"");
    } else if (kind && *kind == "exec") {
      a.kind = AlertSinkConfig::Kind::kExec;
      const toml::array* cmd = t.get("command") ? t.get("command")->as_array() : nullptr;
      if (cmd) {
        for (const auto& arg : *cmd) {
          if (!arg.is_string() || arg.as_string()->get().empty()) {
            a.command.clear();
            break;
          }
          a.command.push_back(arg.as_string()->get());
        }
      }
      if (a.command.empty() || a.command[0][0] != '/')
        v.Problem(path + ".command", "expected an array of strings, the first an absolute path ([\"/usr/local/bin/page\"])");
      if (t.get("url")) v.Problem(path + ".url", "only for kind = \"webhook\"");
      if (t.get("allow_insecure")) v.Problem(path + ".allow_insecure", "only for kind = \"webhook\"");
    }
    out.push_back(std::move(a));
  }
  return out;
}

// A percentage above 0 and below 100 at `path`, required unless `fallback` is given.
Decimal percent_at(ConfigValidator& v, const toml::table& root, const std::string& path, std::optional<Decimal> fallback) {
  auto d = v.DecimalAt(root, path);
  if (!d) {
    if (!fallback && !root.at_path(path)) v.Problem(path, "missing, expected a percentage above 0 and below 100");
    return fallback.value_or(Decimal());
  }
  if (!d->is_positive() || *d >= Decimal::FromInteger(100).value()) {
    v.Problem(path, "found " + d->ToString() + ", expected a percentage above 0 and below 100");
    return fallback.value_or(Decimal());
  }
  return *d;
}

std::vector<GridConfig> strategies(ConfigValidator& v, const toml::table& root) {
  std::vector<GridConfig> out;
  const toml::node* node = root.get("strategy");
  if (!node) return out;
  const toml::array* list = node->as_array();
  if (!list || !list->is_array_of_tables()) {
    v.Problem("strategy", "found " + DescribeTomlNode(*node) + ", expected [[strategy]] tables");
    return out;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::table& t = *list->get(i)->as_table();
    const std::string path = "strategy[" + std::to_string(i) + "]";
    v.UnknownKeys(t, path, kGridKeys);
    auto kind = v.ChoiceAt(root, path + ".kind", {"grid"});
    if (!t.get("kind")) v.Problem(path + ".kind", "missing, expected \"grid\"");
    if (!kind) continue;
    GridConfig g;
    g.label = path;
    if (auto s = v.StringAt(root, path + ".symbol", true)) g.symbol = *s;
    if (!g.symbol.empty() && !IsPlainSymbol(g.symbol))
      v.Problem(path + ".symbol", "found \"" + g.symbol + "\", expected the exchange's symbol in capitals (SOLUSDT)");
    if (auto legs = v.ChoiceAt(root, path + ".legs", {"long", "short", "both"})) {
      g.long_leg = *legs != "short";
      g.short_leg = *legs != "long";
    }
    if (auto n = v.IntegerAt(root, path + ".levels", 1, 50)) g.levels = static_cast<int>(*n);
    g.spacing_pct = percent_at(v, root, path + ".spacing_pct", std::nullopt);
    g.take_profit_pct = percent_at(v, root, path + ".take_profit_pct", std::nullopt);
    g.stop_loss_pct = percent_at(v, root, path + ".stop_loss_pct", std::nullopt);
    g.recenter_pct = percent_at(v, root, path + ".recenter_pct", Decimal::FromInteger(5).value());
    auto qty = v.DecimalAt(root, path + ".qty");
    if (!qty || !qty->is_positive()) v.Problem(path + ".qty", qty ? "found " + qty->ToString() + ", expected above 0" : "missing, expected the contracts per level");
    else g.qty = *qty;
    if (auto reopen = v.BoolAt(root, path + ".reopen")) g.reopen = *reopen;
    if (auto order = v.ChoiceAt(root, path + ".take_profit_order", {"conditional", "limit", "post_only"}))
      g.take_profit_order = *order;
    g.max_notional = v.DecimalAt(root, path + ".max_notional");
    if (g.max_notional && !g.max_notional->is_positive()) {
      v.Problem(path + ".max_notional", "found " + g.max_notional->ToString() + ", expected above 0");
      g.max_notional.reset();
    }
    // The stop is levels x spacing + stop_loss_pct from the open: under 100 %, or no stop price exists.
    if (g.spacing_pct.is_positive() && g.stop_loss_pct.is_positive()) {
      auto depth = Decimal::FromInteger(g.levels).value().Mul(g.spacing_pct, Rounding::kNearest);
      auto total = depth.ok() ? depth->Add(g.stop_loss_pct) : depth;
      if (!total.ok() || *total >= Decimal::FromInteger(100).value())
        v.Problem(path + ".stop_loss_pct", "levels x spacing_pct + stop_loss_pct = " + (total.ok() ? total->ToString() : "?") +
                                               " %, expected below 100 (the stop lies that far from the open)");
    }
    for (const auto& other : out)
      if (other.symbol == g.symbol) v.Problem(path + ".symbol", g.symbol + " has a grid already (" + other.label + ")");
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace

const char* to_string(ReconcilePolicy p) { return p == ReconcilePolicy::kFix ? "fix" : "report"; }
const char* to_string(OrphanPolicy p) { return p == OrphanPolicy::kProtect ? "protect" : "report"; }

DaemonConfig ParseDaemonSection(ConfigValidator& v, const toml::table& root, const std::string& store_path,
                                const std::string& base_dir) {
  DaemonConfig d;
  d.control_socket = default_socket(store_path);
  d.metrics_listen = "127.0.0.1:9464";
  d.alerts = alerts(v, root);
  d.grids = strategies(v, root);
  const toml::node* section = root.get("daemon");
  if (!section) return d;
  if (!section->is_table()) {
    v.Problem("daemon", "found " + DescribeTomlNode(*section) + ", expected a table [daemon]");
    return d;
  }
  v.UnknownKeys(*section->as_table(), "daemon", kDaemonKeys);

  if (auto s = v.StringAt(root, "daemon.control_socket", false)) d.control_socket = ResolveConfigPath(base_dir, *s);
  if (d.control_socket.size() > kMaxSocketPath) {
    v.Problem("daemon.control_socket", "\"" + d.control_socket + "\" is " + std::to_string(d.control_socket.size()) +
                                           " bytes, longer than a Unix socket path can be (107): set a shorter path");
  }
  if (auto s = v.StringAt(root, "daemon.spool_dir", false)) d.spool_dir = ResolveConfigPath(base_dir, *s);
  if (auto s = v.StringAt(root, "daemon.metrics_listen", false)) {
    if (*s == "off") d.metrics_listen.reset();
    else d.metrics_listen = metrics_address(v, *s);
  }
  if (auto n = v.IntegerAt(root, "daemon.protect_grace_ms", 0, 600'000)) d.protect_grace_ms = *n;
  if (auto n = v.IntegerAt(root, "daemon.orphan_scan_interval_s", 1, 86'400)) d.orphan_scan_interval_ms = *n * 1000;
  if (auto n = v.IntegerAt(root, "daemon.reconcile_interval_s", 1, 86'400)) d.reconcile_interval_ms = *n * 1000;
  if (auto p = v.ChoiceAt(root, "daemon.reconcile_policy", {"fix", "report"}))
    d.reconcile_policy = *p == "fix" ? ReconcilePolicy::kFix : ReconcilePolicy::kReport;
  if (auto p = v.ChoiceAt(root, "daemon.orphan_policy", {"protect", "report"}))
    d.orphan_policy = *p == "protect" ? OrphanPolicy::kProtect : OrphanPolicy::kReport;
  if (auto pct = v.DecimalAt(root, "daemon.protect_stop_pct")) {
    if (!pct->is_positive() || *pct >= Decimal::FromInteger(100).value())
      v.Problem("daemon.protect_stop_pct", "found " + pct->ToString() + ", expected a percentage above 0 and below 100");
    else d.protect_stop_pct = *pct;
  }
  if (auto n = v.IntegerAt(root, "daemon.signal_ttl_s", 1, 86'400)) d.signal_ttl_s = static_cast<int>(*n);
  if (auto b = v.BoolAt(root, "daemon.auto_replace_cancelled_orders")) d.auto_replace_cancelled_orders = *b;
  if (auto pct = v.DecimalAt(root, "daemon.max_reprice_pct")) {
    if (!pct->is_positive() || *pct >= Decimal::FromInteger(100).value())
      v.Problem("daemon.max_reprice_pct", "found " + pct->ToString() + ", expected a percentage above 0 and below 100");
    else d.max_reprice_pct = *pct;
  }
  if (auto b = v.BoolAt(root, "daemon.cancel_entries_on_shutdown")) d.cancel_entries_on_shutdown = *b;
  if (auto n = v.IntegerAt(root, "daemon.stream_down_alert_s", 1, 3600)) d.stream_down_alert_ms = *n * 1000;
  if (auto n = v.IntegerAt(root, "daemon.rest_workers", 1, 32)) d.rest_workers = static_cast<int>(*n);

  if (const toml::node* risk = root.at_path("daemon.risk").node()) {
    if (!risk->is_table()) {
      v.Problem("daemon.risk", "found " + DescribeTomlNode(*risk) + ", expected a table [daemon.risk]");
    } else {
      d.risk.account = risk_limit(v, root, "daemon.risk");
      if (const toml::node* symbols = root.at_path("daemon.risk.symbols").node()) {
        if (!symbols->is_table()) {
          v.Problem("daemon.risk.symbols", "expected tables [daemon.risk.symbols.SYMBOL]");
        } else {
          for (const auto& [key, node] : *symbols->as_table()) {
            const std::string symbol(key.str());
            const std::string path = "daemon.risk.symbols." + symbol;
            if (!node.is_table()) {
              v.Problem(path, "found " + DescribeTomlNode(node) + ", expected a table [" + path + "]");
              continue;
            }
            d.risk.symbols[symbol] = risk_limit(v, root, path);
          }
        }
      }
    }
  }
  return d;
}

}  // namespace keel
