#pragma once
// keel-traderd as library code: loads the account, takes the store's writer lock, starts the
// engine (ops run in order: reconcile, settle, protect), then serves the control socket and the
// spool directory and follows the exchange's streams until SIGTERM. main.cpp only parses flags.

#include <string>

#include "keel/config/config.h"

namespace keel::ops {

struct TraderdOptions {
  std::string config_path;
  // Read and check the config (every key, credentials included), print what it says, exit 0 or
  // 2; nothing is opened, locked or connected.
  bool check_only = false;
};

// Returns the process exit code: 0 after a clean shutdown, 2 for a configuration or store problem
// (another daemon holds the account), 3 when the exchange cannot be reached at start.
int RunTraderd(const TraderdOptions& options);

}  // namespace keel::ops
