#pragma once
// An account's credentials: where they come from (an environment variable or a file), how they are
// read, and how they are held once read.

#include <memory>
#include <optional>
#include <string>

#include "keel/model/status.h"

namespace keel {

// Where a secret comes from: exactly one of an environment variable, a file, or a systemd
// credential (LoadCredential=NAME:FILE in the unit; read from $CREDENTIALS_DIRECTORY/NAME).
struct SecretSource {
  std::string key_path;  // "exchange.api_key", for messages
  std::optional<std::string> env;
  std::optional<std::string> file;
  std::optional<std::string> credential;
};

// A credential. It is never formatted: it has no operator<< and no ToString, and reveal() is meant
// for the signer only. Copies share one buffer (the daemon gives every REST worker the account's
// secret), overwritten with zeros when the last copy goes.
class Secret {
 public:
  explicit Secret(std::string value);
  const std::string& reveal() const;

 private:
  std::shared_ptr<const std::string> value_;
};

// Reads the secret from its environment variable or file. Messages name the source, never the
// value.
//  - An environment variable is removed from the environment once read, so that no process keel
//    starts inherits it: read it once and keep the Secret.
//  - A file is opened without following a symbolic link and checked on the opened descriptor: a
//    regular file, owned by the user keel runs as, with no permission for group or others. Any
//    other is refused, with the command that fixes it.
//  - A credential is a file systemd wrote for this service alone, in a directory only it can
//    read: owned by keel's user or by root (systemd grants the service user by an ACL, which
//    shows as group bits), with no permission for others.
Result<Secret> LoadSecret(const SecretSource& source);

}  // namespace keel
