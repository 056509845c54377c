#include <spdlog/spdlog.h>

#include "keel/model/log_text.h"
#include "traderd_parts.h"

namespace keel::ops {
namespace {

// The [[alert]] sinks as text, to tell whether a reload changed them.
std::string AlertSinksText(const std::vector<AlertSinkConfig>& sinks) {
  std::string text;
  for (const auto& s : sinks) {
    text += std::to_string(static_cast<int>(s.kind)) + "|" + s.url + "|" + std::to_string(static_cast<int>(s.format)) + "|" +
            s.chat_id + "|" + std::to_string(s.min_interval_ms) + "|";
    for (const auto& arg : s.command) text += arg + " ";
    text += "\n";
  }
  return text;
}

}  // namespace

void ReloadTraderd(const std::string& config_path, const AccountConfig& running, Engine& engine) {
  auto again = LoadAccountConfig(config_path);
  if (!again.ok()) return spdlog::error("SIGHUP: config not reloaded, the running one stays: {}", LogText(again.status().message()));
  if (again->account_name != running.account_name || again->rest_url != running.rest_url || again->ws_url != running.ws_url ||
      again->store_path != running.store_path || again->exchange_kind != running.exchange_kind)
    return spdlog::error("SIGHUP: config not reloaded: the account, exchange or store changed; restart keel-traderd for that");
  for (const auto& line : engine.Reconfigure(again->daemon)) spdlog::warn("SIGHUP: {}", LogText(line));
  if (AlertSinksText(again->daemon.alerts) != AlertSinksText(running.daemon.alerts))
    spdlog::warn("SIGHUP: alert: [[alert]] sinks changed, take effect after a restart");
}

}  // namespace keel::ops
