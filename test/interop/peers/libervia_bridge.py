# Sets up a Libervia 0.9 backend for the interop tests over its D-Bus bridge, then prints every
# stanza it sends or receives. One light process instead of a libervia-cli call per step (each
# loads the whole frontend: seconds of CPU apiece on a busy CI machine).
#
#   libervia_bridge.py PROFILE JID XMPP_PASSWORD DEADLINE_SECONDS
#
# 1. waits until the backend owns its bus name and says it is ready (the private bus has no
#    service activation, so until then calls fail at once);
# 2. subscribes to the stanza log (the xmlLog signal) before anything is sent;
# 3. creates the profile, sets its parameters, logs it in; prints "ready";
# 4. prints "==== IN|OUT ====" and the stanza's XML for each stanza, until it is stopped.
# Errors go to stderr with a non-zero exit.
import sys
import time

import dbus
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

NAME = "org.libervia.Libervia"
PATH = "/org/libervia/Libervia/bridge"
CALL_TIMEOUT = 60  # seconds, per bridge call


def main(profile, jid, password, deadline_seconds):
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    deadline = time.monotonic() + float(deadline_seconds)
    while not bus.name_has_owner(NAME):
        if time.monotonic() > deadline:
            sys.exit(f"libervia-backend did not take {NAME} within {deadline_seconds} s")
        time.sleep(0.2)
    obj = bus.get_object(NAME, PATH, introspect=False)
    core = dbus.Interface(obj, f"{NAME}.core")
    plugin = dbus.Interface(obj, f"{NAME}.plugin")
    core.getReady(timeout=CALL_TIMEOUT)

    def on_stanza(direction, xml, profile_):
        print(f"==== {direction} ==== ({profile_})\n{xml}", flush=True)

    # add_signal_receiver adds the match rule with a blocking call: subscribed from here on.
    plugin.connect_to_signal("xmlLog", on_stanza)

    if profile not in core.profilesListGet(True, False, timeout=CALL_TIMEOUT):
        core.profileCreate(profile, "", "", timeout=CALL_TIMEOUT)
    core.profileStartSession("", profile, timeout=CALL_TIMEOUT)
    for name, value, category in (
        ("JabberID", jid, "Connection"),
        ("Password", password, "Connection"),
        # Self-signed server certificates; STARTTLS is still used.
        ("check_certificate", "false", "Connection"),
        # Else the first use asks, through a UI nobody answers, to fetch its public IP from
        # salut-a-toi.org.
        ("allow_get_ip", "false", "General"),
        # Stanzas as xmlLog signals (step 4).
        ("Xml log", "true", "Debug"),
    ):
        core.setParam(name, value, category, -1, profile, timeout=CALL_TIMEOUT)
    core.connect(profile, "", dbus.Dictionary({}, signature="ss"), timeout=CALL_TIMEOUT)
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__ if __doc__ else "usage: libervia_bridge.py PROFILE JID XMPP_PASSWORD DEADLINE_SECONDS")
    main(*sys.argv[1:])
