# Test knobs for Libervia 0.9 (Debian 12), loaded by Python at start-up as `sitecustomize` (the
# helper copies this file into a directory on the backend's PYTHONPATH). Libervia has no setting
# that chooses a file-transfer method or transport, so these patches do. Unlike environment
# variables, the knobs are read from the JSON file named by $LV_KNOBS each time a patched function
# runs: one backend serves every case of a test file, each case writing the knobs it wants.
#
#   "transport": "ibb"   Jingle initiator offers XEP-0261 IBB instead of XEP-0260 SOCKS5
#   "proxyOnly": true    SOCKS5 candidates/streamhosts: the server's proxy only (Jingle and SI)
#   "si": true           `file send` uses SI (XEP-0096) instead of Jingle; receiving is unchanged
#
# Every patched call that applies a knob writes one "[knob] ..." line to stderr (the backend
# log), so a test can show the knob took effect. The two modules below are blocked as well:
# without them there is no UPnP discovery (which makes the first Jingle send after each start
# fall back to SI in a namespace without routes) and 127.0.0.1 is the only direct candidate.
import importlib.abc
import importlib.util
import json
import os
import sys

_KNOBS = os.environ.get("LV_KNOBS", "")
_BLOCKED = ("miniupnpc", "netifaces")


def knobs():
    if not _KNOBS:
        return {}
    try:
        with open(_KNOBS, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def note(text):
    sys.stderr.write(f"[knob] {text}\n")
    sys.stderr.flush()


def _patch_0166(mod):
    orig = mod.XEP_0166.initiate
    s5b = "urn:xmpp:jingle:transports:s5b:1"

    async def initiate(self, client, peer_jid, contents, encrypted=False):
        # initiate() takes the first transport of the list registered for its type; order the
        # list for this session (priority order, or S5B last when the knob asks for IBB).
        streaming = self._type_transports[mod.XEP_0166.TRANSPORT_STREAMING]
        is_ibb = knobs().get("transport") == "ibb"
        streaming.sort(key=lambda t: (is_ibb and t.namespace == s5b, -t.priority))
        if is_ibb:
            note(f"jingle transport for {peer_jid.full()}: {streaming[0].namespace}")
        return await orig(self, client, peer_jid, contents, encrypted)

    mod.XEP_0166.initiate = initiate


def _patch_0065(mod):
    orig = mod.XEP_0065.getCandidates

    def getCandidates(self, client, local_jid):
        d = orig(self, client, local_jid)
        if knobs().get("proxyOnly"):
            note("socks5 candidates: proxy only")
            d.addCallback(lambda cands: [c for c in cands if c.type == mod.XEP_0065.TYPE_PROXY])
        return d

    mod.XEP_0065.getCandidates = getCandidates


def _patch_0234(mod):
    orig = mod.XEP_0234.canHandleFileSend

    async def canHandleFileSend(self, client, peer_jid, filepath):
        if knobs().get("si"):
            note(f"file send to {peer_jid.full()}: jingle disabled, SI")
            return False
        return await orig(self, client, peer_jid, filepath)

    mod.XEP_0234.canHandleFileSend = canHandleFileSend


_PATCHES = {
    "sat.plugins.plugin_xep_0166": _patch_0166,
    "sat.plugins.plugin_xep_0065": _patch_0065,
    "sat.plugins.plugin_xep_0234": _patch_0234,
}


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name in _BLOCKED:
            raise ImportError(f"{name} disabled for headless tests")
        patch = _PATCHES.pop(name, None)
        if patch is None:
            return None
        spec = importlib.util.find_spec(name)  # the normal lookup: the entry is gone
        orig_exec = spec.loader.exec_module

        def exec_module(module):
            orig_exec(module)
            patch(module)
            sys.stderr.write(f"[pyshim] patched {name}\n")

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _Finder())
