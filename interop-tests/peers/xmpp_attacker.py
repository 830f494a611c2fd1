"""A hostile XMPP client (PyPI ``slixmpp``) for the attack tests of osi-mms
(interop-tests/tests/xmpp_attacks.rs).

    xmpp_attacker.py --jid USER@DOMAIN/RESOURCE --password P --port N --ca CA.pem
                     [--host H] [--timeout S] [--relay CLIENT_JID SERVER_JID]

Logs in like xmpp_client.py (STARTTLS verified against CA.pem only, SASL, the given
resource), then reads commands from stdin, one per line, until QUIT or end of file:

    SEND <hex>           write the UTF-8 XML stanza <hex> as it is (prosody stamps 'from')
    FLOOD <n> <hex>      write the stanza <hex> <n> times back to back, each with every '%N%'
                         in it replaced by its number (0 .. n-1)
    ARM <action> <dir> [<kind>]
                         relay only: act on the next data stanza (one whose envelope carries a
                         clearTransfer or encrTransfer), or with <kind> on the next stanza
                         carrying that SecPDU (e.g. handshakeReq, releaseRsp), going <dir>
                         (c2s: from CLIENT_JID to SERVER_JID, s2c: back). <action>:
                           flip     data: flip the lowest bit of the last letter or digit
                                    inside its applData (a hex digit of the ciphertext, or the
                                    last character of the XER MMSpdu's last value); a signed
                                    SecPDU: the lowest bit of the last hex digit of its
                                    signature value; then forward it
                           drop     do not forward it
                           reorder  hold it; forward the following data stanza in <dir>
                                    first, then the held one
    REPLAY <dir>         relay only: send the last data stanza forwarded in <dir> once more
    MARK                 print MARK (everything printed before it is then in the transcript)
    QUIT                 disconnect and exit 0

With --relay the client forwards every iq and message stanza from CLIENT_JID to SERVER_JID
and from SERVER_JID to CLIENT_JID (only 'to' changes; prosody sets 'from' to our JID), so each
end sees us as its peer. Without it, received stanzas are only reported.

Lines on stdout (one event per line, see common.py; xml= is the stanza as slixmpp
re-serialised it, UTF-8, hex):

    READY jid=<full jid>
    STANZA name=iq|message type=<type> id=<id> from=<jid> condition=<stanza error> kind=<SecPDU> xml=<hex>
    RELAYED dir=c2s|s2c kind=<SecPDU> id=<id> xml=<hex of what we sent>
    TAMPERED action=<action> dir=<dir> kind=<SecPDU> id=<id>
    DROPPED dir=<dir> kind=<SecPDU> id=<id>
    REPLAYED dir=<dir> kind=<SecPDU> id=<id>
    SENT n=<count of SEND commands done>
    FLOODED n=<n>        (after the n stanzas of a FLOOD were handed to the stream)
    ARMED action=<action> dir=<dir>
    HELD dir=<dir> kind=<SecPDU> id=<id>
    MARK
    DISCONNECTED reason=<text>
    STREAM_ERROR condition=<condition>
    ERROR <reason> ...   then exit 1

Every wait for the server is bounded by --timeout (default 20 s).
"""

import argparse
import asyncio
import logging
import re
import sys

import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from common import emit, finish, xmpp_starttls_only

E2E_NS = 'http://www.iec.ch/62351/2018/E2E_4'
ENV_NS = 'http://www.iec.ch/62351/2018/ENV_4'
DATA_KINDS = ('clearTransfer', 'encrTransfer')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--jid', required=True)
    p.add_argument('--password', required=True)
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--ca', required=True, help='PEM file of the CA to trust')
    p.add_argument('--timeout', type=float, default=20.0)
    p.add_argument('--relay', nargs=2, metavar=('CLIENT_JID', 'SERVER_JID'))
    return p.parse_args()


def secpdu_kind(stanza):
    """The local name of the SecPDU element inside the stanza's ENV_4 envelope, if any."""
    for env in stanza.xml:
        if env.tag == '{%s}e2e' % ENV_NS:
            for child in env:
                ns, _, local = child.tag[1:].partition('}')
                return local if ns == E2E_NS else 'foreign'
    return None


def flip_appl_data(xml):
    """Flips the lowest bit of the last letter or digit of text inside applData: a hex digit
    of the ciphertext (EncrTransfer), or in the XER MMSpdu (ClearTransfer) the last character
    of its last value, e.g. the value a read response carries (1 becomes 0)."""
    m = re.search(r'<applData>(.*?)</applData>', xml, re.S)
    if m is None:
        raise ValueError('no applData')
    inner = m.group(1)
    hexdigits = '0123456789ABCDEFabcdef'
    is_hex = inner.strip(hexdigits) == ''
    in_tag = False
    last = None
    for i, c in enumerate(inner):
        if c == '<':
            in_tag = True
        elif c == '>':
            in_tag = False
        elif not in_tag and c.isalnum():
            last = i
    if last is None:
        raise ValueError('no text in applData')
    c = inner[last]
    # the ciphertext in hexadecimal stays a hex digit, one bit changed
    new = '%X' % (int(c, 16) ^ 1) if is_hex else chr(ord(c) ^ 1)
    at = m.start(1) + last
    return xml[:at] + new + xml[at + 1:]


def flip_signature(xml):
    """Flips the lowest bit of the last hex digit of the signature value (the inner
    <sign> element of a signed SecPDU's <sign>): the signature no longer verifies."""
    found = list(re.finditer(r'<sign>([0-9A-Fa-f]+)</sign>', xml))
    if not found:
        raise ValueError('no signature value')
    at = found[-1].end(1) - 1
    return xml[:at] + '%X' % (int(xml[at], 16) ^ 1) + xml[at + 1:]


class Attacker(slixmpp.ClientXMPP):

    def __init__(self, args, session_started):
        super().__init__(args.jid, args.password)
        xmpp_starttls_only(self, args.ca)
        self.session_started = session_started
        self.relay = args.relay
        self.armed = {}       # dir -> (action, SecPDU kinds it applies to)
        self.held = {}        # dir -> raw xml held back by 'reorder'
        self.last = {}        # dir -> raw xml of the last data stanza forwarded
        self.sent = 0
        self.add_event_handler('session_start', self.on_session_start)
        self.add_event_handler('failed_auth', self.on_failed_auth)
        self.add_event_handler('disconnected', self.on_disconnected)
        self.add_event_handler('stream_error', self.on_stream_error)
        # Every iq and message is ours: no automatic feature-not-implemented answers.
        self.register_handler(Callback(
            'attacker iq', MatchXPath('{%s}iq' % self.default_ns), self.on_stanza))
        self.register_handler(Callback(
            'attacker message', MatchXPath('{%s}message' % self.default_ns),
            self.on_stanza))

    async def on_session_start(self, _event):
        self.send_presence()
        emit('READY', jid=str(self.boundjid.full))
        if not self.session_started.done():
            self.session_started.set_result(True)

    def on_failed_auth(self, _event):
        emit('ERROR', 'auth-failed')
        finish(1)

    def on_disconnected(self, reason):
        if not self.session_started.done():
            emit('ERROR', 'disconnected', reason=str(reason).replace(' ', '_') or None)
            finish(1)
        emit('DISCONNECTED', reason=str(reason).replace(' ', '_') or None)

    def on_stream_error(self, error):
        emit('STREAM_ERROR', condition=error['condition'] or None)

    def on_stanza(self, stanza):
        name = stanza.xml.tag.split('}')[-1]
        sender = str(stanza['from'])
        kind = secpdu_kind(stanza)
        condition = None
        if stanza['type'] == 'error':
            condition = stanza['error']['condition'] or None
        emit('STANZA', name=name, type=stanza['type'] or None, id=stanza['id'] or None,
             **{'from': sender}, condition=condition, kind=kind,
             xml=str(stanza).encode('utf-8').hex())
        if self.relay is None:
            return
        client, server = self.relay
        if sender == client:
            direction, target = 'c2s', server
        elif sender == server:
            direction, target = 's2c', client
        else:
            return
        stanza.xml.attrib['to'] = target
        stanza.xml.attrib.pop('from', None)
        raw = str(stanza)
        armed = self.armed.get(direction)
        action = None
        if armed is not None and kind in armed[1]:
            action = self.armed.pop(direction)[0]
        elif kind not in DATA_KINDS:
            self.forward(direction, kind, stanza['id'], raw)
            return
        if action == 'flip':
            raw = flip_appl_data(raw) if kind in DATA_KINDS else flip_signature(raw)
            emit('TAMPERED', action='flip', dir=direction, kind=kind, id=stanza['id'] or None)
        elif action == 'drop':
            emit('DROPPED', dir=direction, kind=kind, id=stanza['id'] or None)
            return
        elif action == 'reorder':
            self.held[direction] = (kind, stanza['id'], raw)
            emit('HELD', dir=direction, kind=kind, id=stanza['id'] or None)
            return
        self.forward(direction, kind, stanza['id'], raw)
        held = self.held.pop(direction, None) if kind in DATA_KINDS else None
        if held is not None:
            emit('TAMPERED', action='reorder', dir=direction, kind=held[0],
                 id=held[1] or None)
            self.forward(direction, *held)

    def forward(self, direction, kind, ident, raw):
        self.send_raw(raw)
        if kind in DATA_KINDS:
            self.last[direction] = (kind, ident, raw)
        emit('RELAYED', dir=direction, kind=kind, id=ident or None,
             xml=raw.encode('utf-8').hex())

    def command(self, line):
        words = line.split()
        if not words:
            return True
        if words[0] == 'QUIT':
            return False
        if words[0] == 'SEND' and len(words) == 2:
            self.send_raw(bytes.fromhex(words[1]).decode('utf-8'))
            self.sent += 1
            emit('SENT', n=self.sent)
        elif words[0] == 'FLOOD' and len(words) == 3 and words[1].isdigit():
            template = bytes.fromhex(words[2]).decode('utf-8')
            n = int(words[1])
            for i in range(n):
                self.send_raw(template.replace('%N%', str(i)))
            emit('FLOODED', n=n)
        elif words[0] == 'MARK' and len(words) == 1:
            emit('MARK')
        elif words[0] == 'ARM' and len(words) in (3, 4) and self.relay:
            kinds = (words[3],) if len(words) == 4 else DATA_KINDS
            self.armed[words[2]] = (words[1], kinds)
            emit('ARMED', action=words[1], dir=words[2], kind=words[3] if len(words) == 4 else None)
        elif words[0] == 'REPLAY' and len(words) == 2 and self.relay:
            last = self.last.get(words[1])
            if last is None:
                emit('ERROR', 'nothing-to-replay', dir=words[1])
                finish(1)
            self.send_raw(last[2])
            emit('REPLAYED', dir=words[1], kind=last[0], id=last[1] or None)
        else:
            emit('ERROR', 'bad-command', line=line.strip().replace(' ', '_'))
            finish(1)
        return True


async def main(args):
    loop = asyncio.get_running_loop()
    session_started = loop.create_future()
    client = Attacker(args, session_started)
    client.connect(args.host, args.port)
    try:
        await asyncio.wait_for(session_started, args.timeout)
    except asyncio.TimeoutError:
        emit('ERROR', 'timeout', waiting_for='session_start')
        finish(1)
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line or not client.command(line):
            break
    try:
        await asyncio.wait_for(client.disconnect(), args.timeout)
    except asyncio.TimeoutError:
        pass
    finish(0)


if __name__ == '__main__':
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format='slixmpp %(levelname)s %(name)s: %(message)s')
    asyncio.run(main(parse_args()))
