#include <doctest/doctest.h>

#include "keel/net/hmac.h"
#include "keel/net/http_message.h"
#include "keel/net/query_string.h"

using namespace keel::net;

TEST_CASE("HMAC-SHA256 matches Binance's documented test vector") {
  // USD-M docs, General Info: "SIGNED Endpoint Examples for POST /fapi/v1/order - HMAC Keys".
  const std::string secret = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
  const std::string payload =
      "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&timestamp=1591702613943";
  CHECK(hmac_sha256_hex(secret, payload) == "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9");
  const HmacSha256 keyed(secret);
  CHECK(keyed.Hex(payload) == "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9");
  CHECK(keyed.Hex(payload) == keyed.Hex(payload));  // the precomputed state is reused, not consumed
  const std::string long_key(100, 'k');             // keys longer than a block are hashed first
  CHECK(HmacSha256(long_key).Hex("abc") == hmac_sha256_hex(long_key, "abc"));
  CHECK(signatures_equal("3C661234ab", "3c661234AB"));
  CHECK(!signatures_equal("3c661234ab", "3c661234ac"));
  CHECK(!signatures_equal("3c66", "3c661234ab"));
}

TEST_CASE("form parameters: decoding, order, query-wins merge, malformed escapes") {
  auto p = Params::Parse("symbol=BTCUSDT&newClientOrderId=a%2Fb%3Ac&note=x+y&empty=&flag");
  REQUIRE(p.ok());
  CHECK(*p->Get("symbol") == "BTCUSDT");
  CHECK(*p->Get("newClientOrderId") == "a/b:c");
  CHECK(*p->Get("note") == "x y");
  CHECK(*p->Get("empty") == "");
  CHECK(*p->Get("flag") == "");
  CHECK(!p->Get("missing"));
  CHECK(p->entries().size() == 5);
  auto merged = Params::Merge(Params::Parse("a=query&b=2").value(), Params::Parse("a=body&c=3").value());
  CHECK(*merged.Get("a") == "query");
  CHECK(*merged.Get("c") == "3");
  CHECK(!Params::Parse("a=%zz").ok());
  CHECK(!Params::Parse("a=%4").ok());
  CHECK(!Params::Parse("a=%").ok());
  Params out;
  out.Add("clientAlgoId", "x-cvBPrNm9/1");
  out.Add("price", "25000.1");
  CHECK(out.Encode() == "clientAlgoId=x-cvBPrNm9%2F1&price=25000.1");
}

TEST_CASE("requests split their target and find headers case-insensitively") {
  HttpRequest r;
  r.target = "/fapi/v1/order?symbol=BTCUSDT&signature=ab";
  r.headers = {{"X-MBX-APIKEY", "k"}};
  CHECK(r.path() == "/fapi/v1/order");
  CHECK(r.raw_query() == "symbol=BTCUSDT&signature=ab");
  CHECK(r.header("x-mbx-apikey") == "k");
  CHECK(r.header("missing").empty());
  r.target = "/fapi/v1/ping";
  CHECK(r.raw_query().empty());
}
