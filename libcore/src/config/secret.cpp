#include "keel/config/secret.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace keel {
namespace {

// Far above any API key or secret; a path that names something this large names the wrong file.
constexpr off_t kMaxSecretFileBytes = 64 * 1024;

// Overwrites every byte the string holds, up to its capacity: what a move or a pop_back left behind
// too.
void Wipe(std::string& s) {
  s.resize(s.capacity());
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

// Closes the descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Checked on the descriptor that is then read, so that the file checked is the file read. Its size
// when it passes.
enum class SecretFileKind { kKeyFile, kCredential };

Result<std::size_t> CheckSecretFile(const std::string& what, const std::string& path, int fd, SecretFileKind kind) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::InvalidInput(what + " cannot be read: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::InvalidInput(what + " is not a regular file");
  const uid_t euid = ::geteuid();
  const bool credential = kind == SecretFileKind::kCredential;
  if (st.st_uid != euid && !(credential && st.st_uid == 0))
    return Status::InvalidInput(what + " is owned by uid " + std::to_string(st.st_uid) + ", not by uid " +
                                std::to_string(euid) + " that keel runs as; refusing to use it: run chown " +
                                std::to_string(euid) + " " + path);
  if (st.st_mode & (credential ? 007 : 077)) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidInput(what + " is readable by group or others (mode " + mode +
                                "); refusing to use it: run chmod 600 " + path);
  }
  if (st.st_size > kMaxSecretFileBytes)
    return Status::InvalidInput(what + " is " + std::to_string(st.st_size) + " bytes, more than a key or secret (at most " +
                                std::to_string(kMaxSecretFileBytes) + ")");
  return static_cast<std::size_t>(st.st_size);
}

Result<Secret> ReadSecretFile(const std::string& what, const std::string& path, SecretFileKind kind) {
  // O_NONBLOCK: a FIFO at the path must be refused below, not block the open.
  Fd file{::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)};
  if (file.fd < 0) {
    if (errno == ELOOP)
      return Status::InvalidInput(what + " is a symbolic link; refusing to follow it: name the file itself");
    return Status::InvalidInput(what + " cannot be read: " + std::strerror(errno));
  }
  auto size = CheckSecretFile(what, path, file.fd, kind);
  if (!size.ok()) return size.status();
  // One buffer of the file's size, never grown: growing would leave copies behind in freed memory.
  std::string value(*size, '\0');
  std::size_t got = 0;
  while (got < value.size()) {
    const ssize_t n = ::read(file.fd, value.data() + got, value.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      Wipe(value);
      return Status::InvalidInput(what + " cannot be read: " + std::strerror(error));
    }
    if (n == 0) break;  // shorter than it was a moment ago
    got += static_cast<std::size_t>(n);
  }
  value.resize(got);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ')) value.pop_back();
  if (value.empty()) return Status::InvalidInput(what + " is empty");
  return Secret(std::move(value));
}

}  // namespace

Secret::Secret(std::string value)
    : value_(new std::string(std::move(value)), [](std::string* s) {
        Wipe(*s);
        delete s;
      }) {
  Wipe(value);  // a short string is copied, not moved: its bytes stay in the argument
}

const std::string& Secret::reveal() const {
  static const std::string kNone;
  return value_ ? *value_ : kNone;
}

Result<Secret> LoadSecret(const SecretSource& source) {
  if (source.env) {
    const char* value = std::getenv(source.env->c_str());
    if (!value || !*value)
      return Status::InvalidInput(source.key_path + "_env: environment variable " + *source.env + " is not set");
    Secret secret{std::string(value)};
    // Gone from the environment once read: a command keel starts (an exec alert) inherits it no more.
    // unsetenv alone drops only the pointer; the text stays where exec put it, and /proc/PID/environ
    // (readable by the same user and root) shows that memory: overwrite it first.
    OPENSSL_cleanse(const_cast<char*>(value), std::strlen(value));
    ::unsetenv(source.env->c_str());
    return secret;
  }
  if (source.file) return ReadSecretFile(source.key_path + "_file: " + *source.file, *source.file, SecretFileKind::kKeyFile);
  if (source.credential) {
    const std::string what = source.key_path + "_credential: " + *source.credential;
    if (source.credential->empty() || source.credential->find('/') != std::string::npos || *source.credential == "." ||
        *source.credential == "..")
      return Status::InvalidInput(what + ": expected a credential's name, as in LoadCredential=NAME:FILE");
    const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
    if (!dir || !*dir)
      return Status::InvalidInput(what + ": $CREDENTIALS_DIRECTORY is not set: run keel under systemd with LoadCredential=" +
                                  *source.credential + ":FILE (packaging/systemd/keel-traderd@.service)");
    const std::string path = std::string(dir) + "/" + *source.credential;
    return ReadSecretFile(what + " (" + path + ")", path, SecretFileKind::kCredential);
  }
  return Status::InvalidInput(source.key_path + ": no source configured");
}

}  // namespace keel
