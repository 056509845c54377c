// keel-chaos: plays episodes of the simulator and keel-traderd's engine under random faults and
// random signals, each drawn from its seed, and judges every one with the invariant checker (the
// simulator's ground truth and keel's store; nothing keel says about itself). A failing episode
// prints its seed and the one command that replays it, and leaves its evidence (plan, ground
// truth, engine log, store, timelines) in --keep.
//
//   keel-chaos --episodes 200 --processes-every 40   the CI soak (5 episodes with real processes)
//   keel-chaos --episodes 10000 --seed 5000          a long soak
//   keel-chaos --replay 1234 [--processes]           one episode again, with its plan
//   --dialect both (the default): odd seeds speak Bybit v5 to the venue, even ones Binance USD-M
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <thread>

#include "keel/chaos/episode.h"
#include "keel/model/json_writer.h"
#include "keel/ops/tool.h"

using namespace keel;
using namespace keel::chaos;

namespace {

struct Percentiles {
  TimeMs p50 = 0, p99 = 0, max = 0;
  std::size_t n = 0;
};

Percentiles Of(std::vector<TimeMs> v) {
  Percentiles p;
  p.n = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))]; };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.max = v.back();
  return p;
}

struct Soak {
  int episodes = 0;
  int with_processes = 0;
  std::map<std::string, int> faults;
  int faults_skipped = 0;
  std::map<std::string, int> move_answers;
  GridFigures grid;
  std::map<std::string, std::vector<std::uint64_t>> violations;  // kind -> seeds
  std::vector<TimeMs> unprotected, ghost;
  std::int64_t rest_calls = 0;
  int lifecycles = 0;

  void Add(const EpisodeOutcome& o) {
    ++episodes;
    for (const auto& [k, n] : o.faults) faults[k] += n;
    faults_skipped += o.faults_skipped;
    for (const auto& [k, n] : o.move_answers) move_answers[k] += n;
    grid.Add(o.grid);
    for (const auto& v : o.violations) {
      auto& seeds = violations[v.kind];
      if (seeds.empty() || seeds.back() != o.seed) seeds.push_back(o.seed);
    }
    unprotected.insert(unprotected.end(), o.figures.unprotected_ms.begin(), o.figures.unprotected_ms.end());
    ghost.insert(ghost.end(), o.figures.ghost_recovery_ms.begin(), o.figures.ghost_recovery_ms.end());
    rest_calls += o.rest_calls;
    lifecycles += o.lifecycles;
  }
};

std::string Seeds(const std::vector<std::uint64_t>& seeds) {
  std::string s;
  for (std::size_t i = 0; i < seeds.size() && i < 20; ++i) s += (i ? " " : "") + std::to_string(seeds[i]);
  if (seeds.size() > 20) s += " …";
  return s;
}

// What the grids of grid episodes did: a soak whose grids never fill a level judges little of them.
void PrintGrid(const GridFigures& g) {
  if (!g.episodes) return;
  std::printf("grid episodes: %d: cycles opened %d, levels placed %d, levels filled %d, take-profits filled %d, "
              "cycles ended by take-profit %d, otherwise %d, re-centered %d, grid signals refused %d\n",
              g.episodes, g.opens, g.levels_placed, g.levels_filled, g.take_profits, g.cycles, g.stopped, g.recenters,
              g.refused);
  if (!g.operator_answers.empty()) {
    std::printf("  the operator's keel-ctl on the grid answered:");
    for (const auto& [k, n] : g.operator_answers) std::printf(" %s: %d,", k.c_str(), n);
    std::printf("\n");
  }
}

void WriteGrid(JsonWriter& w, const GridFigures& g) {
  w.Key("grid").StartObject();
  w.Key("episodes").Int(g.episodes);
  w.Key("opens").Int(g.opens);
  w.Key("levels_placed").Int(g.levels_placed);
  w.Key("levels_filled").Int(g.levels_filled);
  w.Key("take_profits_filled").Int(g.take_profits);
  w.Key("cycles_by_take_profit").Int(g.cycles);
  w.Key("cycles_ended_otherwise").Int(g.stopped);
  w.Key("recenters").Int(g.recenters);
  w.Key("refused").Int(g.refused);
  w.Key("operator_answers").StartObject();
  for (const auto& [k, n] : g.operator_answers) w.Key(k).Int(n);
  w.EndObject();
  w.EndObject();
}

void PrintSummary(const Soak& s, double seconds) {
  std::printf("episodes: %d in %.1f s (%d with real processes)\n", s.episodes, seconds, s.with_processes);
  std::printf("faults injected by kind:\n");
  for (const auto& [k, n] : s.faults) std::printf("  %-20s %d\n", k.c_str(), n);
  std::printf("  (%d more had nothing to act on when their moment came: no resting order or position, the\n"
              "   stream or the daemon already down; not counted above)\n", s.faults_skipped);
  if (!s.move_answers.empty()) {
    std::printf("the bot's moves, cancels, adds, flips and limit entries answered:");
    for (const auto& [k, n] : s.move_answers) std::printf(" %s %d", k.c_str(), n);
    std::printf("\n");
  }
  PrintGrid(s.grid);
  if (s.violations.empty()) std::printf("violations: none\n");
  else std::printf("violations by kind (seeds):\n");
  for (const auto& [k, seeds] : s.violations) std::printf("  %-20s %zu  %s\n", k.c_str(), seeds.size(), Seeds(seeds).c_str());
  std::printf("REST calls per lifecycle: %.1f (%lld calls, %d positions opened)\n",
              s.lifecycles ? static_cast<double>(s.rest_calls) / s.lifecycles : 0.0, static_cast<long long>(s.rest_calls),
              s.lifecycles);
  auto line = [](const char* what, const Percentiles& p) {
    std::printf("%-34s p50 %lld ms, p99 %lld ms, max %lld ms (%zu)\n", what, static_cast<long long>(p.p50),
                static_cast<long long>(p.p99), static_cast<long long>(p.max), p.n);
  };
  line("recovery, ghost order:", Of(s.ghost));
  line("recovery, unprotected window:", Of(s.unprotected));
}

bool WriteJson(const Soak& s, std::uint64_t first_seed, double seconds, const std::string& path) {
  JsonWriter w(true);
  w.StartObject();
  w.Key("episodes").Int(s.episodes);
  w.Key("with_processes").Int(s.with_processes);
  w.Key("first_seed").Int(static_cast<std::int64_t>(first_seed));
  w.Key("seconds").Int(static_cast<std::int64_t>(seconds));
  w.Key("faults").StartObject();
  for (const auto& [k, n] : s.faults) w.Key(k).Int(n);
  w.EndObject();
  w.Key("move_answers").StartObject();
  for (const auto& [k, n] : s.move_answers) w.Key(k).Int(n);
  w.EndObject();
  WriteGrid(w, s.grid);
  w.Key("violations").StartObject();
  for (const auto& [k, seeds] : s.violations) {
    w.Key(k).StartArray();
    for (auto seed : seeds) w.Int(static_cast<std::int64_t>(seed));
    w.EndArray();
  }
  w.EndObject();
  w.Key("rest_calls").Int(s.rest_calls);
  w.Key("lifecycles").Int(s.lifecycles);
  auto pct = [&](const char* key, const Percentiles& p) {
    w.Key(key).StartObject();
    w.Key("p50_ms").Int(p.p50);
    w.Key("p99_ms").Int(p.p99);
    w.Key("max_ms").Int(p.max);
    w.Key("samples").Int(static_cast<std::int64_t>(p.n));
    w.EndObject();
  };
  pct("ghost_recovery", Of(s.ghost));
  pct("unprotected_window", Of(s.unprotected));
  w.EndObject();
  std::ofstream out(path);
  out << w.str() << "\n";
  return static_cast<bool>(out.flush());
}

// keel-exchange-sim and keel-traderd beside keel-chaos in the build tree: bench/ and bin/.
std::string DefaultBinDir() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "bin";
  return (self.parent_path().parent_path() / "bin").string();
}

bool Runnable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

// --dialect both: odd seeds speak Bybit v5, even ones Binance USD-M, so that a seed names its
// dialect and a replay needs nothing else.
keel::sim::Dialect DialectOf(std::uint64_t seed, const std::string& choice) {
  if (choice == "both") return seed % 2 ? keel::sim::Dialect::kBybitV5 : keel::sim::Dialect::kBinanceUsdm;
  return keel::sim::ParseDialect(choice).value();
}

void PrintFailure(const EpisodeOutcome& o, bool processes, keel::sim::Dialect dialect) {
  std::printf("FAILED seed %llu%s (%s):\n", static_cast<unsigned long long>(o.seed), processes ? " (real processes)" : "",
              keel::sim::to_string(dialect));
  for (const auto& v : o.violations) std::printf("  %s %s: %s\n", v.kind.c_str(), v.subject.c_str(), v.detail.c_str());
  std::printf("  replay: keel-chaos --replay %llu --dialect %s%s\n", static_cast<unsigned long long>(o.seed),
              keel::sim::to_string(dialect), processes ? " --processes" : "");
  if (!o.kept.empty()) std::printf("  evidence: %s\n", o.kept.c_str());
  if (!o.keep_error.empty()) std::printf("  evidence lost: %s\n", o.keep_error.c_str());
}

double Now() {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch()).count()) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"keel-chaos: episodes of the simulator and keel-traderd under random faults, judged by an "
               "independent invariant checker"};
  int episodes = 200;
  std::int64_t first_seed = 1;  // signed, so that CLI11 refuses "-1" instead of wrapping it
  std::optional<std::int64_t> replay_seed;
  std::string keep = "chaos-failures", json;
  bool verbose = false;
  int processes_every = 0;
  bool processes = false;
  std::string bin_dir = DefaultBinDir();
  app.add_option("--episodes", episodes, "How many episodes (seeds --seed, --seed+1, …)")->check(CLI::Range(1, 10'000'000));
  app.add_option("--seed", first_seed, "The first episode's seed")->check(keel::ops::NonNegativeInteger());
  app.add_option("--replay", replay_seed, "Play the episode of this seed alone, print its plan and what it found")
      ->type_name("SEED")
      ->check(keel::ops::NonNegativeInteger());
  app.add_option("--keep", keep, "Where failing episodes leave their evidence (a directory per seed)");
  app.add_option("--json", json, "Also write the summary as JSON to FILE")->type_name("FILE");
  app.add_option("--processes-every", processes_every,
                 "Every Nth episode (seed divisible by N) runs keel-exchange-sim and keel-traderd as real processes "
                 "over loopback, on the wall clock (about 90 s each, in parallel with the rest); 0: none")
      ->check(CLI::Range(0, 1'000'000));
  app.add_flag("--processes", processes, "With --replay: play the episode with real processes");
  std::string dialect_choice = "both";
  app.add_option("--dialect", dialect_choice,
                 "The venue's dialect keel speaks: binance-usdm, bybit-v5, or both (odd seeds Bybit, even Binance)")
      ->check(CLI::IsMember({"binance-usdm", "bybit-v5", "both"}));
  keel::chaos::PlanOptions plan_options;
  app.add_option("--grid-pct", plan_options.grid_pct, "Percent of episodes that run a grid strategy (default 12)")
      ->check(CLI::Range(0, 100));
  app.add_option("--bin-dir", bin_dir, "Where keel-exchange-sim and keel-traderd are (default: the build tree's bin/)")
      ->type_name("DIR");
  app.add_flag("--verbose", verbose, "One line per episode; with --replay, the engine's log as it runs");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  if (processes && !replay_seed) {
    std::fprintf(stderr, "keel-chaos: --processes replays one episode: give --replay SEED (a soak takes --processes-every N)\n");
    return 2;
  }
  if (processes || processes_every > 0) {
    for (const char* name : {"keel-exchange-sim", "keel-traderd"}) {
      if (!Runnable(bin_dir + "/" + name)) {
        std::fprintf(stderr, "keel-chaos: no %s in %s (build it, or give --bin-dir)\n", name, bin_dir.c_str());
        return 2;
      }
    }
  }
  // A bot's connection to a daemon killed under it must not end keel-chaos.
  ::signal(SIGPIPE, SIG_IGN);
  const std::uint64_t seed = static_cast<std::uint64_t>(first_seed);
  std::optional<std::uint64_t> replay;
  if (replay_seed) replay = static_cast<std::uint64_t>(*replay_seed);
  if (!json.empty() && !std::ofstream(json)) {
    std::fprintf(stderr, "keel-chaos: --json: cannot write %s\n", json.c_str());
    return 2;
  }
  // The engine logs every step of every episode; the evidence of a failing one is its own log.
  if (!(replay && verbose)) spdlog::set_level(spdlog::level::off);
  EpisodeOptions options;
  options.keep_dir = keep;
  options.bin_dir = bin_dir;
  if (replay) {
    const EpisodePlan plan = DrawEpisode(*replay, plan_options);
    options.dialect = DialectOf(*replay, dialect_choice);
    std::printf("seed %llu (%s)\n%s", static_cast<unsigned long long>(*replay), keel::sim::to_string(options.dialect),
                DescribePlan(plan).c_str());
    EpisodeOutcome o = processes ? RunWithProcesses(plan, options) : RunInProcess(plan, options);
    for (const auto& v : o.violations) std::printf("VIOLATION %s %s: %s\n", v.kind.c_str(), v.subject.c_str(), v.detail.c_str());
    if (!o.kept.empty()) std::printf("evidence: %s\n", o.kept.c_str());
    if (!o.keep_error.empty()) std::printf("evidence lost: %s\n", o.keep_error.c_str());
    PrintGrid(o.grid);
    std::printf("%s: %zu violation(s), %lld REST calls, %d position(s) opened\n", o.violations.empty() ? "ok" : "FAILED",
                o.violations.size(), static_cast<long long>(o.rest_calls), o.lifecycles);
    return o.violations.empty() ? 0 : 1;
  }

  Soak soak;
  const double t0 = Now();
  // Episodes with real processes spend most of their minute and a half waiting on the wall clock:
  // they run beside the in-process ones, a few at a time, and are counted as they end.
  constexpr std::size_t kProcessesAtOnce = 4;
  std::vector<std::future<EpisodeOutcome>> running;
  auto report = [&](const EpisodeOutcome& o, bool real) {
    soak.Add(o);
    if (real) ++soak.with_processes;
    if (verbose)
      std::printf("seed %llu%s%s: %zu violation(s)\n", static_cast<unsigned long long>(o.seed), real ? " (real processes)" : "",
                  o.grid.episodes ? " (grid)" : "", o.violations.size());
    if (!o.violations.empty()) PrintFailure(o, real, DialectOf(o.seed, dialect_choice));
    std::fflush(stdout);
  };
  auto collect = [&](bool wait_all, std::size_t keep_at_most) {
    while (!running.empty()) {
      bool any = false;
      for (auto it = running.begin(); it != running.end();) {
        if (it->wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
          report(it->get(), true);
          it = running.erase(it);
          any = true;
        } else {
          ++it;
        }
      }
      if (!wait_all && running.size() <= keep_at_most) return;
      if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  for (int i = 0; i < episodes; ++i) {
    const std::uint64_t s = seed + static_cast<std::uint64_t>(i);
    if (processes_every > 0 && s % static_cast<std::uint64_t>(processes_every) == 0) {
      collect(false, kProcessesAtOnce - 1);
      EpisodeOptions episode = options;
      episode.dialect = DialectOf(s, dialect_choice);
      running.push_back(std::async(std::launch::async, [s, episode, plan_options] { return RunWithProcesses(DrawEpisode(s, plan_options), episode); }));
      continue;
    }
    const EpisodePlan plan = DrawEpisode(s, plan_options);
    EpisodeOptions episode = options;
    episode.dialect = DialectOf(s, dialect_choice);
    report(RunInProcess(plan, episode), false);
    collect(false, kProcessesAtOnce);
  }
  collect(true, 0);
  const double seconds = Now() - t0;
  PrintSummary(soak, seconds);
  if (!json.empty() && !WriteJson(soak, seed, seconds, json)) {
    std::fprintf(stderr, "keel-chaos: --json: writing %s failed\n", json.c_str());
    return 2;
  }
  return soak.violations.empty() ? 0 : 1;
}
