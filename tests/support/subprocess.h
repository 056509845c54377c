#pragma once
// Runs a program with arguments (no shell), capturing stdout, stderr and the exit code; or starts
// one in the background with its stdout readable through a pipe.

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace keel::test {

struct RunResult {
  int exit_code = -1;  // -1 if killed by a signal
  std::string out;
  std::string err;
};

// env: variables added to (or replacing in) the current environment.
RunResult run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});

// A child process whose stdout the parent reads; killed (SIGKILL) and reaped by the destructor if
// still running.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Reads what is available within timeout_ms (appending to output()); false on end of file.
  bool ReadSome(int timeout_ms);
  // Blocks until a full line is available, up to timeout_ms; returns false if none came.
  bool WaitForLine(const std::string& line, int timeout_ms);
  void Kill();  // SIGKILL, reap, then drain what was written before death
  const std::string& output() const { return out_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string out_;
};

inline std::string bin(const std::string& name) { return std::string(KEEL_BIN_DIR) + "/" + name; }
inline std::string test_bin(const std::string& name) { return std::string(KEEL_TEST_BIN_DIR) + "/" + name; }
inline std::string source_path(const std::string& rel) { return std::string(KEEL_SOURCE_DIR) + "/" + rel; }

}  // namespace keel::test
