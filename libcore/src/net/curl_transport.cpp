#include <curl/curl.h>

#include <mutex>

#include "keel/net/http_transport.h"

namespace keel::net {
namespace {

std::once_flag curl_init;

std::size_t write_body(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
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

}  // namespace

Result<std::unique_ptr<CurlTransport>> CurlTransport::Create(const std::string& base_url,
                                                             const std::optional<std::string>& ca_path) {
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CurlTransport> t(new CurlTransport());
  CURL* curl = curl_easy_init();
  if (!curl) return Status::Internal("curl_easy_init failed");
  t->curl_ = curl;
  t->base_url_ = base_url;
  while (!t->base_url_.empty() && t->base_url_.back() == '/') t->base_url_.pop_back();
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (ca_path) {
    if (!ca_path->empty() && ca_path->back() == '/') curl_easy_setopt(curl, CURLOPT_CAPATH, ca_path->c_str());
    else curl_easy_setopt(curl, CURLOPT_CAINFO, ca_path->c_str());
  }
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, write_header);
  return t;
}

CurlTransport::~CurlTransport() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<HttpResponse> CurlTransport::Send(const HttpRequest& request, TimeMs timeout_ms) {
  CURL* curl = static_cast<CURL*>(curl_);
  const std::string url = base_url_ + request.target;
  HttpResponse response;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
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
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  long opened = 0;
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &opened);
  connections_ += opened;
  const std::string what = request.method + " " + request.path();
  switch (rc) {
    case CURLE_OK: break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return Status::Transport(what + " not sent: " + curl_easy_strerror(rc));
    case CURLE_OPERATION_TIMEDOUT:
      return Status::UnknownOutcome(what + ": no answer within " + std::to_string(timeout_ms) + " ms");
    default:
      return Status::UnknownOutcome(what + ": " + curl_easy_strerror(rc) + " after sending");
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
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
