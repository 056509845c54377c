#pragma once
// keel-exchange-sim started by a test on free loopback ports (via --port-file) and stopped by it
// (SIGTERM, then SIGKILL if it does not exit).

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "temp_dir.h"

namespace keel::test {

class SimProcess {
 public:
  explicit SimProcess(std::vector<std::string> extra_args = {});
  ~SimProcess();
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  bool ready() const { return rest_port_ != 0; }
  std::uint16_t rest_port() const { return rest_port_; }
  std::uint16_t ws_port() const { return ws_port_; }
  // SIGTERM and wait; returns the exit code (-1 if killed) and leaves stdout in output().
  int Stop();
  const std::string& output() const { return output_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  std::uint16_t rest_port_ = 0;
  std::uint16_t ws_port_ = 0;
  std::string output_;
};

}  // namespace keel::test
