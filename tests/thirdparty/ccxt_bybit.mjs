// ccxt's bybit (from npm, unmodified) against keel-exchange-sim's Bybit v5 dialect: only its base
// URLs point to the simulator, and it is told to load the linear category only (the simulator
// lists no spot, inverse or option contract).
//   node ccxt_bybit.mjs REST_PORT
// Prints one line per step and "ccxt bybit: all N steps passed"; exits 1 at the first failure.
import ccxt from 'ccxt';

const [restPort] = process.argv.slice(2);
const base = `http://127.0.0.1:${restPort}`;
const exchange = new ccxt.bybit({
  apiKey: 'keel-demo-key',
  secret: 'keel-demo-secret',
  enableRateLimit: false,
  options: { fetchMarkets: { types: ['linear'] }, fetchCurrencies: false, defaultType: 'swap' },
});
for (const [name, url] of Object.entries(exchange.urls.api)) {
  if (typeof url === 'string') exchange.urls.api[name] = url.replace(/^https?:\/\/[^/]+/, base);
}

let steps = 0;
function check(condition, what, detail) {
  if (!condition) {
    console.log(`ccxt bybit: FAILED ${what}: ${JSON.stringify(detail)}`);
    process.exit(1);
  }
  steps += 1;
  console.log(`ccxt bybit: ok ${what}`);
}

const S = 'BTC/USDT:USDT';
try {
  const time = await exchange.fetchTime();
  check(Math.abs(time - Date.now()) < 60_000, 'fetchTime', time);

  const markets = await exchange.loadMarkets();
  const btc = markets[S];
  check(btc && btc.swap && btc.linear && btc.active, 'loadMarkets', btc);
  check(btc.precision.price === 0.1 && btc.limits.amount.min === 0.001, 'market filters', btc.precision);

  const balance = await exchange.fetchBalance();
  check(balance.USDT && balance.USDT.total === 10000, 'fetchBalance', balance.USDT);

  const ticker = await exchange.fetchTicker(S);
  check(ticker.bid > 0 && ticker.ask > ticker.bid && ticker.markPrice > 0, 'fetchTicker', ticker);

  // Bybit acknowledges with ids only: ccxt returns an order with no side, price or status.
  const limitPrice = exchange.priceToPrecision(S, ticker.bid * 0.97);
  const limit = await exchange.createOrder(S, 'limit', 'buy', 0.01, limitPrice, { clientOrderId: 'ccxt-1' });
  check(limit.id && limit.clientOrderId === 'ccxt-1' && limit.status === undefined, 'createOrder limit (ack)', limit);

  const open1 = await exchange.fetchOpenOrder(limit.id, S);
  check(open1.status === 'open' && open1.side === 'buy' && open1.price === Number(limitPrice), 'fetchOpenOrder', open1);

  const newPrice = exchange.priceToPrecision(S, ticker.bid * 0.96);
  await exchange.editOrder(limit.id, S, 'limit', 'buy', 0.02, newPrice);
  const edited = await exchange.fetchOpenOrder(limit.id, S);
  check(edited.amount === 0.02 && edited.price === Number(newPrice), 'editOrder', edited);

  const open = await exchange.fetchOpenOrders(S);
  check(open.length === 1 && open[0].id === limit.id, 'fetchOpenOrders', open);

  await exchange.cancelOrder(limit.id, S);
  const cancelled = await exchange.fetchOrder(limit.id, S, { acknowledged: true });
  check(cancelled.status === 'canceled', 'cancelOrder', cancelled);

  const market = await exchange.createOrder(S, 'market', 'buy', 0.01);
  const filled = await exchange.fetchOrder(market.id, S, { acknowledged: true });
  check(filled.status === 'closed' && filled.filled === 0.01, 'createOrder market', filled);

  const positions = await exchange.fetchPositions([S]);
  const long = positions.find((p) => p.contracts > 0);
  check(long && long.side === 'long' && long.contracts === 0.01, 'fetchPositions', positions);

  // A stop-loss: a conditional Market order with triggerDirection 2 (falling), reduce-only.
  const stopPrice = exchange.priceToPrecision(S, ticker.bid * 0.9);
  const stop = await exchange.createOrder(S, 'market', 'sell', 0.01, undefined, {
    stopLossPrice: stopPrice,
    reduceOnly: true,
  });
  check(stop.id, 'createOrder stop-loss', stop);
  const triggers = await exchange.fetchOpenOrders(S, undefined, undefined, { trigger: true });
  check(triggers.length === 1 && triggers[0].id === stop.id && triggers[0].triggerPrice === Number(stopPrice),
        'fetchOpenOrders trigger', triggers);
  await exchange.cancelOrder(stop.id, S, { trigger: true });
  const none = await exchange.fetchOpenOrders(S, undefined, undefined, { trigger: true });
  check(none.length === 0, 'cancelOrder stop-loss', none);

  const close = await exchange.createOrder(S, 'market', 'sell', 0.01, undefined, { reduceOnly: true });
  const closed = await exchange.fetchOrder(close.id, S, { acknowledged: true });
  check(closed.status === 'closed' && closed.reduceOnly === true, 'close reduce-only', closed);
  const flat = await exchange.fetchPositions([S]);
  check(!flat.some((p) => p.contracts > 0), 'flat', flat);

  // GET /v5/execution/list: the open and the close.
  const trades = await exchange.fetchMyTrades(S);
  check(trades.length === 2 && trades.every((t) => t.amount === 0.01) && trades.some((t) => t.order === close.id),
        'fetchMyTrades', trades.length);

  console.log(`ccxt bybit: all ${steps} steps passed`);
  process.exit(0);
} catch (e) {
  console.log(`ccxt bybit: FAILED with ${e.constructor.name}: ${e.message}`);
  process.exit(1);
}
