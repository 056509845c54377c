#include "keel/config/config.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>
#include <vector>

#include "config_validator.h"
#include "keel/config/toml_limits.h"
#include "plain_url.h"

namespace keel {

bool is_valid_account_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return false;
  return true;
}

namespace {

bool has_scheme(const std::string& url, std::initializer_list<const char*> schemes) {
  for (const char* s : schemes) {
    const std::string prefix = std::string(s) + "://";
    if (url.rfind(prefix, 0) == 0 && url.size() > prefix.size()) return true;
  }
  return false;
}

SecretSource secret_source(ConfigValidator& v, const toml::table& root, const std::string& name) {
  SecretSource s;
  s.key_path = "exchange." + name;
  s.env = v.String(root, "exchange", name + "_env", false);
  s.file = v.String(root, "exchange", name + "_file", false);
  s.credential = v.String(root, "exchange", name + "_credential", false);
  const int present = (root.at_path("exchange." + name + "_env").node() != nullptr) +
                      (root.at_path("exchange." + name + "_file").node() != nullptr) +
                      (root.at_path("exchange." + name + "_credential").node() != nullptr);
  if (present > 1) {
    v.Problem("exchange." + name + "_env", "found more than one of " + name + "_env, " + name + "_file and " + name +
                                               "_credential, expected exactly one");
  } else if (present == 0) {
    v.Problem("exchange." + name + "_env", "missing, expected " + name + "_env (an environment variable name), " +
                                               name + "_file (a file of mode 0600) or " + name +
                                               "_credential (a systemd credential's name)");
  }
  return s;
}

}  // namespace

const char* to_string(ExchangeKind kind) {
  return kind == ExchangeKind::kBinanceUsdm ? "binance-usdm" : "bybit-v5";
}

Result<AccountConfig> ParseAccountConfig(std::string_view toml_text, const std::string& source,
                                         const std::string& base_dir) {
  KEEL_RETURN_IF_ERROR(CheckTomlLimits(toml_text, source));
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Status::InvalidInput(source + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) +
                                ": TOML syntax error: " + std::string(e.description()));
  }
  ConfigValidator v(source);
  v.UnknownSections(root);
  AccountConfig c;
  c.source = source;
  if (auto name = v.String(root, "account", "name", true)) {
    if (!is_valid_account_name(*name)) {
      v.Problem("account.name", "found \"" + *name + "\", expected 1-32 characters of letters, digits, '-' or '_'");
    }
    c.account_name = *name;
  }
  if (auto kind = v.String(root, "exchange", "kind", true)) {
    if (*kind == "binance-usdm") c.exchange_kind = ExchangeKind::kBinanceUsdm;
    else if (*kind == "bybit-v5") c.exchange_kind = ExchangeKind::kBybitV5;
    else v.Problem("exchange.kind", "found \"" + *kind + "\", expected binance-usdm or bybit-v5");
  }
  if (auto url = v.String(root, "exchange", "rest_url", true)) {
    if (!has_scheme(*url, {"http", "https"}))
      v.Problem("exchange.rest_url", "found \"" + *url + "\", expected an http:// or https:// URL");
    c.rest_url = *url;
  }
  if (auto url = v.String(root, "exchange", "ws_url", true)) {
    if (!has_scheme(*url, {"ws", "wss"}))
      v.Problem("exchange.ws_url", "found \"" + *url + "\", expected a ws:// or wss:// URL");
    c.ws_url = *url;
  }
  const bool allow_insecure = v.BoolAt(root, "exchange.allow_insecure").value_or(false);
  RefusePlainUrl(v, "exchange.rest_url", c.rest_url, allow_insecure, "exchange.allow_insecure",
                 "the API key and every signed request");
  RefusePlainUrl(v, "exchange.ws_url", c.ws_url, allow_insecure, "exchange.allow_insecure",
                 "the stream's credentials and the account's orders and positions");
  if (auto ca = v.String(root, "exchange", "ca_path", false)) c.ca_path = ResolveConfigPath(base_dir, *ca);
  c.api_key = secret_source(v, root, "api_key");
  c.api_secret = secret_source(v, root, "api_secret");
  if (c.api_key.file) c.api_key.file = ResolveConfigPath(base_dir, *c.api_key.file);
  if (c.api_secret.file) c.api_secret.file = ResolveConfigPath(base_dir, *c.api_secret.file);
  if (auto path = v.String(root, "store", "path", true)) c.store_path = ResolveConfigPath(base_dir, *path);
  c.daemon = ParseDaemonSection(v, root, c.store_path, base_dir);
  KEEL_RETURN_IF_ERROR(v.Finish());
  return c;
}

Result<AccountConfig> LoadAccountConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidInput("config file " + path + " cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  const auto slash = path.find_last_of('/');
  const std::string base_dir = slash == std::string::npos ? std::string(".") : path.substr(0, slash == 0 ? 1 : slash);
  return ParseAccountConfig(text.str(), path, base_dir);
}

Result<Credentials> LoadCredentials(const AccountConfig& config) {
  auto key = LoadSecret(config.api_key);
  if (!key.ok()) return key.status().WithContext(config.source);
  auto secret = LoadSecret(config.api_secret);
  if (!secret.ok()) return secret.status().WithContext(config.source);
  return Credentials{std::move(key).value(), std::move(secret).value()};
}

}  // namespace keel
