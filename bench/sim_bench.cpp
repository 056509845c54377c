// keel-exchange-sim figures: matching cost in process, memory with many resting orders, signed
// orders per second over REST with keep-alive, and stream events per second to one client.
//   keel-sim-bench [orders] [matching|rest|stream]   (all three by default)
#include <unistd.h>

#include <atomic>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_clock.h"
#include "http_client.h"
#include "keel/net/event_loop.h"
#include "keel/sim/sim_server.h"
#include "ws_client.h"

using namespace keel;
using namespace keel::sim;

namespace {

long rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

SimConfig unlimited() {
  SimConfig c = DefaultSimConfig();
  c.limits.enforce = false;
  c.limits.max_open_orders = 1'000'000;
  c.accounts[0].initial_balance = Decimal::Parse("90000000000").value();
  c.default_leverage = 1;  // the widest notional cap (-2027): the bench measures matching, not risk limits
  return c;
}

NewOrderRequest limit_order(const Market& m, long i) {
  NewOrderRequest r;
  r.symbol = m.symbol();
  r.side = i % 2 ? Side::kBuy : Side::kSell;
  r.type = OrderType::kLimit;
  r.time_in_force = TimeInForce::kGtc;
  const Decimal tick = m.instrument().filters.tick_size;
  // Within the PERCENT_PRICE band around the mark (5 %): up to 4 % away, in whole ticks.
  const std::int64_t band_ticks = std::max<std::int64_t>(2, m.last().units() / 25 / tick.units());
  const Decimal offset = Decimal::FromUnits(tick.units() * (1 + i % band_ticks)).value();
  r.price = r.side == Side::kBuy ? m.last().Sub(offset).value() : m.last().Add(offset).value();
  // At least the minimum notional at that price, in whole steps.
  const Decimal step = m.instrument().filters.step_size;
  Decimal qty = m.instrument().filters.min_notional.Mul(Decimal::FromInteger(2).value(), Rounding::kUp).value();
  qty = qty.Div(*r.price, Rounding::kUp).value().RoundTo(step, Rounding::kUp).value();
  if (qty < m.instrument().filters.min_qty) qty = m.instrument().filters.min_qty;
  r.quantity = qty;
  return r;
}

void matching(long orders) {
  ManualClock clock(1'795'165'200'000);
  auto ex = SimExchange::Create(unlimited(), clock).value();
  ex->set_market_events(false);
  const auto markets = ex->Markets();
  std::vector<NewOrderRequest> requests;
  requests.reserve(static_cast<std::size_t>(orders));
  for (long i = 0; i < orders; ++i)
    requests.push_back(limit_order(*markets[static_cast<std::size_t>(i) % markets.size()], i));
  const long before = rss_kb();
  double t0 = bench::now_seconds();
  for (long i = 0; i < orders; ++i) {
    auto placed = ex->PlaceOrder(0, requests[static_cast<std::size_t>(i)]);
    if (!placed.ok()) {
      std::fprintf(stderr, "sim bench: %s\n", placed.status().ToString().c_str());
      std::exit(1);
    }
    if (i % 1000 == 999) ex->TakeUserEvents();
  }
  const double resting_ns = (bench::now_seconds() - t0) * 1e9 / static_cast<double>(orders);
  const long resting_rss = rss_kb();
  t0 = bench::now_seconds();
  const long takers = orders / 10;
  for (long i = 0; i < takers; ++i) {
    NewOrderRequest r;
    r.symbol = markets[static_cast<std::size_t>(i) % markets.size()]->symbol();
    r.side = i % 2 ? Side::kBuy : Side::kSell;
    r.type = OrderType::kMarket;
    r.quantity = markets[static_cast<std::size_t>(i) % markets.size()]->instrument().filters.min_qty.Mul(
                     Decimal::FromInteger(100).value(), Rounding::kDown).value();
    (void)ex->PlaceOrder(0, r);
    if (i % 1000 == 999) ex->TakeUserEvents();
  }
  const double taker_ns = (bench::now_seconds() - t0) * 1e9 / static_cast<double>(takers);
  std::printf("matching, resting limit order:      %8.0f ns/order  (target <= 2000)\n", resting_ns);
  std::printf("matching, market order (taker):     %8.0f ns/order\n", taker_ns);
  std::printf("RSS with 10 symbols, %ld resting:   %8ld kB (+%ld kB; target < 100 MB)\n", orders, resting_rss,
              resting_rss - before);
}

struct Server {
  net::EventLoop loop;
  SystemClock clock;
  std::unique_ptr<SimServer> server;
  std::thread thread;
  Server() {
    SimServerOptions options;
    server = SimServer::Start(unlimited(), options, loop, clock).value();
    thread = std::thread([this] { loop.Run(); });
  }
  ~Server() {
    loop.Post([this] {
      server->Stop();
      loop.Stop();
    });
    thread.join();
  }
};

void rest(long orders) {
  Server s;
  std::atomic<long> done{0};
  auto worker = [&](int id, long n) {
    keel::test::HttpClient http(s.server->rest_port());
    for (long i = 0; i < n; ++i) {
      const std::string side = i % 2 ? "BUY" : "SELL";
      // Resting, inside the 5 % PERCENT_PRICE band around the mark (96250).
      const std::string price = i % 2 ? "92000.0" : "100000.0";
      auto r = keel::test::SendSigned(http, "POST", "/fapi/v1/order",
                                      "symbol=BTCUSDT&side=" + side + "&type=LIMIT&timeInForce=GTC&quantity=0.002&price=" +
                                          price + "&newClientOrderId=b" + std::to_string(id) + "-" + std::to_string(i),
                                      "keel-demo-key", "keel-demo-secret");
      if (r.status != 200) {
        std::fprintf(stderr, "sim bench: order refused: %d %s\n", r.status, r.body.c_str());
        std::exit(1);
      }
      ++done;
    }
  };
  const double t0 = bench::now_seconds();
  std::thread a(worker, 1, orders / 2), b(worker, 2, orders - orders / 2);
  a.join();
  b.join();
  const double rate = static_cast<double>(done.load()) / (bench::now_seconds() - t0);
  std::printf("REST, signed orders, 2 keep-alive connections: %8.0f orders/s  (target >= 5000)\n", rate);
}

void stream(long events) {
  Server s;
  std::string key;
  {
    keel::test::HttpClient http(s.server->rest_port());
    auto r = http.Send("POST", "/fapi/v1/listenKey", {{"X-MBX-APIKEY", "keel-demo-key"}});
    key = r.body.substr(r.body.find(":\"") + 2, 64);
  }
  keel::test::WsClient ws(s.server->ws_port(), "/private/ws?listenKey=" + key);
  if (!ws.ok()) {
    std::fprintf(stderr, "sim bench: no stream connection\n");
    std::exit(1);
  }
  // Each resting order placed emits one ORDER_TRADE_UPDATE; place them on the server's thread.
  const double t0 = bench::now_seconds();
  s.loop.Post([&s, events] {
    SimExchange& ex = s.server->venue().exchange();
    const Market& m = *ex.FindMarket("BTCUSDT");
    for (long i = 0; i < events; ++i) (void)ex.PlaceOrder(0, limit_order(m, i));
  });
  const std::size_t want = static_cast<std::size_t>(events);
  for (int waited = 0; waited < 60000 && ws.messages().size() < want; waited += 5) usleep(5000);
  const double elapsed = bench::now_seconds() - t0;
  std::printf("stream, user-data events to one client:        %8.0f events/s  (%zu of %ld; target >= 50000)\n",
              static_cast<double>(ws.messages().size()) / elapsed, ws.messages().size(), events);
}

}  // namespace

int main(int argc, char** argv) {
  const long orders = argc > 1 ? std::atol(argv[1]) : 10'000;
  const std::string only = argc > 2 ? argv[2] : "";
  if (only.empty() || only == "matching") matching(orders);
  if (only.empty() || only == "rest") rest(std::min(orders, 20'000L));
  if (only.empty() || only == "stream") stream(std::min(orders * 5, 50'000L));
  return 0;
}
