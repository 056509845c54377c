#pragma once
// systemd's notify protocol for keel-traderd (Type=notify): READY once signals are taken, STATUS
// lines, WATCHDOG pings at half the unit's WatchdogSec, STOPPING on shutdown. Outside systemd
// (no NOTIFY_SOCKET) every call does nothing.

#include <string>

#include "keel/model/time.h"

namespace keel::ops {

void NotifyReady(const std::string& status);
void NotifyStatus(const std::string& status);
void NotifyStopping();
void NotifyWatchdog();
// How often to ping the watchdog (half of WatchdogSec), or 0 when it is not enabled.
TimeMs WatchdogIntervalMs();

}  // namespace keel::ops
