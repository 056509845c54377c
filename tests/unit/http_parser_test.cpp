#include <doctest/doctest.h>

#include "keel/net/http_parser.h"

using namespace keel::net;

TEST_CASE("HTTP requests parse with keep-alive, Content-Length and chunked bodies") {
  const std::string two =
      "POST /fapi/v1/order HTTP/1.1\r\nHost: x\r\nX-MBX-APIKEY: k\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 14\r\n\r\nsymbol=BTCUSDT"
      "GET /fapi/v1/ping HTTP/1.1\r\n\r\n";
  HttpParse a = ParseHttpRequest(two);
  REQUIRE(a.state == HttpParse::State::kComplete);
  CHECK(a.request.method == "POST");
  CHECK(a.request.target == "/fapi/v1/order");
  CHECK(a.request.body == "symbol=BTCUSDT");
  CHECK(a.request.header("x-mbx-apikey") == "k");
  CHECK(a.keep_alive);
  HttpParse b = ParseHttpRequest(std::string_view(two).substr(a.consumed));
  REQUIRE(b.state == HttpParse::State::kComplete);
  CHECK(b.request.target == "/fapi/v1/ping");
  CHECK(b.consumed == two.size() - a.consumed);

  for (std::size_t cut = 0; cut < a.consumed; ++cut)
    REQUIRE(ParseHttpRequest(std::string_view(two).substr(0, cut)).state == HttpParse::State::kIncomplete);

  HttpParse chunked = ParseHttpRequest(
      "PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nsymb\r\na;ext=1\r\nol=BTCUSDT\r\n0\r\n\r\n");
  REQUIRE(chunked.state == HttpParse::State::kComplete);
  CHECK(chunked.request.body == "symbol=BTCUSDT");
  CHECK(!ParseHttpRequest("GET / HTTP/1.0\r\n\r\n").keep_alive);
  CHECK(!ParseHttpRequest("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").keep_alive);
}

TEST_CASE("malformed requests are refused with the status a server answers") {
  auto status = [](const std::string& raw) {
    HttpParse p = ParseHttpRequest(raw);
    REQUIRE(p.state == HttpParse::State::kError);
    return p.error_status;
  };
  CHECK(status("GARBAGE\r\n\r\n") == 400);
  CHECK(status("GET fapi HTTP/1.1\r\n\r\n") == 400);
  CHECK(status("GET / HTTP/2\r\n\r\n") == 505);
  CHECK(status("GET / HTTP/1.1\r\nNoColon\r\n\r\n") == 400);
  CHECK(status("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n") == 413);
  CHECK(status("GET / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n") == 413);
  CHECK(status("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") == 400);
  CHECK(status("GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n") == 501);
  CHECK(status("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") == 400);
  CHECK(status(std::string("GET /") + std::string(70000, 'a')) == 431);
}

TEST_CASE("responses carry Content-Length and the Connection decision") {
  HttpResponse r;
  r.status = 429;
  r.headers.emplace_back("Retry-After", "3");
  r.body = "{}";
  CHECK(SerializeHttpResponse(r, true) ==
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}");
  CHECK(SerializeHttpResponse(r, false).find("Connection: close") != std::string::npos);
}
