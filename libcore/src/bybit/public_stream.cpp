#include "keel/bybit/public_stream.h"

#include "exchange/venue_json.h"
#include "keel/model/json_writer.h"

namespace keel::bybit {

using venue_json::Fields;
using venue_json::JsonDoc;
using Value = rapidjson::Value;

namespace {

// The first level of a side ([["price","size"],…]); nullopt when the side is absent or empty, or
// its first level has size 0 (a delta removing it).
Result<std::optional<Decimal>> BestOf(const Value& data, const char* side) {
  auto it = data.FindMember(side);
  if (it == data.MemberEnd() || !it->value.IsArray() || it->value.Empty()) return std::optional<Decimal>();
  const Value& level = it->value[0];
  if (!level.IsArray() || level.Size() < 2 || !level[0].IsString() || !level[1].IsString())
    return Status::InvalidInput(std::string("orderbook field \"") + side + "\": expected [[price, size], …]");
  auto price = Decimal::Parse(level[0].GetString());
  auto size = Decimal::Parse(level[1].GetString());
  if (!price.ok() || !size.ok()) return Status::InvalidInput(std::string("orderbook field \"") + side + "\": not a number");
  if (size->is_zero()) return std::optional<Decimal>();
  return std::optional<Decimal>(*price);
}

}  // namespace

Result<PublicUpdate> ParsePublicMessage(std::string_view json) {
  JsonDoc doc(json, "public stream message");
  KEEL_RETURN_IF_ERROR(doc.status());
  const Value& root = doc.root();
  if (!root.IsObject()) return Status::InvalidInput("public stream message: not one JSON object");
  PublicUpdate u;
  auto topic_it = root.FindMember("topic");
  if (topic_it == root.MemberEnd()) {
    Fields f(root, "public stream reply");
    const std::string_view op = f.Str("op");
    KEEL_RETURN_IF_ERROR(f.status());
    if (op != "subscribe" && op != "ping" && op != "pong")
      return Status::InvalidInput("public stream reply with op \"" + std::string(op) + "\"");
    if (op == "subscribe" && !f.Bool("success", false))
      return Status::InvalidInput("subscription refused: " + std::string(f.Str("ret_msg", false)));
    u.control = true;
    return u;
  }
  if (!topic_it->value.IsString()) return Status::InvalidInput("public stream message: topic is not a string");
  const std::string topic = topic_it->value.GetString();
  auto data_it = root.FindMember("data");
  if (data_it == root.MemberEnd() || !data_it->value.IsObject())
    return Status::InvalidInput(topic + ": no \"data\" object");
  const Value& data = data_it->value;
  if (topic.rfind("orderbook.1.", 0) == 0) {
    u.symbol = topic.substr(12);
    auto bid = BestOf(data, "b");
    if (!bid.ok()) return bid.status();
    auto ask = BestOf(data, "a");
    if (!ask.ok()) return ask.status();
    u.bid = *bid;
    u.ask = *ask;
    return u;
  }
  if (topic.rfind("tickers.", 0) == 0) {
    u.symbol = topic.substr(8);
    Fields f(data, "ticker");
    if (f.Find("markPrice")) {
      const Decimal mark = f.Dec("markPrice");
      KEEL_RETURN_IF_ERROR(f.status());
      u.mark = mark;
    }
    return u;
  }
  return Status::InvalidInput("public stream message on a topic keel did not subscribe to: " + topic);
}

PublicStream::PublicStream(net::EventLoop& loop, PublicStreamOptions options, PublicStreamHandler handler)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      link_(loop, StreamLinkOptions{options_.ca_path, options_.backoff_initial_ms, options_.backoff_max_ms, options_.jitter_seed, {}},
            net::WsClient::Callbacks{[this] { OnOpen(); }, [this](const std::string& text) { OnText(text); },
                                     [this](const std::string& reason) {
                                       if (!link_.stopped()) link_.ScheduleReconnect(reason, [this] { Connect(); });
                                     }},
            handler_.on_state) {
  while (!options_.ws_url.empty() && options_.ws_url.back() == '/') options_.ws_url.pop_back();
}

PublicStream::~PublicStream() { Stop(); }

Status PublicStream::Start() {
  if (options_.ws_url.empty()) return Status::InvalidInput("market streams need exchange.ws_url");
  if (options_.symbols.empty()) return Status::InvalidInput("market streams need at least one symbol");
  link_.Start();
  link_.Every(options_.ping_ms, [this] {
    if (link_.open()) link_.Send("{\"op\":\"ping\"}");
  });
  Connect();
  return Status::Ok();
}

void PublicStream::Stop() { link_.Stop(); }

void PublicStream::Connect() { link_.Connect(options_.ws_url + "/v5/public/linear", [this] { Connect(); }); }

void PublicStream::OnOpen() {
  ++connects_;
  link_.Connected();
  books_.clear();  // a book from before the gap is no book
  JsonWriter w;
  w.StartObject().Key("req_id").String("keel-" + std::to_string(connects_)).Key("op").String("subscribe");
  w.Key("args").StartArray();
  for (const auto& s : options_.symbols) w.String("orderbook.1." + s).String("tickers." + s);
  w.EndArray().EndObject();
  link_.Send(w.str());
  link_.State("live");
}

void PublicStream::OnText(const std::string& text) {
  auto u = ParsePublicMessage(text);
  if (!u.ok()) {
    if (handler_.on_refused) handler_.on_refused(u.status().message());
    return;
  }
  if (u->control) return;
  if (u->mark && handler_.on_mark) handler_.on_mark(u->symbol, *u->mark);
  if (!u->bid && !u->ask) return;
  Book& book = books_[u->symbol];
  if (u->bid) book.bid = *u->bid;
  if (u->ask) book.ask = *u->ask;
  if (book.bid.is_positive() && book.ask.is_positive() && handler_.on_book) handler_.on_book(u->symbol, book.bid, book.ask);
}

}  // namespace keel::bybit
