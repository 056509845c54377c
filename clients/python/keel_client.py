"""A client for keel-traderd's control socket, standard library only (Python 3.8+).

One request a line, one JSON answer a line (docs/control.schema.json). Every answer carries
"exit_code", the keel tools' codes: 0 done, 1 refused or nothing to do, 2 a bad request,
3 the exchange failed or did not answer, 4 sent but not verified (keel keeps at it).

Prices and quantities are decimal strings: pass str, int or decimal.Decimal, never float (a
float is not the number you meant: 0.1 + 0.2 != 0.3).

    from keel_client import KeelClient
    keel = KeelClient("/run/keel/main/keel.sock")
    keel.open_trade("s-1", "BTCUSDT", "LONG", qty="0.01", stop_pct="1", tp_pct="2")
    print(keel.status()["trades"])
"""

import decimal
import json
import socket
from typing import Any, Dict, Iterator, Optional, Union

Number = Union[str, int, decimal.Decimal]


class KeelError(Exception):
    """The daemon refused or could not do what was asked; `answer` is its whole answer."""

    def __init__(self, answer: Dict[str, Any]):
        self.answer = answer
        self.exit_code = int(answer.get("exit_code", 3))
        super().__init__("%s: %s (exit %d)" % (answer.get("result", "?"), answer.get("detail", ""), self.exit_code))


def _decimal_text(name: str, value: Number) -> str:
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError("%s: pass a str, int or Decimal, not %s" % (name, type(value).__name__))
    return str(value)


def _level(name: str, pct: Optional[Number], price: Optional[Number]) -> Optional[Dict[str, Any]]:
    if pct is not None and price is not None:
        raise ValueError("%s: give a percent or a price, not both" % name)
    if pct is not None:
        return {"pct": _decimal_text(name + " pct", pct)}
    if price is not None:
        return {"price": _decimal_text(name + " price", price)}
    return None


class KeelClient:
    def __init__(self, socket_path: str, timeout_s: float = 120.0):
        self.socket_path = socket_path
        self.timeout_s = timeout_s

    def _connect(self) -> socket.socket:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout_s)
        s.connect(self.socket_path)
        return s

    def request(self, req: Dict[str, Any], check: bool = True) -> Dict[str, Any]:
        """Sends one request and returns the answer; raises KeelError for a non-zero exit code
        when `check` (1 "nothing to do" and 4 "not verified" included: read exit_code to tell)."""
        with self._connect() as s:
            s.sendall(json.dumps(req, separators=(",", ":")).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    raise ConnectionError("keel-traderd closed the connection without an answer")
                data += chunk
        answer = json.loads(data)
        if check and int(answer.get("exit_code", 3)) != 0:
            raise KeelError(answer)
        return answer

    # What the daemon holds.
    def status(self) -> Dict[str, Any]:
        return self.request({"cmd": "status"})

    def positions(self) -> Dict[str, Any]:
        return self.request({"cmd": "positions"})

    def orders(self) -> Dict[str, Any]:
        return self.request({"cmd": "orders"})

    # Signals.
    def open_trade(self, signal_id: str, symbol: str, side: str, *, qty: Optional[Number] = None,
                   notional: Optional[Number] = None, stop_pct: Optional[Number] = None,
                   stop_price: Optional[Number] = None, tp_pct: Optional[Number] = None,
                   tp_price: Optional[Number] = None, entry: str = "market", ttl_s: Optional[int] = None,
                   price: Optional[Number] = None, post_only: bool = False, flip: bool = False,
                   tp_limit: bool = False, tp_post_only: bool = False,
                   origin: str = "python") -> Dict[str, Any]:
        """Opens a trade: entry "market", "maker" (post-only, following the book) or "limit" at
        `price` (GTC, or `post_only`; resting until it fills, ttl_s passes or it is cancelled).

        tp_limit: the take-profit rests as a reduce-only limit order in the book (a maker's exit),
        post-only with tp_post_only (which implies it).

        flip: the symbol's position (in hedge mode the other leg's) is closed first and proven flat,
        then this side opens as signal "<signal_id>.open"; nothing opens when the close is not proven."""
        if (qty is None) == (notional is None):
            raise ValueError("give exactly one of qty and notional")
        stop = _level("stop_loss", stop_pct, stop_price)
        if stop is None:
            raise ValueError("a stop is required: keel opens nothing it cannot protect")
        signal: Dict[str, Any] = {"id": signal_id, "symbol": symbol, "side": side, "entry": entry, "stop_loss": stop}
        if flip:
            signal["action"] = "flip"
        if qty is not None:
            signal["qty"] = _decimal_text("qty", qty)
        if notional is not None:
            signal["notional"] = _decimal_text("notional", notional)
        take_profit = _level("take_profit", tp_pct, tp_price)
        if (tp_limit or tp_post_only) and take_profit is None:
            raise ValueError("tp_limit and tp_post_only need a take-profit (tp_pct or tp_price)")
        if take_profit is not None:
            if tp_limit or tp_post_only:
                take_profit["limit"] = True
            if tp_post_only:
                take_profit["post_only"] = True
            signal["take_profit"] = take_profit
        if ttl_s is not None:
            signal["ttl_s"] = int(ttl_s)
        if price is not None:
            signal["price"] = _decimal_text("price", price)
        if post_only:
            signal["post_only"] = True
        return self.request({"cmd": "signal", "signal": signal, "origin": origin})

    def close_trade(self, signal_id: str, symbol: str, side: Optional[str] = None,
                    origin: str = "python") -> Dict[str, Any]:
        """Closes every leg of the symbol, or one leg (side, hedge mode); exit 0 only when verified flat."""
        signal: Dict[str, Any] = {"id": signal_id, "symbol": symbol, "action": "close"}
        if side is not None:
            signal["side"] = side
        return self.request({"cmd": "signal", "signal": signal, "origin": origin})

    def move(self, signal_id: str, symbol: str, *, side: Optional[str] = None,
             stop_pct: Optional[Number] = None, stop_price: Optional[Number] = None, break_even: bool = False,
             tp_pct: Optional[Number] = None, tp_price: Optional[Number] = None,
             origin: str = "python") -> Dict[str, Any]:
        """Moves the open trade's stop and/or take-profit; the new order rests before the old one goes.

        Answers "moved" (exit 0) once the new order is confirmed; a new stop the exchange refuses
        leaves the old one ("not-moved", exit 3)."""
        signal: Dict[str, Any] = {"id": signal_id, "symbol": symbol, "action": "move"}
        if side is not None:
            signal["side"] = side
        if break_even:
            if stop_pct is not None or stop_price is not None:
                raise ValueError("break_even: give no stop_pct or stop_price with it")
            signal["stop_loss"] = {"break_even": True}
        else:
            stop = _level("stop", stop_pct, stop_price)
            if stop is not None:
                signal["stop_loss"] = stop
        take_profit = _level("take-profit", tp_pct, tp_price)
        if take_profit is not None:
            signal["take_profit"] = take_profit
        if "stop_loss" not in signal and "take_profit" not in signal:
            raise ValueError("move: give a new stop and/or take-profit")
        return self.request({"cmd": "signal", "signal": signal, "origin": origin})

    def trail(self, signal_id: str, symbol: str, *, callback_pct: Optional[Number] = None,
              activation_price: Optional[Number] = None, off: bool = False, side: Optional[str] = None,
              origin: str = "python") -> Dict[str, Any]:
        """Sets the exchange's own trailing stop beside the open trade's stop (callback_pct 0.1 to 10,
        from activation_price or at once), or removes it (off=True); the stop stays.

        Answers "trailing" (exit 0) once the exchange shows it; "rejected" (exit 2) leaves the one
        before; "not-verified" (exit 4) when its answer was lost and could not be settled."""
        if off == (callback_pct is not None):
            raise ValueError("trail: give exactly one of callback_pct and off")
        if off and activation_price is not None:
            raise ValueError("trail: activation_price goes with callback_pct")
        signal: Dict[str, Any] = {"id": signal_id, "symbol": symbol, "action": "trail"}
        if side is not None:
            signal["side"] = side
        if off:
            signal["off"] = True
        else:
            signal["callback_pct"] = str(callback_pct)
            if activation_price is not None:
                signal["activation_price"] = str(activation_price)
        return self.request({"cmd": "signal", "signal": signal, "origin": origin})

    def add(self, signal_id: str, symbol: str, *, qty: Optional[Number] = None, notional: Optional[Number] = None,
            side: Optional[str] = None, trade: Optional[str] = None, price: Optional[Number] = None,
            post_only: bool = False, ttl_s: Optional[int] = None, origin: str = "python") -> Dict[str, Any]:
        """Adds to the open, protected trade on the symbol (side: its leg, hedge mode): one more entry,
        at the market, or a limit at price (several limits at different prices are a ladder).

        Its fill grows the position the trade's stop and take-profit already close in full; exits
        given in percent move to the new average. trade: the open signal it adds to (refused when
        the leg's trade is another). "accepted" (exit 0) once its order is sent; the add's end
        (what filled) shows in the trade's position."""
        if (qty is None) == (notional is None):
            raise ValueError("add: give exactly one of qty and notional")
        signal: Dict[str, Any] = {"id": signal_id, "symbol": symbol, "action": "add",
                                  "entry": "limit" if price is not None else "market"}
        if side is not None:
            signal["side"] = side
        if trade is not None:
            signal["trade"] = trade
        if qty is not None:
            signal["qty"] = _decimal_text("qty", qty)
        if notional is not None:
            signal["notional"] = _decimal_text("notional", notional)
        if price is not None:
            signal["price"] = _decimal_text("price", price)
        if post_only:
            signal["post_only"] = True
        if ttl_s is not None:
            signal["ttl_s"] = int(ttl_s)
        return self.request({"cmd": "signal", "signal": signal, "origin": origin})

    def cancel_entries(self, signal_id: str, symbol: str, side: Optional[str] = None,
                       origin: str = "python") -> Dict[str, Any]:
        """Cancels the symbol's pending entries (one leg's with side); what filled stays, protected.

        "cancelled" (exit 0) once every entry has ended on the exchange; "nothing-pending" raises
        KeelError with exit_code 1."""
        signal: Dict[str, Any] = {"id": signal_id, "symbol": symbol, "action": "cancel"}
        if side is not None:
            signal["side"] = side
        return self.request({"cmd": "signal", "signal": signal, "origin": origin})

    # The operator's commands.
    def pause(self) -> Dict[str, Any]:
        return self.request({"cmd": "pause"})

    def resume(self) -> Dict[str, Any]:
        return self.request({"cmd": "resume"})

    def flatten(self, symbol: Optional[str] = None, position_side: Optional[str] = None) -> Dict[str, Any]:
        req: Dict[str, Any] = {"cmd": "flatten"}
        if symbol:
            req["symbol"] = symbol
        if position_side:
            req["position_side"] = position_side
        return self.request(req)

    def protect(self, symbol: Optional[str] = None, stop_pct: Optional[Number] = None) -> Dict[str, Any]:
        req: Dict[str, Any] = {"cmd": "protect"}
        if symbol:
            req["symbol"] = symbol
        if stop_pct is not None:
            req["stop_pct"] = _decimal_text("stop_pct", stop_pct)
        return self.request(req)

    def watch(self) -> Iterator[Dict[str, Any]]:
        """Every later log line and alert of the daemon, one dict each, until it goes away."""
        with self._connect() as s:
            s.settimeout(None)
            s.sendall(b'{"cmd":"watch"}\n')
            buffered = b""
            first = True
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return
                buffered += chunk
                while b"\n" in buffered:
                    line, buffered = buffered.split(b"\n", 1)
                    event = json.loads(line)
                    if first:
                        first = False
                        if event.get("result") != "watching":
                            raise KeelError(event)
                        continue
                    yield event
