#include "keel/net/curl_ca.h"

#include <curl/curl.h>

namespace keel::net {

Result<std::optional<CaPath>> ResolveCaPath(const std::optional<std::string>& ca_path) {
  if (!ca_path) return std::optional<CaPath>();
  auto source = CheckCaPath(*ca_path);
  if (!source.ok()) return source.status();
  return std::optional<CaPath>(CaPath{*ca_path, *source});
}

void ApplyCaPath(void* handle, const std::optional<CaPath>& ca) {
  CURL* curl = static_cast<CURL*>(handle);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!ca) return;
  if (ca->source == CaSource::kBundleFile) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, ca->path.c_str());
  } else {
    curl_easy_setopt(curl, CURLOPT_CAINFO, static_cast<const char*>(nullptr));
    curl_easy_setopt(curl, CURLOPT_CAPATH, ca->path.c_str());
  }
}

}  // namespace keel::net
