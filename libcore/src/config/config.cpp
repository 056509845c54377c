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

namespace keel {
namespace {

// The keys each section accepts; anything else is reported.
const std::map<std::string, std::set<std::string>>& known_keys() {
  static const std::map<std::string, std::set<std::string>> keys{
      {"account", {"name"}},
      {"exchange",
       {"kind", "rest_url", "ws_url", "api_key_env", "api_key_file", "api_secret_env", "api_secret_file", "ca_path"}},
      {"store", {"path"}},
  };
  return keys;
}

std::string describe(const toml::node& node) {
  std::ostringstream out;
  switch (node.type()) {
    case toml::node_type::string: out << "string \"" << *node.as_string() << '"'; break;
    case toml::node_type::integer: out << "integer " << *node.as_integer(); break;
    case toml::node_type::floating_point: out << "float " << *node.as_floating_point(); break;
    case toml::node_type::boolean: out << "boolean " << (*node.as_boolean() ? "true" : "false"); break;
    case toml::node_type::table: out << "a table"; break;
    case toml::node_type::array: out << "an array"; break;
    default: out << "a date/time"; break;
  }
  return out.str();
}

class Validator {
 public:
  explicit Validator(std::string source) : source_(std::move(source)) {}

  void Problem(const std::string& key, const std::string& text) { problems_.push_back(source_ + ": " + key + ": " + text); }

  // A string value; "missing" is reported when required.
  std::optional<std::string> String(const toml::table& root, const std::string& section, const std::string& key,
                                    bool required) {
    const std::string path = section + "." + key;
    const toml::node* node = root.at_path(path).node();
    if (!node) {
      if (required) Problem(path, "missing, expected a string");
      return std::nullopt;
    }
    if (!node->is_string()) {
      Problem(path, "found " + describe(*node) + ", expected a string");
      return std::nullopt;
    }
    std::string value = **node->as_string();
    if (value.empty()) {
      Problem(path, "found an empty string, expected a value");
      return std::nullopt;
    }
    return value;
  }

  void UnknownKeys(const toml::table& root) {
    for (const auto& [key, node] : root) {
      const std::string name(key.str());
      auto section = known_keys().find(name);
      if (section == known_keys().end()) {
        Problem(name, "unknown section or key, expected one of [account], [exchange], [store]");
        continue;
      }
      if (!node.is_table()) {
        Problem(name, "found " + describe(node) + ", expected a table [" + name + "]");
        continue;
      }
      for (const auto& [sub, sub_node] : *node.as_table()) {
        (void)sub_node;
        if (!section->second.count(std::string(sub.str()))) {
          std::string expected;
          for (const auto& k : section->second) expected += (expected.empty() ? "" : ", ") + k;
          Problem(name + "." + std::string(sub.str()), "unknown key, expected one of " + expected);
        }
      }
    }
  }

  Status Finish() const {
    if (problems_.empty()) return Status::Ok();
    std::string message;
    for (const auto& p : problems_) message += (message.empty() ? "" : "\n") + p;
    return Status::InvalidInput(message);
  }

 private:
  std::string source_;
  std::vector<std::string> problems_;
};

}  // namespace

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

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (base_dir.empty() || path.empty() || path[0] == '/') return path;
  return base_dir + "/" + path;
}

SecretSource secret_source(Validator& v, const toml::table& root, const std::string& name) {
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
  Validator v(source);
  v.UnknownKeys(root);
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
  if (auto ca = v.String(root, "exchange", "ca_path", false)) c.ca_path = resolve(base_dir, *ca);
  c.api_key = secret_source(v, root, "api_key");
  c.api_secret = secret_source(v, root, "api_secret");
  if (c.api_key.file) c.api_key.file = resolve(base_dir, *c.api_key.file);
  if (c.api_secret.file) c.api_secret.file = resolve(base_dir, *c.api_secret.file);
  if (auto path = v.String(root, "store", "path", true)) c.store_path = resolve(base_dir, *path);
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
