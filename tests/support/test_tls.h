#pragma once
// Certificates made for one test with OpenSSL, and a TLS server on 127.0.0.1 presenting one of
// them: what keel's wss:// and https:// clients do with a certificate, tried without the internet.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace keel::test {

// A certificate authority of its own, written to dir as ca.pem, and the certificates it signs.
class TestCa {
 public:
  TestCa(const std::string& dir, const std::string& name);
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  struct Leaf {
    std::string cert_path;
    std::string key_path;
  };
  // A server certificate for these DNS names and IP addresses, written to dir as <file>.crt and
  // <file>.key.
  Leaf Issue(const std::string& file, const std::vector<std::string>& dns_names, const std::vector<std::string>& ips);
  // The CA file (PEM).
  const std::string& ca_path() const { return ca_path_; }
  // A directory holding the CA under its subject hash, as OpenSSL looks certificates up in
  // /etc/ssl/certs (c_rehash).
  std::string HashedDirectory(const std::string& dir) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string dir_;
  std::string ca_path_;
};

// A TLS server on 127.0.0.1 (a free port), on a thread of its own. It records the request line of
// every HTTP request that reaches it, answers a WebSocket upgrade with 101 (and keeps the
// connection until the client leaves) and any other request with 200 "ok".
class TlsTestServer {
 public:
  explicit TlsTestServer(const TestCa::Leaf& leaf);
  ~TlsTestServer();
  TlsTestServer(const TlsTestServer&) = delete;
  TlsTestServer& operator=(const TlsTestServer&) = delete;

  std::uint16_t port() const;
  // Waits until n connections have ended (handshake refused, or closed), up to timeout_ms.
  bool WaitForEnded(int n, int timeout_ms) const;
  std::vector<std::string> requests() const;
  int failed_handshakes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::test
