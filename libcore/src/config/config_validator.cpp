#include "config_validator.h"

#include <map>
#include <sstream>

#include "keel/model/log_text.h"

namespace keel {
namespace {

// The keys of the flat sections; [daemon] and [[alert]] are checked by their own parser.
const std::map<std::string, std::set<std::string>>& flat_sections() {
  static const std::map<std::string, std::set<std::string>> keys{
      {"account", {"name"}},
      {"exchange",
       {"kind", "rest_url", "ws_url", "allow_insecure", "api_key_env", "api_key_file", "api_key_credential",
        "api_secret_env", "api_secret_file", "api_secret_credential", "ca_path"}},
      {"store", {"path"}},
  };
  return keys;
}

}  // namespace

std::string DescribeTomlNode(const toml::node& node) {
  std::ostringstream out;
  switch (node.type()) {
    case toml::node_type::string: out << "string \"" << node.as_string()->get() << '"'; break;
    case toml::node_type::integer: out << "integer " << *node.as_integer(); break;
    case toml::node_type::floating_point: out << "float " << *node.as_floating_point(); break;
    case toml::node_type::boolean: out << "boolean " << (*node.as_boolean() ? "true" : "false"); break;
    case toml::node_type::table: out << "a table"; break;
    case toml::node_type::array: out << "an array"; break;
    default: out << "a date/time"; break;
  }
  return out.str();
}

std::string ResolveConfigPath(const std::string& base_dir, const std::string& path) {
  if (base_dir.empty() || path.empty() || path[0] == '/') return path;
  return base_dir + "/" + path;
}

void ConfigValidator::Problem(const std::string& key, const std::string& text) {
  // A value quoted back from the file is printed on the operator's terminal: escaped.
  problems_.push_back(source_ + ": " + LogText(key) + ": " + LogText(text));
}

std::optional<std::string> ConfigValidator::String(const toml::table& root, const std::string& section,
                                                   const std::string& key, bool required) {
  return StringAt(root, section + "." + key, required);
}

std::optional<std::string> ConfigValidator::StringAt(const toml::table& root, const std::string& path, bool required) {
  const toml::node* node = root.at_path(path).node();
  if (!node) {
    if (required) Problem(path, "missing, expected a string");
    return std::nullopt;
  }
  if (!node->is_string()) {
    Problem(path, "found " + DescribeTomlNode(*node) + ", expected a string");
    return std::nullopt;
  }
  std::string value = **node->as_string();
  if (value.empty()) {
    Problem(path, "found an empty string, expected a value");
    return std::nullopt;
  }
  return value;
}

std::optional<std::int64_t> ConfigValidator::IntegerAt(const toml::table& root, const std::string& path,
                                                       std::int64_t min, std::int64_t max) {
  const toml::node* node = root.at_path(path).node();
  if (!node) return std::nullopt;
  const std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!node->is_integer()) {
    Problem(path, "found " + DescribeTomlNode(*node) + ", expected " + range);
    return std::nullopt;
  }
  const std::int64_t v = **node->as_integer();
  if (v < min || v > max) {
    Problem(path, "found " + std::to_string(v) + ", expected " + range);
    return std::nullopt;
  }
  return v;
}

std::optional<bool> ConfigValidator::BoolAt(const toml::table& root, const std::string& path) {
  const toml::node* node = root.at_path(path).node();
  if (!node) return std::nullopt;
  if (!node->is_boolean()) {
    Problem(path, "found " + DescribeTomlNode(*node) + ", expected true or false");
    return std::nullopt;
  }
  return **node->as_boolean();
}

std::optional<Decimal> ConfigValidator::DecimalAt(const toml::table& root, const std::string& path) {
  const toml::node* node = root.at_path(path).node();
  if (!node) return std::nullopt;
  std::optional<Decimal> value;
  if (node->is_integer()) {
    auto d = Decimal::FromInteger(**node->as_integer());
    if (d.ok()) value = *d;
  } else if (node->is_string()) {
    auto d = Decimal::Parse(**node->as_string());
    if (d.ok()) value = *d;
  }
  if (!value) Problem(path, "found " + DescribeTomlNode(*node) + ", expected a decimal as a string (\"2.5\")");
  return value;
}

std::optional<std::string> ConfigValidator::ChoiceAt(const toml::table& root, const std::string& path,
                                                     const std::vector<std::string>& choices) {
  auto value = StringAt(root, path, false);
  if (!value) return std::nullopt;
  for (const auto& c : choices)
    if (*value == c) return value;
  std::string expected;
  for (std::size_t i = 0; i < choices.size(); ++i)
    expected += (i == 0 ? "" : (i + 1 == choices.size() ? " or " : ", ")) + choices[i];
  Problem(path, "found \"" + *value + "\", expected " + expected);
  return std::nullopt;
}

void ConfigValidator::UnknownKeys(const toml::table& table, const std::string& path, const std::set<std::string>& known) {
  for (const auto& [key, node] : table) {
    (void)node;
    const std::string name(key.str());
    if (known.count(name)) continue;
    std::string expected;
    for (const auto& k : known) expected += (expected.empty() ? "" : ", ") + k;
    Problem(path + "." + name, "unknown key, expected one of " + expected);
  }
}

void ConfigValidator::UnknownSections(const toml::table& root) {
  for (const auto& [key, node] : root) {
    const std::string name(key.str());
    if (name == "daemon" || name == "alert" || name == "strategy") continue;  // ParseDaemonSection checks them
    auto section = flat_sections().find(name);
    if (section == flat_sections().end()) {
      Problem(name, "unknown section or key, expected one of [account], [exchange], [store], [daemon], [[alert]], [[strategy]]");
      continue;
    }
    if (!node.is_table()) {
      Problem(name, "found " + DescribeTomlNode(node) + ", expected a table [" + name + "]");
      continue;
    }
    UnknownKeys(*node.as_table(), name, section->second);
  }
}

Status ConfigValidator::Finish() const {
  if (problems_.empty()) return Status::Ok();
  std::string message;
  for (const auto& p : problems_) message += (message.empty() ? "" : "\n") + p;
  return Status::InvalidInput(message);
}

}  // namespace keel
