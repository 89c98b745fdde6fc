"""Test servers only (on PYTHONPATH of the daphne the end-to-end tests start): aioice leaves 127.0.0.1
out of its host candidates, so on a loopback-only network the server-side aiortc peer (the device
check) would have none. Point it at 127.0.0.1, as the test process itself does in a fixture."""

import os

if os.environ.get("PEERCHAT_LOOPBACK_ICE") == "1":
    import aioice.ice

    def _loopback(use_ipv4: bool = True, use_ipv6: bool = False) -> list[str]:
        return ["127.0.0.1"]

    aioice.ice.get_host_addresses = _loopback
