#pragma once
// keel-traderd's spool directory: signal files another program drops in, one signal per file.
// A file is taken by renaming it into processing/ (atomic: taken once), handed to the engine, then
// moved to done/ (taken) or rejected/ (refused by the engine) with "<name>.reply" beside it: the
// engine's answer, one JSON line.
//
// The directory is written by other programs, so nothing in it is trusted:
//   - the directory and its subdirectories are this user's and writable by nobody else, or the
//     daemon does not start (it creates missing ones 0700);
//   - a file is read only when it is a regular file of at most 1 MiB, opened without following
//     a symlink and without blocking (a FIFO would freeze the event loop);
//   - replies are created new (0600, never through a symlink already there);
//   - what cannot be read as one signal (a symlink, a FIFO, a directory, too big, not one JSON
//     object) goes to quarantine/ with a reply saying why, never back to the queue;
//   - a file a run took and never answered (it died) is read again once; when the run reading it
//     again dies too, the file may be what kills it: it goes to quarantine/ instead of looping.

#include <cstddef>
#include <functional>
#include <string>

#include "keel/model/status.h"

namespace keel::ops {

// The engine's answer to one spool file: its exit code and its reply line.
using SpoolAnswer = std::function<void(int exit_code, const std::string& reply_line)>;
// Hands one file's text to the engine under `origin` ("spool:<name>"); answer is called once,
// maybe later, on the same thread.
using SpoolSubmit = std::function<void(const std::string& text, const std::string& origin, SpoolAnswer answer)>;

class SignalSpool {
 public:
  static constexpr std::size_t kMaxFileBytes = 1 << 20;

  // Creates or checks the directory and its subdirectories, then returns what a run that died
  // had taken (see above). kInvalidInput naming the directory when it cannot be used.
  static Result<SignalSpool> Open(const std::string& dir);

  // Takes every complete file ("<name>.json", not starting with a dot) in name order.
  void Scan(const SpoolSubmit& submit) const;

 private:
  explicit SignalSpool(std::string dir) : dir_(std::move(dir)) {}
  void ReturnUnanswered() const;
  std::string dir_;
};

}  // namespace keel::ops
