// Every keel binary documents every flag it accepts: in its man page and in its bash, zsh and fish
// completions. The list of flags comes from the binary's own --help, so a new flag without
// documentation fails here. And the written documentation stands alone and stays true: its links
// resolve inside the repository, and every test docs/incidents.md names as proof exists.
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "subprocess.h"
#include "temp_dir.h"

using namespace keel::test;

namespace {

const char* kBinaries[] = {"keel-state-inspect", "keel-exchange-sim", "keel-scan-orphans", "keel-reconcile",
                           "keel-cancel-ghosts", "keel-close-position", "keel-traderd", "keel-ctl"};

// Subcommands whose flags have their own --help.
const std::vector<std::vector<std::string>> kSubcommands = {{"keel-ctl", "signal"}, {"keel-ctl", "flatten"}};

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
    auto flags = flags_in_help(help.out);
    for (const auto& sub : kSubcommands) {
      if (sub[0] != name) continue;
      RunResult sub_help = run({bin(name), sub[1], "--help"});
      REQUIRE(sub_help.exit_code == 0);
      for (const auto& f : flags_in_help(sub_help.out)) flags.insert(f);
    }
    CHECK(flags.count("--help"));
    CHECK(flags.count("--config"));
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

namespace {

std::vector<std::string> markdown_files() {
  std::vector<std::string> files = {source_path("README.md")};
  for (const auto& entry : std::filesystem::directory_iterator(source_path("docs")))
    if (entry.path().extension() == ".md") files.push_back(entry.path().string());
  return files;
}

std::set<std::string> test_case_names() {
  std::set<std::string> names;
  const std::regex test_case(R"re(TEST_CASE\("([^"]*)"\))re");
  for (const char* dir : {"tests/unit", "tests/scenario", "tests/e2e"}) {
    for (const auto& entry : std::filesystem::directory_iterator(source_path(dir))) {
      if (entry.path().extension() != ".cpp") continue;
      const std::string text = read_file(entry.path().string());
      for (auto it = std::sregex_iterator(text.begin(), text.end(), test_case); it != std::sregex_iterator(); ++it)
        names.insert((*it)[1]);
    }
  }
  return names;
}

}  // namespace

TEST_CASE("the documentation stands alone: links resolve in the repository, nothing points outside it") {
  const std::regex link(R"(\]\(([^)#\s]+))");
  const auto files = markdown_files();
  CHECK(files.size() >= 4);  // README and docs/: README, architecture, incidents, runbook
  for (const auto& file : files) {
    const std::string text = read_file(file);
    CHECK_MESSAGE(text.find("../shared") == std::string::npos, file);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), link); it != std::sregex_iterator(); ++it) {
      const std::string target = (*it)[1];
      if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) continue;
      const auto resolved = std::filesystem::path(file).parent_path() / target;
      CHECK_MESSAGE(std::filesystem::exists(resolved), file << " links to " << target);
    }
  }
  for (const auto& entry : std::filesystem::directory_iterator(source_path("man")))
    CHECK_MESSAGE(read_file(entry.path().string()).find("../shared") == std::string::npos, entry.path().string());
}

TEST_CASE("every test docs/incidents.md cites as proof exists") {
  const std::set<std::string> tests = test_case_names();
  REQUIRE(tests.size() > 100);
  std::istringstream lines(read_file(source_path("docs/incidents.md")));
  const std::regex quoted("`([^`]+)`");
  std::size_t cited = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| ", 0) != 0 || line.rfind("|---", 0) == 0) continue;
    // The last cell of each row is the proof.
    const std::string trimmed = line.substr(0, line.find_last_not_of(" |") + 1);
    const std::string proof = trimmed.substr(trimmed.rfind('|') + 1);
    for (auto it = std::sregex_iterator(proof.begin(), proof.end(), quoted); it != std::sregex_iterator(); ++it) {
      ++cited;
      CHECK_MESSAGE(tests.count((*it)[1]) == 1, "docs/incidents.md cites a test that does not exist: " << (*it)[1]);
    }
  }
  CHECK(cited >= 25);
}
