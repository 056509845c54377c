#include <curl/curl.h>

#include <mutex>

#include "keel/net/http_transport.h"
#include "keel/net/tls_ca.h"

namespace keel::net {
namespace {

std::once_flag curl_init;

// The largest answer read. The largest real ones are the instrument lists (Binance's exchangeInfo,
// Bybit's instruments-info pages): a few MB at most. Without a bound a hostile or broken server
// could stream gigabytes into memory; 16 MiB leaves them several times their size to grow.
constexpr std::size_t kMaxAnswerBytes = std::size_t{16} << 20;
constexpr const char* kMaxAnswerText = "16 MiB";

struct BodySink {
  std::string* body = nullptr;
  bool too_large = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t n, void* out) {
  auto* sink = static_cast<BodySink*>(out);
  if (sink->body->size() + size * n > kMaxAnswerBytes) {
    sink->too_large = true;
    return 0;  // fewer bytes than given: curl ends the transfer with CURLE_WRITE_ERROR
  }
  sink->body->append(data, size * n);
  return size * n;
}

std::size_t write_header(char* data, std::size_t size, std::size_t n, void* out) {
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(out);
  std::string line(data, size * n);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
    headers->emplace_back(line.substr(0, colon), value);
  } else if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();  // a new response (after a redirect or 100-continue) starts over
  }
  return size * n;
}

// The request was sent; what it did is not known, since its answer is not read.
Status answer_too_large(const std::string& what) {
  return Status::UnknownOutcome(what + ": the answer is larger than " + kMaxAnswerText + ", not read");
}

// What a failed transfer means for the request: never sent, or sent with the outcome unknown.
Status transfer_error(CURLcode rc, const std::string& what, TimeMs timeout_ms) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return Status::Transport(what + " not sent: " + curl_easy_strerror(rc));
    case CURLE_OPERATION_TIMEDOUT:
      return Status::UnknownOutcome(what + ": no answer within " + std::to_string(timeout_ms) + " ms");
    case CURLE_FILESIZE_EXCEEDED:  // a Content-Length over CURLOPT_MAXFILESIZE_LARGE
      return answer_too_large(what);
    default:
      return Status::UnknownOutcome(what + ": " + curl_easy_strerror(rc) + " after sending");
  }
}

}  // namespace

std::vector<Result<HttpResponse>> HttpTransport::SendAll(const std::vector<HttpRequest>& requests, TimeMs timeout_ms) {
  std::vector<Result<HttpResponse>> out;
  out.reserve(requests.size());
  for (const auto& r : requests) out.push_back(Send(r, timeout_ms));
  return out;
}

Result<std::unique_ptr<CurlTransport>> CurlTransport::Create(const std::string& base_url,
                                                             const std::optional<std::string>& ca_path) {
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CurlTransport> t(new CurlTransport());
  t->multi_ = curl_multi_init();
  if (!t->multi_) return Status::Internal("curl_multi_init failed");
  t->base_url_ = base_url;
  while (!t->base_url_.empty() && t->base_url_.back() == '/') t->base_url_.pop_back();
  auto ca = ResolveCaPath(ca_path);
  if (!ca.ok()) return ca.status();
  t->ca_ = *ca;
  if (!t->EasyHandle(0)) return Status::Internal("curl_easy_init failed");
  return t;
}

CurlTransport::~CurlTransport() {
  for (void* e : easy_) curl_easy_cleanup(static_cast<CURL*>(e));
  if (multi_) curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

void* CurlTransport::EasyHandle(std::size_t i) {
  while (easy_.size() <= i) {
    CURL* curl = curl_easy_init();
    if (!curl) return nullptr;
    ApplyCaPath(curl, ca_);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(kMaxAnswerBytes));
    curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, write_header);
    easy_.push_back(curl);
  }
  return easy_[i];
}

Result<HttpResponse> CurlTransport::Send(const HttpRequest& request, TimeMs timeout_ms) {
  return std::move(SendAll({request}, timeout_ms)[0]);
}

std::vector<Result<HttpResponse>> CurlTransport::SendAll(const std::vector<HttpRequest>& requests, TimeMs timeout_ms) {
  CURLM* multi = static_cast<CURLM*>(multi_);
  const std::size_t n = requests.size();
  std::vector<HttpResponse> responses(n);
  std::vector<BodySink> sinks(n);
  std::vector<std::string> urls(n);
  std::vector<curl_slist*> header_lists(n, nullptr);
  std::vector<CURLcode> codes(n, CURLE_OK);
  std::vector<bool> done(n, false);
  std::vector<Result<HttpResponse>> out;
  for (std::size_t i = 0; i < n; ++i) {
    const HttpRequest& request = requests[i];
    CURL* curl = static_cast<CURL*>(EasyHandle(i));
    if (!curl) {
      for (std::size_t k = 0; k < n; ++k) out.push_back(Status::Internal("curl_easy_init failed"));
      return out;
    }
    urls[i] = base_url_ + request.target;
    curl_easy_setopt(curl, CURLOPT_URL, urls[i].c_str());
    sinks[i].body = &responses[i].body;
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sinks[i]);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &responses[i].headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<TimeMs>(timeout_ms, 5000)));
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "GET") {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    }
    curl_slist* headers = nullptr;
    for (const auto& [k, v] : request.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
    if (request.method != "GET") headers = curl_slist_append(headers, "Content-Type: application/x-www-form-urlencoded");
    headers = curl_slist_append(headers, "Expect:");
    header_lists[i] = headers;
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_PRIVATE, reinterpret_cast<void*>(i));
    curl_multi_add_handle(multi, curl);
  }
  const auto collect_finished = [&] {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      void* index = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &index);
      const auto i = reinterpret_cast<std::size_t>(index);
      codes[i] = msg->data.result;
      done[i] = true;
    }
  };
  int running = static_cast<int>(n);
  while (running > 0) {
    if (curl_multi_perform(multi, &running) != CURLM_OK) break;
    collect_finished();
    if (running > 0) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  collect_finished();  // messages left after the last perform
  for (std::size_t i = 0; i < n; ++i) {
    CURL* curl = static_cast<CURL*>(easy_[i]);
    long opened = 0;
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &opened);
    connections_ += opened;
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(multi, curl);
    curl_slist_free_all(header_lists[i]);
    const std::string what = requests[i].method + " " + requests[i].path();
    if (!done[i]) {
      out.push_back(Status::UnknownOutcome(what + ": the transfer did not finish"));
    } else if (sinks[i].too_large) {
      out.push_back(answer_too_large(what));
    } else if (codes[i] != CURLE_OK) {
      out.push_back(transfer_error(codes[i], what, timeout_ms));
    } else {
      responses[i].status = static_cast<int>(status);
      out.push_back(std::move(responses[i]));
    }
  }
  return out;
}

Result<HttpResponse> InMemoryTransport::Send(const HttpRequest& request, TimeMs timeout_ms) {
  ++requests_;
  const std::string what = request.method + " " + request.path();
  if (fail_next_ > 0 && fail_after_ > 0) {
    --fail_after_;
  } else if (fail_next_ > 0) {
    --fail_next_;
    return Status::Transport(what + " not sent: network unreachable");
  }
  HttpResponse response = handler_(request);
  if (response.delivery == HttpResponse::Delivery::kNoResponse)
    return Status::UnknownOutcome(what + ": no answer within " + std::to_string(timeout_ms) + " ms");
  if (response.delivery == HttpResponse::Delivery::kClose)
    return Status::UnknownOutcome(what + ": connection closed after sending");
  return response;
}

}  // namespace keel::net
