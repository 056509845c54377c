#pragma once
// One libcurl handle made to trust what an account's ca_path names, for every keel client that speaks
// HTTPS through libcurl (the exchange's REST, the alert webhooks): peer and host name verified, a
// bundle file as CURLOPT_CAINFO, a hashed directory as CURLOPT_CAPATH with the built-in bundle off
// (it would trust more than ca_path says). A directory handed to CAINFO fails every handshake.

#include <optional>
#include <string>

#include "keel/net/tls_ca.h"

namespace keel::net {

struct CaPath {
  std::string path;
  CaSource source = CaSource::kBundleFile;
};

// The checked ca_path (CheckCaPath's errors), or nullopt for the system's CAs.
Result<std::optional<CaPath>> ResolveCaPath(const std::optional<std::string>& ca_path);

// curl is a CURL*; kept void* so that this header does not pull in curl.h.
void ApplyCaPath(void* curl, const std::optional<CaPath>& ca);

}  // namespace keel::net
