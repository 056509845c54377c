// keel-traderd: the execution daemon. Everything is in libkeel (ops/traderd.h).
#include <CLI/CLI.hpp>

#include "keel/ops/exit_code.h"
#include "keel/ops/process_hardening.h"
#include "keel/ops/tool.h"
#include "keel/ops/traderd.h"

int main(int argc, char** argv) {
  if (!keel::ops::StartHardened("keel-traderd")) return keel::ops::kExitUsage;
  CLI::App app{"keel-traderd: turns trading signals into protected positions and keeps the store true to the exchange"};
  keel::ops::TraderdOptions options;
  std::string account;
  app.add_option("--config", options.config_path, "the account's TOML config");
  app.add_option("--account", account, "the account; reads $KEEL_CONFIG_DIR/NAME.toml (default /etc/keel)");
  app.add_flag("--check", options.check_only, "check the config and exit: 0 when it is valid, 2 naming each problem");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return e.get_exit_code() == 0 ? app.exit(e) : (app.exit(e), keel::ops::kExitUsage);
  }
  if (options.config_path.empty() && account.empty()) {
    std::cerr << "keel-traderd: no account given: use --config FILE or --account NAME\n";
    return keel::ops::kExitUsage;
  }
  if (options.config_path.empty()) options.config_path = keel::ops::account_config_path(account);
  return keel::ops::RunTraderd(options);
}
