#pragma once
// keel-traderd's part of the account config. Every key is optional; the defaults are listed here
// and in docs/daemon.md. Tools read the same file and ignore this part (but still reject a key
// keel does not know, as everywhere):
//
//   [daemon]
//   control_socket = "demo.sock"        # default: the store's path with .sock for .db
//   spool_dir = "spool"                 # signal files; default: none
//   metrics_listen = "127.0.0.1:9464"   # Prometheus; "off" disables; a bare port binds loopback
//   protect_grace_ms = 3000             # longest a position may live without covering protection
//   orphan_scan_interval_s = 60
//   reconcile_interval_s = 300
//   reconcile_policy = "fix"            # fix: apply the safe corrections | report: alert only
//   orphan_policy = "protect"           # protect: give orphans a stop | report: alert only
//   protect_stop_pct = "2"              # the stop distance for orphans and repairs, in percent
//   signal_ttl_s = 60                   # a signal's validity when it names no ttl_s
//   auto_replace_cancelled_orders = true
//   max_reprice_pct = "5"               # a maker entry follows the book (or is replaced) at most this
//                                       # far from its first price, in percent; beyond, it waits
//   cancel_entries_on_shutdown = true
//   stream_down_alert_s = 30
//   rest_workers = 4
//   [daemon.risk]                       # account-wide; [daemon.risk.symbols.BTCUSDT] per symbol
//   max_position_notional = "5000"
//   max_open_orders = 40
//   max_signals_per_minute = 30
//   [[alert]]
//   kind = "webhook"                    # webhook | exec
//   url = "https://hooks.slack.com/…"   # webhook; http:// only to loopback or with
//   allow_insecure = true               # (the URL may hold a bot token)
//   format = "slack"                    # json | slack | telegram (webhook)
//   chat_id = "-100123"                 # telegram
//   command = ["/usr/local/bin/page"]   # exec: the alert JSON on stdin
//   min_interval_s = 300                # the same alert again only after this long

#include "keel/config/strategy_config.h"
#include <optional>
#include <string>
#include <vector>

#include "keel/engine/risk_limits.h"
#include "keel/model/decimal.h"
#include "keel/model/time.h"

namespace keel {

enum class ReconcilePolicy { kFix, kReport };
enum class OrphanPolicy { kProtect, kReport };
const char* to_string(ReconcilePolicy policy);
const char* to_string(OrphanPolicy policy);

struct AlertSinkConfig {
  enum class Kind { kWebhook, kExec };
  enum class Format { kJson, kSlack, kTelegram };
  Kind kind = Kind::kWebhook;
  std::string url;
  Format format = Format::kJson;
  std::string chat_id;
  std::vector<std::string> command;
  TimeMs min_interval_ms = 300'000;
  std::string label;  // "alert[0]" for the first [[alert]], for messages
};

struct DaemonConfig {
  std::string control_socket;
  std::optional<std::string> spool_dir;
  std::optional<std::string> metrics_listen;  // "host:port"; nullopt: off
  TimeMs protect_grace_ms = 3000;
  TimeMs orphan_scan_interval_ms = 60'000;
  TimeMs reconcile_interval_ms = 300'000;
  ReconcilePolicy reconcile_policy = ReconcilePolicy::kFix;
  OrphanPolicy orphan_policy = OrphanPolicy::kProtect;
  Decimal protect_stop_pct = Decimal::FromInteger(2).value();
  int signal_ttl_s = 60;
  bool auto_replace_cancelled_orders = true;
  Decimal max_reprice_pct = Decimal::FromInteger(5).value();
  bool cancel_entries_on_shutdown = true;
  TimeMs stream_down_alert_ms = 30'000;
  int rest_workers = 4;
  RiskLimits risk;
  std::vector<AlertSinkConfig> alerts;
  std::vector<GridConfig> grids;  // [[strategy]] kind = "grid"
};

}  // namespace keel
