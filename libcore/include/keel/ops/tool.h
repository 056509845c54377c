#pragma once
// The one runner every keel tool goes through. A tool declares what it needs (a read-only store, a
// writer, later an exchange client) and its own flags; the runner parses the command line, loads
// the account's config, opens what was declared, runs the tool's body and turns any error into one
// clear line on stderr and the exit code of DESIGN.md. Library code never exits; only this does.
//
// Included by apps only: it brings in CLI11.

#include <CLI/CLI.hpp>

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "keel/config/config.h"
#include "keel/exchange/exchange.h"
#include "keel/model/time.h"
#include "keel/ops/exit_code.h"
#include "keel/store/state_store.h"

namespace keel::ops {

enum class StoreAccess { kNone, kReadOnly, kWriter };

struct ToolSpec {
  std::string name;     // "keel-state-inspect"
  std::string summary;  // one line for --help
  StoreAccess store = StoreAccess::kNone;
  // Tools that can work on a bare store file (no account config) offer --store PATH.
  bool store_flag = false;
  // Tools that read or act on the exchange get a connected Exchange (needs --config or --account).
  bool needs_exchange = false;
};

struct CommonOptions {
  std::string config_path;
  std::string account;
  std::string store_path;
  bool json = false;
};

struct ToolContext {
  const ToolSpec& spec;
  CommonOptions common;
  std::optional<AccountConfig> config;
  std::unique_ptr<StateStore> store;
  std::string store_path;
  std::ostream& out;
  const Clock& clock;
  std::unique_ptr<Exchange> exchange;

  const std::string& account() const { return config->account_name; }
  // Reopens the store as its writer (creating it if it does not exist yet), for a tool asked to
  // change something. Fails with kConflict naming the pid when another writer (a daemon) holds it.
  Status OpenWriter();
  // The confirmation rule: --yes confirms; on a terminal the operator is asked; with no terminal
  // and no --yes the action is refused (kInvalidInput, exit 2, nothing changed).
  Status Confirm(bool yes, const std::string& action);
};

using AddFlags = std::function<void(CLI::App&)>;
// Returns the exit code when it ran to the end (0 clear, 1 findings, 4 not verified), or the error.
using ToolBody = std::function<Result<int>(ToolContext&)>;

int RunTool(const ToolSpec& spec, int argc, char** argv, const AddFlags& add_flags, const ToolBody& body);

// A flag value that must be a whole number >= 0; the error names what was given.
CLI::Validator NonNegativeInteger();

// "--account NAME" without --config reads $KEEL_CONFIG_DIR/NAME.toml (default /etc/keel/NAME.toml).
std::string account_config_path(const std::string& account);

}  // namespace keel::ops
