// docs/control.schema.json is the control protocol as bots outside keel read it: every request of
// the corpus gets the same verdict from the schema (a standard validator, python3-jsonschema) as
// from the daemon's own readers (ParseControlRequest, then ParseSignal for a signal), and the
// verdict the corpus states.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "keel/control/control_request.h"
#include "keel/engine/signal.h"
#include "subprocess.h"

using namespace keel;

namespace {

const std::string kSource = KEEL_SOURCE_DIR;

struct Case {
  bool ok = false;
  std::string line;
};

std::vector<Case> Corpus() {
  std::ifstream in(kSource + "/tests/fixtures/control/requests.txt");
  std::vector<Case> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.find(' ');
    cases.push_back(Case{line.substr(0, space) == "ok", line.substr(space + 1)});
  }
  return cases;
}

// What the daemon says of the line: "ok", or its refusal.
std::string KeelVerdict(const std::string& line) {
  auto request = control::ParseControlRequest(line);
  if (!request.ok()) return "bad " + request.status().message();
  if (const auto* s = std::get_if<control::SignalRequest>(&*request)) {
    auto signal = ParseSignal(s->signal_json);
    if (!signal.ok()) return "bad " + signal.status().message();
  }
  return "ok";
}

}  // namespace

TEST_CASE("the control schema and the daemon's readers give every request the same verdict") {
  const auto cases = Corpus();
  REQUIRE(cases.size() > 30);
  auto schema = test::run({"/usr/bin/python3", kSource + "/tests/support/validate_json_schema.py",
                           kSource + "/docs/control.schema.json", kSource + "/tests/fixtures/control/requests.txt"});
  INFO(schema.err);
  REQUIRE_MESSAGE(schema.exit_code == 0, "python3 with jsonschema is needed (scripts/setup installs it)");
  std::istringstream verdicts(schema.out);
  for (const auto& c : cases) {
    CAPTURE(c.line);
    std::string by_schema;
    REQUIRE(std::getline(verdicts, by_schema));
    const std::string by_keel = KeelVerdict(c.line);
    CAPTURE(by_schema);
    CAPTURE(by_keel);
    CHECK((by_schema == "ok") == c.ok);
    CHECK((by_keel == "ok") == c.ok);
  }
}
