"""An independent XMPP client (PyPI ``slixmpp``) for the XMPP tests of osi-mms.

    xmpp_client.py --jid USER@DOMAIN/RESOURCE --password P --port N --ca CA.pem
                   [--host H] [--timeout S] listen
    xmpp_client.py ... send --to JID --body TEXT

Connects to H:N (default 127.0.0.1), negotiates STARTTLS (required: direct TLS and
plaintext are switched off, and the session is refused unless the stream is encrypted),
verifies the server certificate against CA.pem only (hostname = the JID's domain),
authenticates with SASL and binds RESOURCE.

Lines on stdout (one event per line, see common.py):

    READY jid=<full jid> tls=<TLS version>     session started (both actions)
    MESSAGE from=<full jid> type=<type> body=<body as UTF-8, hex>   (listen)
    SENT to=<jid>                               message written, stream closed (send)
    ERROR <reason> ...                          then exit 1

``listen`` runs until its stdin closes (or it is killed); ``send`` exits 0 after SENT.
Every wait for the server is bounded by --timeout (default 20 s).
"""

import argparse
import asyncio
import logging
import sys

import slixmpp

from common import emit, finish, xmpp_starttls_only


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--jid', required=True)
    p.add_argument('--password', required=True)
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--ca', required=True, help='PEM file of the CA to trust')
    p.add_argument('--timeout', type=float, default=20.0)
    sub = p.add_subparsers(dest='action', required=True)
    sub.add_parser('listen')
    send = sub.add_parser('send')
    send.add_argument('--to', required=True)
    send.add_argument('--body', required=True)
    return p.parse_args()


class Client(slixmpp.ClientXMPP):

    def __init__(self, args, session_started):
        super().__init__(args.jid, args.password)
        xmpp_starttls_only(self, args.ca)
        self.session_started = session_started
        self.add_event_handler('session_start', self.on_session_start)
        self.add_event_handler('message', self.on_message)
        self.add_event_handler('failed_auth', self.on_failed_auth)
        self.add_event_handler('ssl_invalid_chain', self.on_invalid_chain)
        self.add_event_handler('disconnected', self.on_disconnected)

    def tls_version(self):
        ssl_object = None
        if self.transport is not None:
            ssl_object = self.transport.get_extra_info('ssl_object')
        return None if ssl_object is None else ssl_object.version()

    async def on_session_start(self, _event):
        version = self.tls_version()
        if version is None:
            emit('ERROR', 'not-encrypted')
            finish(1)
        self.send_presence()
        emit('READY', jid=str(self.boundjid.full), tls=version)
        if not self.session_started.done():
            self.session_started.set_result(True)

    def on_message(self, msg):
        if msg['type'] not in ('chat', 'normal'):
            emit('MESSAGE_ERROR', **{'from': str(msg['from'])},
                 type=msg['type'],
                 condition=msg['error']['condition'] or None)
            return
        emit('MESSAGE', **{'from': str(msg['from'])}, type=msg['type'],
             body=msg['body'].encode('utf-8').hex() or None)

    def on_failed_auth(self, _event):
        emit('ERROR', 'auth-failed')
        finish(1)

    def on_invalid_chain(self, exc):
        emit('ERROR', 'certificate-invalid', reason=str(exc).replace(' ', '_'))
        finish(1)

    def on_disconnected(self, reason):
        if not self.session_started.done():
            emit('ERROR', 'disconnected',
                 reason=str(reason).replace(' ', '_') or None)
            finish(1)


async def stdin_closed():
    """Waits until stdin reaches end of file."""
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.buffer.read)


async def main(args):
    loop = asyncio.get_running_loop()
    session_started = loop.create_future()
    client = Client(args, session_started)
    client.connect(args.host, args.port)
    try:
        await asyncio.wait_for(session_started, args.timeout)
    except asyncio.TimeoutError:
        emit('ERROR', 'timeout', waiting_for='session_start')
        finish(1)
    if args.action == 'listen':
        await stdin_closed()
        client.disconnect()
        finish(0)
    client.send_message(mto=args.to, mbody=args.body, mtype='chat')
    try:
        # waits for the send queue to drain and the stream to close
        await asyncio.wait_for(client.disconnect(), args.timeout)
    except asyncio.TimeoutError:
        emit('ERROR', 'timeout', waiting_for='disconnect')
        finish(1)
    emit('SENT', to=args.to)
    finish(0)


if __name__ == '__main__':
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format='slixmpp %(levelname)s %(name)s: %(message)s')
    asyncio.run(main(parse_args()))
