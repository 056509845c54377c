// npm bybit-api (tiagosiebler, unmodified) RestClientV5 against keel-exchange-sim's Bybit v5
// dialect: only its baseUrl points to the simulator.
//   node bybit_api_rest.mjs REST_PORT
// Prints one line per step and "bybit-api: all N steps passed"; exits 1 at the first failure.
import { RestClientV5 } from 'bybit-api';

const [restPort] = process.argv.slice(2);
const client = new RestClientV5({
  key: 'keel-demo-key',
  secret: 'keel-demo-secret',
  baseUrl: `http://127.0.0.1:${restPort}`,
});

let steps = 0;
function check(condition, what, detail) {
  if (!condition) {
    console.log(`bybit-api: FAILED ${what}: ${JSON.stringify(detail)}`);
    process.exit(1);
  }
  steps += 1;
  console.log(`bybit-api: ok ${what}`);
}
const ok = (r) => r && r.retCode === 0;

try {
  const time = await client.getServerTime();
  check(ok(time) && Math.abs(Number(time.result.timeSecond) * 1000 - Date.now()) < 60_000, 'getServerTime', time);

  const info = await client.getInstrumentsInfo({ category: 'linear', symbol: 'BTCUSDT' });
  const btc = info.result.list[0];
  check(ok(info) && btc.priceFilter.tickSize === '0.1' && btc.lotSizeFilter.qtyStep === '0.001', 'getInstrumentsInfo', info);

  const tickers = await client.getTickers({ category: 'linear', symbol: 'BTCUSDT' });
  const bid = Number(tickers.result.list[0].bid1Price);
  check(ok(tickers) && bid > 0, 'getTickers', tickers);

  const wallet = await client.getWalletBalance({ accountType: 'UNIFIED' });
  check(ok(wallet) && Number(wallet.result.list[0].totalWalletBalance) === 10000, 'getWalletBalance', wallet);

  const price = (bid * 0.97).toFixed(1);
  const placed = await client.submitOrder({
    category: 'linear', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Limit', qty: '0.01', price,
    timeInForce: 'PostOnly', positionIdx: 0, orderLinkId: 'bybit-api-1',
  });
  check(ok(placed) && placed.result.orderLinkId === 'bybit-api-1' && Object.keys(placed.result).length === 2,
        'submitOrder (ids only)', placed);

  const active = await client.getActiveOrders({ category: 'linear', symbol: 'BTCUSDT', openOnly: 0 });
  const row = active.result.list[0];
  check(ok(active) && active.result.list.length === 1 && row.orderStatus === 'New' && Number(row.price) === Number(price),
        'getActiveOrders', active);

  const newPrice = (bid * 0.96).toFixed(1);
  const amended = await client.amendOrder({ category: 'linear', symbol: 'BTCUSDT', orderLinkId: 'bybit-api-1', price: newPrice });
  const afterAmend = await client.getActiveOrders({ category: 'linear', symbol: 'BTCUSDT', orderLinkId: 'bybit-api-1' });
  check(ok(amended) && Number(afterAmend.result.list[0].price) === Number(newPrice), 'amendOrder', afterAmend);

  const cancelled = await client.cancelOrder({ category: 'linear', symbol: 'BTCUSDT', orderLinkId: 'bybit-api-1' });
  const history = await client.getHistoricOrders({ category: 'linear', symbol: 'BTCUSDT', orderLinkId: 'bybit-api-1' });
  check(ok(cancelled) && history.result.list[0].orderStatus === 'Cancelled', 'cancelOrder', history);

  const again = await client.cancelOrder({ category: 'linear', symbol: 'BTCUSDT', orderLinkId: 'bybit-api-1' });
  check(again.retCode === 110001, 'cancel again: 110001', again);

  const market = await client.submitOrder({
    category: 'linear', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Market', qty: '0.01', positionIdx: 0,
  });
  check(ok(market), 'submitOrder market', market);
  const positions = await client.getPositionInfo({ category: 'linear', settleCoin: 'USDT' });
  const long = positions.result.list.find((p) => p.symbol === 'BTCUSDT');
  check(ok(positions) && long && long.side === 'Buy' && long.size === '0.010', 'getPositionInfo', positions);

  // The position's own stop-loss: an order Bybit makes, without a link id.
  const stopLoss = (bid * 0.85).toFixed(1);
  const tpsl = await client.setTradingStop({
    category: 'linear', symbol: 'BTCUSDT', tpslMode: 'Full', positionIdx: 0, stopLoss, slTriggerBy: 'MarkPrice',
  });
  const withStop = await client.getPositionInfo({ category: 'linear', symbol: 'BTCUSDT' });
  check(ok(tpsl) && Number(withStop.result.list[0].stopLoss) === Number(stopLoss), 'setTradingStop', withStop);

  const stop = await client.submitOrder({
    category: 'linear', symbol: 'BTCUSDT', side: 'Sell', orderType: 'Market', qty: '0', positionIdx: 0,
    triggerPrice: (bid * 0.9).toFixed(1), triggerDirection: 2, triggerBy: 'MarkPrice',
    reduceOnly: true, closeOnTrigger: true, orderLinkId: 'bybit-api-sl',
  });
  const stops = await client.getActiveOrders({ category: 'linear', symbol: 'BTCUSDT', orderFilter: 'StopOrder' });
  const mine = stops.result.list.find((o) => o.orderLinkId === 'bybit-api-sl');
  const own = stops.result.list.find((o) => o.stopOrderType === 'StopLoss');
  check(ok(stop) && stops.result.list.length === 2 && mine && mine.orderStatus === 'Untriggered' && mine.stopOrderType === 'Stop' &&
        own && own.orderLinkId === '' && own.createType === 'CreateByStopLoss' && Number(own.triggerPrice) === Number(stopLoss),
        'conditional stop beside the position stop-loss', stops);

  const all = await client.cancelAllOrders({ category: 'linear', symbol: 'BTCUSDT', orderFilter: 'StopOrder', stopOrderType: 'Stop' });
  check(ok(all) && all.result.list.length === 1 && all.result.list[0].orderLinkId === 'bybit-api-sl',
        'cancelAllOrders (Stop only, not the TP/SL)', all);

  const close = await client.submitOrder({
    category: 'linear', symbol: 'BTCUSDT', side: 'Sell', orderType: 'Market', qty: '0.01', positionIdx: 0, reduceOnly: true,
  });
  const flat = await client.getPositionInfo({ category: 'linear', symbol: 'BTCUSDT' });
  check(ok(close) && flat.result.list[0].size === '0.000' && flat.result.list[0].side === '', 'close to flat', flat);
  const cleared = await client.getActiveOrders({ category: 'linear', symbol: 'BTCUSDT', orderFilter: 'StopOrder' });
  check(ok(cleared) && cleared.result.list.length === 0 && Number(flat.result.list[0].stopLoss) === 0,
        'the stop-loss goes with the position', cleared);

  // The fills of the day: the open and the close, newest first; by orderId, only that order's.
  const executions = await client.getExecutionList({ category: 'linear', symbol: 'BTCUSDT' });
  check(ok(executions) && executions.result.list.length === 2 && executions.result.list[0].side === 'Sell' &&
        executions.result.list[0].execType === 'Trade' && executions.result.list[0].closedSize === '0.010',
        'getExecutionList', executions);
  const ofClose = await client.getExecutionList({ category: 'linear', orderId: close.result.orderId });
  check(ok(ofClose) && ofClose.result.list.length === 1 && ofClose.result.list[0].orderId === close.result.orderId,
        'getExecutionList by orderId', ofClose);
  const pnl = await client.getClosedPnL({ category: 'linear', symbol: 'BTCUSDT' });
  const closedRow = pnl.result.list[0];
  check(ok(pnl) && pnl.result.list.length === 1 && closedRow.orderId === close.result.orderId &&
        closedRow.closedSize === '0.010' && closedRow.side === 'Sell' && closedRow.fillCount === '1',
        'getClosedPnL', pnl);

  console.log(`bybit-api: all ${steps} steps passed`);
  process.exit(0);
} catch (e) {
  console.log(`bybit-api: FAILED with ${e && e.constructor ? e.constructor.name : typeof e}: ${JSON.stringify(e && e.message ? e.message : e)}`);
  process.exit(1);
}
