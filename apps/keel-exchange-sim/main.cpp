// keel-exchange-sim: a local Binance USD-M and Bybit v5 futures exchange that misbehaves on demand.
#include <CLI/CLI.hpp>

#include <iostream>

#include "keel/ops/exit_code.h"
#include "keel/ops/process_hardening.h"
#include "keel/sim/sim_server.h"

int main(int argc, char** argv) {
  if (!keel::ops::StartHardened("keel-exchange-sim")) return keel::ops::kExitUsage;
  using namespace keel;
  CLI::App app("A local Binance USD-M and Bybit v5 futures exchange for rehearsing incidents: real wire "
               "protocols, seeded prices, faults on command.",
               "keel-exchange-sim");
  app.set_help_flag("-h,--help", "Print this help and exit");
  std::string config_path, api_key, api_secret, scenario, port_file;
  sim::SimServerOptions options;
  std::uint64_t seed = 0;
  bool seed_given = false;
  app.add_option("--config", config_path, "Simulator TOML: instruments, accounts, limits, seed")->type_name("FILE");
  app.add_option("--host", options.host, "Address to bind (default 127.0.0.1)")->type_name("ADDR");
  app.add_option("--rest-port", options.rest_port, "REST and control port; 0 picks a free one (default 0)")->type_name("N");
  app.add_option("--ws-port", options.ws_port, "Stream port; 0 picks a free one (default 0)")->type_name("M");
  auto* key = app.add_option("--api-key", api_key, "API key of the first account (default keel-demo-key)")->type_name("K");
  auto* secret = app.add_option("--api-secret", api_secret, "Its secret (default keel-demo-secret)")->type_name("S");
  key->needs(secret);
  secret->needs(key);
  app.add_option("--seed", seed, "Seed of the price paths (same seed, same prices)")
      ->type_name("N")
      ->check([](const std::string& v) {
        return !v.empty() && v.find_first_not_of("0123456789") == std::string::npos
                   ? std::string()
                   : "expected a whole number >= 0, got '" + v + "'";
      })
      ->each([&](const std::string&) { seed_given = true; });
  app.add_option("--scenario", scenario, "TOML file of timed fault and act steps")->type_name("FILE");
  app.add_option("--port-file", port_file, "Write {\"rest_port\":…,\"ws_port\":…} here once serving")->type_name("FILE");
  app.add_option("--tick-ms", options.tick_ms, "How often prices move and streams flush, 1 to 1000 (default 10)")
      ->type_name("MS")
      ->check(CLI::Range(1, 1000));
  std::string dialect = "both";
  app.add_option("--dialect", dialect,
                 "Which exchange it speaks over its one venue: binance-usdm, bybit-v5 or both (default both)")
      ->type_name("D")
      ->check(CLI::IsMember({"binance-usdm", "bybit-v5", "both"}));
  bool hedge_mode = false;
  app.add_flag("--hedge-mode", hedge_mode, "The first account starts in hedge mode (both legs of a symbol at once)");
  app.add_flag("--legacy-ws-paths", options.legacy_ws_paths,
               "Also serve the /ws, /ws/<x> and /stream paths Binance retired on 2026-04-23, for older clients");
  app.footer("Exit codes: 0 stopped cleanly, 2 usage or configuration error, 3 cannot listen.\n"
             "Control endpoint: GET /_sim/counters, GET /_sim/health, POST /_sim/command on the REST port.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return ops::kExitAllClear;
  } catch (const CLI::ParseError& e) {
    std::cerr << "keel-exchange-sim: " << e.what() << " (see --help)\n";
    return ops::kExitUsage;
  }

  auto config = config_path.empty() ? Result<sim::SimConfig>(sim::DefaultSimConfig()) : sim::LoadSimConfig(config_path);
  if (!config.ok()) {
    std::cerr << "keel-exchange-sim: " << config.status().message() << '\n';
    return ops::kExitUsage;
  }
  if (seed_given) config->seed = seed;
  if (hedge_mode) config->accounts[0].hedge_mode = true;
  if (!api_key.empty()) {
    config->accounts[0].api_key = api_key;
    config->accounts[0].api_secret = api_secret;
  }
  options.binance_usdm = dialect != "bybit-v5";
  options.bybit_v5 = dialect != "binance-usdm";
  if (!scenario.empty()) options.scenario_file = scenario;
  if (!port_file.empty()) options.port_file = port_file;

  const sim::SimAccountSpec first = config->accounts[0];
  net::EventLoop loop;
  SystemClock clock;
  auto server = sim::SimServer::Start(std::move(config).value(), options, loop, clock);
  if (!server.ok()) {
    std::cerr << "keel-exchange-sim: " << server.status().message() << '\n';
    return server.status().IsTransport() ? ops::kExitExchange : ops::kExitUsage;
  }
  std::cout << "keel-exchange-sim: speaks "
            << (dialect == "both" ? "binance-usdm (/fapi, streams /public /market /private) and bybit-v5 (/v5)" : dialect)
            << "\n"
            << "keel-exchange-sim: REST  http://" << options.host << ":" << (*server)->rest_port() << "\n"
            << "keel-exchange-sim: WS    ws://" << options.host << ":" << (*server)->ws_port() << "\n"
            << "keel-exchange-sim: account " << first.name << " api key " << first.api_key << " secret "
            << first.api_secret << "\n"
            << "keel-exchange-sim: control http://" << options.host << ":" << (*server)->rest_port()
            << "/_sim/counters\n"
            << std::flush;
  loop.OnTerminationSignal([&](int) {
    (*server)->Stop();
    loop.Stop();
  });
  loop.Run();
  std::cout << (*server)->venue().CountersJson() << std::endl;
  return ops::kExitAllClear;
}
