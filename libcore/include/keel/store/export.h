#pragma once
// The whole store as one JSON document, written atomically: a temporary file beside the target,
// fsync, rename, fsync of the directory. A reader of the target sees the old file or the new one,
// never a half-written one.

#include <string>

#include "keel/store/state_store.h"

namespace keel {

Result<std::string> ExportStoreJson(StateStore& store, TimeMs exported_ms);
Status ExportStoreToFile(StateStore& store, const std::string& path, TimeMs exported_ms);
// The atomic write itself, for any content.
Status WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace keel
