#pragma once
// Exit codes, the same in every keel tool and in every man page.

#include "keel/model/status.h"

namespace keel::ops {

enum ExitCode : int {
  kExitAllClear = 0,     // nothing found, everything done
  kExitFindings = 1,     // findings: orphans, mismatches, ghosts, invariant violations
  kExitUsage = 2,        // usage, configuration or state-store error; nothing changed
  kExitExchange = 3,     // exchange or network failure
  kExitNotVerified = 4,  // an action was attempted and could not be verified
};

// The exit code for a failure that ends a tool.
ExitCode exit_code_for(const Status& status);

}  // namespace keel::ops
