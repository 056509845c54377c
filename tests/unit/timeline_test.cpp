// keel-state-inspect timeline: the journal of one symbol as rows, and as one self-contained HTML
// page whose structure is checked with libxml2's strict parser (well-formed, or the test fails),
// not by eye.
#include <doctest/doctest.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <memory>

#include "keel/ops/timeline.h"
#include "keel/store/sqlite_store.h"
#include "temp_dir.h"

using namespace keel;
using namespace keel::ops;

namespace {

Decimal D(const char* t) { return Decimal::Parse(t).value(); }
constexpr TimeMs kT0 = 1'795'165'200'000;

OrderRecord Order(const std::string& cid, OrderPurpose purpose, OrderType type, Side side, const char* price) {
  OrderRecord o;
  o.client_order_id = cid;
  o.symbol = "BTCUSDT";
  o.side = side;
  o.type = type;
  o.purpose = purpose;
  o.qty = D("0.010");
  if (type == OrderType::kStopMarket) o.stop_price = D(price);
  else o.price = D(price);
  return o;
}

// A long entered, filled, protected by its stop, and closed by it; and an unrelated ETHUSDT row.
std::unique_ptr<SqliteStore> Incident(test::TempDir& dir) {
  auto store = SqliteStore::OpenWriter(dir.file("keel.db")).value();
  auto entry = Order("kdemo.e1", OrderPurpose::kEntry, OrderType::kLimit, Side::kBuy, "96000");
  auto stop = Order("kdemo.s1", OrderPurpose::kStop, OrderType::kStopMarket, Side::kSell, "95000");
  auto write = [&](TimeMs at, auto fill) {
    WriteBatch b(kT0 + at);
    fill(b);
    Status st = store->Write(b);
    REQUIRE_MESSAGE(st.ok(), st.ToString());
  };
  write(0, [&](WriteBatch& b) { b.PutOrder(entry, {Source::kEngine, std::nullopt, "a <b>bold</b> & \"quoted\" reason"}); });
  entry.state = OrderState::kFilled;
  entry.filled_qty = D("0.010");
  entry.avg_price = D("96000");
  write(100, [&](WriteBatch& b) { b.PutOrder(entry, {Source::kStream, kT0 + 90, "ORDER_TRADE_UPDATE"}); });
  PositionRecord p;
  p.symbol = "BTCUSDT";
  p.qty = D("0.010");
  p.entry_price = D("96000");
  p.opened_ms = kT0 + 100;
  write(100, [&](WriteBatch& b) { b.PutOpenPosition(p, {Source::kStream, kT0 + 90, "ACCOUNT_UPDATE"}); });
  write(150, [&](WriteBatch& b) { b.PutOrder(stop, {Source::kRest, kT0 + 150, "stop placed"}); });
  stop.state = OrderState::kNew;
  write(160, [&](WriteBatch& b) { b.PutOrder(stop, {Source::kStream, kT0 + 155, "ALGO_UPDATE"}); });
  write(9000, [&](WriteBatch& b) {
    b.ClosePosition("BTCUSDT", PositionSide::kBoth, kT0 + 9000, "stop", {Source::kOperator, std::nullopt, "flatten"});
  });
  auto other = Order("kdemo.e2", OrderPurpose::kEntry, OrderType::kMarket, Side::kSell, "3000");
  other.symbol = "ETHUSDT";
  other.price.reset();
  write(200, [&](WriteBatch& b) { b.PutOrder(other, {Source::kEngine, std::nullopt, "signal"}); });
  return store;
}

struct Xml {
  xmlDocPtr doc = nullptr;
  xmlXPathContextPtr ctx = nullptr;
  int errors = 0;
  explicit Xml(const std::string& text) {
    xmlSetStructuredErrorFunc(this, [](void* self, xmlErrorPtr) { ++static_cast<Xml*>(self)->errors; });
    doc = xmlReadMemory(text.data(), static_cast<int>(text.size()), "timeline.html", "UTF-8", XML_PARSE_NONET);
    xmlSetStructuredErrorFunc(nullptr, nullptr);
    if (!doc) return;
    ctx = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(ctx, BAD_CAST "h", BAD_CAST "http://www.w3.org/1999/xhtml");
    xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://www.w3.org/2000/svg");
  }
  ~Xml() {
    if (ctx) xmlXPathFreeContext(ctx);
    if (doc) xmlFreeDoc(doc);
  }
  double Number(const std::string& xpath) const {
    xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST xpath.c_str(), ctx);
    REQUIRE_MESSAGE(r, xpath);
    const double v = xmlXPathCastToNumber(r);
    xmlXPathFreeObject(r);
    return v;
  }
  std::string Text(const std::string& xpath) const {
    xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST xpath.c_str(), ctx);
    REQUIRE_MESSAGE(r, xpath);
    xmlChar* s = xmlXPathCastToString(r);
    std::string out = reinterpret_cast<const char*>(s);
    xmlFree(s);
    xmlXPathFreeObject(r);
    return out;
  }
};

}  // namespace

TEST_CASE("timeline: the journal rows of one symbol, in order, within --from and --to") {
  test::TempDir dir;
  auto store = Incident(dir);
  TimelineOptions o;
  o.symbol = "BTCUSDT";
  auto rows = ReadTimeline(*store, o);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 6);
  for (std::size_t i = 1; i < rows->size(); ++i) CHECK((*rows)[i - 1].entry.seq < (*rows)[i].entry.seq);
  CHECK((*rows)[1].fill_price == D("96000"));
  CHECK((*rows)[2].position == D("0.010"));
  CHECK((*rows)[5].position == D("0"));  // closed
  o.from_ms = kT0 + 100;
  o.to_ms = kT0 + 160;
  CHECK(ReadTimeline(*store, o)->size() == 4);
  o.symbol.clear();
  CHECK(ReadTimeline(*store, o).status().message() == "timeline: --symbol is required (the symbol of the incident)");
}

TEST_CASE("timeline --html: one well-formed, self-contained page drawing orders, the fill, the position and every row") {
  test::TempDir dir;
  auto store = Incident(dir);
  TimelineOptions o;
  o.symbol = "BTCUSDT";
  auto rows = ReadTimeline(*store, o).value();
  const std::string page = TimelineHtml(rows, o);
  Xml x(page);
  REQUIRE_MESSAGE(x.doc, "not well-formed:\n" << page);
  CHECK(x.errors == 0);
  CHECK(x.Text("/h:html/h:head/h:title") == "keel timeline: BTCUSDT");
  CHECK(x.Number("count(//s:svg)") == 1);
  CHECK(x.Number("count(//h:table[@class='journal']/h:tbody/h:tr)") == rows.size());
  CHECK(x.Number("count(//s:g[@class='rows']/s:rect)") == rows.size());
  CHECK(x.Number("count(//s:rect[contains(@class,'source-stream')])") == 3);
  CHECK(x.Number("count(//s:rect[contains(@class,'source-operator')])") == 1);
  CHECK(x.Number("count(//s:line[contains(@class,'purpose-entry')])") == 1);
  CHECK(x.Number("count(//s:line[contains(@class,'purpose-stop')])") == 1);
  CHECK(x.Number("count(//s:circle[@class='fill'])") == 1);
  CHECK(x.Number("count(//s:path[@class='position'])") == 1);
  // The row's own words survive, escaped and read back.
  CHECK(x.Text("//h:tbody/h:tr[1]/h:td[7]").find("a <b>bold</b> & \"quoted\" reason") != std::string::npos);
  // Exchange time beside keel's, in the table.
  CHECK(x.Text("//h:tbody/h:tr[2]/h:td[3]") == format_utc(kT0 + 90));
  // Nothing fetched, nothing run.
  CHECK(x.Number("count(//h:script)") == 0);
  CHECK(x.Number("count(//*[@src])") == 0);
  CHECK(x.Number("count(//*[starts-with(@href,'http')])") == 0);
  CHECK(page.find("ETHUSDT") == std::string::npos);
}

TEST_CASE("timeline --html: an empty window is still a page; a symbol the store never saw is refused") {
  test::TempDir dir;
  auto store = Incident(dir);
  TimelineOptions o;
  o.symbol = "BTCUSDT";
  o.from_ms = kT0 + 20'000;
  o.to_ms = kT0 + 30'000;
  Xml x(TimelineHtml(ReadTimeline(*store, o).value(), o));
  REQUIRE(x.doc);
  CHECK(x.errors == 0);
  CHECK(x.Number("count(//h:tbody/h:tr)") == 0);
  o.symbol = "btcusdt";
  CHECK(ReadTimeline(*store, o).status().message() ==
        "timeline: --symbol: the store has no journal row for btcusdt (symbols as the exchange spells them, e.g. BTCUSDT)");
}
