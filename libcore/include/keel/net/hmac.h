#pragma once
// HMAC-SHA256 as Binance signs requests: lowercase hex of the MAC of the payload under the secret.

#include <memory>
#include <string>
#include <string_view>

namespace keel::net {

// HMAC-SHA256 under one key, with the keyed inner and outer digest states computed once, so that
// signing a request costs two short digests and no key setup.
class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;
  std::string Hex(std::string_view payload) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string hmac_sha256_hex(std::string_view key, std::string_view payload);
// Constant-time comparison, case-insensitive for hex digits (Binance accepts either case).
bool signatures_equal(std::string_view a, std::string_view b);

}  // namespace keel::net
