#pragma once
// A small streaming JSON writer so that keel's public headers need no JSON library. Decimals are
// written as strings ("25000.1"), as exchanges send them, so that no reader turns them into floats.
// Not thread-safe; one writer per document.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "keel/model/decimal.h"

namespace keel {

class JsonWriter {
 public:
  explicit JsonWriter(bool pretty = false);
  ~JsonWriter();
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& StartObject();
  JsonWriter& EndObject();
  JsonWriter& StartArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& String(const std::string& value) { return String(std::string_view(value)); }
  JsonWriter& String(const char* value) { return String(std::string_view(value)); }
  JsonWriter& Int(std::int64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  JsonWriter& Number(Decimal value) { return String(value.ToString()); }
  // Writes a string or null; writes a number-as-string or null.
  JsonWriter& String(const std::optional<std::string>& value);
  JsonWriter& Number(const std::optional<Decimal>& value);
  JsonWriter& Int(const std::optional<std::int64_t>& value);
  // Inserts an already serialized JSON value verbatim (e.g. a stored journal payload).
  JsonWriter& Raw(std::string_view json);

  // The document so far; call once the outermost value is closed.
  std::string str() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when text is one well-formed JSON value within CheckJsonLimits (keel/model/json_limits.h).
bool is_valid_json(std::string_view text);

}  // namespace keel
