// A chaos episode in one process: the simulator, keel's adapter for the episode's dialect over the
// in-memory transport, a SQLite store and the daemon's engine, all on one virtual clock. The
// private stream is the venue's events encoded as that dialect sends them and decoded by keel's
// own codec (sim::DialectFeed). The engine's REST work runs on a pool of workers, each with its own
// Exchange, as in keel-traderd, on the virtual clock (chaos/virtual_workers.h); a
// disconnect loses what the venue sends meanwhile and ends with the REST snapshot the daemon's
// stream client takes after every connect; a SIGKILL stops the engine's loop between two tasks
// and starts a new engine on the same store, as systemd restarts the daemon.
#include <fstream>

#include "chaos/episode_judge.h"
#include "exchange/venue_json.h"
#include "chaos/virtual_workers.h"
#include "keel/chaos/episode.h"
#include "keel/chaos/operator_tools.h"
#include "keel/config/config.h"
#include "keel/engine/engine.h"
#include "keel/model/json_fields.h"
#include "keel/net/http_transport.h"
#include "keel/sim/ground_truth_json.h"
#include "keel/sim/sim_venue.h"
#include "keel/store/sqlite_store.h"

namespace keel::chaos {

namespace {

constexpr TimeMs kStart = 1'795'165'200'000;
constexpr const char* kAccount = "demo";

// Alerts are the engine's own account of itself: the checker reads only whether one was raised
// when the exchange went silent (silent-blindness), never what they say of positions.
// The windows the plan made position reads lag, and by how much ("ms" of a stale_reads fault
// that covers positions).
std::vector<CheckInput::StaleReads> StalePositionReads(const EpisodePlan& plan, TimeMs t0) {
  std::vector<CheckInput::StaleReads> out;
  for (const auto& f : plan.faults) {
    if (f.kind.rfind("stale_reads", 0) != 0) continue;
    venue_json::JsonDoc doc(f.command, "stale_reads fault");
    if (!doc.status().ok()) continue;
    venue_json::Fields fields(doc.root(), "stale_reads fault");
    const TimeMs lag = fields.Int("ms");
    const std::string_view what = fields.Str("what", false);
    if (!fields.status().ok() || what == "orders") continue;
    out.push_back({t0 + f.at, t0 + f.at + f.duration_ms, lag});
  }
  return out;
}

// The episode's clock as a tool sees it: its waits (a close's verification) are the episode's, so
// a tool run on a worker sleeps on virtual time as the engine's jobs do.
class EpisodeClock final : public Clock {
 public:
  EpisodeClock(const Clock& clock, std::function<void(TimeMs)> sleep) : clock_(clock), sleep_(std::move(sleep)) {}
  TimeMs NowMs() const override { return clock_.NowMs(); }
  void SleepMs(TimeMs ms) const override { sleep_(ms); }

 private:
  const Clock& clock_;
  std::function<void(TimeMs)> sleep_;
};

struct RecordedAlerts final : AlertSink {
  std::vector<std::pair<std::string, TimeMs>> raised;
  void Raise(const Alert& a) override { raised.emplace_back(to_string(a.kind), a.at); }
};

class World {
 public:
  World(const EpisodePlan& plan, const std::string& dir, sim::Dialect dialect)
      : plan_(plan), dir_(dir), dialect_(dialect) {
    sim::SimConfig config = sim::DefaultSimConfig();
    config.seed = plan.seed;
    if (plan.hedge_mode) config.accounts[0].hedge_mode = true;
    venue_ = sim::SimVenue::Create(config, clock_).value();
    venue_->exchange().set_market_events(true);
    // The venue acts at once; its answer reaches a REST worker one network distance later (the
    // latency fault), while the engine's watch and the stream go on, as over loopback.
    transport_ = std::make_unique<net::InMemoryTransport>([this](const net::HttpRequest& r) {
      net::HttpResponse response = venue_->HandleHttp(r);
      if (response.delay_ms > 0) (void)VirtualWorkers::SleepIfOnJob(response.delay_ms);
      return response;
    });
    // The stream's own exchange (its snapshots), and one per REST worker, as keel-traderd has.
    exchange_ = sim::MakeExchange(dialect, *transport_, "keel-demo-key", Secret("keel-demo-secret"), clock_,
                                  [this](TimeMs ms) { Sleep(ms); });
    for (int i = 0; i < settings_.daemon.rest_workers; ++i)
      worker_exchanges_.push_back(sim::MakeExchange(dialect, *transport_, "keel-demo-key", Secret("keel-demo-secret"),
                                                    clock_, [this](TimeMs ms) { Sleep(ms); }));
    feed_ = sim::DialectFeed::Create(dialect, venue_->exchange(), "keel-demo-key").value();
    store_ = SqliteStore::OpenWriter(dir + "/keel.db").value();
    settings_.account = kAccount;
    settings_.daemon.metrics_listen.reset();
    // An operator who wants drift found within a minute sets these; the soak's quiet phase
    // covers both.
    settings_.daemon.orphan_scan_interval_ms = 10'000;
    settings_.daemon.reconcile_interval_ms = 20'000;
    settings_.sleep = [this](TimeMs ms) { Sleep(ms); };
    // A grid episode: the daemon runs the grid ([[strategy]] kind = "grid") on the hedge account.
    if (plan.grid) settings_.daemon.grids.push_back(*plan.grid);
  }
  ~World() { StopEngine(); }

  EpisodeOutcome Run() {
    outcome_.seed = plan_.seed;
    if (plan_.grid) {
      // The most a grid's leg may hold: every level filled.
      const GridConfig& g = *plan_.grid;
      asked_.push_back(SignalAsked{GridIdPrefix(g.symbol), g.symbol,
                                   Decimal::FromInteger(g.levels).value().Mul(g.qty, Rounding::kNearest).value()});
    }
    StartEngine();
    const TimeMs t0 = t0_ = clock_.NowMs();
    std::size_t next_signal = 0, next_fault = 0;
    const TimeMs end_active = t0 + plan_.options.active_ms;
    while (clock_.NowMs() < end_active) {
      const TimeMs now = clock_.NowMs() - t0;
      while (next_signal < plan_.signals.size() && plan_.signals[next_signal].at <= now) Send(plan_.signals[next_signal++]);
      while (next_fault < plan_.faults.size() && plan_.faults[next_fault].at <= now) Inject(plan_.faults[next_fault++]);
      Step();
    }
    // Quiet: every fault off, the stream back, the daemon up; then time to settle. A freeze runs
    // its course: an exchange that answers nothing for a minute is what it is about.
    (void)venue_->Apply(sim::ParseSimCommandJson(R"({"clear":"faults"})").value());
    pending_off_.clear();
    if (down_since_ >= 0) restart_at_ = clock_.NowMs();
    if (!stream_up_) reconnect_at_ = clock_.NowMs();
    TimeMs end = clock_.NowMs() + plan_.options.quiet_ms;
    if (frozen_until_ >= 0) end = std::max(end, frozen_until_ + 40'000);  // time to settle after the thaw
    while (clock_.NowMs() < end) Step();
    return Judge();
  }

 private:
  bool alive() const { return engine_ && !loop_->killed(); }

  void StartEngine() {
    loop_ = std::make_unique<VirtualLoop>(clock_);
    std::vector<Exchange*> exchanges;
    for (const auto& e : worker_exchanges_) exchanges.push_back(e.get());
    workers_ = std::make_unique<VirtualWorkers>(std::move(exchanges), clock_);
    engine_ = std::make_unique<Engine>(settings_, *store_, clock_, *loop_, *workers_, alerts_);
    // A new process has a new stream client: what the old one's adapter remembered (Bybit's join
    // of fills to positions by seq, the execIds it took) is gone with it.
    if (generation_ > 0) feed_ = sim::DialectFeed::Create(dialect_, venue_->exchange(), "keel-demo-key").value();
    ++generation_;
    ready_ = false;
    start_failed_ = false;
    pushes_during_start_.clear();
    const int generation = generation_;
    engine_->Start([this, generation](Status st) {
      if (generation != generation_) return;
      if (!st.ok()) {
        // The daemon exits and systemd starts it again a second later: what the stream told it
        // during its start-up is lost with it.
        start_failed_ = true;
        pushes_during_start_.clear();
        start_failures_.push_back(st.ToString());
        down_since_ = down_since_ < 0 ? clock_.NowMs() : down_since_;
        restart_at_ = clock_.NowMs() + 1000;
        return;
      }
      ready_ = true;
      for (auto& [key, times] : pushes_during_start_) pushes_[key].insert(pushes_[key].end(), times.begin(), times.end());
      pushes_during_start_.clear();
      if (down_since_ >= 0) {
        down_.emplace_back(down_since_, clock_.NowMs());
        down_since_ = -1;
      }
      engine_->OnStreamState(stream_up_, stream_up_ ? "live" : "reconnecting");
    });
  }

  void Restart() {
    restart_at_ = -1;
    KeepLog();
    StopEngine();
    StartEngine();
  }

  // The process ends: its REST work stops where it is, then the engine goes.
  void StopEngine() {
    if (workers_) workers_->Cancel();
    if (engine_) illegal_trade_transitions_ += engine_->counters().illegal_trade_transitions;
    engine_.reset();
  }

  // 10 ms of the episode: the venue, the stream and the engine move together.
  void Step() {
    Wait(10);
    RunLoop();
    const TimeMs now = clock_.NowMs();
    if (kill_pending_ && loop_->killed()) {
      kill_pending_ = false;
      workers_->Cancel();  // SIGKILL: no request of the dead process goes out after this
      ended_at_[generation_] = now;
      down_since_ = now;
      restart_at_ = now + kill_down_ms_;
    }
    if (restart_at_ >= 0 && now >= restart_at_) Restart();
    if (reconnect_at_ >= 0 && now >= reconnect_at_) Reconnect();
    for (auto it = pending_off_.begin(); it != pending_off_.end();) {
      if (it->first > now) break;
      (void)venue_->Apply(sim::ParseSimCommandJson(it->second).value());
      it = pending_off_.erase(it);
    }
  }

  void RunLoop() {
    if (!loop_->killed()) workers_->RunDue();
    loop_->RunReady();
    loop_->FireDue();
  }

  // A wait of the engine's or the adapter's: a REST worker's job sleeps on the virtual clock while
  // the episode goes on; anything else (the stream's snapshot) waits in line.
  void Sleep(TimeMs ms) {
    if (!VirtualWorkers::SleepIfOnJob(ms)) Wait(ms);
  }

  void Wait(TimeMs ms) {
    for (TimeMs left = ms; left > 0; left -= 50) {
      clock_.Advance(left < 50 ? left : 50);
      if (frozen_until_ >= 0) {
        // The exchange is frozen: nothing moves, nothing is sent; its streams stay connected.
        if (clock_.NowMs() < frozen_until_) continue;
        Thaw();
      }
      venue_->Tick();
      auto events = venue_->TakeDueUserEvents();
      for (auto& e : events) {
        if (!stream_up_) continue;  // sent while the connection was down: lost
        auto items = feed_->Decode(e);
        if (!items.ok()) {
          outcome_.violations.push_back({"undecodable-event", "stream", items.status().message()});
          continue;
        }
        for (auto& item : *items) loop_->Post([this, item] { Deliver(item); });
      }
      if (stream_up_)
        for (auto& item : feed_->Due()) loop_->Post([this, item] { Deliver(item); });
      for (auto& e : venue_->TakeMarketEvents()) {
        for (const auto& t : feed_->Decode(e)) {
          loop_->Post([this, t] {
            if (t.mark) engine_->OnMarkPrice(t.symbol, *t.mark);
            if (t.bid && t.ask) engine_->OnBookTicker(t.symbol, *t.bid, *t.ask);
          });
        }
      }
    }
  }

  void Thaw() {
    blind_.emplace_back(frozen_since_, clock_.NowMs());
    frozen_until_ = -1;
    transport_->FailNext(0);
  }

  void Deliver(const sim::StreamItem& item) {
    if (start_failed_) return;  // the process has exited; nothing reaches it
    if (auto* o = std::get_if<OrderEvent>(&item)) engine_->OnOrderEvent(*o);
    else if (auto* p = std::get_if<PositionEvent>(&item)) {
      // What the daemon was told (the checker's "unseen" needs it): only what reached it, and
      // during start-up only once that start-up succeeds (chaos seed 1001655: an outside position
      // pushed to a start-up that then failed for the rate was counted as told, and its time under
      // lagging reads held against keel). A push of the leg flat (its close) tells nothing of it
      // being open (chaos seed 854145). Told when it arrived, not when the row last changed: Bybit
      // pushes a position on every order's create, amend and cancel, with the updatedTime of its
      // last fill (seed 1001655: the protecting stop's own push, 7 s after the outside fill).
      auto& told = ready_ ? pushes_ : pushes_during_start_;
      for (const auto& r : p->positions)
        if (!r.amount.is_zero()) told[r.symbol + "/" + to_string(r.position_side)].push_back({clock_.NowMs(), generation_});
      engine_->OnPositionEvent(*p);
    }
  }

  void Reconnect() {
    reconnect_at_ = -1;
    stream_up_ = true;
    if (!alive() || !ready_) return;  // a restarted engine reads the account at start anyway
    loop_->Post([this] {
      engine_->OnStreamState(true, "live");
      auto snapshot = exchange_->Account();
      if (snapshot.ok()) {
        engine_->OnSnapshot(*snapshot);
      } else {
        // As the stream client does: the connection is dropped and made again.
        engine_->OnStreamState(false, "snapshot failed: " + snapshot.status().message());
        stream_up_ = false;
        reconnect_at_ = clock_.NowMs() + 1000;
      }
    });
  }

  void Send(const PlannedSignal& s) {
    if (s.open() || s.add) asked_.push_back(s.asked);
    if (!alive() || !ready_) return;  // no control socket: the bot's send fails, and it knows
    const int generation = generation_;
    unanswered_[s.asked.id] = generation;
    std::string json = s.json;
    if (s.limit_offset_bps) {
      const sim::Market* market = venue_->exchange().FindMarket(s.asked.symbol);
      const sim::SimInstrument* inst = venue_->exchange().config().Find(s.asked.symbol);
      if (market && inst) json = SignalToSend(s, market->mark(), inst->filters.tick_size);
    }
    loop_->Post([this, s, json] {
      engine_->SubmitSignal(json, "chaos", [this, s](EngineReply reply) {
        unanswered_.erase(s.asked.id);
        if (s.move || s.cancel || s.add || s.flip || s.trail || s.limit_offset_bps) {
          auto answer = JsonFields::Parse(reply.json, "answer");
          auto result = answer.ok() ? answer->String("result") : Result<std::optional<std::string>>(std::nullopt);
          ++outcome_.move_answers[std::string(s.move ? "move " : s.cancel ? "cancel " : s.add ? "add " : s.flip ? "flip " : s.trail ? "trail " : "limit ") +
                                  (result.ok() && *result ? **result : "?")];
        }
        // "flat": a close signal answered 0 claims every leg of its symbol flat, now.
        if (s.close && reply.exit_code == 0)
          claims_.push_back(Claim{Claim::Kind::kFlat, clock_.NowMs(), s.asked.symbol, "", "", "close signal " + s.asked.id + " answered flat"});
      });
    });
  }

  void Inject(const PlannedFault& f) {
    switch (f.cls) {
      case FaultClass::kSimCommand: {
        Status st = venue_->Apply(sim::ParseSimCommandJson(f.command).value());
        if (!st.ok()) {
          ++outcome_.faults_skipped;
          return;
        }
        if (f.duration_ms > 0) pending_off_.emplace(clock_.NowMs() + f.duration_ms, f.off_command);
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
        if (!stream_up_) {
          ++outcome_.faults_skipped;
          return;
        }
        stream_up_ = false;
        if (alive()) {
          const std::string why = f.cls == FaultClass::kDisconnect ? "disconnected" : "listen key expired";
          loop_->Post([this, why] { engine_->OnStreamState(false, why); });
        }
        reconnect_at_ = clock_.NowMs() + f.duration_ms;
        break;
      case FaultClass::kFreeze:
        if (frozen_until_ >= 0) {
          ++outcome_.faults_skipped;
          return;
        }
        frozen_since_ = clock_.NowMs();
        frozen_until_ = frozen_since_ + f.duration_ms;
        transport_->FailNext(1 << 30);
        break;
      case FaultClass::kOutsidePosition: {
        sim::NewOrderRequest r;
        r.symbol = f.symbol;
        r.side = f.side == "BUY" ? Side::kBuy : Side::kSell;
        r.type = OrderType::kMarket;
        r.quantity = f.qty;
        r.client_order_id = "web-" + std::to_string(clock_.NowMs());
        if (plan_.hedge_mode) r.position_side = r.side == Side::kBuy ? PositionSide::kLong : PositionSide::kShort;
        if (frozen_until_ >= 0 || !venue_->exchange().PlaceOrder(0, r).ok()) {
          ++outcome_.faults_skipped;
          return;
        }
        break;
      }
      case FaultClass::kOperatorTool:
        if (!alive() || !ready_) {
          ++outcome_.faults_skipped;
          return;
        }
        RunTool(f);
        break;
      case FaultClass::kGridOperator:
        if (!alive() || !ready_) {
          ++outcome_.faults_skipped;
          return;
        }
        GridOperator(f);
        break;
      case FaultClass::kKill:
        if (!alive() || kill_pending_) {
          ++outcome_.faults_skipped;
          return;
        }
        loop_->KillAfter(f.kill_after);
        kill_pending_ = true;
        kill_down_ms_ = f.duration_ms;
        break;
    }
    ++outcome_.faults[f.kind];
  }

  // As keel's tool does when the daemon holds the store: the action runs on the daemon's worker
  // (Engine::RunToolAction), and its answer is judged as a claim.
  void RunTool(const PlannedFault& f) {
    loop_->Post([this, f] {
      engine_->RunToolAction(
          f.command,
          [this, f](Exchange& ex, StateStore& store, std::ostream& out) -> Result<int> {
            const ops::ToolSpec spec{f.command, "", ops::StoreAccess::kWriter, false, true};
            AccountConfig config;
            config.account_name = kAccount;
            ops::ToolContext ctx{spec, ops::CommonOptions{}, config, ops::OwnedOrBorrowed<StateStore>::Borrow(store),
                                 dir_ + "/keel.db", out, tool_clock_, ops::OwnedOrBorrowed<Exchange>::Borrow(ex)};
            return RunOperatorTool(ctx, f);
          },
          [this, f](EngineReply reply) {
            if (auto claim = ClaimOfTool(f, reply.exit_code, reply.json, clock_.NowMs())) claims_.push_back(*claim);
          },
          // As the daemon's control handler does for a forwarded keel-close-position.
          f.command == "keel-close-position" ? std::optional<Engine::ToolCloses>(Engine::ToolCloses{f.symbol, std::nullopt})
                                             : std::nullopt);
    });
  }

  // keel-ctl pause, resume or flatten SYMBOL on the daemon running the grid, as the control
  // socket hands them to the engine. A flatten answered 0 claims every leg of the symbol flat.
  void GridOperator(const PlannedFault& f) {
    loop_->Post([this, f] {
      const TimeMs began = clock_.NowMs();
      std::size_t slot = grid_flattens_.size();
      if (f.command == "flatten") grid_flattens_.push_back(CheckInput::GridFlatten{began, -1, -1, CheckInput::kNever});
      if (f.command == "resume") grid_resumes_.push_back(began);
      ReplyFn reply = [this, f, slot](EngineReply r) {
        ++outcome_.grid.operator_answers[f.command + " exit " + std::to_string(r.exit_code)];
        if (f.command != "flatten" || slot >= grid_flattens_.size()) return;
        grid_flattens_[slot].answered = clock_.NowMs();
        grid_flattens_[slot].exit_code = r.exit_code;
        if (r.exit_code == 0)
          claims_.push_back(Claim{Claim::Kind::kFlat, clock_.NowMs(), f.symbol, "", "", "operator flatten " + f.symbol + " answered flat"});
      };
      if (f.command == "pause") engine_->Pause(std::move(reply));
      else if (f.command == "resume") engine_->Resume(std::move(reply));
      else engine_->OperatorFlatten(f.symbol, std::move(reply));
    });
  }

  bool Act(const PlannedFault& f) {
    auto truth = ParseGroundTruth(sim::GroundTruthJson(venue_->exchange(), 0, venue_->refusals()));
    if (!truth.ok()) return false;
    const std::string command = ExchangeActCommand(f, *truth);
    return !command.empty() && venue_->Apply(sim::ParseSimCommandJson(command).value()).ok();
  }

  EpisodeOutcome Judge() {
    for (const auto& [id, generation] : unanswered_)
      if (generation == generation_)
        outcome_.violations.push_back({"hang", id, "the signal was never answered by the daemon that took it"});
    if (!ready_)
      outcome_.violations.push_back(
          {"hang", "start", "the daemon did not start again" +
                                (start_failures_.empty() ? std::string() : ": " + start_failures_.back())});
    const std::string truth_json = sim::GroundTruthJson(venue_->exchange(), 0, venue_->refusals());
    if (frozen_until_ >= 0) Thaw();
    CheckInput input;
    input.signals = asked_;
    input.outside = plan_.outside;
    input.claims = claims_;
    input.blind = blind_;
    input.alerts = alerts_.raised;
    input.blind_alert_after_ms = settings_.daemon.stream_down_alert_ms * 3 / 2 + 1000;
    input.daemon_down = down_;
    input.pushes_known = true;
    for (const auto& [key, told] : pushes_) {
      for (const auto& [at, generation] : told) {
        input.pushes[key].push_back(at);
        auto ended = ended_at_.find(generation);
        input.pushes_forgotten_at[key].push_back(ended != ended_at_.end() ? ended->second : CheckInput::kNever);
      }
    }
    input.stale_position_reads = StalePositionReads(plan_, t0_);
    input.unseen_allowance_ms = settings_.daemon.orphan_scan_interval_ms;
    input.grace_ms = settings_.daemon.protect_grace_ms;
    input.tolerance_ms = settings_.watch_interval_ms + 750;
    if (plan_.grid) {
      CheckInput::Grid grid{plan_.grid->symbol, GridIdPrefix(plan_.grid->symbol), grid_flattens_};
      // The grid may send again after a resume, or once the process that paused it ended.
      std::vector<TimeMs> ends = grid_resumes_;
      for (const auto& [from, to] : down_) ends.push_back(from);
      if (down_since_ >= 0) ends.push_back(down_since_);
      for (const auto& [generation, at] : ended_at_) ends.push_back(at);
      for (auto& f : grid.flattens)
        for (TimeMs at : ends)
          if (at >= f.began && at < f.paused_until) f.paused_until = at;
      input.grid = grid;
    }
    JudgeEpisode(truth_json, *store_, input, clock_.NowMs(), outcome_);
    if (plan_.grid) CountGrid(*store_, *plan_.grid, outcome_);
    // The engine's own lifecycle refused a move: a bug whatever the exchange shows (engine.log).
    const std::int64_t illegal = illegal_trade_transitions_ + (engine_ ? engine_->counters().illegal_trade_transitions : 0);
    if (illegal > 0)
      outcome_.violations.push_back(
          Violation{"illegal-trade-transition", "engine", std::to_string(illegal) + " refused trade transition(s)"});
    for (const auto& [endpoint, results] : venue_->request_counts())
      for (const auto& [result, n] : results) outcome_.rest_calls += n;
    if (!outcome_.violations.empty()) Keep(truth_json);
    return outcome_;
  }

  // The log of every engine the episode started, the killed ones' too.
  void KeepLog() {
    if (!engine_) return;
    log_.push_back("--- engine " + std::to_string(generation_) + " ---");
    for (const auto& l : engine_->log()) log_.push_back(l);
  }

  // The evidence of a failing episode, beside its seed: the engines' log with the rest.
  void Keep(const std::string& truth_json) {
    KeepLog();
    {
      std::ofstream log(dir_ + "/engine.log");
      for (const auto& l : log_) log << l << "\n";
    }
    StopEngine();
    WriteEvidence(dir_, plan_, truth_json, *store_, outcome_);
  }

  const EpisodePlan& plan_;
  std::string dir_;
  ManualClock clock_{kStart};
  EpisodeClock tool_clock_{clock_, [this](TimeMs ms) { Sleep(ms); }};
  std::unique_ptr<sim::SimVenue> venue_;
  std::unique_ptr<net::InMemoryTransport> transport_;
  std::unique_ptr<Exchange> exchange_;
  std::unique_ptr<sim::DialectFeed> feed_;
  sim::Dialect dialect_;
  std::unique_ptr<SqliteStore> store_;
  EngineSettings settings_;
  std::unique_ptr<VirtualLoop> loop_;
  std::vector<std::unique_ptr<Exchange>> worker_exchanges_;
  std::unique_ptr<VirtualWorkers> workers_;
  RecordedAlerts alerts_;
  std::vector<Claim> claims_;
  std::int64_t illegal_trade_transitions_ = 0;  // of the engines already stopped
  TimeMs frozen_since_ = -1;
  TimeMs frozen_until_ = -1;
  std::vector<std::pair<TimeMs, TimeMs>> blind_;
  std::unique_ptr<Engine> engine_;
  EpisodeOutcome outcome_;
  int generation_ = 0;
  bool ready_ = false;
  bool stream_up_ = true;
  bool kill_pending_ = false;
  TimeMs kill_down_ms_ = 0;
  TimeMs down_since_ = -1;
  TimeMs restart_at_ = -1;
  TimeMs reconnect_at_ = -1;
  std::multimap<TimeMs, std::string> pending_off_;
  std::vector<std::pair<TimeMs, TimeMs>> down_;
  // Position pushes that reached keel (exchange time, the process's generation), and when each
  // process was killed.
  std::map<std::string, std::vector<std::pair<TimeMs, int>>> pushes_;
  std::map<std::string, std::vector<std::pair<TimeMs, int>>> pushes_during_start_;  // told only if that start-up succeeds
  std::map<int, TimeMs> ended_at_;
  bool start_failed_ = false;
  TimeMs t0_ = 0;  // the episode's start: the plan's times count from it
  std::vector<std::string> start_failures_;
  std::vector<std::string> log_;
  std::vector<SignalAsked> asked_;
  std::map<std::string, int> unanswered_;
  std::vector<CheckInput::GridFlatten> grid_flattens_;
  std::vector<TimeMs> grid_resumes_;
};

}  // namespace

EpisodeOutcome RunInProcess(const EpisodePlan& plan, const EpisodeOptions& options) {
  return PlayInEpisodeDir(plan, options, [&](const std::string& dir) { return World(plan, dir, options.dialect).Run(); });
}

}  // namespace keel::chaos
