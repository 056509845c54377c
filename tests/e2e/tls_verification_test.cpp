// keel's TLS clients against a TLS server on loopback with certificates made by the test: the
// wss:// client (the exchanges' streams) and the https:// transport (their REST APIs) accept a
// certificate only when a trusted CA signed it and it names the host the URL names. A refused
// certificate ends the connection before any request, so neither a listen key in the URL nor the
// API key in a header reaches a server that is not the exchange.
#include <doctest/doctest.h>

#include "keel/net/event_loop.h"
#include "keel/net/http_transport.h"
#include "keel/net/ws_client.h"
#include "keel/ops/alert_sinks.h"
#include "temp_dir.h"
#include "test_tls.h"

using namespace keel;
using namespace keel::test;

namespace {

struct WsOutcome {
  bool opened = false;
  std::string closed;  // on_close's reason; empty when it did not close
};

// Connects once and waits for the outcome: open, or closed with a reason.
WsOutcome ConnectOnce(const std::string& url, const std::optional<std::string>& ca_path) {
  net::EventLoop loop;
  WsOutcome outcome;
  net::WsClient client(loop,
                       {[&] {
                          outcome.opened = true;
                          loop.Stop();
                        },
                        nullptr,
                        [&](const std::string& reason) {
                          outcome.closed = reason;
                          loop.Stop();
                        }},
                       ca_path);
  Status started = client.Connect(url);
  REQUIRE_MESSAGE(started.ok(), started.message());
  loop.After(15'000, [&] { loop.Stop(); });  // neither outcome: the checks below fail
  loop.Run();
  return outcome;
}

struct Pki {
  TempDir dir;
  TestCa ca{dir.path(), "keel test CA"};
  TestCa::Leaf right = ca.Issue("localhost", {"localhost"}, {"127.0.0.1"});
  TestCa::Leaf wrong = ca.Issue("evil", {"evil.example"}, {});
};

std::string Url(const char* scheme, const char* host, const TlsTestServer& server, const char* target) {
  return std::string(scheme) + "://" + host + ":" + std::to_string(server.port()) + target;
}

net::HttpRequest Get(const std::string& target) {
  net::HttpRequest r;
  r.method = "GET";
  r.target = target;
  return r;
}

}  // namespace

TEST_CASE("wss://: a certificate for another name is refused before the request; the right one connects") {
  Pki pki;
  {
    TlsTestServer evil(pki.wrong);
    auto refused = ConnectOnce(Url("wss", "127.0.0.1", evil, "/private/ws?listenKey=LK"), pki.ca.ca_path());
    CHECK(!refused.opened);
    CHECK(refused.closed == "connection failed: TLS handshake failed: the certificate is not for 127.0.0.1");
    REQUIRE(evil.WaitForEnded(1, 15'000));
    CHECK(evil.failed_handshakes() == 1);
    CHECK(evil.requests().empty());
  }
  {
    TlsTestServer evil(pki.wrong);
    auto refused = ConnectOnce(Url("wss", "localhost", evil, "/ws"), pki.ca.ca_path());
    CHECK(refused.closed == "connection failed: TLS handshake failed: the certificate is not for localhost");
    REQUIRE(evil.WaitForEnded(1, 15'000));
    CHECK(evil.requests().empty());
  }
  for (const char* host : {"127.0.0.1", "localhost"}) {
    TlsTestServer good(pki.right);
    auto opened = ConnectOnce(Url("wss", host, good, "/private/ws?listenKey=LK"), pki.ca.ca_path());
    CHECK_MESSAGE(opened.opened, host, " ", opened.closed);
    CHECK(good.requests() == std::vector<std::string>{"GET /private/ws?listenKey=LK HTTP/1.1"});
  }
  // ca_path may be a hashed directory, as /etc/ssl/certs is.
  TlsTestServer good(pki.right);
  auto opened = ConnectOnce(Url("wss", "127.0.0.1", good, "/ws"), pki.ca.HashedDirectory(pki.dir.file("certs")));
  CHECK_MESSAGE(opened.opened, opened.closed);
}

TEST_CASE("wss://: a CA that did not sign the certificate is refused; a ca_path that does not load fails Connect") {
  Pki pki;
  TempDir other_dir;
  TestCa other(other_dir.path(), "another CA");
  TlsTestServer server(pki.right);
  auto untrusted = ConnectOnce(Url("wss", "127.0.0.1", server, "/ws"), other.ca_path());
  CHECK(untrusted.closed ==
        "connection failed: TLS handshake failed: certificate not trusted: unable to get local issuer certificate");
  REQUIRE(server.WaitForEnded(1, 15'000));
  CHECK(server.requests().empty());

  net::EventLoop loop;
  bool closed = false;
  net::WsClient missing(loop, {nullptr, nullptr, [&](const std::string&) { closed = true; }}, pki.dir.file("none.pem"));
  CHECK(missing.Connect(Url("wss", "127.0.0.1", server, "/ws")).message() ==
        "websocket to 127.0.0.1: ca_path " + pki.dir.file("none.pem") + " cannot be read: No such file or directory");
  write_file(pki.dir.file("empty.pem"), "not a certificate\n");
  net::WsClient empty(loop, {nullptr, nullptr, [&](const std::string&) { closed = true; }}, pki.dir.file("empty.pem"));
  CHECK(empty.Connect(Url("wss", "127.0.0.1", server, "/ws")).message() ==
        "websocket to 127.0.0.1: ca_path " + pki.dir.file("empty.pem") + " holds no PEM certificate");
  CHECK(!closed);
  CHECK(server.requests().empty());
}

TEST_CASE("https://: the REST transport refuses a certificate for another name and a ca_path that does not load") {
  Pki pki;
  {
    TlsTestServer evil(pki.wrong);
    {
      auto transport = net::CurlTransport::Create(Url("https", "127.0.0.1", evil, ""), pki.ca.ca_path());
      REQUIRE(transport.ok());
      auto refused = (*transport)->Send(Get("/fapi/v1/ping"), 10'000);
      CHECK(refused.status().IsTransport());
      CHECK(refused.status().message() ==
            "GET /fapi/v1/ping not sent: SSL peer certificate or SSH remote key was not OK");
    }  // the transport, and any connection it kept, are gone
    REQUIRE(evil.WaitForEnded(1, 15'000));
    CHECK(evil.requests().empty());
  }
  for (const std::string& ca : {pki.ca.ca_path(), pki.ca.HashedDirectory(pki.dir.file("certs"))}) {
    TlsTestServer good(pki.right);
    auto transport = net::CurlTransport::Create(Url("https", "127.0.0.1", good, ""), ca);
    REQUIRE(transport.ok());
    auto answer = (*transport)->Send(Get("/fapi/v1/ping"), 10'000);
    REQUIRE_MESSAGE(answer.ok(), ca, ": ", answer.status().message());
    CHECK(answer->status == 200);
    CHECK(answer->body == "ok");
    CHECK(good.requests() == std::vector<std::string>{"GET /fapi/v1/ping HTTP/1.1"});
  }
  CHECK(net::CurlTransport::Create("https://127.0.0.1:1", pki.dir.file("none.pem")).status().message() ==
        "ca_path " + pki.dir.file("none.pem") + " cannot be read: No such file or directory");
}

TEST_CASE("https:// webhooks: ca_path as a bundle or a hashed directory; a certificate for another name is refused") {
  Pki pki;
  const std::string body = R"({"kind":"test"})";
  {
    TlsTestServer evil(pki.wrong);
    const Status refused = ops::DeliverWebhook(Url("https", "127.0.0.1", evil, "/hook"), body, pki.ca.ca_path());
    CHECK(refused.IsTransport());
    CHECK(refused.message() == "webhook: SSL peer certificate or SSH remote key was not OK");
    REQUIRE(evil.WaitForEnded(1, 15'000));
    CHECK(evil.requests().empty());
  }
  // A directory used to be handed to CURLOPT_CAINFO, which reads one file: every delivery failed.
  for (const std::string& ca : {pki.ca.ca_path(), pki.ca.HashedDirectory(pki.dir.file("certs"))}) {
    TlsTestServer good(pki.right);
    const Status delivered = ops::DeliverWebhook(Url("https", "127.0.0.1", good, "/hook"), body, ca);
    CHECK_MESSAGE(delivered.ok(), ca, ": ", delivered.message());
    CHECK(good.requests() == std::vector<std::string>{"POST /hook HTTP/1.1"});
  }
  CHECK(ops::DeliverWebhook("https://127.0.0.1:1/hook", body, pki.dir.file("none.pem")).message() ==
        "webhook: ca_path " + pki.dir.file("none.pem") + " cannot be read: No such file or directory");
}

TEST_CASE("websocket URLs in errors leave out the query: a listen key is a credential") {
  net::EventLoop loop;
  net::WsClient client(loop, {nullptr, nullptr, nullptr}, std::nullopt);
  CHECK(client.Connect("http://127.0.0.1:1/private/ws?listenKey=SECRETKEY").message() ==
        "websocket URL http://127.0.0.1:1/private/ws?…: expected ws:// or wss://");
  const Status invalid = client.Connect("wss://[::1/private/ws?listenKey=SECRETKEY");
  CHECK(invalid.message().find("SECRETKEY") == std::string::npos);
  CHECK(invalid.message().rfind("websocket URL wss://[::1/private/ws?…: ", 0) == 0);
}
