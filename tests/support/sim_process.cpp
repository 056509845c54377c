#include "sim_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "subprocess.h"

extern char** environ;

namespace keel::test {

SimProcess::SimProcess(std::vector<std::string> extra_args) {
  const std::string port_file = dir_.file("ports.json");
  std::vector<std::string> args = {bin("keel-exchange-sim"), "--port-file", port_file};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out = dir_.file("stdout.txt");
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, dir_.file("stderr.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  for (int i = 0; i < 500 && pid_ > 0; ++i) {
    const std::string text = read_file(port_file);
    const auto rest = text.find("\"rest_port\":");
    const auto ws = text.find("\"ws_port\":");
    if (rest != std::string::npos && ws != std::string::npos) {
      rest_port_ = static_cast<std::uint16_t>(std::stoi(text.substr(rest + 12)));
      ws_port_ = static_cast<std::uint16_t>(std::stoi(text.substr(ws + 10)));
      break;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

SimProcess::~SimProcess() { Stop(); }

int SimProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 300; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      output_ = read_file(dir_.file("stdout.txt"));
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  output_ = read_file(dir_.file("stdout.txt"));
  return -1;
}

}  // namespace keel::test
