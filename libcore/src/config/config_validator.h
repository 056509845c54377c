#pragma once
// Collects every problem of one config file, one line each ("<file>: <key path>: found …, expected
// …"), so that an operator fixes them all in one pass. Shared by the account and daemon sections.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <toml++/toml.h>
#include <vector>

#include "keel/config/daemon_config.h"
#include "keel/model/decimal.h"
#include "keel/model/status.h"

namespace keel {

class ConfigValidator {
 public:
  explicit ConfigValidator(std::string source) : source_(std::move(source)) {}

  void Problem(const std::string& key, const std::string& text);

  // Each reads root's value at path ("daemon.risk.max_open_orders"); a missing optional value is
  // nullopt, a missing required one a problem; a value of the wrong type or out of range a problem.
  std::optional<std::string> String(const toml::table& root, const std::string& section, const std::string& key,
                                    bool required);
  std::optional<std::string> StringAt(const toml::table& root, const std::string& path, bool required);
  std::optional<std::int64_t> IntegerAt(const toml::table& root, const std::string& path, std::int64_t min,
                                        std::int64_t max);
  std::optional<bool> BoolAt(const toml::table& root, const std::string& path);
  // A decimal as a string ("2.5") or an integer; floats are refused (they are not exact).
  std::optional<Decimal> DecimalAt(const toml::table& root, const std::string& path);
  // One of `choices`.
  std::optional<std::string> ChoiceAt(const toml::table& root, const std::string& path,
                                      const std::vector<std::string>& choices);

  // Top-level sections and the keys of [account], [exchange], [store].
  void UnknownSections(const toml::table& root);
  // Every key of `table` (at `path`) not in `known`.
  void UnknownKeys(const toml::table& table, const std::string& path, const std::set<std::string>& known);

  Status Finish() const;

 private:
  std::string source_;
  std::vector<std::string> problems_;
};

std::string DescribeTomlNode(const toml::node& node);
// A relative path resolved against the config file's directory ("" leaves it as written).
std::string ResolveConfigPath(const std::string& base_dir, const std::string& path);

// [daemon], [daemon.risk], [daemon.risk.symbols.SYMBOL] and [[alert]]; defaults for what is absent.
DaemonConfig ParseDaemonSection(ConfigValidator& v, const toml::table& root, const std::string& store_path,
                                const std::string& base_dir);

}  // namespace keel
