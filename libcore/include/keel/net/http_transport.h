#pragma once
// How adapters send HTTP requests. The outcome of a failed request is reported precisely, because
// for an order it decides everything:
//   kTransport       nothing was sent (connection refused, DNS, TLS handshake): safe to retry;
//   kUnknownOutcome  the request may have reached the venue (timeout, reset after sending).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "keel/model/status.h"
#include "keel/model/time.h"
#include "keel/net/http_message.h"
#include "keel/net/curl_ca.h"

namespace keel::net {

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // request.target is the path and query; the transport adds its base URL.
  virtual Result<HttpResponse> Send(const HttpRequest& request, TimeMs timeout_ms) = 0;
  // Independent requests sent together, answered in the request's order: over a network they are
  // in flight at the same time, so N reads cost about one round trip instead of N. The default
  // sends them one after another.
  virtual std::vector<Result<HttpResponse>> SendAll(const std::vector<HttpRequest>& requests, TimeMs timeout_ms);
};

// libcurl's multi interface: every request, alone or in a batch, goes through one multi handle and
// its connection pool, so connections stay alive between requests and a batch runs in parallel on
// as many of them as it needs. TLS certificates are verified, and that they name the URL's host
// (against ca_path when given: a bundle file or a hashed directory; Create refuses one that does
// not exist or holds no certificate). An answer over 16 MiB is not read: the request fails with
// kUnknownOutcome. Not thread-safe: one transport per thread.
class CurlTransport final : public HttpTransport {
 public:
  static Result<std::unique_ptr<CurlTransport>> Create(const std::string& base_url,
                                                       const std::optional<std::string>& ca_path);
  ~CurlTransport() override;
  Result<HttpResponse> Send(const HttpRequest& request, TimeMs timeout_ms) override;
  std::vector<Result<HttpResponse>> SendAll(const std::vector<HttpRequest>& requests, TimeMs timeout_ms) override;
  // Connections opened so far (1 while keep-alive holds and requests come one at a time).
  long connections_opened() const { return connections_; }

 private:
  CurlTransport() = default;
  void* EasyHandle(std::size_t i);
  void* multi_ = nullptr;
  std::vector<void*> easy_;  // reused: one per request of the largest batch so far
  std::string base_url_;
  std::optional<CaPath> ca_;
  long connections_ = 0;
};

// Calls a handler in process (a SimVenue in scenario tests). A response the handler marks
// kNoResponse becomes kUnknownOutcome, as a client's timeout would; kClose becomes kUnknownOutcome too
// (the request was received).
class InMemoryTransport final : public HttpTransport {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  explicit InMemoryTransport(Handler handler) : handler_(std::move(handler)) {}
  Result<HttpResponse> Send(const HttpRequest& request, TimeMs timeout_ms) override;
  // Make n requests fail before reaching the handler (a network that is down), after `after` more
  // have gone through.
  void FailNext(int n, int after = 0) {
    fail_next_ = n;
    fail_after_ = after;
  }
  long requests() const { return requests_; }

 private:
  Handler handler_;
  int fail_next_ = 0;
  int fail_after_ = 0;
  long requests_ = 0;
};

}  // namespace keel::net
