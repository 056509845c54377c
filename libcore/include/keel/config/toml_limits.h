#pragma once
// What TOML text keel refuses before toml++ sees it. toml++ 3.3 caps arrays and inline tables at 256
// levels, but not dotted keys: `a.a.a…` with 100,000 parts builds 100,000 nested tables and frees
// them by recursion, which overflows the stack (a segfault, not an error) on every start that reads
// the file. keel's deepest key has five parts (daemon.risk.symbols.BTCUSDT.max_open_orders), so a
// key of more than 32 parts, or brackets nested more than 32 deep, is refused with its line: the
// deepest table such a file can build is a few thousand levels, well within any stack.

#include <cstddef>
#include <string>
#include <string_view>

#include "keel/model/status.h"

namespace keel {

constexpr int kMaxTomlKeyParts = 32;
constexpr int kMaxTomlNesting = 32;
constexpr std::size_t kMaxTomlBytes = std::size_t{4} << 20;

// OK, or kInvalidInput "<source>:<line>: <why>". One pass that knows TOML's strings and comments,
// so dots and brackets inside them do not count.
Status CheckTomlLimits(std::string_view text, const std::string& source);

}  // namespace keel
