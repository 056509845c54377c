#include "plain_url.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace keel {
namespace {

bool IsPlainUrl(const std::string& url) { return url.rfind("http://", 0) == 0 || url.rfind("ws://", 0) == 0; }

// "user@host:port" of scheme://user@host:port/path?query; empty without a scheme.
std::string Authority(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "";
  const auto start = scheme_end + 3;
  const auto end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

bool IsLoopbackUrl(const std::string& url) {
  std::string host = Authority(url);
  if (host.find_first_of("@\\") != std::string::npos) return false;
  if (!host.empty() && host[0] == '[') {  // [::1]:8801
    const auto close = host.find(']');
    if (close == std::string::npos) return false;
    if (close + 1 < host.size() && host[close + 1] != ':') return false;
    in6_addr v6{};
    return ::inet_pton(AF_INET6, host.substr(1, close - 1).c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
  }
  host = host.substr(0, host.find(':'));
  if (Lower(host) == "localhost") return true;
  in_addr v4{};
  // inet_pton takes only the dotted quad: "127.0.0.1.example.com" and "127.1" are not addresses.
  return ::inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

void RefusePlainUrl(ConfigValidator& v, const std::string& key, const std::string& url, bool allow_insecure,
                    const std::string& allow_key, const std::string& what_travels) {
  if (!IsPlainUrl(url) || allow_insecure || IsLoopbackUrl(url)) return;
  // Named by scheme and host only: a webhook's path or user information may be its secret.
  const std::string scheme = url.substr(0, url.find("://"));
  std::string host = Authority(url);
  host = host.substr(host.find_last_of('@') == std::string::npos ? 0 : host.find_last_of('@') + 1);
  v.Problem(key, "found a plain " + scheme + ":// URL to " + host + ": " + what_travels +
                     " would cross the network unencrypted; use " + scheme + "s://, or set " + allow_key +
                     " = true to accept that");
}

}  // namespace keel
