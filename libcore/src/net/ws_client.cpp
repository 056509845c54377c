#include "keel/net/ws_client.h"

#define ASIO_STANDALONE
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

#include <asio/ssl/host_name_verification.hpp>

#include "keel/net/tls_ca.h"

namespace keel::net {
namespace {

// What made a certificate unacceptable, kept by the verify callback for the fail handler: the
// handshake's own error says only "TLS handshake failed".
using TlsRefusal = std::shared_ptr<std::string>;

// Peer verification against ca_path (a bundle or a hashed directory) or the system's CAs, and the
// certificate must name the host the URL names: without the name check any certificate a trusted
// CA signed, for any name, would be accepted, and the listen key or API key sent to its holder.
Result<std::shared_ptr<asio::ssl::context>> TlsContext(const std::optional<std::string>& ca_path,
                                                       const std::string& host, TlsRefusal refusal) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  asio::error_code ec;
  if (ca_path) {
    auto source = CheckCaPath(*ca_path);
    if (!source.ok()) return source.status();
    if (*source == CaSource::kHashedDirectory) ctx->add_verify_path(*ca_path, ec);
    else ctx->load_verify_file(*ca_path, ec);
    if (ec) return Status::InvalidInput("ca_path " + *ca_path + " cannot be loaded: " + ec.message());
  } else {
    ctx->set_default_verify_paths(ec);
    if (ec) return Status::Internal("the system's CA certificates cannot be loaded: " + ec.message());
  }
  ctx->set_verify_mode(asio::ssl::verify_peer);
  ctx->set_verify_callback([host, refusal](bool preverified, asio::ssl::verify_context& vc) {
    X509_STORE_CTX* store = vc.native_handle();
    if (!preverified) {
      *refusal = std::string("certificate not trusted: ") + X509_verify_cert_error_string(X509_STORE_CTX_get_error(store));
      return false;
    }
    if (!asio::ssl::host_name_verification(host)(preverified, vc)) {
      *refusal = "the certificate is not for " + host;
      return false;
    }
    return true;
  });
  return ctx;
}

}  // namespace

using PlainClient = websocketpp::client<websocketpp::config::asio_client>;
using TlsClient = websocketpp::client<websocketpp::config::asio_tls_client>;

struct WsClient::Impl {
  EventLoop& loop;
  Callbacks callbacks;
  std::optional<std::string> ca_path;
  std::unique_ptr<PlainClient> plain;
  std::unique_ptr<TlsClient> tls;
  // Clients replaced by a reconnect: their handlers may still be queued on the loop.
  std::vector<std::unique_ptr<PlainClient>> retired_plain;
  std::vector<std::unique_ptr<TlsClient>> retired_tls;
  websocketpp::connection_hdl hdl;
  bool is_open = false;
  bool tls_active = false;
  TlsRefusal tls_refusal = std::make_shared<std::string>();

  Impl(EventLoop& l, Callbacks c, std::optional<std::string> ca) : loop(l), callbacks(std::move(c)), ca_path(std::move(ca)) {}

  template <typename Client>
  void Setup(Client& client) {
    client.clear_access_channels(websocketpp::log::alevel::all);
    client.clear_error_channels(websocketpp::log::elevel::all);
    websocketpp::lib::error_code ec;
    client.init_asio(static_cast<asio::io_context*>(loop.native()), ec);
    client.set_open_handler([this](websocketpp::connection_hdl) {
      is_open = true;
      if (callbacks.on_open) callbacks.on_open();
    });
    client.set_message_handler([this](websocketpp::connection_hdl, typename Client::message_ptr msg) {
      if (msg->get_opcode() == websocketpp::frame::opcode::text && callbacks.on_text) callbacks.on_text(msg->get_payload());
    });
    client.set_fail_handler([this, &client](websocketpp::connection_hdl h) {
      is_open = false;
      websocketpp::lib::error_code get_ec;
      auto con = client.get_con_from_hdl(h, get_ec);
      std::string reason = "connection failed";
      if (!get_ec) {
        reason += ": " + con->get_ec().message();
        if (con->get_response_code() != websocketpp::http::status_code::uninitialized)
          reason += " (HTTP " + std::to_string(static_cast<int>(con->get_response_code())) + ")";
      }
      if (!tls_refusal->empty()) reason += ": " + *tls_refusal;
      if (callbacks.on_close) callbacks.on_close(reason);
    });
    client.set_close_handler([this, &client](websocketpp::connection_hdl h) {
      is_open = false;
      websocketpp::lib::error_code get_ec;
      auto con = client.get_con_from_hdl(h, get_ec);
      std::string reason = "closed";
      if (!get_ec && !con->get_remote_close_reason().empty()) reason += ": " + con->get_remote_close_reason();
      if (callbacks.on_close) callbacks.on_close(reason);
    });
  }
};

WsClient::WsClient(EventLoop& loop, Callbacks callbacks, std::optional<std::string> ca_path)
    : impl_(std::make_unique<Impl>(loop, std::move(callbacks), std::move(ca_path))) {}

WsClient::~WsClient() { Close("client destroyed"); }

namespace {

// The URL as errors may show it: a query carries credentials (Binance's listenKey reads the account's
// stream for 60 minutes), so it is left out of every message and log line.
std::string Shown(const std::string& url) {
  const auto query = url.find('?');
  return query == std::string::npos ? url : url.substr(0, query) + "?…";
}

}  // namespace

Status WsClient::Connect(const std::string& url) {
  websocketpp::lib::error_code ec;
  if (url.rfind("wss://", 0) == 0) {
    const websocketpp::uri parsed(url);
    if (!parsed.get_valid()) return Status::InvalidInput("websocket URL " + Shown(url) + ": not a valid URL");
    impl_->tls_refusal->clear();
    auto ctx = TlsContext(impl_->ca_path, parsed.get_host(), impl_->tls_refusal);
    if (!ctx.ok()) return ctx.status().WithContext("websocket to " + parsed.get_host());
    impl_->tls_active = true;
    if (impl_->tls) impl_->retired_tls.push_back(std::move(impl_->tls));
    impl_->tls = std::make_unique<TlsClient>();
    impl_->Setup(*impl_->tls);
    impl_->tls->set_tls_init_handler([ctx = std::move(ctx).value()](websocketpp::connection_hdl) { return ctx; });
    auto con = impl_->tls->get_connection(url, ec);
    if (ec) return Status::InvalidInput("websocket URL " + Shown(url) + ": " + ec.message());
    impl_->hdl = con->get_handle();
    impl_->tls->connect(con);
  } else if (url.rfind("ws://", 0) == 0) {
    impl_->tls_active = false;
    if (impl_->plain) impl_->retired_plain.push_back(std::move(impl_->plain));
    impl_->plain = std::make_unique<PlainClient>();
    impl_->Setup(*impl_->plain);
    auto con = impl_->plain->get_connection(url, ec);
    if (ec) return Status::InvalidInput("websocket URL " + Shown(url) + ": " + ec.message());
    impl_->hdl = con->get_handle();
    impl_->plain->connect(con);
  } else {
    return Status::InvalidInput("websocket URL " + Shown(url) + ": expected ws:// or wss://");
  }
  return Status::Ok();
}

bool WsClient::Send(const std::string& text) {
  if (!impl_->is_open) return false;
  websocketpp::lib::error_code ec;
  if (impl_->tls_active) impl_->tls->send(impl_->hdl, text, websocketpp::frame::opcode::text, ec);
  else impl_->plain->send(impl_->hdl, text, websocketpp::frame::opcode::text, ec);
  return !ec;
}

void WsClient::Close(const std::string& reason) {
  if (!impl_->is_open) return;
  websocketpp::lib::error_code ec;
  if (impl_->tls_active) impl_->tls->close(impl_->hdl, websocketpp::close::status::normal, reason, ec);
  else impl_->plain->close(impl_->hdl, websocketpp::close::status::normal, reason, ec);
  impl_->is_open = false;
}

bool WsClient::open() const { return impl_->is_open; }

}  // namespace keel::net
