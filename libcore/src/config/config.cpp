#include "keel/config/config.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>
#include <vector>

#include "config_validator.h"

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
  const bool env_present = root.at_path("exchange." + name + "_env").node() != nullptr;
  const bool file_present = root.at_path("exchange." + name + "_file").node() != nullptr;
  if (env_present && file_present) {
    v.Problem("exchange." + name + "_env", "found both " + name + "_env and " + name + "_file, expected exactly one");
  } else if (!env_present && !file_present) {
    v.Problem("exchange." + name + "_env", "missing, expected " + name + "_env (an environment variable name) or " +
                                               name + "_file (a file of mode 0600)");
  }
  return s;
}

}  // namespace

const char* to_string(ExchangeKind kind) {
  return kind == ExchangeKind::kBinanceUsdm ? "binance-usdm" : "bybit-v5";
}

Result<AccountConfig> ParseAccountConfig(std::string_view toml_text, const std::string& source,
                                         const std::string& base_dir) {
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

Status CheckSecretFileMode(const std::string& key_path, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::InvalidInput(key_path + "_file: " + path + " cannot be read");
  if (!S_ISREG(st.st_mode)) return Status::InvalidInput(key_path + "_file: " + path + " is not a regular file");
  if (st.st_mode & 077) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidInput(key_path + "_file: " + path + " is readable by group or others (mode " + mode +
                                "); refusing to use it: run chmod 600 " + path);
  }
  return Status::Ok();
}

Result<Secret> LoadSecret(const SecretSource& source) {
  if (source.env) {
    const char* value = std::getenv(source.env->c_str());
    if (!value || !*value)
      return Status::InvalidInput(source.key_path + "_env: environment variable " + *source.env + " is not set");
    return Secret(value);
  }
  if (source.file) {
    KEEL_RETURN_IF_ERROR(CheckSecretFileMode(source.key_path, *source.file));
    std::ifstream in(*source.file, std::ios::binary);
    std::string value((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return Status::InvalidInput(source.key_path + "_file: " + *source.file + " cannot be read");
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ')) value.pop_back();
    if (value.empty()) return Status::InvalidInput(source.key_path + "_file: " + *source.file + " is empty");
    return Secret(std::move(value));
  }
  return Status::InvalidInput(source.key_path + ": no source configured");
}

}  // namespace keel
