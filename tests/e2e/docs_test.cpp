// Every keel binary documents every flag it accepts: in its man page and in its bash, zsh and fish
// completions. The list of flags comes from the binary's own --help, so a new flag without
// documentation fails here.
#include <doctest/doctest.h>

#include <regex>
#include <set>

#include "subprocess.h"
#include "temp_dir.h"

using namespace keel::test;

namespace {

const char* kBinaries[] = {"keel-state-inspect", "keel-exchange-sim", "keel-scan-orphans", "keel-reconcile",
                           "keel-cancel-ghosts", "keel-close-position"};

std::set<std::string> flags_in_help(const std::string& help) {
  std::set<std::string> flags;
  const std::regex flag(R"((--[a-z][a-z0-9-]*))");
  for (auto it = std::sregex_iterator(help.begin(), help.end(), flag); it != std::sregex_iterator(); ++it)
    flags.insert((*it)[1]);
  return flags;
}

}  // namespace

TEST_CASE("man page and completions cover every flag of every binary") {
  for (const std::string name : kBinaries) {
    RunResult help = run({bin(name), "--help"});
    REQUIRE(help.exit_code == 0);
    const auto flags = flags_in_help(help.out);
    CHECK(flags.size() > 5);
    const std::string man = read_file(source_path("man/" + name + ".1"));
    REQUIRE_MESSAGE(!man.empty(), "no man page for ", name);
    const std::string files[] = {"completions/bash/" + name, "completions/zsh/_" + name,
                                 "completions/fish/" + name + ".fish"};
    for (const auto& flag : flags) {
      // roff escapes '-' as '\-'.
      std::string escaped;
      for (char c : flag) escaped += c == '-' ? std::string("\\-") : std::string(1, c);
      CHECK_MESSAGE(man.find(escaped) != std::string::npos, name, " man page lacks ", flag);
      for (const auto& file : files) {
        const std::string text = read_file(source_path(file));
        REQUIRE_MESSAGE(!text.empty(), "missing ", file);
        const std::string bare = flag.substr(2);
        const bool found = text.find(flag) != std::string::npos || text.find("-l " + bare + " ") != std::string::npos;
        CHECK_MESSAGE(found, file, " lacks ", flag);
      }
    }
    RunResult syntax = run({"/bin/bash", "-n", source_path("completions/bash/" + name)});
    CHECK_MESSAGE(syntax.exit_code == 0, syntax.err);
  }
}
