#pragma once
// keel-exchange-sim and keel-traderd as real processes on loopback, for the end-to-end tests: the
// daemon started on a throwaway store and ready for signals, the simulator's control endpoint at
// hand, and keel-ctl to talk to the daemon.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"
#include "sim_process.h"
#include "subprocess.h"
#include "temp_dir.h"

namespace keel::test {

// kind: "binance-usdm" or "bybit-v5"; the simulator speaks both on the same ports. daemon_lines:
// more [daemon] keys ("spool_dir = \"spool\"\n"), paths relative to the config's directory.
inline std::string WriteDaemonConfig(const TempDir& dir, const SimProcess& sim, const std::string& kind = "binance-usdm",
                                     const std::string& daemon_lines = "") {
  const std::string path = dir.file("demo.toml");
  std::ofstream(path) << "[account]\nname = \"demo\"\n[exchange]\nkind = \"" << kind << "\"\n"
                      << "rest_url = \"http://127.0.0.1:" << sim.rest_port() << "\"\n"
                      << "ws_url = \"ws://127.0.0.1:" << sim.ws_port() << "\"\n"
                      << "api_key_env = \"KEEL_API_KEY\"\napi_secret_env = \"KEEL_API_SECRET\"\n"
                      << "[store]\npath = \"demo.db\"\n[daemon]\nmetrics_listen = \"off\"\n" << daemon_lines;
  return path;
}

// The exit code of a child that ends within timeout_ms; -2 when it does not, -1 on a signal.
inline int WaitExit(pid_t pid, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 20) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -2;
}

// Sets an environment variable for as long as it lives, then puts back what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) previous_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (previous_) ::setenv(name_, previous_->c_str(), 1);
    else ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> previous_;
};

struct DaemonOnSim {
  // The demo account's credentials for the daemon and the tools the test runs, not for later tests.
  ScopedEnv key{"KEEL_API_KEY", "keel-demo-key"};
  ScopedEnv secret{"KEEL_API_SECRET", "keel-demo-secret"};
  SimProcess sim;
  TempDir dir;
  std::string config;
  std::unique_ptr<Child> daemon;

  explicit DaemonOnSim(std::vector<std::string> sim_args = {}, const std::string& kind = "binance-usdm",
                       const std::string& daemon_lines = "")
      : sim(std::move(sim_args)) {
    REQUIRE(sim.ready());
    config = WriteDaemonConfig(dir, sim, kind, daemon_lines);
    daemon = std::make_unique<Child>(std::vector<std::string>{bin("keel-traderd"), "--config", config});
    REQUIRE_MESSAGE(daemon->WaitForLine("keel-traderd: ready, account demo, control socket " + dir.file("demo.sock"), 15'000),
                    daemon->output());
  }

  // A fault or an exchange-side act ({"fault":…} / {"act":…}, keel-exchange-sim(1)).
  void Sim(const std::string& command) {
    HttpClient control(sim.rest_port());
    auto r = control.Send("POST", "/_sim/command", {}, command);
    REQUIRE_MESSAGE(r.status == 200, command << ": " << r.body);
  }
  std::string SimCounters() {
    HttpClient control(sim.rest_port());
    return control.Send("GET", "/_sim/counters").body;
  }
  RunResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {bin("keel-ctl"), "--config", config});
    return run(args);
  }
  // Polls keel-ctl --json status until it contains `part`, up to timeout_ms; the last status.
  std::string StatusUntil(const std::string& part, int timeout_ms = 10'000) {
    std::string status;
    for (int waited = 0; waited < timeout_ms; waited += 100) {
      status = Ctl({"--json", "status"}).out;
      if (status.find(part) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return status;
  }
  // Reads the daemon's output (its log) until it contains `part`, up to timeout_ms.
  bool LogUntil(const std::string& part, int timeout_ms = 10'000) {
    for (int waited = 0; waited < timeout_ms && daemon->output().find(part) == std::string::npos; waited += 100)
      daemon->ReadSome(100);
    return daemon->output().find(part) != std::string::npos;
  }
  // SIGTERM: the daemon's exit code.
  int Stop() {
    ::kill(daemon->pid(), SIGTERM);
    return WaitExit(daemon->pid(), 15'000);
  }
};

}  // namespace keel::test
