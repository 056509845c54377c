// keel-traderd on a hostile host, as real processes against keel-exchange-sim: the files it
// creates are its user's alone, its spool directory cannot freeze it or be another user's, what
// others send is escaped in its log, and a forwarded tool's options meet the command line's bounds.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "daemon_on_sim.h"
#include "http_client.h"
#include "keel/net/line_server.h"
#include "sim_process.h"
#include "subprocess.h"
#include "temp_dir.h"

using namespace keel;

namespace {

// The usual umask for the processes a test starts: a file's mode must come from keel, not from it.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t old_;
};

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// The simulator and a demo account's config, no daemon: for what a binary does at its start.
struct AccountOnSim {
  test::ScopedEnv key{"KEEL_API_KEY", "keel-demo-key"};
  test::ScopedEnv secret{"KEEL_API_SECRET", "keel-demo-secret"};
  test::SimProcess sim;
  test::TempDir dir;
  std::string config;
  explicit AccountOnSim(const std::string& daemon_lines = "") {
    REQUIRE(sim.ready());
    config = test::WriteDaemonConfig(dir, sim, "binance-usdm", daemon_lines);
  }
};

bool WaitForFile(const std::string& path, int timeout_ms = 10'000) {
  for (int waited = 0; waited < timeout_ms && !test::file_exists(path); waited += 50)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return test::file_exists(path);
}

}  // namespace

TEST_CASE("keel-traderd: its store, -wal, -shm, lock and socket are 0600 under umask 022; a FIFO in the spool "
          "freezes nothing; ids and file names from outside are escaped in its log") {
  ScopedUmask usual(022);
  test::DaemonOnSim d({}, "binance-usdm", "spool_dir = \"spool\"\n");
  const std::string spool = d.dir.file("spool");
  const std::string sock = d.dir.file("demo.sock");
  // A first answer from the store makes sure its WAL files exist.
  REQUIRE(d.Ctl({"status"}).exit_code == 0);
  for (const char* file : {"demo.db", "demo.db-wal", "demo.db-shm", "demo.db.lock", "demo.sock"}) {
    CAPTURE(file);
    CHECK(ModeOf(d.dir.file(file)) == 0600);
  }

  // A FIFO dropped in the spool would have blocked the event loop in open(); it is quarantined.
  REQUIRE(::mkfifo((spool + "/fifo.json").c_str(), 0600) == 0);
  REQUIRE_MESSAGE(WaitForFile(spool + "/quarantine/fifo.json.reply"), d.daemon->output());
  CHECK(test::read_file(spool + "/quarantine/fifo.json.reply") ==
        R"({"result":"quarantined","detail":"a FIFO, not a file: not read","exit_code":2})" "\n");
  auto status = d.Ctl({"--timeout-ms", "5000", "status"});
  CHECK(status.exit_code == 0);

  // A file name with a newline, and a signal id with one: escaped in the log, not a line of their own.
  test::write_file(spool + "/.tmp", R"({"id":"sp-1","symbol":"BTCUSDT","action":"close"})", 0600);
  REQUIRE(::rename((spool + "/.tmp").c_str(), (spool + "/evil\n[info] forged.json").c_str()) == 0);
  auto refused = net::RequestLine(
      sock, R"({"cmd":"signal","signal":{"id":"x\n2026-01-01 [info] forged","symbol":"BTCUSDT","action":"close"}})", 5000);
  REQUIRE(refused.ok());
  CHECK(refused->find(R"("exit_code":2)") != std::string::npos);
  CHECK(refused->find("id: expected 1-64 characters of A-Z a-z 0-9 . _ - :") != std::string::npos);
  INFO(d.daemon->output());
  CHECK(d.LogUntil("signal x\\x0a2026-01-01 [info] forged refused: id: expected"));
  CHECK(d.LogUntil("spool file=evil\\x0a[info] forged.json exit_code="));
  CHECK(d.daemon->output().find("\n[info] forged") == std::string::npos);
  CHECK(d.daemon->output().find("\n2026-01-01 [info] forged") == std::string::npos);

  // A forwarded tool's options meet the command line's bounds, and a number is never cut to fit one.
  auto attempts = net::RequestLine(
      sock, R"({"cmd":"tool","tool":"keel-close-position","options":{"symbol":"BTCUSDT","verify_attempts":1000000000}})", 5000);
  REQUIRE(attempts.ok());
  CHECK(attempts->find(R"("error":"keel-close-position: --verify-attempts: expected 1 to 100, got 1000000000")") !=
        std::string::npos);
  CHECK(attempts->find(R"("exit_code":2)") != std::string::npos);
  auto wrapped = net::RequestLine(
      sock, R"({"cmd":"tool","tool":"keel-close-position","options":{"symbol":"BTCUSDT","verify_attempts":4294967297}})", 5000);
  REQUIRE(wrapped.ok());
  CHECK(wrapped->find(R"("error":"keel-close-position: options: 4294967297 is out of range")") != std::string::npos);
  auto interval = net::RequestLine(
      sock, R"({"cmd":"tool","tool":"keel-close-position","options":{"symbol":"BTCUSDT","verify_interval_ms":0}})", 5000);
  REQUIRE(interval.ok());
  CHECK(interval->find(R"(verify_interval_ms: expected 100 to 10000 ms, got 0")") != std::string::npos);
  auto grace = net::RequestLine(
      sock, R"({"cmd":"tool","tool":"keel-scan-orphans","options":{"close":true,"grace_ms":-1}})", 5000);
  REQUIRE(grace.ok());
  CHECK(grace->find(R"("error":"keel-scan-orphans: --grace-ms: expected 0 to 604800000 ms, got -1")") != std::string::npos);

  CHECK(d.Stop() == 0);
}

TEST_CASE("keel-traderd: a spool directory others may write is refused at start, naming it") {
  AccountOnSim a("spool_dir = \"spool\"\n");
  const test::TempDir& dir = a.dir;
  REQUIRE(::mkdir(dir.file("spool").c_str(), 0700) == 0);
  REQUIRE(::chmod(dir.file("spool").c_str(), 0777) == 0);
  test::write_file(dir.file("spool/s.json"), R"({"id":"sp-1","symbol":"BTCUSDT","action":"close"})", 0666);
  // timeout(1): a daemon that took the directory would run on; 124 then, not a test that hangs.
  auto refused = test::run({"/usr/bin/timeout", "60", test::bin("keel-traderd"), "--config", a.config});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err == "keel-traderd: daemon.spool_dir: " + dir.file("spool") +
                           " is writable by its group or others (mode 0777): refusing to read signals anyone else can "
                           "drop; chmod go-w it\n");
  CHECK(test::file_exists(dir.file("spool/s.json")));  // not taken
}

TEST_CASE("a keel tool's store is 0600 under umask 022, its lock too") {
  AccountOnSim a;
  const test::TempDir& dir = a.dir;
  // A position opened outside keel: protecting it is what creates the store.
  test::HttpClient http(a.sim.rest_port());
  REQUIRE(test::SendSigned(http, "POST", "/fapi/v1/order", "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01",
                           "keel-demo-key", "keel-demo-secret").status == 200);
  ScopedUmask usual(022);
  auto created = test::run({test::bin("keel-scan-orphans"), "--config", a.config, "--protect", "--stop-pct", "2", "--yes",
                            "--grace-ms", "0"});
  INFO(created.out << created.err);
  REQUIRE(created.exit_code == 1);  // one orphan found, and protected
  CHECK(ModeOf(dir.file("demo.db")) == 0600);
  CHECK(ModeOf(dir.file("demo.db.lock")) == 0600);
  // SQLite removes -wal and -shm when the tool closes the store; any left behind are 0600 as well.
  for (const char* file : {"demo.db-wal", "demo.db-shm"})
    if (test::file_exists(dir.file(file))) CHECK(ModeOf(dir.file(file)) == 0600);
}

TEST_CASE("keel-traderd: keys read from the environment are gone from /proc/PID/environ, not only from environ") {
  test::DaemonOnSim d;  // KEEL_API_KEY=keel-demo-key, KEEL_API_SECRET=keel-demo-secret
  std::ifstream in("/proc/" + std::to_string(d.daemon->pid()) + "/environ", std::ios::binary);
  REQUIRE(in);
  const std::string environ_text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(environ_text.find("PATH=") != std::string::npos);  // the block was read
  CHECK(environ_text.find("keel-demo-secret") == std::string::npos);
  CHECK(environ_text.find("keel-demo-key") == std::string::npos);
  CHECK(d.Stop() == 0);
}
