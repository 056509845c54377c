// ccxt.pro's bybit (from npm, unmodified) against keel-exchange-sim's Bybit v5 streams: only its
// REST and WebSocket URLs point to the simulator, and it loads the linear category only.
//   node ccxt_bybit_ws.mjs REST_PORT WS_PORT
// The public stream (watchTicker, watchOrderBook at depth 1) and the private one (watchOrders and
// watchMyTrades while a market order goes through createOrder).
// Prints one line per step and "ccxt bybit ws: all N steps passed"; exits 1 at the first failure
// or when a step has not happened within 20 s.
import ccxt from 'ccxt';

const [restPort, wsPort] = process.argv.slice(2);
const base = `http://127.0.0.1:${restPort}`;
const ws = `ws://127.0.0.1:${wsPort}`;
const exchange = new ccxt.pro.bybit({
  apiKey: 'keel-demo-key',
  secret: 'keel-demo-secret',
  enableRateLimit: false,
  options: { fetchMarkets: { types: ['linear'] }, fetchCurrencies: false, defaultType: 'swap' },
});
for (const [name, url] of Object.entries(exchange.urls.api)) {
  if (typeof url === 'string') exchange.urls.api[name] = url.replace(/^https?:\/\/[^/]+/, base);
}
exchange.urls.api.ws.public.linear = `${ws}/v5/public/linear`;
exchange.urls.api.ws.private.contract = `${ws}/v5/private`;
exchange.urls.api.ws.private.spot.unified = `${ws}/v5/private`;

let steps = 0;
function fail(what, detail) {
  console.log(`ccxt bybit ws: FAILED ${what}: ${JSON.stringify(detail)}`);
  process.exit(1);
}
function check(condition, what, detail) {
  if (!condition) fail(what, detail);
  steps += 1;
  console.log(`ccxt bybit ws: ok ${what}`);
}
setTimeout(() => fail('timeout', `only ${steps} steps in 20 s`), 20_000).unref();

// Calls watch until an answer satisfies the test; returns that answer.
async function until(watch, test) {
  for (;;) {
    const answer = await watch();
    if (test(answer)) return answer;
  }
}

const S = 'BTC/USDT:USDT';
try {
  await exchange.loadHttpProxyAgent();  // ccxt's own requirement for a plain ws:// URL
  await exchange.loadMarkets();
  const ticker = await exchange.watchTicker(S);
  check(ticker.symbol === S && ticker.last > 0, 'watchTicker', ticker);
  const book = await exchange.watchOrderBook(S, 1);
  check(book.bids.length === 1 && book.asks.length === 1 && book.bids[0][0] < book.asks[0][0], 'watchOrderBook depth 1', book);

  const mine = (o) => o.clientOrderId === 'ccxt-ws-1';
  const orders = until(() => exchange.watchOrders(S), (list) => list.some((o) => mine(o) && o.status === 'closed'));
  const trades = until(() => exchange.watchMyTrades(S), (list) => list.some((t) => t.symbol === S && t.amount === 0.01));
  await exchange.sleep(300);  // both subscriptions are on the wire before the order
  const placed = await exchange.createOrder(S, 'market', 'buy', 0.01, undefined, { clientOrderId: 'ccxt-ws-1', positionIdx: 0 });
  check(placed.id && placed.clientOrderId === 'ccxt-ws-1', 'createOrder', placed);
  const filled = (await orders).find((o) => mine(o) && o.status === 'closed');
  check(filled.filled === 0.01 && filled.side === 'buy', 'watchOrders: filled', filled);
  const trade = (await trades).find((t) => t.symbol === S);
  check(trade.side === 'buy' && trade.price > 0, 'watchMyTrades', trade);

  const closed = await exchange.createOrder(S, 'market', 'sell', 0.01, undefined, { reduceOnly: true, positionIdx: 0 });
  check(closed.id, 'close', closed);
  await exchange.close();
  console.log(`ccxt bybit ws: all ${steps} steps passed`);
  process.exit(0);
} catch (e) {
  fail(`exception ${e && e.constructor ? e.constructor.name : typeof e}`, e && e.message ? e.message : e);
}
