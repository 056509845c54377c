#include "keel/ops/signal_spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <spdlog/spdlog.h>

#include "keel/model/json_fields.h"
#include "keel/model/json_writer.h"
#include "keel/model/log_text.h"

namespace keel::ops {
namespace {

constexpr const char* kSubdirs[] = {"processing", "done", "rejected", "quarantine"};

std::string Octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// The top directory may be reached through a symlink the operator made; the ones inside are
// never followed.
Status UsableDir(const std::string& path, bool follow) {
  struct stat st {};
  if ((follow ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st)) != 0) {
    if (errno != ENOENT) return Status::InvalidInput(path + ": " + std::strerror(errno));
    if (::mkdir(path.c_str(), 0700) != 0) return Status::InvalidInput("cannot create " + path + ": " + std::strerror(errno));
    return Status::Ok();
  }
  if (!S_ISDIR(st.st_mode)) return Status::InvalidInput(path + " is not a directory: refusing to use it");
  if (st.st_uid != ::geteuid())
    return Status::InvalidInput(path + " is owned by uid " + std::to_string(st.st_uid) + ", not by this daemon's uid " +
                                std::to_string(::geteuid()) + ": refusing to read signals another user controls");
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return Status::InvalidInput(path + " is writable by its group or others (mode " + Octal(st.st_mode) +
                                "): refusing to read signals anyone else can drop; chmod go-w it");
  return Status::Ok();
}

std::string QuarantineReply(const std::string& why) {
  JsonWriter w;
  w.StartObject().Key("result").String("quarantined").Key("detail").String(why).Key("exit_code").Int(2).EndObject();
  return w.str();
}

// A reply is a new file: whatever already has its name (an earlier answer, a planted symlink) is
// removed first, never written through.
void WriteReply(const std::string& path, const std::string& line) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return spdlog::error("spool: cannot replace {}: {}", LogText(path), std::strerror(errno));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return spdlog::error("spool: cannot create {}: {}", LogText(path), std::strerror(errno));
  const std::string text = line + "\n";
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  if (written < text.size()) spdlog::error("spool: writing {}: {}", LogText(path), std::strerror(errno));
  ::close(fd);
}

std::string ReturnedMarker(const std::string& dir, const std::string& name) {
  return dir + "/processing/." + name + ".returned";
}

// Moves a taken file out of processing/ into `to` with its reply beside it.
void Settle(const std::string& dir, const std::string& name, const char* to, const std::string& reply_line) {
  const std::string taken = dir + "/processing/" + name;
  const std::string settled = dir + "/" + to + "/" + name;
  if (::rename(taken.c_str(), settled.c_str()) != 0)
    spdlog::error("spool: cannot move {} to {}: {}", LogText(taken), LogText(settled), std::strerror(errno));
  WriteReply(settled + ".reply", reply_line);
  if (::unlink(ReturnedMarker(dir, name).c_str()) != 0 && errno != ENOENT)
    spdlog::error("spool: cannot remove the marker of {}: {}", LogText(name), std::strerror(errno));
}

void Quarantine(const std::string& dir, const std::string& name, const std::string& why) {
  spdlog::warn("spool file={} quarantined: {}", LogText(name), LogText(why));
  Settle(dir, name, "quarantine", QuarantineReply(why));
}

// The text of one taken file, or why it is not read as a signal.
Result<std::string> ReadSignalFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP) return Status::InvalidInput("a symbolic link, not a file: not followed");
    return Status::InvalidInput(std::string("cannot be opened: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidInput(S_ISFIFO(st.st_mode) ? "a FIFO, not a file: not read"
                                : S_ISDIR(st.st_mode) ? "a directory, not a file: not read"
                                                      : "not a regular file: not read");
  }
  const std::string too_big = "larger than " + std::to_string(SignalSpool::kMaxFileBytes) + " bytes: not read";
  if (static_cast<std::size_t>(st.st_size) > SignalSpool::kMaxFileBytes) {
    ::close(fd);
    return Status::InvalidInput(too_big);
  }
  // At most one byte past the limit: a file that grew after fstat is caught, never read whole.
  std::string text;
  char chunk[65536];
  while (text.size() <= SignalSpool::kMaxFileBytes) {
    const ssize_t n = ::read(fd, chunk, std::min(sizeof(chunk), SignalSpool::kMaxFileBytes + 1 - text.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Status::InvalidInput(std::string("cannot be read: ") + std::strerror(err));
    }
    if (n == 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (text.size() > SignalSpool::kMaxFileBytes) return Status::InvalidInput(too_big);
  return text;
}

// Names in `path` for which keep(name) holds, sorted.
std::vector<std::string> Names(const std::string& path, const std::function<bool(const std::string&)>& keep) {
  std::vector<std::string> names;
  DIR* d = ::opendir(path.c_str());
  if (!d) {
    spdlog::error("spool: cannot read {}: {}", LogText(path), std::strerror(errno));
    return names;
  }
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (keep(name)) names.push_back(std::move(name));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

Result<SignalSpool> SignalSpool::Open(const std::string& dir) {
  KEEL_RETURN_IF_ERROR(UsableDir(dir, /*follow=*/true));
  for (const char* sub : kSubdirs) KEEL_RETURN_IF_ERROR(UsableDir(dir + "/" + sub, /*follow=*/false));
  SignalSpool spool(dir);
  spool.ReturnUnanswered();
  return spool;
}

void SignalSpool::ReturnUnanswered() const {
  const auto taken = Names(dir_ + "/processing", [](const std::string& name) { return name[0] != '.'; });
  for (const auto& name : taken) {
    const std::string marker = ReturnedMarker(dir_, name);
    if (::access(marker.c_str(), F_OK) == 0) {
      Quarantine(dir_, name,
                 "taken twice by runs that ended before answering it (it may be what ended them): not read again");
      continue;
    }
    // The marker first: a run that dies between the two steps finds the file returned already.
    const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
      spdlog::error("spool: cannot mark {} as returned ({}): left in processing/", LogText(name), std::strerror(errno));
      continue;
    }
    ::close(fd);
    if (::renameat2(AT_FDCWD, (dir_ + "/processing/" + name).c_str(), AT_FDCWD, (dir_ + "/" + name).c_str(),
                    RENAME_NOREPLACE) != 0) {
      spdlog::error("spool: cannot return {} to the queue: {}", LogText(name), std::strerror(errno));
      ::unlink(marker.c_str());  // still unanswered, not yet returned
      continue;
    }
    spdlog::warn("spool: {} was taken by a run that ended before answering: read again (once)", LogText(name));
  }
}

void SignalSpool::Scan(const SpoolSubmit& submit) const {
  // Writers create "name.tmp" or ".name" and rename to "name.json" when complete.
  const auto names = Names(dir_, [](const std::string& name) {
    return name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0 && name[0] != '.';
  });
  for (const auto& name : names) {
    const std::string taken = dir_ + "/processing/" + name;
    // Not over a file of the same name still being answered: it waits in the queue for that.
    if (::renameat2(AT_FDCWD, (dir_ + "/" + name).c_str(), AT_FDCWD, taken.c_str(), RENAME_NOREPLACE) != 0) {
      if (errno != ENOENT && errno != EEXIST) spdlog::error("spool: cannot take {}: {}", LogText(name), std::strerror(errno));
      continue;
    }
    auto text = ReadSignalFile(taken);
    if (!text.ok()) {
      Quarantine(dir_, name, text.status().message());
      continue;
    }
    if (auto one = JsonFields::Parse(*text, "signal"); !one.ok()) {
      Quarantine(dir_, name, "not one signal: " + one.status().message());
      continue;
    }
    submit(*text, "spool:" + name, [dir = dir_, name](int exit_code, const std::string& reply_line) {
      spdlog::info("spool file={} exit_code={} reply={}", LogText(name), exit_code, LogText(reply_line));
      Settle(dir, name, exit_code == 0 ? "done" : "rejected", reply_line);
    });
  }
}

}  // namespace keel::ops
