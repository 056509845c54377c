#include "chaos/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstring>
#include <thread>

extern char** environ;

namespace keel::chaos {

Result<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                                         const std::string& log_path) {
  if (argv.empty()) return Status::InvalidInput("start: no program");
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e; ++e) {
    const std::string kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
  auto pointers = [](std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
  };
  std::vector<std::string> args = argv;
  auto c_args = pointers(args);
  auto c_env = pointers(env_strings);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  ChildProcess child;
  const int rc = ::posix_spawn(&child.pid_, c_args[0], &actions, nullptr, c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    child.pid_ = -1;
    return Status::Transport("start " + argv[0] + ": " + std::strerror(rc));
  }
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_), ended_(other.ended_) { other.pid_ = -1; }

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (running()) {
      Signal(SIGKILL);
      Wait(-1);
    }
    pid_ = other.pid_;
    ended_ = other.ended_;
    other.pid_ = -1;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (running()) {
    Signal(SIGKILL);
    Wait(-1);
  }
}

void ChildProcess::Reap(int status) {
  ended_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::optional<int> ChildProcess::ended() {
  if (ended_ || pid_ <= 0) return ended_;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) Reap(status);
  return ended_;
}

bool ChildProcess::running() { return pid_ > 0 && !ended(); }

void ChildProcess::Signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::Wait(int timeout_ms) {
  if (pid_ <= 0 || ended_) return ended_;
  if (timeout_ms < 0) {
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_) Reap(status);
    return ended_;
  }
  for (int waited = 0; waited <= timeout_ms && !ended(); waited += 10)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return ended_;
}

}  // namespace keel::chaos
