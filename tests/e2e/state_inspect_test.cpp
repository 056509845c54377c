// keel-state-inspect as an operator runs it: the real binary on a fixture store written by
// keel-store-fixture. JSON output is compared byte for byte with tests/e2e/golden/.
#include <doctest/doctest.h>

#include "keel/model/json_writer.h"
#include "subprocess.h"
#include "temp_dir.h"

using namespace keel::test;

namespace {

struct Fixture {
  TempDir dir;
  std::string store;
  explicit Fixture(const char* kind = "demo") : store(dir.file(std::string(kind) + ".db")) {
    RunResult r = run({test_bin("keel-store-fixture"), "--out", store, "--kind", kind});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  RunResult inspect(std::vector<std::string> args) const {
    args.insert(args.begin(), bin("keel-state-inspect"));
    return run(args);
  }
};

std::string golden(const std::string& name) { return read_file(source_path("tests/e2e/golden/" + name)); }

}  // namespace

TEST_CASE("every view's --json output is exactly the documented document") {
  Fixture f;
  const std::pair<std::vector<std::string>, const char*> cases[] = {
      {{"--json"}, "summary.json"},
      {{"orders", "--json"}, "orders.json"},
      {{"positions", "--json"}, "positions.json"},
      {{"intents", "--json"}, "intents.json"},
      {{"journal", "--json", "--symbol", "AVLUSDT"}, "journal_avlusdt.json"},
      {{"incidents", "--json"}, "incidents.json"},
      {{"orders", "--json", "--state", "open"}, "orders_open.json"},
      {{"orders", "--json", "--symbol", "BTCUSDT", "--limit", "1"}, "orders_btc_newest.json"},
      {{"positions", "--json", "--state", "closed"}, "positions_closed.json"},
      {{"journal", "--json", "--since", "1795167000000"}, "journal_since.json"},
  };
  for (const auto& [args, file] : cases) {
    std::vector<std::string> a = args;
    a.push_back("--store");
    a.push_back(f.store);
    RunResult r = f.inspect(a);
    INFO(file << "\n" << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out == golden(file));
  }
}

TEST_CASE("the human summary shows each open position with its protection") {
  Fixture f;
  RunResult r = f.inspect({"--store", f.store});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Store " + f.store + "\n" + golden("summary.txt"));
  RunResult orders = f.inspect({"orders", "--store", f.store, "--symbol", "AVLUSDT"});
  CHECK(orders.exit_code == 0);
  CHECK(orders.out == golden("orders_avlusdt.txt"));
}

TEST_CASE("--check passes on a healthy store and lists every finding on a broken one") {
  Fixture healthy;
  RunResult ok = healthy.inspect({"--check", "--store", healthy.store});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out == "ok: " + healthy.store + " is intact and every invariant holds\n");

  Fixture broken("faulty");
  RunResult bad = broken.inspect({"--check", "--store", broken.store});
  CHECK(bad.exit_code == 1);
  CHECK(bad.out == golden("check_faulty.txt"));
  RunResult json = broken.inspect({"--check", "--json", "--store", broken.store});
  CHECK(json.exit_code == 1);
  CHECK(json.out == golden("check_faulty.json"));
}

TEST_CASE("--export writes the whole store as one JSON document, atomically") {
  Fixture f;
  const std::string out = f.dir.file("export.json");
  RunResult r = f.inspect({"--export", out, "--store", f.store});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "exported " + f.store + " to " + out + "\n");
  const std::string doc = read_file(out);
  CHECK(keel::is_valid_json(doc));
  CHECK(doc.find("\"format\": \"keel-state-export\"") != std::string::npos);
  CHECK(doc.find("\"schema_version\": 8") != std::string::npos);
  for (const char* section : {"instruments", "positions", "orders", "intents", "journal", "incidents"})
    CHECK(doc.find(std::string("\"") + section + "\": [") != std::string::npos);
  // No temporary file is left beside it.
  RunResult ls = run({"/bin/ls", f.dir.path()});
  CHECK(ls.out.find(".tmp.") == std::string::npos);
  // An unwritable target fails cleanly with exit 2.
  RunResult bad = f.inspect({"--export", "/nonexistent-dir/x.json", "--store", f.store});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.rfind("keel-state-inspect: cannot create /nonexistent-dir/x.json.tmp.", 0) == 0);
}

TEST_CASE("bad input gets one clear line and exit 2; a missing store is never created") {
  Fixture f;
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const Case cases[] = {
      {{"--bogus"}, "keel-state-inspect: The following argument was not expected: --bogus (see --help)\n"},
      {{"trades"},
       "keel-state-inspect: view: trades not in {summary,orders,positions,intents,journal,incidents,signals,timeline} (see --help)\n"},
      {{"orders", "--state", "Open", "--store", f.store},
       "keel-state-inspect: --state: order state: got 'Open', expected PendingNew|New|PartiallyFilled|Filled|"
       "PendingCancel|PendingAmend|Canceled|Expired|Rejected or open\n"},
      {{"intents", "--state", "open", "--store", f.store},
       "keel-state-inspect: --state applies to the orders, positions and signals views only\n"},
      {{"--since", "yesterday", "--store", f.store},
       "keel-state-inspect: --since: invalid time 'yesterday': expected epoch milliseconds, an ISO 8601 UTC time "
       "(2026-11-21T18:35:00Z) or an age such as 90s, 15m, 2h, 7d\n"},
      {{"--limit", "-3", "--store", f.store},
       "keel-state-inspect: --limit: expected a whole number >= 0, got '-3' (see --help)\n"},
      {{"orders", "--check", "--store", f.store},
       "keel-state-inspect: --check and --export read the whole store: give no view with them\n"},
      {{"timeline", "--store", f.store},
       "keel-state-inspect: timeline: --symbol is required (the symbol of the incident)\n"},
      {{"timeline", "--symbol", "btcusdt", "--store", f.store},
       "keel-state-inspect: timeline: --symbol: the store has no journal row for btcusdt (symbols as the exchange "
       "spells them, e.g. BTCUSDT)\n"},
      {{"timeline", "--symbol", "BTCUSDT", "--from", "2026-11-21T18:35:00Z", "--to", "2026-11-21T18:00:00Z", "--store", f.store},
       "keel-state-inspect: --from: later than --to\n"},
      {{"timeline", "--symbol", "BTCUSDT", "--from", "soon", "--store", f.store},
       "keel-state-inspect: --from: invalid time 'soon': expected epoch milliseconds, an ISO 8601 UTC time "
       "(2026-11-21T18:35:00Z) or an age such as 90s, 15m, 2h, 7d\n"},
      {{"orders", "--html", f.dir.file("x.html"), "--store", f.store},
       "keel-state-inspect: --from, --to and --html apply to the timeline view only\n"},
      {{}, "keel-state-inspect: no state store given: use --config FILE, --account NAME or --store PATH\n"},
      {{"--store", f.dir.file("missing.db")},
       "keel-state-inspect: state store " + f.dir.file("missing.db") + " does not exist\n"},
  };
  for (const auto& c : cases) {
    RunResult r = f.inspect(c.args);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err == c.err);
    CHECK(r.out.empty());
  }
  CHECK(!file_exists(f.dir.file("missing.db")));
}

TEST_CASE("the store is found through --config or --account, and a bad config is reported whole") {
  // The store does not depend on the exchange: the same for an account on either.
  std::string kind;
  SUBCASE("binance-usdm") { kind = "binance-usdm"; }
  SUBCASE("bybit-v5") { kind = "bybit-v5"; }
  Fixture f;
  const std::string config =
      "[account]\nname = \"demo\"\n[exchange]\nkind = \"" + kind + "\"\nrest_url = \"http://127.0.0.1:8801\"\n"
      "ws_url = \"ws://127.0.0.1:8802\"\napi_key_env = \"KEEL_API_KEY\"\napi_secret_env = \"KEEL_API_SECRET\"\n"
      "[store]\npath = \"demo.db\"\n";
  write_file(f.dir.file("demo.toml"), config);
  RunResult by_config = f.inspect({"incidents", "--json", "--config", f.dir.file("demo.toml")});
  CHECK(by_config.exit_code == 0);
  CHECK(by_config.out == golden("incidents.json"));

  RunResult by_account =
      run({bin("keel-state-inspect"), "incidents", "--json", "--account", "demo"}, {{"KEEL_CONFIG_DIR", f.dir.path()}});
  CHECK(by_account.exit_code == 0);
  CHECK(by_account.out == golden("incidents.json"));

  RunResult mismatch = f.inspect({"--config", f.dir.file("demo.toml"), "--account", "live"});
  CHECK(mismatch.exit_code == 2);
  CHECK(mismatch.err == "keel-state-inspect: --account live does not match account.name \"demo\" in " +
                            f.dir.file("demo.toml") + "\n");

  RunResult traversal = f.inspect({"--account", "../etc/passwd"});
  CHECK(traversal.exit_code == 2);
  CHECK(traversal.err ==
        "keel-state-inspect: --account: found \"../etc/passwd\", expected 1-32 characters of letters, digits, '-' or "
        "'_'\n");

  write_file(f.dir.file("bad.toml"), "[account]\nname = \"demo\"\n[exchange]\nkind = \"ftx\"\n[store]\npath = 3\n");
  RunResult bad = f.inspect({"--config", f.dir.file("bad.toml")});
  CHECK(bad.exit_code == 2);
  const std::string b = f.dir.file("bad.toml");
  CHECK(bad.err == "keel-state-inspect: " + b + ": exchange.kind: found \"ftx\", expected binance-usdm or bybit-v5\n" +
                       "keel-state-inspect: " + b + ": exchange.rest_url: missing, expected a string\n" +
                       "keel-state-inspect: " + b + ": exchange.ws_url: missing, expected a string\n" +
                       "keel-state-inspect: " + b + ": exchange.api_key_env: missing, expected api_key_env (an "
                       "environment variable name), api_key_file (a file of mode 0600) or api_key_credential (a "
                       "systemd credential's name)\n" +
                       "keel-state-inspect: " + b + ": exchange.api_secret_env: missing, expected api_secret_env (an "
                       "environment variable name), api_secret_file (a file of mode 0600) or api_secret_credential (a "
                       "systemd credential's name)\n" +
                       "keel-state-inspect: " + b + ": store.path: found integer 3, expected a string\n");
}

TEST_CASE("--help documents every view, flag and exit code") {
  RunResult r = run({bin("keel-state-inspect"), "--help"});
  CHECK(r.exit_code == 0);
  for (const char* word : {"summary", "orders", "positions", "intents", "journal", "incidents", "--config", "--account",
                           "--store", "--json", "--symbol", "--since", "--state", "--limit", "--check", "--export",
                           "--grace-ms", "--crash-window-ms", "Exit codes"}) {
    CHECK_MESSAGE(r.out.find(word) != std::string::npos, word);
  }
}
