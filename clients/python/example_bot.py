#!/usr/bin/env python3
"""An example bot on keel: opens a protected trade, waits until keel says it is protected, adds to
it at the market, moves its stop closer, then closes it and waits until keel says it is flat.
Exits 0 when all of that happened.

    python3 example_bot.py --socket /run/keel/main/keel.sock --symbol BTCUSDT --qty 0.01
"""

import argparse
import sys
import time

from keel_client import KeelClient, KeelError


def wait_for(what, predicate, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    raise TimeoutError("keel did not report %s within %d s" % (what, timeout_s))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True, help="keel-traderd's control socket")
    parser.add_argument("--symbol", default="BTCUSDT")
    parser.add_argument("--qty", default="0.01", help="contracts, as a decimal string")
    parser.add_argument("--add-qty", default="0.01", help="added once the trade is protected")
    parser.add_argument("--stop-pct", default="1")
    parser.add_argument("--tp-pct", default="2")
    parser.add_argument("--move-stop-pct", default="0.5", help="where the stop is moved once protected")
    parser.add_argument("--timeout-s", type=int, default=30)
    args = parser.parse_args()

    keel = KeelClient(args.socket)
    signal_id = "py-%d" % int(time.time() * 1000)
    try:
        accepted = keel.open_trade(signal_id, args.symbol, "LONG", qty=args.qty, stop_pct=args.stop_pct,
                                   tp_pct=args.tp_pct)
        print("accepted: %s" % accepted.get("detail", ""))

        def my_trade():
            for t in keel.status()["trades"]:
                if t["id"] == signal_id and t["phase"] == "protected":
                    return t
            return None

        trade = wait_for("the trade protected", my_trade, args.timeout_s)
        print("protected: %s" % trade["detail"])

        # Averaging in: the trade's stop closes the whole position, the add's fill included.
        added = keel.add(signal_id + "-add", args.symbol, qty=args.add_qty, trade=signal_id)
        print("add accepted: %s" % added.get("detail", ""))
        from decimal import Decimal
        want = Decimal(args.qty) + Decimal(args.add_qty)

        def grown():
            for p in keel.positions()["positions"]:
                if p["symbol"] == args.symbol and abs(Decimal(p["qty"])) == want:
                    return p
            return None

        position = wait_for("the position grown by the add", grown, args.timeout_s)
        print("added: %s %s at an average of %s" % (args.symbol, position["qty"], position["entry_price"]))

        # Tighter once it is protected: the new stop rests before the old one is cancelled, and
        # "moved" comes once the new one is confirmed working.
        moved = keel.move(signal_id + "-move", args.symbol, stop_pct=args.move_stop_pct)
        print("moved: %s" % moved.get("detail", ""))

        closed = keel.close_trade(signal_id + "-close", args.symbol)
        print("closed: %s" % closed.get("detail", ""))

        def flat():
            held = [p for p in keel.positions()["positions"] if p["symbol"] == args.symbol]
            return not held

        wait_for("the position flat", flat, args.timeout_s)
        print("flat: %s holds no position in keel's store" % args.symbol)
    except KeelError as e:
        print("keel refused: %s" % e, file=sys.stderr)
        return e.exit_code
    except (OSError, TimeoutError) as e:
        print("example bot: %s" % e, file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
