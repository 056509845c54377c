// The Binance codec on documented payloads (tests/fixtures/binance, see SOURCES.md there).
#include <doctest/doctest.h>

#include "keel/binance/codec.h"
#include "keel/binance/errors.h"
#include "subprocess.h"
#include "temp_dir.h"

using namespace keel;
using namespace keel::binance;

namespace {
std::string fixture(const std::string& name) {
  return keel::test::read_file(keel::test::source_path("tests/fixtures/binance/" + name));
}
Decimal D(const char* t) { return Decimal::Parse(t).value(); }
}  // namespace

TEST_CASE("a documented order response decodes exactly") {
  auto o = ParseOrder(fixture("order_new.json"));
  REQUIRE_MESSAGE(o.ok(), o.status().ToString());
  CHECK(o->book == OrderBook::kRegular);
  CHECK(o->exchange_order_id == "22542179");
  CHECK(o->client_order_id == "testOrder");
  CHECK(o->symbol == "BTCUSDT");
  CHECK(o->status == OrderStatus::kNew);
  CHECK(o->side == Side::kBuy);
  CHECK(o->position_side == PositionSide::kShort);
  CHECK(o->type == OrderType::kTrailingStopMarket);
  CHECK(o->trigger_price == D("9300"));
  CHECK(o->qty == D("10"));
  CHECK(o->filled_qty == D("0"));
  CHECK(o->update_time == 1566818724722);
  CHECK(!IsMinimalAck(fixture("order_new.json")));
}

TEST_CASE("a missing or unknown side is an error, never a default (seed 001)") {
  std::string json = fixture("order_new.json");
  const std::string without_side = json.replace(json.find("\"side\":\"BUY\","), 13, "");
  auto o = ParseOrder(without_side);
  REQUIRE(!o.ok());
  CHECK(o.status().message() == "order field \"side\": missing");
  std::string unknown = fixture("order_new.json");
  unknown.replace(unknown.find("\"side\":\"BUY\""), 12, "\"side\":\"unknown\"");
  CHECK(ParseOrder(unknown).status().message() ==
        "order field \"side\": side: got 'unknown', expected BUY|SELL");
  CHECK(IsMinimalAck(R"({"orderId":1,"symbol":"AVLUSDT","clientOrderId":"k-1","updateTime":5})"));
  CHECK(!IsMinimalAck(R"({"code":-2013,"msg":"Order does not exist."})"));
}

TEST_CASE("a documented algo order decodes into the conditional book") {
  auto o = ParseAlgoOrder(fixture("algo_order.json"));
  REQUIRE_MESSAGE(o.ok(), o.status().ToString());
  CHECK(o->book == OrderBook::kConditional);
  CHECK(o->exchange_order_id == "2146760");
  CHECK(o->client_order_id == "6B2I9XVcJpCjqPAJ4YoFX7");
  CHECK(o->type == OrderType::kTakeProfit);
  CHECK(o->status == OrderStatus::kNew);
  CHECK(o->trigger_price == D("750"));
  CHECK(o->qty == D("0.01"));
  CHECK(!o->close_position);
  CHECK(o->update_time == 1750485492076);
}

TEST_CASE("positions, exchangeInfo and stream events decode from documented payloads") {
  auto positions = ParsePositionRisk(fixture("position_risk_v3.json"));
  REQUIRE(positions.ok());
  REQUIRE(positions->size() == 1);
  CHECK((*positions)[0].symbol == "ADAUSDT");
  CHECK((*positions)[0].amount == D("30"));
  CHECK((*positions)[0].entry_price == D("0.385"));
  CHECK((*positions)[0].update_time == 1720736417660);
  CHECK(ParsePositionRisk(R"([{"symbol":"X","positionSide":"BOTH","positionAmt":"0","entryPrice":"0","updateTime":0}])")
            ->empty());

  auto instruments = ParseExchangeInfo(fixture("exchange_info_docs.json"));
  REQUIRE_MESSAGE(instruments.ok(), instruments.status().ToString());
  REQUIRE(instruments->instruments.size() == 1);
  const Instrument& blz = instruments->instruments[0];
  CHECK(blz.symbol == "BLZUSDT");
  CHECK(blz.tick_size == D("0.0001"));
  CHECK(blz.step_size == D("1"));
  CHECK(blz.min_qty == D("1"));
  CHECK(blz.min_notional == D("5"));
  CHECK(blz.max_qty == std::optional<Decimal>(D("10000000")));
  CHECK(blz.market_max_qty == std::optional<Decimal>(D("590119")));
  CHECK(blz.MaxMarketQuantity() == std::optional<Decimal>(D("590119")));
  CHECK(instruments->skipped.empty());

  auto trade = ParseUserDataEvent(fixture("order_trade_update_docs.json"));
  REQUIRE(trade.ok());
  const auto& u = std::get<OrderEvent>(*trade);
  CHECK(u.event_time == 1568879465651);
  CHECK(u.transaction_time == 1568879465650);
  CHECK(u.venue_execution == "NEW");
  CHECK(u.client_order_id == "TEST");
  CHECK(u.side == Side::kSell);
  CHECK(u.qty == D("0.001"));
  CHECK(u.trigger_price == D("7103.04"));
  CHECK(u.expiry_reason == "0");  // "er": no expiry
  CHECK(u.recognized());
  CHECK(u.exec_id.empty());  // "t":0 on an update that is not a trade

  // A trade's id ("t"), unique per symbol, names the fill for good.
  auto liquidation = ParseUserDataEvent(fixture("order_trade_update_liquidation.json"));
  REQUIRE(liquidation.ok());
  CHECK(std::get<OrderEvent>(*liquidation).exec_id == "BTCUSDT:698760");

  // The page's example mixes a one-way row with a hedge pair; each row is carried as sent.
  auto account = ParseUserDataEvent(fixture("account_update.json"));
  REQUIRE(account.ok());
  const auto& a = std::get<PositionEvent>(*account);
  CHECK(a.reason == "ORDER");
  CHECK(a.transaction_time == 1564745798938);
  REQUIRE(a.positions.size() == 3);
  CHECK(a.positions[0].position_side == PositionSide::kBoth);
  CHECK(a.positions[0].amount == D("0"));
  CHECK(a.positions[1].position_side == PositionSide::kLong);
  CHECK(a.positions[1].amount == D("20"));
  CHECK(a.positions[1].entry_price == D("6563.665"));
  CHECK(a.positions[2].position_side == PositionSide::kShort);
  CHECK(a.positions[2].amount == D("-10"));
  CHECK(a.positions[2].entry_price == D("6563.86"));
  CHECK(a.positions[2].update_time == 1564745798938);

  auto expired = ParseUserDataEvent(fixture("listen_key_expired.json"));  // "E" as a string, as published
  REQUIRE_MESSAGE(expired.ok(), expired.status().ToString());
  CHECK(std::get<ListenKeyExpiredEvent>(*expired).event_time == 1736996475556);
  auto combined = ParseUserDataEvent(R"({"stream":"k","data":)" + fixture("account_update.json") + "}");
  CHECK(std::holds_alternative<PositionEvent>(*combined));
  CHECK(std::get<IgnoredEvent>(*ParseUserDataEvent(R"({"e":"TRADE_LITE","E":1})")).type == "TRADE_LITE");
  CHECK(!ParseUserDataEvent("{").ok());
}

TEST_CASE("error answers keep the venue code and say what keel may conclude") {
  net::HttpResponse r;
  r.status = 400;
  r.body = R"({"code":-2013,"msg":"Order does not exist."})";
  Status s = ErrorFromResponse(r, "GET /fapi/v1/order");
  CHECK(s.IsNotFound());
  CHECK(s.message().find("-2013") != std::string::npos);
  r.body = R"({"code":-2022,"msg":"ReduceOnly Order is rejected."})";
  s = ErrorFromResponse(r, "POST /fapi/v1/order");
  CHECK(s.IsExchange());
  CHECK(*s.venue_code() == kReduceOnlyRejected);
  r.status = 503;
  r.body = R"({"code":-1000,"msg":"Unknown error, please check your request or try again later."})";
  CHECK(ErrorFromResponse(r, "POST /fapi/v1/order").IsUnknownOutcome());
  r.status = 429;
  r.body = R"({"code":-1003,"msg":"Too many requests"})";
  r.headers = {{"Retry-After", "7"}};
  s = ErrorFromResponse(r, "GET /fapi/v1/openOrders");
  CHECK(IsRateLimited(s));
  CHECK(s.retry_after_ms() == 7000);
  r.status = 400;
  r.headers.clear();
  r.body = R"({"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."})";
  CHECK(IsClockSkew(ErrorFromResponse(r, "GET /fapi/v3/account")));
  // What each refusal means, named once here so nothing above the adapter reads Binance's codes.
  const std::pair<const char*, Refusal> meanings[] = {
      {R"({"code":-5022,"msg":"Due to the order could not be executed as maker, the Post Only order will be rejected."})",
       Refusal::kPostOnlyWouldTake},
      {R"({"code":-5027,"msg":"No need to modify the order."})", Refusal::kUnchanged},
      {R"({"code":-2021,"msg":"Order would immediately trigger."})", Refusal::kTriggerPassed},
      {R"({"code":-1015,"msg":"Too many new orders; current limit is 300 orders per TEN_SECONDS."})", Refusal::kRate},
      {R"({"code":-1022,"msg":"Signature for this request is not valid."})", Refusal::kKey},
      {R"({"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."})", Refusal::kKey},
      {R"({"code":-2019,"msg":"Margin is insufficient."})", Refusal::kOther},
  };
  for (const auto& [body, refusal] : meanings) {
    CAPTURE(body);
    r.body = body;
    const Status st = ErrorFromResponse(r, "POST /fapi/v1/order");
    CHECK(st.IsExchange());
    CHECK(st.refusal() == refusal);
  }
  r.status = 401;
  r.body = R"({"code":-2014,"msg":"API-key format invalid."})";
  CHECK(ErrorFromResponse(r, "GET /fapi/v3/account").refusal() == Refusal::kKey);
  r.body = "<html>bad gateway</html>";
  r.status = 502;
  CHECK(ErrorFromResponse(r, "GET /x").IsUnknownOutcome());
}

TEST_CASE("documented market stream payloads decode; SUBSCRIBE replies are recognised") {
  auto book = ParseMarketDataEvent(fixture("book_ticker_stream.json"));
  REQUIRE_MESSAGE(book.ok(), book.status().ToString());
  const auto& b = std::get<BookTickerEvent>(*book);
  CHECK(b.symbol == "BNBUSDT");
  CHECK(b.bid == D("25.3519"));
  CHECK(b.ask == D("25.3652"));
  CHECK(b.event_time == 1568014460893);
  CHECK(b.transaction_time == 1568014460891);
  auto mark = ParseMarketDataEvent(R"({"stream":"btcusdt@markPrice","data":)" + fixture("mark_price_stream.json") + "}");
  REQUIRE(mark.ok());
  const auto& m = std::get<MarkPriceEvent>(*mark);
  CHECK(m.mark_price == D("11794.15"));
  CHECK(m.index_price == D("11784.62659091"));
  CHECK(std::holds_alternative<SubscriptionReply>(*ParseMarketDataEvent(R"({"result":null,"id":1})")));
  CHECK(std::get<IgnoredEvent>(*ParseMarketDataEvent(R"({"e":"aggTrade","E":1})")).type == "aggTrade");
  CHECK(!ParseMarketDataEvent(R"({"e":"bookTicker","E":1,"s":"X"})").ok());
}

TEST_CASE("the algo cancel answer: the REST acknowledgement, or the whole order") {
  auto ack = ParseAlgoCancel(fixture("algo_cancel.json"));
  REQUIRE_MESSAGE(ack.ok(), ack.status().ToString());
  CHECK(ack->book == OrderBook::kConditional);
  CHECK(ack->exchange_order_id == "2146760");
  CHECK(ack->client_order_id == "6B2I9XVcJpCjqPAJ4YoFX7");
  CHECK(!ack->order);
  // The code as a number, as a client could re-encode it.
  CHECK(ParseAlgoCancel(R"({"algoId":1,"clientAlgoId":"a","code":200,"msg":"success"})").ok());
  // The whole algo object (a WebSocket API answer).
  auto full = ParseAlgoCancel(fixture("algo_order.json"));
  REQUIRE_MESSAGE(full.ok(), full.status().ToString());
  REQUIRE(full->order);
  CHECK(full->order->type == OrderType::kTakeProfit);
  // Another code is the venue's refusal, with its code kept.
  auto refused = ParseAlgoCancel(R"({"algoId":1,"clientAlgoId":"a","code":"-2011","msg":"Unknown order sent."})");
  REQUIRE(!refused.ok());
  CHECK(refused.status().IsExchange());
  CHECK(refused.status().venue_code() == std::optional<int>(-2011));
  CHECK(ParseAlgoCancel(R"({"code":"200","msg":"success"})").status().IsInvalidInput());  // names no order
}

namespace {
OrderEvent Algo(const std::string& json) {
  auto e = ParseUserDataEvent(json);
  REQUIRE_MESSAGE(e.ok(), e.status().ToString());
  REQUIRE(std::holds_alternative<OrderEvent>(*e));
  CHECK(std::get<OrderEvent>(*e).book == OrderBook::kConditional);
  return std::get<OrderEvent>(*e);
}
std::string WithStatus(std::string json, const std::string& status) {
  const auto at = json.find("\"X\":\"CANCELED\"");
  return json.replace(at, 14, "\"X\":\"" + status + "\"");
}
}  // namespace

TEST_CASE("ALGO_UPDATE, the documented example: every field kept, the reason too") {
  const OrderEvent e = Algo(fixture("algo_update.json"));
  CHECK(e.recognized());
  CHECK(e.client_order_id == "Q5xaq5EGKgXXa0fD7fs0Ip");
  CHECK(e.exchange_order_id == "2148719");
  CHECK(e.type == std::optional<OrderType>(OrderType::kTakeProfit));
  CHECK(e.venue_status == "CANCELED");
  CHECK(e.status == std::optional<OrderStatus>(OrderStatus::kCanceled));
  CHECK(e.reason == "Reduce Only reject");
  CHECK(e.filled_qty == D("0"));
  CHECK(e.Report()->status == OrderStatus::kCanceled);
}

TEST_CASE("ALGO_UPDATE: each algo status in keel's terms; FINISHED decided by the executed quantity") {
  for (const char* working : {"NEW", "TRIGGERING", "TRIGGERED"})
    CHECK(Algo(WithStatus(fixture("algo_update.json"), working)).status == std::optional<OrderStatus>(OrderStatus::kNew));
  CHECK(Algo(WithStatus(fixture("algo_update.json"), "EXPIRED")).status ==
        std::optional<OrderStatus>(OrderStatus::kExpired));

  const OrderEvent filled = Algo(fixture("algo_update_finished_filled.json"));
  CHECK(filled.status == std::optional<OrderStatus>(OrderStatus::kFilled));
  CHECK(filled.actual_order_id == "8886774");
  CHECK(filled.Report()->filled_qty == D("0.01"));
  CHECK(filled.Report()->avg_price == D("750"));

  // "FINISHED: filled or canceled in the matching engine": nothing executed is a cancel, not a fill.
  const OrderEvent none = Algo(fixture("algo_update_finished_canceled.json"));
  CHECK(none.status == std::optional<OrderStatus>(OrderStatus::kCanceled));
  CHECK(none.Report()->filled_qty == D("0"));

  // Without aq there is nothing to decide from: no status, and Report() says to ask.
  std::string no_aq = fixture("algo_update_finished_filled.json");
  no_aq.erase(no_aq.find("\"aq\":\"0.01000\","), 15);
  const OrderEvent undecided = Algo(no_aq);
  CHECK(undecided.recognized());
  CHECK(!undecided.status);
  CHECK(undecided.Report().status().message().find("query the order") != std::string::npos);

  const OrderEvent rejected = Algo(fixture("algo_update_rejected.json"));
  CHECK(rejected.status == std::optional<OrderStatus>(OrderStatus::kRejected));
  CHECK(rejected.reason == "Margin is insufficient.");

  const OrderEvent expired = Algo(fixture("algo_update_expired_close_position.json"));
  CHECK(expired.status == std::optional<OrderStatus>(OrderStatus::kExpired));
  CHECK(expired.time_in_force == "GTE_GTC");
  CHECK(expired.close_position);

  // A status added next year is carried, not dropped, and not guessed.
  const OrderEvent future = Algo(WithStatus(fixture("algo_update.json"), "PAUSED"));
  CHECK(!future.recognized());
  CHECK(!future.status);
  CHECK(future.unrecognized == std::vector<std::string>{"X=PAUSED"});
  CHECK(!future.Report().ok());
}

TEST_CASE("DecideAlgoStatus: a closePosition order is filled by any execution") {
  bool known = false;
  CHECK(DecideAlgoStatus("FINISHED", D("0.5"), D("0"), true, known) == std::optional<OrderStatus>(OrderStatus::kFilled));
  CHECK(DecideAlgoStatus("FINISHED", D("0.5"), D("1"), false, known) ==
        std::optional<OrderStatus>(OrderStatus::kCanceled));
  CHECK(known);
  CHECK(!DecideAlgoStatus("FINISHED", std::nullopt, D("1"), false, known));
  CHECK(known);
  CHECK(!DecideAlgoStatus("SOMETHING", std::nullopt, D("1"), false, known));
  CHECK(!known);
}

TEST_CASE("exchangeInfo: a non-ASCII symbol is an instrument; what keel cannot model is skipped and counted") {
  auto listed = ParseExchangeInfo(fixture("exchange_info_listed.json"));
  REQUIRE_MESSAGE(listed.ok(), listed.status().ToString());
  REQUIRE(listed->instruments.size() == 2);
  CHECK(listed->instruments[1].symbol == "币安人生USDT");
  REQUIRE(listed->skipped.size() == 3);
  CHECK(listed->skipped[0].symbol == "BLZUSDT_260327");
  CHECK(listed->skipped[0].reason == "contractType CURRENT_QUARTER");
  CHECK(listed->skipped[1].reason == "status SETTLING");
  CHECK(listed->skipped[2].reason.find("MIN_NOTIONAL") != std::string::npos);
  // Acting on a skipped symbol fails with the reason; on one the exchange does not list, with its name.
  CHECK(listed->Find("币安人生USDT").ok());
  CHECK(listed->Find("OLDUSDT").status().IsInvalidInput());
  CHECK(listed->Find("OLDUSDT").status().message() == "OLDUSDT is listed, but keel cannot trade it: status SETTLING");
  CHECK(listed->Find("NOSUCHUSDT").status().IsNotFound());
  CHECK(listed->Lists("OLDUSDT"));
  CHECK(!listed->Lists("NOSUCHUSDT"));
  // A symbol that is not even valid text is skipped too, not a failure of the whole list.
  std::string broken = fixture("exchange_info_listed.json");
  broken.replace(broken.find("NEWUSDT"), 7, "new usd");
  auto still = ParseExchangeInfo(broken);
  REQUIRE(still.ok());
  CHECK(still->instruments.size() == 2);
  CHECK(ParseExchangeInfo(R"({"symbols":{}})").status().IsInvalidInput());
}

TEST_CASE("binance codec: maxNotionalValue from v2 positionRisk, the newest COMMISSION by symbol from the income history") {
  auto cap = ParseMaxNotionalValue(fixture("position_risk_v2.json"));
  REQUIRE_MESSAGE(cap.ok(), cap.status().ToString());
  CHECK(*cap == D("20000000"));
  CHECK(!ParseMaxNotionalValue("[]").ok());  // no row: no cap, never a default
  auto fills = ParseNewestCommissionTimes(fixture("income.json"));
  REQUIRE_MESSAGE(fills.ok(), fills.status().ToString());
  REQUIRE(fills->size() == 1);  // the TRANSFER row is no fill
  CHECK(fills->at("BTCUSDT") == 1570636800000);
}
