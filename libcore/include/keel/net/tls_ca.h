#pragma once
// The CA certificates an account's ca_path names, checked before a connection relies on them. A
// path that does not exist, or a file with no certificate in it, would otherwise surface only as
// every handshake failing with a vague TLS error, or, where a library quietly keeps its defaults,
// not at all.

#include <string>

#include "keel/model/status.h"

namespace keel::net {

enum class CaSource {
  kBundleFile,       // PEM certificates in one file
  kHashedDirectory,  // a directory of certificates named by subject hash (c_rehash, /etc/ssl/certs)
};

// kBundleFile when path is a file holding at least one PEM certificate, kHashedDirectory when it
// is a directory; otherwise an InvalidInput naming the path and what is wrong with it.
Result<CaSource> CheckCaPath(const std::string& path);

}  // namespace keel::net
