// The limits every parse of outside JSON passes first (nesting depth, size), and what JsonFields
// refuses on top: a key twice in one object.
#include <doctest/doctest.h>
#include <sys/mman.h>

#include <string>

#include "keel/engine/signal.h"
#include "keel/model/json_fields.h"
#include "keel/model/json_limits.h"
#include "keel/model/json_writer.h"

using namespace keel;

namespace {

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }
const std::string kDeepLine(400'000, '[');  // the reproduction: one 400 KB line of "["

}  // namespace

TEST_CASE("json limits: 64 levels pass, the 65th is refused naming the text; brackets in strings do not count") {
  CHECK(CheckJsonLimits(Nested(64), "request").ok());
  const Status deep = CheckJsonLimits(Nested(65), "request");
  CHECK(deep.IsInvalidInput());
  CHECK(deep.message() == "request: JSON nested deeper than 64 levels");
  CHECK(CheckJsonLimits(kDeepLine, "request").message() == "request: JSON nested deeper than 64 levels");
  // Objects count as arrays do, and closed levels give their depth back.
  std::string objects;
  for (int i = 0; i < 65; ++i) objects += R"({"a":)";
  CHECK(!CheckJsonLimits(objects, "x").ok());
  std::string siblings;
  for (int i = 0; i < 1000; ++i) siblings += Nested(64);
  CHECK(CheckJsonLimits(siblings, "x").ok());
  // Inside a string, "[" is text, and an escaped quote does not end the string.
  const std::string in_string = R"({"note":")" + std::string(100, '[') + R"(\"" + std::string(100, '{') + R"("})";
  CHECK(CheckJsonLimits(in_string, "x").ok());
  const std::string after_string = R"(["\\")" + std::string(70, '[');
  CHECK(!CheckJsonLimits(after_string, "x").ok());
}

TEST_CASE("json limits: text longer than 1 GiB is refused unread (RapidJSON's number counters overflow past 2^31 digits)") {
  // Untouched anonymous pages: the check refuses on the length and never reads them.
  const std::size_t size = kMaxJsonBytes + 1;
  void* pages = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  REQUIRE(pages != MAP_FAILED);
  const Status big = CheckJsonLimits(std::string_view(static_cast<const char*>(pages), size), "body");
  CHECK(big.message() == "body: JSON text of 1073741825 bytes, longer than the 1073741824 keel reads");
  ::munmap(pages, size);
}

TEST_CASE("JsonFields: deep input is refused before parsing (control requests, spool files, forwarded options)") {
  auto deep = JsonFields::Parse(kDeepLine, "request");
  REQUIRE(!deep.ok());
  CHECK(deep.status().message() == "request: JSON nested deeper than 64 levels");
  std::string object_deep = R"({"cmd":"status","x":)" + Nested(63) + "}";
  CHECK(JsonFields::Parse(object_deep, "request").ok());
  object_deep = R"({"cmd":"status","x":)" + Nested(64) + "}";
  CHECK(JsonFields::Parse(object_deep, "request").status().message() == "request: JSON nested deeper than 64 levels");
  // A spool file and a control socket's signal both end in ParseSignal.
  CHECK(ParseSignal(kDeepLine).status().message() == "signal: JSON nested deeper than 64 levels");
  CHECK(!is_valid_json(kDeepLine));
  CHECK(is_valid_json(Nested(64)));
}

TEST_CASE("JsonFields: a key twice in one object is refused, naming the key and its path") {
  auto twice = JsonFields::Parse(R"({"id":"s-1","side":"LONG","side":"SHORT"})", "signal");
  REQUIRE(!twice.ok());
  CHECK(twice.status().IsInvalidInput());
  CHECK(twice.status().message() ==
        "signal: duplicate key \"side\": a key may appear once, since JSON readers differ on which one counts");
  auto nested = JsonFields::Parse(R"({"id":"s-1","stop_loss":{"pct":"1","pct":"50"}})", "signal");
  CHECK(nested.status().message().rfind("signal: duplicate key \"stop_loss.pct\": ", 0) == 0);
  auto in_array = JsonFields::Parse(R"({"cmd":"tool","options":{"legs":[{"a":1},{"b":1,"b":2}]}})", "request");
  CHECK(in_array.status().message().rfind("request: duplicate key \"options.legs[1].b\": ", 0) == 0);
  // A key is named cut short, however long.
  const std::string long_key(1000, 'k');
  auto long_twice = JsonFields::Parse(R"({")" + long_key + R"(":1,")" + long_key + R"(":2})", "request");
  CHECK(long_twice.status().message().rfind("request: duplicate key \"" + std::string(80, 'k') + "…\": ", 0) == 0);
  // The same key in different objects is no duplicate.
  CHECK(JsonFields::Parse(R"({"a":{"x":1},"b":{"x":2},"x":[{"x":3},{"x":4}]})", "request").ok());

  // The bought-LONG-that-a-filter-read-SHORT signal: refused, not bought.
  auto signal = ParseSignal(R"({"id":"s-1","symbol":"BTCUSDT","side":"LONG","side":"SHORT","qty":"0.1","stop_loss":{"pct":"1"}})");
  REQUIRE(!signal.ok());
  CHECK(signal.status().message().rfind("signal: duplicate key \"side\": ", 0) == 0);
}
