#include "ws_client.h"

#define ASIO_STANDALONE
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace keel::test {

using Client = websocketpp::client<websocketpp::config::asio_client>;

struct WsClient::Impl {
  Client client;
  websocketpp::connection_hdl hdl;
  std::thread thread;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> messages;
  bool open = false;
  bool done = false;  // failed or closed
  int status = 0;
};

WsClient::WsClient(std::uint16_t port, const std::string& target, int timeout_ms) : impl_(std::make_unique<Impl>()) {
  Impl* s = impl_.get();
  s->client.clear_access_channels(websocketpp::log::alevel::all);
  s->client.clear_error_channels(websocketpp::log::elevel::all);
  s->client.init_asio();
  s->client.set_open_handler([s](websocketpp::connection_hdl) {
    std::lock_guard<std::mutex> lock(s->mu);
    s->open = true;
    s->cv.notify_all();
  });
  s->client.set_fail_handler([s](websocketpp::connection_hdl hdl) {
    std::lock_guard<std::mutex> lock(s->mu);
    auto con = s->client.get_con_from_hdl(hdl);
    s->status = con->get_response_code();
    s->done = true;
    s->cv.notify_all();
  });
  s->client.set_close_handler([s](websocketpp::connection_hdl) {
    std::lock_guard<std::mutex> lock(s->mu);
    s->done = true;
    s->cv.notify_all();
  });
  s->client.set_message_handler([s](websocketpp::connection_hdl, Client::message_ptr msg) {
    std::lock_guard<std::mutex> lock(s->mu);
    s->messages.push_back(msg->get_payload());
    s->cv.notify_all();
  });
  websocketpp::lib::error_code ec;
  auto con = s->client.get_connection("ws://127.0.0.1:" + std::to_string(port) + target, ec);
  if (ec) {
    s->done = true;
    return;
  }
  s->hdl = con->get_handle();
  s->client.connect(con);
  s->thread = std::thread([s] { s->client.run(); });
  std::unique_lock<std::mutex> lock(s->mu);
  s->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [s] { return s->open || s->done; });
}

WsClient::~WsClient() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->open && !impl_->done) {
      websocketpp::lib::error_code ec;
      impl_->client.close(impl_->hdl, websocketpp::close::status::normal, "bye", ec);
    }
  }
  impl_->client.stop_perpetual();
  if (impl_->thread.joinable()) {
    // Give the close handshake a moment, then stop the client's loop.
    std::unique_lock<std::mutex> lock(impl_->mu);
    impl_->cv.wait_for(lock, std::chrono::milliseconds(500), [this] { return impl_->done; });
    lock.unlock();
    impl_->client.stop();
    impl_->thread.join();
  }
}

bool WsClient::ok() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->open;
}

int WsClient::handshake_status() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->status;
}

bool WsClient::closed() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->done;
}

void WsClient::Send(const std::string& text) {
  websocketpp::lib::error_code ec;
  impl_->client.send(impl_->hdl, text, websocketpp::frame::opcode::text, ec);
}

int WsClient::WaitFor(const std::function<bool(const std::string&)>& pred, int timeout_ms, std::size_t from) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  int found = -1;
  impl_->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    for (std::size_t i = from; i < impl_->messages.size(); ++i)
      if (pred(impl_->messages[i])) {
        found = static_cast<int>(i);
        return true;
      }
    return false;
  });
  return found;
}

bool WsClient::WaitClosed(int timeout_ms) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [this] { return impl_->done; });
}

std::vector<std::string> WsClient::messages() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->messages;
}

}  // namespace keel::test
