#pragma once
// Reading one JSON object that a person or a bot wrote (a signal, a control request), field by
// field, with errors that name the field: "stop_loss.pct: expected a decimal, found true". Numbers
// are read from their text, never through a double. Every field asked for is remembered, so that
// RejectUnknown() can refuse a misspelt one.

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "keel/model/decimal.h"
#include "keel/model/status.h"

namespace keel {

class JsonFields {
 public:
  // kInvalidInput when the text is not one JSON object, nests deeper than kMaxJsonDepth, or has a
  // key twice in one object (naming it: "signal: duplicate key \"stop_loss.pct\": ..."). what names
  // the text in messages ("signal").
  static Result<JsonFields> Parse(std::string_view json, const std::string& what);

  // Each: nullopt when absent (or null); kInvalidInput naming the field when of the wrong type.
  Result<std::optional<std::string>> String(const char* name);
  // A JSON number or a string holding a decimal.
  Result<std::optional<Decimal>> Number(const char* name);
  // A whole number, as a JSON number or a string.
  Result<std::optional<std::int64_t>> Integer(const char* name);
  Result<std::optional<bool>> Bool(const char* name);
  Result<std::optional<JsonFields>> Object(const char* name);
  bool Has(const char* name) const;

  // This object as JSON text (numbers keep their digits, written as strings), to hand a nested
  // object to a reader of its own.
  std::string Text() const;

  // kInvalidInput naming the first field that was never asked for.
  Status RejectUnknown() const;
  // "stop_loss." for a nested object, "" at the top.
  const std::string& path() const { return path_; }

 private:
  struct Doc;
  JsonFields(std::shared_ptr<Doc> doc, const void* value, std::string path);
  Status WrongType(const char* name, const char* expected) const;
  const void* Find(const char* name);

  std::shared_ptr<Doc> doc_;
  const void* value_;  // the rapidjson object inside doc_
  std::string path_;
  std::set<std::string> asked_;
};

}  // namespace keel
