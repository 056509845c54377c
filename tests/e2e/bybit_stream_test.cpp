// keel's Bybit private stream against keel-exchange-sim's Bybit dialect over loopback: auth, the
// subscription, a snapshot after each one, fills from the order topic, a stop whose fill lands in
// the regular book, pings, and a reconnect after the server drops the connection.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "http_client.h"
#include "keel/bybit/bybit_exchange.h"
#include "keel/bybit/private_stream.h"
#include "sim_process.h"

using namespace keel;
using namespace keel::test;

namespace {

std::unique_ptr<bybit::BybitExchange> Connect(std::uint16_t port, const Clock& clock) {
  auto transport = net::CurlTransport::Create("http://127.0.0.1:" + std::to_string(port), std::nullopt);
  REQUIRE(transport.ok());
  std::unique_ptr<net::HttpTransport> owned = std::move(transport).value();
  auto client = std::make_unique<bybit::RestClient>(*owned, "keel-demo-key", Secret("keel-demo-secret"), clock,
                                                    [](TimeMs ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); });
  return std::make_unique<bybit::BybitExchange>(std::move(owned), std::move(client));
}

}  // namespace

TEST_CASE("the Bybit private stream authenticates, subscribes, joins executions to positions by seq and survives a drop") {
  SimProcess sim;
  REQUIRE(sim.ready());
  SystemClock clock;
  auto stream_exchange = Connect(sim.rest_port(), clock);
  auto trading = Connect(sim.rest_port(), clock);
  bybit::RestClient& rest = stream_exchange->client();
  REQUIRE(rest.SyncTime().ok());

  net::EventLoop loop;
  std::vector<std::string> fills;
  std::vector<std::string> states;
  std::vector<std::string> positions;
  int snapshot_positions = -1;
  bybit::PrivateStreamOptions options;
  options.ws_url = "ws://127.0.0.1:" + std::to_string(sim.ws_port());
  options.api_key = "keel-demo-key";
  options.ping_ms = 200;
  options.backoff_initial_ms = 100;
  options.jitter_seed = 7;
  bybit::PrivateStreamHandler handler;
  handler.on_order = [&](const OrderEvent& e) {
    CHECK(e.event_time > 0);
    CHECK(e.transaction_time > 0);
    if (e.is_fill())
      fills.push_back(e.client_order_id + " " + to_string(e.book) + " " + e.last_qty.ToString() + " " + e.venue_execution +
                      (e.fill_count == FillCount::kInPositionReport ? " counted" : " not counted"));
  };
  handler.on_position = [&](const PositionEvent& p) {
    for (const auto& row : p.positions) positions.push_back(row.symbol + " " + row.amount.ToString());
  };
  handler.on_snapshot = [&](const AccountReport& r) { snapshot_positions = static_cast<int>(r.positions.size()); };
  handler.on_state = [&](const std::string& s) { states.push_back(s); };
  bybit::PrivateStream stream(loop, *stream_exchange, clock, [&rest] { return rest.time_offset_ms(); },
                              Secret("keel-demo-secret"), options, handler);
  REQUIRE(stream.Start().ok());

  HttpClient control(sim.rest_port());
  loop.After(500, [&] {
    CHECK(stream.subscriptions() == 1);
    CHECK(snapshot_positions == 0);
    PlaceOrder o;
    o.client_order_id = "kdemo-e1-BTCUSDT";
    o.symbol = "BTCUSDT";
    o.side = Side::kBuy;
    o.type = OrderType::kMarket;
    o.qty = Decimal::Parse("0.010").value();
    auto placed = trading->Place(o);
    REQUIRE_MESSAGE(placed.ok(), placed.status().ToString());
  });
  loop.After(1000, [&] { control.Send("POST", "/_sim/command", {}, R"({"fault":"disconnect"})"); });
  loop.After(2000, [&] {
    CHECK(snapshot_positions == 1);  // the resubscription's snapshot holds the position
    // A whole-position stop, then the exchange fills it: its fill is a regular-book fill.
    PlaceOrder stop;
    stop.book = OrderBook::kConditional;
    stop.client_order_id = "kdemo-s1-BTCUSDT";
    stop.symbol = "BTCUSDT";
    stop.side = Side::kSell;
    stop.type = OrderType::kStopMarket;
    auto mark = trading->MarkPrice("BTCUSDT");
    REQUIRE(mark.ok());
    stop.trigger_price = mark->Mul(Decimal::Parse("0.99").value(), Rounding::kDown).value().RoundTo(Decimal::Parse("0.1").value(), Rounding::kDown).value();
    stop.close_position = true;
    auto placed = trading->Place(stop);
    REQUIRE_MESSAGE(placed.ok(), placed.status().ToString());
    control.Send("POST", "/_sim/command", {}, R"({"act":"move_price","symbol":"BTCUSDT","percent":"-5","over_ms":0})");
  });
  loop.After(3000, [&] {
    stream.Stop();
    loop.Stop();
  });
  loop.Run();

  INFO("states: " << [&] { std::string all; for (auto& s : states) all += s + " | "; return all; }());
  CHECK(stream.connects() == 2);
  CHECK(stream.subscriptions() == 2);
  CHECK(stream.snapshots() == 2);
  REQUIRE(fills.size() == 2);
  // Each fill once, from the execution topic, counted by the position row of its seq.
  CHECK(fills[0] == "kdemo-e1-BTCUSDT regular 0.01 Trade counted");
  CHECK(fills[1] == "kdemo-s1-BTCUSDT regular 0.01 Trade counted");
  CHECK(stream.executions_seen() == 2);
  REQUIRE(!positions.empty());
  CHECK(positions.front() == "BTCUSDT 0.01");
  CHECK(positions.back() == "BTCUSDT 0");
}
