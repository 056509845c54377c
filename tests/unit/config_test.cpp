#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "config/plain_url.h"
#include "keel/config/config.h"
#include "subprocess.h"
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
        "bad.toml: alerts: unknown section or key, expected one of [account], [exchange], [store], [daemon], [[alert]], [[strategy]]\n"
        "bad.toml: exchange.ca_pth: unknown key, expected one of allow_insecure, api_key_credential, api_key_env, "
        "api_key_file, api_secret_credential, api_secret_env, api_secret_file, ca_path, kind, rest_url, ws_url\n"
        "bad.toml: account.name: found \"demo account!\", expected 1-32 characters of letters, digits, '-' or '_'\n"
        "bad.toml: exchange.kind: found \"kraken\", expected binance-usdm or bybit-v5\n"
        "bad.toml: exchange.rest_url: found \"ftp://example\", expected an http:// or https:// URL\n"
        "bad.toml: exchange.ws_url: missing, expected a string\n"
        "bad.toml: exchange.api_key_env: found more than one of api_key_env, api_key_file and api_key_credential, "
        "expected exactly one\n"
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
        "a.toml: exchange.api_secret_env: missing, expected api_secret_env (an environment variable name), "
        "api_secret_file (a file of mode 0600) or api_secret_credential (a systemd credential's name)");
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

  test::write_file(dir.file("empty.txt"), "\n", 0600);
  SecretSource empty{"exchange.api_key", std::nullopt, dir.file("empty.txt"), std::nullopt};
  CHECK(LoadSecret(empty).status().message() == "exchange.api_key_file: " + dir.file("empty.txt") + " is empty");
}

TEST_CASE("secrets: an environment variable is read once and removed, so that no child inherits it") {
  SecretSource source{"exchange.api_secret", std::string("KEEL_TEST_SECRET_ENV"), std::nullopt, std::nullopt};
  ::setenv("KEEL_TEST_SECRET_ENV", "env-secret-value", 1);
  auto read = LoadSecret(source);
  REQUIRE(read.ok());
  CHECK(read->reveal() == "env-secret-value");
  CHECK(std::getenv("KEEL_TEST_SECRET_ENV") == nullptr);
  auto child = test::run({"/usr/bin/env"});
  REQUIRE(child.exit_code == 0);
  CHECK(child.out.find("KEEL_TEST_SECRET_ENV") == std::string::npos);
  CHECK(LoadSecret(source).status().message() ==
        "exchange.api_secret_env: environment variable KEEL_TEST_SECRET_ENV is not set");
}

TEST_CASE("secrets: a key file is refused when it is a symbolic link or not the user's own") {
  test::TempDir dir;
  test::write_file(dir.file("real.secret"), "file-secret-value\n", 0600);
  REQUIRE(::symlink(dir.file("real.secret").c_str(), dir.file("link.secret").c_str()) == 0);
  SecretSource link{"exchange.api_secret", std::nullopt, dir.file("link.secret"), std::nullopt};
  CHECK(LoadSecret(link).status().message() == "exchange.api_secret_file: " + dir.file("link.secret") +
                                                   " is a symbolic link; refusing to follow it: name the file itself");
  SecretSource real{"exchange.api_secret", std::nullopt, dir.file("real.secret"), std::nullopt};
  CHECK(LoadSecret(real)->reveal() == "file-secret-value");

  // A file of mode 0600 owned by someone else: as root, one this test gives away; otherwise
  // /etc/passwd, root's (its mode would be refused too, but the owner is checked first).
  const uid_t me = ::geteuid();
  std::string foreign = "/etc/passwd";
  uid_t owner = 0;
  if (me == 0) {
    foreign = dir.file("foreign.secret");
    test::write_file(foreign, "someone-else\n", 0600);
    owner = 65534;
    REQUIRE(::chown(foreign.c_str(), owner, static_cast<gid_t>(-1)) == 0);
  }
  SecretSource theirs{"exchange.api_key", std::nullopt, foreign, std::nullopt};
  CHECK(LoadSecret(theirs).status().message() ==
        "exchange.api_key_file: " + foreign + " is owned by uid " + std::to_string(owner) + ", not by uid " +
            std::to_string(me) + " that keel runs as; refusing to use it: run chown " + std::to_string(me) + " " + foreign);

  SecretSource missing{"exchange.api_key", std::nullopt, dir.file("none.secret"), std::nullopt};
  CHECK(LoadSecret(missing).status().message() ==
        "exchange.api_key_file: " + dir.file("none.secret") + " cannot be read: No such file or directory");
  SecretSource directory{"exchange.api_key", std::nullopt, dir.path(), std::nullopt};
  CHECK(LoadSecret(directory).status().message() == "exchange.api_key_file: " + dir.path() + " is not a regular file");
}

// The unit hands each instance its keys by LoadCredential=NAME:FILE; systemd writes them to a
// directory only that service can read, root-owned with an ACL for the service user (seen as group
// bits). A credential is the file itself, never a path; others may not read it.
TEST_CASE("secrets: a systemd credential is read from $CREDENTIALS_DIRECTORY by its name") {
  test::TempDir dir;
  test::write_file(dir.file("api_secret"), "credential-secret\n", 0440);
  test::write_file(dir.file("open_secret"), "x\n", 0444);
  SecretSource source{"exchange.api_secret", std::nullopt, std::nullopt, std::string("api_secret")};
  ::unsetenv("CREDENTIALS_DIRECTORY");
  CHECK(LoadSecret(source).status().message() ==
        "exchange.api_secret_credential: api_secret: $CREDENTIALS_DIRECTORY is not set: run keel under systemd with "
        "LoadCredential=api_secret:FILE (packaging/systemd/keel-traderd@.service)");
  REQUIRE(::setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1) == 0);
  auto read = LoadSecret(source);
  REQUIRE_MESSAGE(read.ok(), read.status().message());
  CHECK(read->reveal() == "credential-secret");
  SecretSource path{"exchange.api_key", std::nullopt, std::nullopt, std::string("../etc/passwd")};
  CHECK(LoadSecret(path).status().message() ==
        "exchange.api_key_credential: ../etc/passwd: expected a credential's name, as in LoadCredential=NAME:FILE");
  SecretSource readable{"exchange.api_key", std::nullopt, std::nullopt, std::string("open_secret")};
  CHECK(LoadSecret(readable).status().message() ==
        "exchange.api_key_credential: open_secret (" + dir.file("open_secret") +
            ") is readable by group or others (mode 0444); refusing to use it: run chmod 600 " + dir.file("open_secret"));
  ::unsetenv("CREDENTIALS_DIRECTORY");

  auto config = ParseAccountConfig(R"(
[account]
name = "a"
[exchange]
kind = "bybit-v5"
rest_url = "https://api.example"
ws_url = "wss://stream.example"
api_key_credential = "api_key"
api_secret_credential = "api_secret"
[store]
path = "/var/lib/keel/a.db"
)",
                                   "a.toml", "/x");
  REQUIRE_MESSAGE(config.ok(), config.status().message());
  CHECK(config->api_key.credential == std::optional<std::string>("api_key"));
  CHECK(config->api_secret.credential == std::optional<std::string>("api_secret"));
}

TEST_CASE("secrets: copies share one buffer, so N workers do not hold N copies of the secret") {
  const Secret secret(std::string(64, 'k'));
  const Secret worker_copy = secret;  // NOLINT: the copy is the point
  CHECK(worker_copy.reveal() == std::string(64, 'k'));
  CHECK(&worker_copy.reveal() == &secret.reveal());
}

TEST_CASE("plain http:// and ws:// URLs are refused to any host but loopback, unless allow_insecure") {
  const std::string plain = R"(
[account]
name = "live"
[exchange]
kind = "binance-usdm"
rest_url = "http://fapi.binance.com"
ws_url = "ws://fstream.binance.com:443/x"
api_key_env = "K"
api_secret_env = "S"
[store]
path = "live.db"
[[alert]]
kind = "webhook"
url = "http://user:pw@api.telegram.org/bot123:SECRET/sendMessage"
format = "telegram"
chat_id = "-1"
)";
  auto refused = ParseAccountConfig(plain, "live.toml", "");
  REQUIRE(!refused.ok());
  CHECK(refused.status().message() ==
        "live.toml: exchange.rest_url: found a plain http:// URL to fapi.binance.com: the API key and every signed "
        "request would cross the network unencrypted; use https://, or set exchange.allow_insecure = true to "
        "accept that\n"
        "live.toml: exchange.ws_url: found a plain ws:// URL to fstream.binance.com:443: the stream's credentials "
        "and the account's orders and positions would cross the network unencrypted; use wss://, or set "
        "exchange.allow_insecure = true to accept that\n"
        "live.toml: alert[0].url: found a plain http:// URL to api.telegram.org: the webhook's address (a bot "
        "token, a hook's secret path) and the alerts would cross the network unencrypted; use https://, or set "
        "alert[0].allow_insecure = true to accept that");
  CHECK(refused.status().message().find("SECRET") == std::string::npos);
  CHECK(refused.status().message().find("pw") == std::string::npos);

  std::string allowed = plain;
  allowed.replace(allowed.find("api_key_env"), 0, "allow_insecure = true\n");
  allowed.replace(allowed.find("format = \"telegram\""), 0, "allow_insecure = true\n");
  auto ok = ParseAccountConfig(allowed, "live.toml", "");
  CHECK_MESSAGE(ok.ok(), ok.status().message());

  auto exec_flag = ParseAccountConfig(std::string(kValid) + "[[alert]]\nkind = \"exec\"\ncommand = [\"/bin/true\"]\n"
                                                            "allow_insecure = true\n",
                                      "e.toml", "");
  CHECK(exec_flag.status().message() == "e.toml: alert[0].allow_insecure: only for kind = \"webhook\"");
}

TEST_CASE("loopback is 127.0.0.0/8, ::1 and localhost; look-alikes are not") {
  for (const char* url : {"http://127.0.0.1:8801", "ws://127.0.0.1", "http://127.3.4.5/x", "http://localhost:1/",
                          "ws://LOCALHOST", "http://[::1]:8801/fapi", "ws://[::1]", "http://127.0.0.1?x=1"})
    CHECK_MESSAGE(IsLoopbackUrl(url), url);
  for (const char* url : {"http://127.0.0.1.example.com", "http://127.0.0.1@evil.example/", "http://evil@127.0.0.1/",
                          "http://localhost.example", "http://128.0.0.1", "http://127.1", "http://[::2]:1",
                          "http://[::1]x", "http://127.0.0.1\\@evil.example", "http://10.0.0.1", "http://[::ffff:127.0.0.1]",
                          "127.0.0.1:8801"})
    CHECK_MESSAGE(!IsLoopbackUrl(url), url);
}

TEST_CASE("[daemon] defaults: socket beside the store, metrics on loopback, grace 3 s, protect orphans") {
  auto c = ParseAccountConfig(kValid, "demo.toml", "/etc/keel");
  REQUIRE(c.ok());
  const DaemonConfig& d = c->daemon;
  CHECK(d.control_socket == "/etc/keel/demo.sock");
  CHECK(!d.spool_dir);
  CHECK(d.metrics_listen == std::optional<std::string>("127.0.0.1:9464"));
  CHECK(d.protect_grace_ms == 3000);
  CHECK(d.orphan_scan_interval_ms == 60'000);
  CHECK(d.reconcile_interval_ms == 300'000);
  CHECK(d.reconcile_policy == ReconcilePolicy::kFix);
  CHECK(d.orphan_policy == OrphanPolicy::kProtect);
  CHECK(d.protect_stop_pct == Decimal::FromInteger(2).value());
  CHECK(d.alerts.empty());
  CHECK(!d.risk.account.max_open_orders);
}

TEST_CASE("[daemon], its risk limits and [[alert]] sinks are read") {
  const std::string text = std::string(kValid) + R"(
[daemon]
control_socket = "run/demo.sock"
spool_dir = "spool"
metrics_listen = "9100"
protect_grace_ms = 1500
orphan_scan_interval_s = 30
reconcile_policy = "report"
orphan_policy = "report"
protect_stop_pct = "1.5"
auto_replace_cancelled_orders = false
[daemon.risk]
max_position_notional = "5000"
max_open_orders = 40
max_signals_per_minute = 30
[daemon.risk.symbols.BTCUSDT]
max_position_notional = 1000
[[alert]]
kind = "webhook"
url = "https://hooks.example/T000"
format = "slack"
min_interval_s = 60
[[alert]]
kind = "exec"
command = ["/usr/local/bin/page", "--team", "trading"]
)";
  auto c = ParseAccountConfig(text, "demo.toml", "/etc/keel");
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  const DaemonConfig& d = c->daemon;
  CHECK(d.control_socket == "/etc/keel/run/demo.sock");
  CHECK(d.spool_dir == std::optional<std::string>("/etc/keel/spool"));
  CHECK(d.metrics_listen == std::optional<std::string>("127.0.0.1:9100"));
  CHECK(d.protect_grace_ms == 1500);
  CHECK(d.orphan_scan_interval_ms == 30'000);
  CHECK(d.reconcile_policy == ReconcilePolicy::kReport);
  CHECK(d.orphan_policy == OrphanPolicy::kReport);
  CHECK(d.protect_stop_pct == Decimal::Parse("1.5").value());
  CHECK(!d.auto_replace_cancelled_orders);
  CHECK(d.risk.account.max_position_notional == std::optional<Decimal>(Decimal::FromInteger(5000).value()));
  CHECK(d.risk.account.max_open_orders == std::optional<int>(40));
  CHECK(d.risk.account.max_signals_per_minute == std::optional<int>(30));
  CHECK(d.risk.symbols.at("BTCUSDT").max_position_notional ==
        std::optional<Decimal>(Decimal::FromInteger(1000).value()));
  REQUIRE(d.alerts.size() == 2);
  CHECK(d.alerts[0].kind == AlertSinkConfig::Kind::kWebhook);
  CHECK(d.alerts[0].format == AlertSinkConfig::Format::kSlack);
  CHECK(d.alerts[0].min_interval_ms == 60'000);
  CHECK(d.alerts[1].kind == AlertSinkConfig::Kind::kExec);
  CHECK(d.alerts[1].command == std::vector<std::string>{"/usr/local/bin/page", "--team", "trading"});
}

TEST_CASE("every [daemon] problem is reported at once, naming the key") {
  const std::string text = std::string(kValid) + R"(
[daemon]
protect_grace = 10
protect_grace_ms = -5
metrics_listen = "localhost:http"
reconcile_policy = "close"
protect_stop_pct = 0.5
rest_workers = 0
[daemon.risk]
max_open_orders = "ten"
max_position = 1
[daemon.risk.symbols.ETHUSDT]
max_position_notional = "-1"
[[alert]]
kind = "webhook"
format = "telegram"
[[alert]]
kind = "exec"
format = "xml"
command = ["page"]
)";
  auto c = ParseAccountConfig(text, "d.toml", "");
  REQUIRE(!c.ok());
  CHECK(c.status().message() ==
        "d.toml: alert[0].url: missing, expected the webhook's http:// or https:// URL\n"
        "d.toml: alert[0].chat_id: missing, expected the Telegram chat id (format = \"telegram\")\n"
        "d.toml: alert[1].format: found \"xml\", expected json, slack or telegram\n"
        "d.toml: alert[1].command: expected an array of strings, the first an absolute path ([\"/usr/local/bin/page\"])\n"
        "d.toml: daemon.protect_grace: unknown key, expected one of auto_replace_cancelled_orders, "
        "cancel_entries_on_shutdown, control_socket, max_reprice_pct, metrics_listen, orphan_policy, orphan_scan_interval_s, "
        "protect_grace_ms, protect_stop_pct, reconcile_interval_s, reconcile_policy, rest_workers, risk, "
        "signal_ttl_s, spool_dir, stream_down_alert_s\n"
        "d.toml: daemon.metrics_listen: found \"localhost:http\", expected HOST:PORT, a port (loopback), or \"off\"\n"
        "d.toml: daemon.protect_grace_ms: found -5, expected an integer from 0 to 600000\n"
        "d.toml: daemon.reconcile_policy: found \"close\", expected fix or report\n"
        "d.toml: daemon.protect_stop_pct: found float 0.5, expected a decimal as a string (\"2.5\")\n"
        "d.toml: daemon.rest_workers: found 0, expected an integer from 1 to 32\n"
        "d.toml: daemon.risk.max_position: unknown key, expected one of max_open_orders, max_position_notional, "
        "max_signals_per_minute, symbols\n"
        "d.toml: daemon.risk.max_open_orders: found string \"ten\", expected an integer from 1 to 10000\n"
        "d.toml: daemon.risk.symbols.ETHUSDT.max_position_notional: found -1, expected above 0");
}
