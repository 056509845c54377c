// A chaos episode with real processes: keel-exchange-sim and keel-traderd over loopback, on the
// wall clock. The bot's signals go to the daemon's control socket as keel-ctl sends them; faults
// and exchange acts go to the simulator's control endpoint; a kill is SIGKILL of the daemon's
// process, started again on the same store as systemd would. What the in-process episodes stand in
// for is here for real: the stream's WebSocket and its reconnects, the daemon's threads, SQLite
// across a process that dies mid-write, the ports and sockets.
#include <rapidjson/document.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "chaos/child_process.h"
#include "chaos/episode_judge.h"
#include "keel/control/control_request.h"
#include "keel/chaos/episode.h"
#include "keel/sim/sim_config.h"
#include "keel/chaos/ground_truth.h"
#include "keel/chaos/operator_tools.h"
#include "keel/model/json_fields.h"
#include "keel/model/json_limits.h"
#include "keel/engine/engine.h"
#include "keel/net/http_transport.h"
#include "keel/net/line_server.h"
#include "keel/store/sqlite_store.h"

namespace keel::chaos {

namespace {

constexpr const char* kReadyLine = "keel-traderd: ready, account demo";
constexpr TimeMs kControlTimeoutMs = 5000;
// The daemon's protect_grace_ms, written into its config and judged by.
constexpr TimeMs kGraceMs = 3000;

std::string ReadFile(const std::string& path, std::size_t from = 0) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(from));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t FileSize(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::size_t>(n);
}

// The requests keel made, from the simulator's counters (its own control calls left out).
std::int64_t KeelRequests(const std::string& counters_json) {
  if (!CheckJsonLimits(counters_json, "counters").ok()) return 0;
  rapidjson::Document doc;
  doc.Parse(counters_json.data(), counters_json.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("requests") || !doc["requests"].IsObject()) return 0;
  std::int64_t n = 0;
  for (const auto& endpoint : doc["requests"].GetObject()) {
    if (std::string(endpoint.name.GetString()).find("/_sim/") != std::string::npos || !endpoint.value.IsObject()) continue;
    for (const auto& result : endpoint.value.GetObject())
      if (result.value.IsInt64()) n += result.value.GetInt64();
  }
  return n;
}

// What a bot saw of one signal it sent.
struct SentSignal {
  std::string id;
  int generation = 0;  // the daemon that took it
  bool done = false;   // answered, or the connection ended
};

class ProcessWorld {
 public:
  ProcessWorld(const EpisodePlan& plan, const EpisodeOptions& options, std::string dir)
      : plan_(plan), options_(options), dir_(std::move(dir)) {}

  ~ProcessWorld() {
    for (auto& t : bots_)
      if (t.joinable()) t.join();
  }

  EpisodeOutcome Run() {
    outcome_.seed = plan_.seed;
    if (Status st = StartSimulator(); !st.ok()) {
      outcome_.violations.push_back({"checker", "keel-exchange-sim", st.message()});
      outcome_.kept = dir_;  // its log says why
      return outcome_;
    }
    WriteConfig();
    if (plan_.grid) {
      const GridConfig& g = *plan_.grid;
      asked_.push_back(SignalAsked{GridIdPrefix(g.symbol), g.symbol,
                                   Decimal::FromInteger(g.levels).value().Mul(g.qty, Rounding::kNearest).value()});
    }
    StartDaemon();
    const TimeMs t0 = Now();
    for (const auto& s : plan_.signals) At(t0 + s.at, [this, &s] { Send(s); });
    for (const auto& f : plan_.faults) At(t0 + f.at, [this, &f] { Inject(f); });
    const TimeMs end_active = t0 + plan_.options.active_ms;
    while (Now() < end_active) Step();
    // Quiet: every fault off, the daemon up; then time to settle.
    (void)Control(R"({"clear":"faults"})");
    agenda_.clear();
    kill_pending_ = false;
    if (restart_at_ >= 0) StartDaemon();
    const TimeMs end = Now() + plan_.options.quiet_ms;
    while (Now() < end) Step();
    Judge();
    return outcome_;
  }

 private:
  static TimeMs Now() { return SystemClock().NowMs(); }

  void At(TimeMs when, std::function<void()> what) { agenda_.emplace(when, std::move(what)); }

  Status StartSimulator() {
    const std::string port_file = dir_ + "/ports.json";
    std::vector<std::string> args = {options_.bin_dir + "/keel-exchange-sim", "--port-file", port_file, "--seed",
                                     std::to_string(plan_.seed)};
    if (plan_.hedge_mode) args.push_back("--hedge-mode");
    auto sim = ChildProcess::Start(args, {}, dir_ + "/sim.log");
    if (!sim.ok()) return sim.status();
    sim_ = std::make_unique<ChildProcess>(std::move(*sim));
    for (int waited = 0; waited < 10'000; waited += 10) {
      rapidjson::Document doc;
      const std::string text = ReadFile(port_file);
      if (CheckJsonLimits(text, port_file).ok()) doc.Parse(text.c_str());
      if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("rest_port") && doc.HasMember("ws_port") &&
          doc["rest_port"].IsInt() && doc["ws_port"].IsInt()) {
        rest_port_ = doc["rest_port"].GetInt();
        ws_port_ = doc["ws_port"].GetInt();
        auto transport = net::CurlTransport::Create("http://127.0.0.1:" + std::to_string(rest_port_), std::nullopt);
        if (!transport.ok()) return transport.status();
        control_ = std::move(*transport);
        return Status::Ok();
      }
      if (!sim_->running()) return Status::Transport("keel-exchange-sim exited at start: " + ReadFile(dir_ + "/sim.log"));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Status::Transport("keel-exchange-sim did not write its ports within 10 s");
  }

  // The daemon's config: the simulator's ports, the store beside it, and the same short scan and
  // reconcile intervals as the in-process episodes.
  void WriteConfig() {
    config_ = dir_ + "/demo.toml";
    std::ofstream(config_) << "[account]\nname = \"demo\"\n[exchange]\nkind = \"" << sim::to_string(options_.dialect) << "\"\n"
                           << "rest_url = \"http://127.0.0.1:" << rest_port_ << "\"\n"
                           << "ws_url = \"ws://127.0.0.1:" << ws_port_ << "\"\n"
                           << "api_key_env = \"KEEL_API_KEY\"\napi_secret_env = \"KEEL_API_SECRET\"\n"
                           << "[store]\npath = \"keel.db\"\n"
                           << "[daemon]\nmetrics_listen = \"off\"\norphan_scan_interval_s = 10\nreconcile_interval_s = 20\n"
                           << "protect_grace_ms = " << kGraceMs << "\n";
    if (plan_.grid) std::ofstream(config_, std::ios::app) << GridToml(*plan_.grid);
    socket_ = dir_ + "/keel.sock";
  }

  void StartDaemon() {
    restart_at_ = -1;
    killed_ = false;
    log_offset_ = FileSize(dir_ + "/daemon.log");
    auto daemon = ChildProcess::Start({options_.bin_dir + "/keel-traderd", "--config", config_},
                                      {{"KEEL_API_KEY", "keel-demo-key"}, {"KEEL_API_SECRET", "keel-demo-secret"}},
                                      dir_ + "/daemon.log");
    ++generation_;
    ready_ = false;
    if (!daemon.ok()) {
      start_failures_.push_back(daemon.status().message());
      daemon_.reset();
      restart_at_ = Now() + 1000;
      return;
    }
    daemon_ = std::make_unique<ChildProcess>(std::move(*daemon));
  }

  // 10 ms of the episode: what is due, the daemon's readiness, a death nobody caused.
  void Step() {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const TimeMs now = Now();
    while (!agenda_.empty() && agenda_.begin()->first <= now) {
      auto what = std::move(agenda_.begin()->second);
      agenda_.erase(agenda_.begin());
      what();
    }
    if (restart_at_ >= 0 && now >= restart_at_) StartDaemon();
    if (!daemon_) return;
    if (auto ended = daemon_->ended(); ended && !killed_) {
      // Not ours: a crash, or a start that failed. systemd starts it again a second later.
      if (ready_) {
        outcome_.violations.push_back({"crash", "keel-traderd", "exited " + std::to_string(*ended) + " on its own"});
      } else {
        start_failures_.push_back("exited " + std::to_string(*ended) + " before it was ready");
      }
      if (down_since_ < 0) down_since_ = now;
      ready_ = false;
      killed_ = true;  // handled: not reported again
      restart_at_ = now + 1000;
      return;
    }
    if (!ready_ && daemon_->running() &&
        ReadFile(dir_ + "/daemon.log", log_offset_).find(kReadyLine) != std::string::npos) {
      ready_ = true;
      if (down_since_ >= 0) {
        down_.emplace_back(down_since_, now);
        down_since_ = -1;
      }
    }
  }

  std::string Control(const std::string& command) {
    net::HttpRequest r;
    r.method = "POST";
    r.target = "/_sim/command";
    r.headers = {{"Content-Type", "application/json"}};
    r.body = command;
    auto answer = control_->Send(r, kControlTimeoutMs);
    if (!answer.ok()) return answer.status().message();
    return answer->status == 200 ? std::string() : answer->body;
  }

  Result<std::string> Get(const std::string& target) {
    net::HttpRequest r;
    r.method = "GET";
    r.target = target;
    auto answer = control_->Send(r, kControlTimeoutMs);
    if (!answer.ok()) return answer.status();
    if (answer->status != 200) return Status::Transport(target + ": HTTP " + std::to_string(answer->status) + " " + answer->body);
    return answer->body;
  }

  // The bot sends its signal as keel-ctl does and waits for the answer on its own thread, so the
  // episode goes on meanwhile.
  void Send(const PlannedSignal& s) {
    if (s.open() || s.add) asked_.push_back(s.asked);
    if (!ready_) return;  // no control socket: the bot's send fails, and it knows
    std::string json = s.json;
    if (s.limit_offset_bps) {
      // The simulator process's market is not read from here: its starting price stands in for the
      // mark (the walk moves it a little; a limit that crosses by then fills, or is refused post-only).
      static const sim::SimConfig defaults = sim::DefaultSimConfig();
      if (const sim::SimInstrument* inst = defaults.Find(s.asked.symbol))
        json = SignalToSend(s, inst->initial_price, inst->filters.tick_size);
    }
    const std::string line = control::ControlRequestJson(control::SignalRequest{json, "chaos"});
    std::size_t slot;
    {
      std::lock_guard<std::mutex> lock(mu_);
      slot = sent_.size();
      sent_.push_back({s.asked.id, generation_});
    }
    const int timeout = static_cast<int>(plan_.options.active_ms + plan_.options.quiet_ms);
    bots_.emplace_back([this, line, slot, timeout] {
      auto answer = net::RequestLine(socket_, line, timeout);
      std::lock_guard<std::mutex> lock(mu_);
      sent_[slot].done = true;
      (void)answer;  // an answer or a refusal alike: the daemon did not leave the bot waiting
    });
  }

  void Inject(const PlannedFault& f) {
    const TimeMs now = Now();
    switch (f.cls) {
      case FaultClass::kSimCommand: {
        if (!Control(f.command).empty()) {
          ++outcome_.faults_skipped;
          return;
        }
        if (f.duration_ms > 0) At(now + f.duration_ms, [this, off = f.off_command] { (void)Control(off); });
        break;
      }
      case FaultClass::kExchangeAct:
        if (!Act(f)) {
          ++outcome_.faults_skipped;
          return;
        }
        break;
      case FaultClass::kDisconnect:
      case FaultClass::kListenKeyExpiry:
        // The simulator closes the connections (or expires the key, then closes); the daemon
        // reconnects on its own backoff, so the planned duration is the daemon's, not ours.
        if (!Control(f.cls == FaultClass::kDisconnect ? R"({"fault":"disconnect"})"
                                                      : R"({"fault":"expire_listen_key","account":"demo"})")
                 .empty()) {
          ++outcome_.faults_skipped;
          return;
        }
        break;
      case FaultClass::kFreeze:
      case FaultClass::kOutsidePosition:
        // In process only: a frozen simulator would freeze its control endpoint too, and the
        // control endpoint places no order of its own.
        ++outcome_.faults_skipped;
        return;
      case FaultClass::kOperatorTool: {
        if (!ready_) {
          ++outcome_.faults_skipped;
          return;
        }
        // As the tool binary does with a daemon holding the store: its action forwarded on the
        // control socket, the daemon's answer carrying the tool's exit code and output.
        const std::string line = OperatorToolRequest(f);
        const int timeout = static_cast<int>(plan_.options.active_ms + plan_.options.quiet_ms);
        bots_.emplace_back([this, f, line, timeout] {
          auto answer = net::RequestLine(socket_, line, timeout);
          if (!answer.ok()) return;  // no answer claims nothing
          auto fields = JsonFields::Parse(*answer, "the tool's answer");
          auto code = fields.ok() ? fields->Integer("exit_code") : Result<std::optional<std::int64_t>>(fields.status());
          if (!code.ok() || !*code) return;
          auto claim = ClaimOfTool(f, static_cast<int>(**code), *answer, Now());
          std::lock_guard<std::mutex> lock(mu_);
          if (claim) claims_.push_back(*claim);
        });
        break;
      }
      case FaultClass::kGridOperator: {
        if (!ready_) {
          ++outcome_.faults_skipped;
          return;
        }
        // As keel-ctl sends it on the control socket.
        control::ControlRequest request = control::PauseRequest{};
        if (f.command == "resume") request = control::ResumeRequest{};
        if (f.command == "flatten") request = control::FlattenRequest{f.symbol, std::nullopt};
        const std::string line = control::ControlRequestJson(request);
        std::size_t slot;
        {
          std::lock_guard<std::mutex> lock(mu_);
          slot = grid_flattens_.size();
          if (f.command == "flatten") grid_flattens_.push_back(CheckInput::GridFlatten{now, -1, -1, CheckInput::kNever});
          if (f.command == "resume") grid_resumes_.push_back(now);
        }
        const int timeout = static_cast<int>(plan_.options.active_ms + plan_.options.quiet_ms);
        bots_.emplace_back([this, f, line, timeout, slot] {
          auto answer = net::RequestLine(socket_, line, timeout);
          if (!answer.ok()) return;
          auto fields = JsonFields::Parse(*answer, "the daemon's answer");
          auto code = fields.ok() ? fields->Integer("exit_code") : Result<std::optional<std::int64_t>>(fields.status());
          const int exit_code = code.ok() && *code ? static_cast<int>(**code) : -1;
          std::lock_guard<std::mutex> lock(mu_);
          ++outcome_.grid.operator_answers[f.command + " exit " + std::to_string(exit_code)];
          if (f.command != "flatten" || slot >= grid_flattens_.size()) return;
          grid_flattens_[slot].answered = Now();
          grid_flattens_[slot].exit_code = exit_code;
          if (exit_code == 0)
            claims_.push_back(Claim{Claim::Kind::kFlat, Now(), f.symbol, "", "", "operator flatten " + f.symbol + " answered flat"});
        });
        break;
      }
      case FaultClass::kKill:
        if (!ready_ || kill_pending_) {
          ++outcome_.faults_skipped;
          return;
        }
        // The plan's task count becomes a moment within the next second: whatever the daemon is
        // doing then.
        kill_pending_ = true;
        At(now + f.kill_after * 25, [this, down = f.duration_ms] { Kill(down); });
        break;
    }
    ++outcome_.faults[f.kind];
  }

  void Kill(TimeMs down_ms) {
    kill_pending_ = false;
    if (!daemon_ || !daemon_->running()) return;
    daemon_->Signal(SIGKILL);
    daemon_->Wait(-1);
    killed_ = true;
    ready_ = false;
    if (down_since_ < 0) down_since_ = Now();
    restart_at_ = Now() + down_ms;
  }

  bool Act(const PlannedFault& f) {
    auto json = Get("/_sim/ground-truth?account=demo");
    if (!json.ok()) return false;
    auto truth = ParseGroundTruth(*json);
    if (!truth.ok()) return false;
    const std::string command = ExchangeActCommand(f, *truth);
    return !command.empty() && Control(command).empty();
  }

  void Judge() {
    if (!ready_) {
      outcome_.violations.push_back(
          {"hang", "start", "the daemon did not start again" +
                                (start_failures_.empty() ? std::string() : ": " + start_failures_.back())});
    } else if (auto status = net::RequestLine(socket_, control::ControlRequestJson(control::StatusRequest{}), 10'000); !status.ok()) {
      outcome_.violations.push_back({"hang", "status", "the running daemon did not answer status: " + status.status().message()});
    }
    {
      // Still waiting at the end of the quiet phase, on the daemon that runs now: it never answered.
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& s : sent_)
        if (!s.done && s.generation == generation_)
          outcome_.violations.push_back({"hang", s.id, "the signal was never answered by the daemon that took it"});
    }
    auto truth = Get("/_sim/ground-truth?account=demo");
    if (auto counters = Get("/_sim/counters"); counters.ok()) outcome_.rest_calls = KeelRequests(*counters);
    auto store = SqliteStore::OpenReader(dir_ + "/keel.db");
    if (!truth.ok()) {
      outcome_.violations.push_back({"checker", "ground-truth", truth.status().message()});
    } else if (!store.ok()) {
      outcome_.violations.push_back({"checker", "store", store.status().ToString()});
    } else {
      CheckInput input;
      input.signals = asked_;
      input.outside = plan_.outside;
      {
        std::lock_guard<std::mutex> lock(mu_);
        input.claims = claims_;
      }
      input.daemon_down = down_;
        const EngineSettings defaults;
      input.grace_ms = kGraceMs;
      // Loopback and a WebSocket add a little to the engine's own watch interval.
      input.tolerance_ms = defaults.watch_interval_ms + 1000;
      if (plan_.grid) {
        std::lock_guard<std::mutex> lock(mu_);
        CheckInput::Grid grid{plan_.grid->symbol, GridIdPrefix(plan_.grid->symbol), grid_flattens_, 1000};
        std::vector<TimeMs> ends = grid_resumes_;
        for (const auto& [from, to] : down_) ends.push_back(from);
        if (down_since_ >= 0) ends.push_back(down_since_);
        for (auto& f : grid.flattens)
          for (TimeMs at : ends)
            if (at >= f.began && at < f.paused_until) f.paused_until = at;
        input.grid = grid;
      }
      JudgeEpisode(*truth, **store, input, Now(), outcome_);
      if (plan_.grid) CountGrid(**store, *plan_.grid, outcome_);
    }
    // A clean stop must be clean: SIGTERM, exit 0.
    if (daemon_ && daemon_->running()) {
      daemon_->Signal(SIGTERM);
      auto code = daemon_->Wait(30'000);
      if (!code) outcome_.violations.push_back({"hang", "shutdown", "keel-traderd did not exit within 30 s of SIGTERM"});
      else if (*code != 0) outcome_.violations.push_back({"crash", "shutdown", "keel-traderd exited " + std::to_string(*code) + " on SIGTERM"});
    }
    for (auto& t : bots_) t.join();
    bots_.clear();
    if (sim_) {
      sim_->Signal(SIGTERM);
      sim_->Wait(10'000);
    }
    if (!outcome_.violations.empty() && store.ok()) WriteEvidence(dir_, plan_, truth.ok() ? *truth : "", **store, outcome_);
    else if (!outcome_.violations.empty()) outcome_.kept = dir_;
  }

  const EpisodePlan& plan_;
  const EpisodeOptions& options_;
  std::string dir_;
  std::string config_;
  std::string socket_;
  int rest_port_ = 0;
  int ws_port_ = 0;
  std::unique_ptr<ChildProcess> sim_;
  std::unique_ptr<ChildProcess> daemon_;
  std::unique_ptr<net::CurlTransport> control_;
  std::multimap<TimeMs, std::function<void()>> agenda_;
  EpisodeOutcome outcome_;
  int generation_ = 0;
  bool ready_ = false;
  bool killed_ = false;  // the daemon's end is known (a kill of ours, or a crash already reported)
  bool kill_pending_ = false;
  std::size_t log_offset_ = 0;
  TimeMs down_since_ = -1;
  TimeMs restart_at_ = -1;
  std::vector<std::pair<TimeMs, TimeMs>> down_;
  std::vector<std::string> start_failures_;
  std::vector<SignalAsked> asked_;
  std::mutex mu_;
  std::vector<SentSignal> sent_;
  std::vector<Claim> claims_;  // the tools' answers (guarded by mu_: the bots' threads add them)
  std::vector<std::thread> bots_;
  std::vector<CheckInput::GridFlatten> grid_flattens_;  // guarded by mu_
  std::vector<TimeMs> grid_resumes_;
};

}  // namespace

EpisodeOutcome RunWithProcesses(const EpisodePlan& plan, const EpisodeOptions& options) {
  return PlayInEpisodeDir(plan, options, [&](const std::string& dir) { return ProcessWorld(plan, options, dir).Run(); });
}

}  // namespace keel::chaos
