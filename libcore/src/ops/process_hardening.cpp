#include "keel/ops/process_hardening.h"

#include <sys/prctl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <iostream>

namespace keel::ops {

Status HardenProcess() {
  ::umask(077);
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    return Status::Internal(std::string("cannot turn core dumps off (prctl PR_SET_DUMPABLE): ") + std::strerror(errno));
  return Status::Ok();
}

bool StartHardened(const char* program) {
  const Status hardened = HardenProcess();
  if (!hardened.ok()) std::cerr << program << ": " << hardened.message() << "\n";
  return hardened.ok();
}

}  // namespace keel::ops
