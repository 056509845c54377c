#pragma once
// keel-traderd's parts, internal to libcore/src/daemon: RunTraderd (traderd.cpp) wires them.

#include <string>

#include "keel/config/config.h"
#include "keel/engine/engine.h"
#include "keel/net/line_server.h"

namespace keel::ops {

// --check: reads every key and secret, prints what the config says; 0, or 2 with one line a problem.
// Nothing is opened, locked or connected.
int CheckTraderdConfig(const AccountConfig& config);

// SIGHUP: the config read again; what can change while running goes to the engine, the rest is
// named in the log as needing a restart. A config that does not load leaves the running one.
void ReloadTraderd(const std::string& config_path, const AccountConfig& running, Engine& engine);

// One control-socket line (control/control_request.h), answered with the exit code inside.
void HandleControl(Engine& engine, const AccountConfig& config, const Clock& clock, const std::string& line,
                   net::LineReply reply, net::LinePush push);

// The engine's reply as one line with "exit_code" inside; an error line for a refused request.
std::string WithExitCode(const EngineReply& r);
std::string ErrorReply(const std::string& detail);

}  // namespace keel::ops
