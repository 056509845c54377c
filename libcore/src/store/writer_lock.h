#pragma once
// The one-writer-per-store lock: flock(LOCK_EX) on "<store>.lock", which also records the holder's
// pid for the error a second writer sees. The OS drops the lock when the holder dies.
//
// The lock is named from the store's real file, its symlinks resolved as SQLite resolves them:
// a link to the store and the store's own path are one store with one lock. The lock file itself
// is never followed through a symlink, and nothing in it is replaced before the lock is held.
// A hard link gives the store a second name no path resolution can see, so the store's own file
// is flock()ed too: the inode is the same under every name. (SQLite locks with fcntl(), which
// flock() neither blocks nor is blocked by.)

#include <string>

#include "keel/model/status.h"

namespace keel {

class WriterLock {
 public:
  static Result<WriterLock> Acquire(const std::string& store_path);
  WriterLock(WriterLock&& other) noexcept : fd_(other.fd_), store_fd_(other.store_fd_) {
    other.fd_ = -1;
    other.store_fd_ = -1;
  }
  WriterLock& operator=(WriterLock&&) = delete;
  WriterLock(const WriterLock&) = delete;
  ~WriterLock();

 private:
  // The store's file with every symlink resolved (the file need not exist yet: its directory
  // must); the lock is this path with ".lock".
  static Result<std::string> ResolvedStorePath(const std::string& store_path);
  WriterLock(int fd, int store_fd) : fd_(fd), store_fd_(store_fd) {}
  int fd_;
  int store_fd_;
};

}  // namespace keel
