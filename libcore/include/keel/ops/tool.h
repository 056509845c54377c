#pragma once
// The one runner every keel tool goes through. A tool declares what it needs (a read-only store, a
// writer, later an exchange client) and its own flags; the runner parses the command line, loads
// the account's config, opens what was declared, runs the tool's body and turns any error into one
// clear line on stderr and the exit code of docs/architecture.md. Library code never exits; only this does.
//
// Included by apps only: it brings in CLI11.

#include <CLI/CLI.hpp>

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "keel/ops/exit_code.h"
#include "keel/ops/tool_context.h"

namespace keel::ops {

using AddFlags = std::function<void(CLI::App&)>;
// Returns the exit code when it ran to the end (0 clear, 1 findings, 4 not verified), or the error.
using ToolBody = std::function<Result<int>(ToolContext&)>;

int RunTool(const ToolSpec& spec, int argc, char** argv, const AddFlags& add_flags, const ToolBody& body);

// A flag value that must be a whole number >= 0; the error names what was given.
CLI::Validator NonNegativeInteger();

// "--account NAME" without --config reads $KEEL_CONFIG_DIR/NAME.toml (default /etc/keel/NAME.toml).
std::string account_config_path(const std::string& account);

}  // namespace keel::ops
