#pragma once
// What JSON text keel refuses before RapidJSON sees it. RapidJSON parses, writes and frees nested
// values by recursion: one line of 400 KB of "[" overflows the stack and kills the process, so
// every parse of text that came from outside (the control socket, spool files, the exchanges'
// answers and streams, the simulator's requests, the tools' inputs) calls CheckJsonLimits first.
// The size cap keeps RapidJSON's number scanning below the 2^31 digits at which its int counters
// overflow (CVE-2024-39684, RapidJSON issue #2391): no input keel expects comes near it.

#include <cstddef>
#include <string_view>

#include "keel/model/status.h"

namespace keel {

constexpr int kMaxJsonDepth = 64;
constexpr std::size_t kMaxJsonBytes = std::size_t{1} << 30;

// OK, or kInvalidInput "<what>: JSON nested deeper than 64 levels" (or longer than 1 GiB). One pass
// over the text, no allocation: cheap enough for every stream event.
Status CheckJsonLimits(std::string_view json, std::string_view what);

}  // namespace keel
