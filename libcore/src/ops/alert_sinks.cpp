#include "keel/ops/alert_sinks.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "keel/model/json_writer.h"
#include "keel/model/log_text.h"
#include "keel/net/curl_ca.h"

namespace keel::ops {
namespace {

std::string OneLine(const Alert& a, const std::string& account, std::int64_t held_back) {
  std::string text = "keel " + account + " " + to_string(a.kind) + (a.symbol.empty() ? "" : " " + a.symbol) + ": " + a.message;
  if (held_back > 0) text += " (" + std::to_string(held_back) + " other alert(s) held back by the rate limit)";
  return text;
}

constexpr long kWebhookTimeoutMs = 5000;

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

}  // namespace

std::string AlertJson(const Alert& a, const std::string& account, std::int64_t held_back) {
  JsonWriter w;
  w.StartObject().Key("source").String("keel").Key("account").String(account);
  w.Key("kind").String(to_string(a.kind)).Key("key").String(a.key).Key("symbol").String(a.symbol);
  w.Key("message").String(a.message).Key("at_ms").Int(a.at).Key("held_back").Int(held_back).EndObject();
  return w.str();
}

std::string AlertBody(const AlertSinkConfig& sink, const Alert& a, const std::string& account, std::int64_t held_back) {
  if (sink.kind == AlertSinkConfig::Kind::kExec || sink.format == AlertSinkConfig::Format::kJson)
    return AlertJson(a, account, held_back);
  JsonWriter w;
  w.StartObject();
  if (sink.format == AlertSinkConfig::Format::kTelegram) w.Key("chat_id").String(sink.chat_id);
  w.Key("text").String(OneLine(a, account, held_back)).EndObject();
  return w.str();
}

bool AlertThrottle::Admit(const std::string& key, TimeMs now) {
  sent_.erase(std::remove_if(sent_.begin(), sent_.end(), [now](TimeMs t) { return now - t >= 60'000; }), sent_.end());
  auto last = last_sent_.find(key);
  const bool repeat = last != last_sent_.end() && now - last->second < min_interval_ms_;
  if (repeat || static_cast<int>(sent_.size()) >= kMaxPerMinute) {
    ++held_back_;
    return false;
  }
  last_sent_[key] = now;
  sent_.push_back(now);
  // Keys carry order ids and symbols: without a bound the map grows for as long as the daemon
  // runs. Entries past the repeat interval hold nothing back any more and go.
  if (last_sent_.size() > 1024) {
    for (auto it = last_sent_.begin(); it != last_sent_.end();)
      it = now - it->second >= min_interval_ms_ ? last_sent_.erase(it) : std::next(it);
  }
  return true;
}

std::int64_t AlertThrottle::TakeHeldBack() {
  const std::int64_t n = held_back_;
  held_back_ = 0;
  return n;
}

Status DeliverWebhook(const std::string& url, const std::string& body, const std::optional<std::string>& ca_path) {
  auto ca = net::ResolveCaPath(ca_path);
  if (!ca.ok()) return ca.status().WithContext("webhook");
  CURL* curl = curl_easy_init();
  if (!curl) return Status::Transport("webhook: libcurl could not start");
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, kWebhookTimeoutMs);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  net::ApplyCaPath(curl, *ca);
  const CURLcode rc = curl_easy_perform(curl);
  long http = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return Status::Transport(std::string("webhook: ") + curl_easy_strerror(rc));
  if (http < 200 || http >= 300) return Status::Transport("webhook: HTTP " + std::to_string(http));
  return Status::Ok();
}

Status DeliverExec(const std::vector<std::string>& command, const std::string& stdin_text, TimeMs timeout_ms) {
  if (command.empty()) return Status::InvalidInput("exec: no command");
  // A command that does not read its stdin closes the pipe under our write: that must be a failed
  // write here, not SIGPIPE ending the daemon. Process-wide, once, before any pipe exists.
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { signal(SIGPIPE, SIG_IGN); });
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::Transport(std::string("exec: pipe: ") + std::strerror(errno));
  // The command is a pager or a script, not part of keel: it gets the alert on stdin and nothing
  // of the daemon's. Not its environment (the API key may be there), not a descriptor past
  // stderr (the control socket, the exchange connections, the store: libraries open some without
  // CLOEXEC), and a process group of its own, so that a timeout ends whatever it started too.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t no_signals, default_signals;
  sigemptyset(&no_signals);
  sigemptyset(&default_signals);
  for (int sig : {SIGPIPE, SIGHUP, SIGINT, SIGTERM}) sigaddset(&default_signals, sig);
  int setup = posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], STDIN_FILENO);
  if (setup == 0) setup = posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
  if (setup == 0) setup = posix_spawnattr_setpgroup(&attr, 0);
  if (setup == 0) setup = posix_spawnattr_setsigmask(&attr, &no_signals);
  if (setup == 0) setup = posix_spawnattr_setsigdefault(&attr, &default_signals);
  if (setup == 0)
    setup = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv;
  for (const auto& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  char path_var[] = "PATH=/usr/bin:/bin";
  char lang_var[] = "LANG=C";
  char* envp[] = {path_var, lang_var, nullptr};
  pid_t pid = 0;
  const int spawned = setup != 0 ? setup : posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[0]);
  if (spawned != 0) {
    close(pipe_fds[1]);
    return Status::Transport("exec: " + command[0] + ": " + std::strerror(spawned));
  }
  std::size_t written = 0;
  while (written < stdin_text.size()) {
    const ssize_t n = write(pipe_fds[1], stdin_text.data() + written, stdin_text.size() - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  close(pipe_fds[1]);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);  // the group: the command and everything it started
      waitpid(pid, &status, 0);
      return Status::Transport("exec: " + command[0] + " did not finish within " + std::to_string(timeout_ms) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Status::Transport("exec: " + command[0] + " exited " +
                             (WIFEXITED(status) ? std::to_string(WEXITSTATUS(status)) : std::string("on a signal")));
  return Status::Ok();
}

AlertDispatcher::AlertDispatcher(std::string account, std::vector<AlertSinkConfig> sinks, std::optional<std::string> ca_path)
    : account_(std::move(account)), sinks_(std::move(sinks)), ca_path_(std::move(ca_path)) {
  for (const auto& s : sinks_) throttles_.emplace_back(s.min_interval_ms);
}

AlertDispatcher::~AlertDispatcher() { Stop(); }

void AlertDispatcher::Stop() { worker_.Stop(); }

void AlertDispatcher::Raise(const Alert& a) {
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    AlertThrottle& throttle = throttles_[i];
    if (!throttle.Admit(a.key, a.at)) {
      ++held_back_total_;
      continue;
    }
    const AlertSinkConfig& sink = sinks_[i];
    std::string body = AlertBody(sink, a, account_, throttle.TakeHeldBack());
    worker_.Run([this, sink, body = std::move(body), key = a.key] {
      const Status st = sink.kind == AlertSinkConfig::Kind::kWebhook ? DeliverWebhook(sink.url, body, ca_path_)
                                                                     : DeliverExec(sink.command, body);
      if (st.ok()) {
        ++delivered_;
        return;
      }
      ++failed_;
      spdlog::error("{}: alert {} not delivered: {}", sink.label, LogText(key), LogText(st.message()));
    });
  }
}

}  // namespace keel::ops
