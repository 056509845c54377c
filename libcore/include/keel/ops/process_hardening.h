#pragma once
// What every keel binary sets first thing in main, before it reads a key or creates a file:
//   umask 077      the store, its -wal and -shm, its lock, spool replies and exports are the
//                  owner's alone (under the usual 022 they were born world-readable);
//   not dumpable   no core dump holds the API secret, and another process of the same user cannot
//                  ptrace keel or read its /proc/PID/mem or environ.

#include "keel/model/status.h"

namespace keel::ops {

Status HardenProcess();

// For main: HardenProcess, or false after "<program>: why" on stderr (the program then exits 2
// without reading anything).
bool StartHardened(const char* program);

}  // namespace keel::ops
