#pragma once
// HMAC-SHA256 as Binance signs requests: lowercase hex of the MAC of the payload under the secret.

#include <string>
#include <string_view>

namespace keel::net {

std::string hmac_sha256_hex(std::string_view key, std::string_view payload);
// Constant-time comparison, case-insensitive for hex digits (Binance accepts either case).
bool signatures_equal(std::string_view a, std::string_view b);

}  // namespace keel::net
