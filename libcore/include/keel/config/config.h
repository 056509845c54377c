#pragma once
// One TOML file per account, read by every binary through --config FILE:
//
//   [account]
//   name = "demo"
//   [exchange]
//   kind = "binance-usdm"              # binance-usdm | bybit-v5
//   rest_url = "http://127.0.0.1:8801" # https:// and wss:// unless on loopback (127.0.0.0/8, ::1,
//   ws_url = "ws://127.0.0.1:8802"     # localhost) or allow_insecure = true
//   api_key_env = "KEEL_API_KEY"       # or api_key_file = "..." (mode 0600, the user's own)
//   api_secret_env = "KEEL_API_SECRET" # or api_secret_file = "..."
//   ca_path = "/etc/ssl/certs"         # optional: CA bundle file or hashed directory for TLS
//   [store]
//   path = "demo.db"                   # relative paths are relative to this file's directory
//
// Validation reports every problem at once, one line each: "<file>: <key path>: found ..., expected
// ...". Unknown keys are problems too (a misspelt key is a setting silently not applied).

#include <optional>
#include <string>
#include <string_view>

#include "keel/config/daemon_config.h"
#include "keel/config/secret.h"
#include "keel/model/status.h"

namespace keel {

enum class ExchangeKind { kBinanceUsdm, kBybitV5 };
const char* to_string(ExchangeKind kind);

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

// The account's API key and secret, each read once from its source (LoadSecret). The daemon
// builds all its Exchanges from one Credentials: the copies share its buffers.
struct Credentials {
  Secret api_key;
  Secret api_secret;
};
Result<Credentials> LoadCredentials(const AccountConfig& config);

}  // namespace keel
