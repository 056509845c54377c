#include "keel/ops/traderd.h"

#include <algorithm>
#include <csignal>
#include <iostream>
#include <optional>

#include <spdlog/spdlog.h>

#include "keel/engine/engine.h"
#include "keel/engine/runtime.h"
#include "keel/exchange/connect.h"
#include "keel/exchange/streams.h"
#include "keel/model/log_text.h"
#include "keel/net/worker_threads.h"
#include "keel/net/line_server.h"
#include "keel/ops/alert_sinks.h"
#include "keel/ops/daemon_metrics.h"
#include "keel/ops/systemd_notify.h"
#include "keel/ops/exit_code.h"
#include "keel/ops/signal_spool.h"
#include "keel/store/sqlite_store.h"
#include "traderd_parts.h"

namespace keel::ops {

int RunTraderd(const TraderdOptions& options) {
  auto config = LoadAccountConfig(options.config_path);
  if (!config.ok()) {
    std::cerr << "keel-traderd: " << config.status().message() << "\n";
    return kExitUsage;
  }
  const AccountConfig& c = *config;
  const DaemonConfig& d = c.daemon;
  if (options.check_only) return CheckTraderdConfig(c);
  auto store = SqliteStore::OpenWriter(c.store_path);
  if (!store.ok()) {
    std::cerr << "keel-traderd: " << store.status().message() << "\n";
    return kExitUsage;
  }
  SystemClock clock;
  // Read once: every worker's Exchange and the Bybit private stream share it.
  auto credentials = LoadCredentials(c);
  if (!credentials.ok()) {
    std::cerr << "keel-traderd: " << credentials.status().message() << "\n";
    return exit_code_for(credentials.status());
  }
  std::vector<std::unique_ptr<Exchange>> exchanges;
  for (int i = 0; i < d.rest_workers + 1; ++i) {
    auto ex = ConnectExchange(c, *credentials, clock);
    if (!ex.ok()) {
      std::cerr << "keel-traderd: " << ex.status().message() << "\n";
      return exit_code_for(ex.status());
    }
    exchanges.push_back(std::move(ex).value());
  }
  std::vector<const Exchange*> worker_exchanges;  // their used request weight, for the metrics
  for (std::size_t i = 0; i + 1 < exchanges.size(); ++i) worker_exchanges.push_back(exchanges[i].get());
  std::unique_ptr<Exchange> stream_exchange = std::move(exchanges.back());
  exchanges.pop_back();

  net::EventLoop loop;
  AsioEngineLoop engine_loop(loop);
  ThreadWorkers workers(std::move(exchanges));
  // The engine logs every alert itself; these are the [[alert]] sinks.
  ops::AlertDispatcher alerts(c.account_name, d.alerts, c.ca_path);
  EngineSettings settings;
  settings.account = c.account_name;
  settings.daemon = d;
  settings.sleep = [&clock](TimeMs ms) { clock.SleepMs(ms); };
  Engine engine(settings, **store, clock, engine_loop, workers, alerts);

  std::unique_ptr<ops::DaemonMetrics> metrics;
  if (d.metrics_listen) {
    auto started = ops::DaemonMetrics::Start(*d.metrics_listen);
    if (!started.ok()) {
      std::cerr << "keel-traderd: " << started.status().message() << "\n";
      return kExitUsage;
    }
    metrics = std::move(started).value();
    spdlog::info("metrics on http://{}/metrics (port {})", *d.metrics_listen, metrics->port());
  }
  auto sample_metrics = [&] {
    if (!metrics) return;
    ops::DaemonSample sample;
    sample.engine = engine.counters();
    sample.guard_blocks = engine.guard_blocks();
    sample.latency = engine.latency();
    sample.alerts_delivered = alerts.delivered();
    sample.alerts_failed = alerts.failed();
    sample.alerts_held_back = alerts.held_back();
    for (const auto* ex : worker_exchanges) sample.rest_weight_used = std::max(sample.rest_weight_used, ex->UsedRequestWeight());
    metrics->Update(sample);
  };

  net::LineServer control(loop, [&engine, &c, &clock](const std::string& line, net::LineReply reply, net::LinePush push) {
    HandleControl(engine, c, clock, line, std::move(reply), std::move(push));
  });
  Status listening = control.Listen(d.control_socket);
  if (!listening.ok()) {
    std::cerr << "keel-traderd: daemon.control_socket: " << listening.message() << "\n";
    return kExitUsage;
  }
  std::optional<SignalSpool> spool;
  if (d.spool_dir) {
    auto opened = SignalSpool::Open(*d.spool_dir);
    if (!opened.ok()) {
      std::cerr << "keel-traderd: daemon.spool_dir: " << opened.status().message() << "\n";
      return kExitUsage;
    }
    spool = std::move(opened).value();
  }

  StreamHandler stream_handler;
  stream_handler.on_order = [&engine](const OrderEvent& e) { engine.OnOrderEvent(e); };
  stream_handler.on_position = [&engine](const PositionEvent& p) { engine.OnPositionEvent(p); };
  stream_handler.on_snapshot = [&engine](const AccountReport& a) { engine.OnSnapshot(a); };
  stream_handler.on_state = [&engine](const std::string& s) { engine.OnStreamState(s == "live", s); };
  stream_handler.on_book = [&engine](const std::string& s, Decimal bid, Decimal ask) { engine.OnBookTicker(s, bid, ask); };
  stream_handler.on_mark = [&engine](const std::string& s, Decimal mark) { engine.OnMarkPrice(s, mark); };
  stream_handler.on_market_state = [](const std::string& line) { spdlog::info("market stream: {}", LogText(line)); };
  stream_handler.on_refused = [&engine](const std::string& stream, const std::string& s) {
    engine.OnStreamFrameRefused(stream, s);
  };
  // The streams' REST calls (listen keys, snapshots): on their own thread and connection, never the loop's.
  net::WorkerThreads stream_rest;
  StreamSetup stream_setup;
  stream_setup.offload = [&stream_rest](std::function<void()> job) { stream_rest.Run(std::move(job)); };
  auto connected_streams = ConnectStreams(loop, c, *credentials, *stream_exchange, clock, stream_setup, stream_handler);
  if (!connected_streams.ok()) {
    std::cerr << "keel-traderd: " << connected_streams.status().message() << "\n";
    return exit_code_for(connected_streams.status());
  }
  std::unique_ptr<VenueStreams> streams = std::move(connected_streams).value();

  int exit_code = 0;
  bool stopping = false;
  auto stop = [&](const char* why) {
    if (stopping) return;
    stopping = true;
    spdlog::info("{}: shutting down", why);
    ops::NotifyStopping();
    engine.Shutdown([&] {
      streams->Stop();
      control.Close();
      loop.Stop();
    });
  };
  loop.OnTerminationSignal([&](int sig) { stop(sig == SIGTERM ? "SIGTERM" : "SIGINT"); });
  loop.OnSignal(SIGHUP, [&] { ReloadTraderd(options.config_path, c, engine); });
  loop.Post([&] {
    engine_loop.MarkLoopThread();
    Status private_started = streams->StartPrivate();
    if (!private_started.ok()) spdlog::error("private stream not started: {}", LogText(private_started.message()));
    engine.Start([&](Status st) {
      if (!st.ok()) {
        std::cerr << "keel-traderd: start-up failed: " << st.message() << "\n";
        exit_code = exit_code_for(st);
        stop("start-up failed");
        return;
      }
      // Market data (mark and best prices) for every listed symbol while they are few; on a venue
      // listing hundreds, for the symbols the risk config names.
      std::vector<std::string> symbols = engine.ListedSymbols();
      if (symbols.size() > 50) {
        symbols.clear();
        for (const auto& [sym, limit] : settings.daemon.risk.symbols) symbols.push_back(sym);
      }
      Status market_started = streams->StartMarket(symbols);
      if (!market_started.ok()) spdlog::error("market streams not started: {}", LogText(market_started.message()));
      spdlog::info("keel-traderd ready account={} control_socket={}", settings.account, settings.daemon.control_socket);
      spdlog::info("risk limits: {}", DescribeRiskLimits(settings.daemon.risk));
      ops::NotifyReady("taking signals, account " + settings.account);
      std::cout << "keel-traderd: ready, account " << settings.account << ", control socket "
                << settings.daemon.control_socket << std::endl;
    });
    loop.Every(1000, sample_metrics);
    if (const TimeMs watchdog = ops::WatchdogIntervalMs(); watchdog > 0) {
      // The loop itself pings: a wedged engine thread stops the pings and systemd restarts it.
      loop.Every(watchdog, [] { ops::NotifyWatchdog(); });
    }
    if (spool) loop.Every(500, [&engine, &spool, &stopping] {
      if (stopping || !engine.ready()) return;
      spool->Scan([&engine](const std::string& text, const std::string& origin, SpoolAnswer answer) {
        engine.SubmitSignal(text, origin, [answer = std::move(answer)](EngineReply r) { answer(r.exit_code, WithExitCode(r)); });
      });
    });
  });
  loop.Run();
  workers.Stop();
  stream_rest.Stop();
  alerts.Stop();  // what was raised last is still delivered
  return exit_code;
}

}  // namespace keel::ops
