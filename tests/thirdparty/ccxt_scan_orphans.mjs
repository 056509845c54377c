// The peer keel-safety-bench compares keel-scan-orphans with: the orphan scan a user would write
// with ccxt (from npm, unmodified; only its base URLs point to the simulator). Every open position,
// every open order and every open conditional (algo) order of the account; a position is an
// orphan when no conditional order on its symbol would close it.
//   node ccxt_scan_orphans.mjs REST_PORT
// Prints one JSON line: {"positions":N,"orphans":M}.
import ccxt from 'ccxt';

const [restPort] = process.argv.slice(2);
const base = `http://127.0.0.1:${restPort}`;
const exchange = new ccxt.binanceusdm({
  apiKey: 'keel-demo-key',
  secret: 'keel-demo-secret',
  enableRateLimit: false,
  options: { fetchCurrencies: false, fetchMargins: false, warnOnFetchOpenOrdersWithoutSymbol: false },
});
for (const [name, url] of Object.entries(exchange.urls.api)) {
  if (typeof url === 'string') exchange.urls.api[name] = url.replace(/^https?:\/\/[^/]+/, base);
}

await exchange.loadMarkets();
const [positions, orders, algos] = await Promise.all([
  exchange.fetchPositions(),
  exchange.fetchOpenOrders(),
  exchange.fapiPrivateGetOpenAlgoOrders(),
]);
const open = positions.filter((p) => p.contracts);
const closers = new Set(algos.map((a) => a.symbol));
const orphans = open.filter((p) => !closers.has(exchange.market(p.symbol).id));
console.log(JSON.stringify({ positions: open.length, open_orders: orders.length, orphans: orphans.length }));
