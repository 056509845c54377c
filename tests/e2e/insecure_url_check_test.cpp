// keel-traderd --check on a config whose exchange URLs are plain http:// and ws:// to another
// machine: refused, exit 2, naming each URL's key and the way out; accepted to loopback and with
// allow_insecure.
#include <doctest/doctest.h>

#include <fstream>

#include "subprocess.h"
#include "temp_dir.h"

using namespace keel::test;

namespace {

std::string Config(const std::string& rest_url, const std::string& ws_url, const std::string& extra = "") {
  return "[account]\nname = \"live\"\n[exchange]\nkind = \"bybit-v5\"\nrest_url = \"" + rest_url + "\"\nws_url = \"" +
         ws_url + "\"\n" + extra + "api_key_env = \"K\"\napi_secret_env = \"S\"\n[store]\npath = \"live.db\"\n";
}

}  // namespace

TEST_CASE("keel-traderd --check refuses plain http:// and ws:// to a real exchange, not to loopback") {
  TempDir dir;
  const std::map<std::string, std::string> env{{"K", "key"}, {"S", "secret"}};
  std::ofstream(dir.file("plain.toml")) << Config("http://api.bybit.com", "ws://stream.bybit.com");
  auto refused = run({bin("keel-traderd"), "--config", dir.file("plain.toml"), "--check"}, env);
  CHECK(refused.exit_code == 2);
  CHECK(refused.out.empty());
  const std::string file = dir.file("plain.toml");
  CHECK(refused.err ==
        "keel-traderd: " + file +
            ": exchange.rest_url: found a plain http:// URL to api.bybit.com: the API key and every signed request "
            "would cross the network unencrypted; use https://, or set exchange.allow_insecure = true to accept that\n" +
            file +
            ": exchange.ws_url: found a plain ws:// URL to stream.bybit.com: the stream's credentials and the "
            "account's orders and positions would cross the network unencrypted; use wss://, or set "
            "exchange.allow_insecure = true to accept that\n");

  std::ofstream(dir.file("allowed.toml")) << Config("http://api.bybit.com", "ws://stream.bybit.com", "allow_insecure = true\n");
  std::ofstream(dir.file("local.toml")) << Config("http://127.0.0.1:8801", "ws://localhost:8802");
  for (const char* name : {"allowed.toml", "local.toml"}) {
    auto ok = run({bin("keel-traderd"), "--config", dir.file(name), "--check"}, env);
    CHECK_MESSAGE(ok.exit_code == 0, name, ": ", ok.err);
    CHECK(ok.out.rfind("config OK: account live", 0) == 0);
  }
}

TEST_CASE("keel-traderd --check loads exchange.ca_path as a connection would: a missing or empty one exits 2") {
  TempDir dir;
  const std::map<std::string, std::string> env{{"K", "key"}, {"S", "secret"}};
  std::ofstream(dir.file("empty.pem")) << "not a certificate\n";
  for (const std::string& ca : {dir.file("none.pem"), dir.file("empty.pem")}) {
    std::ofstream(dir.file("ca.toml")) << Config("https://api.bybit.com", "wss://stream.bybit.com",
                                                 "ca_path = \"" + ca + "\"\n");
    auto refused = run({bin("keel-traderd"), "--config", dir.file("ca.toml"), "--check"}, env);
    CHECK(refused.exit_code == 2);
    CHECK(refused.out.empty());
    CHECK(refused.err == "keel-traderd: exchange.ca_path " + ca +
                             (ca == dir.file("none.pem") ? " cannot be read: No such file or directory\n"
                                                         : " holds no PEM certificate\n"));
  }
  // A directory (as /etc/ssl/certs) is what OpenSSL looks certificates up in: accepted.
  std::ofstream(dir.file("dir.toml")) << Config("https://api.bybit.com", "wss://stream.bybit.com",
                                                "ca_path = \"" + dir.path() + "\"\n");
  auto ok = run({bin("keel-traderd"), "--config", dir.file("dir.toml"), "--check"}, env);
  CHECK_MESSAGE(ok.exit_code == 0, ok.err);
}
