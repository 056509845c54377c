// ccxt (from npm, unmodified) against keel-exchange-sim: only its base URLs point to the simulator.
//   node ccxt_binanceusdm.mjs REST_PORT WS_PORT
// Prints one line per step and "ccxt: all N steps passed"; exits 1 at the first failure.
import ccxt from 'ccxt';

const [restPort, wsPort] = process.argv.slice(2);
const base = `http://127.0.0.1:${restPort}`;
const exchange = new ccxt.pro.binanceusdm({
  apiKey: 'keel-demo-key',
  secret: 'keel-demo-secret',
  enableRateLimit: false,
  options: { fetchCurrencies: false, fetchMargins: false },
});
for (const [name, url] of Object.entries(exchange.urls.api)) {
  if (typeof url === 'string') exchange.urls.api[name] = url.replace(/^https?:\/\/[^/]+/, base);
}
exchange.urls.api.ws.future = `ws://127.0.0.1:${wsPort}/ws`;

let steps = 0;
function check(condition, what, detail) {
  if (!condition) {
    console.log(`ccxt: FAILED ${what}: ${JSON.stringify(detail)}`);
    process.exit(1);
  }
  steps += 1;
  console.log(`ccxt: ok ${what}`);
}

const timeout = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms));

try {
  await exchange.loadHttpProxyAgent();
  const markets = await exchange.loadMarkets();
  const btc = markets['BTC/USDT:USDT'];
  check(btc && btc.swap && btc.linear && btc.active, 'loadMarkets', btc);
  check(btc.precision.price === 0.1 && btc.limits.amount.min === 0.001, 'market filters', btc.precision);

  const balance = await exchange.fetchBalance();
  check(balance.USDT && balance.USDT.total === 10000, 'fetchBalance', balance.USDT);

  const ticker = await exchange.fetchBidsAsks(['BTC/USDT:USDT']);
  const bid = ticker['BTC/USDT:USDT'].bid;
  check(bid > 0, 'fetchBidsAsks', ticker);

  const limitPrice = exchange.priceToPrecision('BTC/USDT:USDT', bid * 0.97);
  const limit = await exchange.createOrder('BTC/USDT:USDT', 'limit', 'buy', 0.01, limitPrice);
  check(limit.status === 'open' && limit.id, 'createOrder limit', limit);

  const newPrice = exchange.priceToPrecision('BTC/USDT:USDT', bid * 0.96);
  const edited = await exchange.editOrder(limit.id, 'BTC/USDT:USDT', 'limit', 'buy', 0.02, newPrice);
  check(edited.amount === 0.02 && edited.price === Number(newPrice), 'editOrder', edited);

  const fetched = await exchange.fetchOrder(limit.id, 'BTC/USDT:USDT');
  check(fetched.status === 'open' && fetched.price === Number(newPrice), 'fetchOrder', fetched);

  const open = await exchange.fetchOpenOrders('BTC/USDT:USDT');
  check(open.length === 1 && open[0].id === limit.id, 'fetchOpenOrders', open);

  const cancelled = await exchange.cancelOrder(limit.id, 'BTC/USDT:USDT');
  check(cancelled.status === 'canceled', 'cancelOrder', cancelled);

  // The user-data stream: watchOrders subscribes (listen key + /private/ws), then a fill arrives.
  const watching = exchange.watchOrders('BTC/USDT:USDT');
  await new Promise((r) => setTimeout(r, 500));
  const market = await exchange.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.01, undefined, {
    newOrderRespType: 'RESULT',
  });
  check(market.status === 'closed' && market.filled === 0.01, 'createOrder market', market);
  const updates = await Promise.race([watching, timeout(5000, 'watchOrders')]);
  check(Array.isArray(updates) && updates.some((o) => o.id === market.id), 'watchOrders', updates);

  const positions = await exchange.fetchPositions(['BTC/USDT:USDT']);
  const long = positions.find((p) => p.contracts > 0);
  check(long && long.side === 'long' && long.contracts === 0.01, 'fetchPositions', positions);

  const stopPrice = exchange.priceToPrecision('BTC/USDT:USDT', bid * 0.9);
  const stop = await exchange.createOrder('BTC/USDT:USDT', 'market', 'sell', 0.01, undefined, {
    stopLossPrice: stopPrice,
    reduceOnly: true,
  });
  check(stop.id, 'createOrder stop-loss (algo service)', stop);

  const close = await exchange.createOrder('BTC/USDT:USDT', 'market', 'sell', 0.01, undefined, { reduceOnly: true });
  check(close.id, 'createOrder reduce-only close', close);
  const after = await exchange.fetchPositions(['BTC/USDT:USDT']);
  check(after.every((p) => !p.contracts), 'position closed', after);

  const trades = await exchange.fetchMyTrades('BTC/USDT:USDT');
  check(trades.length === 2, 'fetchMyTrades', trades.length);

  let refused = null;
  try {
    await exchange.fetchOrder('123', 'BTC/USDT:USDT');
  } catch (e) {
    refused = e;
  }
  check(refused instanceof ccxt.OrderNotFound, 'fetchOrder of an unknown order -> OrderNotFound', String(refused));

  console.log(`ccxt: all ${steps} steps passed`);
  await exchange.close();
  process.exit(0);
} catch (e) {
  console.log(`ccxt: FAILED with ${e.constructor.name}: ${e.message}`);
  process.exit(1);
}
