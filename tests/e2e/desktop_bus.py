"""The Linux desktop's D-Bus side, as the end-to-end tests need it.

- A StatusNotifierWatcher (org.kde.StatusNotifierWatcher), as a panel provides one: Rekey's tray
  icon (AppIndicator) registers with it, and the test reads the item's properties and its menu
  (com.canonical.dbusmenu), and clicks menu items as a panel would.
- A monitor of every Notify call to org.freedesktop.Notifications, whoever serves it (a real
  notification daemon such as dunst shows them on screen).

Everything runs on the session bus of the test run (dbus-run-session), on an asyncio loop in a
background thread; the test calls the blocking methods.
"""

import asyncio
import threading
import time

from dbus_next import BusType, Message, MessageType, Variant
from dbus_next.aio import MessageBus

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
ITEM_IFACE = "org.kde.StatusNotifierItem"
MENU_IFACE = "com.canonical.dbusmenu"
PROPS = "org.freedesktop.DBus.Properties"

WATCHER_XML = """<node>
  <interface name="org.kde.StatusNotifierWatcher">
    <method name="RegisterStatusNotifierItem"><arg name="service" type="s" direction="in"/></method>
    <method name="RegisterStatusNotifierHost"><arg name="service" type="s" direction="in"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
  </interface>
</node>"""


class DesktopBus:
    def __init__(self, timeout: float = 30):
        self.timeout = timeout
        self.items: list[tuple[str, str]] = []
        self.notifications: list[dict] = []
        self._loop = asyncio.new_event_loop()
        # A bus cut at the end of the run is expected, not an error worth a traceback.
        self._loop.set_exception_handler(
            lambda loop, ctx: None if isinstance(ctx.get("exception"), EOFError) else loop.default_exception_handler(ctx)
        )
        self._thread = threading.Thread(target=self._loop.run_forever, name="desktop-bus", daemon=True)
        self._thread.start()
        self._run(self._start())

    # ---- plumbing ------------------------------------------------------------------------------

    def _run(self, coroutine, timeout: float | None = None):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout or self.timeout)

    async def _start(self):
        self.bus = await MessageBus(bus_type=BusType.SESSION).connect()
        self.bus.add_message_handler(self._watcher_call)
        await self.bus.request_name(WATCHER)
        self.monitor = await MessageBus(bus_type=BusType.SESSION).connect()
        self.monitor.add_message_handler(self._monitored)
        reply = await self.monitor.call(
            Message(
                destination="org.freedesktop.DBus",
                path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus.Monitoring",
                member="BecomeMonitor",
                signature="asu",
                body=[["type='method_call',interface='org.freedesktop.Notifications',member='Notify'"], 0],
            )
        )
        if reply.message_type == MessageType.ERROR:
            raise RuntimeError(f"cannot monitor the session bus: {reply.body}")

    def close(self):
        def stop():
            for bus in (getattr(self, "bus", None), getattr(self, "monitor", None)):
                if bus is not None:
                    bus.disconnect()
            self._loop.stop()

        self._loop.call_soon_threadsafe(stop)
        self._thread.join(timeout=5)

    # ---- the watcher ---------------------------------------------------------------------------

    def _watcher_props(self) -> dict:
        return {
            "RegisteredStatusNotifierItems": Variant("as", [f"{s}{p}" for s, p in self.items]),
            "IsStatusNotifierHostRegistered": Variant("b", True),
            "ProtocolVersion": Variant("i", 0),
        }

    def _watcher_call(self, msg: Message):
        if msg.message_type != MessageType.METHOD_CALL or msg.path != WATCHER_PATH:
            return None
        if msg.interface == WATCHER and msg.member == "RegisterStatusNotifierItem":
            arg = msg.body[0]
            # Either an object path on the caller's connection, or a bus name.
            service, path = (msg.sender, arg) if arg.startswith("/") else (arg, "/StatusNotifierItem")
            self.items.append((service, path))
            self.bus.send(
                Message.new_signal(WATCHER_PATH, WATCHER, "StatusNotifierItemRegistered", "s", [f"{service}{path}"])
            )
            return Message.new_method_return(msg)
        if msg.interface == WATCHER and msg.member == "RegisterStatusNotifierHost":
            return Message.new_method_return(msg)
        if msg.interface == PROPS and msg.member == "Get":
            value = self._watcher_props().get(msg.body[1])
            if value is None:
                return Message.new_error(msg, "org.freedesktop.DBus.Error.UnknownProperty", msg.body[1])
            return Message.new_method_return(msg, "v", [value])
        if msg.interface == PROPS and msg.member == "GetAll":
            return Message.new_method_return(msg, "a{sv}", [self._watcher_props()])
        if msg.interface == "org.freedesktop.DBus.Introspectable":
            return Message.new_method_return(msg, "s", [WATCHER_XML])
        return Message.new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", msg.member or "")

    # ---- the notification monitor -------------------------------------------------------------

    def _monitored(self, msg: Message):
        if msg.message_type == MessageType.METHOD_CALL and msg.member == "Notify" and len(msg.body) >= 8:
            app, replaces, icon, summary, body, actions, hints, timeout = msg.body[:8]
            self.notifications.append(
                {"app": app, "icon": icon, "summary": summary, "body": body, "actions": list(actions), "at": time.time()}
            )
        # A monitor must never answer: "handled", so that dbus-next does not reply for it.
        return True if msg.message_type == MessageType.METHOD_CALL else None

    def wait_notifications(self, count: int, app: str = "Rekey", timeout: float = 60) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [n for n in self.notifications if n["app"] == app]
            if len(found) >= count:
                return found
            time.sleep(0.2)
        raise TimeoutError(f"{count} notification(s) from {app} expected, saw {self.notifications}")

    # ---- the tray item and its menu --------------------------------------------------------------

    def wait_item(self, timeout: float = 60) -> tuple[str, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.items:
                return self.items[-1]
            time.sleep(0.2)
        raise TimeoutError("no StatusNotifierItem registered with the watcher")

    async def _call(self, destination, path, interface, member, signature="", body=None):
        reply = await self.bus.call(
            Message(
                destination=destination,
                path=path,
                interface=interface,
                member=member,
                signature=signature,
                body=body or [],
            )
        )
        if reply.message_type == MessageType.ERROR:
            raise RuntimeError(f"{interface}.{member} failed: {reply.error_name} {reply.body}")
        return reply.body

    def item_properties(self, item: tuple[str, str]) -> dict:
        service, path = item
        (props,) = self._run(self._call(service, path, PROPS, "GetAll", "s", [ITEM_IFACE]))
        return {k: v.value for k, v in props.items()}

    def menu(self, item: tuple[str, str], menu_path: str) -> list[dict]:
        """The menu's items in order: id, label, enabled, type (separators included)."""
        service, _ = item
        _revision, layout = self._run(self._call(service, menu_path, MENU_IFACE, "GetLayout", "iias", [0, -1, []]))
        items = []

        def walk(node):
            _id, props, children = node
            for child in children:
                child_id, child_props, grandchildren = child.value
                p = {k: v.value for k, v in child_props.items()}
                items.append(
                    {
                        "id": child_id,
                        "label": p.get("label", ""),
                        "enabled": p.get("enabled", True),
                        "type": p.get("type", "standard"),
                    }
                )
                walk((child_id, child_props, grandchildren))

        walk(layout)
        return items

    def click(self, item: tuple[str, str], menu_path: str, menu_id: int):
        service, _ = item
        self._run(
            self._call(service, menu_path, MENU_IFACE, "Event", "isvu", [menu_id, "clicked", Variant("s", ""), 0])
        )
