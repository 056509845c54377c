#pragma once
// One table per enum maps each value to its single canonical spelling. Parsing is exact and strict:
// an empty or unknown string is an error naming what was expected. There is no "unknown" value to
// fall back on (seed 001 doubled a position by defaulting a missing side).

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "keel/model/status.h"

namespace keel::detail {

template <typename E, std::size_t N>
using EnumNames = std::array<std::pair<E, const char*>, N>;

template <typename E, std::size_t N>
const char* enum_name(const EnumNames<E, N>& names, E value) {
  for (const auto& [v, name] : names)
    if (v == value) return name;
  return "?";
}

template <typename E, std::size_t N>
Result<E> parse_enum(const EnumNames<E, N>& names, std::string_view text, const char* what) {
  for (const auto& [v, name] : names)
    if (text == name) return v;
  std::string expected;
  for (const auto& entry : names) {
    if (!expected.empty()) expected += '|';
    expected += entry.second;
  }
  std::string shown = text.empty() ? std::string("empty string") : "'" + std::string(text.substr(0, 40)) + "'";
  return Status::InvalidInput(std::string(what) + ": got " + shown + ", expected " + expected);
}

}  // namespace keel::detail
