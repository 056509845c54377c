// npm bybit-api (tiagosiebler, unmodified) WebsocketClient against keel-exchange-sim's Bybit v5
// streams: only wsUrl and the REST baseUrl point to the simulator.
//   node bybit_api_ws.mjs REST_PORT WS_PORT
// The private stream: the client's own auth, then the order, execution and position topics as a
// market order goes through RestClientV5. The public stream: tickers and orderbook.1.
// Prints one line per step and "bybit-api ws: all N steps passed"; exits 1 at the first failure
// or when a step has not happened within 15 s.
import { RestClientV5, WebsocketClient } from 'bybit-api';

const [restPort, wsPort] = process.argv.slice(2);
const baseUrl = `http://127.0.0.1:${restPort}`;
const key = 'keel-demo-key';
const secret = 'keel-demo-secret';
const rest = new RestClientV5({ key, secret, baseUrl });
const quiet = { trace: () => {}, info: () => {}, error: (...args) => console.log('bybit-api ws: client error', JSON.stringify(args)) };

let steps = 0;
function fail(what, detail) {
  console.log(`bybit-api ws: FAILED ${what}: ${JSON.stringify(detail)}`);
  process.exit(1);
}
function check(condition, what, detail) {
  if (!condition) fail(what, detail);
  steps += 1;
  console.log(`bybit-api ws: ok ${what}`);
}
setTimeout(() => fail('timeout', `only ${steps} steps in 15 s`), 15_000).unref();

// Resolves with the first update of a topic that satisfies the test.
function updates(client) {
  const waiting = [];
  client.on('update', (message) => {
    for (const w of waiting.slice()) {
      if (message.topic === w.topic && w.test(message)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(message);
      }
    }
  });
  return (topic, test = () => true) => new Promise((resolve) => waiting.push({ topic, test, resolve }));
}

try {
  const priv = new WebsocketClient({ key, secret, market: 'v5', wsUrl: `ws://127.0.0.1:${wsPort}/v5/private`,
                                     restOptions: { baseUrl } }, quiet);
  const nextPrivate = updates(priv);
  const authenticated = new Promise((resolve) => priv.on('authenticated', resolve));
  const order = nextPrivate('order', (m) => m.data.some((o) => o.orderLinkId === 'bybit-api-ws-1' && o.orderStatus === 'Filled'));
  const execution = nextPrivate('execution', (m) => m.data.some((e) => e.orderLinkId === 'bybit-api-ws-1'));
  const position = nextPrivate('position', (m) => m.data.some((p) => p.symbol === 'BTCUSDT' && p.side === 'Buy'));
  await priv.subscribeV5(['order', 'execution', 'position'], 'linear');
  const auth = await authenticated;
  check(auth.op === 'auth' && auth.success === true && auth.wsKey === 'v5Private', 'private stream authenticated', auth);

  const placed = await rest.submitOrder({
    category: 'linear', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Market', qty: '0.01', positionIdx: 0,
    orderLinkId: 'bybit-api-ws-1',
  });
  check(placed.retCode === 0, 'submitOrder', placed);
  const o = (await order).data.find((row) => row.orderLinkId === 'bybit-api-ws-1');
  check(o.cumExecQty === '0.010' && o.side === 'Buy' && o.category === 'linear', 'order topic: Filled', o);
  const e = (await execution).data.find((row) => row.orderLinkId === 'bybit-api-ws-1');
  check(Number(e.execQty) === 0.01 && Number(e.execPrice) > 0, 'execution topic', e);
  const p = (await position).data.find((row) => row.symbol === 'BTCUSDT');
  check(p.size === '0.010', 'position topic', p);

  const pub = new WebsocketClient({ market: 'v5', wsUrl: `ws://127.0.0.1:${wsPort}/v5/public/linear` }, quiet);
  const nextPublic = updates(pub);
  const ticker = nextPublic('tickers.BTCUSDT');
  const book = nextPublic('orderbook.1.BTCUSDT');
  await pub.subscribeV5(['tickers.BTCUSDT', 'orderbook.1.BTCUSDT'], 'linear');
  const t = await ticker;
  check(t.data.symbol === 'BTCUSDT' && Number(t.data.lastPrice) > 0, 'tickers', t);
  const b = await book;
  check(b.data.s === 'BTCUSDT' && b.data.b.length === 1 && b.data.a.length === 1 &&
        Number(b.data.b[0][0]) < Number(b.data.a[0][0]), 'orderbook.1', b);

  const closed = await rest.submitOrder({
    category: 'linear', symbol: 'BTCUSDT', side: 'Sell', orderType: 'Market', qty: '0.01', positionIdx: 0, reduceOnly: true,
  });
  check(closed.retCode === 0, 'close', closed);
  console.log(`bybit-api ws: all ${steps} steps passed`);
  process.exit(0);
} catch (err) {
  fail('exception', err && err.message ? err.message : err);
}
