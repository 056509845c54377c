#include <doctest/doctest.h>

#include <cstdlib>

#include "keel/config/config.h"
#include "temp_dir.h"

using namespace keel;

namespace {

const char* kValid = R"(
[account]
name = "demo"
[exchange]
kind = "binance-usdm"
rest_url = "http://127.0.0.1:8801"
ws_url = "ws://127.0.0.1:8802"
api_key_env = "KEEL_API_KEY"
api_secret_file = "secret.txt"
[store]
path = "demo.db"
)";

}  // namespace

TEST_CASE("a valid account config is read, with relative paths resolved against its directory") {
  auto c = ParseAccountConfig(kValid, "demo.toml", "/etc/keel");
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  CHECK(c->account_name == "demo");
  CHECK(c->exchange_kind == ExchangeKind::kBinanceUsdm);
  CHECK(c->rest_url == "http://127.0.0.1:8801");
  CHECK(c->ws_url == "ws://127.0.0.1:8802");
  CHECK(*c->api_key.env == "KEEL_API_KEY");
  CHECK(!c->api_key.file);
  CHECK(*c->api_secret.file == "/etc/keel/secret.txt");
  CHECK(c->store_path == "/etc/keel/demo.db");
  CHECK(!c->ca_path);
}

TEST_CASE("validation reports every problem at once, one line each") {
  const char* bad = R"(
[account]
name = "demo account!"
[exchange]
kind = "kraken"
rest_url = "ftp://example"
api_key_env = "K"
api_key_file = "k.txt"
api_secret_env = 42
ca_pth = "/etc/ssl"
[store]
[alerts]
x = 1
)";
  auto c = ParseAccountConfig(bad, "bad.toml", "");
  REQUIRE(!c.ok());
  CHECK(c.status().IsInvalidInput());
  CHECK(c.status().message() ==
        "bad.toml: alerts: unknown section or key, expected one of [account], [exchange], [store]\n"
        "bad.toml: exchange.ca_pth: unknown key, expected one of api_key_env, api_key_file, api_secret_env, "
        "api_secret_file, ca_path, kind, rest_url, ws_url\n"
        "bad.toml: account.name: found \"demo account!\", expected 1-32 characters of letters, digits, '-' or '_'\n"
        "bad.toml: exchange.kind: found \"kraken\", expected binance-usdm or bybit-v5\n"
        "bad.toml: exchange.rest_url: found \"ftp://example\", expected an http:// or https:// URL\n"
        "bad.toml: exchange.ws_url: missing, expected a string\n"
        "bad.toml: exchange.api_key_env: found both api_key_env and api_key_file, expected exactly one\n"
        "bad.toml: exchange.api_secret_env: found integer 42, expected a string\n"
        "bad.toml: store.path: missing, expected a string");
}

TEST_CASE("a missing secret source and a TOML syntax error are clear") {
  auto none = ParseAccountConfig(R"(
[account]
name = "a"
[exchange]
kind = "bybit-v5"
rest_url = "https://api.example"
ws_url = "wss://stream.example"
api_key_env = "K"
[store]
path = "/var/lib/keel/a.db"
)",
                                 "a.toml", "/x");
  REQUIRE(!none.ok());
  CHECK(none.status().message() ==
        "a.toml: exchange.api_secret_env: missing, expected api_secret_env (an environment variable name) or "
        "api_secret_file (a file of mode 0600)");
  auto syntax = ParseAccountConfig("[account\nname = 1", "s.toml", "");
  REQUIRE(!syntax.ok());
  CHECK(syntax.status().message().rfind("s.toml:1:", 0) == 0);
  CHECK(syntax.status().message().find("TOML syntax error") != std::string::npos);
  CHECK(LoadAccountConfig("/nonexistent/keel.toml").status().message() ==
        "config file /nonexistent/keel.toml cannot be read");
}

TEST_CASE("secrets: a file readable by others is refused with the fix; values never reach messages") {
  test::TempDir dir;
  const std::string secret = "s3cr3t-VALUE-do-not-print";
  test::write_file(dir.file("secret.txt"), secret + "\n", 0644);
  test::write_file(dir.file("demo.toml"), kValid, 0644);
  auto c = LoadAccountConfig(dir.file("demo.toml"));
  REQUIRE(c.ok());
  CHECK(c->store_path == dir.file("demo.db"));

  auto refused = LoadSecret(c->api_secret);
  REQUIRE(!refused.ok());
  CHECK(refused.status().message() == "exchange.api_secret_file: " + dir.file("secret.txt") +
                                          " is readable by group or others (mode 0644); refusing to use it: run "
                                          "chmod 600 " + dir.file("secret.txt"));
  CHECK(refused.status().message().find(secret) == std::string::npos);

  test::write_file(dir.file("secret.txt"), secret + "\n", 0600);
  auto ok = LoadSecret(c->api_secret);
  REQUIRE(ok.ok());
  CHECK(ok->reveal() == secret);

  ::unsetenv("KEEL_API_KEY");
  CHECK(LoadSecret(c->api_key).status().message() ==
        "exchange.api_key_env: environment variable KEEL_API_KEY is not set");
  ::setenv("KEEL_API_KEY", "key-value-123", 1);
  CHECK(LoadSecret(c->api_key)->reveal() == "key-value-123");
  ::unsetenv("KEEL_API_KEY");

  test::write_file(dir.file("empty.txt"), "\n", 0600);
  SecretSource empty{"exchange.api_key", std::nullopt, dir.file("empty.txt")};
  CHECK(LoadSecret(empty).status().message() == "exchange.api_key_file: " + dir.file("empty.txt") + " is empty");
}
