#include "chaos/episode_judge.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <set>

#include "keel/chaos/ground_truth.h"
#include "keel/ops/timeline.h"
#include "keel/safety/client_ids.h"

namespace keel::chaos {

namespace fs = std::filesystem;

namespace {

Result<std::string> MakeEpisodeDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/keel-chaos.XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) return Status::Storage("cannot create a directory under " + tmpl);
  return std::string(buf.data());
}

void FinishEpisodeDir(const std::string& dir, const EpisodeOptions& options, EpisodeOutcome& outcome) {
  std::error_code ec;
  if (!outcome.kept.empty() && !options.keep_dir.empty()) {
    const std::string kept = options.keep_dir + "/seed-" + std::to_string(outcome.seed);
    fs::create_directories(options.keep_dir, ec);
    if (!ec) {
      fs::remove_all(kept, ec);  // a replay's earlier evidence
      ec.clear();
      fs::rename(dir, kept, ec);
      if (ec) {  // another file system: copied instead
        ec.clear();
        fs::copy(dir, kept, fs::copy_options::recursive, ec);
      }
    }
    outcome.kept = ec ? "" : kept;
    if (ec) outcome.keep_error = "cannot keep the evidence in " + kept + ": " + ec.message();
  } else {
    outcome.kept.clear();
  }
  fs::remove_all(dir, ec);
}

}  // namespace


std::string ExchangeActCommand(const PlannedFault& f, const GroundTruth& truth) {
  std::vector<std::string> symbols{f.symbol};
  for (const auto& s : ChaosSymbols())
    if (s != f.symbol) symbols.push_back(s);
  const bool on_position = f.command == "liquidate" || f.command == "adl";
  for (const auto& symbol : symbols) {
    if (on_position) {
      for (const auto& p : truth.positions)
        if (p.symbol == symbol && !p.amount.is_zero())
          return R"({"act":")" + f.command + R"(","account":"demo","symbol":")" + symbol + R"(","position_side":")" +
                 p.position_side + "\"}";
    } else {
      for (const auto& o : truth.orders)
        if (!o.algo && o.symbol == symbol && o.open())
          return R"({"act":")" + f.command + R"(","account":"demo","symbol":")" + symbol + R"(","orderId":)" +
                 std::to_string(o.id) + "}";
    }
  }
  return "";
}

void JudgeEpisode(const std::string& truth_json, StateStore& store, const CheckInput& input, TimeMs now,
                  EpisodeOutcome& outcome) {
  auto truth = ParseGroundTruth(truth_json);
  if (!truth.ok()) {
    outcome.violations.push_back({"checker", "ground-truth", truth.status().ToString()});
    return;
  }
  InvariantOptions io;
  io.now_ms = now;
  io.protect_grace_ms = input.grace_ms;
  auto view = ReadStoreView(store, io);
  if (!view.ok()) {
    outcome.violations.push_back({"checker", "store", view.status().ToString()});
    return;
  }
  CheckInput judged = input;
  auto claims = ClaimsInJournal(store);
  if (!claims.ok()) outcome.violations.push_back({"checker", "journal", claims.status().ToString()});
  else judged.claims.insert(judged.claims.end(), claims->begin(), claims->end());
  auto found = CheckEpisode(*truth, *view, judged, &outcome.figures);
  outcome.violations.insert(outcome.violations.end(), found.begin(), found.end());
  // A lifecycle: an entry order (keel's client id kdemo-e…) that filled, so a position opened.
  const std::string entry_prefix = ClientIdPrefix("demo") + "e";
  std::set<std::int64_t> entries, filled;
  for (const auto& o : truth->orders)
    if (!o.algo && o.client_id.rfind(entry_prefix, 0) == 0) entries.insert(o.id);
  for (const auto& t : truth->trades)
    if (entries.count(t.order_id)) filled.insert(t.order_id);
  outcome.lifecycles = static_cast<int>(filled.size());
}

void GridFigures::Add(const GridFigures& o) {
  episodes += o.episodes;
  opens += o.opens;
  levels_placed += o.levels_placed;
  levels_filled += o.levels_filled;
  take_profits += o.take_profits;
  cycles += o.cycles;
  recenters += o.recenters;
  stopped += o.stopped;
  refused += o.refused;
  for (const auto& [k, n] : o.operator_answers) operator_answers[k] += n;
}

void CountGrid(StateStore& store, const GridConfig& grid, EpisodeOutcome& outcome) {
  GridFigures& f = outcome.grid;
  f.episodes = 1;
  const std::string prefix = GridIdPrefix(grid.symbol);
  SignalFilter sf;
  sf.symbol = grid.symbol;
  auto signals = store.Signals(sf);
  if (signals.ok()) {
    for (const auto& s : *signals) {
      if (s.id.rfind(prefix, 0) != 0 || s.id.size() < prefix.size() + 3) continue;
      const std::string rest = s.id.substr(prefix.size() + 2);
      const auto tail = rest.find_first_not_of("0123456789");
      const std::string suffix = tail == std::string::npos ? "" : rest.substr(tail);
      const bool refused = s.state == SignalState::kRejected;
      if (refused) ++f.refused;
      if (suffix.empty()) f.opens += !refused;
      else if (suffix.rfind("-a", 0) == 0) f.levels_placed += !refused;
      else if (suffix == "-c") ++f.cycles;
      else if (suffix == "-r") ++f.recenters;
      else if (suffix == "-x") ++f.stopped;
    }
  }
  OrderFilter of;
  of.symbol = grid.symbol;
  auto orders = store.Orders(of);
  if (!orders.ok()) return;
  for (const auto& o : *orders) {
    if (o.purpose == OrderPurpose::kEntry && o.type == OrderType::kLimit && o.filled_qty.is_positive()) ++f.levels_filled;
    if (o.purpose == OrderPurpose::kTakeProfit && o.state == OrderState::kFilled) ++f.take_profits;
  }
}

void WriteEvidence(const std::string& dir, const EpisodePlan& plan, const std::string& truth_json, StateStore& store,
                   EpisodeOutcome& outcome) {
  std::ofstream(dir + "/plan.txt") << "seed " << plan.seed << "\n" << DescribePlan(plan);
  std::ofstream(dir + "/ground-truth.json") << truth_json << "\n";
  {
    std::ofstream v(dir + "/violations.txt");
    for (const auto& x : outcome.violations) v << x.kind << " " << x.subject << ": " << x.detail << "\n";
  }
  std::vector<std::string> symbols = ChaosSymbols();
  if (plan.grid && std::find(symbols.begin(), symbols.end(), plan.grid->symbol) == symbols.end())
    symbols.push_back(plan.grid->symbol);
  for (const auto& symbol : symbols) {
    ops::TimelineOptions o;
    o.symbol = symbol;
    o.title = dir;
    auto rows = ops::ReadTimeline(store, o);
    if (!rows.ok() || rows->empty()) continue;
    std::ofstream(dir + "/timeline-" + symbol + ".html") << ops::TimelineHtml(*rows, o);
  }
  outcome.kept = dir;
}

EpisodeOutcome PlayInEpisodeDir(const EpisodePlan& plan, const EpisodeOptions& options,
                                const std::function<EpisodeOutcome(const std::string& dir)>& play) {
  auto dir = MakeEpisodeDir();
  if (!dir.ok()) {
    EpisodeOutcome o;
    o.seed = plan.seed;
    o.violations.push_back({"checker", "tmpdir", dir.status().message()});
    return o;
  }
  EpisodeOutcome outcome = play(*dir);
  FinishEpisodeDir(*dir, options, outcome);
  return outcome;
}

}  // namespace keel::chaos
