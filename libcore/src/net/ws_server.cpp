#include "keel/net/ws_server.h"

#define ASIO_STANDALONE
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include <map>

namespace keel::net {

using Server = websocketpp::server<websocketpp::config::asio>;

struct WsServer::Impl {
  Server server;
  Callbacks callbacks;
  std::map<ConnectionId, websocketpp::connection_hdl> by_id;
  std::map<websocketpp::connection_hdl, ConnectionId, std::owner_less<websocketpp::connection_hdl>> by_hdl;
  ConnectionId next_id = 1;
  bool stopped = false;

  void Forget(websocketpp::connection_hdl hdl) {
    auto it = by_hdl.find(hdl);
    if (it == by_hdl.end()) return;
    const ConnectionId id = it->second;
    by_hdl.erase(it);
    by_id.erase(id);
    if (callbacks.on_close) callbacks.on_close(id);
  }
};

WsServer::WsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WsServer::~WsServer() { Stop(); }

Result<std::unique_ptr<WsServer>> WsServer::Start(EventLoop& loop, const Options& options, Callbacks callbacks) {
  auto impl = std::make_unique<Impl>();
  Impl* self = impl.get();
  self->callbacks = std::move(callbacks);
  Server& s = self->server;
  s.clear_access_channels(websocketpp::log::alevel::all);
  s.clear_error_channels(websocketpp::log::elevel::all);
  websocketpp::lib::error_code ec;
  s.init_asio(static_cast<asio::io_context*>(loop.native()), ec);
  if (ec) return Status::Transport("websocket server: " + ec.message());
  s.set_reuse_addr(true);
  s.set_validate_handler([self](websocketpp::connection_hdl hdl) {
    websocketpp::lib::error_code get_ec;
    auto con = self->server.get_con_from_hdl(hdl, get_ec);
    if (get_ec) return false;
    const ConnectionId id = self->next_id++;
    Status accepted = self->callbacks.on_open ? self->callbacks.on_open(id, con->get_resource()) : Status::Ok();
    if (!accepted.ok()) {
      con->set_status(accepted.IsNotFound() ? websocketpp::http::status_code::not_found
                                            : websocketpp::http::status_code::bad_request);
      con->set_body(R"({"code":-1000,"msg":")" + accepted.message() + "\"}");
      return false;
    }
    self->by_id[id] = hdl;
    self->by_hdl[hdl] = id;
    return true;
  });
  s.set_message_handler([self](websocketpp::connection_hdl hdl, Server::message_ptr msg) {
    auto it = self->by_hdl.find(hdl);
    if (it == self->by_hdl.end() || msg->get_opcode() != websocketpp::frame::opcode::text) return;
    if (self->callbacks.on_text) self->callbacks.on_text(it->second, msg->get_payload());
  });
  s.set_close_handler([self](websocketpp::connection_hdl hdl) { self->Forget(hdl); });
  s.set_fail_handler([self](websocketpp::connection_hdl hdl) { self->Forget(hdl); });

  asio::error_code aec;
  const auto address = asio::ip::make_address(options.host, aec);
  if (aec) return Status::InvalidInput("--host " + options.host + ": not an IP address");
  s.listen(asio::ip::tcp::endpoint(address, options.port), ec);
  if (ec) return Status::Transport("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " + ec.message());
  s.start_accept(ec);
  if (ec) return Status::Transport("websocket server: " + ec.message());
  loop.Every(options.ping_interval_ms, [self] {
    for (auto& [id, hdl] : self->by_id) {
      websocketpp::lib::error_code ping_ec;
      self->server.ping(hdl, "", ping_ec);
    }
  });
  return std::unique_ptr<WsServer>(new WsServer(std::move(impl)));
}

std::uint16_t WsServer::port() const {
  websocketpp::lib::asio::error_code ec;
  return impl_->server.get_local_endpoint(ec).port();
}

std::size_t WsServer::connections() const { return impl_->by_id.size(); }

bool WsServer::Send(ConnectionId id, const std::string& text) {
  auto it = impl_->by_id.find(id);
  if (it == impl_->by_id.end()) return false;
  websocketpp::lib::error_code ec;
  impl_->server.send(it->second, text, websocketpp::frame::opcode::text, ec);
  return !ec;
}

void WsServer::Close(ConnectionId id, const std::string& reason) {
  auto it = impl_->by_id.find(id);
  if (it == impl_->by_id.end()) return;
  websocketpp::lib::error_code ec;
  impl_->server.close(it->second, websocketpp::close::status::going_away, reason, ec);
}

void WsServer::CloseAll(const std::string& reason) {
  std::vector<ConnectionId> ids;
  for (const auto& [id, hdl] : impl_->by_id) ids.push_back(id);
  for (ConnectionId id : ids) Close(id, reason);
}

void WsServer::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  websocketpp::lib::error_code ec;
  impl_->server.stop_listening(ec);
  CloseAll("server stopping");
}

}  // namespace keel::net
