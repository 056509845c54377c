#pragma once
// The one-writer-per-store lock: flock(LOCK_EX) on "<store>.lock", which also records the holder's
// pid for the error a second writer sees. The OS drops the lock when the holder dies.

#include <string>

#include "keel/model/status.h"

namespace keel {

class WriterLock {
 public:
  static Result<WriterLock> Acquire(const std::string& store_path);
  WriterLock(WriterLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  WriterLock& operator=(WriterLock&&) = delete;
  WriterLock(const WriterLock&) = delete;
  ~WriterLock();

 private:
  explicit WriterLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace keel
