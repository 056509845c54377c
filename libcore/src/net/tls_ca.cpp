#include "keel/net/tls_ca.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace keel::net {

Result<CaSource> CheckCaPath(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Status::InvalidInput("ca_path " + path + " cannot be read: " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return CaSource::kHashedDirectory;
  if (!S_ISREG(st.st_mode)) return Status::InvalidInput("ca_path " + path + " is neither a file nor a directory");
  X509_STORE* store = X509_STORE_new();
  if (!store) return Status::Internal("ca_path " + path + ": OpenSSL could not allocate a certificate store");
  const bool loaded = X509_STORE_load_file(store, path.c_str()) == 1;
  X509_STORE_free(store);
  ERR_clear_error();  // the reason is said below; the queue must not leak into the next TLS call
  if (!loaded) return Status::InvalidInput("ca_path " + path + " holds no PEM certificate");
  return CaSource::kBundleFile;
}

}  // namespace keel::net
