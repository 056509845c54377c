#pragma once
// Symbols are UTF-8: Binance lists TRADING perpetuals named in Chinese characters (e.g.
// "币安人生USDT"). Validation, and the width a terminal gives a string, for aligned tables.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace keel {

// Well-formed UTF-8: no stray continuation bytes, no overlong forms, no surrogates, <= U+10FFFF.
bool is_valid_utf8(std::string_view text);

// The length in bytes of the well-formed UTF-8 character at text[i], and its code point; 0 when
// the bytes there are not one.
std::size_t utf8_char_at(std::string_view text, std::size_t i, std::uint32_t& code_point);

// Terminal columns: East Asian wide and fullwidth characters take two, combining marks none,
// everything else one. Invalid bytes count one each.
std::size_t display_width(std::string_view text);

}  // namespace keel
