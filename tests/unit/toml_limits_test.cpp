#include <doctest/doctest.h>

#include <string>

#include "keel/config/config.h"
#include "keel/config/toml_limits.h"
#include "keel/sim/sim_config.h"

using namespace keel;

namespace {

std::string DottedKey(int parts) {
  std::string key = "a";
  for (int i = 1; i < parts; ++i) key += ".a";
  return key;
}

}  // namespace

TEST_CASE("TOML: a key of 100,000 dotted parts is refused with its line, not a crash in toml++") {
  // Without the check toml++ 3.3 builds 100,000 nested tables and overflows the stack freeing them.
  const std::string text = "[account]\nname = \"x\"\n" + DottedKey(100'000) + " = 1\n";
  auto account = ParseAccountConfig(text, "deep.toml", "/tmp");
  REQUIRE_FALSE(account.ok());
  CHECK(account.status().category() == ErrorCategory::kInvalidInput);
  CHECK(account.status().message() == "deep.toml:3: a key of more than 32 dotted parts");
  auto sim = sim::ParseSimConfig("[" + DottedKey(100'000) + "]\n", "sim.toml", "/tmp");
  REQUIRE_FALSE(sim.ok());
  CHECK(sim.status().message() == "sim.toml:1: a key of more than 32 dotted parts");
}

TEST_CASE("TOML: 32 parts pass, 33 do not; blanks and quoted parts count as parts") {
  CHECK(CheckTomlLimits(DottedKey(32) + " = 1\n", "t").ok());
  CHECK(CheckTomlLimits(DottedKey(33) + " = 1\n", "t").message() == "t:1: a key of more than 32 dotted parts");
  std::string spaced = "a";
  for (int i = 1; i < 33; ++i) spaced += i % 2 ? " . \"q.q\"" : " .\tb";
  CHECK(CheckTomlLimits(spaced + " = 1\n", "t").message() == "t:1: a key of more than 32 dotted parts");
  CHECK(CheckTomlLimits("[[" + DottedKey(40) + "]]\n", "t").message() == "t:1: a key of more than 32 dotted parts");
}

TEST_CASE("TOML: brackets nested deeper than 32 are refused; toml++'s own cap is 256") {
  std::string inline_tables = "x = ";
  for (int i = 0; i < 33; ++i) inline_tables += "{ b = ";
  inline_tables += "1" + std::string(33, '}') + "\n";
  CHECK(CheckTomlLimits(inline_tables, "t").message() == "t:1: brackets nested more than 32 deep");
  CHECK(CheckTomlLimits("\n\nx = " + std::string(400'000, '['), "t").message() ==
        "t:3: brackets nested more than 32 deep");
  CHECK(CheckTomlLimits("x = " + std::string(32, '[') + std::string(32, ']') + "\n", "t").ok());
}

TEST_CASE("TOML: dots and brackets in strings, comments and numbers do not count") {
  const std::string many_dots(200, '.');
  const std::string brackets(200, '[');
  CHECK(CheckTomlLimits("url = \"" + many_dots + brackets + "\"\n", "t").ok());
  CHECK(CheckTomlLimits("path = '" + many_dots + "'\n", "t").ok());
  CHECK(CheckTomlLimits("# " + many_dots + brackets + "\nx = 1\n", "t").ok());
  CHECK(CheckTomlLimits("text = \"\"\"\n" + many_dots + "\n\\\"\"\"" + brackets + "\n\"\"\"\n", "t").ok());
  // A multi-line literal string may end in two extra quotes that are its content.
  CHECK(CheckTomlLimits("text = '''" + many_dots + "'''''\nx = 1\n", "t").ok());
  std::string floats = "levels = [";
  for (int i = 0; i < 100; ++i) floats += "1.5, ";
  floats += "0.25]\nat = 07:32:00.999999\n";
  CHECK(CheckTomlLimits(floats, "t").ok());
  // After a string ends, a deep key on the next line is still seen, with its own line number.
  CHECK(CheckTomlLimits("a = '''x''''\n" + DottedKey(40) + " = 1\n", "t").message() ==
        "t:2: a key of more than 32 dotted parts");
  CHECK(CheckTomlLimits("a = \"\"\"one\ntwo\"\"\"\n" + DottedKey(40) + " = 1\n", "t").message() ==
        "t:3: a key of more than 32 dotted parts");
}

TEST_CASE("TOML: a file over 4 MiB is refused before parsing") {
  CHECK(CheckTomlLimits(std::string((std::size_t{4} << 20) + 1, '#'), "big.toml").message() ==
        "big.toml: longer than 4 MiB, not a config keel wrote or expects");
}
