#pragma once
// application/x-www-form-urlencoded parameters, as Binance reads them from the query string and
// the body. Parsing keeps the order and the raw bytes: signatures are checked over what was sent,
// never over a re-encoding.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keel/model/status.h"

namespace keel::net {

class Params {
 public:
  // Parses "a=1&b=x%20y"; '+' decodes to a space. A malformed escape is an error.
  static Result<Params> Parse(std::string_view raw);
  // Binance rule: when a name appears in both, the query string wins.
  static Params Merge(const Params& query, const Params& body);

  // The first value of name, or nullopt.
  std::optional<std::string> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  void Add(std::string name, std::string value) { entries_.emplace_back(std::move(name), std::move(value)); }

  // Encodes as name=value&... with RFC 3986 unreserved characters left as they are.
  std::string Encode() const;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

Result<std::string> percent_decode(std::string_view text);
std::string percent_encode(std::string_view text);

}  // namespace keel::net
