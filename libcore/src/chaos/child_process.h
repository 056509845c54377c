#pragma once
// A program the chaos runner starts, signals and reaps itself: keel-exchange-sim and keel-traderd
// in episodes with real processes. Both output streams go to one log file, appended to, so that a
// daemon started again after a SIGKILL continues the same log.
#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "keel/model/status.h"

namespace keel::chaos {

class ChildProcess {
 public:
  // argv[0] is a path (no PATH search); env is added to (or replaces in) this process's environment.
  static Result<ChildProcess> Start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                                    const std::string& log_path);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // A child still running is killed (SIGKILL) and reaped.
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running();
  // How it ended: its exit code, or 128 + the signal that ended it; nullopt while it runs.
  std::optional<int> ended();
  void Signal(int sig);
  // Waits up to timeout_ms for it to end; ended() afterwards.
  std::optional<int> Wait(int timeout_ms);

 private:
  ChildProcess() = default;
  void Reap(int status);
  pid_t pid_ = -1;
  std::optional<int> ended_;
};

}  // namespace keel::chaos
