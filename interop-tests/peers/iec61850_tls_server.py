"""PyPI `iec61850` server over TLS (its rustls stack) for osi-mms interop-tests.

Usage: iec61850_tls_server.py PORT --cert PEM --key PEM --ca PEM
       [--version tls1.2|tls1.3] [--timeout S] [--associations N]

Serves the model of ``iec61850_server.py`` (domain ``PEERLD0``) with
``IedServer.with_tls``: the given server chain and PKCS#8 key, the client chain
validated against ``--ca`` (``client_ca_pem``), exactly one TLS version when
``--version`` is given. Prints ``READY <port>``, ``ASSOCIATIONS active=N``,
``TIMEOUT`` / ``ERROR <text>``; exits 0 once --associations associations (default
1) have come and gone, always through os._exit.
"""

import argparse
import asyncio

import iec61850

import common
from common import emit
from iec61850_server import model_spec


def read(path):
    with open(path, 'rb') as f:
        return f.read()


async def main(args):
    server = iec61850.IedServer.from_model_spec(model_spec('PEER'))
    kw = {'client_ca_pem': read(args.ca)}
    if args.version:
        kw['min_tls_version'] = args.version
        kw['max_tls_version'] = args.version
    server.with_tls(read(args.cert), read(args.key), **kw)
    server.bind(f'127.0.0.1:{args.port}')
    await server.start()
    emit('READY', int(server.bound_addr.rsplit(':', 1)[1]))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.timeout
    active = finished = 0
    code = 2
    while loop.time() < deadline:
        count = server.connection_count
        if count != active:
            if count < active:
                finished += active - count
            active = count
            emit('ASSOCIATIONS', active=active)
            if active == 0 and finished >= args.associations:
                code = 0
                break
        await asyncio.sleep(0.02)
    if code == 2:
        emit('TIMEOUT')
    try:
        await asyncio.wait_for(server.stop(), 5)
    except Exception:
        pass
    return code


if __name__ == '__main__':
    common.setup_logging()
    parser = argparse.ArgumentParser()
    parser.add_argument('port', type=int)
    parser.add_argument('--cert', required=True)
    parser.add_argument('--key', required=True)
    parser.add_argument('--ca', required=True)
    parser.add_argument('--version', choices=['tls1.2', 'tls1.3'])
    parser.add_argument('--timeout', type=float, default=30.0)
    parser.add_argument('--associations', type=int, default=1)
    args = parser.parse_args()
    args.timeout = min(args.timeout, 60.0)
    try:
        code = asyncio.run(main(args))
    except Exception as e:
        text = str(e).replace('\n', ' ') or type(e).__name__
        emit('ERROR', f'{type(e).__name__}: {text}')
        code = 1
    common.finish(code)
