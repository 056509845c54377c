#pragma once
// One TOML file per account, read by every binary through --config FILE:
//
//   [account]
//   name = "demo"
//   [exchange]
//   kind = "binance-usdm"              # binance-usdm | bybit-v5
//   rest_url = "http://127.0.0.1:8801"
//   ws_url = "ws://127.0.0.1:8802"
//   api_key_env = "KEEL_API_KEY"       # or api_key_file = "..." (mode 0600)
//   api_secret_env = "KEEL_API_SECRET" # or api_secret_file = "..."
//   ca_path = "/etc/ssl/certs"         # optional: CA bundle file or directory for TLS
//   [store]
//   path = "demo.db"                   # relative paths are relative to this file's directory
//
// Validation reports every problem at once, one line each: "<file>: <key path>: found ..., expected
// ...". Unknown keys are problems too (a misspelt key is a setting silently not applied).

#include <optional>
#include <string>
#include <string_view>

#include "keel/config/daemon_config.h"
#include "keel/model/status.h"

namespace keel {

enum class ExchangeKind { kBinanceUsdm, kBybitV5 };
const char* to_string(ExchangeKind kind);

// Where a secret comes from: exactly one of an environment variable or a file.
struct SecretSource {
  std::string key_path;  // "exchange.api_key", for messages
  std::optional<std::string> env;
  std::optional<std::string> file;
};

struct AccountConfig {
  std::string source;  // the file it was read from
  std::string account_name;
  ExchangeKind exchange_kind = ExchangeKind::kBinanceUsdm;
  std::string rest_url;
  std::string ws_url;
  std::optional<std::string> ca_path;
  SecretSource api_key;
  SecretSource api_secret;
  std::string store_path;  // absolute, or relative to the working directory when read from text
  DaemonConfig daemon;     // [daemon] and [[alert]]: keel-traderd's settings, defaults when absent
};

// 1-32 letters, digits, '-' or '_': an account name is used in file names and client order ids.
bool is_valid_account_name(std::string_view name);

// Parses and validates. source names the text in messages; relative paths resolve against base_dir
// (empty: left as written).
Result<AccountConfig> ParseAccountConfig(std::string_view toml_text, const std::string& source,
                                         const std::string& base_dir);
Result<AccountConfig> LoadAccountConfig(const std::string& path);

// A credential. It is never formatted: it has no operator<< and no ToString, and reveal() is meant
// for the signer only.
class Secret {
 public:
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }

 private:
  std::string value_;
};

// Reads the secret from its environment variable or file. A file readable by group or others is
// refused, with the chmod that fixes it. Messages name the source, never the value.
Result<Secret> LoadSecret(const SecretSource& source);
// OK when path is a regular file with no group/other permission bits.
Status CheckSecretFileMode(const std::string& key_path, const std::string& path);

}  // namespace keel
