#include "keel/net/hmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace keel::net {

struct HmacSha256::Impl {
  EVP_MD_CTX* inner = nullptr;  // SHA-256 state after (key ^ ipad)
  EVP_MD_CTX* outer = nullptr;  // SHA-256 state after (key ^ opad)
  EVP_MD_CTX* work = nullptr;
};

HmacSha256::HmacSha256(std::string_view key) : impl_(std::make_unique<Impl>()) {
  unsigned char block[64] = {};
  if (key.size() > sizeof(block)) {
    unsigned int n = 0;
    EVP_Digest(key.data(), key.size(), block, &n, EVP_sha256(), nullptr);
  } else {
    std::copy(key.begin(), key.end(), block);
  }
  unsigned char ipad[64], opad[64];
  for (int i = 0; i < 64; ++i) {
    ipad[i] = static_cast<unsigned char>(block[i] ^ 0x36);
    opad[i] = static_cast<unsigned char>(block[i] ^ 0x5c);
  }
  impl_->inner = EVP_MD_CTX_new();
  impl_->outer = EVP_MD_CTX_new();
  impl_->work = EVP_MD_CTX_new();
  EVP_DigestInit_ex(impl_->inner, EVP_sha256(), nullptr);
  EVP_DigestUpdate(impl_->inner, ipad, sizeof(ipad));
  EVP_DigestInit_ex(impl_->outer, EVP_sha256(), nullptr);
  EVP_DigestUpdate(impl_->outer, opad, sizeof(opad));
  // Neither the key nor the pads made from it may stay behind on the stack.
  OPENSSL_cleanse(block, sizeof(block));
  OPENSSL_cleanse(ipad, sizeof(ipad));
  OPENSSL_cleanse(opad, sizeof(opad));
}

HmacSha256::~HmacSha256() {
  EVP_MD_CTX_free(impl_->inner);
  EVP_MD_CTX_free(impl_->outer);
  EVP_MD_CTX_free(impl_->work);
}

std::string HmacSha256::Hex(std::string_view payload) const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_MD_CTX_copy_ex(impl_->work, impl_->inner);
  EVP_DigestUpdate(impl_->work, payload.data(), payload.size());
  EVP_DigestFinal_ex(impl_->work, digest, &n);
  EVP_MD_CTX_copy_ex(impl_->work, impl_->outer);
  EVP_DigestUpdate(impl_->work, digest, n);
  EVP_DigestFinal_ex(impl_->work, digest, &n);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(n) * 2, '0');
  for (unsigned int i = 0; i < n; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view payload) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(payload.data()),
       payload.size(), mac, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(length) * 2, '0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = kHex[mac[i] >> 4];
    out[2 * i + 1] = kHex[mac[i] & 15];
  }
  return out;
}

bool signatures_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); };
    diff |= static_cast<unsigned char>(lower(a[i]) ^ lower(b[i]));
  }
  return diff == 0;
}

}  // namespace keel::net
