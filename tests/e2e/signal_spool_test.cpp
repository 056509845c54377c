// keel-traderd's spool directory on a real filesystem, with a stub in place of the engine: what
// is read, what is refused and where it goes, how replies are written, and a file that keeps
// ending the runs that read it.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "keel/ops/signal_spool.h"
#include "temp_dir.h"

using namespace keel;
using ops::SignalSpool;

namespace {

const char* const kSignal = R"({"id":"s-1","symbol":"BTCUSDT","side":"LONG","qty":"0.01","stop_loss":{"pct":"1"}})";

// The engine's side: every text submitted, by origin; answered at once with `exit_code`, except
// the origins in `dies_on` (the run dies before answering them).
struct StubEngine {
  int exit_code = 0;
  std::set<std::string> dies_on;
  std::map<std::string, std::string> submitted;
  ops::SpoolSubmit submit() {
    return [this](const std::string& text, const std::string& origin, ops::SpoolAnswer answer) {
      submitted[origin] = text;
      if (dies_on.count(origin) == 0) answer(exit_code, R"({"result":"stub","exit_code":)" + std::to_string(exit_code) + "}");
    };
  }
};

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

bool IsRegular(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

TEST_CASE("spool: a directory another user owns, or others may write, is refused at start; missing ones are made 0700") {
  test::TempDir dir;
  const std::string spool = dir.file("spool");
  REQUIRE(SignalSpool::Open(spool).ok());
  for (const char* sub : {"", "/processing", "/done", "/rejected", "/quarantine"}) CHECK(ModeOf(spool + sub) == 0700);

  REQUIRE(::chmod(spool.c_str(), 0777) == 0);
  auto open_to_all = SignalSpool::Open(spool);
  REQUIRE(!open_to_all.ok());
  CHECK(open_to_all.status().message() == spool + " is writable by its group or others (mode 0777): refusing to read "
                                                  "signals anyone else can drop; chmod go-w it");
  REQUIRE(::chmod(spool.c_str(), 0755) == 0);
  REQUIRE(SignalSpool::Open(spool).ok());  // readable by others is fine: only writing is refused

  REQUIRE(::chmod((spool + "/done").c_str(), 0770) == 0);
  CHECK(SignalSpool::Open(spool).status().message().find(spool + "/done is writable by its group") == 0);
  REQUIRE(::chmod((spool + "/done").c_str(), 0700) == 0);

  REQUIRE(::rmdir((spool + "/rejected").c_str()) == 0);
  REQUIRE(::symlink(dir.path().c_str(), (spool + "/rejected").c_str()) == 0);
  CHECK(SignalSpool::Open(spool).status().message() == spool + "/rejected is not a directory: refusing to use it");
  REQUIRE(::unlink((spool + "/rejected").c_str()) == 0);

  if (::geteuid() == 0) {
    REQUIRE(::chown((spool + "/processing").c_str(), 65534, 65534) == 0);
    CHECK(SignalSpool::Open(spool).status().message() ==
          spool + "/processing is owned by uid 65534, not by this daemon's uid 0: refusing to read signals another "
                  "user controls");
  }
}

TEST_CASE("spool: a symlink, a FIFO, a directory, a 2 MB file and text that is not one signal go to quarantine/, "
          "each with a reply saying why; none reaches the engine") {
  test::TempDir dir;
  const std::string spool = dir.file("spool");
  auto opened = SignalSpool::Open(spool);
  REQUIRE(opened.ok());
  test::write_file(dir.file("secret"), kSignal, 0600);
  REQUIRE(::symlink(dir.file("secret").c_str(), (spool + "/link.json").c_str()) == 0);
  REQUIRE(::mkfifo((spool + "/fifo.json").c_str(), 0600) == 0);
  REQUIRE(::mkdir((spool + "/dir.json").c_str(), 0700) == 0);
  test::write_file(spool + "/big.json", std::string(2 << 20, ' ') + kSignal, 0600);
  test::write_file(spool + "/half.json", std::string(kSignal).substr(0, 30), 0600);
  test::write_file(spool + "/two.json", std::string(kSignal) + kSignal, 0600);

  StubEngine engine;
  // A FIFO opened for reading waits for a writer: the scan must not.
  auto scanned = std::async(std::launch::async, [&] { opened->Scan(engine.submit()); });
  if (scanned.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    const int writer = ::open((spool + "/processing/fifo.json").c_str(), O_WRONLY | O_NONBLOCK);
    if (writer >= 0) ::close(writer);
    FAIL("the scan blocked on the FIFO");
  }
  scanned.get();
  CHECK(engine.submitted.empty());
  CHECK(test::read_file(dir.file("secret")) == kSignal);
  const std::map<std::string, std::string> why = {
      {"link.json", "a symbolic link, not a file: not followed"},
      {"fifo.json", "a FIFO, not a file: not read"},
      {"dir.json", "a directory, not a file: not read"},
      {"big.json", "larger than 1048576 bytes: not read"},
      {"half.json", "not one signal: "},
      {"two.json", "not one signal: "},
  };
  for (const auto& [name, reason] : why) {
    CAPTURE(name);
    CHECK(!test::file_exists(spool + "/" + name));
    CHECK(!test::file_exists(spool + "/processing/" + name));
    CHECK(::access((spool + "/quarantine/" + name).c_str(), F_OK) == 0);
    const std::string reply = test::read_file(spool + "/quarantine/" + name + ".reply");
    CHECK(reply.rfind(R"({"result":"quarantined","detail":")" + reason, 0) == 0);
    CHECK(reply.find(R"("exit_code":2})" "\n") != std::string::npos);
    CHECK(ModeOf(spool + "/quarantine/" + name + ".reply") == 0600);
  }
  CHECK(ModeOf(spool + "/quarantine/link.json") == 0777);  // the link itself was moved, not followed
}

TEST_CASE("spool: a signal goes to done/ or rejected/ with a new 0600 reply, never written through a link already there") {
  test::TempDir dir;
  const std::string spool = dir.file("spool");
  auto opened = SignalSpool::Open(spool);
  REQUIRE(opened.ok());
  test::write_file(dir.file("victim"), "untouched\n", 0644);
  REQUIRE(::symlink(dir.file("victim").c_str(), (spool + "/done/ok.json.reply").c_str()) == 0);
  test::write_file(spool + "/ok.json", kSignal, 0644);
  test::write_file(spool + "/.partial.json", kSignal, 0644);  // still being written: not read
  test::write_file(spool + "/note.txt", kSignal, 0644);       // not a signal file: not read

  const mode_t old_umask = ::umask(022);  // the usual umask: the reply's own mode must decide
  StubEngine engine;
  opened->Scan(engine.submit());
  engine.exit_code = 2;
  test::write_file(spool + "/refused.json", kSignal, 0644);
  opened->Scan(engine.submit());
  ::umask(old_umask);

  CHECK(engine.submitted == std::map<std::string, std::string>{{"spool:ok.json", kSignal}, {"spool:refused.json", kSignal}});
  CHECK(test::read_file(dir.file("victim")) == "untouched\n");
  CHECK(IsRegular(spool + "/done/ok.json.reply"));
  CHECK(test::read_file(spool + "/done/ok.json.reply") == "{\"result\":\"stub\",\"exit_code\":0}\n");
  CHECK(ModeOf(spool + "/done/ok.json.reply") == 0600);
  CHECK(test::read_file(spool + "/done/ok.json") == kSignal);
  CHECK(test::read_file(spool + "/rejected/refused.json.reply") == "{\"result\":\"stub\",\"exit_code\":2}\n");
  CHECK(ModeOf(spool + "/rejected/refused.json.reply") == 0600);
  CHECK(test::file_exists(spool + "/.partial.json"));
  CHECK(test::file_exists(spool + "/note.txt"));
}

TEST_CASE("spool: a file a run took and never answered is read once more; unanswered twice, it goes to quarantine/") {
  test::TempDir dir;
  const std::string spool = dir.file("spool");
  auto first = SignalSpool::Open(spool);
  REQUIRE(first.ok());
  test::write_file(spool + "/crash.json", kSignal, 0600);
  test::write_file(spool + "/once.json", kSignal, 0600);
  StubEngine dies;  // the run dies before answering either
  dies.dies_on = {"spool:crash.json", "spool:once.json"};
  first->Scan(dies.submit());
  REQUIRE(test::file_exists(spool + "/processing/crash.json"));
  REQUIRE(test::file_exists(spool + "/processing/once.json"));

  // The second run returns both to the queue; it answers once.json, and dies on crash.json again.
  auto second = SignalSpool::Open(spool);
  REQUIRE(second.ok());
  CHECK(test::file_exists(spool + "/crash.json"));
  CHECK(test::file_exists(spool + "/once.json"));
  StubEngine dies_again;
  dies_again.dies_on = {"spool:crash.json"};
  second->Scan(dies_again.submit());
  CHECK(dies_again.submitted.size() == 2);
  CHECK(test::file_exists(spool + "/done/once.json"));

  // The third run does not read crash.json again; once.json, answered, is not held against anything.
  auto third = SignalSpool::Open(spool);
  REQUIRE(third.ok());
  CHECK(!test::file_exists(spool + "/crash.json"));
  CHECK(!test::file_exists(spool + "/processing/crash.json"));
  CHECK(test::read_file(spool + "/quarantine/crash.json") == kSignal);
  CHECK(test::read_file(spool + "/quarantine/crash.json.reply") ==
        R"({"result":"quarantined","detail":"taken twice by runs that ended before answering it (it may be what ended )"
        R"(them): not read again","exit_code":2})" "\n");
  // Nothing is left behind in processing/, markers included.
  CHECK(::rmdir((spool + "/processing").c_str()) == 0);
}
