#include "writer_lock.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace keel {
namespace {

constexpr int kMaxLinks = 40;  // the kernel's own limit on links followed in one path

std::string DirName(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Result<std::string> WriterLock::ResolvedStorePath(const std::string& store_path) {
  // Links are followed one by one, not with realpath(): a link to a store not created yet is
  // followed by SQLite too, and its lock must be the target's.
  std::string path = store_path;
  for (int hops = 0;; ++hops) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) break;
    if (hops == kMaxLinks) return Status::Storage("store " + store_path + ": too many levels of symbolic links");
    char target[PATH_MAX];
    const ssize_t n = ::readlink(path.c_str(), target, sizeof(target) - 1);
    if (n < 0) return Status::Storage("store " + store_path + ": cannot read the link " + path + ": " + std::strerror(errno));
    const std::string to(target, static_cast<std::size_t>(n));
    path = to[0] == '/' ? to : DirName(path) + "/" + to;
  }
  char dir[PATH_MAX];
  if (::realpath(DirName(path).c_str(), dir) == nullptr)
    return Status::Storage("store " + store_path + ": directory " + DirName(path) + ": " + std::strerror(errno));
  const std::string resolved_dir = dir;
  return (resolved_dir == "/" ? "" : resolved_dir) + "/" + BaseName(path);
}

Result<WriterLock> WriterLock::Acquire(const std::string& store_path) {
  auto resolved = ResolvedStorePath(store_path);
  if (!resolved.ok()) return resolved.status();
  const std::string lock_path = *resolved + ".lock";
  // O_NOFOLLOW: a link planted at the lock's name is refused, never written through; no O_TRUNC:
  // the holder's pid stays readable to whoever is refused.
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    const int err = errno;
    if (err == ELOOP)
      return Status::Storage("lock file " + lock_path + " is a symbolic link: refusing to open it (remove it; the lock is "
                             "a plain file keel creates)");
    return Status::Storage("cannot open lock file " + lock_path + ": " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Storage("lock file " + lock_path + " is not a regular file: refusing to use it");
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    ::close(fd);
    if (err != EWOULDBLOCK) return Status::Storage("cannot lock " + lock_path + ": " + std::strerror(err));
    std::string holder = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("unknown");
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return Status::Conflict("store " + store_path + " already has a writer (pid " + holder +
                            "); one writer per account: stop it or send the request to it");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int err = errno;
    ::close(fd);
    return Status::Storage("cannot record pid in " + lock_path + ": " + std::strerror(err));
  }
  // The store's inode, under whatever name: created empty if new (SQLite takes an empty file for a
  // new database), never through a link planted at the resolved name.
  const int store_fd = ::open(resolved->c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (store_fd < 0) {
    const int err = errno;
    ::close(fd);
    return Status::Storage("cannot open store " + *resolved + " to lock it: " + std::strerror(err));
  }
  if (::flock(store_fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(store_fd);
    ::close(fd);
    if (err != EWOULDBLOCK) return Status::Storage("cannot lock store " + *resolved + ": " + std::strerror(err));
    return Status::Conflict("store " + store_path + " already has a writer under another name (a hard link to it); "
                            "one writer per account: stop it or send the request to it");
  }
  return WriterLock(fd, store_fd);
}

WriterLock::~WriterLock() {
  if (store_fd_ >= 0) ::close(store_fd_);
  if (fd_ >= 0) ::close(fd_);  // releases the flocks
}

}  // namespace keel
