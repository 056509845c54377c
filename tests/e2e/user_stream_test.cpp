// keel's user-data stream client against keel-exchange-sim: events with exchange times, a REST
// snapshot after every (re)connect, recovery from a dropped connection and from listen-key expiry.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "http_client.h"
#include "keel/binance/binance_exchange.h"
#include "keel/binance/market_stream.h"
#include "keel/binance/user_stream.h"
#include "keel/net/worker_threads.h"
#include "sim_process.h"

using namespace keel;
using namespace keel::test;

TEST_CASE("the user-data stream stays alive through a disconnect and a listen-key expiry, snapshotting each time") {
  SimProcess sim;
  REQUIRE(sim.ready());
  auto transport = net::CurlTransport::Create("http://127.0.0.1:" + std::to_string(sim.rest_port()), std::nullopt);
  REQUIRE(transport.ok());
  SystemClock clock;
  auto rest = std::make_unique<binance::RestClient>(**transport, "keel-demo-key", Secret("keel-demo-secret"), clock,
                                                    [](TimeMs ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); });
  binance::RestClient& rest_ref = *rest;
  binance::BinanceExchange exchange(std::move(rest));
  // The test's own orders go through another connection: the stream's may be busy on its thread.
  auto trading_transport = net::CurlTransport::Create("http://127.0.0.1:" + std::to_string(sim.rest_port()), std::nullopt);
  REQUIRE(trading_transport.ok());
  binance::BinanceExchange trading(std::make_unique<binance::RestClient>(
      **trading_transport, "keel-demo-key", Secret("keel-demo-secret"), clock,
      [](TimeMs ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }));

  net::EventLoop loop;
  std::vector<std::string> events;
  std::vector<std::string> states;
  int snapshot_positions = -1;
  binance::UserStreamOptions options;
  net::WorkerThreads rest_thread;  // the daemon's way: REST calls off the loop
  SUBCASE("REST calls on the loop's thread") {}
  SUBCASE("REST calls on a background thread") {
    options.offload = [&rest_thread](std::function<void()> job) { rest_thread.Run(std::move(job)); };
  }
  options.ws_url = "ws://127.0.0.1:" + std::to_string(sim.ws_port());
  options.backoff_initial_ms = 100;
  options.jitter_seed = 7;
  binance::UserStreamHandler handler;
  handler.on_event = [&](const binance::UserDataEvent& e) {
    if (auto* o = std::get_if<OrderEvent>(&e)) {
      CHECK(o->event_time > 0);
      CHECK(o->transaction_time > 0);
      if (o->venue_event == "ORDER_TRADE_UPDATE") events.push_back("ORDER_TRADE_UPDATE " + o->venue_execution);
    } else if (auto* a = std::get_if<PositionEvent>(&e)) {
      events.push_back("ACCOUNT_UPDATE " + a->reason);
    } else if (std::holds_alternative<binance::ListenKeyExpiredEvent>(e)) {
      events.push_back("listenKeyExpired");
    }
  };
  handler.on_snapshot = [&](const AccountReport& r) { snapshot_positions = static_cast<int>(r.positions.size()); };
  handler.on_state = [&](const std::string& s) { states.push_back(s); };
  binance::UserDataStream stream(loop, exchange, rest_ref, options, handler);
  REQUIRE(stream.Start().ok());
  std::string first_key;

  HttpClient control(sim.rest_port());
  loop.After(400, [&] {
    first_key = stream.listen_key();
    CHECK(!first_key.empty());
    PlaceOrder o;
    o.client_order_id = "kdemo-stream-1";
    o.symbol = "BTCUSDT";
    o.side = Side::kBuy;
    o.type = OrderType::kMarket;
    o.qty = Decimal::Parse("0.010").value();
    REQUIRE(trading.Place(o).ok());
  });
  loop.After(900, [&] { control.Send("POST", "/_sim/command", {}, R"({"fault":"disconnect"})"); });
  loop.After(1800, [&] {
    CHECK(snapshot_positions == 1);  // the reconnect's snapshot holds the position
    control.Send("POST", "/_sim/command", {}, R"({"fault":"expire_listen_key"})");
  });
  loop.After(2800, [&] {
    stream.Stop();
    loop.Stop();
  });
  loop.Run();
  rest_thread.Stop();  // before the exchange it calls goes away

  INFO("states: " << [&] { std::string all; for (auto& s : states) all += s + " | "; return all; }());
  CHECK(stream.connects() == 3);  // first, after the disconnect, after the key expired
  CHECK(stream.snapshots() == 3);
  CHECK(stream.listen_key() != first_key);
  REQUIRE(events.size() >= 4);
  CHECK(events[0] == "ORDER_TRADE_UPDATE NEW");
  CHECK(events[1] == "ACCOUNT_UPDATE ORDER");
  CHECK(events[2] == "ORDER_TRADE_UPDATE TRADE");
  CHECK(events.back() == "listenKeyExpired");
  bool reconnected = false;
  for (const auto& s : states) reconnected |= s.rfind("reconnecting in ", 0) == 0;
  CHECK(reconnected);
}


TEST_CASE("market streams: bookTicker and markPrice for the symbols asked, again after a disconnect") {
  SimProcess sim;
  REQUIRE(sim.ready());
  net::EventLoop loop;
  int books = 0, marks = 0;
  std::string last_symbol;
  binance::MarketStreamOptions options;
  options.ws_url = "ws://127.0.0.1:" + std::to_string(sim.ws_port());
  options.symbols = {"BTCUSDT", "ETHUSDT"};
  options.backoff_initial_ms = 100;
  binance::MarketStreamHandler handler;
  handler.on_book_ticker = [&](const binance::BookTickerEvent& e) {
    ++books;
    last_symbol = e.symbol;
    CHECK(e.bid < e.ask);
  };
  handler.on_mark_price = [&](const binance::MarkPriceEvent& e) {
    ++marks;
    CHECK(e.mark_price.is_positive());
  };
  binance::MarketDataStream stream(loop, options, handler);
  REQUIRE(stream.Start().ok());
  HttpClient control(sim.rest_port());
  int books_before_disconnect = 0;
  loop.After(1500, [&] {
    books_before_disconnect = books;
    control.Send("POST", "/_sim/command", {}, R"({"fault":"disconnect"})");
  });
  loop.After(3500, [&] {
    stream.Stop();
    loop.Stop();
  });
  loop.Run();
  CHECK(books_before_disconnect > 0);
  CHECK(books > books_before_disconnect);  // flowing again after the reconnect
  CHECK(marks > 0);
  CHECK((last_symbol == "BTCUSDT" || last_symbol == "ETHUSDT"));
  CHECK(stream.connects() == 4);  // two channels, each twice
}
