#pragma once
// keel-ctl's reading of keel-traderd's status answer for a person: the daemon's state on one line,
// then tables of active trades, open positions (with the stop that protects each), open orders,
// counters and recent alerts. --json prints the answer itself.

#include <string>

#include "keel/model/status.h"

namespace keel::ops {

// kInvalidInput when the answer is not a status answer keel can read.
Result<std::string> StatusText(const std::string& status_json);

}  // namespace keel::ops
