#include "test_tls.h"

#define ASIO_STANDALONE
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace keel::test {
namespace {

void Require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificates: ") + what + " failed");
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  Require(ext != nullptr, "X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for key under the common name cn, valid from an hour ago for a day; self-signed
// when issuer is null.
X509* NewCertificate(EVP_PKEY* key, const std::string& cn, long serial, X509* issuer) {
  X509* cert = X509_new();
  Require(cert != nullptr, "X509_new");
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86'400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
  return cert;
}

void WritePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  Require(f != nullptr, "fopen");
  const bool ok = cert ? PEM_write_X509(f, cert) == 1 : PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(f);
  Require(ok, "PEM_write");
}

std::string Join(const std::string& kind, const std::vector<std::string>& values, std::string out) {
  for (const auto& v : values) out += (out.empty() ? "" : ",") + kind + ":" + v;
  return out;
}

// Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455).
std::string WebSocketAccept(const std::string& key) {
  const std::string text = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  unsigned char out[64];
  const int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
}

std::string HeaderValue(const std::string& head, const std::string& name) {
  std::string lower = head;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto at = lower.find("\r\n" + name + ":");
  if (at == std::string::npos) return "";
  auto begin = at + 3 + name.size();
  const auto end = head.find("\r\n", begin);
  while (begin < end && head[begin] == ' ') ++begin;
  return head.substr(begin, end - begin);
}

}  // namespace

struct TestCa::Impl {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  long serial = 1;
  ~Impl() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

TestCa::TestCa(const std::string& dir, const std::string& name)
    : impl_(std::make_unique<Impl>()), dir_(dir), ca_path_(dir + "/ca.pem") {
  impl_->key = EVP_EC_gen("P-256");
  Require(impl_->key != nullptr, "EVP_EC_gen");
  impl_->cert = NewCertificate(impl_->key, name, impl_->serial++, nullptr);
  AddExtension(impl_->cert, impl_->cert, NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(impl_->cert, impl_->cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExtension(impl_->cert, impl_->cert, NID_subject_key_identifier, "hash");
  Require(X509_sign(impl_->cert, impl_->key, EVP_sha256()) > 0, "X509_sign");
  WritePem(ca_path_, impl_->cert, nullptr);
}

TestCa::~TestCa() = default;

TestCa::Leaf TestCa::Issue(const std::string& file, const std::vector<std::string>& dns_names,
                           const std::vector<std::string>& ips) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  Require(key != nullptr, "EVP_EC_gen");
  X509* cert = NewCertificate(key, dns_names.empty() ? ips.front() : dns_names.front(), impl_->serial++, impl_->cert);
  AddExtension(cert, impl_->cert, NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert, impl_->cert, NID_key_usage, "critical,digitalSignature");
  AddExtension(cert, impl_->cert, NID_ext_key_usage, "serverAuth");
  AddExtension(cert, impl_->cert, NID_authority_key_identifier, "keyid");
  AddExtension(cert, impl_->cert, NID_subject_alt_name, Join("IP", ips, Join("DNS", dns_names, "")));
  Require(X509_sign(cert, impl_->key, EVP_sha256()) > 0, "X509_sign");
  Leaf leaf{dir_ + "/" + file + ".crt", dir_ + "/" + file + ".key"};
  WritePem(leaf.cert_path, cert, nullptr);
  WritePem(leaf.key_path, nullptr, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return leaf;
}

std::string TestCa::HashedDirectory(const std::string& dir) const {
  std::filesystem::create_directories(dir);
  char name[16];
  std::snprintf(name, sizeof(name), "%08lx.0", X509_subject_name_hash(impl_->cert));
  std::filesystem::copy_file(ca_path_, dir + "/" + name, std::filesystem::copy_options::overwrite_existing);
  return dir;
}

struct TlsTestServer::Impl {
  using Stream = asio::ssl::stream<asio::ip::tcp::socket>;
  struct Session {
    explicit Session(asio::ip::tcp::socket socket, asio::ssl::context& ctx) : stream(std::move(socket), ctx) {}
    Stream stream;
    asio::streambuf in;
    std::string out;
  };

  asio::ssl::context ctx{asio::ssl::context::tls_server};
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor{io};
  std::thread thread;
  mutable std::mutex mu;
  mutable std::condition_variable changed;
  std::vector<std::string> requests;
  int failed_handshakes = 0;
  int ended = 0;

  void End(bool handshake_failed) {
    std::lock_guard<std::mutex> lock(mu);
    ++ended;
    if (handshake_failed) ++failed_handshakes;
    changed.notify_all();
  }

  void Accept() {
    acceptor.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
      if (ec) return;
      auto s = std::make_shared<Session>(std::move(socket), ctx);
      s->stream.async_handshake(asio::ssl::stream_base::server, [this, s](const asio::error_code& hec) {
        if (hec) return End(true);
        ReadRequest(s);
      });
      Accept();
    });
  }

  void ReadRequest(const std::shared_ptr<Session>& s) {
    asio::async_read_until(s->stream, s->in, "\r\n\r\n", [this, s](const asio::error_code& ec, std::size_t n) {
      if (ec) return End(false);
      std::string head(asio::buffers_begin(s->in.data()), asio::buffers_begin(s->in.data()) + static_cast<long>(n));
      s->in.consume(n);
      {
        std::lock_guard<std::mutex> lock(mu);
        requests.push_back(head.substr(0, head.find("\r\n")));
        changed.notify_all();
      }
      const std::string key = HeaderValue(head, "sec-websocket-key");
      const bool upgrade = !key.empty();
      s->out = upgrade ? "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Accept: " + WebSocketAccept(key) + "\r\n\r\n"
                       : std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
      asio::async_write(s->stream, asio::buffer(s->out), [this, s, upgrade](const asio::error_code& wec, std::size_t) {
        if (wec || !upgrade) {
          asio::error_code ignored;
          s->stream.lowest_layer().close(ignored);
          return End(false);
        }
        Drain(s);
      });
    });
  }

  // A WebSocket connection is held, its frames ignored, until the client leaves.
  void Drain(const std::shared_ptr<Session>& s) {
    s->stream.async_read_some(s->in.prepare(4096), [this, s](const asio::error_code& ec, std::size_t n) {
      if (ec) return End(false);
      s->in.commit(n);
      s->in.consume(n);
      Drain(s);
    });
  }
};

TlsTestServer::TlsTestServer(const TestCa::Leaf& leaf) : impl_(std::make_unique<Impl>()) {
  impl_->ctx.use_certificate_chain_file(leaf.cert_path);
  impl_->ctx.use_private_key_file(leaf.key_path, asio::ssl::context::pem);
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  impl_->Accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TlsTestServer::~TlsTestServer() {
  impl_->io.stop();
  impl_->thread.join();
}

std::uint16_t TlsTestServer::port() const { return impl_->acceptor.local_endpoint().port(); }

bool TlsTestServer::WaitForEnded(int n, int timeout_ms) const {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->changed.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return impl_->ended >= n; });
}

std::vector<std::string> TlsTestServer::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->requests;
}

int TlsTestServer::failed_handshakes() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->failed_handshakes;
}

}  // namespace keel::test
