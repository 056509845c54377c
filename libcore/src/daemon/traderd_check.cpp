#include <iostream>

#include "keel/engine/risk_limits.h"
#include "keel/net/tls_ca.h"
#include "keel/ops/exit_code.h"
#include "traderd_parts.h"

namespace keel::ops {

int CheckTraderdConfig(const AccountConfig& c) {
  const DaemonConfig& d = c.daemon;
  std::string problems;
  for (const SecretSource* source : {&c.api_key, &c.api_secret}) {
    auto secret = LoadSecret(*source);
    if (!secret.ok()) problems += "keel-traderd: " + secret.status().message() + "\n";
  }
  if (c.ca_path) {
    auto ca = net::CheckCaPath(*c.ca_path);
    if (!ca.ok()) problems += "keel-traderd: exchange." + ca.status().message() + "\n";
  }
  if (!problems.empty()) {
    std::cerr << problems;
    return kExitUsage;
  }
  std::cout << "config OK: account " << c.account_name << ", store " << c.store_path << ", control socket "
            << d.control_socket << ", spool " << d.spool_dir.value_or("none") << ", metrics "
            << d.metrics_listen.value_or("off") << ", " << d.alerts.size() << " alert sink(s)\n"
            << "risk limits: " << DescribeRiskLimits(d.risk) << "\n";
  // The grid as read: its symbol is checked against the exchange's list only when the daemon starts.
  for (const auto& g : d.grids)
    std::cout << "strategy: grid " << g.symbol << ", legs " << (g.long_leg && g.short_leg ? "both (hedge mode)" : g.long_leg ? "long" : "short")
              << ", " << g.levels << " levels " << g.spacing_pct.ToString() << " % apart, " << g.qty.ToString()
              << " a level, take-profit " << g.take_profit_pct.ToString() << " %, stop " << g.stop_loss_pct.ToString()
              << " % beyond the deepest level, " << (g.reopen ? "reopens" : "does not reopen") << " after a take-profit"
              << (g.max_notional ? ", at most " + g.max_notional->ToString() + " USDT a leg" : std::string()) << "\n";
  return 0;
}

}  // namespace keel::ops
