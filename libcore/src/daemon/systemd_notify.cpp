#include "keel/ops/systemd_notify.h"

#include <systemd/sd-daemon.h>

namespace keel::ops {

void NotifyReady(const std::string& status) { sd_notify(0, ("READY=1\nSTATUS=" + status).c_str()); }
void NotifyStatus(const std::string& status) { sd_notify(0, ("STATUS=" + status).c_str()); }
void NotifyStopping() { sd_notify(0, "STOPPING=1"); }
void NotifyWatchdog() { sd_notify(0, "WATCHDOG=1"); }

TimeMs WatchdogIntervalMs() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return 0;
  return static_cast<TimeMs>(usec / 2000);
}

}  // namespace keel::ops
